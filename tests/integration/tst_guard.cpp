// The billing guard on real Sandbox machines (real sshd, real SSH, real processes) with an
// accelerated clock: the policy and the countdown read a ManualClock the test advances, so half
// an hour of idleness takes no time and no test sleeps through it. The on-instance watchdog and
// the machine's own power switch run for real, in real (short) time.
#include "await.h"
#include "billingguard.h"
#include "clock.h"
#include "fleet.h"
#include "gpumonitor.h"
#include "jobs.h"
#include "ledger.h"
#include "meter.h"
#include "reconcile.h"
#include "remote.h"
#include "remotecommand.h"
#include "sandbox/processes.h"
#include "sandbox/sandboxmachine.h"
#include "testenv.h"
#include "transferqueue.h"
#include "watchdog.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QSignalSpy>

#include <QTemporaryDir>
#include <QTest>
#include <csignal>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace gpudeck;

namespace {

QString argText(const QSignalSpy& spy, int row, int column)
{
    return spy.at(row).at(column).toString();
}

} // namespace

class TestGuard final : public QObject {
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void meterRateAgreesWithRecap();
    void scenario1IdleCountdownDestroys_data();
    void scenario1IdleCountdownDestroys();
    void keepPostpones();
    void activityResetsIdle_data();
    void activityResetsIdle();
    void transferIsActivity();
    void budgetCapAndLifetime();
    void resultsDownloadedBeforeDestroy();
    void failedDownloadKeepsMachine();
    void stopOnlyWhereStopEndsBilling();
    void scenario6StoppedMachineStillBills();
    void hourRoundedCountdownWarnsBeforeNextHour();
    void scenario5TrainingFinishesThenIdlePolicyEnds();
    void scenario3KilledAppWatchdogStopsAndNextStartReconciles();
    void startupFindsMachinesCreatedElsewhere();
    void scenario4OfflineWatchdogActsAndReconnectReports();
    void cpuLoadIsActivity();
    void watchdogStatusAskedBeforeARemovalIsIgnored();
    void jobOutlivesTheAppThenEndsTheMachine();
    void runningJobIsNeverIdleAndKeepCancelsItsEnd();

private:
    Instance launchReady(const QString& plan);
    Result<int> exec(const Instance& i, const QString& command);
    // The watchdog on `i`, acting 3 s after the last heartbeat (one every 500 ms until stopped).
    [[nodiscard]] static bool installFastWatchdog(Watchdogs& watchdogs, const Instance& i);
    GuardPolicy policy() const;

    std::unique_ptr<test::IsolatedEnvironment> m_env;
    std::unique_ptr<Fleet> m_fleet;
    std::unique_ptr<ManualClock> m_clock;
    std::unique_ptr<BillingGuard> m_guard;
};

void TestGuard::init()
{
    m_env = std::make_unique<test::IsolatedEnvironment>();
    QVERIFY(m_env->isValid());
    m_fleet = std::make_unique<Fleet>(AppPaths::standard());
    const Result<void> opened = m_fleet->open();
    QVERIFY2(opened.ok(), qPrintable(opened.ok() ? QString() : opened.error().message));
    m_clock = std::make_unique<ManualClock>();
    m_guard = std::make_unique<BillingGuard>(*m_fleet, *m_clock);
    m_guard->setDefaultPolicy(policy());
    connect(m_fleet.get(), &Fleet::launched, m_guard.get(),
            [this](const Instance& i) { m_guard->guard(i.id); });
}

void TestGuard::cleanup()
{
    m_guard.reset();
    (void)awaitResult<QList<Error>>([&](auto done) { m_fleet->refresh(done); });
    // A copy: each destroy runs the event loop, and the fleet's list changes under it.
    const QList<Instance> left = m_fleet->instances();
    for (const Instance& i : left)
        (void)awaitResult<Recap>([&](Callback<Recap> done) { m_fleet->destroy(i.id, done); });
    m_fleet.reset();
    m_clock.reset();
    m_env.reset();
}

GuardPolicy TestGuard::policy() const
{
    GuardPolicy p; // the shipped defaults: 30 min idle, 5 min countdown, destroy
    return p;
}

Instance TestGuard::launchReady(const QString& plan)
{
    LaunchRequest req;
    req.planId = plan;
    req.name = QStringLiteral("guarded");
    Result<Instance> ready = awaitResult<Instance>([&](Callback<Instance> done) {
        m_fleet->launchAndWait(QStringLiteral("sandbox"), req, 30000, done);
    });
    if (!ready.ok())
        qFatal("not ready: %s", qPrintable(ready.error().message));
    // The clock (and the guard's idle count) starts when the machine is up and answering.
    m_clock->set(QDateTime::currentDateTimeUtc());
    m_guard->guard(ready->id);
    return ready.value();
}

Result<int> TestGuard::exec(const Instance& i, const QString& command)
{
    return runRemote(endpointFor(i, m_fleet->keyPathFor(i), m_fleet->paths()), command, {});
}

bool TestGuard::installFastWatchdog(Watchdogs& watchdogs, const Instance& i)
{
    // 5 s: each heartbeat is an SSH login, which can take a few seconds on a loaded CI machine
    // (3 s once let a beat lapse while the app was still beating).
    watchdogs.setStaleSeconds(5);
    watchdogs.setCheckSeconds(1);
    watchdogs.setHeartbeatInterval(500);
    QSignalSpy installed(&watchdogs, &Watchdogs::installedChanged);
    watchdogs.install(i);
    return installed.wait(20000) && installed.at(0).at(1).toBool();
}

