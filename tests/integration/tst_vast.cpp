// Vast.ai: replay of the published spec's examples through the parsers (the spec is YAML: it is
// read through python3-yaml, as tst_aws reads botocore), error bodies → messages, offers →
// plans and the launch's choice of offer, the watchdog's self-stop command run against stubs,
// and the whole client against a stateful fake on loopback: catalog → launch → poll → stop →
// start → destroy, with 429s (with and without Retry-After), 500s, a malformed body and a
// connection dropped right after the launch request. The contract against Prism serving the
// spec is in tst_providercontract.
#include "asyncwait.h"
#include "billing.h"
#include "fakevast.h"
#include "registry.h"
#include "restclient.h"
#include "testenv.h"
#include "vast/vastapi.h"
#include "vast/vastprovider.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimeZone>
#include <QtTest>

using namespace gpudeck;
using gpudeck::test::FakeHttpFault;
using gpudeck::test::FakeVast;
using gpudeck::test::message;
using gpudeck::test::response;
using gpudeck::test::wait;
using gpudeck::test::waitVoid;

namespace {

const QString kKey = QStringLiteral(
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGpudGVzdGtleWdwdWRlY2t2YXN0dGVzdGtleQ gpudeck");

// The spec as JSON, or an empty object with `why` set.
QJsonObject loadSpec(const QString& path, QString& why)
{
    const QString python = QStandardPaths::findExecutable(QStringLiteral("python3"));
    if (python.isEmpty()) {
        why = QStringLiteral("python3 is not installed");
        return {};
    }
    QProcess p;
    p.start(python,
            {QStringLiteral("-c"),
             QStringLiteral("import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), "
                            "sys.stdout, default=str)"),
             path});
    if (!p.waitForFinished(60000) || p.exitCode() != 0) {
        why = QStringLiteral("python3 could not read the YAML spec (python3-yaml missing?): ") +
              QString::fromUtf8(p.readAllStandardError().right(300));
        return {};
    }
    return QJsonDocument::fromJson(p.readAllStandardOutput()).object();
}

QJsonObject resolve(const QJsonObject& spec, QJsonObject schema)
{
    const QString ref = schema.value(QStringLiteral("$ref")).toString();
    if (ref.startsWith(QLatin1String("#/components/schemas/")))
        schema =
            spec[QStringLiteral("components")][QStringLiteral("schemas")][ref.mid(21)].toObject();
    return schema;
}

// What Prism would answer from a schema: its example, else an object of its properties'
// examples (an array of one item's).
QJsonValue exampleOf(const QJsonObject& spec, const QJsonObject& raw)
{
    const QJsonObject schema = resolve(spec, raw);
    if (schema.contains(QStringLiteral("example")))
        return schema.value(QStringLiteral("example"));
    if (schema.contains(QStringLiteral("properties"))) {
        QJsonObject o;
        const QJsonObject props = schema.value(QStringLiteral("properties")).toObject();
        for (auto it = props.begin(); it != props.end(); ++it) {
            const QJsonValue v = exampleOf(spec, it.value().toObject());
            if (!v.isUndefined())
                o.insert(it.key(), v);
        }
        return o;
    }
    if (schema.contains(QStringLiteral("items")))
        return QJsonArray{exampleOf(spec, schema.value(QStringLiteral("items")).toObject())};
    return QJsonValue(QJsonValue::Undefined);
}

// The example answer of `status` to `method path`, as the spec gives it.
QJsonObject answer(const QJsonObject& spec, const QString& path, const QString& method,
                   const QString& status)
{
    const QJsonObject content =
        spec[QStringLiteral("paths")][path][method][QStringLiteral("responses")][status]
            [QStringLiteral("content")][QStringLiteral("application/json")]
                .toObject();
    if (content.contains(QStringLiteral("example")))
        return content.value(QStringLiteral("example")).toObject();
    return exampleOf(spec, content.value(QStringLiteral("schema")).toObject()).toObject();
}

RestResponse fromSpec(int status, const QJsonObject& body)
{
    return response(status, QJsonDocument(body).toJson(QJsonDocument::Compact));
}

} // namespace

class tst_Vast final : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void replaySpecExamples();
    void specErrorExamples();
    void offersToPlans();
    void launchPicksCheapestReliable();
    void statusMapping_data();
    void statusMapping();
    void errorMessages_data();
    void errorMessages();
    void billingRule();
    void guardAndCapabilities();
    void selfStopCommandRuns_data();
    void selfStopCommandRuns();
    void fullFlow();
    void listPagesThrough();
    void spotLaunchBidsMinimum();
    void launchSurvivesDroppedConnection();
    void launchLostWhileTheListLags();
    void launchAfter500IsCheckedFirst();
    void launchMalformedAnswer();
    void refusalsAreClear();
    void badToken();
    void cleanupTestCase();

private:
    std::unique_ptr<gpudeck::test::IsolatedEnvironment> m_env;
    std::unique_ptr<FakeVast> m_fake;
    std::unique_ptr<VastProvider> m_provider;
    void startFake();
    LaunchRequest request(const QString& planId = vast::planId(QStringLiteral("RTX 4090"), 1),
                          const QString& region = QStringLiteral("US")) const;
    Instance pollUntilRunning(const QString& id);
};

void tst_Vast::initTestCase()
{
    m_env = std::make_unique<gpudeck::test::IsolatedEnvironment>();
}

void tst_Vast::cleanupTestCase()
{
    m_provider.reset();
    m_fake.reset();
    qunsetenv("GPUDECK_API_BASE_VAST");
}

void tst_Vast::startFake()
{
    m_provider.reset();
    m_fake = std::make_unique<FakeVast>(QStringLiteral("good-key"));
    QVERIFY(m_fake->listen());
    qputenv("GPUDECK_API_BASE_VAST", m_fake->baseUrl().toUtf8());
    ProviderContext ctx;
    ctx.cacheDir = m_env->path() + QStringLiteral("/cache/vast");
    m_provider = std::make_unique<VastProvider>(ctx);
    m_provider->rest().setBackoffBaseMs(20);
    // The fake has no limits; the real pacing is checked in guardAndCapabilities.
    m_provider->rest().rateLimiter().setLimit(QStringLiteral("default"), {});
    m_provider->rest().rateLimiter().setLimit(QStringLiteral("create"), {});
    m_provider->setCredential(QStringLiteral("good-key"));
}

LaunchRequest tst_Vast::request(const QString& planId, const QString& region) const
{
    LaunchRequest r;
    r.planId = planId;
    r.region = region;
    r.name = QStringLiteral("my training box");
    r.sshPublicKeys = {kKey};
    r.diskGb = 80;
    r.clientToken = QUuid::createUuid().toString(QUuid::WithoutBraces);
    return r;
}

