// Every way GPUDeck logs in, against real OpenSSH sshd servers this test starts on loopback
// ports with their own host keys: a key with a passphrase (asked, wrong answers retried, refused
// with advice when nothing can ask), password and keyboard-interactive (a test user with a
// password: only when running as root, as CI does), ProxyJump through a second sshd, and agent
// forwarding, which GPUDeck never asks for.
#include "remotecommand.h"
#include "sshsession.h"
#include "testenv.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

using namespace gpudeck;

namespace {

const QString kTestUser = QStringLiteral("gpudeck-auth-test");
const QString kPassword = QStringLiteral("c0rrect h0rse $tapl'e");
const QString kPassphrase = QStringLiteral("pass phrase 'with' $(quotes)");

int freePort()
{
    QTcpServer probe;
    return probe.listen(QHostAddress::LocalHost, 0) ? probe.serverPort() : 0;
}

// Answers from a script, and remembers what was asked.
class ScriptedAsker final : public ssh::Asker {
public:
    QList<std::optional<QString>> answers;
    QStringList asked;
    bool acceptHostKey(const QString&, const QString&) override { return false; }
    std::optional<QString> answer(const QString&, const QString& prompt, bool) override
    {
        asked << prompt;
        return answers.isEmpty() ? std::nullopt : answers.takeFirst();
    }
};

// One sshd in the foreground on a free loopback port.
class Sshd final {
public:
    Sshd(const QString& dir, const QString& extraConfig)
        : m_dir(dir)
    {
        m_port = freePort();
        const QString config = m_dir + QStringLiteral("/sshd_config");
        QFile f(config);
        if (!f.open(QIODevice::WriteOnly))
            return;
        f.write(QStringLiteral("Port %1\nListenAddress 127.0.0.1\nHostKey %2/host_key\n"
                               "PidFile %2/sshd.pid\nAuthorizedKeysFile %2/authorized_keys\n"
                               "StrictModes no\nPermitRootLogin prohibit-password\n"
                               "AllowAgentForwarding yes\nAllowTcpForwarding yes\n"
                               "Subsystem sftp internal-sftp\nLogLevel VERBOSE\n")
                    .arg(m_port)
                    .arg(m_dir)
                    .toUtf8() +
                extraConfig.toUtf8());
        f.close();
        m_process.setProgram(QStringLiteral("/usr/sbin/sshd"));
        m_process.setArguments({QStringLiteral("-D"), QStringLiteral("-f"), config,
                                QStringLiteral("-E"), m_dir + QStringLiteral("/sshd.log")});
        m_process.start();
        // Ready when it accepts connections.
        for (int i = 0; i < 100; ++i) {
            QTcpSocket s;
            s.connectToHost(QHostAddress::LocalHost, static_cast<quint16>(m_port));
            if (s.waitForConnected(100))
                return;
            QTest::qWait(50);
        }
    }
    ~Sshd()
    {
        m_process.terminate();
        if (!m_process.waitForFinished(3000))
            m_process.kill();
        m_process.waitForFinished();
    }
    [[nodiscard]] int port() const { return m_port; }
    [[nodiscard]] QByteArray log() const
    {
        return test::readFile(m_dir + QStringLiteral("/sshd.log"));
    }

private:
    QString m_dir;
    int m_port = 0;
    QProcess m_process;
};

bool keygen(const QString& file, const QString& passphrase)
{
    return QProcess::execute(QStringLiteral("ssh-keygen"),
                             {QStringLiteral("-q"), QStringLiteral("-t"), QStringLiteral("ed25519"),
                              QStringLiteral("-N"), passphrase, QStringLiteral("-C"),
                              QStringLiteral("gpudeck-test"), QStringLiteral("-f"), file}) == 0;
}

QString currentUser()
{
    return qEnvironmentVariable("USER", QStringLiteral("root"));
}

} // namespace

class TestSshAuth final : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void keyWithPassphrase();
    void agentForwardingIsOff();
    void passwordAndKeyboardInteractive_data();
    void passwordAndKeyboardInteractive();
    void proxyJump();