void TestGuard::meterRateAgreesWithRecap()
{
    // l4-2x: $1.10/h and a 250 GB disk at $0.10/GB-month: the rate the Overview, the status
    // bar and the launch dialog show includes the disk, as the recap charges it.
    const Instance inst = launchReady(QStringLiteral("l4-2x"));
    const double storage = 250 * 0.10 / 730.0;
    QCOMPARE(hourlyRate(inst).computeUsd, 1.10);
    QVERIFY(qAbs(hourlyRate(inst).storageUsd - storage) < 1e-9);
    QVERIFY(qAbs(m_fleet->burnRateHourly() - (1.10 + storage)) < 1e-9);
    QCOMPARE(formatHourly(hourlyRate(inst).totalUsd()), QStringLiteral("$1.13/h"));
    // Ten hours of the plan: compute $11.00 + disk $0.34 = $11.34 (launch dialog estimate)...
    Plan plan;
    plan.onDemandHourly = 1.10;
    plan.diskGb = 250;
    plan.billing = inst.billing;
    QCOMPARE(estimateWithStorageCents(plan, 10), 1134);
    // ...and the meter after ten hours on the clock says the same.
    m_clock->advance(10 * 3600);
    Instance tenHours = inst;
    tenHours.runIntervals = {{m_clock->now().addSecs(-10 * 3600), QDateTime()}};
    tenHours.createdAt = tenHours.runIntervals.first().start;
    QCOMPARE(costOf(tenHours, m_clock->now()).totalCents(), 1134);
    // Spend today and this month count the live machine (labelled estimates in the UI).
    QVERIFY(spendSinceCents(&m_fleet->ledger(), m_fleet->instances(), startOfMonth(m_clock->now()),
                            m_clock->now()) > 0);
}

void TestGuard::scenario1IdleCountdownDestroys_data()
{
    QTest::addColumn<QString>("plan");
    QTest::addColumn<QString>("rate");
    QTest::addColumn<qint64>("billedSeconds");
    QTest::addColumn<qint64>("totalCents");
    // Per second with a 60 s minimum: a few real seconds bill the minimum, $0.35 × 60 s.
    QTest::newRow("per second, 60 s minimum")
        << QStringLiteral("t4-1x") << "$0.364/h" << 60LL << 1LL;
    // Hourly, rounded up: the started hour, $0.75.
    QTest::newRow("hourly rounded up")
        << QStringLiteral("a10-1x-hourly") << "$0.750/h" << 3600LL << 75LL;
}

void TestGuard::scenario1IdleCountdownDestroys()
{
    // Idle instance, app open, nobody clicks → notification → countdown → action → recap.
    QFETCH(QString, plan);
    QFETCH(QString, rate);
    QFETCH(qint64, billedSeconds);
    QFETCH(qint64, totalCents);
    const Instance inst = launchReady(plan);
    QVERIFY(m_guard->isGuarded(inst.id));
    QSignalSpy warned(m_guard.get(), &BillingGuard::limitReached);
    QSignalSpy escalated(m_guard.get(), &BillingGuard::escalated);
    QSignalSpy destroyed(m_guard.get(), &BillingGuard::destroyed);

    m_clock->advance(30 * 60 - 1);
    m_guard->tick();
    QCOMPARE(warned.count(), 0);
    m_clock->advance(1);
    m_guard->tick();
    QCOMPARE(warned.count(), 1);
    QCOMPARE(argText(warned, 0, 1),
             QStringLiteral("GPU idle for 30 min 00 s at %1 — destroying in 5:00").arg(rate));
    const QDateTime warnedAt = m_clock->now();

    m_clock->advance(150); // half the countdown, ignored: reminded
    m_guard->tick();
    QCOMPARE(escalated.count(), 1);
    QCOMPARE(escalated.at(0).at(1).toInt(), 1);
    m_clock->advance(90); // the last minute: reminded again
    m_guard->tick();
    QCOMPARE(escalated.count(), 2);
    QVERIFY(argText(escalated, 1, 2).endsWith(QStringLiteral("destroying in 1:00")));
    QCOMPARE(destroyed.count(), 0);

    m_clock->advance(60);
    m_guard->tick();
    QCOMPARE(warnedAt.secsTo(m_clock->now()), 300);
    QVERIFY(destroyed.wait(20000));
    const Recap recap = destroyed.at(0).at(1).value<Recap>();
    // Billing stopped: the provider confirmed the machine gone.
    QVERIFY(!m_fleet->find(inst.id));
    QVERIFY(!QFileInfo::exists(m_env->stateDir() + QStringLiteral("/sandbox/") + inst.id));
    QCOMPARE(recap.cost.billedSeconds, billedSeconds);
    QCOMPARE(recap.cost.totalCents(), totalCents);
    const QList<Recap> ledger = m_fleet->ledger().all().value();
    QCOMPARE(ledger.size(), 1);
    QCOMPARE(ledger.first().cost.totalCents(), totalCents);
}

void TestGuard::keepPostpones()
{
    const Instance inst = launchReady(QStringLiteral("t4-1x"));
    QSignalSpy warned(m_guard.get(), &BillingGuard::limitReached);
    QSignalSpy cancelled(m_guard.get(), &BillingGuard::countdownCancelled);
    m_clock->advance(30 * 60);
    m_guard->tick();
    QCOMPARE(warned.count(), 1);
    m_clock->advance(240); // 1:00 left, then the user clicks Keep 1 h
    m_guard->keepFor(inst.id, 3600);
    QCOMPARE(cancelled.count(), 1);
    QCOMPARE(m_guard->secondsLeft(inst.id), -1);
    QVERIFY(m_guard->stateText(inst.id).startsWith(QStringLiteral("kept until")));
    m_clock->advance(3600 + 30 * 60 - 1); // the hour, then idle again for less than 30 min
    m_guard->tick();
    QCOMPARE(warned.count(), 1);
    QVERIFY(m_fleet->find(inst.id));
    m_clock->advance(1);
    m_guard->tick();
    QCOMPARE(warned.count(), 2);
    // Keep until… a given time works the same way.
    m_guard->keepUntil(inst.id, m_clock->now().addSecs(7200));
    m_clock->advance(7199);
    m_guard->tick();
    QCOMPARE(warned.count(), 2);
}