Instance tst_Vast::pollUntilRunning(const QString& id)
{
    Instance now;
    for (int i = 0; i < 20 && now.status != InstanceStatus::Running; ++i) {
        const auto got = wait<Instance>([&](auto done) { m_provider->getInstance(id, done); });
        if (!got.ok())
            return now;
        now = got.value();
    }
    return now;
}

void tst_Vast::replaySpecExamples()
{
    GPUDECK_REQUIRE_SHARED(shared);
    QString why;
    const QJsonObject spec =
        loadSpec(shared + QStringLiteral("/providers/vast/vast-openapi.yaml"), why);
    if (spec.isEmpty())
        QSKIP(qPrintable(why));
    const QDateTime at = QDateTime::currentDateTimeUtc();

    // Search offers: the example gives `offers` as one object, where the schema says array.
    const QJsonObject found = answer(spec, QStringLiteral("/api/v0/bundles"),
                                     QStringLiteral("post"), QStringLiteral("200"));
    QVERIFY(found.value(QStringLiteral("offers")).isObject());
    const QJsonArray offers = vast::offersOf(found);
    QCOMPARE(offers.size(), 1);
    const QList<Plan> plans = vast::plansFromOffers(offers, at);
    QCOMPARE(plans.size(), 1);
    const Plan& p = plans.first();
    QCOMPARE(p.provider, QStringLiteral("vast"));
    QCOMPARE(p.id, QStringLiteral("Imaginary RTX 9999|4"));
    QCOMPARE(p.gpuModel, QStringLiteral("Imaginary RTX 9999"));
    QCOMPARE(p.gpuCount, 4);
    QCOMPARE(p.vramGb, 24.0); // gpu_ram 24576 MB
    QCOMPARE(p.vcpus, 32);    // cpu_cores_effective, not the host's 64
    QCOMPARE(p.ramGb, 64.0);  // cpu_ram 65536 MB
    QCOMPARE(p.diskGb, 2048.0);
    QCOMPARE(p.onDemandHourly, 0.234567); // dph_total
    QVERIFY(p.spotHourly.has_value());
    // min_bid plus the disk's share of dph_total (dph_total − dph_base).
    QVERIFY(qFuzzyCompare(*p.spotHourly, 0.111111 + (0.234567 - 0.123456)));
    QCOMPARE(p.regions, QStringList{QStringLiteral("AT")}); // "Atlantis, AT"
    QCOMPARE(p.regionsAvailable, p.regions);
    QVERIFY(p.available);
    QCOMPARE(p.fetchedAt, at);
    QVERIFY(p.note.contains(QLatin1String("cheapest offer")));
    QVERIFY(qFuzzyCompare(p.billing.storageUsdPerGbMonth, 0.987654 * 730 / 720));
    const QList<Region> regions = vast::regionsFromOffers(offers);
    QCOMPARE(regions.size(), 1);
    QCOMPARE(regions.first().id, QStringLiteral("AT"));
    QCOMPARE(regions.first().name, QStringLiteral("Austria"));
    const QJsonObject chosen =
        vast::pickOffer(offers, p.gpuModel, 4, QStringLiteral("AT"), false, 80);
    QCOMPARE(chosen.value(QStringLiteral("id")).toInteger(), 12345678);
    QVERIFY(vast::pickOffer(offers, p.gpuModel, 4, QStringLiteral("US"), false, 80).isEmpty());
    QVERIFY(vast::pickOffer(offers, p.gpuModel, 4, QStringLiteral("AT"), false, 4096).isEmpty());

    // Create: the new instance's id is `new_contract`.
    const QJsonObject created = answer(spec, QStringLiteral("/api/v0/asks/{id}"),
                                       QStringLiteral("put"), QStringLiteral("200"));
    QCOMPARE(vast::launchedId(created), QStringLiteral("1234568"));
    QVERIFY(!vast::refusalIn(fromSpec(200, created)).has_value());

    // Show instance ({"instances": Instance}); its `ports` is an array of numbers there, so SSH
    // goes through the proxy address.
    const QJsonObject shown = answer(spec, QStringLiteral("/api/v0/instances/{id}"),
                                     QStringLiteral("get"), QStringLiteral("200"));
    const Instance one = vast::instanceFrom(shown.value(QStringLiteral("instances")).toObject());
    QCOMPARE(one.id, QStringLiteral("883"));
    QCOMPARE(one.provider, QStringLiteral("vast"));
    QCOMPARE(one.status, InstanceStatus::Running);
    QCOMPARE(one.host, QStringLiteral("ssh2281.vast.ai"));
    QCOMPARE(one.sshPort, 10882);
    QCOMPARE(one.user, QStringLiteral("root"));
    QCOMPARE(one.gpuModel, QStringLiteral("RTX A5000"));
    QCOMPARE(one.planId, QStringLiteral("RTX A5000|1"));
    QCOMPARE(one.region, QStringLiteral("US"));
    QCOMPARE(one.name, QStringLiteral("vast-883")); // no label
    QCOMPARE(one.priceHourly, 1.0);                 // dph_base: stops with the instance
    QCOMPARE(one.diskGb, 10.0);
    QCOMPARE(one.createdAt.toSecsSinceEpoch(), 1761008618);
    // The disk's hourly charge from the rule equals the example's storage_total_cost.
    const double diskPerHour = one.diskGb * one.billing.storageUsdPerGbMonth / 730.0;
    QVERIFY2(std::abs(diskPerHour - 0.002074074074074074) < 1e-9,
             qPrintable(QString::number(diskPerHour)));
    QVERIFY(std::abs(one.priceHourly + diskPerHour - 1.0020740740740741) < 1e-9); // dph_total

    // The instance list (/api/v1): ports is a map there, so SSH goes straight to the machine.
    const QJsonObject listed = answer(spec, QStringLiteral("/api/v1/instances"),
                                      QStringLiteral("get"), QStringLiteral("200"));
    const QJsonArray items = listed.value(QStringLiteral("instances")).toArray();
    QCOMPARE(items.size(), 1);
    const Instance item = vast::instanceFrom(items.first().toObject());
    QCOMPARE(item.id, QStringLiteral("312"));
    QCOMPARE(item.status, InstanceStatus::Running);
    QCOMPARE(item.host, QStringLiteral("192.0.2.45"));
    QCOMPARE(item.sshPort, 20000);
    QCOMPARE(item.name, QStringLiteral("ML Training Job 2025"));
    QCOMPARE(item.region, QStringLiteral("United States")); // "California, United States"
    QCOMPARE(item.priceHourly, 0.8);
    QVERIFY(!vast::carriesToken(items.first().toObject(), QStringLiteral("DOG")));
    QCOMPARE(listed.value(QStringLiteral("next_token")).toString(),
             QStringLiteral("eyJ2YWx1ZXMiOiB7ImlkIjogMTIzfX0="));

    // The account's keys: the list names the key `key`; a key registered there is found
    // whatever its comment.
    const QJsonArray keys{QJsonObject{
        {QStringLiteral("id"), 1},
        {QStringLiteral("key"),
         QString(kKey.section(QLatin1Char(' '), 0, 1) + QStringLiteral(" other comment"))},
        {QStringLiteral("deleted_at"), QJsonValue()}}};
    QVERIFY(vast::hasKey(keys, kKey));
    const QJsonObject createdKey =
        answer(spec, QStringLiteral("/api/v0/ssh"), QStringLiteral("post"), QStringLiteral("200"));
    QVERIFY(vast::hasKey(QJsonArray{createdKey.value(QStringLiteral("key"))},
                         QStringLiteral("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC... x")));
    QVERIFY(!vast::hasKey(QJsonArray{createdKey.value(QStringLiteral("key"))}, kKey));
}

