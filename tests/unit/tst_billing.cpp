// Billing math for each rule, exact to the cent, with the edge cases at the boundaries.
#include "billing.h"
#include "meter.h"

#include <QTest>

using namespace gpudeck;

Q_DECLARE_METATYPE(gpudeck::BillingRule)

namespace {

const QDateTime t0 = QDateTime(QDate(2026, 11, 1), QTime(12, 0), Qt::UTC);

BillingRule perSecond60()
{
    BillingRule r;
    r.granularity = BillingRule::Granularity::Second;
    r.minimumSeconds = 60;
    return r;
}

BillingRule hourlyUp(bool stoppedBills)
{
    BillingRule r;
    r.granularity = BillingRule::Granularity::Hour;
    r.minimumSeconds = 3600;
    r.stoppedBillsCompute = stoppedBills;
    return r;
}

BillingRule perMinute()
{
    BillingRule r;
    r.granularity = BillingRule::Granularity::Minute;
    return r;
}

Instance machine(double price, const BillingRule& rule)
{
    Instance i;
    i.id = QStringLiteral("sbx-0000abcd");
    i.priceHourly = price;
    i.billing = rule;
    i.createdAt = t0;
    i.runIntervals = {{t0, QDateTime()}};
    return i;
}

} // namespace

class TestBilling final : public QObject {
    Q_OBJECT
private slots:
    void singleInterval_data();
    void singleInterval();
    void minimumAppliesPerStart();
    void stoppedMachineOnHourlyRuleStillBills();
    void stoppedMachineOnPerSecondRuleDoesNot();
    void partialSecondsRoundUp();
    void storageAccruesOverWallTime();
    void openIntervalEndsAtEnd();
    void estimate_data();
    void estimate();
    void formatting_data();
    void formatting();
    void formattingSubCents_data();
    void formattingSubCents();
    void liveMeterShowsSubCents();
    void billsComputeByStatus();
    void recapJsonHasStableNames();
};

void TestBilling::singleInterval_data()
{
    QTest::addColumn<double>("price");
    QTest::addColumn<BillingRule>("rule");
    QTest::addColumn<qint64>("seconds");
    QTest::addColumn<qint64>("billed");
    QTest::addColumn<qint64>("cents");

    // $1.10/h for 61 s = 0.018638... -> 2 cents
    QTest::newRow("per-second above minimum") << 1.10 << perSecond60() << 61LL << 61LL << 2LL;
    QTest::newRow("per-second below minimum") << 1.10 << perSecond60() << 5LL << 60LL << 2LL;
    QTest::newRow("per-second zero seconds") << 1.10 << perSecond60() << 0LL << 60LL << 2LL;
    // $3.60/h for exactly one hour
    QTest::newRow("per-second one hour") << 3.60 << perSecond60() << 3600LL << 3600LL << 360LL;
    // $0.35/h for 1286 s = 12.5027... cents -> 13 (half-up just above .5)
    QTest::newRow("half-up above .5") << 0.35 << perSecond60() << 1286LL << 1286LL << 13LL;
    // $0.36/h for 1250 s = 12.5 cents exactly -> 13 (half up)
    QTest::newRow("exactly half a cent") << 0.36 << perSecond60() << 1250LL << 1250LL << 13LL;
    // $0.36/h for 1249 s = 12.49 cents -> 12
    QTest::newRow("just below half") << 0.36 << perSecond60() << 1249LL << 1249LL << 12LL;
    QTest::newRow("hourly 1 s bills an hour") << 0.75 << hourlyUp(true) << 1LL << 3600LL << 75LL;
    QTest::newRow("hourly exactly 1 h") << 0.75 << hourlyUp(true) << 3600LL << 3600LL << 75LL;
    QTest::newRow("hourly 1 h + 1 s bills 2 h")
        << 0.75 << hourlyUp(true) << 3601LL << 7200LL << 150LL;
    QTest::newRow("per-minute 61 s bills 2 min") << 1.20 << perMinute() << 61LL << 120LL << 4LL;
    QTest::newRow("per-minute 60 s") << 1.20 << perMinute() << 60LL << 60LL << 2LL;
    QTest::newRow("8x H100 10 h") << 23.92 << perSecond60() << 36000LL << 36000LL << 23920LL;
}

void TestBilling::singleInterval()
{
    QFETCH(double, price);
    QFETCH(BillingRule, rule);
    QFETCH(qint64, seconds);
    QFETCH(qint64, billed);
    QFETCH(qint64, cents);
    const Instance i = machine(price, rule);
    const Cost c = costOf(i, t0.addSecs(seconds));
    QCOMPARE(c.wallSeconds, seconds);
    QCOMPARE(c.runningSeconds, seconds);
    QCOMPARE(c.billedSeconds, billed);
    QCOMPARE(c.computeCents, cents);
    QCOMPARE(c.storageCents, 0);
    QCOMPARE(c.totalCents(), cents);
}

