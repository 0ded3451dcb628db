// Interactive shells over real SSH to a real sshd (a Sandbox machine): PTY size and resize,
// a full-screen program, the shell's own end, reconnect after the server goes away and comes
// back, and the refusals (changed host key, wrong key), plus the host key question.
#include "await.h"
#include "fleet.h"
#include "knownhosts.h"
#include "remote.h"
#include "shellsession.h"
#include "sshkeys.h"
#include "testenv.h"

#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>

using namespace gpudeck;
using ssh::ShellSession;

Q_DECLARE_METATYPE(gpudeck::ssh::ShellSession::State)

namespace {

// Collects everything a shell prints and its state changes.
struct Recorder {
    QByteArray screen;
    QList<ShellSession::State> states;
    QStringList messages;

    explicit Recorder(ShellSession& s)
    {
        QObject::connect(&s, &ShellSession::data, &s, [this, &s](const QByteArray& b) {
            screen += b;
            s.consumed(b.size());
        });
        QObject::connect(&s, &ShellSession::stateChanged, &s,
                         [this](ShellSession::State st, const QString& m) {
                             states << st;
                             messages << m;
                         });
    }
    bool saw(const QByteArray& text) const { return screen.contains(text); }
};

} // namespace

class TestShellSession final : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void ptySizeAndResize();
    void fullScreenProgram();
    void shellEndReportsExitStatus();
    void reconnectsAfterServerRestart();
    void changedHostKeyFails();
    void wrongKeyFails();
    void unknownHostKeyIsAsked();
    void sshConfigAliasResolves();
    void sshAgentIsTriedFirst();

private:
    ShellSession::Options options() const;

    std::unique_ptr<test::IsolatedEnvironment> m_env;
    std::unique_ptr<Fleet> m_fleet;
    Instance m_machine;
};

void TestShellSession::initTestCase()
{
    m_env = std::make_unique<test::IsolatedEnvironment>();
    m_fleet = std::make_unique<Fleet>(AppPaths::standard());
    QVERIFY(m_fleet->open().ok());
    LaunchRequest req;
    req.planId = QStringLiteral("t4-1x");
    req.name = QStringLiteral("shell-test");
    Result<Instance> ready = awaitResult<Instance>([&](Callback<Instance> done) {
        m_fleet->launchAndWait(QStringLiteral("sandbox"), req, 30000, done);
    });
    QVERIFY2(ready.ok(), qPrintable(ready.ok() ? QString() : ready.error().message));
    m_machine = ready.value();
}

void TestShellSession::cleanupTestCase()
{
    if (m_fleet && m_fleet->find(m_machine.id))
        (void)awaitResult<Recap>(
            [&](Callback<Recap> done) { m_fleet->destroy(m_machine.id, done); });
    m_fleet.reset();
    m_env.reset();
}

ShellSession::Options TestShellSession::options() const
{
    ShellSession::Options o;
    o.endpoint = endpointFor(m_machine, m_fleet->keyPathFor(m_machine), m_fleet->paths());
    o.policy = ssh::HostKeyPolicy::Strict;
    o.cols = 80;
    o.rows = 24;
    return o;
}

void TestShellSession::ptySizeAndResize()
{
    ShellSession shell(options());
    Recorder rec(shell);
    shell.start();
    QTRY_VERIFY_WITH_TIMEOUT(rec.states.contains(ShellSession::State::Connected), 15000);
    shell.write("stty size; echo TERM=$TERM\n");
    QTRY_VERIFY_WITH_TIMEOUT(rec.saw("24 80") && rec.saw("TERM=xterm-256color"), 10000);
    shell.resize(132, 40);
    shell.write("stty size\n");
    QTRY_VERIFY_WITH_TIMEOUT(rec.saw("40 132"), 10000);
    shell.stop();
}

void TestShellSession::fullScreenProgram()
{
    QString program;
    for (const char* candidate : {"less", "vi", "top"}) {
        if (!QStandardPaths::findExecutable(QString::fromLatin1(candidate)).isEmpty()) {
            program = QString::fromLatin1(candidate);
            break;
        }
    }
    if (program.isEmpty())
        QSKIP("none of less, vi, top is installed on this machine");
    ShellSession shell(options());
    Recorder rec(shell);
    shell.start();
    QTRY_VERIFY_WITH_TIMEOUT(rec.states.contains(ShellSession::State::Connected), 15000);
    shell.write(
        (program == QLatin1String("top") ? program : program + QStringLiteral(" /etc/passwd"))
            .toUtf8() +
        "\n");
    // A full-screen program switches to the alternate screen (smcup) and back when it quits.
    QTRY_VERIFY_WITH_TIMEOUT(rec.saw("\x1b[?1049h"), 10000);
    shell.write(program == QLatin1String("vi") ? QByteArray("\x1b:q!\r") : QByteArray("q"));
    QTRY_VERIFY_WITH_TIMEOUT(rec.saw("\x1b[?1049l"), 10000);
    shell.stop();
}

