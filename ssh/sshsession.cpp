#include "sshsession.h"

#include "knownhosts.h"
#include "remotecommand.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>

#include <libssh/libssh.h>

#include <memory>

Q_LOGGING_CATEGORY(lcSsh, "gpudeck.ssh")

namespace gpudeck::ssh {

namespace {

struct KeyDeleter {
    void operator()(ssh_key k) const { ssh_key_free(k); }
};
using KeyPtr = std::unique_ptr<std::remove_pointer_t<ssh_key>, KeyDeleter>;

struct ChannelDeleter {
    void operator()(ssh_channel c) const
    {
        if (ssh_channel_is_open(c))
            ssh_channel_close(c);
        ssh_channel_free(c);
    }
};
using ChannelPtr = std::unique_ptr<std::remove_pointer_t<ssh_channel>, ChannelDeleter>;

QString fingerprintOf(ssh_key key)
{
    unsigned char* hash = nullptr;
    size_t len = 0;
    if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &len) != SSH_OK)
        return {};
    char* fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, len);
    const QString out = QString::fromLatin1(fp);
    ssh_string_free_char(fp);
    ssh_clean_pubkey_hash(&hash);
    return out;
}

} // namespace

Session::Session()
{
    ssh_init(); // reference counted in libssh; pairs with ssh_finalize in the destructor
}

Session::~Session()
{
    disconnect();
    ssh_finalize();
}

void Session::disconnect()
{
    if (m_session) {
        ssh_disconnect(m_session);
        ssh_free(m_session);
        m_session = nullptr;
    }
}

Error Session::sshError(ErrorCode code, const QString& message) const
{
    const QString detail = m_session ? QStringLiteral("libssh error %1: %2")
                                           .arg(ssh_get_error_code(m_session))
                                           .arg(QString::fromUtf8(ssh_get_error(m_session)))
                                     : QString();
    qCWarning(lcSsh).noquote() << message << detail;
    return makeError(code, message, detail);
}

QString Endpoint::describe() const
{
    return QStringLiteral("%1@%2:%3")
        .arg(user.isEmpty() ? QStringLiteral("?") : user, host)
        .arg(port);
}

Asker::~Asker() = default;

bool Session::isConnected() const
{
    return m_session && ssh_is_connected(m_session);
}

