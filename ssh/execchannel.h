#pragma once

#include "sshsession.h"

#include <QByteArray>
#include <QString>

#include <atomic>
#include <vector>

struct ssh_channel_struct;

namespace gpudeck::ssh {

// One remote command on its own SSH channel, with its stdin, stdout and stderr as streams: the
// building block of the fast transfers (`dd` and `tar x` fed from here, `cat` and `tar c` read
// from here). Blocking, like the Session it runs on; several can share one Session (one thread).
class ExecChannel final {
    Q_DISABLE_COPY_MOVE(ExecChannel)
public:
    explicit ExecChannel(Session& session);
    ~ExecChannel();

    // Opens a channel and runs `command` through the remote login shell.
    [[nodiscard]] Result<void> start(const QString& command);
    // Starts one command per channel with every request in flight at once: N streams cost the
    // round trips of one, not N times as many.
    [[nodiscard]] static Result<void> startAll(const std::vector<ExecChannel*>& channels,
                                               const QStringList& commands);

    // How many bytes write() can send now: the server's receive window for this channel.
    [[nodiscard]] quint32 window() const;
    // Sends at most min(size, window()) bytes without waiting for the window to grow; returns
    // how many went out (0 when the window is closed).
    [[nodiscard]] Result<qint64> write(const char* data, qint64 size);
    // Sends all of it, waiting for the window as needed.
    [[nodiscard]] Result<void> writeAll(const char* data, qint64 size,
                                        const std::atomic_bool* cancel);
    // End of input: the command sees end of file on its stdin.
    [[nodiscard]] Result<void> closeInput();

    // Reads what the command printed, waiting up to timeoutMs for the first byte. Returns 0 when
    // nothing came (see atEnd()). A large `size` also widens the channel's receive window to
    // that size: libssh keeps it at 1.28 MB otherwise, which caps a stream at 1.28 MB per round
    // trip (32 MB/s at 40 ms).
    [[nodiscard]] Result<qint64> read(char* buffer, qint64 size, int timeoutMs);
    // The command closed its output (or the channel closed).
    [[nodiscard]] bool atEnd() const;
    // Moves whatever the command wrote to stderr into errorOutput(); never waits.
    void collectErrorOutput();
    // Waits for the command to end (discarding unread output) and returns its exit status.
    [[nodiscard]] Result<int> finish(const std::atomic_bool* cancel);
    // The last 64 KiB of the command's stderr.
    [[nodiscard]] const QByteArray& errorOutput() const { return m_stderr; }
    // The first 4 KiB of the output finish() read and discarded (short answers, markers).
    [[nodiscard]] const QByteArray& discardedOutput() const { return m_discarded; }
    [[nodiscard]] const QString& command() const { return m_command; }
    [[nodiscard]] Session& session() const { return m_session; }
    [[nodiscard]] bool isStarted() const { return m_channel != nullptr; }

    // Waits up to timeoutMs for anything from the server and handles it (window adjustments,
    // output and exit of every channel on the session), collecting the stderr of `channels`.
    [[nodiscard]] static Result<void> waitForActivity(const std::vector<ExecChannel*>& channels,
                                                      int timeoutMs);

private:
    [[nodiscard]] Error dropped() const;

    Session& m_session;
    ssh_channel_struct* m_channel = nullptr;
    QString m_command;
    QByteArray m_stderr;
    QByteArray m_discarded;
    bool m_inputClosed = false;
};

} // namespace gpudeck::ssh
