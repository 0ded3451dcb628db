#pragma once

#include <QLoggingCategory>

// The logging categories of the file transfer code: SFTP requests (gpudeck.sftp) and the
// transfer engines (gpudeck.transfer). Private to this library.
Q_DECLARE_LOGGING_CATEGORY(lcSftp)
Q_DECLARE_LOGGING_CATEGORY(lcTransfer)
