// The Sandbox provider and the SSH layer against the real sshd each Sandbox machine runs.
#include "await.h"
#include "fleet.h"
#include "knownhosts.h"
#include "ledger.h"
#include "remote.h"
#include "sandbox/processes.h"
#include "sandbox/sandboxmachine.h"
#include "sshkeys.h"
#include "testenv.h"

#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QTest>

#include <csignal>

using namespace gpudeck;

class TestSandbox final : public QObject {
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void launchExecDestroyLeavesNothing();
    void launchIsIdempotentPerClientToken();
    void spotLaunchBillsTheSpotPrice();
    void badRequestsAreRefusedWithReasons_data();
    void badRequestsAreRefusedWithReasons();
    void stopAndStartKeepBillingIntervals();
    void staleMachineIsCleanedUp();
    void hostKeyMismatchIsRefused();
    void changedHostKeyIsRefusedWithoutProviderFingerprint();
    void unknownHostKeyNeedsAcceptNew();
    void wrongKeyIsRefused();
    void refusedConnectionSaysWhatToDo();

private:
    Instance launchReady(const QString& plan = QStringLiteral("t4-1x"));

    std::unique_ptr<test::IsolatedEnvironment> m_env;
    std::unique_ptr<Fleet> m_fleet;
};

void TestSandbox::init()
{
    m_env = std::make_unique<test::IsolatedEnvironment>();
    QVERIFY(m_env->isValid());
    m_fleet = std::make_unique<Fleet>(AppPaths::standard());
    const Result<void> opened = m_fleet->open();
    QVERIFY2(opened.ok(), qPrintable(opened.ok() ? QString() : opened.error().message));
}

void TestSandbox::cleanup()
{
    // Whatever a failed test left running goes now.
    // A copy: each destroy runs the event loop, and the fleet's list changes under it.
    const QList<Instance> left = m_fleet->instances();
    for (const Instance& i : left)
        (void)awaitResult<Recap>([&](Callback<Recap> done) { m_fleet->destroy(i.id, done); });
    m_fleet.reset();
    m_env.reset();
}

Instance TestSandbox::launchReady(const QString& plan)
{
    LaunchRequest req;
    req.planId = plan;
    req.name = QStringLiteral("test-machine");
    Result<Instance> ready = awaitResult<Instance>([&](Callback<Instance> done) {
        m_fleet->launchAndWait(QStringLiteral("sandbox"), req, 30000, done);
    });
    if (!ready.ok())
        qFatal("not ready: %s", qPrintable(ready.error().message));
    return ready.value();
}

void TestSandbox::launchExecDestroyLeavesNothing()
{
    const Instance inst = launchReady(QStringLiteral("l4-2x"));
    QCOMPARE(inst.status, InstanceStatus::Running);
    QCOMPARE(inst.host, QStringLiteral("127.0.0.1"));
    QVERIFY(inst.sshPort > 0);
    QVERIFY(inst.hostKeySha256.startsWith(QLatin1String("SHA256:")));
    const QString dir = m_env->stateDir() + QStringLiteral("/sandbox/") + inst.id;
    QVERIFY(QFileInfo(dir).isDir());
    const sandbox::MachineIdentity identity{sandbox::SandboxStore::tagFor(inst.id), dir};
    QVERIFY(!sandbox::machineProcesses(identity).isEmpty());

    // The simulated GPU over real SSH: two L4s, as the plan says.
    QByteArray out;
    QByteArray err;
    Result<int> rc =
        runRemote(endpointFor(inst, m_fleet->keyPathFor(inst), m_fleet->paths()),
                  QStringLiteral("nvidia-smi --query-gpu=name,memory.total --format=csv"),
                  [&](const QByteArray& d, bool isErr) { (isErr ? err : out) += d; });
    QVERIFY2(rc.ok(), qPrintable(rc.ok() ? QString() : rc.error().message));
    QCOMPARE(rc.value(), 0);
    QCOMPARE(out,
             QByteArray("name, memory.total [MiB]\nNVIDIA L4, 23034 MiB\nNVIDIA L4, 23034 MiB\n"));
    QVERIFY(err.isEmpty());

    // The remote exit status comes back, and sessions start in the machine's own home.
    out.clear();
    rc = runRemote(endpointFor(inst, m_fleet->keyPathFor(inst), m_fleet->paths()),
                   QStringLiteral("pwd; echo \"$HOME\"; echo oops >&2; exit 7"),
                   [&](const QByteArray& d, bool isErr) { (isErr ? err : out) += d; });
    QVERIFY(rc.ok());
    QCOMPARE(rc.value(), 7);
    // Sessions start in the machine's home, with HOME set to it before the login shell runs,
    // so the user's own ~/.bashrc never runs on the machine.
    const QByteArray home = QFile::encodeName(dir + QStringLiteral("/home"));
    QCOMPARE(out, home + '\n' + home + '\n');
    QCOMPARE(err, QByteArray("oops\n"));

    // A job left running with nohup must not survive the destroy either.
    rc = runRemote(endpointFor(inst, m_fleet->keyPathFor(inst), m_fleet->paths()),
                   QStringLiteral("nohup sleep 300 >/dev/null 2>&1 &"), {});
    QVERIFY(rc.ok());

    Result<Recap> recap =
        awaitResult<Recap>([&](Callback<Recap> done) { m_fleet->destroy(inst.id, done); });
    QVERIFY2(recap.ok(), qPrintable(recap.ok() ? QString() : recap.error().message));
    QCOMPARE(recap->instance.id, inst.id);
    QCOMPARE(recap->cost.billedSeconds, 60); // a short life bills the 60 s minimum
    QVERIFY(recap->cost.wallSeconds >= 1 && recap->cost.wallSeconds < 60);
    QCOMPARE(recap->cost.computeCents, 2); // $1.10/h for 60 s = 1.83 cents -> 2
    QVERIFY(!QFileInfo::exists(dir));
    QCOMPARE(sandbox::machineProcesses(identity).size(), 0);
    QVERIFY(!m_fleet->find(inst.id));
    QCOMPARE(m_fleet->ledger().all()->size(), 1);
    // The next machine on this port must not trip over the old host key.
    QFile known(m_fleet->paths().knownHosts());
    QVERIFY(known.open(QIODevice::ReadOnly));
    QVERIFY(!known.readAll().contains(ssh::knownHostsName(inst.host, inst.sshPort).toUtf8()));
}

