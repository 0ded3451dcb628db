// Epoch durations, ETA to the final epoch and the cost to finish: pure arithmetic on runs.
#include "epoch.h"
#include "progress.h"

#include <QTest>

#include <cmath>

using namespace gpudeck::monitor;

namespace {

Epoch epoch(int number, std::optional<double> seconds, bool complete = true)
{
    Epoch e;
    e.number = number;
    e.total = 10;
    e.durationSeconds = seconds;
    e.complete = complete;
    return e;
}

} // namespace

class TestProgress final : public QObject {
    Q_OBJECT
private slots:
    void durationsPreferPrintedThenClockThenArrival();
    void etaFromRecentMean_data();
    void etaFromRecentMean();
    void etaCountsTheRunningEpoch();
    void noPlanNoEta();
    void endedRunHasNothingLeft();
    void costToFinish_data();
    void costToFinish();
};

void TestProgress::durationsPreferPrintedThenClockThenArrival()
{
    Run r;
    const QDateTime t0(QDate(2026, 3, 1), QTime(12, 0), Qt::UTC);
    Epoch a = epoch(1, std::nullopt);
    a.elapsedSeconds = 40;
    a.observedAt = t0;
    Epoch b = epoch(2, 30.0); // printed: wins over the clock
    b.elapsedSeconds = 75;
    b.observedAt = t0.addSecs(100);
    Epoch c = epoch(3, std::nullopt);
    c.elapsedSeconds = 110; // clock difference: 35
    c.observedAt = t0.addSecs(200);
    Epoch d = epoch(4, std::nullopt); // only arrival times: 50
    d.observedAt = t0.addSecs(250);
    Epoch e = epoch(5, std::nullopt); // nothing at all
    r.epochs = {a, b, c, d, e};
    const QList<std::optional<double>> got = epochDurations(r);
    QCOMPARE(got.size(), 5);
    QCOMPARE(got[0], std::optional<double>(40.0)); // the first epoch ends at its elapsed time
    QCOMPARE(got[1], std::optional<double>(30.0));
    QCOMPARE(got[2], std::optional<double>(35.0));
    QCOMPARE(got[3], std::optional<double>(50.0));
    QCOMPARE(got[4], std::optional<double>());

    // A clock that goes back (a restarted logger) gives no duration rather than a negative one.
    Run back;
    Epoch x = epoch(1, std::nullopt);
    x.elapsedSeconds = 100;
    Epoch y = epoch(2, std::nullopt);
    y.elapsedSeconds = 20;
    back.epochs = {x, y};
    QCOMPARE(epochDurations(back)[1], std::optional<double>());
}

void TestProgress::etaFromRecentMean_data()
{
    QTest::addColumn<QList<double>>("durations"); // complete epochs 1..n, NaN = unknown
    QTest::addColumn<int>("window");
    QTest::addColumn<double>("perEpoch");
    QTest::addColumn<double>("remaining");
    // 10 epochs planned throughout.
    QTest::newRow("steady") << QList<double>{60, 60, 60} << 5 << 60.0 << 7 * 60.0;
    QTest::newRow("window takes the last ones")
        << QList<double>{100, 100, 10, 20, 30} << 3 << 20.0 << 5 * 20.0;
    QTest::newRow("unknown durations skipped")
        << QList<double>{50, std::nan(""), 70} << 5 << 60.0 << 7 * 60.0;
    QTest::newRow("window 0 acts as 1") << QList<double>{10, 20} << 0 << 20.0 << 8 * 20.0;
    QTest::newRow("all done") << QList<double>{1, 1, 1, 1, 1, 1, 1, 1, 1, 1} << 5 << 1.0 << 0.0;
}

