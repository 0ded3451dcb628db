// Linode: replay of recorded responses (linodego cassettes, libcloud fixtures) through the
// parsers, error bodies → messages, and the whole client against a stateful fake on loopback:
// catalog → launch → poll → stop → start → destroy, with 429s, 500s, a malformed body and a
// connection dropped right after the launch request.
#include "asyncwait.h"
#include "billing.h"
#include "fakelinode.h"
#include "launchfaults.h"
#include "linode/linodeapi.h"
#include "linode/linodeprovider.h"
#include "restclient.h"
#include "testenv.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

using namespace gpudeck;
using gpudeck::test::FakeHttpFault;
using gpudeck::test::FakeLinode;
using gpudeck::test::response;
using gpudeck::test::wait;
using gpudeck::test::waitVoid;

namespace {

struct Interaction {
    QString method, url;
    int code = 0;
    QByteArray body;
};

// go-vcr cassettes are YAML whose bodies are single-quoted, folded JSON strings: enough of YAML
// to read them back.
QList<Interaction> readCassette(const QString& path)
{
    const QString text = QString::fromUtf8(gpudeck::test::readFile(path));
    QList<Interaction> out;
    Interaction cur;
    bool inResponse = false;
    const QStringList lines = text.split(QLatin1Char('\n'));
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QString line = lines.at(i);
        const QString t = line.trimmed();
        if (line.startsWith(QLatin1String("- request:"))) {
            if (!cur.method.isEmpty())
                out << cur;
            cur = {};
            inResponse = false;
        } else if (line.startsWith(QLatin1String("  response:"))) {
            inResponse = true;
        } else if (!inResponse && t.startsWith(QLatin1String("url: "))) {
            cur.url = t.mid(5);
        } else if (!inResponse && t.startsWith(QLatin1String("method: "))) {
            cur.method = t.mid(8);
        } else if (inResponse && t.startsWith(QLatin1String("code: "))) {
            cur.code = t.mid(6).toInt();
        } else if (inResponse && t.startsWith(QLatin1String("body: '"))) {
            QString joined = t.mid(7);
            while (i + 1 < lines.size()) {
                // The scalar ends at a quote that is not doubled.
                QString probe = joined;
                probe.replace(QLatin1String("''"), QString());
                if (probe.endsWith(QLatin1Char('\'')))
                    break;
                joined += QLatin1Char(' ') + lines.at(++i).trimmed();
            }
            joined.chop(1);
            joined.replace(QLatin1String("''"), QLatin1String("'"));
            cur.body = joined.toUtf8();
        }
    }
    if (!cur.method.isEmpty())
        out << cur;
    return out;
}

QJsonObject readJson(const QString& path)
{
    return QJsonDocument::fromJson(gpudeck::test::readFile(path)).object();
}

} // namespace

class tst_Linode final : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void replayTypesCassette();
    void replayAvailabilityCassette();
    void replayInstanceCassette();
    void replayLibcloudFixtures();
    void errorMessages_data();
    void errorMessages();
    void billingRule();
    void labelsAndTags();
    void catalogWithoutToken();
    void catalogFallsBackToCache();
    void fullFlow();
    void launchSurvivesDroppedConnection();
    void launchAfter500IsCheckedFirst();
    void launchMalformedAnswer();
    void rateLimitsOnPolls();
    void refusalsAreClear();
    void badToken();

private:
    std::unique_ptr<gpudeck::test::IsolatedEnvironment> m_env;
    std::unique_ptr<FakeLinode> m_fake;
    std::unique_ptr<LinodeProvider> m_provider;
    void startFake();
    test::LaunchFaults faults();
    LaunchRequest request(const QString& region = QStringLiteral("us-east")) const;
};

void tst_Linode::initTestCase()
{
    m_env = std::make_unique<gpudeck::test::IsolatedEnvironment>();
}

