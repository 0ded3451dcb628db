// Provider value types: JSON round trips with stable snake_case names, status words.
#include "types.h"

#include <QJsonArray>
#include <QTest>

using namespace gpudeck;

class TestTypes final : public QObject {
    Q_OBJECT
private slots:
    void planRoundTrip();
    void planJsonNames();
    void instanceRoundTrip();
    void statusNames_data();
    void statusNames();
    void unknownStatusIsRejected();
    void billingRuleDescribe_data();
    void billingRuleDescribe();
};

void TestTypes::planRoundTrip()
{
    Plan p;
    p.provider = QStringLiteral("sandbox");
    p.id = QStringLiteral("a100-1x");
    p.name = QStringLiteral("Sandbox A100 80GB ×1");
    p.gpuModel = QStringLiteral("NVIDIA A100-SXM4-80GB");
    p.gpuCount = 1;
    p.vramGb = 80;
    p.vcpus = 12;
    p.ramGb = 120;
    p.diskGb = 500;
    p.regions = {QStringLiteral("local-1"), QStringLiteral("local-2")};
    p.onDemandHourly = 1.29;
    p.spotHourly = 0.69;
    p.fetchedAt = QDateTime(QDate(2026, 11, 22), QTime(10, 0, 0, 123), Qt::UTC);
    p.billing.minimumSeconds = 60;
    p.billing.storageUsdPerGbMonth = 0.1;
    p.note = QStringLiteral("Simulated on this computer.");
    QCOMPARE(Plan::fromJson(p.toJson()), p);
    p.spotHourly.reset();
    QCOMPARE(Plan::fromJson(p.toJson()), p);
    p.priceNote = QStringLiteral("$9.99/month");
    QCOMPARE(Plan::fromJson(p.toJson()), p);
    QVERIFY(!p.hasHourlyPrice());
}

void TestTypes::planJsonNames()
{
    Plan p;
    p.gpuCount = 8;
    p.onDemandHourly = 23.92;
    const QJsonObject o = p.toJson();
    for (const char* key :
         {"provider", "id", "gpu_model", "gpu_count", "vram_gb", "vcpus", "ram_gb", "disk_gb",
          "regions", "price_hourly_usd", "spot_hourly_usd", "price_per_gpu_hour_usd", "available",
          "fetched_at", "billing", "price_note", "note"})
        QVERIFY2(o.contains(QLatin1String(key)), key);
    QCOMPARE(o.value(QStringLiteral("price_per_gpu_hour_usd")).toDouble(), 2.99);
    QVERIFY(o.value(QStringLiteral("spot_hourly_usd")).isNull());
}

void TestTypes::instanceRoundTrip()
{
    Instance i;
    i.id = QStringLiteral("sbx-0123abcd");
    i.name = QStringLiteral("train-1");
    i.provider = QStringLiteral("sandbox");
    i.planId = QStringLiteral("t4-1x");
    i.region = QStringLiteral("local-1");
    i.status = InstanceStatus::Booting;
    i.host = QStringLiteral("127.0.0.1");
    i.sshPort = 40222;
    i.user = QStringLiteral("me");
    i.hostKeySha256 = QStringLiteral("SHA256:abc");
    i.priceHourly = 0.35;
    i.diskGb = 100;
    i.gpuCount = 1;
    i.gpuModel = QStringLiteral("Tesla T4");
    i.createdAt = QDateTime(QDate(2026, 11, 22), QTime(10, 0), Qt::UTC);
    i.startedAt = i.createdAt;
    i.runIntervals = {{i.createdAt, i.createdAt.addSecs(60)},
                      {i.createdAt.addSecs(120), QDateTime()}};
    const Instance back = Instance::fromJson(i.toJson());
    QCOMPARE(back, i);
    QCOMPARE(i.toJson().value(QStringLiteral("port")).toInt(), 40222);
    QCOMPARE(i.toJson().value(QStringLiteral("status")).toString(), QStringLiteral("booting"));
}

void TestTypes::statusNames_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("transitional");
    QTest::newRow("requested") << int(InstanceStatus::Requested) << "requested" << true;
    QTest::newRow("provisioning") << int(InstanceStatus::Provisioning) << "provisioning" << true;
    QTest::newRow("booting") << int(InstanceStatus::Booting) << "booting" << true;
    QTest::newRow("running") << int(InstanceStatus::Running) << "running" << false;
    QTest::newRow("stopping") << int(InstanceStatus::Stopping) << "stopping" << true;
    QTest::newRow("stopped") << int(InstanceStatus::Stopped) << "stopped" << false;
    QTest::newRow("destroying") << int(InstanceStatus::Destroying) << "destroying" << true;
    QTest::newRow("destroyed") << int(InstanceStatus::Destroyed) << "destroyed" << false;
    QTest::newRow("error") << int(InstanceStatus::Error) << "error" << false;
}

void TestTypes::statusNames()
{
    QFETCH(int, status);
    QFETCH(QString, name);
    QFETCH(bool, transitional);
    const auto s = static_cast<InstanceStatus>(status);
    QCOMPARE(statusName(s), name);
    QCOMPARE(statusFromName(name), s);
    QCOMPARE(isTransitional(s), transitional);
}

void TestTypes::unknownStatusIsRejected()
{
    QVERIFY(!statusFromName(QStringLiteral("exploded")).has_value());
    QJsonObject o;
    o.insert(QStringLiteral("status"), QStringLiteral("exploded"));
    QCOMPARE(Instance::fromJson(o).status, InstanceStatus::Error);
}

void TestTypes::billingRuleDescribe_data()
{
    QTest::addColumn<int>("granularity");
    QTest::addColumn<int>("minimum");
    QTest::addColumn<bool>("stoppedBills");
    QTest::addColumn<QString>("text");
    QTest::newRow("aws") << int(BillingRule::Granularity::Second) << 60 << false
                         << QStringLiteral("per second, 60 s minimum");
    QTest::newRow("linode") << int(BillingRule::Granularity::Hour) << 3600 << true
                            << QStringLiteral("per hour, rounded up; billed while stopped");
    QTest::newRow("lambda") << int(BillingRule::Granularity::Minute) << 0 << false
                            << QStringLiteral("per minute, rounded up");
}

void TestTypes::billingRuleDescribe()
{
    QFETCH(int, granularity);
    QFETCH(int, minimum);
    QFETCH(bool, stoppedBills);
    QFETCH(QString, text);
    BillingRule r;
    r.granularity = static_cast<BillingRule::Granularity>(granularity);
    r.minimumSeconds = minimum;
    r.stoppedBillsCompute = stoppedBills;
    QCOMPARE(r.describe(), text);
    QCOMPARE(BillingRule::fromJson(r.toJson()), r);
}

QTEST_GUILESS_MAIN(TestTypes)
#include "tst_types.moc"
