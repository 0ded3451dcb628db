#pragma once

#include "result.h"

#include <QByteArray>
#include <QDeadlineTimer>
#include <QString>

#include <atomic>
#include <functional>
#include <optional>

struct ssh_session_struct;

namespace gpudeck::ssh {

struct Endpoint {
    QString host; // a host name, an address, or (with useSshConfig) a ~/.ssh/config alias
    int port = 22;
    QString user;
    QString identityFile;   // private key to offer (GPUDeck's own, or one the user chose)
    QString knownHostsFile; // GPUDeck's own known_hosts (OpenSSH format)
    // "SHA256:..." when a provider API told us the host key: a match is trusted and recorded.
    QString expectedHostKeySha256;
    // Resolve `host` through ~/.ssh/config (HostName, User, Port, IdentityFile, ProxyJump);
    // values set above still win. For SSH hosts the user added from their config.
    bool useSshConfig = false;
    QString sshConfigFile; // empty: ~/.ssh/config
    // Offer only identityFile (like OpenSSH's IdentitiesOnly): for machines GPUDeck launched
    // with its own key, so a crowded ssh-agent cannot use up the server's MaxAuthTries first.
    bool identitiesOnly = false;
    int connectTimeoutSeconds = 15;
    // zlib compression of the whole connection (OpenSSH's -C): pays off on slow links with
    // compressible data (text, CSV, source trees), costs CPU on fast ones.
    bool compression = false;

    [[nodiscard]] QString describe() const; // user@host:port
};

enum class HostKeyPolicy {
    Strict,    // an unknown key is refused (OpenSSH StrictHostKeyChecking=yes)
    AcceptNew, // an unknown key is recorded (OpenSSH accept-new); a changed key is still refused
    Ask,       // an unknown key is shown to the user (Asker) who accepts or refuses it
    // An unknown key is let through for this connection only and recorded nowhere (a changed
    // one is still refused): for GPUDeck's own probes that only run `true` (is SSH up, which
    // login user does the key open); the first real connection then asks about the key.
    AcceptOnce,
};

// Questions a connection may have to ask the user. Called on the connection's own thread;
// implementations may block until the user answers.
class Asker {
public:
    virtual ~Asker();
    [[nodiscard]] virtual bool acceptHostKey(const QString& where, const QString& fingerprint) = 0;
    // A keyboard-interactive or password prompt; nullopt means the user cancelled.
    [[nodiscard]] virtual std::optional<QString> answer(const QString& title, const QString& prompt,
                                                        bool echo) = 0;
};

// One SSH connection. Blocking: use it from one thread at a time (a worker thread in the GUI).
class Session final {
    Q_DISABLE_COPY_MOVE(Session)
public:
    Session();
    ~Session();

    // Connects, checks the host key, authenticates: ssh-agent, then the endpoint's key, then
    // the user's keys (~/.ssh and IdentityFile from the config), then keyboard-interactive and
    // password through `asker` (without one those are skipped).
    [[nodiscard]] Result<void> connect(const Endpoint& endpoint, HostKeyPolicy policy,
                                       Asker* asker = nullptr);
    // Runs `command`, a line built by remoteCommand() (anything else is refused), through the
    // remote login shell; `output` receives stdout (false) and stderr
    // (true) as it arrives. Returns the remote exit status. `cancel` stops it early; so does
    // the deadline (an ErrorCode::Timeout).
    using OutputFn = std::function<void(const QByteArray& data, bool isStderr)>;
    [[nodiscard]] Result<int>
    exec(const QString& command, const OutputFn& output, const std::atomic_bool* cancel = nullptr,
         QDeadlineTimer deadline = QDeadlineTimer(QDeadlineTimer::Forever));
    [[nodiscard]] QString serverFingerprint() const { return m_fingerprint; }
    // The fingerprint known_hosts had for this host when its key did not match (empty otherwise).
    [[nodiscard]] QString knownFingerprint() const { return m_knownFingerprint; }
    [[nodiscard]] bool isConnected() const;
    void disconnect();

    // For the channel code in this library (shellsession.cpp).
    [[nodiscard]] ssh_session_struct* handle() const { return m_session; }
    [[nodiscard]] Error sshError(ErrorCode code, const QString& message) const;
    [[nodiscard]] const QString& where() const { return m_where; }

private:
    [[nodiscard]] Result<void> verifyHostKey(const Endpoint& endpoint, HostKeyPolicy policy,
                                             Asker* asker);
    [[nodiscard]] Result<void> authenticate(const Endpoint& endpoint, Asker* asker);
    [[nodiscard]] bool keyboardInteractive(Asker* asker);

    ssh_session_struct* m_session = nullptr;
    QString m_fingerprint;
    QString m_knownFingerprint;
    QString m_where; // user@host:port, for messages
};

} // namespace gpudeck::ssh