void tst_Vast::specErrorExamples()
{
    GPUDECK_REQUIRE_SHARED(shared);
    QString why;
    const QJsonObject spec =
        loadSpec(shared + QStringLiteral("/providers/vast/vast-openapi.yaml"), why);
    if (spec.isEmpty())
        QSKIP(qPrintable(why));
    struct Case {
        QString path, method, status;
        ErrorCode code;
        QString mentions;
    };
    const QList<Case> cases{
        {QStringLiteral("/api/v0/asks/{id}"), QStringLiteral("put"), QStringLiteral("400"),
         ErrorCode::InvalidInput, QStringLiteral("'id' is required")},
        {QStringLiteral("/api/v0/asks/{id}"), QStringLiteral("put"), QStringLiteral("403"),
         ErrorCode::Forbidden, QStringLiteral("not your own")},
        {QStringLiteral("/api/v0/asks/{id}"), QStringLiteral("put"), QStringLiteral("404"),
         ErrorCode::NoCapacity, QStringLiteral("Launch again")},
        {QStringLiteral("/api/v0/asks/{id}"), QStringLiteral("put"), QStringLiteral("410"),
         ErrorCode::NoCapacity, QStringLiteral("another country or GPU")},
        {QStringLiteral("/api/v0/asks/{id}"), QStringLiteral("put"), QStringLiteral("429"),
         ErrorCode::RateLimited, QStringLiteral("threshold=4.5")},
        {QStringLiteral("/api/v0/bundles"), QStringLiteral("post"), QStringLiteral("404"),
         ErrorCode::Unauthorized, QStringLiteral("Settings → Accounts")},
        {QStringLiteral("/api/v0/bundles"), QStringLiteral("post"), QStringLiteral("400"),
         ErrorCode::InvalidInput, QStringLiteral("Invalid json body")},
        {QStringLiteral("/api/v0/instances/{id}"), QStringLiteral("delete"), QStringLiteral("404"),
         ErrorCode::NotFound, QStringLiteral("Instance not found")},
        {QStringLiteral("/api/v0/instances/{id}"), QStringLiteral("delete"), QStringLiteral("429"),
         ErrorCode::RateLimited, QStringLiteral("too frequent")},
        {QStringLiteral("/api/v0/instances/bid_price/{id}"), QStringLiteral("put"),
         QStringLiteral("404"), ErrorCode::NotFound, QStringLiteral("does not exist")},
        {QStringLiteral("/api/v0/ssh"), QStringLiteral("post"), QStringLiteral("400"),
         ErrorCode::InvalidInput, QStringLiteral("No ssh key provided")},
    };
    for (const Case& c : cases) {
        const QJsonObject body = answer(spec, c.path, c.method, c.status);
        QVERIFY2(!body.isEmpty(), qPrintable(c.path + QLatin1Char(' ') + c.status));
        const Error e = vast::errorFrom(fromSpec(c.status.toInt(), body));
        QVERIFY2(e.code == c.code && e.message.contains(c.mentions),
                 qPrintable(c.method + QLatin1Char(' ') + c.path + QLatin1Char(' ') + c.status +
                            QStringLiteral(": ") + message(e)));
    }
    // The show-instance 401 carries a whole example.
    const QJsonObject unauthorized =
        spec[QStringLiteral("paths")][QStringLiteral("/api/v0/instances/{id}")][QStringLiteral(
            "get")][QStringLiteral("responses")][QStringLiteral("401")][QStringLiteral("content")]
            [QStringLiteral("application/json")][QStringLiteral("example")]
                .toObject();
    QCOMPARE(unauthorized.value(QStringLiteral("error")).toString(), QStringLiteral("auth_error"));
    QCOMPARE(vast::errorFrom(fromSpec(401, unauthorized)).code, ErrorCode::Unauthorized);
}

void tst_Vast::offersToPlans()
{
    const QJsonArray offers{
        FakeVast::offer(1, QStringLiteral("RTX 4090"), 1, 0.40, QStringLiteral("Texas, US")),
        FakeVast::offer(2, QStringLiteral("RTX 4090"), 1, 0.35, QStringLiteral("Stockholm, SE")),
        FakeVast::offer(3, QStringLiteral("RTX 4090"), 1, 0.10, QStringLiteral("Ohio, US"), 0.5),
        FakeVast::offer(4, QStringLiteral("RTX 4090"), 2, 0.80, QStringLiteral("Texas, US")),
        FakeVast::offer(5, QStringLiteral("H100 SXM"), 8, 19.2, QStringLiteral("Virginia, US")),
    };
    const QList<Plan> plans = vast::plansFromOffers(offers, QDateTime::currentDateTimeUtc());
    QCOMPARE(plans.size(), 3);
    const Plan& single = plans.at(0);
    QCOMPARE(single.id, QStringLiteral("RTX 4090|1"));
    // The unreliable offer (0.5) is neither the price nor a region.
    QVERIFY(std::abs(single.onDemandHourly - (0.35 + 0.15 * 8 / 720)) < 1e-9);
    QCOMPARE(single.regions, (QStringList{QStringLiteral("SE"), QStringLiteral("US")}));
    QVERIFY(single.note.contains(QLatin1String("2 verified offer(s)")));
    QVERIFY(std::abs(*single.spotHourly - (0.175 + 0.15 * 8 / 720)) < 1e-9);
    QCOMPARE(plans.at(1).id, QStringLiteral("RTX 4090|2"));
    QCOMPARE(plans.at(1).vcpus, 16);
    QCOMPARE(plans.at(1).ramGb, 64.0);
    QCOMPARE(plans.at(2).vramGb, 79.6); // 81559 MB
    QCOMPARE(vast::parsePlanId(QStringLiteral("H100 SXM|8")),
             (std::pair<QString, int>{QStringLiteral("H100 SXM"), 8}));
    QCOMPARE(vast::parsePlanId(QStringLiteral("nonsense")).second, 0);
    QCOMPARE(vast::parsePlanId(QStringLiteral("x|0")).second, 0);
    QCOMPARE(vast::regionOf(QStringLiteral("Quebec, CA")), QStringLiteral("CA"));
    QCOMPARE(vast::regionFor(QStringLiteral("SE")).name, QStringLiteral("Sweden"));
}

