#include "fileupload.h"

#include "execchannel.h"
#include "filedownload.h"
#include "pathsafety.h"
#include "remotecommand.h"
#include "remotepath.h"
#include "sftpclient.h"
#include "transfercontext.h"
#include "transferlog.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>

#include <libssh/libssh.h>
#include <libssh/sftp.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>

namespace gpudeck::ssh {

namespace {

// Files this large go over several channels at once; below it one channel finishes before
// the extra channels would have paid off their setup.
constexpr qint64 kStripeThreshold = 64 << 20;
// Stripes and resume points fall on these blocks: the unit of the resume checksums, and a
// multiple of dd's block size so `seek=` can address them.
constexpr qint64 kHashBlock = 4 << 20;
constexpr qint64 kDdBlock = 1 << 20;
// One write to a channel: at most half of OpenSSH's 2 MiB channel window, so the round robin
// over channels keeps every window busy.
constexpr qint64 kWriteChunk = 1 << 20;
// SFTP writes: OpenSSH's sftp-server accepts messages up to 256 KiB; 192 KiB stays clear of
// that with the header, and each costs one round trip in libssh 0.10.
constexpr qint64 kSftpChunk = 192 << 10;

} // namespace

FileUpload::FileUpload(TransferContext& context)
    : m_ctx(context)
{}

Result<TransferOutcome> FileUpload::run(const QString& localPath, const QString& remoteDirGiven)
{
    m_ctx.setPhase(TransferProgress::Phase::Preparing);
    QFile local(localPath);
    if (!local.open(QIODevice::ReadOnly))
        return makeError(
            local.error() == QFileDevice::OpenError && !QFileInfo::exists(localPath)
                ? ErrorCode::NotFound
                : ErrorCode::Io,
            QStringLiteral("Could not read %1: %2.").arg(localPath, local.errorString()));
    const QFileInfo info(localPath);
    struct stat st {};
    if (::fstat(local.handle(), &st) != 0)
        return makeError(ErrorCode::Io, QStringLiteral("Could not read %1.").arg(localPath));
    const qint64 size = st.st_size;
    const qint64 mtime = st.st_mtim.tv_sec;
    const int mode = static_cast<int>(st.st_mode & 0777);
    m_ctx.setTotals(size, 1);
    m_ctx.setCurrentFile(info.fileName());

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

    Result<QString> wanted = m_ctx.targetName(info.fileName());
    if (!wanted.ok())
        return wanted.error();
    QString name = wanted.value();
    QString dest = remoteJoin(remoteDir.value(), name);
    TransferOutcome outcome;
    bool replaceFile = false; // a file of that name is there and gets replaced
    Result<RemoteEntry> existing = sftp.lstat(dest);
    if (!existing.ok() && existing.error().code != ErrorCode::NotFound)
        return existing.error();
    if (existing.ok()) {
        const ConflictPolicy policy = m_ctx.spec().conflict;
        if (policy == ConflictPolicy::Skip) {
            outcome.target = dest;
            outcome.skipped = true;
            outcome.files = 1;
            return outcome;
        }
        if (policy == ConflictPolicy::Rename) {
            for (int n = 2;; ++n) {
                name = numberedName(wanted.value(), n);
                dest = remoteJoin(remoteDir.value(), name);
                Result<bool> taken = sftp.exists(dest);
                if (!taken.ok())
                    return taken.error();
                if (!taken.value())
                    break;
            }
        } else if (existing->isDir()) {
            return makeError(ErrorCode::Conflict,
                             QStringLiteral("%1 on %2 is a folder; a file cannot replace it. "
                                            "Choose Rename, or another destination.")
                                 .arg(dest, m_ctx.session().where()));
        } else if (policy == ConflictPolicy::Resume && existing->isFile() &&
                   existing->size == size && existing->modified.toSecsSinceEpoch() == mtime) {
            outcome.target = dest;
            outcome.skipped = true;
            outcome.files = 1;
            m_ctx.addExisting(size);
            m_ctx.addFiles(1);
            m_ctx.report(true);
            return outcome;
        } else {
            // A file, a link or a special file: replaced by the rename at the end (a link
            // itself, never what it points to), so until then the old one stays whole.
            replaceFile = true;
        }
    }

    m_ctx.setTarget(dest);
    const QString temp = remoteJoin(remoteDir.value(), partName(name));
    qint64 tempSize = -1;
    Result<RemoteEntry> tempEntry = sftp.lstat(temp);
    if (tempEntry.ok())
        tempSize = tempEntry->isFile() ? tempEntry->size : -2;
    else if (tempEntry.error().code != ErrorCode::NotFound)
        return tempEntry.error();
    bool resume =
        m_ctx.spec().conflict == ConflictPolicy::Resume && tempSize > 0 && tempSize <= size;
    if (!resume && tempSize != -1) {
        Result<void> removed = sftp.removeRecursively(temp);
        if (!removed.ok())
            return removed.error();
        tempSize = -1;
    }
    // The partial file is the user's data while it is incomplete: only the login user may read
    // it, whatever the machine's umask (a 0600 credentials file would otherwise sit readable by
    // everyone on a shared host). The final mode is set just before the rename.
    Result<void> privateTemp = makePrivateTemp(sftp, temp, tempSize != -1);
    if (!privateTemp.ok())
        return privateTemp.error();

    m_ctx.setPhase(TransferProgress::Phase::Transferring);
    Result<void> sent = makeError(ErrorCode::Internal, QStringLiteral("no route"));
    if (m_ctx.useStream()) {
        sent = sendByStream(local, temp, std::max<qint64>(tempSize, 0), resume);
        if (!sent.ok() && m_ctx.streamRefused() && m_ctx.spec().route == TransferRoute::Auto) {
            Result<RemoteEntry> again = sftp.lstat(temp);
            tempSize = again.ok() ? again->size : 0;
            resume = tempSize > 0 && tempSize <= size;
        }
        outcome.route = QStringLiteral("stream x%1").arg(m_streamsUsed);
    }
    if (!m_ctx.useStream()) {
        // The partial file may come from the stream route (stripes with holes) or an older
        // version of the file: read it back (pipelined SFTP reads are fast) and continue after
        // the part that matches.
        qint64 from = 0;
        if (resume) {
            Result<qint64> prefix = verifiedPrefixBySftp(sftp, local, temp, tempSize);
            if (!prefix.ok())
                return prefix.error();
            from = prefix.value();
        }
        m_ctx.restartFrom(from);
        sent = sendBySftp(m_ctx, sftp, local, temp, from);
        outcome.route = QStringLiteral("sftp");
    }
    if (!sent.ok())
        return sent.error();

    m_ctx.setPhase(TransferProgress::Phase::Finishing);
    // Every stream ended well, so everything arrived; setting the size as well drops whatever
    // an older, longer partial file left beyond it.
    Result<void> step =
        sftp.setAttributes(temp, mode, QDateTime::fromSecsSinceEpoch(mtime, Qt::UTC), size);
    if (!step.ok())
        return step.error();
    // Checked before it replaces anything: a copy that does not match never takes the place of
    // the old file.
    if (m_ctx.spec().verify) {
        Result<void> verified = m_ctx.verify(localPath, temp);
        if (!verified.ok())
            return verified.error();
        outcome.verified = true;
    }
    // Atomic where the server offers posix-rename (OpenSSH does): the old file stays whole
    // until the new one takes its name.
    step = sftp.rename(temp, dest, replaceFile);
    if (!step.ok())
        return step.error();
    m_ctx.addFiles(1);
    m_ctx.report(true);

    outcome.target = dest;
    outcome.files = 1;
    outcome.resumed = resume;
    outcome.bytes = m_ctx.bytesMoved();
    return outcome;
}

Result<void> FileUpload::makePrivateTemp(SftpClient& sftp, const QString& temp, bool exists)
{
    if (exists)
        return sftp.chmod(temp, kPartialMode); // an older GPUDeck left it with the umask's mode
    // O_EXCL: a link someone put there since is refused rather than followed.
    SftpFilePtr file(sftp_open(sftp.handle(), temp.toUtf8().constData(),
                               O_WRONLY | O_CREAT | O_EXCL, kPartialMode));
    if (!file)
        return sftp.lastError(QStringLiteral("create"), temp);
    if (sftp_close(file.release()) != SSH_OK)
        return sftp.lastError(QStringLiteral("create"), temp);
    return {};
}

Result<qint64> FileUpload::verifiedPrefixBySftp(SftpClient& sftp, QFile& local,
                                                const QString& tempPath, qint64 tempSize)
{
    const qint64 limit = std::min(tempSize, local.size());
    const int fd = local.handle();
    QCryptographicHash remoteHash(QCryptographicHash::Sha256);
    QByteArray localBlock(kHashBlock, Qt::Uninitialized);
    qint64 received = 0;
    qint64 verified = 0; // the end of the last block that matched
    bool mismatch = false;
    const Result<void> read = FileDownload::fetchBySftp(
        m_ctx, sftp, tempPath, 0, limit, [&](const char* data, qint64 len) -> Result<void> {
            while (len > 0) {
                const qint64 blockEnd = std::min(limit, (received / kHashBlock + 1) * kHashBlock);
                const qint64 take = std::min(len, blockEnd - received);
                remoteHash.addData(QByteArrayView(data, take));
                received += take;
                data += take;
                len -= take;
                if (received < blockEnd)
                    continue;
                const qint64 n = blockEnd - verified;
                if (::pread(fd, localBlock.data(), static_cast<size_t>(n), verified) != n ||
                    QCryptographicHash::hash(QByteArrayView(localBlock.constData(), n),
                                             QCryptographicHash::Sha256) != remoteHash.result()) {
                    mismatch = true;
                    return makeError(ErrorCode::Conflict, QStringLiteral("differs"));
                }
                verified = blockEnd;
                remoteHash.reset();
            }
            return {};
        });
    if (!read.ok() && !mismatch &&
        (read.error().code == ErrorCode::Cancelled || read.error().code == ErrorCode::Network))
        return read.error();
    qCInfo(lcTransfer).noquote() << "resuming" << tempPath << "after" << verified
                                 << "verified bytes of" << tempSize;
    return verified;
}

Result<QList<qint64>> FileUpload::resumePoints(QFile& local, const QString& tempPath,
                                               qint64 tempSize, const QList<qint64>& starts,
                                               const QList<qint64>& ends)
{
    const qint64 blocks = (tempSize + kHashBlock - 1) / kHashBlock;
    const QString script =
        QStringLiteral("f=$1; i=0; while [ $i -lt %1 ]; do dd if=\"$f\" bs=%2 skip=$i count=1 "
                       "2>/dev/null | sha256sum | cut -c1-64; i=$((i+1)); done")
            .arg(blocks)
            .arg(kHashBlock);
    // The machine hashes its copy while we hash ours.
    ExecChannel ch(m_ctx.session());
    Result<void> started = ch.start(remoteCommand(script, {tempPath}));
    if (!started.ok())
        return started.error();
    QList<QByteArray> localHashes;
    QByteArray buf(kHashBlock, Qt::Uninitialized);
    const int fd = local.handle();
    for (qint64 b = 0; b < blocks; ++b) {
        if (m_ctx.cancelled())
            return TransferContext::cancelledError();
        const ssize_t n = ::pread(fd, buf.data(), static_cast<size_t>(kHashBlock),
                                  static_cast<off_t>(b * kHashBlock));
        if (n < 0)
            return makeError(ErrorCode::Io,
                             QStringLiteral("Could not read %1.").arg(local.fileName()));
        localHashes << QCryptographicHash::hash(QByteArrayView(buf.constData(), n),
                                                QCryptographicHash::Sha256)
                           .toHex();
    }
    QByteArray out;
    while (!ch.atEnd()) {
        if (m_ctx.cancelled())
            return TransferContext::cancelledError();
        Result<qint64> n = ch.read(buf.data(), buf.size(), 100);
        if (!n.ok())
            return n.error();
        out.append(buf.constData(), n.value());
    }
    Result<int> status = ch.finish(m_ctx.cancelFlag());
    if (!status.ok())
        return status.error();
    out += ch.discardedOutput();
    const QList<QByteArray> remoteHashes = out.trimmed().split('\n');
    if (status.value() != 0 || remoteHashes.size() != blocks)
        return m_ctx.remoteError(QStringLiteral("check the partial upload"), tempPath,
                                 ch.errorOutput(), status.value());
    QList<qint64> points;
    for (qsizetype i = 0; i < starts.size(); ++i) {
        qint64 pos = starts.at(i);
        while (pos < ends.at(i)) {
            const qint64 b = pos / kHashBlock;
            if (b >= blocks || remoteHashes.at(b).trimmed() != localHashes.at(b))
                break;
            pos = std::min(ends.at(i), pos + kHashBlock);
        }
        points << pos;
    }
    return points;
}

Result<void> FileUpload::sendByStream(QFile& local, const QString& tempPath, qint64 tempSize,
                                      bool resume)
{
    const qint64 size = local.size();
    const int wanted = size >= kStripeThreshold ? std::max(1, m_ctx.spec().streams) : 1;
    // Stripe length: an equal share, rounded up to whole checksum blocks.
    const qint64 share = (size + wanted - 1) / wanted;
    const qint64 stripe =
        std::max<qint64>(kHashBlock, (share + kHashBlock - 1) / kHashBlock * kHashBlock);
    QList<qint64> starts;
    QList<qint64> ends;
    for (qint64 s = 0; s < size || starts.isEmpty(); s += stripe) {
        starts << s;
        ends << std::min(size, s + stripe);
    }
    QList<qint64> pos = starts;
    if (resume) {
        Result<QList<qint64>> points = resumePoints(local, tempPath, tempSize, starts, ends);
        if (points.ok()) {
            pos = points.value();
        } else if (points.error().code == ErrorCode::Cancelled ||
                   points.error().code == ErrorCode::Network) {
            return points.error();
        } else {
            // Cannot compare (no sha256sum there?): start over rather than trust it.
            qCInfo(lcTransfer).noquote() << "cannot resume" << tempPath << "-"
                                         << points.error().message << "- starting over";
            Result<void> emptied = makeError(ErrorCode::Internal, {});
            Result<SftpClient*> sftp = m_ctx.sftp();
            if (sftp.ok())
                emptied = sftp.value()->truncate(tempPath, 0);
            if (!emptied.ok())
                return emptied;
        }
    }
    qint64 already = 0;
    for (qsizetype i = 0; i < starts.size(); ++i)
        already += pos.at(i) - starts.at(i);
    m_ctx.addExisting(already);

    std::vector<std::unique_ptr<ExecChannel>> channels;
    std::vector<ExecChannel*> raw;
    QStringList commands;
    QList<qsizetype> stripeOf; // channel → stripe
    for (qsizetype i = 0; i < starts.size(); ++i) {
        if (pos.at(i) >= ends.at(i) && size > 0)
            continue; // that stripe arrived whole
        channels.push_back(std::make_unique<ExecChannel>(m_ctx.session()));
        raw.push_back(channels.back().get());
        stripeOf << i;
        commands << remoteCommand(QStringLiteral("printf 'GPUDECK\\n'; exec dd of=\"$1\" bs=%1 "
                                                 "seek=%2 conv=notrunc")
                                      .arg(kDdBlock)
                                      .arg(pos.at(i) / kDdBlock),
                                  {tempPath});
    }
    m_streamsUsed = static_cast<int>(channels.size());
    if (channels.empty())
        return {};
    Result<void> started = ExecChannel::startAll(raw, commands);
    if (!started.ok()) {
        if (started.error().code == ErrorCode::Ssh)
            return m_ctx.refuseStream(started.error().message);
        return started;
    }

    QByteArray buf(kWriteChunk, Qt::Uninitialized);
    const int fd = local.handle();
    std::vector<bool> closed(channels.size(), false);
    bool endedEarly = false;
    for (;;) {
        if (m_ctx.cancelled())
            return TransferContext::cancelledError();
        bool moved = false;
        bool allClosed = true;
        for (size_t c = 0; c < channels.size(); ++c) {
            ExecChannel& ch = *channels[c];
            const qsizetype s = stripeOf.at(static_cast<qsizetype>(c));
            qint64& p = pos[s];
            if (p >= ends.at(s)) {
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
                endedEarly = true; // dd exited: its stderr says why
                break;
            }
            const qint64 window = ch.window();
            if (window == 0)
                continue;
            const qint64 n = std::min({window, ends.at(s) - p, kWriteChunk});
            const ssize_t got =
                ::pread(fd, buf.data(), static_cast<size_t>(n), static_cast<off_t>(p));
            if (got <= 0)
                return makeError(ErrorCode::Io,
                                 QStringLiteral("Could not read %1 (did it shrink while being "
                                                "sent?).")
                                     .arg(local.fileName()));
            Result<qint64> written = ch.write(buf.constData(), got);
            if (!written.ok()) {
                endedEarly = true;
                break;
            }
            p += written.value();
            m_ctx.addBytes(written.value());
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
    Result<void> result = m_ctx.finishStreams(channels, QStringLiteral("write"), tempPath);
    if (result.ok() && endedEarly)
        result = makeError(ErrorCode::ProviderFailure,
                           QStringLiteral("The upload of %1 stopped early on %2. Resume it.")
                               .arg(tempPath, m_ctx.session().where()));
    return result;
}

Result<void> FileUpload::sendBySftp(TransferContext& ctx, SftpClient& sftp, QFile& local,
                                    const QString& remotePath, qint64 offset)
{
    Result<QString> path = sftp.expand(remotePath);
    if (!path.ok())
        return path.error();
    const int flags = O_WRONLY | O_CREAT | (offset > 0 ? 0 : O_TRUNC);
    SftpFilePtr file(sftp_open(sftp.handle(), path->toUtf8().constData(), flags, kPartialMode));
    if (!file)
        return sftp.lastError(QStringLiteral("create"), remotePath);
    if (offset > 0 && sftp_seek64(file.get(), static_cast<uint64_t>(offset)) != 0)
        return sftp.lastError(QStringLiteral("continue writing"), remotePath);
    if (!local.seek(offset))
        return makeError(ErrorCode::Io, QStringLiteral("Could not read %1.").arg(local.fileName()));
    QByteArray buf(kSftpChunk, Qt::Uninitialized);
    for (;;) {
        if (ctx.cancelled())
            return TransferContext::cancelledError();
        const qint64 n = local.read(buf.data(), buf.size());
        if (n < 0)
            return makeError(ErrorCode::Io, QStringLiteral("Could not read %1: %2.")
                                                .arg(local.fileName(), local.errorString()));
        if (n == 0)
            break;
        for (qint64 done = 0; done < n;) {
            const ssize_t w =
                sftp_write(file.get(), buf.constData() + done, static_cast<size_t>(n - done));
            if (w < 0)
                return sftp.lastError(QStringLiteral("write"), remotePath);
            done += w;
        }
        ctx.addBytes(n);
    }
    if (sftp_close(file.release()) != SSH_OK)
        return sftp.lastError(QStringLiteral("finish writing"), remotePath);
    return {};
}

} // namespace gpudeck::ssh
