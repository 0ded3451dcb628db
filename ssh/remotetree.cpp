#include "remotetree.h"

#include "remotecommand.h"
#include "remotepath.h"
#include "transfercontext.h"
#include "transferlog.h"

namespace gpudeck::ssh {

namespace {

Result<QList<RemoteTreeEntry>> parseFind(const QByteArray& out)
{
    // Records of "TYPE SIZE MTIME MODE PATH\0LINK\0".
    QList<RemoteTreeEntry> entries;
    qsizetype pos = 0;
    while (pos < out.size()) {
        const qsizetype end1 = out.indexOf('\0', pos);
        const qsizetype end2 = end1 < 0 ? -1 : out.indexOf('\0', end1 + 1);
        if (end2 < 0)
            return makeError(ErrorCode::ProviderFailure,
                             QStringLiteral("The machine's file listing was cut short."));
        const QByteArray head = out.mid(pos, end1 - pos);
        RemoteTreeEntry e;
        e.linkTarget = out.mid(end1 + 1, end2 - end1 - 1);
        pos = end2 + 1;
        // The path is everything after the fourth space (it may contain spaces itself).
        qsizetype field = 0;
        qsizetype start = 0;
        QList<QByteArray> parts;
        for (qsizetype i = 0; i < head.size() && field < 4; ++i) {
            if (head.at(i) == ' ') {
                parts << head.mid(start, i - start);
                start = i + 1;
                ++field;
            }
        }
        if (parts.size() != 4)
            return makeError(ErrorCode::ProviderFailure,
                             QStringLiteral("The machine's file listing is malformed."));
        e.path = head.mid(start);
        const char t = parts.at(0).isEmpty() ? '?' : parts.at(0).at(0);
        e.type = t == 'f'   ? RemoteEntry::Type::File
                 : t == 'd' ? RemoteEntry::Type::Directory
                 : t == 'l' ? RemoteEntry::Type::Symlink
                            : RemoteEntry::Type::Other;
        e.size = parts.at(1).toLongLong();
        e.mtime = parts.at(2).left(parts.at(2).indexOf('.')).toLongLong();
        e.mode = parts.at(3).toUInt(nullptr, 8) & 07777;
        entries << e;
    }
    return entries;
}

Result<QList<RemoteTreeEntry>> walkSftp(TransferContext& ctx, const QString& root)
{
    Result<SftpClient*> sftp = ctx.sftp();
    if (!sftp.ok())
        return sftp.error();
    QList<RemoteTreeEntry> entries;
    QList<QByteArray> pending{QByteArray()};
    while (!pending.isEmpty()) {
        if (ctx.cancelled())
            return TransferContext::cancelledError();
        const QByteArray rel = pending.takeFirst();
        const QString dir = rel.isEmpty() ? root : remoteJoin(root, QString::fromUtf8(rel));
        Result<QList<RemoteEntry>> listed = sftp.value()->list(dir, false, ctx.cancelFlag());
        if (!listed.ok())
            return listed.error();
        for (const RemoteEntry& r : listed.value()) {
            RemoteTreeEntry e;
            e.path = rel.isEmpty() ? r.rawName : rel + '/' + r.rawName;
            e.type = r.type;
            e.size = r.size;
            e.mtime = r.modified.toSecsSinceEpoch();
            e.mode = r.permissions & 07777;
            if (r.isSymlink()) {
                Result<QString> target =
                    sftp.value()->readLink(remoteJoin(dir, QString::fromUtf8(r.rawName)));
                if (target.ok())
                    e.linkTarget = target->toUtf8();
            }
            if (r.isDir())
                pending << e.path;
            entries << e;
        }
    }
    return entries;
}

} // namespace

Result<QList<RemoteTreeEntry>> listRemoteTree(TransferContext& ctx, const QString& dir)
{
    if (ctx.useStream()) {
        const QString script =
            QStringLiteral("exec find \"$1\" -mindepth 1 -printf '%y %s %T@ %m %P\\0%l\\0'");
        Result<QByteArray> out =
            ctx.capture(remoteCommand(script, {pathArgument(dir)}), QStringLiteral("list"), dir);
        if (out.ok())
            return parseFind(out.value());
        if (out.error().code == ErrorCode::Cancelled || out.error().code == ErrorCode::Network)
            return out.error();
        qCInfo(lcTransfer).noquote() << "no GNU find listing of" << dir << "("
                                     << out.error().message << "); walking it over SFTP";
    }
    return walkSftp(ctx, dir);
}

} // namespace gpudeck::ssh
