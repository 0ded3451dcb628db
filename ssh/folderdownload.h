#pragma once

#include "transfer.h"

#include <QString>
#include <QStringList>

namespace gpudeck::ssh {

class TransferContext;

// Downloads a remote folder into a local folder: one `find` lists it (sizes for progress, and
// what a resume can skip), then `tar -c` on the machine streams it and GPUDeck unpacks it
// itself with the safety rules of TarExtractor. A new folder is built under
// ".NAME.gpudeck-part" and renamed when complete; a resume fetches only what is missing or
// differs in size or time.
class FolderDownload final {
    Q_DISABLE_COPY_MOVE(FolderDownload)
public:
    explicit FolderDownload(TransferContext& context);

    [[nodiscard]] Result<TransferOutcome> run(const QString& remoteDir, const QString& localDir);

private:
    TransferContext& m_ctx;
    QStringList m_problems;
};

} // namespace gpudeck::ssh