void tst_Vast::launchPicksCheapestReliable()
{
    const QJsonArray offers{
        FakeVast::offer(1, QStringLiteral("RTX 4090"), 1, 0.40, QStringLiteral("Texas, US"), 0.999),
        FakeVast::offer(2, QStringLiteral("RTX 4090"), 1, 0.35, QStringLiteral("Stockholm, SE")),
        FakeVast::offer(3, QStringLiteral("RTX 4090"), 1, 0.10, QStringLiteral("Ohio, US"), 0.5),
        FakeVast::offer(4, QStringLiteral("RTX 4090"), 1, 0.40, QStringLiteral("Utah, US"), 0.99),
        FakeVast::offer(5, QStringLiteral("RTX 4090"), 2, 0.30, QStringLiteral("Texas, US")),
    };
    auto id = [](const QJsonObject& o) { return o.value(QStringLiteral("id")).toInteger(); };
    // In the US the 0.10 offer is unreliable; of the two at 0.40 the more reliable wins.
    QCOMPARE(
        id(vast::pickOffer(offers, QStringLiteral("RTX 4090"), 1, QStringLiteral("US"), false, 40)),
        1);
    QCOMPARE(id(vast::pickOffer(offers, QStringLiteral("RTX 4090"), 1, QString(), false, 40)), 2);
    QCOMPARE(id(vast::pickOffer(offers, QStringLiteral("RTX 4090"), 2, QString(), false, 40)), 5);
    QVERIFY(vast::pickOffer(offers, QStringLiteral("RTX 4090"), 4, QString(), false, 40).isEmpty());
    QVERIFY(vast::pickOffer(offers, QStringLiteral("RTX 4090"), 1, QStringLiteral("US"), false, 600)
                .isEmpty()); // 500 GB disks only
    // The search the launch sends names the same filters.
    const QJsonObject q =
        vast::launchQuery(QStringLiteral("RTX 4090"), 2, QStringLiteral("US"), true, 80, 12.4);
    QCOMPARE(q[QStringLiteral("type")].toString(), QStringLiteral("bid"));
    QCOMPARE(q[QStringLiteral("gpu_name")][QStringLiteral("eq")].toString(),
             QStringLiteral("RTX 4090"));
    QCOMPARE(q[QStringLiteral("num_gpus")][QStringLiteral("eq")].toInt(), 2);
    QCOMPARE(q[QStringLiteral("geolocation")][QStringLiteral("in")].toArray(),
             QJsonArray{QStringLiteral("US")});
    QCOMPARE(q[QStringLiteral("disk_space")][QStringLiteral("gte")].toDouble(), 80.0);
    QCOMPARE(q[QStringLiteral("cuda_max_good")][QStringLiteral("gte")].toDouble(), 12.4);
    QCOMPARE(q[QStringLiteral("reliability")][QStringLiteral("gte")].toDouble(),
             vast::kMinReliability);
    QCOMPARE(q[QStringLiteral("order")].toArray().size(), 2);
    // A region that is a country's name, not a code, is filtered here only.
    QVERIFY(!vast::launchQuery(QStringLiteral("RTX 4090"), 1, QStringLiteral("United States"),
                               false, 0, 0)
                 .contains(QStringLiteral("geolocation")));
}

void tst_Vast::statusMapping_data()
{
    QTest::addColumn<QString>("actual");
    QTest::addColumn<QString>("intended");
    QTest::addColumn<QString>("contract");
    QTest::addColumn<InstanceStatus>("status");
    QTest::newRow("created") << QString() << "running"
                             << "running" << InstanceStatus::Provisioning;
    QTest::newRow("loading") << "loading"
                             << "running"
                             << "running" << InstanceStatus::Booting;
    QTest::newRow("running") << "running"
                             << "running"
                             << "running" << InstanceStatus::Running;
    QTest::newRow("stopping") << "running"
                              << "stopped"
                              << "stopped" << InstanceStatus::Stopping;
    QTest::newRow("stopped") << "exited"
                             << "stopped"
                             << "stopped" << InstanceStatus::Stopped;
    QTest::newRow("start waits for GPUs") << "exited"
                                          << "running"
                                          << "stopped" << InstanceStatus::Provisioning;
    QTest::newRow("poll trap") << "exited"
                               << "running"
                               << "running" << InstanceStatus::Error;
    QTest::newRow("offline") << "offline"
                             << "running"
                             << "running" << InstanceStatus::Error;
    QTest::newRow("unknown") << "unknown"
                             << "running"
                             << "running" << InstanceStatus::Error;
}

void tst_Vast::statusMapping()
{
    QFETCH(QString, actual);
    QFETCH(QString, intended);
    QFETCH(QString, contract);
    QFETCH(InstanceStatus, status);
    QJsonObject o{
        {QStringLiteral("id"), 9},
        {QStringLiteral("intended_status"), intended},
        {QStringLiteral("cur_state"), contract},
        {QStringLiteral("actual_status"), actual.isEmpty() ? QJsonValue() : QJsonValue(actual)},
        {QStringLiteral("ssh_host"), QStringLiteral("ssh1.vast.invalid")},
        {QStringLiteral("ssh_port"), 2222}};
    QCOMPARE(vast::statusFrom(o), status);
    const Instance i = vast::instanceFrom(o);
    QCOMPARE(i.status, status);
    // An address only while SSH can answer.
    QCOMPARE(i.host.isEmpty(), status != InstanceStatus::Running);
    if (status == InstanceStatus::Error)
        QVERIFY2(i.statusDetail.contains(QLatin1String("destroy it")), qPrintable(i.statusDetail));
}

