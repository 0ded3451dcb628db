#pragma once

#include "result.h"

#include <QByteArray>
#include <QDeadlineTimer>
#include <QString>

#include <atomic>
#include <functional>

struct ssh_session_struct;

namespace gpudeck::ssh {

struct Endpoint {
    QString host;
    int port = 22;
    QString user;
    QString identityFile;   // private key to offer
    QString knownHostsFile; // GPUDeck's own known_hosts (OpenSSH format)
    // "SHA256:..." when a provider API told us the host key: a match is trusted and recorded.
    QString expectedHostKeySha256;
    int connectTimeoutSeconds = 15;
};

enum class HostKeyPolicy {
    Strict,    // an unknown key is refused (OpenSSH StrictHostKeyChecking=yes)
    AcceptNew, // an unknown key is recorded (OpenSSH accept-new); a changed key is still refused
};

// One SSH connection. Blocking: use it from one thread at a time (a worker thread in the GUI).
class Session final {
    Q_DISABLE_COPY_MOVE(Session)
public:
    Session();
    ~Session();

    [[nodiscard]] Result<void> connect(const Endpoint& endpoint, HostKeyPolicy policy);
    // Runs `command` through the remote shell; `output` receives stdout (false) and stderr
    // (true) as it arrives. Returns the remote exit status. `cancel` stops it early; so does
    // the deadline (an ErrorCode::Timeout).
    using OutputFn = std::function<void(const QByteArray& data, bool isStderr)>;
    [[nodiscard]] Result<int>
    exec(const QString& command, const OutputFn& output, const std::atomic_bool* cancel = nullptr,
         QDeadlineTimer deadline = QDeadlineTimer(QDeadlineTimer::Forever));
    [[nodiscard]] QString serverFingerprint() const { return m_fingerprint; }
    void disconnect();

private:
    [[nodiscard]] Result<void> verifyHostKey(const Endpoint& endpoint, HostKeyPolicy policy);
    [[nodiscard]] Error sshError(ErrorCode code, const QString& message) const;

    ssh_session_struct* m_session = nullptr;
    QString m_fingerprint;
    QString m_where; // user@host:port, for messages
};

} // namespace gpudeck::ssh
