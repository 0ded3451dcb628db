// Every cloud provider end to end through the real gpudeck-cli: catalog → launch --wait →
// running with an SSH address → a command over SSH → destroy → recap, against the provider's
// stateful fake on loopback (in this process), whose machines are real OpenSSH servers: a
// Sandbox machine (real sshd, simulated nvidia-smi) carrying the app key the launch sent.
// RunPod and Vast.ai report the SSH port; Lambda, Linode, DigitalOcean and AWS always mean port
// 22, so a forwarder on 127.0.0.22:22 (binding it needs root, as CI has) leads there. AWS and
// GCE also go stop → start (SSH again) and launch spot.
#include "cloudfixture.h"
#include "paths.h"
#include "testenv.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QtTest>

#include <pwd.h>
#include <unistd.h>

using namespace gpudeck;

namespace {

struct Run {
    int code = -1;
    QByteArray out;
    QByteArray err;
};

// The CLI in a child process while this one keeps serving the fake (its event loop runs).
Run cli(const QStringList& args, int timeoutMs = 120000)
{
    QProcess p;
    p.setProgram(test::binDir() + QStringLiteral("/gpudeck-cli"));
    p.setArguments(args);
    p.start();
    Run r;
    if (!p.waitForStarted() ||
        !QTest::qWaitFor([&] { return p.state() == QProcess::NotRunning; }, timeoutMs)) {
        p.kill();
        p.waitForFinished();
        r.err = "timed out: " + p.readAllStandardError();
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

} // namespace

class TestCloudE2E final : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void everyProvider_data();
    void everyProvider();
    void cleanupTestCase();

private:
    std::unique_ptr<test::IsolatedEnvironment> m_env;
    std::unique_ptr<test::CloudFixture> m_cloud;
};

void TestCloudE2E::initTestCase()
{
    m_env = std::make_unique<test::IsolatedEnvironment>();
    // Any command opens the state and makes the app's key.
    const Run ls =
        cli({QStringLiteral("ls"), QStringLiteral("--provider"), QStringLiteral("sandbox")});
    QVERIFY2(ls.code == 0, ls.err.constData());
    const QString appKey =
        QString::fromUtf8(test::readFile(AppPaths::standard().appKey() + QStringLiteral(".pub")))
            .trimmed();
    QVERIFY(appKey.startsWith(QLatin1String("ssh-ed25519 ")));

    m_cloud = std::make_unique<test::CloudFixture>();
    QVERIFY2(m_cloud->startMachine(m_env->path() + QStringLiteral("/cloud-machines"),
                                   test::binDir(), appKey),
             qPrintable(m_cloud->error()));
}

void TestCloudE2E::cleanupTestCase()
{
    m_cloud.reset();
    m_env.reset();
}

void TestCloudE2E::everyProvider_data()
{
    QTest::addColumn<QString>("provider");
    QTest::addColumn<QString>("plan");
    QTest::addColumn<QString>("region");
    QTest::addColumn<bool>("spot");
    QTest::addColumn<bool>("stopStart"); // stop, start again (new address check), SSH again
    QTest::newRow("lambda") << QStringLiteral("lambda") << QStringLiteral("gpu_1x_a10")
                            << QStringLiteral("us-east-1") << false << false;
    QTest::newRow("runpod") << QStringLiteral("runpod")
                            << QStringLiteral("NVIDIA GeForce RTX 4090|1")
                            << QStringLiteral("US-KS-2") << false << false;
    QTest::newRow("vast") << QStringLiteral("vast") << QStringLiteral("RTX 4090|1")
                          << QStringLiteral("US") << false << false;
    QTest::newRow("linode") << QStringLiteral("linode") << QStringLiteral("g1-gpu-rtx6000-1")
                            << QStringLiteral("us-east") << false << false;
    QTest::newRow("digitalocean") << QStringLiteral("digitalocean")
                                  << QStringLiteral("gpu-h100x1-80gb") << QStringLiteral("tor1")
                                  << false << false;
    // EC2: the login user is not known from the API (ubuntu, ec2-user or root by image); the
    // SSH probe finds the one the key opens and GPUDeck remembers it.
    QTest::newRow("aws") << QStringLiteral("aws") << QStringLiteral("g4dn.xlarge")
                         << QStringLiteral("us-east-1") << false << true;
    QTest::newRow("aws spot") << QStringLiteral("aws") << QStringLiteral("g4dn.xlarge")
                              << QStringLiteral("us-east-1") << true << false;
    QTest::newRow("gce") << QStringLiteral("gce")
                         << QStringLiteral("n1-standard-8+1xnvidia-tesla-t4")
                         << QStringLiteral("us-central1-a") << false << true;
    QTest::newRow("gce spot") << QStringLiteral("gce")
                              << QStringLiteral("n1-standard-8+1xnvidia-tesla-t4")
                              << QStringLiteral("us-central1-a") << true << false;
}

void TestCloudE2E::everyProvider()
{
    QFETCH(QString, provider);
    QFETCH(QString, plan);
    QFETCH(QString, region);
    QFETCH(bool, spot);
    QFETCH(bool, stopStart);
    if (!m_cloud->startProvider(provider))
        QSKIP(qPrintable(m_cloud->error()));
    const auto stop = qScopeGuard([&] { m_cloud->stopProvider(); });
    const QString host = m_cloud->sshHost();

    // Catalog: the plan is there, live.
    Run r = cli({QStringLiteral("plans"), QStringLiteral("--provider"), provider,
                 QStringLiteral("--json")});
    QVERIFY2(r.code == 0, r.err.constData());
    bool listed = false;
    for (const QJsonValue& v : QJsonDocument::fromJson(r.out).array())
        listed = listed || v[QStringLiteral("id")].toString() == plan;
    QVERIFY2(listed, r.out.constData());

    // Launch and wait until SSH answers (the machine's key is unknown: not a reason to wait).
    QStringList launchArgs{QStringLiteral("launch"),
                           QStringLiteral("--provider"),
                           provider,
                           QStringLiteral("--plan"),
                           plan,
                           QStringLiteral("--region"),
                           region,
                           QStringLiteral("--name"),
                           QStringLiteral("e2e"),
                           QStringLiteral("--wait"),
                           QStringLiteral("--json")};
    if (spot)
        launchArgs << QStringLiteral("--spot");
    r = cli(launchArgs);
    QVERIFY2(r.code == 0, r.err.constData());
    const QJsonObject launched = QJsonDocument::fromJson(r.out).object();
    const QString id = launched[QStringLiteral("id")].toString();
    QVERIFY(!id.isEmpty());
    QCOMPARE(launched[QStringLiteral("status")].toString(), QStringLiteral("running"));
    QCOMPARE(launched[QStringLiteral("host")].toString(), host);
    QCOMPARE(launched[QStringLiteral("port")].toInt(), m_cloud->sshPort());
    QVERIFY(r.err.contains("SSH ready after"));

    // A command on the "cloud" machine over SSH, its key accepted on first use. The machine's
    // sshd runs as this test's user: a provider whose login user is another one (Lambda's
    // "ubuntu") is refused there, and the message says what to check.
    const QString user = launched[QStringLiteral("user")].toString();
    const passwd* me = getpwuid(geteuid());
    const bool sameUser = me && user == QString::fromLocal8Bit(me->pw_name);
    if (provider == QLatin1String("aws"))
        QVERIFY2(sameUser, qPrintable(QStringLiteral("the probe should have found the login user "
                                                     "this machine has, not %1")
                                          .arg(user)));
    r = cli({QStringLiteral("exec"), QStringLiteral("--provider"), provider, id,
             QStringLiteral("--accept-new"), QStringLiteral("--"), QStringLiteral("nvidia-smi"),
             QStringLiteral("--query-gpu=name"), QStringLiteral("--format=csv,noheader")});
    if (sameUser) {
        QVERIFY2(r.code == 0, r.err.constData());
        QCOMPARE(r.out.trimmed(), QByteArray("NVIDIA A100-SXM4-80GB"));
    } else {
        qInfo("%s logs in as %s, which this machine does not have: the refusal is checked",
              qPrintable(provider), qPrintable(user));
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("Check the login user"), r.err.constData());
    }