void TestGuard::activityResetsIdle_data()
{
    QTest::addColumn<int>("activity");
    QTest::newRow("keystroke") << static_cast<int>(BillingGuard::Activity::Keystroke);
    QTest::newRow("new epoch") << static_cast<int>(BillingGuard::Activity::Epoch);
}

void TestGuard::activityResetsIdle()
{
    QFETCH(int, activity);
    const Instance inst = launchReady(QStringLiteral("t4-1x"));
    QSignalSpy warned(m_guard.get(), &BillingGuard::limitReached);
    QSignalSpy cancelled(m_guard.get(), &BillingGuard::countdownCancelled);
    m_clock->advance(29 * 60);
    m_guard->noteActivity(inst.id, static_cast<BillingGuard::Activity>(activity));
    m_clock->advance(29 * 60);
    m_guard->tick();
    QCOMPARE(warned.count(), 0);
    QCOMPARE(m_guard->idleSeconds(inst.id), 29 * 60);
    m_clock->advance(60);
    m_guard->tick();
    QCOMPARE(warned.count(), 1);
    // Activity during the idle countdown ends it.
    m_clock->advance(100);
    m_guard->noteActivity(inst.id, static_cast<BillingGuard::Activity>(activity));
    QCOMPARE(cancelled.count(), 1);
    QVERIFY(argText(cancelled, 0, 1).startsWith(QStringLiteral("Activity resumed")));
    m_clock->advance(300);
    m_guard->tick();
    QVERIFY(m_fleet->find(inst.id));
}

void TestGuard::transferIsActivity()
{
    // A real download through the transfer queue counts as activity.
    const Instance inst = launchReady(QStringLiteral("t4-1x"));
    TransferQueue queue;
    m_guard->setTransferQueue(&queue);
    QVERIFY(exec(inst, QStringLiteral("head -c 2000000 /dev/zero > big.bin")).value() == 0);
    m_clock->advance(29 * 60);
    QSignalSpy finished(&queue, &TransferQueue::itemFinished);
    queue.download(*m_fleet, inst, QStringLiteral("big.bin"), m_env->path());
    QVERIFY(finished.wait(20000));
    QCOMPARE(m_guard->watch(inst.id)->lastActivityWhat, QStringLiteral("transfer"));
    QCOMPARE(m_guard->idleSeconds(inst.id), 0);
    QVERIFY(!m_guard->watch(inst.id)->transferRunning);
    m_clock->advance(29 * 60);
    QSignalSpy warned(m_guard.get(), &BillingGuard::limitReached);
    m_guard->tick();
    QCOMPARE(warned.count(), 0);
}

void TestGuard::budgetCapAndLifetime()
{
    const Instance inst = launchReady(QStringLiteral("t4-1x"));
    GuardPolicy p;
    p.idleTimeoutSeconds = 0; // only the budget
    p.budgetCapCents = 18;
    m_guard->setPolicy(inst.id, p);
    QSignalSpy warned(m_guard.get(), &BillingGuard::limitReached);
    m_clock->advance(25 * 60); // $0.146 + disk
    m_guard->tick();
    QCOMPARE(warned.count(), 0);
    m_clock->advance(5 * 60); // 30 min: $0.175 → 18 ¢ + 1 ¢ disk
    m_guard->tick();
    QCOMPARE(warned.count(), 1);
    QVERIFY2(argText(warned, 0, 1)
                 .startsWith(QStringLiteral("Budget of $0.18 reached ($0.19 so "
                                            "far")),
             qPrintable(argText(warned, 0, 1)));
    m_guard->keepFor(inst.id, 60);

    p.budgetCapCents = 0;
    p.maxLifetimeSeconds = 3600;
    m_guard->setPolicy(inst.id, p);
    m_clock->advance(60);
    m_guard->tick();
    QCOMPARE(warned.count(), 1);
    m_clock->advance(inst.createdAt.secsTo(m_clock->now().addSecs(3600)) - 3600);
    m_clock->set(inst.createdAt.addSecs(3600));
    m_guard->tick();
    QCOMPARE(warned.count(), 2);
    QVERIFY(argText(warned, 1, 1).startsWith(QStringLiteral("Running for 1 h 00 min")));
}

void TestGuard::resultsDownloadedBeforeDestroy()
{
    const Instance inst = launchReady(QStringLiteral("t4-1x"));
    QCOMPARE(exec(inst, QStringLiteral("mkdir -p results && echo 'loss 0.01' > results/final.txt"))
                 .value(),
             0);
    TransferQueue queue;
    m_guard->setTransferQueue(&queue);
    GuardPolicy p;
    p.resultsFolder = QStringLiteral("results");
    p.downloadDir = m_env->path() + QStringLiteral("/downloads");
    m_guard->setPolicy(inst.id, p);
    QSignalSpy acting(m_guard.get(), &BillingGuard::acting);
    QSignalSpy destroyed(m_guard.get(), &BillingGuard::destroyed);
    m_clock->advance(30 * 60);
    m_guard->tick();
    m_clock->advance(300);
    m_guard->tick();
    QVERIFY(destroyed.wait(30000));
    QVERIFY(argText(acting, 0, 1).startsWith(QStringLiteral("Downloading results")));
    QCOMPARE(test::readFile(p.downloadDir + QStringLiteral("/results/final.txt")),
             QByteArray("loss 0.01\n"));
    QVERIFY(!m_fleet->find(inst.id));
}

