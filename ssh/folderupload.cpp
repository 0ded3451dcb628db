#include "folderupload.h"

#include "execchannel.h"
#include "fileupload.h"
#include "pathsafety.h"
#include "remotecommand.h"
#include "remotepath.h"
#include "remotetree.h"
#include "sftpclient.h"
#include "tarsource.h"
#include "transfercontext.h"
#include "transferlog.h"

#include <QFile>
#include <QFileInfo>
#include <QHash>

#include <sys/stat.h>

#include <memory>

namespace gpudeck::ssh {

namespace {

// Below this much work one stream finishes before more would have paid off their setup.
constexpr qint64 kParallelFiles = 64;
constexpr qint64 kParallelBytes = 32 << 20;
// One write to a channel: at most half of OpenSSH's 2 MiB channel window (see FileUpload).
constexpr qint64 kWriteChunk = 1 << 20;
// A tar header per file: counted when spreading files over streams.
constexpr qint64 kPerFileCost = 512;

QString describeProblems(const QStringList& problems)
{
    QStringList shown = problems.mid(0, 5);
    if (problems.size() > 5)
        shown << QStringLiteral("and %1 more").arg(problems.size() - 5);
    return shown.join(QStringLiteral("; "));
}

} // namespace

FolderUpload::FolderUpload(TransferContext& context)
    : m_ctx(context)
{}

Result<TransferOutcome> FolderUpload::run(const QString& localDir, const QString& remoteDirGiven)
{
    m_ctx.setPhase(TransferProgress::Phase::Preparing);
    const QString ownName = QFileInfo(QFileInfo(localDir).absoluteFilePath()).fileName();
    if (ownName.isEmpty() && m_ctx.spec().targetName.isEmpty())
        return makeError(
            ErrorCode::InvalidInput,
            QStringLiteral("Pick a folder with a name to upload, not %1.").arg(localDir));
    Result<QString> wanted = m_ctx.targetName(ownName);
    if (!wanted.ok())
        return wanted.error();
    const QString baseName = wanted.value();
    QStringList skipped;
    Result<QList<LocalItem>> walked = walkLocalTree(localDir, &skipped);
    if (!walked.ok())
        return walked.error();
    for (const QString& s : std::as_const(skipped))
        qCInfo(lcTransfer).noquote() << "not uploaded (not a file, folder or link):" << s;
    QList<LocalItem> items = walked.value();
    qint64 totalBytes = 0;
    qint64 totalFiles = 0;
    QList<QByteArray> allFiles;
    for (const LocalItem& i : std::as_const(items)) {
        if (i.type == tar::Type::File) {
            totalBytes += i.size;
            ++totalFiles;
            allFiles << i.path;
        }
    }
    m_ctx.setTotals(totalBytes, totalFiles);

    Result<SftpClient*> sftpOpen = m_ctx.sftp();
    if (!sftpOpen.ok())
        return sftpOpen.error();
    SftpClient& sftp = *sftpOpen.value();
    Result<QString> remoteDir = sftp.expand(remoteDirGiven);
    if (!remoteDir.ok())
        return remoteDir.error();
    Result<void> made = sftp.mkpath(remoteDir.value());
    if (!made.ok())
        return made.error();

    TransferOutcome outcome;
    outcome.files = totalFiles;
    const ConflictPolicy policy = m_ctx.spec().conflict;
    QString name = baseName;
    QString dest = remoteJoin(remoteDir.value(), name);
    // Everything goes into the temporary folder first, also when merging into an existing
    // folder: a file of the destination is only ever replaced by a rename of a complete copy,
    // and nothing is written below a link the destination holds.
    bool merge = false;
    bool replace = false; // a file or link of that name is there and gets replaced at the end
    Result<RemoteEntry> existing = sftp.lstat(dest);
    if (!existing.ok() && existing.error().code != ErrorCode::NotFound)
        return existing.error();
    if (existing.ok()) {
        if (policy == ConflictPolicy::Skip) {
            outcome.target = dest;
            outcome.skipped = true;
            return outcome;
        }
        if (policy == ConflictPolicy::Rename) {
            for (int n = 2;; ++n) {
                name = numberedName(baseName, n);
                dest = remoteJoin(remoteDir.value(), name);
                Result<bool> taken = sftp.exists(dest);
                if (!taken.ok())
                    return taken.error();
                if (!taken.value())
                    break;
            }
        } else if (existing->isDir()) {
            merge = true;
        } else {
            replace = true;
        }
    }
    m_ctx.setTarget(dest);
    const QString temp = remoteJoin(remoteDir.value(), partName(name));
    bool resumedTemp = false;
    // Usually there is no old temporary folder: creating it is the only round trip.
    Result<void> created = sftp.mkdir(temp, kPartialDirMode);
    if (!created.ok()) {
        Result<RemoteEntry> old = sftp.lstat(temp);
        if (!old.ok())
            return old.error().code == ErrorCode::NotFound ? created.error() : old.error();
        if (policy == ConflictPolicy::Resume && old->isDir()) {
            resumedTemp = true;
            outcome.resumed = true;
            created = sftp.chmod(temp, kPartialDirMode); // an older GPUDeck made it 0755
        } else {
            created = sftp.removeRecursively(temp, m_ctx.cancelFlag());
            if (created.ok())
                created = sftp.mkdir(temp, kPartialDirMode);
        }
        if (!created.ok())
            return created.error();
    }

    // What the destination and the temporary folder already hold: files with the same size
    // and time are not sent again (Resume), and the destination's links and files are never
    // written through when merging.
    QHash<QByteArray, RemoteTreeEntry> atDest;
    QHash<QByteArray, RemoteTreeEntry> inTemp;
    if (merge) {
        Result<QList<RemoteTreeEntry>> there = listRemoteTree(m_ctx, dest);
        if (!there.ok())
            return there.error();
        for (const RemoteTreeEntry& e : there.value())
            atDest.insert(e.path, e);
    }
    if (resumedTemp) {
        Result<QList<RemoteTreeEntry>> there = listRemoteTree(m_ctx, temp);
        if (!there.ok())
            return there.error();
        for (const RemoteTreeEntry& e : there.value())
            inTemp.insert(e.path, e);
    }
    auto same = [](const LocalItem& i, const QHash<QByteArray, RemoteTreeEntry>& in) {
        const auto it = in.constFind(i.path);
        return i.type == tar::Type::File && it != in.constEnd() &&
               it->type == RemoteEntry::Type::File && it->size == i.size && it->mtime == i.mtime;
    };
    QList<LocalItem> toMerge; // what the temporary folder ends up holding
    QList<LocalItem> needed;  // what is sent
    QList<QByteArray> tempFiles;
    qint64 doneBytes = 0;
    qint64 doneFiles = 0;
    for (const LocalItem& i : std::as_const(items)) {
        if (merge && policy == ConflictPolicy::Resume && same(i, atDest)) {
            doneBytes += i.size;
            ++doneFiles;
            continue;
        }
        toMerge << i;
        if (i.type == tar::Type::File)
            tempFiles << i.path;
        if (same(i, inTemp)) {
            doneBytes += i.size;
            ++doneFiles;
            continue;
        }
        needed << i;
    }
    m_ctx.addExisting(doneBytes);
    m_ctx.addFiles(doneFiles);

    m_ctx.setPhase(TransferProgress::Phase::Transferring);
    const qint64 before = m_ctx.bytesDone();
    Result<void> sent = makeError(ErrorCode::Internal, QStringLiteral("no route"));
    if (m_ctx.useStream()) {
        sent = sendByStream(localDir, needed, temp);
        outcome.route = QStringLiteral("tar stream x%1").arg(m_streamsUsed);
    }
    if (!m_ctx.useStream()) {
        sent = sendBySftp(localDir, needed, temp);
        outcome.route = QStringLiteral("sftp");
    }
    if (!sent.ok())
        return sent.error();
    outcome.bytes = m_ctx.bytesDone() - before;

    // Checked while still under the temporary name: a copy that does not match replaces
    // nothing.
    if (m_problems.isEmpty() && m_ctx.spec().verify) {
        Result<void> verified = m_ctx.verifyTree(localDir, temp, tempFiles);
        if (!verified.ok())
            return verified.error();
        outcome.verified = true;
    }
    m_ctx.setPhase(TransferProgress::Phase::Finishing);
    if (merge) {
        Result<void> merged = mergeInto(sftp, temp, dest, toMerge, atDest);
        if (!merged.ok())
            return merged.error();
    } else {
        struct stat st {};
        if (::stat(QFile::encodeName(localDir).constData(), &st) == 0) {
            Result<void> moded = sftp.chmod(temp, static_cast<int>(st.st_mode & 0777) | 0700);
            if (!moded.ok())
                return moded.error();
        }
        // Atomic where the server offers posix-rename; a file or link of that name is replaced
        // only now, by the complete folder.
        Result<void> renamed = sftp.rename(temp, dest, replace);
        if (!renamed.ok())
            return renamed.error();
    }
    outcome.target = dest;
    if (!m_problems.isEmpty())
        return makeError(ErrorCode::Io,
                         QStringLiteral("%1 was uploaded to %2 without %3 item(s): %4.")
                             .arg(localDir, dest)
                             .arg(m_problems.size())
                             .arg(describeProblems(m_problems)));
    return outcome;
}

Result<void> FolderUpload::mergeInto(SftpClient& sftp, const QString& temp, const QString& dest,
                                     const QList<LocalItem>& items,
                                     const QHash<QByteArray, RemoteTreeEntry>& atDest)
{
    // Parents come before children (walkLocalTree's order). A folder missing at the
    // destination moves over whole; one that is a folder there too is merged into; anything
    // else there (a link, a file) is left alone with everything below it, since writing there
    // would follow the link.
    QList<QByteArray> settled; // folders moved whole or refused: what is below them is done
    QList<QPair<QString, QString>> moves;
    QList<QByteArray> movedPaths;
    auto below = [&](const QByteArray& path) {
        for (const QByteArray& dir : std::as_const(settled)) {
            if (path.startsWith(dir) && path.size() > dir.size() && path.at(dir.size()) == '/')
                return true;
        }
        return false;
    };
    QStringList blocked;
    for (const LocalItem& i : items) {
        if (below(i.path))
            continue;
        const auto there = atDest.constFind(i.path);
        if (i.type == tar::Type::Directory && there != atDest.constEnd()) {
            if (there->type != RemoteEntry::Type::Directory) {
                settled << i.path;
                blocked << QString::fromUtf8(i.path);
            }
            continue;
        }
        if (i.type == tar::Type::Directory)
            settled << i.path;
        moves.append({remoteJoin(temp, QString::fromUtf8(i.path)),
                      remoteJoin(dest, QString::fromUtf8(i.path))});
        movedPaths << i.path;
    }
    Result<QList<int>> statuses = sftp.renameMany(moves);
    if (!statuses.ok())
        return statuses.error();
    for (qsizetype n = 0; n < moves.size(); ++n) {
        if (statuses->at(n) != 0)
            m_problems << QStringLiteral("%1 (%2)").arg(
                QString::fromUtf8(movedPaths.at(n)),
                sftp.errorFor(statuses->at(n), QStringLiteral("replace"), moves.at(n).second)
                    .message);
    }
    for (const QString& b : std::as_const(blocked))
        m_problems << QStringLiteral("%1 (on the machine that is a link or a file, not a folder; "
                                     "GPUDeck does not write through it)")
                          .arg(b);
    if (m_problems.isEmpty())
        return sftp.removeRecursively(temp, m_ctx.cancelFlag());
    qCWarning(lcTransfer).noquote()
        << "kept" << temp << "with what could not be merged into" << dest;
    return {};
}

Result<void> FolderUpload::sendByStream(const QString& localDir, const QList<LocalItem>& items,
                                        const QString& target)
{
    qint64 bytes = 0;
    qint64 files = 0;
    for (const LocalItem& i : items) {
        if (i.type == tar::Type::File) {
            bytes += i.size;
            ++files;
        }
    }
    const int streams = (files >= kParallelFiles || bytes >= kParallelBytes)
                            ? std::max(1, m_ctx.spec().streams)
                            : 1;
    // Folders and links go first on stream 0 (tar creates missing parents itself anyway);
    // files are dealt largest first to the stream with the least work so far.
    QList<QList<LocalItem>> parts(streams);
    QList<qint64> load(streams, 0);
    QList<const LocalItem*> byteOrder;
    for (const LocalItem& i : items) {
        if (i.type == tar::Type::File) {
            byteOrder << &i;
        } else {
            parts[0] << i;
            // A read-only folder finished by one stream must not lock out the others.
            if (i.type == tar::Type::Directory)
                parts[0].last().mode |= 0700;
        }
    }
    std::stable_sort(byteOrder.begin(), byteOrder.end(),
                     [](const LocalItem* a, const LocalItem* b) { return a->size > b->size; });
    for (const LocalItem* i : std::as_const(byteOrder)) {
        const auto least = std::min_element(load.begin(), load.end()) - load.begin();
        parts[least] << *i;
        load[least] += i->size + kPerFileCost;
    }
    std::vector<std::unique_ptr<TarSource>> sources;
    std::vector<std::unique_ptr<ExecChannel>> channels;
    std::vector<ExecChannel*> raw;
    QStringList commands;
    for (int s = 0; s < streams; ++s) {
        if (parts[s].isEmpty() && s > 0)
            continue;
        // Within a stream, keep the folder's own order: files of a folder go together.
        std::stable_sort(
            parts[s].begin(), parts[s].end(), [](const LocalItem& a, const LocalItem& b) {
                if ((a.type == tar::Type::Directory) != (b.type == tar::Type::Directory))
                    return a.type == tar::Type::Directory;
                return a.path < b.path;
            });
        sources.push_back(std::make_unique<TarSource>(localDir, parts[s]));
        channels.push_back(std::make_unique<ExecChannel>(m_ctx.session()));
        raw.push_back(channels.back().get());
        commands << remoteCommand(QStringLiteral("printf 'GPUDECK\\n'; exec tar -x -f - -C \"$1\""),
                                  {pathArgument(target)});
    }
    m_streamsUsed = static_cast<int>(channels.size());
    Result<void> started = ExecChannel::startAll(raw, commands);
    if (!started.ok()) {
        if (started.error().code == ErrorCode::Ssh)
            return m_ctx.refuseStream(started.error().message);
        return started;
    }
    std::vector<QByteArray> pending(channels.size());
    std::vector<qint64> filesCounted(channels.size(), 0);
    std::vector<bool> closed(channels.size(), false);
    bool endedEarly = false;
    for (;;) {
        if (m_ctx.cancelled())
            return TransferContext::cancelledError();
        bool moved = false;
        bool allClosed = true;
        for (size_t c = 0; c < channels.size(); ++c) {
            ExecChannel& ch = *channels[c];
            TarSource& src = *sources[c];
            if (pending[c].isEmpty() && src.atEnd()) {
                if (!closed[c]) {
                    Result<void> eof = ch.closeInput();
                    if (!eof.ok())
                        return eof;
                    closed[c] = true;
                }
                continue;
            }
            allClosed = false;
            if (ch.atEnd()) {
                endedEarly = true; // tar exited: its stderr says why
                break;
            }
            const qint64 window = ch.window();
            if (window == 0)
                continue;
            if (pending[c].size() < std::min(window, kWriteChunk) && !src.atEnd()) {
                const qint64 data =
                    src.read(pending[c], std::min(window, kWriteChunk) - pending[c].size());
                m_ctx.addBytes(data);
                m_ctx.setCurrentFile(QString::fromUtf8(src.currentPath()));
                if (src.filesDone() > filesCounted[c]) {
                    m_ctx.addFiles(src.filesDone() - filesCounted[c]);
                    filesCounted[c] = src.filesDone();
                }
            }
            Result<qint64> written = ch.write(pending[c].constData(), pending[c].size());
            if (!written.ok()) {
                endedEarly = true;
                break;
            }
            pending[c].remove(0, written.value());
            moved = moved || written.value() > 0;
        }
        if (endedEarly || allClosed)
            break;
        if (!moved) {
            Result<void> waited = ExecChannel::waitForActivity(raw, 50);
            if (!waited.ok())
                return waited;
        }
    }
    Result<void> result = m_ctx.finishStreams(channels, QStringLiteral("unpack into"), target);
    for (const auto& source : sources)
        m_problems << source->problems();
    if (result.ok() && endedEarly)
        result = makeError(ErrorCode::ProviderFailure,
                           QStringLiteral("The upload into %1 stopped early on %2. Resume it.")
                               .arg(target, m_ctx.session().where()));
    return result;
}

Result<void> FolderUpload::sendBySftp(const QString& localDir, const QList<LocalItem>& items,
                                      const QString& target)
{
    Result<SftpClient*> sftpOpen = m_ctx.sftp();
    if (!sftpOpen.ok())
        return sftpOpen.error();
    SftpClient& sftp = *sftpOpen.value();
    for (const LocalItem& i : items) {
        if (m_ctx.cancelled())
            return TransferContext::cancelledError();
        const QString rel = QString::fromUtf8(i.path);
        const QString remote = remoteJoin(target, rel);
        m_ctx.setCurrentFile(rel);
        Result<void> step;
        switch (i.type) {
        case tar::Type::Directory:
            step = sftp.mkpath(remote);
            if (step.ok())
                step = sftp.chmod(remote, static_cast<int>((i.mode & 0777) | 0700));
            break;
        case tar::Type::Symlink: {
            Result<bool> there = sftp.exists(remote);
            if (there.ok() && there.value())
                (void)sftp.removeFile(remote);
            step = sftp.symlink(QString::fromUtf8(i.linkTarget), remote);
            break;
        }
        case tar::Type::File: {
            QFile f(QFile::decodeName(QFile::encodeName(localDir) + '/' + i.path));
            if (!f.open(QIODevice::ReadOnly)) {
                m_problems << QStringLiteral("%1 (%2)").arg(rel, f.errorString());
                continue;
            }
            step = FileUpload::sendBySftp(m_ctx, sftp, f, remote, 0);
            if (step.ok())
                step = sftp.chmod(remote, static_cast<int>(i.mode & 0777));
            if (step.ok())
                step = sftp.setModified(remote, QDateTime::fromSecsSinceEpoch(i.mtime, Qt::UTC));
            m_ctx.addFiles(1);
            break;
        }
        case tar::Type::HardLink:
        case tar::Type::Other:
            break;
        }
        if (!step.ok())
            return step;
    }
    return {};
}

} // namespace gpudeck::ssh
