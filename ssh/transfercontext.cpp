#include "transfercontext.h"

#include "execchannel.h"
#include "pathsafety.h"
#include "remotecommand.h"
#include "transferlog.h"

#include <QCryptographicHash>
#include <QFile>
#include <QHash>

#include <limits>

Q_LOGGING_CATEGORY(lcTransfer, "gpudeck.transfer")

namespace gpudeck::ssh {

namespace {

// The UI shows at most 10 updates a second; more would only cost signals.
constexpr int kReportIntervalMs = 100;
// Reads of a command's output: large enough to widen the channel window (see ExecChannel::read).
constexpr qint64 kCaptureChunk = 1 << 20;
// Local hashing reads this much at a time: large sequential reads, small memory.
constexpr qint64 kHashChunk = 4 << 20;

// Drops what is not an error from a command's stderr: dd's statistics.
QByteArray meaningfulStderr(const QByteArray& text)
{
    QByteArray out;
    for (const QByteArray& line : text.split('\n')) {
        if (line.isEmpty() || line.contains(" records in") || line.contains(" records out") ||
            (line.contains(" bytes") && line.contains(" copied")))
            continue;
        out += line + '\n';
    }
    return out.trimmed();
}

} // namespace

TransferContext::TransferContext(Session& session, const TransferSpec& spec, ProgressFn progress,
                                 const std::atomic_bool* cancel)
    : m_session(session)
    , m_spec(spec)
    , m_progressFn(std::move(progress))
    , m_cancel(cancel)
{
    m_sinceReport.start();
}

TransferContext::~TransferContext() = default;

Result<SftpClient*> TransferContext::sftp()
{
    if (!m_sftp) {
        auto client = std::make_unique<SftpClient>(m_session);
        Result<void> opened = client->open();
        if (!opened.ok())
            return opened.error();
        m_sftp = std::move(client);
    }
    return m_sftp.get();
}

Error TransferContext::cancelledError()
{
    return makeError(ErrorCode::Cancelled,
                     QStringLiteral("Stopped. What arrived is kept; resume to continue."));
}

Error TransferContext::refuseStream(const QString& why)
{
    m_streamRefused = true;
    qCInfo(lcTransfer).noquote() << m_session.where() << "refuses streamed transfers:" << why;
    return makeError(
        ErrorCode::Unsupported,
        QStringLiteral("%1 does not run commands for transfers (%2).").arg(m_session.where(), why));
}

bool TransferContext::useStream() const
{
    return m_spec.route != TransferRoute::Sftp && !m_streamRefused;
}

void TransferContext::setPhase(TransferProgress::Phase phase)
{
    m_progress.phase = phase;
    report(true);
}

void TransferContext::setTotals(qint64 bytes, qint64 files)
{
    m_progress.bytesTotal = bytes;
    m_progress.filesTotal = files;
    report(true);
}

void TransferContext::addBytes(qint64 n)
{
    m_progress.bytesDone += n;
    report();
}

void TransferContext::addExisting(qint64 n)
{
    m_progress.bytesDone += n;
    m_progress.bytesExisting += n;
    report(true);
}

void TransferContext::restartFrom(qint64 existing)
{
    m_progress.bytesDone = existing;
    m_progress.bytesExisting = existing;
    report(true);
}

void TransferContext::addFiles(qint64 n)
{
    m_progress.filesDone += n;
    report();
}

void TransferContext::setCurrentFile(const QString& name)
{
    m_progress.currentFile = name;
}

void TransferContext::setTarget(const QString& target)
{
    m_progress.target = target;
    report(true);
}

Result<QString> TransferContext::targetName(const QString& sourceName) const
{
    const QString name = m_spec.targetName.isEmpty() ? sourceName : m_spec.targetName;
    const QString problem = nameProblem(name.toUtf8());
    if (!problem.isEmpty())
        return makeError(ErrorCode::InvalidInput,
                         QStringLiteral("The name “%1” %2; choose another.")
                             .arg(printableName(name.toUtf8()), problem));
    return name;
}

void TransferContext::report(bool force)
{
    if (!m_progressFn)
        return;
    if (!force && m_sinceReport.elapsed() < kReportIntervalMs)
        return;
    m_sinceReport.restart();
    m_progressFn(m_progress);
}

Error TransferContext::remoteError(const QString& action, const QString& path,
                                   const QByteArray& stderrText, int exitStatus) const
{
    const QByteArray meaningful = meaningfulStderr(stderrText);
    const QString text = QString::fromUtf8(meaningful);
    const QString lastLine = text.section(QLatin1Char('\n'), -1).trimmed();
    const QString where = m_session.where();
    auto has = [&](const char* s) { return text.contains(QLatin1String(s), Qt::CaseInsensitive); };
    Error e;
    // GNU tar reports a short write ("Wrote only 5632 of 10240 bytes") without the errno: on a
    // regular file that means the disk (or a quota) is full.
    if (has("No space left on device") || has("Wrote only")) {
        e = makeError(ErrorCode::Io,
                      QStringLiteral("The machine's disk is full: could not %1 %2 on %3. Free "
                                     "some space on it (old checkpoints, caches) and resume; what "
                                     "arrived is kept.")
                          .arg(action, path, where));
    } else if (has("Disk quota exceeded")) {
        e = makeError(ErrorCode::Io,
                      QStringLiteral("Your disk quota on %3 is used up: could not %1 %2. Free some "
                                     "space and resume; what arrived is kept.")
                          .arg(action, path, where));
    } else if (has("Read-only file system")) {
        e = makeError(ErrorCode::Forbidden,
                      QStringLiteral("Could not %1 %2 on %3: that file system is read-only. Pick "
                                     "another folder.")
                          .arg(action, path, where));
    } else if (has("Permission denied") || has("Operation not permitted")) {
        e = makeError(ErrorCode::Forbidden,
                      QStringLiteral("Permission denied on %3: could not %1 %2. Pick a folder "
                                     "the login user can write to (such as the home folder), or "
                                     "change the permissions of %2 on the machine.")
                          .arg(action, path, where));
    } else if (has("No such file or directory")) {
        e = makeError(ErrorCode::NotFound,
                      QStringLiteral("Could not %1 %2: there is no such file or folder on %3.")
                          .arg(action, path, where));
    } else if (exitStatus == 127 || has("command not found") || has(": not found")) {
        e = makeError(ErrorCode::MissingDependency,
                      QStringLiteral("%1 lacks a program this transfer needs (%2). GPUDeck uses "
                                     "sh, dd, cat, tail, tar and sha256sum on the machine.")
                          .arg(where, lastLine));
    } else {
        e = makeError(
            ErrorCode::ProviderFailure,
            QStringLiteral("%1 could not %2 %3 (exit status %4)%5")
                .arg(where, action, path)
                .arg(exitStatus)
                .arg(lastLine.isEmpty() ? QStringLiteral(".") : QStringLiteral(": ") + lastLine));
    }
    e.detail = QStringLiteral("exit status %1; stderr: %2").arg(exitStatus).arg(text.left(2000));
    qCWarning(lcTransfer).noquote() << e.message << '|' << e.detail;
    return e;
}

Result<QByteArray> TransferContext::capture(const QString& command, const QString& action,
                                            const QString& path)
{
    ExecChannel ch(m_session);
    Result<void> started = ch.start(command);
    if (!started.ok())
        return started.error();
    return readAll(ch, action, path);
}

Result<void>
TransferContext::finishStreams(const std::vector<std::unique_ptr<ExecChannel>>& channels,
                               const QString& action, const QString& path)
{
    Result<void> result;
    for (const auto& channel : channels) {
        Result<int> status = channel->finish(cancelFlag());
        if (!status.ok())
            return status.error();
        const bool marker = channel->discardedOutput().startsWith(QByteArray(kMarker));
        Result<void> checked = checkStream(*channel, status.value(), marker, action, path);
        if (!checked.ok() && result.ok())
            result = checked;
    }
    return result;
}

Result<void> TransferContext::checkStream(ExecChannel& channel, int exitStatus, bool markerSeen,
                                          const QString& action, const QString& path)
{
    if (!markerSeen) {
        const QByteArray err = meaningfulStderr(channel.errorOutput());
        if (exitStatus != 0 && !err.isEmpty())
            return remoteError(action, path, channel.errorOutput(), exitStatus);
        return refuseStream(QStringLiteral("the command's output was not what it prints"));
    }
    if (exitStatus != 0)
        return remoteError(action, path, channel.errorOutput(), exitStatus);
    return {};
}

Result<QByteArray> TransferContext::readAll(ExecChannel& channel, const QString& action,
                                            const QString& path)
{
    QByteArray out;
    QByteArray buf(kCaptureChunk, Qt::Uninitialized);
    while (!channel.atEnd()) {
        if (cancelled())
            return cancelledError();
        Result<qint64> n = channel.read(buf.data(), buf.size(), 100);
        if (!n.ok())
            return n.error();
        out.append(buf.constData(), n.value());
        channel.collectErrorOutput();
    }
    Result<int> status = channel.finish(m_cancel);
    if (!status.ok())
        return status.error();
    out += channel.discardedOutput();
    if (status.value() != 0)
        return remoteError(action, path, channel.errorOutput(), status.value());
    return out;
}

Result<QByteArray> TransferContext::localSha256(const QString& path, qint64 limit)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return makeError(
            ErrorCode::Io,
            QStringLiteral("Could not read %1 to check it: %2.").arg(path, f.errorString()));
    QCryptographicHash hash(QCryptographicHash::Sha256);
    QByteArray buf(kHashChunk, Qt::Uninitialized);
    for (qint64 left = limit < 0 ? std::numeric_limits<qint64>::max() : limit; left > 0;) {
        if (cancelled())
            return cancelledError();
        const qint64 n = f.read(buf.data(), std::min<qint64>(buf.size(), left));
        if (n < 0)
            return makeError(
                ErrorCode::Io,
                QStringLiteral("Could not read %1 to check it: %2.").arg(path, f.errorString()));
        if (n == 0)
            break;
        hash.addData(QByteArrayView(buf.constData(), n));
        left -= n;
    }
    return hash.result().toHex();
}

