// Bounded metric history and LTTB downsampling.
#include "timeseries.h"

#include <QTest>

#include <cmath>

using namespace gpudeck;

class TestTimeSeries final : public QObject {
    Q_OBJECT
private slots:
    void lttbKeepsEndsAndPeaks();
    void lttbPassesSmallInputs();
    void recentWindowIsFullRate();
    void olderDataIsFoldedAndBounded();
    void spikeSurvivesFolding();
    void outOfOrderSampleIsIgnored();
    void gapsStayGaps();
};

void TestTimeSeries::lttbKeepsEndsAndPeaks()
{
    QList<QPointF> data;
    for (int i = 0; i < 10000; ++i)
        data << QPointF(i, i == 4321 ? 100.0 : std::sin(i / 100.0));
    const QList<QPointF> out = lttb(data, 200);
    QCOMPARE(out.size(), 200);
    QCOMPARE(out.first(), data.first());
    QCOMPARE(out.last(), data.last());
    bool peak = false;
    for (int i = 1; i < out.size(); ++i) {
        QVERIFY(out[i].x() > out[i - 1].x());
        peak = peak || out[i].y() == 100.0;
    }
    QVERIFY2(peak, "the single spike must be among the chosen points");
}

void TestTimeSeries::lttbPassesSmallInputs()
{
    const QList<QPointF> data{{0, 1}, {1, 2}, {2, 3}};
    QCOMPARE(lttb(data, 10), data);
    QCOMPARE(lttb({}, 10).size(), 0);
}

void TestTimeSeries::recentWindowIsFullRate()
{
    TimeSeries s;
    for (int i = 0; i < 600; ++i) // 10 minutes at 1 Hz
        s.append(i * 1000LL, i);
    QCOMPARE(s.sampleCount(), size_t(600));
    const QList<QPointF> all = s.points(0, 600000, 10000);
    QCOMPARE(all.size(), 600);
    QCOMPARE(all.last(), QPointF(599000, 599));
    QCOMPARE(s.lastValue(), 599.0);
}

void TestTimeSeries::olderDataIsFoldedAndBounded()
{
    TimeSeries s;
    const qint64 day = 24LL * 3600;
    for (qint64 i = 0; i < day; ++i)
        s.append(i * 1000, 50.0 + 40.0 * std::sin(static_cast<double>(i) / 600.0));
    // 15 min at full rate (900) + one 10 s bucket for the rest of the day (~8,550).
    QVERIFY2(s.sampleCount() < 900 + 8700, qPrintable(QString::number(s.sampleCount())));
    QVERIFY(s.memoryBytes() < 400 * 1024);
    QCOMPARE(s.firstTime(), 0);
    const QList<QPointF> view = s.points(0, day * 1000, 1000);
    QCOMPARE(view.size(), 1000);
    // Bucket means stay within the signal's range.
    for (const QPointF& p : view)
        QVERIFY(p.y() >= 9.9 && p.y() <= 90.1);
    // A week later, the first day is gone.
    TimeSeries::Options o;
    o.keepMs = 3600 * 1000;
    TimeSeries short1h(o);
    for (qint64 i = 0; i < 3 * 3600; ++i)
        short1h.append(i * 1000, 1);
    QVERIFY(short1h.firstTime() >= (3 * 3600 - 3600 - 10) * 1000LL);
}

void TestTimeSeries::spikeSurvivesFolding()
{
    TimeSeries s;
    for (qint64 i = 0; i < 7200; ++i)
        s.append(i * 1000, i == 1000 ? 99.0 : 5.0);
    const QList<QPointF> view = s.points(0, 7200 * 1000, 300);
    bool spike = false;
    for (const QPointF& p : view)
        spike = spike || p.y() == 99.0;
    QVERIFY(spike);
}

void TestTimeSeries::outOfOrderSampleIsIgnored()
{
    TimeSeries s;
    s.append(2000, 1);
    s.append(1000, 2);
    QCOMPARE(s.sampleCount(), size_t(1));
    QCOMPARE(s.lastValue(), 1.0);
}

void TestTimeSeries::gapsStayGaps()
{
    TimeSeries s;
    s.append(0, 1);
    s.append(1000, std::nan(""));
    s.append(2000, 3);
    QCOMPARE(s.points(0, 5000, 100).size(), 2);
}

QTEST_GUILESS_MAIN(TestTimeSeries)
#include "tst_timeseries.moc"