void tst_Linode::startFake()
{
    m_fake = std::make_unique<FakeLinode>(QStringLiteral("good-token"));
    QVERIFY(m_fake->listen());
    qputenv("GPUDECK_API_BASE_LINODE", m_fake->baseUrl().toUtf8());
    ProviderContext ctx;
    ctx.cacheDir = m_env->path() + QStringLiteral("/cache/linode");
    m_provider = std::make_unique<LinodeProvider>(ctx);
    m_provider->rest().setBackoffBaseMs(20);
    m_provider->setCredential(QStringLiteral("good-token"));
}

test::LaunchFaults tst_Linode::faults()
{
    return {m_provider.get(), &m_fake->server(), QStringLiteral("/v4/linode/instances"),
            [this] { return request(); }, [this] { return m_fake->instanceCount(); }};
}

LaunchRequest tst_Linode::request(const QString& region) const
{
    LaunchRequest r;
    r.planId = QStringLiteral("g1-gpu-rtx6000-1");
    r.region = region;
    r.name = QStringLiteral("my training box");
    r.sshPublicKeys = {QStringLiteral("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample gpudeck")};
    r.clientToken = QUuid::createUuid().toString(QUuid::WithoutBraces);
    return r;
}

void tst_Linode::replayTypesCassette()
{
    GPUDECK_REQUIRE_SHARED(shared);
    const auto calls = readCassette(
        shared + QStringLiteral("/providers/linode-linodego-fixtures/ExampleListTypes_all.yaml"));
    QVERIFY(!calls.isEmpty());
    const QJsonObject page = QJsonDocument::fromJson(calls.first().body).object();
    QVERIFY2(!page.isEmpty(), calls.first().body.left(200).constData());
    const QDateTime at = QDateTime::currentDateTimeUtc();
    const QList<Plan> plans = linode::plansFromTypes(page.value(QStringLiteral("data")).toArray(),
                                                     {QStringLiteral("us-east")}, {}, {}, at);
    QVERIFY(plans.size() >= 4);
    const auto it = std::find_if(plans.begin(), plans.end(), [](const Plan& p) {
        return p.id == QLatin1String("g1-gpu-rtx6000-1");
    });
    QVERIFY(it != plans.end());
    QCOMPARE(it->gpuCount, 1);
    QCOMPARE(it->gpuModel, QStringLiteral("Quadro RTX 6000"));
    QCOMPARE(it->vramGb, 24.0);
    QCOMPARE(it->vcpus, 8);
    QCOMPARE(it->ramGb, 32.0);
    QCOMPARE(it->diskGb, 640.0);
    QCOMPARE(it->onDemandHourly, 1.5);
    QCOMPARE(it->billing.monthlyCapUsd, 1000.0);
    QCOMPARE(it->fetchedAt, at);
    for (const Plan& p : plans)
        QVERIFY2(p.gpuCount > 0, qPrintable(p.id)); // only GPU plans
}

void tst_Linode::replayAvailabilityCassette()
{
    GPUDECK_REQUIRE_SHARED(shared);
    const auto calls = readCassette(
        shared +
        QStringLiteral("/providers/linode-linodego-fixtures/TestRegionsAvailability_List.yaml"));
    QVERIFY(!calls.isEmpty());
    const QJsonArray data = QJsonDocument::fromJson(calls.first().body)
                                .object()
                                .value(QStringLiteral("data"))
                                .toArray();
    QVERIFY(!data.isEmpty());
    QHash<QString, QStringList> avail;
    QHash<QString, bool> listed;
    for (const QJsonValue& v : data) {
        listed.insert(v[QStringLiteral("plan")].toString(), true);
        if (v[QStringLiteral("available")].toBool())
            avail[v[QStringLiteral("plan")].toString()] << v[QStringLiteral("region")].toString();
    }
    QVERIFY(listed.contains(QStringLiteral("g1-gpu-rtx6000-1")));
    // us-central had no RTX6000 capacity when recorded: the plan must not claim it there.
    QVERIFY(
        !avail.value(QStringLiteral("g1-gpu-rtx6000-1")).contains(QStringLiteral("us-central")));
}