void tst_Vast::errorMessages_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<ErrorCode>("code");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("bad key")
        << 401 << QByteArray(R"({"success":false,"error":"auth_error","msg":"Invalid user key"})")
        << ErrorCode::Unauthorized << QStringLiteral("check your API key in Settings");
    QTest::newRow("bad key as 404") << 404 << QByteArray(R"({"error":"","msg":"Invalid user key"})")
                                    << ErrorCode::Unauthorized << QStringLiteral("VAST_API_KEY");
    QTest::newRow("not found")
        << 404
        << QByteArray(
               R"({"success":false,"error":"no_such_instance","msg":"Instance with that ID does not exist."})")
        << ErrorCode::NotFound << QStringLiteral("does not exist");
    QTest::newRow("field")
        << 400
        << QByteArray(
               R"({"success":false,"error":"invalid_args","msg":"error 400/3467: Invalid args: 'disk' must be a number"})")
        << ErrorCode::InvalidInput << QStringLiteral("'disk' must be a number");
    QTest::newRow("unprocessable")
        << 422 << QByteArray(R"({"detail":"label: string too long"})") << ErrorCode::InvalidInput
        << QStringLiteral("label: string too long");
    QTest::newRow("offer gone")
        << 404
        << QByteArray(
               R"({"success":false,"error":"invalid_args","msg":"error 404/3603: no_such_ask Instance type by id 7 is not available."})")
        << ErrorCode::NoCapacity << QStringLiteral("another country or GPU");
    QTest::newRow("credit")
        << 402
        << QByteArray(
               R"({"success":false,"error":"insufficient_credit","msg":"Your balance is too low"})")
        << ErrorCode::Forbidden << QStringLiteral("Add credit");
    QTest::newRow("bid")
        << 400
        << QByteArray(
               R"({"success":false,"error":"invalid_price","msg":"Please set a bid price >= 0.001."})")
        << ErrorCode::InvalidInput << QStringLiteral("bid");
    QTest::newRow("429 detail")
        << 429 << QByteArray(R"({"detail":"API requests too frequent endpoint threshold=2.0"})")
        << ErrorCode::RateLimited << QStringLiteral("threshold=2.0");
    QTest::newRow("429 bare") << 429 << QByteArray() << ErrorCode::RateLimited
                              << QStringLiteral("Wait a minute");
    QTest::newRow("server") << 502 << QByteArray("<html>bad gateway</html>")
                            << ErrorCode::ProviderFailure << QStringLiteral("try again");
    QTest::newRow("malformed") << 500 << QByteArray(R"({"success":false,"msg":)")
                               << ErrorCode::ProviderFailure << QStringLiteral("HTTP 500");
    QTest::newRow("server said")
        << 500 << QByteArray(R"({"success":false,"error":"internal","msg":"db timeout"})")
        << ErrorCode::ProviderFailure << QStringLiteral("db timeout");
}

void tst_Vast::errorMessages()
{
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(ErrorCode, code);
    QFETCH(QString, mentions);
    const Error e = vast::errorFrom(response(status, body));
    QCOMPARE(e.code, code);
    QVERIFY2(e.message.contains(mentions, Qt::CaseInsensitive), qPrintable(message(e)));
    QVERIFY(!e.detail.isEmpty() || body.isEmpty());
    // A 2xx that says {"success": false} is the same refusal.
    if (status == 400 && body.contains("\"success\":false")) {
        const std::optional<Error> refused = vast::refusalIn(response(200, body));
        QVERIFY(refused.has_value());
        QCOMPARE(refused->code, code);
    }
}

void tst_Vast::billingRule()
{
    // A $0.80/h instance with a 100 GB disk at $0.30/GB per 30-day month: 1 h running, then
    // stopped for 71 h. Compute bills the running hour; the disk bills all 72 h at Vast's
    // hourly rate (100 × 0.30 / 720 = $0.041667/h → $3.00).
    Instance i;
    i.priceHourly = 0.80;
    i.diskGb = 100;
    i.billing = vast::billingRule(0.30);
    i.createdAt = QDateTime(QDate(2026, 1, 1), QTime(0, 0), QTimeZone::utc());
    i.runIntervals = {{i.createdAt, i.createdAt.addSecs(3600)}};
    i.status = InstanceStatus::Stopped;
    const Cost c = costOf(i, i.createdAt.addSecs(72 * 3600));
    QCOMPARE(c.computeCents, 80);
    QCOMPARE(c.storageCents, 300);
    QCOMPARE(i.billing.granularity, BillingRule::Granularity::Second);
    QVERIFY(!i.billing.stoppedBillsCompute);
    QVERIFY(i.billing.stoppedBillsStorage);
    QVERIFY(!billsCompute(i));
    // Per second: 90 s at $0.80/h is 2 ¢, not a minute's or an hour's worth.
    Instance brief = i;
    brief.runIntervals.clear();
    brief.diskGb = 0;
    QCOMPARE(costOf(brief, brief.createdAt.addSecs(90)).computeCents, 2);
}

void tst_Vast::guardAndCapabilities()
{
    ProviderContext ctx;
    VastProvider p(ctx);
    QCOMPARE(p.id(), QStringLiteral("vast"));
    QCOMPARE(p.displayName(), QStringLiteral("Vast.ai"));
    QVERIFY(p.guardNote().contains(QLatin1String("stop itself")));
    QVERIFY(p.guardNote().contains(QLatin1String("stopped too")));
    QVERIFY(p.spotNote().contains(QLatin1String("bid")));
    const ProviderCapabilities c = p.capabilities();
    QVERIFY(c.launch && c.destroy && c.stopStart && c.spot && c.needsAccount && c.diskSize);
    QVERIFY(!c.stoppedStillBills);
    QVERIFY(p.selfStopCommand().contains(QLatin1String("CONTAINER_API_KEY")));
    QCOMPARE(p.rest().rateLimiter().limit(QStringLiteral("default")).requests, 2);
    QCOMPARE(p.rest().rateLimiter().limit(QStringLiteral("default")).windowMs, 1000);
    QCOMPARE(p.rest().rateLimiter().limit(QStringLiteral("create")).requests, 1);
    QCOMPARE(p.rest().rateLimiter().limit(QStringLiteral("create")).windowMs, 5000);
    QVERIFY(!p.hasCredential());
    const auto none = wait<QList<Instance>>([&](auto done) { p.listInstances(done); });
    QVERIFY(none.ok() && none.value().isEmpty());
    // Without a key a launch says where to put one.
    const auto refused = wait<Instance>([&](auto done) { p.launch(request(), done); });
    QVERIFY(!refused.ok());
    QCOMPARE(refused.error().code, ErrorCode::Unauthorized);
    QVERIFY(refused.error().message.contains(QLatin1String("Settings")));
    // Registered once, under the id Settings and the CLI use.
    bool registered = false;
    for (const auto& e : ProviderRegistry::builtin().entries())
        registered = registered ||
                     (e.id == QLatin1String("vast") && e.displayName == QLatin1String("Vast.ai"));
    QVERIFY(registered);
}