private:
    ssh::Endpoint endpoint(int port, const QString& user = currentUser()) const;
    QByteArray run(ssh::Session& s, const QString& script);

    QTemporaryDir m_dir;
    QString m_sshd;
    bool m_userCreated = false;
};

void TestSshAuth::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY(QFileInfo(QStringLiteral("/usr/sbin/sshd")).isExecutable());
    QVERIFY(keygen(m_dir.filePath(QStringLiteral("host_key")), QString()));
    QVERIFY(keygen(m_dir.filePath(QStringLiteral("plain")), QString()));
    QVERIFY(keygen(m_dir.filePath(QStringLiteral("locked")), kPassphrase));
    QFile auth(m_dir.filePath(QStringLiteral("authorized_keys")));
    QVERIFY(auth.open(QIODevice::WriteOnly));
    auth.write(test::readFile(m_dir.filePath(QStringLiteral("plain.pub"))));
    auth.write(test::readFile(m_dir.filePath(QStringLiteral("locked.pub"))));
    auth.close();
    QDir().mkpath(QStringLiteral("/run/sshd")); // sshd's privilege separation folder (as root)
    // sshd reads the files as the user logging in.
    QFile::setPermissions(m_dir.path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner |
                                            QFile::ReadOther | QFile::ExeOther);
}

void TestSshAuth::cleanupTestCase()
{
    if (m_userCreated)
        QProcess::execute(QStringLiteral("userdel"), {QStringLiteral("-r"), kTestUser});
}

ssh::Endpoint TestSshAuth::endpoint(int port, const QString& user) const
{
    ssh::Endpoint ep;
    ep.host = QStringLiteral("127.0.0.1");
    ep.port = port;
    ep.user = user;
    ep.knownHostsFile = m_dir.filePath(QStringLiteral("known_hosts"));
    ep.identitiesOnly = true;
    return ep;
}

QByteArray TestSshAuth::run(ssh::Session& s, const QString& script)
{
    QByteArray out;
    const Result<int> rc = s.exec(ssh::remoteCommand(script), [&](const QByteArray& d, bool err) {
        if (!err)
            out += d;
    });
    return rc.ok() && rc.value() == 0 ? out : QByteArray("failed");
}

void TestSshAuth::keyWithPassphrase()
{
    Sshd sshd(m_dir.path(), QStringLiteral("AuthenticationMethods publickey\n"));
    ssh::Endpoint ep = endpoint(sshd.port());
    ep.identityFile = m_dir.filePath(QStringLiteral("locked"));

    // Asked; a wrong answer is asked again; the right one logs in.
    ScriptedAsker asker;
    asker.answers = {QStringLiteral("wrong"), kPassphrase};
    ssh::Session s;
    Result<void> c = s.connect(ep, ssh::HostKeyPolicy::AcceptNew, &asker);
    QVERIFY2(c.ok(), qPrintable(c.ok() ? QString() : c.error().message));
    QCOMPARE(asker.asked.size(), 2);
    QVERIFY(asker.asked.at(0).contains(ep.identityFile));
    QVERIFY(asker.asked.at(1).startsWith(QLatin1String("Wrong passphrase")));
    QCOMPARE(run(s, QStringLiteral("printf ok")), QByteArray("ok"));

    // Cancelling the question cancels the login.
    ScriptedAsker cancels;
    ssh::Session s2;
    c = s2.connect(ep, ssh::HostKeyPolicy::Strict, &cancels);
    QVERIFY(!c.ok());
    QCOMPARE(c.error().code, ErrorCode::Cancelled);

    // A background connection cannot ask: it says what to do instead.
    ssh::Session s3;
    c = s3.connect(ep, ssh::HostKeyPolicy::Strict);
    QVERIFY(!c.ok());
    QVERIFY2(c.error().message.contains(QLatin1String("ssh-agent")), qPrintable(c.error().message));
}

