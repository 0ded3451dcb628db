// Live monitoring against a Sandbox machine's simulated GPU over real SSH: one long-lived
// nvidia-smi stream, processes, the demo training job's log followed with tail -F, restart
// after the stream dies, and the no-driver case.
#include "alerts.h"
#include "await.h"
#include "fleet.h"
#include "gpumonitor.h"
#include "remote.h"
#include "testenv.h"
#include "trainingmonitor.h"

#include <QFile>
#include <QSignalSpy>
#include <QTest>

using namespace gpudeck;

namespace {

// The pids of this machine's nvidia-smi streams. Sandbox machines share the host, and other
// tests run theirs in parallel: pick ours by the machine folder in the process environment.
QString ourStreams()
{
    return QStringLiteral("for p in $(pgrep -f '[n]vidia-smi --query-gpu'); do "
                          "tr '\\0' '\\n' < /proc/$p/environ | grep -qx "
                          "\"GPUDECK_SANDBOX_DIR=$GPUDECK_SANDBOX_DIR\" && echo $p; done");
}

} // namespace

class TestMonitor final : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void streamsSamplesOfEveryGpu();
    void followsTheDemoTrainingRun();
    void restartsAfterTheStreamDies();
    void saysWhenThereIsNoDriver();
    void alertRules();

private:
    ssh::Endpoint endpoint() const
    {
        return endpointFor(m_machine, m_fleet->keyPathFor(m_machine), m_fleet->paths());
    }
    int run(const QString& command);

    std::unique_ptr<test::IsolatedEnvironment> m_env;
    std::unique_ptr<Fleet> m_fleet;
    Instance m_machine;
};

void TestMonitor::initTestCase()
{
    m_env = std::make_unique<test::IsolatedEnvironment>();
    m_fleet = std::make_unique<Fleet>(AppPaths::standard());
    QVERIFY(m_fleet->open().ok());
    LaunchRequest req;
    req.planId = QStringLiteral("l4-2x");
    req.name = QStringLiteral("monitor-test");
    Result<Instance> ready = awaitResult<Instance>([&](Callback<Instance> done) {
        m_fleet->launchAndWait(QStringLiteral("sandbox"), req, 30000, done);
    });
    QVERIFY2(ready.ok(), qPrintable(ready.ok() ? QString() : ready.error().message));
    m_machine = ready.value();
}

void TestMonitor::cleanupTestCase()
{
    if (m_fleet && m_fleet->find(m_machine.id))
        (void)awaitResult<Recap>(
            [&](Callback<Recap> done) { m_fleet->destroy(m_machine.id, done); });
    m_fleet.reset();
    m_env.reset();
}

int TestMonitor::run(const QString& command)
{
    const Result<int> rc = runRemote(endpoint(), command, {});
    return rc.ok() ? rc.value() : -1;
}

void TestMonitor::streamsSamplesOfEveryGpu()
{
    GpuMonitor gpus(endpoint(), 200);
    gpus.start();
    QTRY_COMPARE_WITH_TIMEOUT(gpus.state(), GpuMonitor::State::Streaming, 15000);
    QTRY_VERIFY_WITH_TIMEOUT(gpus.samplesReceived() >= 8, 10000);
    QCOMPARE(gpus.gpus().size(), size_t(2));
    for (const GpuTrack& t : gpus.gpus()) {
        QCOMPARE(t.name, QStringLiteral("NVIDIA L4"));
        QCOMPARE(t.memoryTotalMiB, 23034);
        QVERIFY(t.utilization.sampleCount() >= 4);
        QVERIFY(t.temperature.lastValue() > 20 && t.temperature.lastValue() < 100);
        QVERIFY(t.powerLimitW > 0);
    }
    QCOMPARE(gpus.gpus().at(0).index, 0);
    QCOMPARE(gpus.gpus().at(1).index, 1);
    // One stream, not one process per sample: exactly one nvidia-smi -lms runs on this machine
    // (Sandbox machines share the host: count only processes of this one, by its environment).
    QByteArray ps;
    (void)runRemote(endpoint(), ourStreams() + QStringLiteral(" | wc -l"),
                    [&](const QByteArray& d, bool) { ps += d; });
    QCOMPARE(ps.trimmed(), QByteArray("1"));
    gpus.stop();
}

void TestMonitor::followsTheDemoTrainingRun()
{
    GpuMonitor gpus(endpoint(), 250, 1);
    TrainingMonitor training(endpoint(), QStringLiteral("~/train.log"));
    gpus.start();
    training.start();
    QTRY_COMPARE_WITH_TIMEOUT(training.state(), TrainingMonitor::State::WaitingForFile, 15000);
    QCOMPARE(run(QStringLiteral("nohup gpudeck-demo-train --epochs 4 --steps 8 --step-ms 100 "
                                "--log ~/train.log >/dev/null 2>&1 &")),
             0);
    // Busy GPUs while it runs, and its process listed.
    QTRY_VERIFY_WITH_TIMEOUT(
        !gpus.gpus().empty() && gpus.gpus().front().utilization.lastValue() > 50, 15000);
    QTRY_VERIFY_WITH_TIMEOUT(!gpus.processes().isEmpty(), 15000);
    QVERIFY(gpus.processes().first().name.contains(QLatin1String("gpudeck-demo-train")));
    // Every epoch arrives, with its metrics; the run ends and the ETA says so.
    QTRY_VERIFY_WITH_TIMEOUT(
        !training.runs().isEmpty() && training.runs().last().completedEpochs() == 4, 20000);
    const monitor::Run& r = training.runs().last();
    QCOMPARE(training.format(), monitor::LogFormat::Keras);
    QCOMPARE(r.plannedEpochs(), 4);
    QVERIFY(r.epochs.last().metrics.contains(QStringLiteral("loss")));
    QVERIFY(r.epochs.last().metrics.contains(QStringLiteral("val_accuracy")));
    const monitor::EtaEstimate eta = training.eta();
    QCOMPARE(eta.completedEpochs, 4);
    QVERIFY(eta.remainingSeconds.has_value());
    QCOMPARE(*eta.remainingSeconds, 0.0);
    QVERIFY(training.lastOutputAt().isValid());
    training.stop();
    gpus.stop();
}