void tst_Vast::selfStopCommandRuns_data()
{
    QTest::addColumn<QString>("tool");
    QTest::addColumn<QStringList>("expected");
    const QString url = VastProvider::selfStopApi() + QStringLiteral("4242/");
    QTest::newRow("curl") << QStringLiteral("curl")
                          << QStringList{QStringLiteral("PUT"),
                                         QStringLiteral("Authorization: Bearer scoped key"),
                                         QStringLiteral(R"({"state":"stopped"})"), url};
    QTest::newRow("vastai") << QStringLiteral("vastai")
                            << QStringList{QStringLiteral("stop"), QStringLiteral("instance"),
                                           QStringLiteral("4242"), QStringLiteral("--api-key"),
                                           QStringLiteral("scoped key")};
    QTest::newRow("python3") << QStringLiteral("python3")
                             << QStringList{QStringLiteral("U=") + url,
                                            QStringLiteral("K=scoped key"),
                                            QStringLiteral("method='PUT'")};
}

void tst_Vast::selfStopCommandRuns()
{
    // The watchdog runs the command with `sh -c` on the instance. Here it runs against stubs of
    // curl, vastai and python3 (one at a time, the only one on PATH) that record how they were
    // called, with the container's variables set as Vast sets them.
    QFETCH(QString, tool);
    QFETCH(QStringList, expected);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString bin = dir.path() + QStringLiteral("/bin");
    QVERIFY(QDir().mkpath(bin));
    for (const char* needed : {"printenv", "tr", "sed", "head"}) {
        const QString real = QStandardPaths::findExecutable(QLatin1String(needed));
        QVERIFY2(!real.isEmpty(), needed);
        QVERIFY(QFile::link(real, bin + QLatin1Char('/') + QLatin1String(needed)));
    }
    const QString out = dir.path() + QStringLiteral("/called");
    QFile stub(bin + QLatin1Char('/') + tool);
    QVERIFY(stub.open(QIODevice::WriteOnly));
    stub.write("#!/bin/sh\n{ printf '%s\\n' \"$@\"; printf 'U=%s\\nK=%s\\n' \"$U\" \"$K\"; } > "
               "\"$OUT\"\n");
    stub.close();
    QVERIFY(stub.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                QFileDevice::ExeOwner));

    ProviderContext ctx;
    VastProvider p(ctx);
    QProcess sh;
    QProcessEnvironment env;
    env.insert(QStringLiteral("PATH"), bin);
    env.insert(QStringLiteral("OUT"), out);
    env.insert(QStringLiteral("CONTAINER_ID"), QStringLiteral("4242"));
    env.insert(QStringLiteral("CONTAINER_API_KEY"), QStringLiteral("scoped key"));
    sh.setProcessEnvironment(env);
    sh.start(QStringLiteral("/bin/sh"), {QStringLiteral("-c"), p.selfStopCommand()});
    QVERIFY(sh.waitForFinished(10000));
    QVERIFY2(sh.exitCode() == 0, sh.readAllStandardError().constData());
    const QString called = QString::fromUtf8(gpudeck::test::readFile(out));
    for (const QString& e : expected)
        QVERIFY2(called.contains(e), qPrintable(e + QStringLiteral(" not in:\n") + called));
}

void tst_Vast::fullFlow()
{
    startFake();
    m_fake->setPollsPerStep(2);
    m_fake->setSsh(QStringLiteral("127.0.0.1"), 34446);
    m_fake->server().inject(
        {FakeHttpFault::Kind::Status, "GET", QStringLiteral("/api/v0/instances/"), 429, {}, 1});
    m_fake->server().inject(
        {FakeHttpFault::Kind::Status, "GET", QStringLiteral("/api/v0/instances/"), 429, "1", 1});
    m_fake->server().inject(
        {FakeHttpFault::Kind::Status, "GET", QStringLiteral("/api/v0/instances/"), 500, {}, 1});
    m_fake->server().inject(
        {FakeHttpFault::Kind::Status, "POST", QStringLiteral("/api/v0/bundles"), 429, {}, 1});

    const auto who = wait<QString>([&](auto done) { m_provider->checkCredential(done); });
    QVERIFY2(who.ok(), qPrintable(who.ok() ? QString() : message(who.error())));
    QVERIFY(who.value().contains(QLatin1String("ada@example.org")));
    QVERIFY(who.value().contains(QLatin1String("$42.50")));

    const auto cat = wait<Catalog>([&](auto done) { m_provider->fetchCatalog(done); });
    QVERIFY2(cat.ok(), qPrintable(cat.ok() ? QString() : message(cat.error())));
    const QList<Plan>& plans = cat.value().plans;
    QCOMPARE(plans.size(), 3); // 1x and 2x RTX 4090, 8x H100 SXM
    QCOMPARE(plans.first().id, QStringLiteral("RTX 4090|1"));
    QCOMPARE(plans.first().regions,
             (QStringList{QStringLiteral("SE"), QStringLiteral("US")})); // Ohio's 0.90 left out
    QVERIFY(plans.first().onDemandHourly < 0.31);                        // Stockholm's 0.30
    QVERIFY(cat.value().images.first().cudaReady);
    QCOMPARE(cat.value().images.first().id, VastProvider::defaultImage());
    QCOMPARE(cat.value().regions.size(), 3);                                        // CA, SE, US
    QCOMPARE(m_fake->server().count("POST", QStringLiteral("/api/v0/bundles")), 2); // one 429

    const LaunchRequest req = request();
    const auto launched = wait<Instance>([&](auto done) { m_provider->launch(req, done); });
    QVERIFY2(launched.ok(), qPrintable(launched.ok() ? QString() : message(launched.error())));
    const Instance first = launched.value();
    QCOMPARE(first.provider, QStringLiteral("vast"));
    QCOMPARE(first.name, QStringLiteral("my training box"));
    QVERIFY(first.status == InstanceStatus::Provisioning ||
            first.status == InstanceStatus::Booting);
    QCOMPARE(m_fake->lastOffer(), 102); // the cheapest reliable 1x RTX 4090 in the US
    QCOMPARE(first.priceHourly, 0.35);
    QCOMPARE(first.region, QStringLiteral("US"));
    QCOMPARE(first.diskGb, 80.0);
    QCOMPARE(m_fake->keys().size(), 1); // the app's key, registered before the create
    QCOMPARE(m_fake->keys().first()[QStringLiteral("key")].toString(), kKey);
    const QJsonObject sent = m_fake->lastCreate();
    QCOMPARE(sent[QStringLiteral("image")].toString(), VastProvider::defaultImage());
    QCOMPARE(sent[QStringLiteral("disk")].toDouble(), 80.0);
    QCOMPARE(sent[QStringLiteral("runtype")].toString(), QStringLiteral("ssh_direct"));
    QCOMPARE(sent[QStringLiteral("target_state")].toString(), QStringLiteral("running"));
    QVERIFY(sent[QStringLiteral("cancel_unavail")].toBool());
    QVERIFY(!sent.contains(QStringLiteral("price")));
    QVERIFY(vast::carriesToken(m_fake->instance(first.id), req.clientToken));
    QVERIFY(!vast::carriesToken(m_fake->instance(first.id), QStringLiteral("another")));

    Instance now = pollUntilRunning(first.id);
    QCOMPARE(now.status, InstanceStatus::Running);
    QCOMPARE(now.host, QStringLiteral("127.0.0.1"));
    QCOMPARE(now.sshPort, 34446); // the host port of the container's 22/tcp
    QCOMPARE(now.user, QStringLiteral("root"));

    const auto stopped = wait<Instance>([&](auto done) { m_provider->stop(first.id, done); });
    QVERIFY2(stopped.ok(), qPrintable(stopped.ok() ? QString() : message(stopped.error())));
    QCOMPARE(stopped.value().status, InstanceStatus::Stopped);
    QVERIFY(stopped.value().host.isEmpty());
    QVERIFY(stopped.value().billing.stoppedBillsStorage);
    QVERIFY(stopped.value().billing.storageUsdPerGbMonth > 0);
    const auto started = wait<Instance>([&](auto done) { m_provider->start(first.id, done); });
    QVERIFY2(started.ok(), qPrintable(started.ok() ? QString() : message(started.error())));
    QVERIFY(started.value().status == InstanceStatus::Provisioning ||
            started.value().status == InstanceStatus::Booting);
    QCOMPARE(pollUntilRunning(first.id).status, InstanceStatus::Running);

    // A second launch finds the key registered and does not add it again.
    const auto second = wait<Instance>([&](auto done) {
        m_provider->launch(
            request(vast::planId(QStringLiteral("RTX 4090"), 2), QStringLiteral("CA")), done);
    });
    QVERIFY2(second.ok(), qPrintable(second.ok() ? QString() : message(second.error())));
    QCOMPARE(m_fake->keys().size(), 1);
    QCOMPARE(m_fake->lastOffer(), 202);
    QCOMPARE(m_fake->lastCreate()[QStringLiteral("runtype")].toString(),
             QStringLiteral("ssh_proxy"));
    const Instance proxied = pollUntilRunning(second.value().id);
    QCOMPARE(proxied.status, InstanceStatus::Running);
    QCOMPARE(proxied.host, QStringLiteral("ssh7.vast.invalid")); // no direct port: Vast's proxy
    QCOMPARE(proxied.sshPort, 27001);

    const auto listed = wait<QList<Instance>>([&](auto done) { m_provider->listInstances(done); });
    QVERIFY(listed.ok());
    QCOMPARE(listed.value().size(), 2);

    for (const QString& id : {first.id, second.value().id}) {
        m_fake->server().inject({FakeHttpFault::Kind::Status, "DELETE", {}, 503, {}, 1});
        const auto gone = waitVoid([&](auto done) { m_provider->destroy(id, done); });
        QVERIFY2(gone.ok(), qPrintable(gone.ok() ? QString() : message(gone.error())));
        const auto confirm = wait<Instance>([&](auto done) { m_provider->getInstance(id, done); });
        QVERIFY(!confirm.ok());
        QCOMPARE(confirm.error().code, ErrorCode::NotFound);
    }
    QCOMPARE(m_fake->instanceCount(), 0);
    // Destroying again (a resend whose first attempt went through) is still "gone".
    QVERIFY(waitVoid([&](auto done) { m_provider->destroy(first.id, done); }).ok());
}