void tst_Linode::replayInstanceCassette()
{
    GPUDECK_REQUIRE_SHARED(shared);
    const auto calls = readCassette(
        shared + QStringLiteral("/providers/linode-linodego-fixtures/TestInstance_Get.yaml"));
    const auto create = std::find_if(calls.begin(), calls.end(), [](const Interaction& i) {
        return i.method == QLatin1String("POST") &&
               i.url.endsWith(QLatin1String("/linode/instances"));
    });
    QVERIFY(create != calls.end());
    const Instance i = linode::instanceFrom(QJsonDocument::fromJson(create->body).object(), {});
    QCOMPARE(i.id, QStringLiteral("82372947"));
    QCOMPARE(i.status, InstanceStatus::Provisioning);
    QCOMPARE(i.host, QStringLiteral("192.0.2.0"));
    QCOMPARE(i.sshPort, 22);
    QCOMPARE(i.user, QStringLiteral("root"));
    QCOMPARE(i.region, QStringLiteral("us-sea"));
    QCOMPARE(i.createdAt, QDateTime(QDate(2018, 1, 2), QTime(3, 4, 5), QTimeZone::utc()));
    QVERIFY(i.billing.stoppedBillsCompute);
}

void tst_Linode::replayLibcloudFixtures()
{
    GPUDECK_REQUIRE_SHARED(shared);
    const QString dir = shared + QStringLiteral("/providers/libcloud-fixtures/linode_v4/");
    const QList<Plan> plans = linode::plansFromTypes(
        readJson(dir + QStringLiteral("list_types.json")).value(QStringLiteral("data")).toArray(),
        {}, {}, {}, QDateTime::currentDateTimeUtc());
    QCOMPARE(plans.size(), 4);
    QCOMPARE(plans.last().id, QStringLiteral("g1-gpu-rtx6000-4"));
    QCOMPARE(plans.last().gpuCount, 4);
    QCOMPARE(plans.last().onDemandHourly, 6.0);
    QCOMPARE(plans.last().pricePerGpuHour(), 1.5);
    QHash<QString, Plan> byId;
    for (const Plan& p : plans)
        byId.insert(p.id, p);
    const QJsonArray nodes =
        readJson(dir + QStringLiteral("list_nodes.json")).value(QStringLiteral("data")).toArray();
    QCOMPARE(nodes.size(), 2);
    const Instance first = linode::instanceFrom(nodes.at(0).toObject(), byId);
    QCOMPARE(first.id, QStringLiteral("22344420"));
    QCOMPARE(first.name, QStringLiteral("test_2"));
    QCOMPARE(first.status, InstanceStatus::Running);
    QCOMPARE(first.host, QStringLiteral("138.89.34.81")); // the public address, not the private
    QCOMPARE(first.planId, QStringLiteral("g6-nanode-1"));
    // Pagination envelope of the paginated image fixtures.
    const QJsonObject p1 = readJson(dir + QStringLiteral("list_images_paginated_page_1.json"));
    RestRequest r;
    r.path = QStringLiteral("/v4/images");
    const RestRequest n = linode::nextPage(p1, r);
    QCOMPARE(n.query.queryItemValue(QStringLiteral("page")), QStringLiteral("2"));
    const QJsonObject p2 = readJson(dir + QStringLiteral("list_images_paginated_page_2.json"));
    QVERIFY(linode::nextPage(p2, n).path.isEmpty());
}