Result<bool> TransferContext::samePrefix(const QString& localPath, const QString& remotePath,
                                         qint64 length)
{
    ExecChannel ch(m_session);
    Result<void> started = ch.start(
        remoteCommand(QStringLiteral("head -c %1 < \"$1\" | sha256sum").arg(length), {remotePath}));
    if (!started.ok())
        return started.error();
    Result<QByteArray> local = localSha256(localPath, length);
    if (!local.ok())
        return local.error();
    Result<QByteArray> out = readAll(ch, QStringLiteral("compute the checksum of"), remotePath);
    if (!out.ok())
        return out.error();
    const QByteArray remote = out->trimmed().left(64).toLower();
    if (remote.size() != 64)
        return makeError(ErrorCode::ProviderFailure,
                         QStringLiteral("%1 did not return a SHA-256 checksum for %2.")
                             .arg(m_session.where(), remotePath));
    return remote == local.value();
}

Result<void> TransferContext::verify(const QString& localPath, const QString& remotePath)
{
    setPhase(TransferProgress::Phase::Verifying);
    // The machine hashes its copy while this side hashes its own.
    ExecChannel ch(m_session);
    Result<void> started =
        ch.start(remoteCommand(QStringLiteral("exec sha256sum < \"$1\""), {remotePath}));
    if (!started.ok())
        return started;
    Result<QByteArray> local = localSha256(localPath);
    if (!local.ok())
        return local.error();
    Result<QByteArray> out = readAll(ch, QStringLiteral("compute the checksum of"), remotePath);
    if (!out.ok())
        return out.error();
    const QByteArray remote = out->trimmed().left(64).toLower();
    if (remote.size() != 64)
        return makeError(ErrorCode::ProviderFailure,
                         QStringLiteral("%1 did not return a SHA-256 checksum for %2.")
                             .arg(m_session.where(), remotePath));
    if (remote != local.value())
        return makeError(ErrorCode::ProviderFailure,
                         QStringLiteral("The copy of %1 on %2 does not match (SHA-256 %3 there, "
                                        "%4 here). Transfer it again with Overwrite.")
                             .arg(remotePath, m_session.where(), QString::fromLatin1(remote),
                                  QString::fromLatin1(local.value())));
    qCInfo(lcTransfer).noquote() << "verified" << remotePath << "sha256" << local.value();
    return {};
}

