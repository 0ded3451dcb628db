#pragma once

#include "sftpclient.h"
#include "transfer.h"

#include <QByteArray>
#include <QElapsedTimer>

#include <memory>
#include <vector>

namespace gpudeck::ssh {

class ExecChannel;

// What the engines of one transfer share: the session, SFTP on it (opened when first needed),
// cancellation, throttled progress, and turning what a remote command printed into an Error.
class TransferContext final {
    Q_DISABLE_COPY_MOVE(TransferContext)
public:
    TransferContext(Session& session, const TransferSpec& spec, ProgressFn progress,
                    const std::atomic_bool* cancel);
    ~TransferContext();

    // Every stream command starts by printing this, so a server that answers commands with
    // something else (an SFTP-only account's forced internal-sftp) is told apart from a
    // failure, and the transfer falls back to SFTP.
    static constexpr char kMarker[] = "GPUDECK\n";
    static constexpr int kMarkerSize = 8;

    [[nodiscard]] Session& session() const { return m_session; }
    [[nodiscard]] const TransferSpec& spec() const { return m_spec; }
    [[nodiscard]] Result<SftpClient*> sftp();
    [[nodiscard]] const std::atomic_bool* cancelFlag() const { return m_cancel; }
    [[nodiscard]] bool cancelled() const { return m_cancel && m_cancel->load(); }
    [[nodiscard]] static Error cancelledError();

    // The stream route is not available on this machine (it runs no commands for us).
    [[nodiscard]] bool streamRefused() const { return m_streamRefused; }
    [[nodiscard]] Error refuseStream(const QString& why);
    [[nodiscard]] bool useStream() const;

    void setPhase(TransferProgress::Phase phase);
    void setTotals(qint64 bytes, qint64 files);
    void addBytes(qint64 n);
    // Bytes found already at the destination (counted as done, not as moved).
    void addExisting(qint64 n);
    // Starts the count again from what is at the destination (after a change of route).
    void restartFrom(qint64 existing);
    void addFiles(qint64 n);
    void setCurrentFile(const QString& name);
    void setTarget(const QString& target);
    // The destination name: spec().targetName, else `sourceName`; an Error when it is not a
    // single valid name.
    [[nodiscard]] Result<QString> targetName(const QString& sourceName) const;
    [[nodiscard]] qint64 bytesDone() const { return m_progress.bytesDone; }
    // Bytes this run moved (done, less what was already at the destination).
    [[nodiscard]] qint64 bytesMoved() const
    {
        return m_progress.bytesDone - m_progress.bytesExisting;
    }
    // Calls the progress function unless it was called less than 100 ms ago (UI rate).
    void report(bool force = false);

    // Runs a short command, returns its stdout; a non-zero exit is an Error made from stderr.
    [[nodiscard]] Result<QByteArray> capture(const QString& command, const QString& action,
                                             const QString& path);
    // What a failed remote command said, as an Error for `action` on `path`: a full disk,
    // permission denied, a read-only file system, a missing program...
    [[nodiscard]] Error remoteError(const QString& action, const QString& path,
                                    const QByteArray& stderrText, int exitStatus) const;
    // The error of a finished stream channel: a missing marker means the route is refused.
    [[nodiscard]] Result<void> checkStream(ExecChannel& channel, int exitStatus, bool markerSeen,
                                           const QString& action, const QString& path);
    // Ends every channel of a multi-channel stream and checks each as checkStream does; the
    // first problem is the result. A channel that cannot be ended at all stops it there.
    [[nodiscard]] Result<void>
    finishStreams(const std::vector<std::unique_ptr<ExecChannel>>& channels, const QString& action,
                  const QString& path);

    // SHA-256 of a local file (hex); of its first `limit` bytes when limit >= 0.
    [[nodiscard]] Result<QByteArray> localSha256(const QString& path, qint64 limit = -1);
    // Whether the first `length` bytes of the local file and of the remote file are the same
    // (SHA-256 of both, the machine hashing while this side does); an Error when the machine
    // cannot tell (no `head -c` or `sha256sum` there) or the connection failed.
    [[nodiscard]] Result<bool> samePrefix(const QString& localPath, const QString& remotePath,
                                          qint64 length);
    // Compares both; an Error says which differs.
    [[nodiscard]] Result<void> verify(const QString& localPath, const QString& remotePath);
    // The same for `files` (relative paths) of a local and a remote folder: one `sha256sum`
    // over the remote folder while the local files are hashed here.
    [[nodiscard]] Result<void> verifyTree(const QString& localRoot, const QString& remoteRoot,
                                          const QList<QByteArray>& files);

private:
    // Reads a started command's output to its end; a non-zero exit is an Error from stderr.
    [[nodiscard]] Result<QByteArray> readAll(ExecChannel& channel, const QString& action,
                                             const QString& path);

    Session& m_session;
    const TransferSpec& m_spec;
    ProgressFn m_progressFn;
    const std::atomic_bool* m_cancel;
    std::unique_ptr<SftpClient> m_sftp;
    TransferProgress m_progress;
    QElapsedTimer m_sinceReport;
    bool m_streamRefused = false;
};

} // namespace gpudeck::ssh