void tst_Vast::listPagesThrough()
{
    startFake();
    m_fake->setPageSize(2);
    QJsonArray market;
    for (int i = 0; i < 5; ++i)
        market.append(FakeVast::offer(900 + i, QStringLiteral("RTX 4090"), 1, 0.3 + i * 0.01,
                                      QStringLiteral("Texas, US")));
    m_fake->setOffers(market);
    QStringList tokens;
    for (int i = 0; i < 5; ++i) {
        const LaunchRequest r = request();
        tokens << r.clientToken;
        QVERIFY(wait<Instance>([&](auto done) { m_provider->launch(r, done); }).ok());
    }
    m_fake->server().clearRequests();
    const auto listed = wait<QList<Instance>>([&](auto done) { m_provider->listInstances(done); });
    QVERIFY2(listed.ok(), qPrintable(listed.ok() ? QString() : message(listed.error())));
    QCOMPARE(listed.value().size(), 5);
    QCOMPARE(m_fake->server().count("GET", QStringLiteral("/api/v1/instances")), 3); // 2 + 2 + 1
    QStringList ids;
    for (const Instance& i : listed.value())
        ids << i.id;
    ids.removeDuplicates();
    QCOMPARE(ids.size(), 5);

    // A cursor that hands out the same page again ends the paging, and nothing is listed twice.
    m_fake->setStuckCursor(true);
    m_fake->server().clearRequests();
    const auto stuck = wait<QList<Instance>>([&](auto done) { m_provider->listInstances(done); });
    QVERIFY(stuck.ok());
    QCOMPARE(stuck.value().size(), 2); // the first page's two, once each
    QCOMPARE(m_fake->server().count("GET", QStringLiteral("/api/v1/instances")), 2);
    QVERIFY(stuck.value().at(0).id != stuck.value().at(1).id);
}

void tst_Vast::spotLaunchBidsMinimum()
{
    startFake();
    LaunchRequest req = request();
    req.spot = true;
    const auto r = wait<Instance>([&](auto done) { m_provider->launch(req, done); });
    QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : message(r.error())));
    // The lowest bid among reliable US offers: Oregon's (min_bid 0.175 → 0.175).
    QCOMPARE(m_fake->lastOffer(), 102);
    QCOMPARE(m_fake->lastCreate()[QStringLiteral("price")].toDouble(), 0.175);
    QVERIFY(!m_fake->lastCreate().contains(QStringLiteral("cancel_unavail")));
    QCOMPARE(r.value().priceHourly, 0.175);
    QVERIFY(m_fake->instance(r.value().id)[QStringLiteral("is_bid")].toBool());
}

void tst_Vast::launchSurvivesDroppedConnection()
{
    startFake();
    m_fake->server().inject(
        {FakeHttpFault::Kind::DropAfterHandle, "PUT", QStringLiteral("/api/v0/asks/"), 0, {}, 1});
    const LaunchRequest req = request();
    const auto r = wait<Instance>([&](auto done) { m_provider->launch(req, done); });
    QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : message(r.error())));
    QCOMPARE(m_fake->instanceCount(), 1); // found by its token, not created again
    QCOMPARE(m_fake->server().count("PUT", QStringLiteral("/api/v0/asks/")), 1);
    QVERIFY(vast::carriesToken(m_fake->instance(r.value().id), req.clientToken));
    QCOMPARE(r.value().name, QStringLiteral("my training box"));
}

