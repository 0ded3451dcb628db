#include "folderdownload.h"

#include "execchannel.h"
#include "filedownload.h"
#include "localtree.h"
#include "pathsafety.h"
#include "remotecommand.h"
#include "remotepath.h"
#include "remotetree.h"
#include "sftpclient.h"
#include "tarextractor.h"
#include "transfercontext.h"
#include "transferlog.h"

#include <QDir>
#include <QFile>

namespace gpudeck::ssh {

namespace {

// One read of the stream: 8 MiB widens the channel window to 8 MiB (see FileDownload).
constexpr qint64 kStreamRead = 8 << 20;

QString describeProblems(const QStringList& problems)
{
    QStringList shown = problems.mid(0, 5);
    if (problems.size() > 5)
        shown << QStringLiteral("and %1 more").arg(problems.size() - 5);
    return shown.join(QLatin1Char(' '));
}

} // namespace

FolderDownload::FolderDownload(TransferContext& context)
    : m_ctx(context)
{}

Result<TransferOutcome> FolderDownload::run(const QString& remoteGiven, const QString& localDir)
{
    m_ctx.setPhase(TransferProgress::Phase::Preparing);
    Result<SftpClient*> sftpOpen = m_ctx.sftp();
    if (!sftpOpen.ok())
        return sftpOpen.error();
    SftpClient& sftp = *sftpOpen.value();
    Result<QString> remote = sftp.expand(remoteGiven);
    if (!remote.ok())
        return remote.error();
    QByteArray remoteName = m_ctx.spec().targetName.isEmpty()
                                ? remoteBaseName(remote.value()).toUtf8()
                                : m_ctx.spec().targetName.toUtf8();
    if (remoteName.isEmpty()) {
        Result<QString> real = sftp.realPath(remote.value());
        if (real.ok())
            remoteName = remoteBaseName(real.value()).toUtf8();
    }
    const QString problem = nameProblem(remoteName);
    if (!problem.isEmpty())
        return makeError(ErrorCode::InvalidInput,
                         QStringLiteral("The machine's folder name “%1” %2, so it was not saved.")
                             .arg(printableName(remoteName), problem));

    Result<QList<RemoteTreeEntry>> listed = listRemoteTree(m_ctx, remote.value());
    if (!listed.ok())
        return listed.error();
    qint64 totalBytes = 0;
    qint64 totalFiles = 0;
    for (const RemoteTreeEntry& e : listed.value()) {
        if (e.type == RemoteEntry::Type::File) {
            totalBytes += e.size;
            ++totalFiles;
        }
    }
    m_ctx.setTotals(totalBytes, totalFiles);

    if (!QDir().mkpath(localDir))
        return makeError(ErrorCode::Io,
                         QStringLiteral("Could not create the folder %1.").arg(localDir));
    LocalTree tree;
    Result<void> opened = tree.open(localDir);
    if (!opened.ok())
        return opened.error();

    TransferOutcome outcome;
    outcome.files = totalFiles;
    const ConflictPolicy policy = m_ctx.spec().conflict;
    QByteArray name = remoteName;
    QByteArray base; // the folder extraction writes into: `name` (merge) or its temporary name
    bool skipUnchanged = false;
    Result<LocalTree::Info> existing = tree.info({}, name);
    if (!existing.ok())
        return existing.error();
    if (existing->exists) {
        if (policy == ConflictPolicy::Skip) {
            outcome.target = tree.displayPath({}, name);
            outcome.skipped = true;
            return outcome;
        }
        if (policy == ConflictPolicy::Rename) {
            for (int n = 2;; ++n) {
                name = numberedName(QString::fromUtf8(remoteName), n).toUtf8();
                Result<LocalTree::Info> taken = tree.info({}, name);
                if (!taken.ok())
                    return taken.error();
                if (!taken->exists)
                    break;
            }
        } else if (existing->isDir) {
            base = name;
            skipUnchanged = policy == ConflictPolicy::Resume;
        }
        // A file or link of that name stays until the complete folder replaces it at the end.
    }
    m_ctx.setTarget(tree.displayPath({}, name));
    const QByteArray temp = partName(name);
    if (base.isEmpty()) {
        base = temp;
        Result<LocalTree::Info> old = tree.info({}, temp);
        if (!old.ok())
            return old.error();
        if (old->exists && policy == ConflictPolicy::Resume && old->isDir) {
            skipUnchanged = true;
            outcome.resumed = true;
        } else if (old->exists) {
            Result<void> removed = tree.removeAll({}, temp);
            if (!removed.ok())
                return removed.error();
        }
        Result<void> made = tree.makeDirs({temp});
        if (!made.ok())
            return made.error();
    }

    // What to fetch: everything, or (resuming) the files missing here or different.
    QByteArray list; // NUL-separated paths for `tar -T -`
    bool everything = true;
    qint64 doneBytes = 0;
    qint64 doneFiles = 0;
    if (skipUnchanged) {
        for (const RemoteTreeEntry& e : listed.value()) {
            Result<QList<QByteArray>> names = safeRelativePath(e.path);
            if (e.type == RemoteEntry::Type::File && names.ok() && !names->isEmpty()) {
                QList<QByteArray> dir = QList<QByteArray>{base} + names.value();
                const QByteArray file = dir.takeLast();
                Result<LocalTree::Info> here = tree.info(dir, file);
                if (here.ok() && here->isFile && here->size == e.size && here->mtime == e.mtime) {
                    doneBytes += e.size;
                    ++doneFiles;
                    everything = false;
                    continue;
                }
            }
            list += "./" + e.path + '\0';
        }
        m_ctx.addExisting(doneBytes);
        m_ctx.addFiles(doneFiles);
    }

    m_ctx.setPhase(TransferProgress::Phase::Transferring);
    const qint64 before = m_ctx.bytesDone();
    TarExtractor extractor(tree, {base},
                           [this](qint64 bytes, const QByteArray& path, bool fileDone) {
                               m_ctx.setCurrentFile(QString::fromUtf8(path));
                               if (fileDone)
                                   m_ctx.addFiles(1);
                               else
                                   m_ctx.addBytes(bytes);
                           });
    if (m_ctx.useStream()) {
        outcome.route = QStringLiteral("tar stream");
        const QString command =
            everything
                ? QStringLiteral("printf 'GPUDECK\\n'; exec tar -c -f - -C \"$1\" .")
                : QStringLiteral("printf 'GPUDECK\\n'; exec tar -c -f - -C \"$1\" --no-recursion "
                                 "--null -T -");
        ExecChannel ch(m_ctx.session());
        Result<void> started = ch.start(remoteCommand(command, {pathArgument(remote.value())}));
        if (!started.ok()) {
            if (started.error().code == ErrorCode::Ssh)
                (void)m_ctx.refuseStream(started.error().message);
            else
                return started.error();
        }
        if (started.ok()) {
            tar::Reader reader(extractor);
            QByteArray buf(kStreamRead, Qt::Uninitialized);
            QByteArray head;
            bool markerSeen = false;
            qsizetype listSent = 0;
            if (everything)
                (void)ch.closeInput();
            Result<void> failed;
            while (!ch.atEnd() && failed.ok()) {
                if (m_ctx.cancelled())
                    return TransferContext::cancelledError();
                if (!everything && listSent < list.size()) {
                    Result<qint64> w =
                        ch.write(list.constData() + listSent, list.size() - listSent);
                    if (!w.ok())
                        return w.error();
                    listSent += w.value();
                    if (listSent == list.size())
                        (void)ch.closeInput();
                }
                Result<qint64> n = ch.read(buf.data(), buf.size(), 50);
                if (!n.ok())
                    return n.error();
                const char* data = buf.constData();
                qint64 len = n.value();
                if (!markerSeen && len > 0) {
                    const qint64 take =
                        std::min<qint64>(len, TransferContext::kMarkerSize - head.size());
                    head.append(data, take);
                    data += take;
                    len -= take;
                    if (head.size() == TransferContext::kMarkerSize) {
                        if (head != QByteArray(TransferContext::kMarker)) {
                            (void)m_ctx.refuseStream(
                                QStringLiteral("its output was not an archive"));
                            break;
                        }
                        markerSeen = true;
                    }
                }
                if (len > 0)
                    failed = reader.feed(data, len);
            }
            if (!failed.ok())
                return failed.error();
            if (!m_ctx.streamRefused()) {
                Result<int> status = ch.finish(m_ctx.cancelFlag());
                if (!status.ok())
                    return status.error();
                if (!markerSeen)
                    (void)m_ctx.refuseStream(QStringLiteral("its output was not an archive"));
                else {
                    // GNU tar goes on past files it cannot read (exit status 2) and names them.
                    if (status.value() != 0) {
                        const QString err = QString::fromUtf8(ch.errorOutput()).trimmed();
                        if (err.isEmpty())
                            return m_ctx.remoteError(QStringLiteral("pack"), remoteGiven,
                                                     ch.errorOutput(), status.value());
                        for (const QString& line : err.split(QLatin1Char('\n'))) {
                            if (!line.contains(QLatin1String("Exiting with failure status")))
                                m_problems << line.trimmed();
                        }
                    }
                    Result<void> complete = reader.finish();
                    if (!complete.ok() && status.value() == 0)
                        return complete.error();
                }
            }
        }
    }
    if (!m_ctx.useStream()) {
        outcome.route = QStringLiteral("sftp");
        for (const RemoteTreeEntry& e : listed.value()) {
            if (m_ctx.cancelled())
                return TransferContext::cancelledError();
            if (skipUnchanged && !list.contains(QByteArray("./" + e.path + '\0')))
                continue;
            tar::Entry t;
            t.path = e.path;
            t.mode = e.mode;
            t.mtime = e.mtime;
            t.linkTarget = e.linkTarget;
            t.size = e.type == RemoteEntry::Type::File ? e.size : 0;
            t.type = e.type == RemoteEntry::Type::File        ? tar::Type::File
                     : e.type == RemoteEntry::Type::Directory ? tar::Type::Directory
                     : e.type == RemoteEntry::Type::Symlink   ? tar::Type::Symlink
                                                              : tar::Type::Other;
            // The extractor applies the same rules to each entry; the data comes over SFTP.
            Result<void> r = extractor.started(t);
            if (r.ok() && extractor.wantsData())
                r = FileDownload::fetchBySftp(
                    m_ctx, sftp, remoteJoin(remote.value(), QString::fromUtf8(e.path)), 0, e.size,
                    [&](const char* data, qint64 len) { return extractor.data(data, len); });
            if (r.ok() && t.type == tar::Type::File)
                r = extractor.finished();
            if (!r.ok())
                return r.error();
        }
    }
    outcome.bytes = m_ctx.bytesDone() - before;
    Result<void> folders = extractor.finishFolders();
    if (!folders.ok())
        return folders.error();
    m_problems << extractor.problems();

    m_ctx.setPhase(TransferProgress::Phase::Finishing);
    // Checked before the rename: a copy that does not match never replaces anything.
    if (m_problems.isEmpty() && m_ctx.spec().verify) {
        QList<QByteArray> files;
        for (const RemoteTreeEntry& e : listed.value()) {
            if (e.type == RemoteEntry::Type::File)
                files << e.path;
        }
        Result<void> verified = m_ctx.verifyTree(
            QFile::decodeName(QFile::encodeName(localDir) + '/' + base), remote.value(), files);
        if (!verified.ok())
            return verified.error();
        outcome.verified = true;
    }
    if (base == temp) {
        Result<void> renamed = tree.replace({}, temp, name);
        if (!renamed.ok())
            return renamed.error();
    }
    outcome.target = tree.displayPath({}, name);
    if (!m_problems.isEmpty())
        return makeError(ErrorCode::InvalidInput,
                         QStringLiteral("%1 was downloaded to %2 without %3 item(s): %4")
                             .arg(remoteGiven, outcome.target)
                             .arg(m_problems.size())
                             .arg(describeProblems(m_problems)));
    return outcome;
}

} // namespace gpudeck::ssh