void TestGuard::failedDownloadKeepsMachine()
{
    const Instance inst = launchReady(QStringLiteral("t4-1x"));
    TransferQueue queue;
    m_guard->setTransferQueue(&queue);
    GuardPolicy p;
    p.resultsFolder = QStringLiteral("no-such-folder");
    p.downloadDir = m_env->path();
    m_guard->setPolicy(inst.id, p);
    QSignalSpy failed(m_guard.get(), &BillingGuard::actionFailed);
    QSignalSpy destroyed(m_guard.get(), &BillingGuard::destroyed);
    m_clock->advance(30 * 60 + 300);
    m_guard->tick(); // limit
    m_clock->advance(300);
    m_guard->tick(); // countdown over: download, which fails
    QVERIFY(failed.wait(30000));
    QVERIFY(argText(failed, 0, 1).contains(QStringLiteral("NOT destroyed")));
    QCOMPARE(destroyed.count(), 0);
    Result<Instance> still = awaitResult<Instance>([&](auto done) {
        m_fleet->provider(QStringLiteral("sandbox"))->getInstance(inst.id, done);
    });
    QVERIFY(still.ok());
    QCOMPARE(still->status, InstanceStatus::Running);
}

void TestGuard::stopOnlyWhereStopEndsBilling()
{
    const Instance perSecond = launchReady(QStringLiteral("t4-1x"));
    const Instance hourly = launchReady(QStringLiteral("a10-1x-hourly"));
    // Hourly plans bill powered-off machines (like Linode): Stop becomes Destroy there.
    QCOMPARE(m_guard->effectiveAction(hourly, GuardPolicy::Action::Stop),
             GuardPolicy::Action::Destroy);
    QCOMPARE(m_guard->effectiveAction(perSecond, GuardPolicy::Action::Stop),
             GuardPolicy::Action::Stop);

    GuardPolicy p;
    p.action = GuardPolicy::Action::Stop;
    m_guard->setPolicy(perSecond.id, p);
    m_guard->unguard(hourly.id);
    QSignalSpy warned(m_guard.get(), &BillingGuard::limitReached);
    QSignalSpy stopped(m_guard.get(), &BillingGuard::stopped);
    m_clock->advance(30 * 60);
    m_guard->tick();
    QVERIFY(argText(warned, 0, 1).endsWith(QStringLiteral("stopping in 5:00")));
    m_clock->advance(300);
    m_guard->tick();
    QVERIFY(stopped.wait(20000));
    // After: what keeps billing, and at what rate (the disk).
    QCOMPARE(argText(stopped, 0, 1),
             QStringLiteral("While stopped, guarded keeps billing $0.014/h for its 100 GB disk. "
                            "Destroy it to stop paying."));
    const Instance now = *m_fleet->find(perSecond.id);
    QCOMPARE(now.status, InstanceStatus::Stopped);
    QVERIFY(now.runIntervals.last().end.isValid());
    QVERIFY(qAbs(hourlyRate(now).totalUsd() - 100 * 0.10 / 730) < 1e-9);
}

void TestGuard::scenario6StoppedMachineStillBills()
{
    // A stopped machine that still bills (powered-off rule): warned with the rate, listed in
    // the burn rate, before (the note) and after the stop.
    const Instance inst = launchReady(QStringLiteral("a10-1x-hourly"));
    const QString before = stoppedBillingNote(inst, QStringLiteral("Sandbox"));
    QCOMPARE(before, QStringLiteral("While stopped, guarded keeps billing $0.750/h: Sandbox bills "
                                    "a powered-off machine like a running one. Destroy it to "
                                    "stop paying."));
    QSignalSpy still(m_guard.get(), &BillingGuard::stillBilling);
    Result<Instance> stopped =
        awaitResult<Instance>([&](auto done) { m_fleet->stop(inst.id, done); });
    QVERIFY(stopped.ok());
    QCOMPARE(stopped->status, InstanceStatus::Stopped);
    m_guard->tick();
    QCOMPARE(still.count(), 1);
    QCOMPARE(argText(still, 0, 1), before);
    m_guard->tick();
    QCOMPARE(still.count(), 1); // said once, not every second
    QCOMPARE(m_fleet->burnRateHourly(), 0.75);
    // Later, its cost keeps growing by the hour: two hours and a bit after launch, 3 hours.
    m_clock->set(inst.createdAt.addSecs(2 * 3600 + 10));
    QCOMPARE(costOf(*m_fleet->find(inst.id), m_clock->now()).totalCents(), 225);
}

void TestGuard::hourRoundedCountdownWarnsBeforeNextHour()
{
    const Instance inst = launchReady(QStringLiteral("a10-1x-hourly"));
    GuardPolicy p;
    p.idleTimeoutSeconds = 0; // idle warnings off: only the billed-hour warning
    m_guard->setPolicy(inst.id, p);
    QSignalSpy hour(m_guard.get(), &BillingGuard::hourWarning);
    m_clock->set(inst.createdAt.addSecs(54 * 60));
    QCOMPARE(secondsToNextBilledHour(*m_fleet->find(inst.id), m_clock->now()), 6 * 60);
    m_guard->tick();
    QCOMPARE(hour.count(), 0);
    m_clock->set(inst.createdAt.addSecs(56 * 60));
    m_guard->tick();
    QCOMPARE(hour.count(), 1);
    QCOMPARE(argText(hour, 0, 1),
             QStringLiteral("guarded is idle and another billed hour ($0.75) starts in 4:00."));
    m_guard->tick();
    QCOMPARE(hour.count(), 1);
    // Per-second plans have no billed hour.
    const Instance perSecond = launchReady(QStringLiteral("t4-1x"));
    QVERIFY(!secondsToNextBilledHour(perSecond, m_clock->now()));
}