void tst_Linode::errorMessages_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<ErrorCode>("code");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("bad token") << 401 << QByteArray(R"({"errors":[{"reason":"Invalid Token"}]})")
                               << ErrorCode::Unauthorized << QStringLiteral("Settings");
    QTest::newRow("not found") << 404 << QByteArray(R"({"errors":[{"reason":"Not found"}]})")
                               << ErrorCode::NotFound << QStringLiteral("does not know");
    QTest::newRow("field")
        << 400 << QByteArray(R"({"errors":[{"reason":"Label must be unique","field":"label"}]})")
        << ErrorCode::InvalidInput << QStringLiteral("\"label\"");
    QTest::newRow("capacity")
        << 400
        << QByteArray(
               R"({"errors":[{"reason":"The requested Linode type is not available in this region","field":"region"}]})")
        << ErrorCode::NoCapacity << QStringLiteral("another region");
    QTest::newRow("quota")
        << 400 << QByteArray(R"({"errors":[{"reason":"Account limit reached for GPU Linodes"}]})")
        << ErrorCode::Forbidden << QStringLiteral("support");
    QTest::newRow("server") << 500 << QByteArray("<html>oops</html>") << ErrorCode::ProviderFailure
                            << QStringLiteral("try again");
}

void tst_Linode::errorMessages()
{
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(ErrorCode, code);
    QFETCH(QString, mentions);
    const Error e = linode::errorFrom(response(status, body));
    QCOMPARE(e.code, code);
    QVERIFY2(e.message.contains(mentions, Qt::CaseInsensitive), qPrintable(e.message));
}

void tst_Linode::billingRule()
{
    // Hourly rounded up: 61 minutes of a $1.50/h plan cost 2 hours.
    Instance i;
    i.priceHourly = 1.5;
    i.billing = linode::billingRule(1000);
    i.createdAt = QDateTime(QDate(2026, 1, 1), QTime(0, 0), QTimeZone::utc());
    QCOMPARE(costOf(i, i.createdAt.addSecs(61 * 60)).computeCents, 300);
    QCOMPARE(costOf(i, i.createdAt.addSecs(60)).computeCents, 150);
    // Powered off still bills: a stopped interval changes nothing.
    i.runIntervals = {{i.createdAt, i.createdAt.addSecs(600)}};
    QCOMPARE(costOf(i, i.createdAt.addSecs(3 * 3600)).computeCents, 450);
    // Capped at the monthly price.
    QCOMPARE(costOf(i, i.createdAt.addDays(29)).computeCents, 100000);
    QVERIFY(i.billing.describe().contains(QLatin1String("stopped")));
}

void tst_Linode::labelsAndTags()
{
    const QString token = QStringLiteral("0b6f2c1e-2d5a-4f7e-9c3b-8a1d2e3f4a5b");
    QCOMPARE(linode::safeLabel(QStringLiteral("my training box!"), token),
             QStringLiteral("my-training-box"));
    QCOMPARE(linode::safeLabel(QStringLiteral("é"), token), QStringLiteral("gpudeck-0b6f2c1e"));
    const QString tag = linode::tokenTag(token);
    QVERIFY(tag.size() >= 3 && tag.size() <= 50);
    QVERIFY(tag.contains(QLatin1String("0b6f2c1e2d5a")));
}

void tst_Linode::catalogWithoutToken()
{
    startFake();
    m_provider->setCredential({});
    const auto c = wait<Catalog>([&](auto done) { m_provider->fetchCatalog(done); });
    QVERIFY2(c.ok(), qPrintable(c.ok() ? QString() : c.error().message));
    QCOMPARE(c.value().plans.size(), 3); // the nanode is not a GPU plan
    const Plan& p = c.value().plans.first();
    QCOMPARE(p.id, QStringLiteral("g1-gpu-rtx6000-1"));
    QCOMPARE(p.regions, (QStringList{QStringLiteral("us-east"), QStringLiteral("us-ord")}));
    QCOMPARE(p.regionsAvailable,
             (QStringList{QStringLiteral("us-east"), QStringLiteral("us-ord")}));
    QVERIFY(c.value().fetchedAt.isValid());
    // No token needed for the plan list; none was sent.
    for (const auto& r : m_fake->server().requests())
        QVERIFY(!r.headers.contains("authorization"));
    // Without a token there are no instances to list, and that is not an error.
    const auto l = wait<QList<Instance>>([&](auto done) { m_provider->listInstances(done); });
    QVERIFY(l.ok());
    QVERIFY(l.value().isEmpty());
}