void TestSshAuth::agentForwardingIsOff()
{
    // An agent that holds the key: GPUDeck may use it to log in, but never forwards it.
    if (QStandardPaths::findExecutable(QStringLiteral("ssh-agent")).isEmpty())
        QSKIP("ssh-agent is not installed (openssh-client)");
    const QString sock = m_dir.filePath(QStringLiteral("agent.sock"));
    QProcess agent;
    agent.start(QStringLiteral("ssh-agent"), {QStringLiteral("-D"), QStringLiteral("-a"), sock});
    QTRY_VERIFY(QFileInfo::exists(sock));
    auto stopAgent = qScopeGuard([&] {
        agent.terminate();
        agent.waitForFinished();
    });
    QProcess add;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("SSH_AUTH_SOCK"), sock);
    add.setProcessEnvironment(env);
    add.start(QStringLiteral("ssh-add"), {m_dir.filePath(QStringLiteral("plain"))});
    QVERIFY(add.waitForFinished());
    QCOMPARE(add.exitCode(), 0);

    Sshd sshd(m_dir.path(), QStringLiteral("AuthenticationMethods publickey\n"));
    const QByteArray before = qgetenv("SSH_AUTH_SOCK");
    qputenv("SSH_AUTH_SOCK", QFile::encodeName(sock));
    auto restore = qScopeGuard([&] {
        if (before.isEmpty())
            qunsetenv("SSH_AUTH_SOCK");
        else
            qputenv("SSH_AUTH_SOCK", before);
    });
    ssh::Endpoint ep = endpoint(sshd.port());
    ep.identitiesOnly = false; // the agent logs in
    ssh::Session s;
    const Result<void> c = s.connect(ep, ssh::HostKeyPolicy::AcceptNew);
    QVERIFY2(c.ok(), qPrintable(c.ok() ? QString() : c.error().message));
    QCOMPARE(run(s, QStringLiteral("printf %s \"${SSH_AUTH_SOCK:-none}\"")), QByteArray("none"));
    QVERIFY(!sshd.log().contains("agent forwarding"));
}

void TestSshAuth::passwordAndKeyboardInteractive_data()
{
    QTest::addColumn<QString>("method");
    QTest::newRow("password") << QStringLiteral("password");
    QTest::newRow("keyboard-interactive") << QStringLiteral("keyboard-interactive");
}

void TestSshAuth::passwordAndKeyboardInteractive()
{
    QFETCH(QString, method);
    if (::geteuid() != 0)
        QSKIP("Logging in with a password needs a test user with a password, which only root "
              "can create (CI runs as root).");
    if (!m_userCreated) {
        QProcess::execute(QStringLiteral("userdel"), {QStringLiteral("-r"), kTestUser});
        QCOMPARE(QProcess::execute(QStringLiteral("useradd"),
                                   {QStringLiteral("-m"), QStringLiteral("-s"),
                                    QStringLiteral("/bin/sh"), kTestUser}),
                 0);
        m_userCreated = true;
        QProcess chpasswd;
        chpasswd.start(QStringLiteral("chpasswd"));
        chpasswd.write((kTestUser + QLatin1Char(':') + kPassword + QLatin1Char('\n')).toUtf8());
        chpasswd.closeWriteChannel();
        QVERIFY(chpasswd.waitForFinished());
        QCOMPARE(chpasswd.exitCode(), 0);
    }
    // PAM does the password check and keyboard-interactive's prompts, as on most servers.
    Sshd sshd(
        m_dir.path(),
        QStringLiteral("UsePAM yes\nKbdInteractiveAuthentication %1\n"
                       "PasswordAuthentication %2\nAuthenticationMethods %3\n")
            .arg(method == QLatin1String("password") ? QStringLiteral("no") : QStringLiteral("yes"),
                 method == QLatin1String("password") ? QStringLiteral("yes") : QStringLiteral("no"),
                 method));
    const ssh::Endpoint ep = endpoint(sshd.port(), kTestUser);

    ScriptedAsker wrong;
    wrong.answers = {QStringLiteral("not it")};
    ssh::Session refused;
    QVERIFY(!refused.connect(ep, ssh::HostKeyPolicy::AcceptNew, &wrong).ok());
    QVERIFY(!wrong.asked.isEmpty());

    ScriptedAsker asker;
    asker.answers = {kPassword};
    ssh::Session s;
    const Result<void> c = s.connect(ep, ssh::HostKeyPolicy::AcceptNew, &asker);
    QVERIFY2(c.ok(), qPrintable(c.ok() ? QString()
                                       : c.error().message + QLatin1Char('\n') +
                                             QString::fromUtf8(sshd.log())));
    QCOMPARE(asker.asked.size(), 1);
    QCOMPARE(run(s, QStringLiteral("id -un")), (kTestUser + QLatin1Char('\n')).toUtf8());
    QVERIFY(sshd.log().contains(QByteArray("Accepted " + method.toUtf8())));
}

