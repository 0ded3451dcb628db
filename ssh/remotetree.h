#pragma once

#include "result.h"
#include "sftpclient.h"

#include <QByteArray>
#include <QList>

namespace gpudeck::ssh {

class TransferContext;

struct RemoteTreeEntry {
    QByteArray path; // relative to the listed folder, '/'-separated, as the server has it
    RemoteEntry::Type type = RemoteEntry::Type::Other;
    qint64 size = 0;
    qint64 mtime = 0;
    quint32 mode = 0; // permission bits
    QByteArray linkTarget;
};

// Everything below the remote folder `dir` (symlinks listed, never followed), parents before
// children. One `find -printf` command when the machine has GNU find (one round trip for any
// number of folders); otherwise a walk over SFTP (a round trip or two per folder).
[[nodiscard]] Result<QList<RemoteTreeEntry>> listRemoteTree(TransferContext& context,
                                                            const QString& dir);

} // namespace gpudeck::ssh