void TestShellSession::shellEndReportsExitStatus()
{
    ShellSession shell(options());
    Recorder rec(shell);
    QSignalSpy finished(&shell, &ShellSession::finished);
    shell.start();
    QTRY_VERIFY_WITH_TIMEOUT(rec.states.contains(ShellSession::State::Connected), 15000);
    shell.write("exit 3\n");
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
    QCOMPARE(finished.first().first().toInt(), 3);
    // The state change comes from the session's thread too, in its own queued call.
    QTRY_COMPARE_WITH_TIMEOUT(rec.states.last(), ShellSession::State::Closed, 5000);
    QVERIFY(!rec.states.contains(ShellSession::State::Reconnecting));
}

void TestShellSession::reconnectsAfterServerRestart()
{
    ShellSession::Options o = options();
    o.maxReconnectDelaySeconds = 1;
    ShellSession shell(o);
    Recorder rec(shell);
    shell.start();
    QTRY_VERIFY_WITH_TIMEOUT(rec.states.contains(ShellSession::State::Connected), 15000);
    shell.write("echo before-$((6*7))\n");
    QTRY_VERIFY_WITH_TIMEOUT(rec.saw("before-42"), 10000);

    // The server goes away (every sshd process of the machine is killed) and comes back.
    Provider* sandbox = m_fleet->provider(QStringLiteral("sandbox"));
    QVERIFY(
        awaitResult<Instance>([&](Callback<Instance> d) { sandbox->stop(m_machine.id, d); }).ok());
    QTRY_VERIFY_WITH_TIMEOUT(rec.states.contains(ShellSession::State::Reconnecting), 10000);
    QVERIFY(
        awaitResult<Instance>([&](Callback<Instance> d) { sandbox->start(m_machine.id, d); }).ok());
    QTRY_VERIFY_WITH_TIMEOUT(rec.states.count(ShellSession::State::Connected) == 2, 30000);
    QVERIFY(rec.messages.last().contains(QLatin1String("new shell")));
    shell.write("echo after-$((6*7))\n");
    QTRY_VERIFY_WITH_TIMEOUT(rec.saw("after-42"), 10000);
    shell.stop();
}

void TestShellSession::changedHostKeyFails()
{
    ShellSession::Options o = options();
    o.endpoint.expectedHostKeySha256.clear();
    o.endpoint.knownHostsFile = m_env->path() + QStringLiteral("/changed_known_hosts");
    const QString other = m_env->path() + QStringLiteral("/otherhostkey");
    QVERIFY(ssh::generateEd25519(other, QStringLiteral("x")).ok());
    QFile f(o.endpoint.knownHostsFile);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(ssh::knownHostsName(o.endpoint.host, o.endpoint.port).toUtf8() + ' ' +
            ssh::publicKeyLine(other)->section(QLatin1Char(' '), 0, 1).toUtf8() + '\n');
    f.close();
    ShellSession shell(o);
    Recorder rec(shell);
    shell.start();
    QTRY_VERIFY_WITH_TIMEOUT(rec.states.contains(ShellSession::State::Failed), 15000);
    QVERIFY2(rec.messages.last().contains(QLatin1String("CHANGED")),
             qPrintable(rec.messages.last()));
    QVERIFY(!rec.states.contains(ShellSession::State::Connected));
}

void TestShellSession::wrongKeyFails()
{
    ShellSession::Options o = options();
    o.endpoint.identityFile = m_env->path() + QStringLiteral("/stranger");
    QVERIFY(ssh::generateEd25519(o.endpoint.identityFile, QStringLiteral("stranger")).ok());
    ShellSession shell(o);
    Recorder rec(shell);
    shell.start();
    QTRY_VERIFY_WITH_TIMEOUT(rec.states.contains(ShellSession::State::Failed), 15000);
    QVERIFY2(rec.messages.last().contains(QLatin1String("refused the key")),
             qPrintable(rec.messages.last()));
    // Authentication failures are not retried: the same key would be refused again.
    QVERIFY(!rec.states.contains(ShellSession::State::Reconnecting));
}

