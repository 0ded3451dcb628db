#pragma once

#include "transfer.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <functional>

namespace gpudeck::ssh {

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

    // Receives the bytes of a file in order.
    using Sink = std::function<Result<void>(const char* data, qint64 size)>;
    // Fetches bytes [offset, size) of `remotePath` into `sink`.
    [[nodiscard]] static Result<void> fetchByStream(TransferContext& context,
                                                    const QString& remotePath, qint64 offset,
                                                    qint64 size, const Sink& sink);
    [[nodiscard]] static Result<void> fetchBySftp(TransferContext& context, SftpClient& sftp,
                                                  const QString& remotePath, qint64 offset,
                                                  qint64 size, const Sink& sink);

private:
    TransferContext& m_ctx;
};

} // namespace gpudeck::ssh