Result<void> TransferContext::verifyTree(const QString& localRoot, const QString& remoteRoot,
                                         const QList<QByteArray>& files)
{
    setPhase(TransferProgress::Phase::Verifying);
    ExecChannel ch(m_session);
    Result<void> started = ch.start(
        remoteCommand(QStringLiteral("cd \"$1\" && exec find . -type f -exec sha256sum {} +"),
                      {pathArgument(remoteRoot)}));
    if (!started.ok())
        return started;
    QHash<QByteArray, QByteArray> local;
    const QByteArray root = QFile::encodeName(localRoot);
    for (const QByteArray& rel : files) {
        Result<QByteArray> h = localSha256(QFile::decodeName(root + '/' + rel));
        if (!h.ok())
            return h.error();
        local.insert(rel, h.value());
    }
    Result<QByteArray> out = readAll(ch, QStringLiteral("compute the checksums in"), remoteRoot);
    if (!out.ok())
        return out.error();
    // "HASH  ./path" per file; GNU sha256sum starts a line with '\' and escapes '\' and
    // newlines in the name when the name has them.
    QHash<QByteArray, QByteArray> remote;
    for (QByteArray line : out->split('\n')) {
        if (line.isEmpty())
            continue;
        const bool escaped = line.startsWith('\\');
        if (escaped)
            line.remove(0, 1);
        QByteArray name = line.mid(66);
        if (escaped) {
            QByteArray plain;
            for (qsizetype i = 0; i < name.size(); ++i) {
                if (name.at(i) == '\\' && i + 1 < name.size()) {
                    ++i;
                    plain += name.at(i) == 'n' ? '\n' : name.at(i);
                } else {
                    plain += name.at(i);
                }
            }
            name = plain;
        }
        if (name.startsWith("./"))
            name.remove(0, 2);
        remote.insert(name, line.left(64).toLower());
    }
    QStringList differ;
    for (auto it = local.constBegin(); it != local.constEnd(); ++it) {
        if (remote.value(it.key()) != it.value())
            differ << printableName(it.key());
    }
    if (!differ.isEmpty())
        return makeError(
            ErrorCode::ProviderFailure,
            QStringLiteral("%1 file(s) of %2 on %3 do not match their copy here "
                           "(SHA-256): %4. Transfer it again with Overwrite.")
                .arg(differ.size())
                .arg(remoteRoot, m_session.where(), differ.mid(0, 5).join(QStringLiteral(", "))));
    qCInfo(lcTransfer).noquote() << "verified" << files.size() << "files of" << remoteRoot;
    return {};
}

} // namespace gpudeck::ssh