void TestGuard::scenario5TrainingFinishesThenIdlePolicyEnds()
{
    // Training finishes at night: the GPU (the real simulated nvidia-smi, streamed by the real
    // GpuMonitor) is busy while it runs and drops to idle when it ends; the idle policy then
    // ends the machine.
    const Instance inst = launchReady(QStringLiteral("t4-1x"));
    GpuMonitor monitor(endpointFor(inst, m_fleet->keyPathFor(inst), m_fleet->paths()), 200);
    connect(&monitor, &GpuMonitor::updated, this, [&] {
        QList<double> util;
        for (const monitor::GpuSample& s : monitor.lastBatch())
            util << s.utilizationGpuPercent.value_or(0.0);
        m_guard->noteGpuUtilization(inst.id, util);
    });
    monitor.start();
    QVERIFY(exec(inst, QStringLiteral("nohup gpudeck-demo-train --epochs 3 --steps 20 --step-ms 50 "
                                      "--log train.log >/dev/null 2>&1 &"))
                .value() == 0);
    QTRY_VERIFY_WITH_TIMEOUT(m_guard->watch(inst.id)->gpuBusy, 15000);
    // The night goes by while it trains: still busy, no warning.
    QSignalSpy warned(m_guard.get(), &BillingGuard::limitReached);
    m_clock->advance(45 * 60);
    m_guard->tick();
    QCOMPARE(warned.count(), 0);
    // Training ends; the GPU drops to idle.
    QTRY_VERIFY_WITH_TIMEOUT(!m_guard->watch(inst.id)->gpuBusy, 30000);
    monitor.stop();
    m_guard->tick();
    m_clock->advance(30 * 60);
    m_guard->tick();
    QCOMPARE(warned.count(), 1);
    QSignalSpy destroyed(m_guard.get(), &BillingGuard::destroyed);
    m_clock->advance(300);
    m_guard->tick();
    QVERIFY(destroyed.wait(20000));
    const Recap recap = destroyed.at(0).at(1).value<Recap>();
    QCOMPARE(recap.cost.billedSeconds, std::max<qint64>(60, recap.cost.runningSeconds));
}