void tst_Linode::catalogFallsBackToCache()
{
    startFake();
    m_fake->setPageSize(1); // pagination on every list
    const auto live = wait<Catalog>([&](auto done) { m_provider->fetchCatalog(done); });
    QVERIFY(live.ok());
    QCOMPARE(live.value().plans.size(), 3);
    QVERIFY(QFile::exists(m_env->path() + QStringLiteral("/cache/linode/catalog.json")));
    // The API goes away: the saved catalog, with its original time.
    m_fake.reset();
    const auto cached = wait<Catalog>([&](auto done) { m_provider->fetchCatalog(done); });
    QVERIFY2(cached.ok(), qPrintable(cached.ok() ? QString() : cached.error().message));
    QCOMPARE(cached.value().plans.size(), 3);
    QCOMPARE(cached.value().plans.first().fetchedAt, live.value().plans.first().fetchedAt);
}

void tst_Linode::fullFlow()
{
    startFake();
    m_fake->setPollsPerStep(2);
    // Every read gets one 429 without Retry-After and one with; each is waited out.
    m_fake->server().inject(
        {FakeHttpFault::Kind::Status, "GET", QStringLiteral("/v4/linode/instances/"), 429, {}, 1});
    m_fake->server().inject(
        {FakeHttpFault::Kind::Status, "GET", QStringLiteral("/v4/linode/instances/"), 429, "1", 1});
    m_fake->server().inject(
        {FakeHttpFault::Kind::Status, "GET", QStringLiteral("/v4/linode/instances/"), 500, {}, 1});
    const LaunchRequest req = request();
    const auto launched = wait<Instance>([&](auto done) { m_provider->launch(req, done); });
    QVERIFY2(launched.ok(), qPrintable(launched.ok() ? QString() : launched.error().message));
    const Instance first = launched.value();
    QCOMPARE(first.provider, QStringLiteral("linode"));
    QCOMPARE(first.status, InstanceStatus::Provisioning);
    QCOMPARE(first.priceHourly, 1.5);
    QCOMPARE(first.name, QStringLiteral("my-training-box"));
    const QJsonObject sent = m_fake->instance(first.id.toLongLong());
    QCOMPARE(sent.value(QStringLiteral("tags")).toArray().first().toString(),
             linode::tokenTag(req.clientToken));
    QCOMPARE(m_fake->authorizedKeys(first.id.toLongLong()), req.sshPublicKeys);

    Instance now = first;
    for (int i = 0; i < 20 && now.status != InstanceStatus::Running; ++i) {
        const auto got =
            wait<Instance>([&](auto done) { m_provider->getInstance(first.id, done); });
        QVERIFY2(got.ok(), qPrintable(got.ok() ? QString() : got.error().message));
        now = got.value();
    }
    QCOMPARE(now.status, InstanceStatus::Running);
    QCOMPARE(now.host, QStringLiteral("127.0.0.1"));
    QCOMPARE(now.sshPort, 22);

    const auto stopped = wait<Instance>([&](auto done) { m_provider->stop(first.id, done); });
    QVERIFY(stopped.ok());
    QVERIFY(stopped.value().status == InstanceStatus::Stopping ||
            stopped.value().status == InstanceStatus::Stopped);
    QVERIFY(stopped.value().billing.stoppedBillsCompute);
    const auto started = wait<Instance>([&](auto done) { m_provider->start(first.id, done); });
    QVERIFY(started.ok());
    QCOMPARE(started.value().status, InstanceStatus::Booting);

    const auto listed = wait<QList<Instance>>([&](auto done) { m_provider->listInstances(done); });
    QVERIFY(listed.ok());
    QCOMPARE(listed.value().size(), 1);

    m_fake->server().inject({FakeHttpFault::Kind::Status, "DELETE", {}, 503, {}, 1});
    const auto gone = waitVoid([&](auto done) { m_provider->destroy(first.id, done); });
    QVERIFY2(gone.ok(), qPrintable(gone.ok() ? QString() : gone.error().message));
    const auto confirm =
        wait<Instance>([&](auto done) { m_provider->getInstance(first.id, done); });
    QVERIFY(!confirm.ok());
    QCOMPARE(confirm.error().code, ErrorCode::NotFound);
    QCOMPARE(m_fake->instanceCount(), 0);
}