void tst_Vast::launchLostWhileTheListLags()
{
    // The answer to the accept is lost, and the list GPUDeck checks does not show the new
    // instance yet (an empty page): the resend finds the offer rented (by this very launch).
    // The instance exists and bills, so the launch must answer it, not "no offer".
    startFake();
    m_fake->server().inject(
        {FakeHttpFault::Kind::DropAfterHandle, "PUT", QStringLiteral("/api/v0/asks/"), 0, {}, 1});
    m_fake->server().inject(
        {FakeHttpFault::Kind::Status, "GET", QStringLiteral("/api/v1/instances"), 200, {}, 1});
    const LaunchRequest req = request();
    const auto r = wait<Instance>([&](auto done) { m_provider->launch(req, done); });
    QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : message(r.error())));
    QCOMPARE(m_fake->instanceCount(), 1);
    QCOMPARE(m_fake->server().count("PUT", QStringLiteral("/api/v0/asks/")), 2);
    QVERIFY(vast::carriesToken(m_fake->instance(r.value().id), req.clientToken));
}

void tst_Vast::launchAfter500IsCheckedFirst()
{
    startFake();
    m_fake->server().inject(
        {FakeHttpFault::Kind::Status, "PUT", QStringLiteral("/api/v0/asks/"), 500, {}, 1});
    const auto r = wait<Instance>([&](auto done) { m_provider->launch(request(), done); });
    QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : message(r.error())));
    QCOMPARE(m_fake->instanceCount(), 1);
    QCOMPARE(m_fake->server().count("PUT", QStringLiteral("/api/v0/asks/")), 2);
    QVERIFY(m_fake->server().count("GET", QStringLiteral("/api/v1/instances")) >= 1);

    m_fake->server().inject(
        {FakeHttpFault::Kind::Status, "PUT", QStringLiteral("/api/v0/asks/"), 500, {}, 5});
    m_fake->server().clearRequests();
    const auto bad = wait<Instance>([&](auto done) { m_provider->launch(request(), done); });
    QVERIFY(!bad.ok());
    QCOMPARE(m_fake->server().count("PUT", QStringLiteral("/api/v0/asks/")), 2);
    QCOMPARE(m_fake->instanceCount(), 1);
    QVERIFY2(bad.error().message.contains(QLatin1String("no machine was created")),
             qPrintable(bad.error().message));
}

void tst_Vast::launchMalformedAnswer()
{
    startFake();
    m_fake->server().inject(
        {FakeHttpFault::Kind::MalformedBody, "PUT", QStringLiteral("/api/v0/asks/"), 0, {}, 1});
    const auto r = wait<Instance>([&](auto done) { m_provider->launch(request(), done); });
    QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : message(r.error())));
    QCOMPARE(m_fake->instanceCount(), 1);
    QCOMPARE(m_fake->server().count("PUT", QStringLiteral("/api/v0/asks/")), 1);
}

void tst_Vast::refusalsAreClear()
{
    startFake();
    // No such GPU in that country: said before anything is rented.
    const auto none = wait<Instance>([&](auto done) {
        m_provider->launch(
            request(vast::planId(QStringLiteral("H100 SXM"), 8), QStringLiteral("SE")), done);
    });
    QVERIFY(!none.ok());
    QCOMPARE(none.error().code, ErrorCode::NoCapacity);
    QVERIFY2(none.error().message.contains(QLatin1String("Sweden")),
             qPrintable(none.error().message));
    QCOMPARE(m_fake->server().count("PUT", QStringLiteral("/api/v0/asks/")), 0);

    // Rented by someone else between the search and the accept.
    m_fake->takeOnAccept(102);
    const auto taken = wait<Instance>([&](auto done) { m_provider->launch(request(), done); });
    QVERIFY(!taken.ok());
    QCOMPARE(taken.error().code, ErrorCode::NoCapacity);
    QVERIFY2(taken.error().message.contains(QLatin1String("Launch again")),
             qPrintable(message(taken.error())));
    QCOMPARE(m_fake->server().count("PUT", QStringLiteral("/api/v0/asks/")),
             1); // final: not resent
    QCOMPARE(m_fake->instanceCount(), 0);

    // No credit: Vast answers 200 with success false.
    m_fake->setNoCredit(true);
    const auto broke = wait<Instance>([&](auto done) { m_provider->launch(request(), done); });
    QVERIFY(!broke.ok());
    QCOMPARE(broke.error().code, ErrorCode::Forbidden);
    QVERIFY2(broke.error().message.contains(QLatin1String("Add credit")),
             qPrintable(broke.error().message));
    QCOMPARE(m_fake->instanceCount(), 0);
    m_fake->setNoCredit(false);

    LaunchRequest bad = request();
    bad.planId = QStringLiteral("not-a-plan");
    const auto b = wait<Instance>([&](auto done) { m_provider->launch(bad, done); });
    QVERIFY(!b.ok());
    QCOMPARE(b.error().code, ErrorCode::InvalidInput);
    LaunchRequest keyless = request();
    keyless.sshPublicKeys.clear();
    const auto k = wait<Instance>([&](auto done) { m_provider->launch(keyless, done); });
    QVERIFY(!k.ok());
    QCOMPARE(k.error().code, ErrorCode::InvalidInput);
    QCOMPARE(m_fake->instanceCount(), 0);

    // Stopping an instance that is gone.
    const auto gone =
        wait<Instance>([&](auto done) { m_provider->stop(QStringLiteral("9999"), done); });
    QVERIFY(!gone.ok());
    QCOMPARE(gone.error().code, ErrorCode::NotFound);
}

void tst_Vast::badToken()
{
    startFake();
    m_provider->setCredential(QStringLiteral("wrong"));
    const auto who = wait<QString>([&](auto done) { m_provider->checkCredential(done); });
    QVERIFY(!who.ok());
    QCOMPARE(who.error().code, ErrorCode::Unauthorized);
    QVERIFY(who.error().message.contains(QStringLiteral("Settings → Accounts")));
    const auto listed = wait<QList<Instance>>([&](auto done) { m_provider->listInstances(done); });
    QVERIFY(!listed.ok());
    QCOMPARE(listed.error().code, ErrorCode::Unauthorized);
    m_provider->setCredential(QStringLiteral("good-key"));
    QVERIFY(wait<QString>([&](auto done) { m_provider->checkCredential(done); }).ok());
}

QTEST_GUILESS_MAIN(tst_Vast)
#include "tst_vast.moc"
