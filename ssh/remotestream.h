#pragma once

#include "sshsession.h"

#include <QStringList>

#include <QObject>

#include <memory>

namespace gpudeck::ssh {

// A long-running remote command (nvidia-smi -lms, tail -F) on its own SSH connection and
// worker thread, its output delivered to the owner's thread as it arrives. When the
// connection drops it reconnects with backoff and runs the command again; when the command
// itself ends, it says so (exited) and stops: the owner decides what that means.
// The command is a POSIX sh script with its arguments as "$1", "$2"… (see remotecommand.h); it
// ends, with everything it started, when its connection closes.
class RemoteStream final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RemoteStream)
public:
    enum class State { Connecting, Running, Reconnecting, Exited, Failed };
    Q_ENUM(State)

    RemoteStream(Endpoint endpoint, const QString& script, const QStringList& args = {},
                 QObject* parent = nullptr);
    ~RemoteStream() override;

    void start();
    void stop(); // quick: the worker checks for it every 100 ms
    [[nodiscard]] const QString& command() const { return m_command; }

signals:
    void output(const QByteArray& bytes);
    void errorOutput(const QByteArray& bytes);
    void stateChanged(gpudeck::ssh::RemoteStream::State state, const QString& message);
    // The command ended by itself with this exit status (127: not found).
    void exited(int status);

private:
    struct Worker;
    Endpoint m_endpoint;
    QString m_command;
    std::unique_ptr<Worker> m_worker;
};

} // namespace gpudeck::ssh
