#pragma once

#include "transfer.h"

#include <QByteArray>
#include <QList>
#include <QString>

namespace gpudeck::ssh {

class LocalTree;
class SftpClient;
class TransferContext;

// Downloads one remote file into a local folder: conflict policy, a temporary name until it is
// complete, resume from what is already here, modification time and permissions, optional
// checksum. The stream route reads a remote `cat` (or `tail -c +N` to resume) with reads large
// enough to open an 8 MiB channel window; the SFTP route keeps many sftp_async_read requests in
// flight.
class FileDownload final {
    Q_DISABLE_COPY_MOVE(FileDownload)
public:
    explicit FileDownload(TransferContext& context);

    [[nodiscard]] Result<TransferOutcome> run(const QString& remotePath, const QString& localDir);

    // Appends bytes [offset, size) of `remotePath` to `fd`, an open file of `tree` (dir/name
    // for messages).
    [[nodiscard]] static Result<void> fetchByStream(TransferContext& context,
                                                    const QString& remotePath, LocalTree& tree,
                                                    const QList<QByteArray>& dir,
                                                    const QByteArray& name, int fd, qint64 offset,
                                                    qint64 size);
    [[nodiscard]] static Result<void> fetchBySftp(TransferContext& context, SftpClient& sftp,
                                                  const QString& remotePath, LocalTree& tree,
                                                  const QList<QByteArray>& dir,
                                                  const QByteArray& name, int fd, qint64 offset,
                                                  qint64 size);

private:
    TransferContext& m_ctx;
};

} // namespace gpudeck::ssh
