#pragma once

#include "sshsession.h"

#include <QObject>

#include <memory>

namespace gpudeck::ssh {

// An interactive shell on a PTY, on its own worker thread. Everything crosses threads as
// signals (queued) or through the thread-safe calls below; the caller never blocks on the
// network. After a dropped connection it reconnects with backoff (1, 2, 4 ... 30 s) and opens a
// new shell, saying so through stateChanged.
class ShellSession final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ShellSession)
public:
    enum class State { Connecting, Connected, Reconnecting, Closed, Failed };
    Q_ENUM(State)

    struct Options {
        Endpoint endpoint;
        HostKeyPolicy policy = HostKeyPolicy::Ask;
        QByteArray term = "xterm-256color";
        int cols = 80;
        int rows = 24;
        bool reconnect = true;
        // OpenSSH's ServerAliveInterval; a NAT box that forgets idle connections after a few
        // minutes is the usual reason sessions die.
        int keepaliveSeconds = 15;
        int maxReconnectDelaySeconds = 30;
    };

    explicit ShellSession(Options options, QObject* parent = nullptr);
    ~ShellSession() override;

    void start();
    // Ends the session and joins the worker (quick: the worker wakes up for it).
    void stop();

    // Thread-safe; may be called from any thread.
    void write(const QByteArray& bytes);
    void resize(int cols, int rows);
    // The receiver of `data` has dealt with this many bytes. The worker stops reading from the
    // network while too much is unconsumed, so a flood cannot pile up in memory and the
    // server's output pauses instead (SSH flow control), while input still gets through.
    void consumed(qint64 bytes);
    void answerHostKey(bool accept);
    void answerPrompt(const std::optional<QString>& answer);

signals:
    void stateChanged(gpudeck::ssh::ShellSession::State state, const QString& message);
    void hostKeyQuestion(const QString& where, const QString& fingerprint);
    // The connection was refused because the host key changed (stateChanged(Failed) follows).
    void hostKeyChanged(const QString& where, const QString& knownFingerprint,
                        const QString& newFingerprint);
    void promptRequested(const QString& title, const QString& prompt, bool echo);
    void data(const QByteArray& bytes);
    // The remote shell ended by itself (exit, logout); no reconnect follows.
    void finished(int exitStatus);

private:
    struct Worker;
    std::unique_ptr<Worker> m_worker;
};

} // namespace gpudeck::ssh