    if (provider == QLatin1String("aws") || provider == QLatin1String("gce")) {
        // One click (here: one command) opens port 22 to the address this computer has now.
        r = cli({QStringLiteral("allow-ssh"), QStringLiteral("--provider"), provider, id});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY2(r.out.startsWith("Port 22 is open to "), r.out.constData());
    }
    if (stopStart) {
        // Stop: what keeps billing is said; start: SSH is checked again, the login user found
        // before is kept, and the machine answers a command again.
        r = cli({QStringLiteral("stop"), QStringLiteral("--provider"), provider, id});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY2(r.out.contains("stopped"), r.out.constData());
        // EC2 (and GCE) bill a stopped machine's disks: DescribeVolumes gave the size.
        QVERIFY2(r.err.contains("keeps billing") && r.err.contains("GB disk"), r.err.constData());
        r = cli({QStringLiteral("start"), QStringLiteral("--provider"), provider, id,
                 QStringLiteral("--wait"), QStringLiteral("--json")});
        QVERIFY2(r.code == 0, r.err.constData());
        const QJsonObject started = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(started[QStringLiteral("status")].toString(), QStringLiteral("running"));
        QCOMPARE(started[QStringLiteral("user")].toString(), user);
        r = cli({QStringLiteral("exec"), QStringLiteral("--provider"), provider, id,
                 QStringLiteral("--"), QStringLiteral("echo"), QStringLiteral("back")});
        if (sameUser) {
            QVERIFY2(r.code == 0, r.err.constData());
            QCOMPARE(r.out.trimmed(), QByteArray("back"));
        }
    }
    if (spot && provider == QLatin1String("aws")) {
        // A one-time Spot instance cannot be stopped: AWS refuses, and the message says so.
        r = cli({QStringLiteral("stop"), QStringLiteral("--provider"), provider, id});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("Spot"), r.err.constData());
    }

    // Destroy: confirmed gone with the provider, then the recap.
    r = cli({QStringLiteral("destroy"), QStringLiteral("--provider"), provider, id,
             QStringLiteral("--yes"), QStringLiteral("--json")});
    QVERIFY2(r.code == 0, r.err.constData());
    const QJsonObject recap = QJsonDocument::fromJson(r.out).object();
    QVERIFY2(recap.contains(QStringLiteral("total_usd")), r.out.constData());
    // Counted from the launch even where the API gives no creation time (Lambda).
    const double wall = recap[QStringLiteral("wall_seconds")].toDouble();
    QVERIFY2(wall >= 0 && wall < 600, r.out.constData());
    r = cli(
        {QStringLiteral("ls"), QStringLiteral("--provider"), provider, QStringLiteral("--json")});
    QVERIFY2(r.code == 0, r.err.constData());
    QCOMPARE(QJsonDocument::fromJson(r.out).array().size(), 0);
    // Forget the machine's key under this address: the next provider's row meets it anew.
    QVERIFY(QFile::remove(AppPaths::standard().knownHosts()));
}

QTEST_GUILESS_MAIN(TestCloudE2E)
#include "tst_cloude2e.moc"
