// A changed host key in the terminal, against a real sshd (a Sandbox machine added as the
// user's own SSH host, so no provider vouches for its key): the banner shows the recorded and
// the new fingerprint, the dead screen shows no cursor, and "Forget the old key" asks twice
// before it forgets the key and reconnects.
#include "await.h"
#include "fleet.h"
#include "guitestmain.h"
#include "prompter.h"
#include "sshhost/sshhostprovider.h"
#include "terminalpane.h"
#include "terminalview.h"
#include "testenv.h"

#include <QFile>
#include <QLabel>
#include <QProcess>
#include <QPushButton>
#include <QTemporaryDir>

using namespace gpudeck;

class TestHostKey final : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void changedKeyIsShownAndForgottenAfterTwoConfirmations();

private:
    std::unique_ptr<test::IsolatedEnvironment> m_env;
    std::unique_ptr<Fleet> m_fleet;
    Instance m_machine;
};

void TestHostKey::initTestCase()
{
    m_env = std::make_unique<test::IsolatedEnvironment>();
    m_fleet = std::make_unique<Fleet>(AppPaths::standard());
    QVERIFY(m_fleet->open().ok());
    LaunchRequest req;
    req.planId = QStringLiteral("l4-2x");
    req.name = QStringLiteral("hostkey-test");
    Result<Instance> ready = awaitResult<Instance>([&](Callback<Instance> done) {
        m_fleet->launchAndWait(QStringLiteral("sandbox"), req, 30000, done);
    });
    QVERIFY2(ready.ok(), qPrintable(ready.ok() ? QString() : ready.error().message));
    m_machine = ready.value();
    Prompter::instance().setScripted(true);
}

void TestHostKey::cleanupTestCase()
{
    Prompter::instance().clear();
    if (m_fleet && m_fleet->find(m_machine.id))
        (void)awaitResult<Recap>(
            [&](Callback<Recap> done) { m_fleet->destroy(m_machine.id, done); });
    m_fleet.reset();
    m_env.reset();
}

void TestHostKey::changedKeyIsShownAndForgottenAfterTwoConfirmations()
{
    // The same sshd as the user's own host: its key is only as trusted as known_hosts says.
    SshHost h;
    h.name = QStringLiteral("mybox");
    h.host = m_machine.host;
    h.port = m_machine.sshPort;
    h.user = m_machine.user;
    h.keyFile = m_fleet->keyPathFor(m_machine);
    QVERIFY(m_fleet->addSshHost(h).ok());
    QTRY_VERIFY(m_fleet->find(h.name).has_value());

    // known_hosts remembers another key for that address (the machine was "rebuilt").
    QTemporaryDir keys;
    const QString other = keys.filePath(QStringLiteral("other"));
    QCOMPARE(
        QProcess::execute(QStringLiteral("ssh-keygen"),
                          {QStringLiteral("-q"), QStringLiteral("-t"), QStringLiteral("ed25519"),
                           QStringLiteral("-N"), QString(), QStringLiteral("-f"), other}),
        0);
    QFile pub(other + QStringLiteral(".pub"));
    QVERIFY(pub.open(QIODevice::ReadOnly));
    const QList<QByteArray> parts = pub.readAll().trimmed().split(' ');
    QProcess fp;
    fp.start(QStringLiteral("ssh-keygen"),
             {QStringLiteral("-l"), QStringLiteral("-E"), QStringLiteral("sha256"),
              QStringLiteral("-f"), other + QStringLiteral(".pub")});
    QVERIFY(fp.waitForFinished());
    const QString oldFingerprint = QString::fromLatin1(fp.readAllStandardOutput().split(' ').at(1));
    QVERIFY(oldFingerprint.startsWith(QLatin1String("SHA256:")));
    const QString knownHosts = m_fleet->paths().knownHosts();
    const QByteArray entry =
        QStringLiteral("[%1]:%2 ").arg(m_machine.host).arg(m_machine.sshPort).toUtf8() +
        parts.at(0) + ' ' + parts.at(1) + '\n';
    {
        QFile kh(knownHosts);
        QVERIFY(kh.open(QIODevice::WriteOnly | QIODevice::Truncate));
        kh.write(entry);
    }

    TerminalPane pane(*m_fleet, h.name);
    pane.resize(800, 500);
    pane.show();
    QTRY_COMPARE_WITH_TIMEOUT(pane.state(), ssh::ShellSession::State::Failed, 20000);
    auto* banner = pane.findChild<QLabel*>(QStringLiteral("terminalStatus"));
    auto* forget = pane.findChild<QPushButton*>(QStringLiteral("terminalForgetHostKey"));
    QVERIFY(banner && forget);
    QVERIFY2(banner->text().contains(QLatin1String("CHANGED")), qPrintable(banner->text()));
    QVERIFY2(banner->text().contains(oldFingerprint), qPrintable(banner->text()));
    QVERIFY2(banner->text().contains(m_machine.hostKeySha256), qPrintable(banner->text()));
    QTRY_VERIFY(forget->isVisible());
    // The dead screen shows no cursor.
    QVERIFY(pane.view()->sessionEnded());

    // Yes, then no at the second question: nothing is forgotten.
    Prompter::instance().clear();
    Prompter::instance().queueAnswer(true);
    Prompter::instance().queueAnswer(false);
    QTest::mouseClick(forget, Qt::LeftButton);
    QCOMPARE(Prompter::instance().questionsAsked().size(), 2);
    QVERIFY2(Prompter::instance().questionsAsked().first().contains(oldFingerprint),
             qPrintable(Prompter::instance().questionsAsked().first()));
    QVERIFY(Prompter::instance().questionsAsked().first().contains(m_machine.hostKeySha256));
    {
        QFile kh(knownHosts);
        QVERIFY(kh.open(QIODevice::ReadOnly));
        QCOMPARE(kh.readAll(), entry);
    }
    QCOMPARE(pane.state(), ssh::ShellSession::State::Failed);

    // Yes and yes: the old key goes, the terminal reconnects and asks about the new key.
    Prompter::instance().clear();
    Prompter::instance().queueAnswer(true);
    Prompter::instance().queueAnswer(true);
    Prompter::instance().queueAnswer(true); // accept the new, unknown key
    QTest::mouseClick(forget, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(pane.state(), ssh::ShellSession::State::Connected, 20000);
    QCOMPARE(Prompter::instance().questionsAsked().size(), 3);
    QVERIFY(Prompter::instance().questionsAsked().at(2).contains(m_machine.hostKeySha256));
    QVERIFY(!pane.view()->sessionEnded());
    QVERIFY(!forget->isVisible());
    QFile kh(knownHosts);
    QVERIFY(kh.open(QIODevice::ReadOnly));
    const QByteArray now = kh.readAll();
    QVERIFY(!now.contains(parts.at(1)));
    QVERIFY(!now.isEmpty());
}

GPUDECK_GUITEST_MAIN(TestHostKey)
#include "tst_hostkey.moc"
