#include "filedownload.h"

#include "execchannel.h"
#include "localtree.h"
#include "pathsafety.h"
#include "remotecommand.h"
#include "remotepath.h"
#include "sftpclient.h"
#include "transfercontext.h"
#include "transferlog.h"

#include <QDir>

#include <libssh/libssh.h>
#include <libssh/sftp.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <memory>
#include <unistd.h>

namespace gpudeck::ssh {

namespace {

// One read of the stream: asking libssh for 8 MiB widens the channel window to 8 MiB, which on
// a 40 ms round trip allows 200 MB/s, more than such a link carries; OpenSSH's 2 MiB window
// allows about 50.
constexpr qint64 kStreamRead = 8 << 20;
// SFTP reads: 64 KiB per request (OpenSSH's sftp-server answers up to 255 KiB), 96 in flight:
// 6 MiB outstanding, three times what OpenSSH's sftp client keeps (64 x 32 KiB).
constexpr uint32_t kSftpRequest = 64 << 10;
constexpr int kSftpInFlight = 96;
// ... and a channel window to match: 8 MiB, more than the 6 MiB requested at once.
constexpr qint64 kSftpWindow = 8 << 20;

} // namespace

FileDownload::FileDownload(TransferContext& context)
    : m_ctx(context)
{}

Result<TransferOutcome> FileDownload::run(const QString& remoteGiven, const QString& localDir)
{
    m_ctx.setPhase(TransferProgress::Phase::Preparing);
    Result<SftpClient*> sftpOpen = m_ctx.sftp();
    if (!sftpOpen.ok())
        return sftpOpen.error();
    SftpClient& sftp = *sftpOpen.value();
    Result<QString> remote = sftp.expand(remoteGiven);
    if (!remote.ok())
        return remote.error();
    Result<RemoteEntry> entry = sftp.stat(remote.value());
    if (!entry.ok())
        return entry.error();
    if (!entry->isFile())
        return makeError(ErrorCode::InvalidInput, QStringLiteral("%1 on %2 is not a regular file.")
                                                      .arg(remoteGiven, m_ctx.session().where()));
    const qint64 size = entry->size;
    const qint64 mtime = entry->modified.toSecsSinceEpoch();
    const QByteArray remoteName = m_ctx.spec().targetName.isEmpty()
                                      ? remoteBaseName(remote.value()).toUtf8()
                                      : m_ctx.spec().targetName.toUtf8();
    const QString problem = nameProblem(remoteName);
    if (!problem.isEmpty())
        return makeError(ErrorCode::InvalidInput,
                         QStringLiteral("The machine's file name “%1” %2, so it was not saved.")
                             .arg(printableName(remoteName), problem));
    m_ctx.setTotals(size, 1);
    m_ctx.setCurrentFile(QString::fromUtf8(remoteName));

    if (!QDir().mkpath(localDir))
        return makeError(ErrorCode::Io,
                         QStringLiteral("Could not create the folder %1.").arg(localDir));
    LocalTree tree;
    Result<void> opened = tree.open(localDir);
    if (!opened.ok())
        return opened.error();

    TransferOutcome outcome;
    QByteArray name = remoteName;
    Result<LocalTree::Info> existing = tree.info({}, name);
    if (!existing.ok())
        return existing.error();
    if (existing->exists) {
        const ConflictPolicy policy = m_ctx.spec().conflict;
        if (policy == ConflictPolicy::Skip) {
            outcome.target = tree.displayPath({}, name);
            outcome.skipped = true;
            outcome.files = 1;
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
            return makeError(ErrorCode::Conflict,
                             QStringLiteral("%1 is a folder; a file cannot replace it. Choose "
                                            "Rename, or another destination.")
                                 .arg(tree.displayPath({}, name)));
        } else if (policy == ConflictPolicy::Resume && existing->isFile && existing->size == size &&
                   existing->mtime == mtime) {
            outcome.target = tree.displayPath({}, name);
            outcome.skipped = true;
            outcome.files = 1;
            m_ctx.addExisting(size);
            m_ctx.addFiles(1);
            m_ctx.report(true);
            return outcome;
        }
    }

    m_ctx.setTarget(tree.displayPath({}, name));
    const QByteArray temp = partName(name);
    Result<LocalTree::Info> tempInfo = tree.info({}, temp);
    if (!tempInfo.ok())
        return tempInfo.error();
    const bool resume = m_ctx.spec().conflict == ConflictPolicy::Resume && tempInfo->isFile &&
                        tempInfo->size <= size;
    qint64 have = 0;
    Result<int> fd = tree.openTemp({}, temp, resume, &have);
    if (!fd.ok())
        return fd.error();
    // A partial file is continued only once its whole prefix is proven equal to the machine's
    // file (SHA-256 of both, computed on each side at once): a file that changed anywhere
    // before the cut starts over instead of being spliced. Without the stream route (no
    // commands on the machine) nothing can be proven short of reading it all again, which costs
    // what starting over does, so it starts over.
    if (have > 0) {
        bool proven = false;
        if (m_ctx.useStream() && have <= size) {
            Result<bool> same = m_ctx.samePrefix(tree.displayPath({}, temp), remote.value(), have);
            if (!same.ok() && (same.error().code == ErrorCode::Cancelled ||
                               same.error().code == ErrorCode::Network))
                return same.error();
            proven = same.ok() && same.value();
        }
        if (!proven) {
            qCInfo(lcTransfer).noquote()
                << "the partial download of" << remote.value()
                << "is not proven equal to the machine's file; starting over";
            if (::ftruncate(fd.value(), 0) != 0 || ::lseek(fd.value(), 0, SEEK_SET) != 0) {
                const int err = errno;
                tree.abandon(fd.value());
                return LocalTree::fsError(QStringLiteral("write"), tree.displayPath({}, temp), err);
            }
            have = 0;
        }
    }
    m_ctx.addExisting(have);
    m_ctx.setPhase(TransferProgress::Phase::Transferring);
    const Sink sink = [&](const char* data, qint64 len) -> Result<void> {
        m_ctx.addBytes(len);
        return tree.write(fd.value(), data, len, {}, name);
    };
    Result<void> fetched;
    if (have < size && m_ctx.useStream()) {
        fetched = fetchByStream(m_ctx, remote.value(), have, size, sink);
        outcome.route = QStringLiteral("stream");
    }
    if (!fetched.ok() && m_ctx.streamRefused() && m_ctx.spec().route == TransferRoute::Auto) {
        // Whatever the refused stream wrote is the file's next bytes: continue by SFTP.
        have = ::lseek(fd.value(), 0, SEEK_END);
        m_ctx.restartFrom(have);
    }
    if (have < size && !m_ctx.useStream()) {
        fetched = fetchBySftp(m_ctx, sftp, remote.value(), have, size, sink);
        outcome.route = QStringLiteral("sftp");
    }
    if (!fetched.ok()) {
        tree.abandon(fd.value());
        return fetched.error();
    }
    // Checked under the temporary name: a copy that does not match never replaces a file.
    if (m_ctx.spec().verify) {
        Result<void> verified = m_ctx.verify(tree.displayPath({}, temp), remote.value());
        if (!verified.ok()) {
            tree.abandon(fd.value());
            return verified.error();
        }
        outcome.verified = true;
    }
    m_ctx.setPhase(TransferProgress::Phase::Finishing);
    Result<void> committed =
        tree.commit(fd.value(), {}, temp, name, entry->permissions & 0777, mtime);
    if (!committed.ok())
        return committed.error();
    m_ctx.addFiles(1);
    m_ctx.report(true);

    outcome.target = tree.displayPath({}, name);
    outcome.files = 1;
    outcome.resumed = have > 0;
    outcome.bytes = m_ctx.bytesMoved();
    return outcome;
}

Result<void> FileDownload::fetchByStream(TransferContext& ctx, const QString& remotePath,
                                         qint64 offset, qint64 size, const Sink& sink)
{
    const QString reader =
        offset > 0 ? QStringLiteral("tail -c +%1").arg(offset + 1) : QStringLiteral("cat");
    ExecChannel ch(ctx.session());
    Result<void> started = ch.start(remoteCommand(
        QStringLiteral("printf 'GPUDECK\\n'; exec %1 < \"$1\"").arg(reader), {remotePath}));
    if (!started.ok()) {
        if (started.error().code == ErrorCode::Ssh)
            return ctx.refuseStream(started.error().message);
        return started;
    }
    QByteArray buf(kStreamRead, Qt::Uninitialized);
    QByteArray head;
    bool markerSeen = false;
    qint64 received = 0;
    while (!ch.atEnd()) {
        if (ctx.cancelled())
            return TransferContext::cancelledError();
        Result<qint64> n = ch.read(buf.data(), buf.size(), 100);
        if (!n.ok())
            return n.error();
        const char* data = buf.constData();
        qint64 len = n.value();
        if (!markerSeen && len > 0) {
            const qint64 take = std::min<qint64>(len, TransferContext::kMarkerSize - head.size());
            head.append(data, take);
            data += take;
            len -= take;
            if (head.size() == TransferContext::kMarkerSize) {
                if (head != QByteArray(TransferContext::kMarker))
                    return ctx.refuseStream(QStringLiteral("its output was not the file"));
                markerSeen = true;
            }
        }
        if (len > 0) {
            Result<void> written = sink(data, len);
            if (!written.ok())
                return written;
            received += len;
        }
    }
    Result<int> status = ch.finish(ctx.cancelFlag());
    if (!status.ok())
        return status.error();
    Result<void> checked =
        ctx.checkStream(ch, status.value(), markerSeen, QStringLiteral("read"), remotePath);
    if (!checked.ok())
        return checked;
    if (received != size - offset)
        return makeError(ErrorCode::ProviderFailure,
                         QStringLiteral("%1 on %2 changed while it was being downloaded (%3 bytes "
                                        "came instead of %4). Download it again.")
                             .arg(remotePath, ctx.session().where())
                             .arg(offset + received)
                             .arg(size));
    return {};
}

Result<void> FileDownload::fetchBySftp(TransferContext& ctx, SftpClient& sftp,
                                       const QString& remotePath, qint64 offset, qint64 size,
                                       const Sink& sink)
{
    SftpFilePtr file(sftp_open(sftp.handle(), remotePath.toUtf8().constData(), O_RDONLY, 0));
    if (!file)
        return sftp.lastError(QStringLiteral("open"), remotePath);
    if (sftp_seek64(file.get(), static_cast<uint64_t>(offset)) != 0)
        return sftp.lastError(QStringLiteral("read"), remotePath);
    struct Request {
        uint32_t id;
        uint32_t length;
    };
    std::deque<Request> inFlight;
    qint64 requested = offset;
    qint64 received = offset;
    QByteArray buf(kSftpRequest, Qt::Uninitialized);
    // libssh reads SFTP replies in small pieces, which keeps the channel's receive window at
    // its default 1.28 MB: at a 40 ms round trip that caps a download near 32 MB/s. A
    // zero-timeout read of the channel's stderr (sftp-server writes nothing there) with a large
    // size widens the window to that size (libssh's grow_window), so more replies can be on
    // their way.
    QByteArray scratch(kSftpWindow, Qt::Uninitialized);
    ssh_channel channel = sftp.handle()->channel;
    while (received < size) {
        if (ctx.cancelled())
            return TransferContext::cancelledError();
        if (ssh_channel_read_timeout(channel, scratch.data(), static_cast<uint32_t>(kSftpWindow), 1,
                                     0) == SSH_ERROR)
            return sftp.lastError(QStringLiteral("read"), remotePath);
        while (static_cast<int>(inFlight.size()) < kSftpInFlight && requested < size) {
            const auto len =
                static_cast<uint32_t>(std::min<qint64>(kSftpRequest, size - requested));
            const int id = sftp_async_read_begin(file.get(), len);
            if (id < 0)
                return sftp.lastError(QStringLiteral("read"), remotePath);
            inFlight.push_back({static_cast<uint32_t>(id), len});
            requested += len;
        }
        if (inFlight.empty())
            break;
        const Request r = inFlight.front();
        inFlight.pop_front();
        const int n = sftp_async_read(file.get(), buf.data(), r.length, r.id);
        if (n < 0)
            return sftp.lastError(QStringLiteral("read"), remotePath);
        if (n == 0 || (static_cast<uint32_t>(n) < r.length && received + n < size)) {
            // A short answer mid-file would leave the requests after it at wrong offsets.
            return makeError(ErrorCode::ProviderFailure,
                             QStringLiteral("%1 on %2 ended early or changed while it was being "
                                            "downloaded. Download it again.")
                                 .arg(remotePath, ctx.session().where()));
        }
        Result<void> written = sink(buf.constData(), n);
        if (!written.ok())
            return written;
        received += n;
    }
    return {};
}

} // namespace gpudeck::ssh
