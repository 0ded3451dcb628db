#pragma once

#include "transfer.h"

#include <QList>
#include <QString>

namespace gpudeck::ssh {

struct LocalItem;
class TransferContext;

// Uploads a local folder into a remote folder as tar streams: `tar -x` on the machine reads an
// archive GPUDeck writes itself (no local tar program), so ten thousand small files cost one
// stream, not ten thousand round trips. Several streams run at once (files spread over them by
// size) because each SSH channel carries at most the server's window per round trip. A new
// folder is built under ".NAME.gpudeck-part" and renamed when complete; resuming lists what is
// there (one `find`) and sends only the files that are missing or differ in size or time.
class FolderUpload final {
    Q_DISABLE_COPY_MOVE(FolderUpload)
public:
    explicit FolderUpload(TransferContext& context);

    [[nodiscard]] Result<TransferOutcome> run(const QString& localDir, const QString& remoteDir);

private:
    [[nodiscard]] Result<void> sendByStream(const QString& localDir, const QList<LocalItem>& items,
                                            const QString& target);
    [[nodiscard]] Result<void> sendBySftp(const QString& localDir, const QList<LocalItem>& items,
                                          const QString& target);

    TransferContext& m_ctx;
    QStringList m_problems;
    int m_streamsUsed = 0;
};

} // namespace gpudeck::ssh