void TestShellSession::unknownHostKeyIsAsked()
{
    ShellSession::Options o = options();
    o.endpoint.expectedHostKeySha256.clear();
    o.endpoint.knownHostsFile = m_env->path() + QStringLiteral("/fresh_known_hosts");
    o.policy = ssh::HostKeyPolicy::Ask;
    ShellSession shell(o);
    Recorder rec(shell);
    QString askedFingerprint;
    connect(&shell, &ShellSession::hostKeyQuestion, &shell, [&](const QString&, const QString& fp) {
        askedFingerprint = fp;
        shell.answerHostKey(true);
    });
    shell.start();
    QTRY_VERIFY_WITH_TIMEOUT(rec.states.contains(ShellSession::State::Connected), 15000);
    QCOMPARE(askedFingerprint, m_machine.hostKeySha256);
    QFile f(o.endpoint.knownHostsFile);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QVERIFY(f.readAll().contains(ssh::knownHostsName(o.endpoint.host, o.endpoint.port).toUtf8()));
    shell.stop();

    // Refusing the key refuses the connection.
    QFile::remove(o.endpoint.knownHostsFile);
    ShellSession refused(o);
    Recorder rec2(refused);
    connect(&refused, &ShellSession::hostKeyQuestion, &refused,
            [&](const QString&, const QString&) { refused.answerHostKey(false); });
    refused.start();
    QTRY_VERIFY_WITH_TIMEOUT(rec2.states.contains(ShellSession::State::Failed), 15000);
    QVERIFY(rec2.messages.last().contains(QLatin1String("not known yet")));
}

void TestShellSession::sshConfigAliasResolves()
{
    // A host the user knows only by its ~/.ssh/config alias: HostName, Port, User and
    // IdentityFile all come from the configuration.
    const QString config = m_env->path() + QStringLiteral("/ssh_config");
    QFile f(config);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(
        QStringLiteral("Host my-gpu-box\n  HostName %1\n  Port %2\n  User %3\n  IdentityFile %4\n")
            .arg(m_machine.host)
            .arg(m_machine.sshPort)
            .arg(m_machine.user, m_fleet->keyPathFor(m_machine))
            .toUtf8());
    f.close();
    ssh::Endpoint ep;
    ep.host = QStringLiteral("my-gpu-box");
    ep.useSshConfig = true;
    ep.sshConfigFile = config;
    ep.knownHostsFile = m_fleet->paths().knownHosts();
    QByteArray out;
    Result<int> rc = runRemote(ep, QStringLiteral("echo $((40+2))"),
                               [&](const QByteArray& d, bool) { out += d; });
    QVERIFY2(rc.ok(), qPrintable(rc.ok() ? QString() : rc.error().message));
    QCOMPARE(out, QByteArray("42\n"));
}

void TestShellSession::sshAgentIsTriedFirst()
{
    // A real ssh-agent holding the machine's authorised key; the endpoint names no key at all,
    // so only the agent can log in.
    const QString agent = QStandardPaths::findExecutable(QStringLiteral("ssh-agent"));
    const QString add = QStandardPaths::findExecutable(QStringLiteral("ssh-add"));
    if (agent.isEmpty() || add.isEmpty())
        QSKIP("ssh-agent/ssh-add (openssh-client) are not installed");
    const QString socket = m_env->path() + QStringLiteral("/agent.sock");
    QProcess agentProcess;
    agentProcess.start(agent, {QStringLiteral("-D"), QStringLiteral("-a"), socket});
    QVERIFY(agentProcess.waitForStarted());
    QTRY_VERIFY(QFileInfo::exists(socket));
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("SSH_AUTH_SOCK"), socket);
    QProcess adding;
    adding.setProcessEnvironment(env);
    adding.start(add, {m_fleet->keyPathFor(m_machine)});
    QVERIFY(adding.waitForFinished(10000));
    QCOMPARE(adding.exitCode(), 0);

    const QByteArray oldSock = qgetenv("SSH_AUTH_SOCK");
    qputenv("SSH_AUTH_SOCK", QFile::encodeName(socket));
    ssh::Endpoint ep = endpointFor(m_machine, QString(), m_fleet->paths());
    ep.identityFile.clear();
    ep.identitiesOnly = false;
    QByteArray out;
    Result<int> rc = runRemote(ep, QStringLiteral("echo agent-ok"),
                               [&](const QByteArray& d, bool) { out += d; });
    // Without the agent the same endpoint has no key to offer (the user's ~/.ssh keys are not
    // authorised on the machine).
    qunsetenv("SSH_AUTH_SOCK");
    Result<int> without = runRemote(ep, QStringLiteral("true"), {});
    if (!oldSock.isEmpty())
        qputenv("SSH_AUTH_SOCK", oldSock);
    agentProcess.terminate();
    agentProcess.waitForFinished(5000);
    QVERIFY2(rc.ok(), qPrintable(rc.ok() ? QString() : rc.error().message));
    QCOMPARE(out, QByteArray("agent-ok\n"));
    QVERIFY(!without.ok());
}

QTEST_GUILESS_MAIN(TestShellSession)
#include "tst_shellsession.moc"