void TestSandbox::launchIsIdempotentPerClientToken()
{
    LaunchRequest req;
    req.planId = QStringLiteral("t4-1x");
    req.clientToken = QStringLiteral("same-token");
    Result<Instance> a = awaitResult<Instance>(
        [&](Callback<Instance> done) { m_fleet->launch(QStringLiteral("sandbox"), req, done); });
    Result<Instance> b = awaitResult<Instance>(
        [&](Callback<Instance> done) { m_fleet->launch(QStringLiteral("sandbox"), req, done); });
    QVERIFY(a.ok() && b.ok());
    QCOMPARE(b->id, a->id);
    (void)awaitResult<QList<Error>>([&](Callback<QList<Error>> done) {
        m_fleet->refresh([done](QList<Error> e) { done(e); });
    });
    QCOMPARE(m_fleet->instances().size(), 1);
    QVERIFY(m_fleet->interruptedLaunches().isEmpty());
}

void TestSandbox::spotLaunchBillsTheSpotPrice()
{
    const Provider* sandbox = m_fleet->provider(QStringLiteral("sandbox"));
    QVERIFY(sandbox->capabilities().spot);
    QVERIFY(sandbox->spotNote().contains(QLatin1String("never interrupts")));
    LaunchRequest req;
    req.planId = QStringLiteral("t4-1x"); // $0.35/h on demand, $0.11/h spot
    req.spot = true;
    Result<Instance> r = awaitResult<Instance>(
        [&](Callback<Instance> done) { m_fleet->launch(QStringLiteral("sandbox"), req, done); });
    QVERIFY2(r.ok(), r.ok() ? "" : qPrintable(r.error().message));
    QCOMPARE(r->priceHourly, 0.11);
    // The price stays with the machine: what the provider lists later is what the meter uses.
    (void)awaitResult<QList<Error>>([&](Callback<QList<Error>> done) {
        m_fleet->refresh([done](QList<Error> e) { done(e); });
    });
    QCOMPARE(m_fleet->find(r->id)->priceHourly, 0.11);
}

void TestSandbox::badRequestsAreRefusedWithReasons_data()
{
    QTest::addColumn<QString>("plan");
    QTest::addColumn<QString>("region");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("mentions");
    QTest::addColumn<bool>("spot");
    QTest::newRow("unknown plan") << QStringLiteral("v100-9x") << QStringLiteral("")
                                  << QStringLiteral("")
                                  << QStringLiteral("plans --provider sandbox") << false;
    QTest::newRow("unknown region")
        << QStringLiteral("t4-1x") << QStringLiteral("mars-1") << QStringLiteral("")
        << QStringLiteral("local-1, local-2") << false;
    QTest::newRow("bad name") << QStringLiteral("t4-1x") << QStringLiteral("")
                              << QStringLiteral("../etc")
                              << QStringLiteral("not a valid machine name") << false;
    QTest::newRow("spot without a spot price")
        << QStringLiteral("a10-1x-hourly") << QStringLiteral("") << QStringLiteral("")
        << QStringLiteral("has no spot price") << true;
}

