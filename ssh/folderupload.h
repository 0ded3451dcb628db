#pragma once

#include "remotetree.h"
#include "transfer.h"

#include <QHash>
#include <QList>
#include <QString>

namespace gpudeck::ssh {

struct LocalItem;
class SftpClient;
class TransferContext;

// Uploads a local folder into a remote folder as tar streams: `tar -x` on the machine reads an
// archive GPUDeck writes itself (no local tar program), so ten thousand small files cost one
// stream, not ten thousand round trips. Several streams run at once (files spread over them by
// size) because each SSH channel carries at most the server's window per round trip. The
// folder is built under ".NAME.gpudeck-part" (mode 0700 until complete) and renamed into place
// when complete; onto an existing folder, each file is renamed into place (atomically
// replacing the old one), and nothing is written below a link the destination holds. Resuming
// lists what is there (one `find`) and sends only the files that are missing or differ in size
// or time.
class FolderUpload final {
    Q_DISABLE_COPY_MOVE(FolderUpload)
public:
    explicit FolderUpload(TransferContext& context);

    [[nodiscard]] Result<TransferOutcome> run(const QString& localDir, const QString& remoteDir);

private:
    // Renames what the temporary folder holds into the existing folder `dest`, one rename per
    // file or link (pipelined) or per folder missing there; what cannot go (a link or file
    // where a folder should be) stays in `temp` and is named in m_problems.
    [[nodiscard]] Result<void> mergeInto(SftpClient& sftp, const QString& temp, const QString& dest,
                                         const QList<LocalItem>& items,
                                         const QHash<QByteArray, RemoteTreeEntry>& atDest);
    [[nodiscard]] Result<void> sendByStream(const QString& localDir, const QList<LocalItem>& items,
                                            const QString& target);
    [[nodiscard]] Result<void> sendBySftp(const QString& localDir, const QList<LocalItem>& items,
                                          const QString& target);

    TransferContext& m_ctx;
    QStringList m_problems;
    int m_streamsUsed = 0;
};

} // namespace gpudeck::ssh