void TestSshAuth::proxyJump()
{
    // The target is reachable directly too, so the test proves the route by the jump host's
    // log: someone logged in there, and only the jump leg does.
    QTemporaryDir jumpDir;
    QVERIFY(QFile::copy(m_dir.filePath(QStringLiteral("host_key")),
                        jumpDir.filePath(QStringLiteral("host_key"))));
    QVERIFY(QFile::copy(m_dir.filePath(QStringLiteral("authorized_keys")),
                        jumpDir.filePath(QStringLiteral("authorized_keys"))));
    QFile::setPermissions(jumpDir.filePath(QStringLiteral("host_key")),
                          QFile::ReadOwner | QFile::WriteOwner);
    QFile::setPermissions(jumpDir.path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner |
                                              QFile::ReadOther | QFile::ExeOther);
    Sshd jump(jumpDir.path(), QStringLiteral("AuthenticationMethods publickey\n"));
    Sshd target(m_dir.path(), QStringLiteral("AuthenticationMethods publickey\n"));
    const QString key = m_dir.filePath(QStringLiteral("plain"));
    const QString config = m_dir.filePath(QStringLiteral("ssh_config"));
    {
        QFile f(config);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QStringLiteral("Host jumphost\n  HostName 127.0.0.1\n  Port %1\n  User %3\n"
                               "  IdentityFile %4\n  IdentitiesOnly yes\n"
                               "  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n"
                               "  BatchMode yes\n  LogLevel ERROR\n"
                               "Host behind\n  HostName 127.0.0.1\n  Port %2\n  User %3\n"
                               "  IdentityFile %4\n  ProxyJump jumphost\n")
                    .arg(jump.port())
                    .arg(target.port())
                    .arg(currentUser(), key)
                    .toUtf8());
    }
    ssh::Endpoint ep;
    ep.host = QStringLiteral("behind");
    ep.useSshConfig = true;
    ep.sshConfigFile = config;
    ep.identityFile = key;
    ep.identitiesOnly = true;
    ep.knownHostsFile = m_dir.filePath(QStringLiteral("known_hosts_jump"));
    // libssh 0.10 hands ProxyJump to OpenSSH's ssh (`ssh -W [%h]:%p jumphost`, found on PATH),
    // which reads ~/.ssh/config from the passwd home, not from $HOME: a wrapper first on PATH
    // gives it this test's configuration instead.
    const QString bin = m_dir.filePath(QStringLiteral("bin"));
    QDir().mkpath(bin);
    {
        QFile wrapper(bin + QStringLiteral("/ssh"));
        QVERIFY(wrapper.open(QIODevice::WriteOnly));
        wrapper.write("#!/bin/sh\nexec /usr/bin/ssh -F '" + QFile::encodeName(config) +
                      "' \"$@\"\n");
        wrapper.close();
        wrapper.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    }
    const QByteArray path = qgetenv("PATH");
    qputenv("PATH", QFile::encodeName(bin) + ':' + path);
    auto restore = qScopeGuard([&] { qputenv("PATH", path); });
    ssh::Session s;
    const Result<void> c = s.connect(ep, ssh::HostKeyPolicy::AcceptNew);
    QVERIFY2(c.ok(), qPrintable(c.ok() ? QString() : c.error().message));
    QCOMPARE(run(s, QStringLiteral("printf ok")), QByteArray("ok"));
    // Only the jump leg logs in to the jump host (the test's readiness probes do not).
    QVERIFY2(jump.log().contains("Accepted publickey for"), jump.log().constData());
}

QTEST_GUILESS_MAIN(TestSshAuth)
#include "tst_sshauth.moc"
