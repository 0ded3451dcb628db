#include "transfer.h"

#include "filedownload.h"
#include "fileupload.h"
#include "folderdownload.h"
#include "folderupload.h"
#include "localtree.h"
#include "pathsafety.h"
#include "remotepath.h"
#include "sftpclient.h"
#include "transfercontext.h"
#include "transferlog.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>

namespace gpudeck::ssh {

Result<TransferOutcome> runTransfer(Session& session, const TransferSpec& spec,
                                    const ProgressFn& progress, const std::atomic_bool* cancel)
{
    TransferContext ctx(session, spec, progress, cancel);
    QElapsedTimer timer;
    timer.start();
    Result<TransferOutcome> result = makeError(ErrorCode::Internal, QStringLiteral("no transfer"));
    if (spec.direction == TransferDirection::Upload) {
        const QFileInfo info(spec.source);
        if (!info.exists() && !info.isSymLink())
            return makeError(ErrorCode::NotFound,
                             QStringLiteral("%1 does not exist.").arg(spec.source));
        if (info.isDir()) {
            FolderUpload up(ctx);
            result = up.run(spec.source, spec.destinationDir);
        } else {
            FileUpload up(ctx);
            result = up.run(spec.source, spec.destinationDir);
        }
    } else {
        Result<SftpClient*> sftp = ctx.sftp();
        if (!sftp.ok())
            return sftp.error();
        Result<RemoteEntry> entry = sftp.value()->stat(spec.source);
        if (!entry.ok())
            return entry.error();
        if (entry->isDir()) {
            FolderDownload down(ctx);
            result = down.run(spec.source, spec.destinationDir);
        } else {
            FileDownload down(ctx);
            result = down.run(spec.source, spec.destinationDir);
        }
    }
    if (result.ok())
        qCInfo(lcTransfer).noquote()
            << (spec.direction == TransferDirection::Upload ? "uploaded" : "downloaded")
            << spec.source << "->" << result->target << "via" << result->route << result->bytes
            << "bytes in" << timer.elapsed() << "ms" << (result->skipped ? "(skipped)" : "");
    else
        qCInfo(lcTransfer).noquote()
            << "transfer of" << spec.source << "stopped:" << result.error().message;
    ctx.report(true);
    return result;
}

Result<void> discardPartial(Session& session, const TransferSpec& spec)
{
    if (spec.direction == TransferDirection::Upload) {
        const QString name =
            spec.targetName.isEmpty() ? QFileInfo(spec.source).fileName() : spec.targetName;
        SftpClient sftp(session);
        Result<void> opened = sftp.open();
        if (!opened.ok())
            return opened;
        Result<QString> dir = sftp.expand(spec.destinationDir);
        if (!dir.ok())
            return dir.error();
        const QString temp = remoteJoin(dir.value(), partName(name));
        Result<bool> there = sftp.exists(temp);
        if (!there.ok())
            return there.error();
        if (!there.value())
            return {};
        return sftp.removeRecursively(temp);
    }
    const QByteArray name =
        spec.targetName.isEmpty() ? remoteBaseName(spec.source).toUtf8() : spec.targetName.toUtf8();
    if (!nameProblem(name).isEmpty() || !QFileInfo(spec.destinationDir).isDir())
        return {};
    LocalTree tree;
    Result<void> opened = tree.open(spec.destinationDir);
    if (!opened.ok())
        return opened;
    return tree.removeAll({}, partName(name));
}

QString conflictPolicyName(ConflictPolicy policy)
{
    switch (policy) {
    case ConflictPolicy::Resume:
        return QStringLiteral("resume");
    case ConflictPolicy::Overwrite:
        return QStringLiteral("overwrite");
    case ConflictPolicy::Skip:
        return QStringLiteral("skip");
    case ConflictPolicy::Rename:
        return QStringLiteral("rename");
    }
    return {};
}

std::optional<ConflictPolicy> conflictPolicyFromName(const QString& name)
{
    for (ConflictPolicy p : {ConflictPolicy::Resume, ConflictPolicy::Overwrite,
                             ConflictPolicy::Skip, ConflictPolicy::Rename}) {
        if (conflictPolicyName(p) == name)
            return p;
    }
    return std::nullopt;
}

} // namespace gpudeck::ssh
