#pragma once

#include "transfer.h"

#include <QString>

class QFile;

namespace gpudeck::ssh {

class SftpClient;
class TransferContext;

// Modes of what an upload leaves on the machine while it is incomplete: readable by the login
// user only, whatever the remote umask (docs/SECURITY.md). The final mode is set at the rename.
inline constexpr int kPartialMode = 0600;
inline constexpr int kPartialDirMode = 0700;

// Uploads one local file into a remote folder: conflict policy, a temporary name until it is
// complete, resume, modification time and permissions, optional checksum.
//
// The stream route writes with `dd` on several channels at once, each filling its own stripe
// of the temporary file (dd seek=, conv=notrunc), because one SSH channel carries at most the
// server's window per round trip. Resuming a striped upload compares SHA-256 of each 4 MiB
// block of the temporary file with the local file and resends from the first block that
// differs in each stripe; rewriting a block is harmless, so nothing needs bookkeeping.
class FileUpload final {
    Q_DISABLE_COPY_MOVE(FileUpload)
public:
    explicit FileUpload(TransferContext& context);

    [[nodiscard]] Result<TransferOutcome> run(const QString& localPath, const QString& remoteDir);

    // Sends `local` into `remotePath` by SFTP, appending after the first `offset` bytes already
    // there (sftp_write: one round trip per 192 KiB chunk).
    [[nodiscard]] static Result<void> sendBySftp(TransferContext& context, SftpClient& sftp,
                                                 QFile& local, const QString& remotePath,
                                                 qint64 offset);

private:
    // Creates the empty temporary file `temp` with kPartialMode for the stream route's `dd`
    // (which opens it without changing its mode), or sets that mode on one that `exists`.
    [[nodiscard]] static Result<void> makePrivateTemp(SftpClient& sftp, const QString& temp,
                                                      bool exists);
    [[nodiscard]] Result<void> sendByStream(QFile& local, const QString& tempPath, qint64 tempSize,
                                            bool resume);
    // Where each stripe [starts[i], ends[i]) continues after comparing block checksums with the
    // temporary file on the machine.
    // How much of the partial file `tempPath` matches the local file, read back over SFTP and
    // compared in 4 MiB blocks (for the SFTP route, which runs no commands).
    [[nodiscard]] Result<qint64> verifiedPrefixBySftp(SftpClient& sftp, QFile& local,
                                                      const QString& tempPath, qint64 tempSize);
    [[nodiscard]] Result<QList<qint64>> resumePoints(QFile& local, const QString& tempPath,
                                                     qint64 tempSize, const QList<qint64>& starts,
                                                     const QList<qint64>& ends);

    TransferContext& m_ctx;
    int m_streamsUsed = 0;
};

} // namespace gpudeck::ssh