void TestProgress::etaFromRecentMean()
{
    QFETCH(QList<double>, durations);
    QFETCH(int, window);
    QFETCH(double, perEpoch);
    QFETCH(double, remaining);
    Run r;
    for (qsizetype i = 0; i < durations.size(); ++i)
        r.epochs.append(epoch(static_cast<int>(i + 1), std::isnan(durations[i])
                                                           ? std::nullopt
                                                           : std::optional<double>(durations[i])));
    const EtaEstimate eta = estimateEta(r, window);
    QCOMPARE(eta.totalEpochs, std::optional<int>(10));
    QCOMPARE(eta.completedEpochs, static_cast<int>(durations.size()));
    QVERIFY(eta.secondsPerEpoch);
    QCOMPARE(*eta.secondsPerEpoch, perEpoch);
    QVERIFY(eta.remainingSeconds);
    QCOMPARE(*eta.remainingSeconds, remaining);
    QCOMPARE(eta.finished(), durations.size() == 10);
}

void TestProgress::etaCountsTheRunningEpoch()
{
    Run r;
    r.epochs = {epoch(1, 100.0), epoch(2, 100.0)};
    Epoch running = epoch(3, std::nullopt, false);
    running.stepsDone = 300;
    running.stepsTotal = 400;
    r.epochs.append(running);
    const EtaEstimate eta = estimateEta(r);
    QCOMPARE(eta.completedEpochs, 2);
    QCOMPARE(eta.currentFraction, 0.75);
    QCOMPARE(*eta.remainingEpochs(), 7.25);
    QCOMPARE(*eta.remainingSeconds, 725.0);
    // A plan given by the user overrides the log's.
    QCOMPARE(*estimateEta(r, 5, 4).remainingSeconds, 125.0);
}

void TestProgress::noPlanNoEta()
{
    Run r;
    Epoch a = epoch(1, 10.0);
    a.total.reset();
    r.epochs = {a};
    EtaEstimate eta = estimateEta(r);
    QVERIFY(!eta.totalEpochs);
    QVERIFY(!eta.remainingSeconds);
    QVERIFY(!projectedCostUsd(eta, 2.0));
    // A plan but no timing at all: no ETA either.
    Run untimed;
    untimed.epochs = {epoch(1, std::nullopt)};
    eta = estimateEta(untimed);
    QVERIFY(eta.totalEpochs);
    QVERIFY(!eta.remainingSeconds);
    QVERIFY(!estimateEta(Run()).remainingSeconds);
}

void TestProgress::endedRunHasNothingLeft()
{
    // Early stopping at epoch 4 of 10: nothing remains to pay for.
    Run r;
    r.epochs = {epoch(1, 60.0), epoch(2, 60.0), epoch(3, 60.0), epoch(4, 60.0)};
    r.finished = true;
    const EtaEstimate eta = estimateEta(r);
    QVERIFY(eta.finished());
    QCOMPARE(eta.remainingSeconds, std::optional<double>(0.0));
    QCOMPARE(projectedCostCents(eta, 3.0), std::optional<qint64>(0));
}

void TestProgress::costToFinish_data()
{
    QTest::addColumn<double>("remainingSeconds");
    QTest::addColumn<double>("rate");
    QTest::addColumn<qint64>("cents");
    // The product brief's example: 40 epochs of 2 minutes at $1.10/h is 80 min, $1.47 (1.4667).
    QTest::newRow("brief example") << 40 * 120.0 << 1.10 << qint64(147);
    QTest::newRow("half cent rounds up") << 18.0 << 1.0 << qint64(1); // $0.005
    QTest::newRow("just under half") << 17.9 << 1.0 << qint64(0);
    QTest::newRow("free") << 3600.0 << 0.0 << qint64(0);
    QTest::newRow("8x H100 a day") << 86400.0 << 8 * 2.99 << qint64(57408);
}

void TestProgress::costToFinish()
{
    QFETCH(double, remainingSeconds);
    QFETCH(double, rate);
    QFETCH(qint64, cents);
    EtaEstimate eta;
    eta.remainingSeconds = remainingSeconds;
    QCOMPARE(projectedCostCents(eta, rate), std::optional<qint64>(cents));
    QVERIFY(std::abs(*projectedCostUsd(eta, rate) - remainingSeconds / 3600.0 * rate) < 1e-9);
    QVERIFY(!projectedCostUsd(eta, -1.0));
    QVERIFY(!projectedCostUsd(eta, std::nan("")));
}

QTEST_GUILESS_MAIN(TestProgress)
#include "tst_progress.moc"