void tst_Linode::launchSurvivesDroppedConnection()
{
    startFake();
    const LaunchRequest req = request();
    Instance launched;
    test::dropAfterLaunch(faults(), req, &launched);
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(m_fake->instance(launched.id.toLongLong())
                 .value(QStringLiteral("tags"))
                 .toArray()
                 .first()
                 .toString(),
             linode::tokenTag(req.clientToken));
}

void tst_Linode::launchAfter500IsCheckedFirst()
{
    startFake();
    test::launchAfter500(faults());
}

void tst_Linode::launchMalformedAnswer()
{
    startFake();
    test::malformedLaunchAnswer(faults());
}

void tst_Linode::rateLimitsOnPolls()
{
    startFake();
    // A 429 on the launch itself: not processed, sent again after the wait; one machine.
    m_fake->server().inject(
        {FakeHttpFault::Kind::Status, "POST", QStringLiteral("/v4/linode/instances"), 429, "1", 1});
    const auto r = wait<Instance>([&](auto done) { m_provider->launch(request(), done); });
    QVERIFY(r.ok());
    QCOMPARE(m_fake->instanceCount(), 1);
    QCOMPARE(m_fake->server().count("POST", QStringLiteral("/v4/linode/instances")), 2);
    QCOMPARE(m_provider->rest().rateLimiter().limit(QStringLiteral("create")).requests, 20);
    QCOMPARE(m_provider->rest().rateLimiter().limit(QStringLiteral("create")).windowMs, 15000);
}

void tst_Linode::refusalsAreClear()
{
    startFake();
    m_fake->setSoldOut(QStringLiteral("us-ord"));
    const auto r = wait<Instance>(
        [&](auto done) { m_provider->launch(request(QStringLiteral("us-ord")), done); });
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::NoCapacity);
    QVERIFY(r.error().message.contains(QLatin1String("another region")));
    QCOMPARE(m_fake->instanceCount(), 0);
    QCOMPARE(m_fake->server().count("POST", QStringLiteral("/v4/linode/instances")), 1);

    LaunchRequest bad = request();
    bad.planId = QStringLiteral("nope");
    const auto b = wait<Instance>([&](auto done) { m_provider->launch(bad, done); });
    QVERIFY(!b.ok());
    QCOMPARE(b.error().code, ErrorCode::InvalidInput);
    QVERIFY2(b.error().message.contains(QLatin1String("\"type\"")), qPrintable(b.error().message));
}

void tst_Linode::badToken()
{
    startFake();
    m_provider->setCredential(QStringLiteral("wrong"));
    const auto who = wait<QString>([&](auto done) { m_provider->checkCredential(done); });
    QVERIFY(!who.ok());
    QCOMPARE(who.error().code, ErrorCode::Unauthorized);
    m_provider->setCredential(QStringLiteral("good-token"));
    const auto ok = wait<QString>([&](auto done) { m_provider->checkCredential(done); });
    QVERIFY(ok.ok());
    QCOMPARE(ok.value(), QStringLiteral("tester@example.com"));
    qunsetenv("GPUDECK_API_BASE_LINODE");
}

QTEST_GUILESS_MAIN(tst_Linode)
#include "tst_linode.moc"