void TestGuard::watchdogStatusAskedBeforeARemovalIsIgnored()
{
    // The Overview asks a machine whether its watchdog runs while an install or removal may be
    // on its way; the answer that comes back last is not always the newest. Here the status
    // answer is held on the machine until after a removal has answered: it must not bring the
    // watchdog back (seen in a full run: a status taken mid-install replaced "installed").
    const Instance inst = launchReady(QStringLiteral("t4-1x"));
    Watchdogs watchdogs(*m_fleet);
    watchdogs.setHeartbeatInterval(0);
    QSignalSpy changed(&watchdogs, &Watchdogs::installedChanged);
    watchdogs.install(inst);
    QTRY_VERIFY_WITH_TIMEOUT(watchdogs.installed(inst.id), 20000);

    // The status script ends with `tail` of the watchdog's log: made a link to a FIFO outside
    // the watchdog's folder, it waits there until the test writes and closes the other end.
    QTemporaryDir dir;
    const QByteArray fifo = QFile::encodeName(dir.filePath(QStringLiteral("held-log")));
    QCOMPARE(::mkfifo(fifo.constData(), 0600), 0);
    const Result<int> linked = exec(
        inst, ssh::remoteCommand(QStringLiteral("ln -sf \"$1\" \"$HOME/.gpudeck/watchdog/log\""),
                                 QList<QByteArray>{fifo}));
    QVERIFY(linked.ok() && linked.value() == 0);
    changed.clear();
    watchdogs.checkStatus(inst);
    // A writer can open a FIFO without blocking only once a reader has it open: the status
    // script is past its checks ("running") and waiting.
    int writer = -1;
    const auto holdWriter = [&] {
        if (writer < 0) // QTRY evaluates its condition once more after it held
            writer = ::open(fifo.constData(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        return writer >= 0;
    };
    QTRY_VERIFY_WITH_TIMEOUT(holdWriter(), 20000);

    watchdogs.remove(inst);
    QTRY_COMPARE_WITH_TIMEOUT(changed.size(), 1, 20000);
    QCOMPARE(argText(changed, 0, 2), QStringLiteral("Watchdog removed."));
    QVERIFY(!watchdogs.installed(inst.id));

    // Now the held answer ("running", and this line) goes back.
    QCOMPARE(::write(writer, "held\n", 5), 5);
    ::close(writer);
    // Its reader gone, the script has answered; its answer crosses SSH and the main thread's
    // queue in milliseconds. It changes nothing.
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            const int fd = ::open(fifo.constData(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
            if (fd >= 0)
                ::close(fd);
            return fd < 0;
        }(),
        20000);
    QTest::qWait(2000);
    QCOMPARE(changed.size(), 1);
    QVERIFY(!watchdogs.installed(inst.id));

    // A status asked now, with nothing else on its way, is the machine's word.
    watchdogs.checkStatus(inst);
    QTRY_COMPARE_WITH_TIMEOUT(changed.size(), 2, 20000);
    QCOMPARE(argText(changed, 1, 2), QStringLiteral("No watchdog on the machine."));
}

void TestGuard::scenario3KilledAppWatchdogStopsAndNextStartReconciles()
{
    // The app dies (SIGKILL, sleep, offline: its heartbeats stop); the watchdog on the machine
    // sees the stale heartbeat and idle GPUs and powers the machine off; billing stops there.
    // The next start lists it, unguarded, with what happened and what it cost.
    const Instance inst = launchReady(QStringLiteral("t4-1x"));
    const WatchdogSupport support =
        watchdogSupport(*m_fleet->provider(QStringLiteral("sandbox")), inst);
    QVERIFY(support.installable);
    QVERIFY(support.endsBilling);
    Watchdogs watchdogs(*m_fleet);
    QVERIFY(installFastWatchdog(watchdogs, inst));
    // While the app beats, nothing happens.
    QTest::qWait(5000);
    Provider* sandbox = m_fleet->provider(QStringLiteral("sandbox"));
    Result<Instance> alive =
        awaitResult<Instance>([&](auto done) { sandbox->getInstance(inst.id, done); });
    QCOMPARE(alive->status, InstanceStatus::Running);

    // The app is gone: no more heartbeats.
    watchdogs.setHeartbeatInterval(0);
    const QDateTime goneAt = QDateTime::currentDateTimeUtc();
    m_guard.reset();
    m_fleet.reset();
    sandbox = nullptr;

    // Next start.
    m_fleet = std::make_unique<Fleet>(AppPaths::standard());
    QVERIFY(m_fleet->open().ok());
    m_guard = std::make_unique<BillingGuard>(*m_fleet, *m_clock);
    Instance seen;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            (void)awaitResult<QList<Error>>([&](auto done) { m_fleet->refresh(done); });
            const std::optional<Instance> i = m_fleet->find(inst.id);
            if (i)
                seen = *i;
            return i && i->status == InstanceStatus::Stopped;
        }(),
        20000);
    const QDateTime stoppedAt = seen.runIntervals.last().end;
    QVERIFY(stoppedAt.isValid());
    QVERIFY2(
        goneAt.secsTo(stoppedAt) >= 3 && goneAt.secsTo(stoppedAt) <= 12,
        qPrintable(
            QStringLiteral("stopped %1 s after the last heartbeat").arg(goneAt.secsTo(stoppedAt))));
    QVERIFY(seen.statusDetail.startsWith(QStringLiteral("Powered off from inside the machine")));
    // Its processes are gone too (the SSH server, the sessions, the watchdog).
    const sandbox::SandboxStore store(m_env->stateDir() + QStringLiteral("/sandbox"),
                                      test::binDir(), sandbox::Timing::fromEnvironment());
    QTRY_VERIFY_WITH_TIMEOUT(sandbox::machineProcesses(store.identityOf(inst.id)).isEmpty(), 15000);

    m_clock->set(QDateTime::currentDateTimeUtc());
    const QList<UnguardedMachine> found = unguardedMachines(*m_fleet, *m_guard, *m_clock);
    QCOMPARE(found.size(), 1);
    const UnguardedMachine& m = found.first();
    QCOMPARE(m.origin, UnguardedMachine::Origin::EarlierSession);
    QVERIFY2(m.note.contains(QStringLiteral("Powered off from inside the machine")) &&
                 m.note.contains(QStringLiteral("keeps billing $0.014/h for its 100 GB disk")),
             qPrintable(m.note));
    // Billed under the rule: the 60 s minimum of compute (1 ¢) plus a few seconds of disk.
    Cost cost = costOf(seen, m_clock->now());
    QCOMPARE(cost.billedSeconds, 60);
    QCOMPARE(cost.computeCents, 1);
    QCOMPARE(m.costSoFarCents, cost.totalCents());
    // One click adopts it.
    m_guard->guard(inst.id);
    QVERIFY(unguardedMachines(*m_fleet, *m_guard, *m_clock).isEmpty());
}

void TestGuard::startupFindsMachinesCreatedElsewhere()
{
    // One machine launched by gpudeck-cli in another process, one created behind GPUDeck's back
    // (straight in the Sandbox, as a provider's console would).
    QProcess cli;
    cli.start(test::binDir() + QStringLiteral("/gpudeck-cli"),
              {QStringLiteral("launch"), QStringLiteral("--provider"), QStringLiteral("sandbox"),
               QStringLiteral("--plan"), QStringLiteral("t4-1x"), QStringLiteral("--name"),
               QStringLiteral("from-cli")});
    QVERIFY(cli.waitForFinished(60000));
    QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());

    sandbox::SandboxStore store(m_env->stateDir() + QStringLiteral("/sandbox"), test::binDir(),
                                sandbox::Timing::fromEnvironment());
    LaunchRequest req;
    req.planId = QStringLiteral("a10-1x-hourly");
    req.name = QStringLiteral("console");
    req.sshPublicKeys = {QStringLiteral("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHx+console")};
    QVERIFY(store.launch(req).ok());

    // The app starts: its first refresh finds both, unguarded, with their cost so far.
    m_guard.reset();
    m_fleet = std::make_unique<Fleet>(AppPaths::standard());
    QVERIFY(m_fleet->open().ok());
    m_guard = std::make_unique<BillingGuard>(*m_fleet, *m_clock);
    QVERIFY(
        awaitResult<QList<Error>>([&](auto done) { m_fleet->refresh(done); }).value().isEmpty());
    m_clock->set(QDateTime::currentDateTimeUtc());
    const QList<UnguardedMachine> found = unguardedMachines(*m_fleet, *m_guard, *m_clock);
    QCOMPARE(found.size(), 2);
    for (const UnguardedMachine& m : found) {
        if (m.instance.name == QLatin1String("from-cli")) {
            QCOMPARE(m.origin, UnguardedMachine::Origin::EarlierSession);
        } else {
            QCOMPARE(m.instance.name, QStringLiteral("console"));
            QCOMPARE(m.origin, UnguardedMachine::Origin::Elsewhere);
            QCOMPARE(m.costSoFarCents, 75); // hourly: the started hour
            QCOMPARE(m.ratePerHourUsd, 0.75);
        }
    }
}

