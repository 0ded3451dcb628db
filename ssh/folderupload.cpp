#include "folderupload.h"

#include "execchannel.h"
#include "fileupload.h"
#include "pathsafety.h"
#include "remotepath.h"
#include "remotetree.h"
#include "sftpclient.h"
#include "shellquote.h"
#include "tarsource.h"
#include "transfercontext.h"
#include "transferlog.h"

#include <QFile>
#include <QFileInfo>
#include <QHash>

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
    QString target; // where tar extracts: `dest` itself (merge) or the temporary folder
    bool listTarget = false;
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
            // Merged into; with Resume only what is missing or different goes.
            target = dest;
            listTarget = policy == ConflictPolicy::Resume;
        } else {
            Result<void> removed = sftp.removeFile(dest);
            if (!removed.ok())
                return removed.error();
        }
    }
    m_ctx.setTarget(dest);
    const QString temp = remoteJoin(remoteDir.value(), partName(name));
    if (target.isEmpty()) {
        target = temp;
        // Usually there is no old temporary folder: creating it is the only round trip.
        Result<void> created = sftp.mkdir(temp);
        if (!created.ok()) {
            Result<RemoteEntry> old = sftp.lstat(temp);
            if (!old.ok())
                return old.error().code == ErrorCode::NotFound ? created.error() : old.error();
            if (policy == ConflictPolicy::Resume && old->isDir()) {
                listTarget = true;
                outcome.resumed = true;
            } else {
                Result<void> removed = sftp.removeRecursively(temp, m_ctx.cancelFlag());
                if (removed.ok())
                    removed = sftp.mkdir(temp);
                if (!removed.ok())
                    return removed.error();
            }
        }
    }

    if (listTarget) {
        Result<QList<RemoteTreeEntry>> there = listRemoteTree(m_ctx, target);
        if (!there.ok())
            return there.error();
        QHash<QByteArray, const RemoteTreeEntry*> byPath;
        for (const RemoteTreeEntry& e : there.value())
            byPath.insert(e.path, &e);
        QList<LocalItem> needed;
        qint64 doneBytes = 0;
        qint64 doneFiles = 0;
        for (const LocalItem& i : std::as_const(items)) {
            const RemoteTreeEntry* r = byPath.value(i.path);
            if (i.type == tar::Type::File && r && r->type == RemoteEntry::Type::File &&
                r->size == i.size && r->mtime == i.mtime) {
                doneBytes += i.size;
                ++doneFiles;
                continue;
            }
            needed << i;
        }
        m_ctx.addExisting(doneBytes);
        m_ctx.addFiles(doneFiles);
        items = needed;
    }

    m_ctx.setPhase(TransferProgress::Phase::Transferring);
    const qint64 before = m_ctx.bytesDone();
    Result<void> sent = makeError(ErrorCode::Internal, QStringLiteral("no route"));
    if (m_ctx.useStream()) {
        sent = sendByStream(localDir, items, target);
        outcome.route = QStringLiteral("tar stream x%1").arg(m_streamsUsed);
    }
    if (!m_ctx.useStream()) {
        sent = sendBySftp(localDir, items, target);
        outcome.route = QStringLiteral("sftp");
    }
    if (!sent.ok())
        return sent.error();
    outcome.bytes = m_ctx.bytesDone() - before;

    m_ctx.setPhase(TransferProgress::Phase::Finishing);
    if (target == temp) {
        Result<void> renamed = sftp.rename(temp, dest); // nothing is at dest (checked above)
        if (!renamed.ok())
            return renamed.error();
    }
    outcome.target = dest;
    if (m_problems.isEmpty() && m_ctx.spec().verify) {
        Result<void> verified = m_ctx.verifyTree(localDir, dest, allFiles);
        if (!verified.ok())
            return verified.error();
        outcome.verified = true;
    }
    if (!m_problems.isEmpty())
        return makeError(
            ErrorCode::Io,
            QStringLiteral("%1 was uploaded to %2 without %3 item(s) that could not be "
                           "read: %4.")
                .arg(localDir, dest)
                .arg(m_problems.size())
                .arg(describeProblems(m_problems)));
    return outcome;
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
        commands << shCommand(
            QStringLiteral("printf 'GPUDECK\\n'; exec tar -x -f - -C %1").arg(shellPath(target)));
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