void TestSandbox::badRequestsAreRefusedWithReasons()
{
    QFETCH(QString, plan);
    QFETCH(QString, region);
    QFETCH(QString, name);
    QFETCH(QString, mentions);
    QFETCH(bool, spot);
    LaunchRequest req;
    req.planId = plan;
    req.region = region;
    req.name = name;
    req.spot = spot;
    Result<Instance> r = awaitResult<Instance>(
        [&](Callback<Instance> done) { m_fleet->launch(QStringLiteral("sandbox"), req, done); });
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::InvalidInput);
    QVERIFY2(r.error().message.contains(mentions), qPrintable(r.error().message));
    QVERIFY(QDir(m_env->stateDir() + QStringLiteral("/sandbox"))
                .entryList({QStringLiteral("sbx-*")}, QDir::Dirs)
                .isEmpty());
    QVERIFY(m_fleet->interruptedLaunches().isEmpty());
}

void TestSandbox::stopAndStartKeepBillingIntervals()
{
    const Instance inst = launchReady();
    Provider* p = m_fleet->provider(QStringLiteral("sandbox"));
    const QString dir = m_env->stateDir() + QStringLiteral("/sandbox/") + inst.id;
    const sandbox::MachineIdentity identity{sandbox::SandboxStore::tagFor(inst.id), dir};

    Result<Instance> stopped =
        awaitResult<Instance>([&](Callback<Instance> done) { p->stop(inst.id, done); });
    QVERIFY(stopped.ok());
    QCOMPARE(stopped->status, InstanceStatus::Stopped);
    QCOMPARE(sandbox::machineProcesses(identity).size(), 0);
    QCOMPARE(stopped->runIntervals.size(), 1);
    QVERIFY(stopped->runIntervals.first().end.isValid());

    Result<Instance> started =
        awaitResult<Instance>([&](Callback<Instance> done) { p->start(inst.id, done); });
    QVERIFY(started.ok());
    QCOMPARE(started->runIntervals.size(), 2);
    QTRY_COMPARE_WITH_TIMEOUT(awaitResult<Instance>([&](Callback<Instance> done) {
                                  p->getInstance(inst.id, done);
                              })->status,
                              InstanceStatus::Running, 15000);
    // Starting a running machine is a conflict, not a second server.
    Result<Instance> again =
        awaitResult<Instance>([&](Callback<Instance> done) { p->start(inst.id, done); });
    QVERIFY(!again.ok());
    QCOMPARE(again.error().code, ErrorCode::Conflict);
}

void TestSandbox::staleMachineIsCleanedUp()
{
    const Instance inst = launchReady();
    const QString dir = m_env->stateDir() + QStringLiteral("/sandbox/") + inst.id;
    const sandbox::MachineIdentity identity{sandbox::SandboxStore::tagFor(inst.id), dir};
    // Simulate a crash or reboot: the machine's processes die without a destroy.
    for (qint64 pid : sandbox::machineProcesses(identity))
        ::kill(static_cast<pid_t>(pid), SIGKILL);
    QTRY_COMPARE(sandbox::machineProcesses(identity).size(), 0);
    QTest::qWait(1200); // past the (test) stale grace

    sandbox::SandboxStore store(m_env->stateDir() + QStringLiteral("/sandbox"), test::binDir(),
                                sandbox::Timing::fromEnvironment());
    QCOMPARE(store.get(inst.id)->status, InstanceStatus::Error);
    // A folder without a record (a launch cut off half-way) is stale too.
    QVERIFY(QDir().mkpath(m_env->stateDir() + QStringLiteral("/sandbox/sbx-deadbeef")));
    QStringList removed = store.cleanupStale();
    QStringList expected{QStringLiteral("sbx-deadbeef"), inst.id};
    removed.sort();
    expected.sort();
    QCOMPARE(removed, expected);
    QVERIFY(!QFileInfo::exists(dir));
    QCOMPARE(store.get(inst.id).error().code, ErrorCode::NotFound);
}