void TestGuard::scenario4OfflineWatchdogActsAndReconnectReports()
{
    // The laptop goes offline: nothing from the app reaches the machine (its SSH server stops
    // answering: the listener is frozen with SIGSTOP, so connections hang as behind a dead
    // link) and the app learns nothing new from the provider (no refresh). The watchdog on the
    // machine acts on the stale heartbeat; when the app is back, the refresh shows the machine
    // stopped and the guard says so once, with how and what it cost. The Sandbox's "API" is
    // local files, so offline is the absence of refreshes here; SSH is really unreachable.
    const Instance inst = launchReady(QStringLiteral("t4-1x"));
    Watchdogs watchdogs(*m_fleet);
    QVERIFY(installFastWatchdog(watchdogs, inst));
    m_guard->tick(); // seen running
    QSignalSpy elsewhere(m_guard.get(), &BillingGuard::stoppedElsewhere);
    QSignalSpy acting(m_guard.get(), &BillingGuard::acting);

    const sandbox::SandboxStore store(m_env->stateDir() + QStringLiteral("/sandbox"),
                                      test::binDir(), sandbox::Timing::fromEnvironment());
    const QString dir = store.machineDir(inst.id);
    const pid_t sshd = test::readFile(dir + QStringLiteral("/sshd.pid")).trimmed().toInt();
    QVERIFY(sshd > 0);
    QCOMPARE(::kill(sshd, SIGSTOP), 0);
    const QDateTime offlineAt = QDateTime::currentDateTimeUtc();
    // Heartbeats keep being tried (and fail); the watchdog powers the machine off.
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(dir + QStringLiteral("/poweroff")), 20000);
    const qint64 tookSeconds = offlineAt.secsTo(QDateTime::currentDateTimeUtc());
    QVERIFY2(tookSeconds <= 12, qPrintable(QString::number(tookSeconds)));
    m_guard->tick();
    QCOMPARE(elsewhere.count(), 0); // the app does not know yet

    // Back online.
    ::kill(sshd, SIGCONT);
    watchdogs.setHeartbeatInterval(0);
    QVERIFY(
        awaitResult<QList<Error>>([&](auto done) { m_fleet->refresh(done); }).value().isEmpty());
    const Instance seen = *m_fleet->find(inst.id);
    QCOMPARE(seen.status, InstanceStatus::Stopped);
    m_clock->set(QDateTime::currentDateTimeUtc());
    m_guard->tick();
    QCOMPARE(elsewhere.count(), 1);
    const QString text = argText(elsewhere, 0, 1);
    QVERIFY2(text.startsWith(QStringLiteral("guarded stopped while GPUDeck was not watching. "
                                            "Powered off from inside the machine")),
             qPrintable(text));
    // Billed under the rule: the 60 s minimum of compute, plus the disk so far.
    QVERIFY2(text.contains(QStringLiteral("It cost %1 so far.")
                               .arg(formatCents(costOf(seen, m_clock->now()).totalCents()))),
             qPrintable(text));
    QCOMPARE(costOf(seen, m_clock->now()).billedSeconds, 60);
    m_guard->tick();
    QCOMPARE(elsewhere.count(), 1); // said once
    QCOMPARE(acting.count(), 0);    // the guard itself did nothing
}

void TestGuard::cpuLoadIsActivity()
{
    // The monitor reads the machine's load average with its process list (a Sandbox machine's
    // simulated one: the file GPUDECK_LOADAVG names); a busy CPU keeps the machine from idling
    // (data preparation, a CPU-bound step), an idle one lets the idle policy run.
    const Instance inst = launchReady(QStringLiteral("t4-1x"));
    const sandbox::SandboxStore store(m_env->stateDir() + QStringLiteral("/sandbox"),
                                      test::binDir(), sandbox::Timing::fromEnvironment());
    const QString loadavg = store.machineDir(inst.id) + QStringLiteral("/loadavg");
    QVERIFY(test::writeFile(loadavg, "3.50 2.00 1.00 4/120 999\n"));
    GpuMonitor monitor(endpointFor(inst, m_fleet->keyPathFor(inst), m_fleet->paths()), 500, 1);
    connect(&monitor, &GpuMonitor::cpuLoadChanged, this,
            [&](double load) { m_guard->noteCpuLoad(inst.id, load); });
    monitor.start();
    QTRY_COMPARE_WITH_TIMEOUT(monitor.cpuLoad1().value_or(-1), 3.5, 15000);
    QVERIFY(m_guard->watch(inst.id)->cpuBusy);
    QCOMPARE(m_guard->stateText(inst.id), QStringLiteral("busy (CPU busy)"));
    QSignalSpy warned(m_guard.get(), &BillingGuard::limitReached);
    m_clock->advance(45 * 60);
    m_guard->tick();
    QCOMPARE(warned.count(), 0);

    QVERIFY(test::writeFile(loadavg, "0.02 0.50 1.00 1/120 999\n"));
    QTRY_COMPARE_WITH_TIMEOUT(monitor.cpuLoad1().value_or(-1), 0.02, 15000);
    monitor.stop();
    QVERIFY(!m_guard->watch(inst.id)->cpuBusy);
    m_guard->tick();
    m_clock->advance(30 * 60);
    m_guard->tick();
    QCOMPARE(warned.count(), 1);
    QVERIFY(argText(warned, 0, 1).startsWith(QStringLiteral("GPU idle for 30 min")));
}