void TestBilling::minimumAppliesPerStart()
{
    Instance i = machine(3.60, perSecond60());
    // Three short starts of 10 s each: each is billed the 60 s minimum.
    i.runIntervals = {
        {t0, t0.addSecs(10)}, {t0.addSecs(100), t0.addSecs(110)}, {t0.addSecs(200), QDateTime()}};
    const Cost c = costOf(i, t0.addSecs(210));
    QCOMPARE(c.runningSeconds, 30);
    QCOMPARE(c.billedSeconds, 180);
    QCOMPARE(c.computeCents, 18); // 3.60 $/h * 180 s = $0.18
    QCOMPARE(c.wallSeconds, 210);
}

void TestBilling::stoppedMachineOnHourlyRuleStillBills()
{
    Instance i = machine(0.75, hourlyUp(true));
    i.status = InstanceStatus::Stopped;
    // Ran 10 minutes, then stayed powered off for 2 hours: Linode bills 3 started hours.
    i.runIntervals = {{t0, t0.addSecs(600)}};
    const Cost c = costOf(i, t0.addSecs(600 + 7200));
    QCOMPARE(c.runningSeconds, 600);
    QCOMPARE(c.billedSeconds, 3 * 3600);
    QCOMPARE(c.computeCents, 225);
    QVERIFY(billsCompute(i));
}

void TestBilling::stoppedMachineOnPerSecondRuleDoesNot()
{
    Instance i = machine(1.29, perSecond60());
    i.status = InstanceStatus::Stopped;
    i.runIntervals = {{t0, t0.addSecs(600)}};
    const Cost c = costOf(i, t0.addSecs(600 + 7200));
    QCOMPARE(c.billedSeconds, 600);
    QCOMPARE(c.computeCents, 22); // 1.29 * 600 / 3600 = 0.215 -> 22 (half up)
    QVERIFY(!billsCompute(i));
}