void TestSandbox::hostKeyMismatchIsRefused()
{
    const Instance inst = launchReady();
    ssh::Endpoint ep = endpointFor(inst, m_fleet->keyPathFor(inst), m_fleet->paths());
    ep.expectedHostKeySha256 = QStringLiteral("SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    Result<int> rc = runRemote(ep, QStringLiteral("true"), {});
    QVERIFY(!rc.ok());
    QCOMPARE(rc.error().code, ErrorCode::Ssh);
    QVERIFY2(rc.error().message.contains(QLatin1String("not the one the provider reported")),
             qPrintable(rc.error().message));
}

void TestSandbox::changedHostKeyIsRefusedWithoutProviderFingerprint()
{
    const Instance inst = launchReady();
    // known_hosts holds another key for this address, as after a rebuild or an attack.
    const QString otherKey = m_env->path() + QStringLiteral("/other");
    QVERIFY(ssh::generateEd25519(otherKey, QStringLiteral("other")).ok());
    QFile known(m_fleet->paths().knownHosts());
    QVERIFY(known.open(QIODevice::WriteOnly | QIODevice::Truncate));
    known.write(ssh::knownHostsName(inst.host, inst.sshPort).toUtf8() + ' ' +
                ssh::publicKeyLine(otherKey)->section(QLatin1Char(' '), 0, 1).toUtf8() + '\n');
    known.close();
    ssh::Endpoint ep = endpointFor(inst, m_fleet->keyPathFor(inst), m_fleet->paths());
    ep.expectedHostKeySha256.clear();
    for (ssh::HostKeyPolicy policy : {ssh::HostKeyPolicy::Strict, ssh::HostKeyPolicy::AcceptNew}) {
        Result<int> rc = runRemote(ep, QStringLiteral("true"), {}, policy);
        QVERIFY(!rc.ok());
        QVERIFY2(rc.error().message.contains(QLatin1String("CHANGED")),
                 qPrintable(rc.error().message));
    }
    // With the provider's word for the real key, the stale entry is replaced and it connects.
    ep.expectedHostKeySha256 = inst.hostKeySha256;
    QVERIFY(runRemote(ep, QStringLiteral("true"), {}).ok());
    ep.expectedHostKeySha256.clear();
    QVERIFY(runRemote(ep, QStringLiteral("true"), {}).ok());
}

void TestSandbox::unknownHostKeyNeedsAcceptNew()
{
    const Instance inst = launchReady();
    ssh::Endpoint ep = endpointFor(inst, m_fleet->keyPathFor(inst), m_fleet->paths());
    ep.expectedHostKeySha256.clear();
    QFile::remove(ep.knownHostsFile);
    Result<int> strict = runRemote(ep, QStringLiteral("true"), {}, ssh::HostKeyPolicy::Strict);
    QVERIFY(!strict.ok());
    QVERIFY2(strict.error().message.contains(inst.hostKeySha256),
             qPrintable(strict.error().message));
    QVERIFY(runRemote(ep, QStringLiteral("true"), {}, ssh::HostKeyPolicy::AcceptNew).ok());
    QVERIFY(runRemote(ep, QStringLiteral("true"), {}, ssh::HostKeyPolicy::Strict).ok());
}

void TestSandbox::wrongKeyIsRefused()
{
    const Instance inst = launchReady();
    const QString stranger = m_env->path() + QStringLiteral("/stranger");
    QVERIFY(ssh::generateEd25519(stranger, QStringLiteral("stranger")).ok());
    QCOMPARE(QFileInfo(stranger).permissions() & (QFile::ReadGroup | QFile::ReadOther),
             QFile::Permissions());
    Result<int> rc =
        runRemote(endpointFor(inst, stranger, m_fleet->paths()), QStringLiteral("true"), {});
    QVERIFY(!rc.ok());
    QCOMPARE(rc.error().code, ErrorCode::AuthDenied);
    QVERIFY2(rc.error().message.contains(QLatin1String("refused the key")),
             qPrintable(rc.error().message));
}

void TestSandbox::refusedConnectionSaysWhatToDo()
{
    Instance nowhere;
    nowhere.host = QStringLiteral("127.0.0.1");
    nowhere.sshPort = 1; // nothing listens on tcpmux
    nowhere.user = QStringLiteral("nobody");
    Result<int> rc = runRemote(endpointFor(nowhere, m_fleet->paths().appKey(), m_fleet->paths()),
                               QStringLiteral("true"), {});
    QVERIFY(!rc.ok());
    QCOMPARE(rc.error().code, ErrorCode::Network);
    QVERIFY2(rc.error().message.contains(QLatin1String("refused the SSH connection")),
             qPrintable(rc.error().message));
}

QTEST_GUILESS_MAIN(TestSandbox)
#include "tst_sandbox.moc"