void TestMonitor::restartsAfterTheStreamDies()
{
    GpuMonitor gpus(endpoint(), 200);
    QSignalSpy states(&gpus, &GpuMonitor::stateChanged);
    gpus.start();
    QTRY_COMPARE_WITH_TIMEOUT(gpus.state(), GpuMonitor::State::Streaming, 15000);
    QCOMPARE(run(ourStreams() + QStringLiteral(" | xargs -r kill")), 0);
    QTRY_COMPARE_WITH_TIMEOUT(gpus.state(), GpuMonitor::State::Reconnecting, 10000);
    const qint64 before = gpus.samplesReceived();
    QTRY_COMPARE_WITH_TIMEOUT(gpus.state(), GpuMonitor::State::Streaming, 15000);
    QTRY_VERIFY_WITH_TIMEOUT(gpus.samplesReceived() > before + 2, 10000);
    gpus.stop();
}

void TestMonitor::saysWhenThereIsNoDriver()
{
    // The machine loses its (simulated) driver: nvidia-smi is no longer on PATH.
    const QString smi = m_env->stateDir() + QStringLiteral("/sandbox/") + m_machine.id +
                        QStringLiteral("/bin/nvidia-smi");
    const QString target = QFile::symLinkTarget(smi);
    QVERIFY(QFile::remove(smi));
    GpuMonitor gpus(endpoint(), 200);
    gpus.start();
    QTRY_COMPARE_WITH_TIMEOUT(gpus.state(), GpuMonitor::State::NoDriver, 15000);
    QVERIFY2(gpus.message().contains(QLatin1String("CUDA-ready image")),
             qPrintable(gpus.message()));
    gpus.stop();
    QVERIFY(QFile::link(target, smi));
}

void TestMonitor::alertRules()
{
    GpuMonitor gpus(ssh::Endpoint{}, 1000);
    const qint64 t0 = 1'700'000'000'000;
    auto sample = [](int index, double util, qint64 usedMiB, double temp) {
        monitor::GpuSample s;
        s.index = index;
        s.uuid = QStringLiteral("GPU-%1").arg(index);
        s.name = QStringLiteral("NVIDIA L4");
        s.utilizationGpuPercent = util;
        s.memoryUsedMiB = usedMiB;
        s.memoryTotalMiB = qint64(1000);
        s.temperatureC = temp;
        return s;
    };
    // 20 minutes of two idle, cool GPUs.
    for (int i = 0; i <= 20 * 60; ++i)
        gpus.addSamples({sample(0, 1, 100, 40), sample(1, 2, 100, 41)}, t0 + i * 1000LL);
    const qint64 now = t0 + 20 * 60 * 1000LL;
    QList<Alert> alerts = evaluateAlerts(gpus, nullptr, now);
    QCOMPARE(alerts.size(), 1);
    QCOMPARE(alerts.first().kind, Alert::Kind::GpusIdle);
    // One busy minute ago: not idle for 15 minutes any more.
    gpus.addSamples({sample(0, 90, 960, 88), sample(1, 2, 100, 41)}, now + 1000);
    alerts = evaluateAlerts(gpus, nullptr, now + 1000);
    QCOMPARE(alerts.size(), 2);
    QCOMPARE(alerts.at(0).kind, Alert::Kind::MemoryFull);
    QCOMPARE(alerts.at(1).kind, Alert::Kind::Overheating);
    // A short watch says nothing about idleness.
    GpuMonitor fresh(ssh::Endpoint{}, 1000);
    fresh.addSamples({sample(0, 0, 0, 30)}, t0);
    QVERIFY(evaluateAlerts(fresh, nullptr, t0 + 60000).isEmpty());
    // A log that stopped growing while the GPUs are idle is a stalled run.
    TrainingMonitor training(ssh::Endpoint{}, QStringLiteral("~/train.log"));
    training.feed("Epoch 1/10\n10/10 [==============================] - 5s 500ms/step - loss: "
                  "0.9\nEpoch 2/10\n");
    const qint64 later = QDateTime::currentMSecsSinceEpoch() + 25 * 60 * 1000LL;
    GpuMonitor quiet(ssh::Endpoint{}, 1000);
    for (qint64 t = later - 30 * 60 * 1000LL; t <= later; t += 1000)
        quiet.addSamples({sample(0, 0, 10, 35)}, t);
    alerts = evaluateAlerts(quiet, &training, later);
    QVERIFY(std::any_of(alerts.begin(), alerts.end(),
                        [](const Alert& a) { return a.kind == Alert::Kind::TrainingStalled; }));
}

QTEST_GUILESS_MAIN(TestMonitor)
#include "tst_monitor.moc"