void TestBilling::partialSecondsRoundUp()
{
    const Instance i = machine(3.60, perSecond60());
    const Cost c = costOf(i, t0.addMSecs(90'001));
    QCOMPARE(c.wallSeconds, 91);
    QCOMPARE(c.billedSeconds, 91);
}

void TestBilling::storageAccruesOverWallTime()
{
    BillingRule r = perSecond60();
    r.storageUsdPerGbMonth = 0.10;
    Instance i = machine(1.00, r);
    i.diskGb = 500;
    i.runIntervals = {{t0, t0.addSecs(3600)}};
    // 730 h of 500 GB at $0.10/GB-month is $50.00, whether running or not.
    const Cost month = costOf(i, t0.addSecs(730 * 3600));
    QCOMPARE(month.storageCents, 5000);
    QCOMPARE(month.computeCents, 100);
    QCOMPARE(month.totalCents(), 5100);
    // One hour: 50 / 730 = $0.0685 -> 7 cents
    QCOMPARE(costOf(i, t0.addSecs(3600)).storageCents, 7);
}

void TestBilling::openIntervalEndsAtEnd()
{
    Instance i = machine(2.00, perSecond60());
    i.runIntervals = {{t0, QDateTime()}};
    QCOMPARE(costOf(i, t0.addSecs(1800)).computeCents, 100);
    QCOMPARE(costOf(i, t0.addSecs(3600)).computeCents, 200);
    // An end before the start costs the minimum, never a negative amount.
    QCOMPARE(costOf(i, t0.addSecs(-10)).wallSeconds, 0);
}

void TestBilling::estimate_data()
{
    QTest::addColumn<double>("price");
    QTest::addColumn<BillingRule>("rule");
    QTest::addColumn<double>("hours");
    QTest::addColumn<qint64>("cents");
    QTest::newRow("8 h at $1.29") << 1.29 << perSecond60() << 8.0 << 1032LL;
    QTest::newRow("0.5 h hourly bills 1 h") << 0.75 << hourlyUp(true) << 0.5 << 75LL;
    QTest::newRow("1.5 h hourly bills 2 h") << 0.75 << hourlyUp(true) << 1.5 << 150LL;
}

void TestBilling::estimate()
{
    QFETCH(double, price);
    QFETCH(BillingRule, rule);
    QFETCH(double, hours);
    QFETCH(qint64, cents);
    QCOMPARE(estimateCents(price, rule, hours), cents);
}

void TestBilling::formatting_data()
{
    QTest::addColumn<qint64>("cents");
    QTest::addColumn<QString>("text");
    QTest::newRow("zero") << 0LL << QStringLiteral("$0.00");
    QTest::newRow("cents") << 7LL << QStringLiteral("$0.07");
    QTest::newRow("dollars") << 1234LL << QStringLiteral("$12.34");
    QTest::newRow("thousands") << 123456789LL << QStringLiteral("$1,234,567.89");
    QTest::newRow("negative") << -250LL << QStringLiteral("-$2.50");
}

void TestBilling::formatting()
{
    QFETCH(qint64, cents);
    QFETCH(QString, text);
    QCOMPARE(formatCents(cents), text);
}

void TestBilling::formattingSubCents_data()
{
    QTest::addColumn<qint64>("micro");
    QTest::addColumn<int>("decimals");
    QTest::addColumn<QString>("text");
    QTest::newRow("4 decimals") << 12'345LL << 4 << QStringLiteral("$0.0123");
    QTest::newRow("rounds half up") << 12'350LL << 4 << QStringLiteral("$0.0124");
    QTest::newRow("3 decimals") << 1'234'567LL << 3 << QStringLiteral("$1.235");
    QTest::newRow("carry into dollars") << 999'999LL << 4 << QStringLiteral("$1.0000");
    QTest::newRow("thousands") << 1'234'567'890'000LL << 4 << QStringLiteral("$1,234,567.8900");
    QTest::newRow("negative") << -25'000LL << 4 << QStringLiteral("-$0.0250");
    QTest::newRow("2 decimals as cents") << 15'000LL << 2 << QStringLiteral("$0.02");
}

void TestBilling::formattingSubCents()
{
    QFETCH(qint64, micro);
    QFETCH(int, decimals);
    QFETCH(QString, text);
    QCOMPARE(formatMicroUsd(micro, decimals), text);
}

void TestBilling::liveMeterShowsSubCents()
{
    // $0.35/h per second: a cent takes 103 s, so the meter shows tenths of a cent and moves
    // every second or so.
    const Instance i = machine(0.35, perSecond60());
    QCOMPARE(costOf(i, t0.addSecs(120)).computeMicroUsd, 11'667);
    QCOMPARE(formatCostSoFar(i, t0.addSecs(120)), QStringLiteral("$0.0117"));
    QCOMPARE(formatCostSoFar(i, t0.addSecs(121)), QStringLiteral("$0.0118"));
    // Inside the 60 s minimum the amount is the minimum's.
    QCOMPARE(formatCostSoFar(i, t0.addSecs(5)), QStringLiteral("$0.0058"));
    // Rounded to cents it is the recap's amount.
    QCOMPARE(costOf(i, t0.addSecs(120)).computeCents, 1);
    // Hour-rounded billing moves by whole hours: cents are enough.
    const Instance hourly = machine(0.75, hourlyUp(true));
    QCOMPARE(formatCostSoFar(hourly, t0.addSecs(120)), QStringLiteral("$0.75"));
    // A minimum in whole cents (Lambda-like) decides the exact amount too.
    BillingRule minimumCents = perSecond60();
    minimumCents.minimumCents = 50;
    QCOMPARE(costOf(machine(0.35, minimumCents), t0.addSecs(120)).computeMicroUsd, 500'000);
    // Storage ticks with the wall clock: 500 GB at $0.10/GB-month for one hour.
    BillingRule disk = perSecond60();
    disk.storageUsdPerGbMonth = 0.10;
    Instance withDisk = machine(1.00, disk);
    withDisk.diskGb = 500;
    QCOMPARE(costOf(withDisk, t0.addSecs(3600)).storageMicroUsd, 68'493);
    QCOMPARE(formatCostSoFar(withDisk, t0.addSecs(3600)), QStringLiteral("$1.0685"));
}

void TestBilling::billsComputeByStatus()
{
    Instance i = machine(1.0, perSecond60());
    i.status = InstanceStatus::Provisioning;
    QVERIFY(billsCompute(i));
    i.status = InstanceStatus::Error;
    QVERIFY(!billsCompute(i));
    QCOMPARE(formatHourly(0.35), QStringLiteral("$0.350/h"));
    QCOMPARE(formatHourly(23.92), QStringLiteral("$23.92/h"));
    QCOMPARE(formatDuration(59), QStringLiteral("59 s"));
    QCOMPARE(formatDuration(61), QStringLiteral("1 min 01 s"));
    QCOMPARE(formatDuration(3 * 3600 + 5 * 60), QStringLiteral("3 h 05 min"));
}

void TestBilling::recapJsonHasStableNames()
{
    Recap r;
    r.instance = machine(1.10, perSecond60());
    r.destroyedAt = t0.addSecs(61);
    r.cost = costOf(r.instance, r.destroyedAt);
    const QJsonObject o = r.toJson();
    QCOMPARE(o.value(QStringLiteral("wall_seconds")).toInteger(), 61);
    QCOMPARE(o.value(QStringLiteral("billed_seconds")).toInteger(), 61);
    QCOMPARE(o.value(QStringLiteral("price_hourly_usd")).toDouble(), 1.10);
    QCOMPARE(o.value(QStringLiteral("compute_usd")).toDouble(), 0.02);
    QCOMPARE(o.value(QStringLiteral("storage_usd")).toDouble(), 0.0);
    QCOMPARE(o.value(QStringLiteral("total_usd")).toDouble(), 0.02);
}

QTEST_GUILESS_MAIN(TestBilling)
#include "tst_billing.moc"