void TestGuard::jobOutlivesTheAppThenEndsTheMachine()
{
    // Job mode: a command started detached survives the app (here: the Jobs object and its
    // connection go away while it runs, as at a quit or crash); the next start picks the job up
    // from the database, sees it end with its exit status, and the guard counts down, downloads
    // the outputs (verified) and destroys the machine, with the recap.
    const Instance inst = launchReady(QStringLiteral("t4-1x"));
    TransferQueue queue;
    m_guard->setTransferQueue(&queue);
    JobSpec spec;
    spec.instanceId = inst.id;
    // User text with quotes, $(...) and a newline reaches bash exactly as typed.
    spec.command = QStringLiteral("mkdir -p out && printf '%s\\n' \"it's \\$(done)\" > "
                                  "out/result.txt\nsleep 3; echo finished; exit 7");
    spec.outputs = QStringLiteral("out");
    spec.downloadDir = m_env->path() + QStringLiteral("/job-outputs");
    spec.after = JobSpec::After::Destroy;
    spec.countdownSeconds = 60;
    QString jobId;
    {
        Jobs first(*m_fleet);
        first.setPollInterval(0);
        Result<Job> started = awaitResult<Job>(
            [&](Callback<Job> done) { first.start(spec, [done](Result<Job> r) { done(r); }); });
        QVERIFY2(started.ok(), qPrintable(started.ok() ? QString() : started.error().message));
        QCOMPARE(started->state, Job::State::Running);
        jobId = started->id;
    } // the app is gone

    Jobs next(*m_fleet);
    next.setPollInterval(300);
    handJobsToGuard(next, *m_guard);
    QCOMPARE(next.job(jobId)->state, Job::State::Running);
    QVERIFY(next.running(inst.id));
    QVERIFY(m_guard->watch(inst.id)->jobRunning);
    QSignalSpy warned(m_guard.get(), &BillingGuard::limitReached);
    QSignalSpy destroyed(m_guard.get(), &BillingGuard::destroyed);
    QSignalSpy acting(m_guard.get(), &BillingGuard::acting);
    QTRY_VERIFY_WITH_TIMEOUT(warned.count() == 1, 20000);
    const Job ended = *next.job(jobId);
    QCOMPARE(ended.state, Job::State::Failed);
    QCOMPARE(ended.exitCode, 7);
    QVERIFY(ended.handled);
    QVERIFY(ended.outputTail.contains(QStringLiteral("finished")));
    QVERIFY2(argText(warned, 0, 1)
                 .endsWith(QStringLiteral("failed (exit status 7) — destroying "
                                          "in 1:00")),
             qPrintable(argText(warned, 0, 1)));
    QCOMPARE(destroyed.count(), 0);
    m_clock->advance(60);
    m_guard->tick();
    QVERIFY(destroyed.wait(30000));
    QVERIFY(argText(acting, 0, 1).startsWith(QStringLiteral("Downloading out from guarded")));
    QCOMPARE(test::readFile(spec.downloadDir + QStringLiteral("/out/result.txt")),
             QByteArray("it's $(done)\n"));
    QVERIFY(!m_fleet->find(inst.id));
    const Recap recap = destroyed.at(0).at(1).value<Recap>();
    QCOMPARE(recap.instance.id, inst.id);
    QCOMPARE(m_fleet->ledger().all()->size(), 1);

    // A third start announces nothing again: its end was handled.
    Jobs third(*m_fleet);
    QSignalSpy again(&third, &Jobs::ended);
    third.poll();
    QCOMPARE(again.count(), 0);
}

void TestGuard::runningJobIsNeverIdleAndKeepCancelsItsEnd()
{
    const Instance inst = launchReady(QStringLiteral("t4-1x"));
    Jobs jobs(*m_fleet);
    jobs.setPollInterval(300);
    handJobsToGuard(jobs, *m_guard);
    JobSpec spec;
    spec.instanceId = inst.id;
    spec.command = QStringLiteral("sleep 30");
    spec.after = JobSpec::After::Stop; // per-second plan: stopping ends the compute billing
    spec.countdownSeconds = 120;
    Result<Job> started = awaitResult<Job>(
        [&](Callback<Job> done) { jobs.start(spec, [done](Result<Job> r) { done(r); }); });
    QVERIFY(started.ok());
    QTRY_VERIFY_WITH_TIMEOUT(m_guard->watch(inst.id)->jobRunning, 10000);
    // An hour with idle GPUs: the job is the activity.
    QSignalSpy warned(m_guard.get(), &BillingGuard::limitReached);
    m_clock->advance(60 * 60);
    m_guard->tick();
    QCOMPARE(warned.count(), 0);
    QCOMPARE(m_guard->stateText(inst.id), QStringLiteral("busy (job running)"));

    // Cancelled: its end (no exit status of its own: killed) still leads to the chosen end.
    Result<void> cancelled =
        awaitResult<void>([&](Callback<void> done) { jobs.cancel(started->id, done); });
    QVERIFY(cancelled.ok());
    QTRY_VERIFY_WITH_TIMEOUT(warned.count() == 1, 20000);
    QVERIFY2(argText(warned, 0, 1).contains(QStringLiteral("stopping in 2:00")),
             qPrintable(argText(warned, 0, 1)));
    QVERIFY(jobs.job(started->id)->ended());
    // Keep: the countdown ends, nothing happens at its zero.
    QSignalSpy cancelledSpy(m_guard.get(), &BillingGuard::countdownCancelled);
    m_guard->keepFor(inst.id, 3600);
    QCOMPARE(cancelledSpy.count(), 1);
    QSignalSpy stopped(m_guard.get(), &BillingGuard::stopped);
    m_clock->advance(120);
    m_guard->tick();
    QTest::qWait(500);
    QCOMPARE(stopped.count(), 0);
    QCOMPARE(m_fleet->find(inst.id)->status, InstanceStatus::Running);
}

QTEST_GUILESS_MAIN(TestGuard)
#include "tst_guard.moc"