Result<void> Session::connect(const Endpoint& ep, HostKeyPolicy policy, Asker* asker)
{
    disconnect();
    m_where = ep.describe();
    m_session = ssh_new();
    if (!m_session)
        return makeError(ErrorCode::Internal, QStringLiteral("Could not start an SSH session."));
    const QByteArray host = ep.host.toUtf8();
    const long timeout = ep.connectTimeoutSeconds;
    const int noLog = SSH_LOG_NOLOG;
    ssh_options_set(m_session, SSH_OPTIONS_LOG_VERBOSITY, &noLog);
    ssh_options_set(m_session, SSH_OPTIONS_HOST, host.constData());
    if (ep.useSshConfig) {
        // Applies HostName, User, Port, IdentityFile, ProxyJump... of the matching Host blocks.
        const QByteArray config = QFile::encodeName(ep.sshConfigFile);
        if (ssh_options_parse_config(
                m_session, ep.sshConfigFile.isEmpty() ? nullptr : config.constData()) < 0) {
            Error e = sshError(ErrorCode::InvalidInput,
                               QStringLiteral("Could not read the SSH configuration %1.")
                                   .arg(ep.sshConfigFile.isEmpty() ? QStringLiteral("~/.ssh/config")
                                                                   : ep.sshConfigFile));
            disconnect();
            return e;
        }
    }
    if (!ep.user.isEmpty())
        ssh_options_set(m_session, SSH_OPTIONS_USER, ep.user.toUtf8().constData());
    if (!ep.useSshConfig || ep.port != 22) {
        const unsigned int port = static_cast<unsigned int>(ep.port);
        ssh_options_set(m_session, SSH_OPTIONS_PORT, &port);
    }
    ssh_options_set(m_session, SSH_OPTIONS_TIMEOUT, &timeout);
    if (ep.compression)
        ssh_options_set(m_session, SSH_OPTIONS_COMPRESSION, "yes");
    if (!ep.knownHostsFile.isEmpty()) {
        QDir().mkpath(QFileInfo(ep.knownHostsFile).absolutePath());
        ssh_options_set(m_session, SSH_OPTIONS_KNOWNHOSTS,
                        QFile::encodeName(ep.knownHostsFile).constData());
        // Only our file: the system-wide one must not vouch for or veto our machines.
        ssh_options_set(m_session, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null");
    }
    // What the configuration made of it, for messages.
    {
        char* user = nullptr;
        char* realHost = nullptr;
        unsigned int port = 0;
        ssh_options_get(m_session, SSH_OPTIONS_USER, &user);
        ssh_options_get(m_session, SSH_OPTIONS_HOST, &realHost);
        ssh_options_get_port(m_session, &port);
        m_where = QStringLiteral("%1@%2:%3")
                      .arg(QString::fromUtf8(user), QString::fromUtf8(realHost))
                      .arg(port);
        ssh_string_free_char(user);
        ssh_string_free_char(realHost);
    }

    if (ssh_connect(m_session) != SSH_OK) {
        const QString why = QString::fromUtf8(ssh_get_error(m_session));
        const bool refused = why.contains(QLatin1String("refused"), Qt::CaseInsensitive);
        const bool timedOut = why.contains(QLatin1String("timeout"), Qt::CaseInsensitive) ||
                              why.contains(QLatin1String("timed out"), Qt::CaseInsensitive);
        const QString msg =
            refused ? QStringLiteral("%1 refused the SSH connection. The machine may still be "
                                     "booting or stopped, or nothing listens on that port.")
                          .arg(m_where)
            : timedOut ? QStringLiteral("No answer from %1 within %2 s. Check that the machine is "
                                        "running and that a firewall allows SSH from your address.")
                             .arg(m_where)
                             .arg(ep.connectTimeoutSeconds)
                       : QStringLiteral("Could not connect to %1: %2").arg(m_where, why);
        Error e = sshError(timedOut ? ErrorCode::Timeout : ErrorCode::Network, msg);
        disconnect();
        return e;
    }

    Result<void> step = verifyHostKey(ep, policy, asker);
    if (step.ok())
        step = authenticate(ep, asker);
    if (!step.ok())
        disconnect();
    return step;
}

namespace {

// OpenSSH refuses private keys others can read; libssh does not, but the user's other tools
// will, so say it plainly when a key of theirs is in that state.
QString permissionHint(const QString& keyFile)
{
    if (keyFile.isEmpty() || !QFileInfo::exists(keyFile))
        return {};
    const QFile::Permissions open =
        QFile::ReadGroup | QFile::WriteGroup | QFile::ReadOther | QFile::WriteOther;
    if (!(QFileInfo(keyFile).permissions() & open))
        return {};
    return QStringLiteral(" The key file %1 can be read by other users; OpenSSH refuses such "
                          "keys. Fix it with: chmod 600 %1")
        .arg(keyFile);
}

} // namespace

namespace {

// The private key in `keyFile`, asking `asker` for its passphrase when it has one.
Result<KeyPtr> loadKey(const QString& keyFile, Asker* asker)
{
    const QByteArray path = QFile::encodeName(keyFile);
    ssh_key raw = nullptr;
    if (ssh_pki_import_privkey_file(path.constData(), nullptr, nullptr, nullptr, &raw) == SSH_OK)
        return KeyPtr(raw);
    const bool readable = QFileInfo(keyFile).isReadable();
    // A readable key that would not load without a passphrase: ask for it (three tries, as
    // OpenSSH does); the passphrase is used once and not kept.
    for (int attempt = 0; readable && asker && attempt < 3; ++attempt) {
        const std::optional<QString> passphrase = asker->answer(
            QStringLiteral("Key passphrase"),
            attempt == 0
                ? QStringLiteral("Passphrase for the SSH key %1:").arg(keyFile)
                : QStringLiteral("Wrong passphrase. Passphrase for the SSH key %1:").arg(keyFile),
            false);
        if (!passphrase)
            return makeError(ErrorCode::Cancelled, QStringLiteral("Cancelled."));
        if (ssh_pki_import_privkey_file(path.constData(), passphrase->toUtf8().constData(), nullptr,
                                        nullptr, &raw) == SSH_OK)
            return KeyPtr(raw);
    }
    if (readable && !asker)
        return makeError(ErrorCode::Ssh,
                         QStringLiteral("Could not read the SSH key %1 without a passphrase. "
                                        "Add it to ssh-agent (ssh-add %1) so background "
                                        "connections can use it, or use a key without one.")
                             .arg(keyFile));
    return makeError(ErrorCode::Ssh,
                     QStringLiteral("Could not read the SSH key %1. Check that the file exists, "
                                    "is a private key, and its passphrase.")
                         .arg(keyFile));
}

// The fingerprint known_hosts records for `name` ("host" or "[host]:port"), read from the file:
// libssh 0.10 does not hand out the entry when the key changed.
QString recordedFingerprint(const QString& file, const QString& name)
{
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    for (const QByteArray& line : f.readAll().split('\n')) {
        const QList<QByteArray> w = line.simplified().split(' ');
        if (w.size() < 3 || !w[0].split(',').contains(name.toUtf8()))
            continue;
        ssh_key raw = nullptr;
        if (ssh_pki_import_pubkey_base64(w[2].constData(), ssh_key_type_from_name(w[1].constData()),
                                         &raw) == SSH_OK) {
            KeyPtr key(raw);
            return fingerprintOf(key.get());
        }
    }
    return {};
}

} // namespace

Result<void> Session::authenticate(const Endpoint& ep, Asker* asker)
{
    // The server may accept "none" (rare), and the call tells us which methods it offers.
    int rc = ssh_userauth_none(m_session, nullptr);
    if (rc == SSH_AUTH_SUCCESS)
        return {};
    if (rc == SSH_AUTH_ERROR)
        return sshError(ErrorCode::Network,
                        QStringLiteral("The connection to %1 dropped during login.").arg(m_where));
    const int methods = ssh_userauth_list(m_session, nullptr);

    if (methods & SSH_AUTH_METHOD_PUBLICKEY) {
        if (!ep.identitiesOnly && qEnvironmentVariableIsSet("SSH_AUTH_SOCK") &&
            ssh_userauth_agent(m_session, nullptr) == SSH_AUTH_SUCCESS)
            return {};
        if (!ep.identityFile.isEmpty()) {
            Result<KeyPtr> loaded = loadKey(ep.identityFile, asker);
            if (!loaded.ok())
                return loaded.error();
            KeyPtr key = std::move(loaded).value();
            rc = ssh_userauth_publickey(m_session, nullptr, key.get());
            if (rc == SSH_AUTH_SUCCESS)
                return {};
            if (rc == SSH_AUTH_ERROR)
                return sshError(
                    ErrorCode::Network,
                    QStringLiteral("The connection to %1 dropped during login.").arg(m_where));
        }
        // The user's own keys: ~/.ssh/id_* and IdentityFile lines of the configuration.
        if (!ep.identitiesOnly &&
            ssh_userauth_publickey_auto(m_session, nullptr, nullptr) == SSH_AUTH_SUCCESS)
            return {};
    }
    bool askedUser = false;
    if (asker && (methods & SSH_AUTH_METHOD_INTERACTIVE)) {
        if (keyboardInteractive(asker))
            return {};
        askedUser = true;
    }
    if (asker && (methods & SSH_AUTH_METHOD_PASSWORD)) {
        const std::optional<QString> password = asker->answer(
            QStringLiteral("Password"), QStringLiteral("Password for %1:").arg(m_where), false);
        if (password && ssh_userauth_password(m_session, nullptr, password->toUtf8().constData()) ==
                            SSH_AUTH_SUCCESS)
            return {};
        askedUser = true;
    }
    if (askedUser && ep.identityFile.isEmpty())
        return sshError(ErrorCode::AuthDenied,
                        QStringLiteral("%1 did not accept the login. Check the user name and the "
                                       "password (or the answers it asked for).")
                            .arg(m_where));
    return sshError(
        ErrorCode::AuthDenied,
        QStringLiteral("%1 refused the key %2. Check the login user and that this key "
                       "is authorised on the machine.%3")
            .arg(m_where,
                 ep.identityFile.isEmpty() ? QStringLiteral("(none given)") : ep.identityFile,
                 permissionHint(ep.identityFile)));
}

bool Session::keyboardInteractive(Asker* asker)
{
    int rc = ssh_userauth_kbdint(m_session, nullptr, nullptr);
    while (rc == SSH_AUTH_INFO) {
        const QString name = QString::fromUtf8(ssh_userauth_kbdint_getname(m_session));
        const int n = ssh_userauth_kbdint_getnprompts(m_session);
        for (int i = 0; i < n; ++i) {
            char echo = 0;
            const QString prompt = QString::fromUtf8(
                ssh_userauth_kbdint_getprompt(m_session, static_cast<unsigned int>(i), &echo));
            const std::optional<QString> answer =
                asker->answer(name.isEmpty() ? m_where : name, prompt, echo != 0);
            if (!answer)
                return false;
            if (ssh_userauth_kbdint_setanswer(m_session, static_cast<unsigned int>(i),
                                              answer->toUtf8().constData()) < 0)
                return false;
        }
        rc = ssh_userauth_kbdint(m_session, nullptr, nullptr);
    }
    return rc == SSH_AUTH_SUCCESS;
}

Result<void> Session::verifyHostKey(const Endpoint& ep, HostKeyPolicy policy, Asker* asker)
{
    ssh_key raw = nullptr;
    if (ssh_get_server_publickey(m_session, &raw) != SSH_OK)
        return sshError(ErrorCode::Ssh, QStringLiteral("%1 sent no host key.").arg(m_where));
    KeyPtr key(raw);
    m_fingerprint = fingerprintOf(key.get());
    const ssh_known_hosts_e state = ssh_session_is_known_server(m_session);

    auto record = [&]() -> Result<void> {
        if (ssh_session_update_known_hosts(m_session) != SSH_OK)
            return sshError(ErrorCode::Io, QStringLiteral("Could not record the host key of %1 in "
                                                          "%2.")
                                               .arg(m_where, ep.knownHostsFile));
        return {};
    };

    if (!ep.expectedHostKeySha256.isEmpty()) {
        if (m_fingerprint != ep.expectedHostKeySha256)
            return makeError(ErrorCode::Ssh,
                             QStringLiteral("The host key of %1 (%2) is not the one the provider "
                                            "reported (%3). Someone may be intercepting the "
                                            "connection; GPUDeck will not connect.")
                                 .arg(m_where, m_fingerprint, ep.expectedHostKeySha256));
        if (state == SSH_KNOWN_HOSTS_OK)
            return {};
        // The provider vouches for this key: replace whatever an earlier machine at the same
        // address left in known_hosts (clouds and the Sandbox reuse addresses and ports).
        (void)forgetHost(ep.knownHostsFile, ep.host, ep.port);
        return record();
    }

    switch (state) {
    case SSH_KNOWN_HOSTS_OK:
        return {};
    case SSH_KNOWN_HOSTS_CHANGED:
    case SSH_KNOWN_HOSTS_OTHER: {
        ssh_knownhosts_entry* entry = nullptr;
        (void)ssh_session_get_known_hosts_entry(m_session, &entry);
        m_knownFingerprint =
            entry && entry->publickey
                ? fingerprintOf(entry->publickey)
                : recordedFingerprint(ep.knownHostsFile, knownHostsName(ep.host, ep.port));
        if (m_knownFingerprint.isEmpty())
            m_knownFingerprint = QStringLiteral("(unreadable)");
        ssh_knownhosts_entry_free(entry);
        return makeError(
            ErrorCode::HostKeyChanged,
            QStringLiteral("The host key of %1 has CHANGED.\n  Recorded: %2\n  Now:      %3\n"
                           "This happens when the machine was rebuilt or its address now belongs "
                           "to another machine, but it can also mean someone is intercepting the "
                           "connection. GPUDeck will not connect. If you know why it changed, "
                           "forget the old key (\"Forget the old key\" in the terminal, or "
                           "gpudeck-cli forget-host-key) and connect again to check the new one.")
                .arg(m_where, m_knownFingerprint, m_fingerprint),
            QStringLiteral("%1 in %2").arg(knownHostsName(ep.host, ep.port), ep.knownHostsFile));
    }
    case SSH_KNOWN_HOSTS_UNKNOWN:
    case SSH_KNOWN_HOSTS_NOT_FOUND:
        if (policy == HostKeyPolicy::AcceptOnce)
            return {};
        if (policy == HostKeyPolicy::AcceptNew)
            return record();
        if (policy == HostKeyPolicy::Ask && asker && asker->acceptHostKey(m_where, m_fingerprint))
            return record();
        return makeError(ErrorCode::Ssh,
                         QStringLiteral("The host key of %1 is not known yet (%2). Check the "
                                        "fingerprint and accept it to connect.")
                             .arg(m_where, m_fingerprint));
    case SSH_KNOWN_HOSTS_ERROR:
        break;
    }
    return sshError(ErrorCode::Ssh, QStringLiteral("Could not check the host key of %1 against %2.")
                                        .arg(m_where, ep.knownHostsFile));
}

Result<int> Session::exec(const QString& command, const OutputFn& output,
                          const std::atomic_bool* cancel, QDeadlineTimer deadline)
{
    if (!m_session)
        return makeError(ErrorCode::Internal, QStringLiteral("exec before connect"));
    if (!isRemoteCommand(command))
        return makeError(ErrorCode::Internal,
                         QStringLiteral("Refused to send a command line to %1 that was not built "
                                        "by remoteCommand(): %2")
                             .arg(m_where, command));
    ChannelPtr ch(ssh_channel_new(m_session));
    if (!ch || ssh_channel_open_session(ch.get()) != SSH_OK)
        return sshError(ErrorCode::Ssh,
                        QStringLiteral("%1 would not open a session.").arg(m_where));
    if (ssh_channel_request_exec(ch.get(), command.toUtf8().constData()) != SSH_OK)
        return sshError(ErrorCode::Ssh,
                        QStringLiteral("%1 would not run the command.").arg(m_where));

    // 32 KiB matches libssh's own channel window chunking; larger reads gain nothing.
    char buf[32768];
    auto drain = [&](int isStderr) -> int {
        int total = 0;
        for (;;) {
            const int n = ssh_channel_read_nonblocking(ch.get(), buf, sizeof buf, isStderr);
            if (n == SSH_ERROR)
                return SSH_ERROR;
            if (n <= 0)
                return total;
            total += n;
            if (output)
                output(QByteArray(buf, n), isStderr != 0);
        }
    };
    for (;;) {
        if (cancel && cancel->load())
            return makeError(ErrorCode::Cancelled, QStringLiteral("Cancelled."));
        if (deadline.hasExpired())
            return makeError(
                ErrorCode::Timeout,
                QStringLiteral("%1 did not finish `%2` in time.").arg(m_where, command));
        // Wait up to 100 ms for anything, so cancellation stays prompt.
        const int n = ssh_channel_read_timeout(ch.get(), buf, sizeof buf, 0, 100);
        if (n == SSH_ERROR)
            return sshError(
                ErrorCode::Network,
                QStringLiteral("The connection to %1 dropped while the command ran.").arg(m_where));
        if (n > 0 && output)
            output(QByteArray(buf, n), false);
        if (drain(1) == SSH_ERROR || drain(0) == SSH_ERROR)
            return sshError(
                ErrorCode::Network,
                QStringLiteral("The connection to %1 dropped while the command ran.").arg(m_where));
        if (ssh_channel_is_eof(ch.get()) || ssh_channel_is_closed(ch.get()))
            break;
    }
    (void)drain(0);
    (void)drain(1);
    const int status = ssh_channel_get_exit_status(ch.get());
    if (status < 0)
        return sshError(ErrorCode::Ssh, QStringLiteral("%1 did not report the command's exit "
                                                       "status (it may have been killed).")
                                            .arg(m_where));
    return status;
}

} // namespace gpudeck::ssh
