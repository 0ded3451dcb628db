// Google Compute Engine: the service-account JWT checked by an independent verifier (the openssl
// CLI), key sources, replay of libcloud's recorded GCE JSON through the parsers, Google error
// bodies and operation errors → messages, the bundled price table against libcloud's, the
// billing rule, the requests against the published API description (Prism on the OpenAPI
// conversion), and the whole client against a stateful fake on loopback that checks every
// assertion and access token the way Google does: catalog → launch (on-demand and spot) →
// RUNNING with an external address → stop → start → delete, with 429s, capacity errors, a
// revoked token, a wrong key and the shared launch faults. Prices from the Cloud Billing
// Catalog API's SKUs (the fake serves them over two pages to one API key) where they cover a
// plan, the table's elsewhere and whenever the API fails.
#include "asyncwait.h"
#include "billing.h"
#include "fakegce.h"
#include "gce/gceapi.h"
#include "gce/gceprovider.h"
#include "gce/serviceaccount.h"
#include "launchfaults.h"
#include "prismmock.h"
#include "testenv.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QtTest>

using namespace gpudeck;
using gpudeck::test::FakeGce;
using gpudeck::test::FakeHttpFault;
using gpudeck::test::message;
using gpudeck::test::response;
using gpudeck::test::wait;
using gpudeck::test::waitVoid;

namespace {

const QString kKey = QStringLiteral(
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGpudGVzdGtleWdwdWRlY2tnY2VnY2VnY2VnY2U gpudeck");
const QString kT4 = QStringLiteral("n1-standard-8+1xnvidia-tesla-t4");

QJsonObject fixture(const QString& name)
{
    return QJsonDocument::fromJson(
               gpudeck::test::readFile(gpudeck::test::sharedDir() +
                                       QStringLiteral("/providers/libcloud-fixtures/gce/") + name))
        .object();
}

#define VERIFY_OK(r) QVERIFY2((r).ok(), qPrintable((r).ok() ? QString() : message((r).error())))

} // namespace

class tst_Gce final : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void jwtVerifiedByOpenssl();
    void keySources();
    void replayLibcloud();
    void errorMessages_data();
    void errorMessages();
    void operationErrors();
    void priceTableMatchesLibcloud();
    void billingRule();
    void namesAndRequestIds();
    void catalogWithoutAccount();
    void billingSkuParsing();
    void billingPricesCatalog();
    void billingFailuresKeepTable_data();
    void billingFailuresKeepTable();
    void contractAgainstPrism();
    void fullFlowOnDemand();
    void spotFlow();
    void capacityAndThrottling();
    void tokenCachedAndRefreshed();
    void wrongKeyIsRejected();
    void requestIdMakesOneVm();
    void launchSurvivesDroppedConnection();
    void launchAfter500IsCheckedFirst();
    void launchMalformedAnswer();
    void cleanupTestCase();

private:
    std::unique_ptr<gpudeck::test::IsolatedEnvironment> m_env;
    std::unique_ptr<FakeGce> m_fake;
    std::unique_ptr<GceProvider> m_provider;
    void startFake();
    [[nodiscard]] LaunchRequest
    request(bool spot = false, const QString& zone = QStringLiteral("us-central1-a")) const;
    Instance pollUntil(const QString& id, InstanceStatus status);
    test::LaunchFaults faults();
};

void tst_Gce::initTestCase()
{
    m_env = std::make_unique<gpudeck::test::IsolatedEnvironment>();
    for (const char* v : {"GOOGLE_APPLICATION_CREDENTIALS", "GPUDECK_OAUTH_TOKEN_URL",
                          "CLOUDSDK_COMPUTE_ZONE", "GPUDECK_API_BASE_GCE_CHECKIP",
                          "GPUDECK_GCE_BILLING_API_KEY", "GPUDECK_API_BASE_GCE_BILLING"})
        qunsetenv(v);
}

void tst_Gce::cleanupTestCase()
{
    m_provider.reset();
    m_fake.reset();
    for (const char* v :
         {"GPUDECK_API_BASE_GCE", "GPUDECK_OAUTH_TOKEN_URL", "GPUDECK_API_BASE_GCE_CHECKIP",
          "GPUDECK_GCE_BILLING_API_KEY", "GPUDECK_API_BASE_GCE_BILLING"})
        qunsetenv(v);
}

void tst_Gce::startFake()
{
    m_provider.reset();
    m_fake = std::make_unique<FakeGce>();
    QVERIFY(m_fake->listen());
    qputenv("GPUDECK_API_BASE_GCE", m_fake->baseUrl().toUtf8());
    qputenv("GPUDECK_OAUTH_TOKEN_URL", m_fake->tokenUrl().toUtf8());
    qputenv("GPUDECK_API_BASE_GCE_CHECKIP", m_fake->checkIpUrl().toUtf8());
    ProviderContext ctx;
    ctx.cacheDir = m_env->path() + QStringLiteral("/cache/gce");
    m_provider = std::make_unique<GceProvider>(ctx);
    m_provider->setBackoffBaseMs(20);
    m_provider->setCredential(QString::fromUtf8(m_fake->serviceAccountJson()));
    QVERIFY(m_provider->hasCredential());
}

LaunchRequest tst_Gce::request(bool spot, const QString& zone) const
{
    LaunchRequest r;
    r.planId = kT4;
    r.region = zone;
    r.name = QStringLiteral("My training box");
    r.sshPublicKeys = {kKey};
    r.diskGb = 150;
    r.spot = spot;
    r.clientToken = QUuid::createUuid().toString(QUuid::WithoutBraces);
    return r;
}

Instance tst_Gce::pollUntil(const QString& id, InstanceStatus status)
{
    Instance now;
    for (int i = 0; i < 20; ++i) {
        const auto got = wait<Instance>([&](auto done) { m_provider->getInstance(id, done); });
        if (!got.ok())
            return now;
        now = got.value();
        if (now.status == status)
            break;
    }
    return now;
}

test::LaunchFaults tst_Gce::faults()
{
    return {m_provider.get(), &m_fake->server(),
            QStringLiteral("/compute/v1/projects/gpudeck-test/zones/us-central1-a/instances"),
            [this] { return request(); }, [this] { return m_fake->instanceCount(); }};
}

void tst_Gce::jwtVerifiedByOpenssl()
{
    const QString openssl = QStandardPaths::findExecutable(QStringLiteral("openssl"));
    if (openssl.isEmpty())
        QSKIP("the openssl command is not installed (Debian package openssl)");
    FakeGce google;
    const Result<gce::ServiceAccountKey> key = gce::parseKey(google.serviceAccountJson());
    VERIFY_OK(key);
    const QDateTime at = QDateTime::currentDateTimeUtc();
    const QString aud = QStringLiteral("https://oauth2.googleapis.com/token");
    const Result<QByteArray> jwt = gce::makeAssertion(key.value(), aud, at);
    VERIFY_OK(jwt);
    const QList<QByteArray> parts = jwt.value().split('.');
    QCOMPARE(parts.size(), 3);
    const auto decode = [](const QByteArray& b) {
        return QByteArray::fromBase64(b, QByteArray::Base64UrlEncoding |
                                             QByteArray::OmitTrailingEquals);
    };
    for (const QByteArray& p : parts)
        QVERIFY2(!p.contains('=') && !p.contains('+') && !p.contains('/'), p.constData());
    const QJsonObject header = QJsonDocument::fromJson(decode(parts.at(0))).object();
    const QJsonObject claims = QJsonDocument::fromJson(decode(parts.at(1))).object();
    QCOMPARE(header.value(QStringLiteral("alg")).toString(), QStringLiteral("RS256"));
    QCOMPARE(header.value(QStringLiteral("typ")).toString(), QStringLiteral("JWT"));
    QCOMPARE(header.value(QStringLiteral("kid")).toString(), QStringLiteral("0123456789abcdef"));
    QCOMPARE(claims.value(QStringLiteral("iss")).toString(), google.clientEmail());
    QCOMPARE(claims.value(QStringLiteral("aud")).toString(), aud);
    QCOMPARE(claims.value(QStringLiteral("scope")).toString(),
             QStringLiteral("https://www.googleapis.com/auth/compute"));
    QCOMPARE(claims.value(QStringLiteral("iat")).toInteger(), at.toSecsSinceEpoch());
    QCOMPARE(claims.value(QStringLiteral("exp")).toInteger(), at.toSecsSinceEpoch() + 3600);

    // The openssl command, not our code, checks the RS256 signature with the public key.
    QTemporaryDir dir;
    QVERIFY(
        gpudeck::test::writeFile(dir.filePath(QStringLiteral("pub.pem")), google.publicKeyPem()));
    QVERIFY(gpudeck::test::writeFile(dir.filePath(QStringLiteral("input")),
                                     parts.at(0) + '.' + parts.at(1)));
    QVERIFY(gpudeck::test::writeFile(dir.filePath(QStringLiteral("sig")), decode(parts.at(2))));
    const auto verify = [&](const QString& input) {
        QProcess p;
        p.start(openssl,
                {QStringLiteral("dgst"), QStringLiteral("-sha256"), QStringLiteral("-verify"),
                 dir.filePath(QStringLiteral("pub.pem")), QStringLiteral("-signature"),
                 dir.filePath(QStringLiteral("sig")), dir.filePath(input)});
        p.waitForFinished(20000);
        return QString::fromUtf8(p.readAllStandardOutput()).trimmed();
    };
    QCOMPARE(verify(QStringLiteral("input")), QStringLiteral("Verified OK"));
    // One changed claim byte and the same signature no longer verifies.
    QByteArray tampered = parts.at(0) + '.' + parts.at(1);
    tampered[tampered.size() - 2] = tampered.at(tampered.size() - 2) == 'A' ? 'B' : 'A';
    QVERIFY(gpudeck::test::writeFile(dir.filePath(QStringLiteral("tampered")), tampered));
    QVERIFY(verify(QStringLiteral("tampered")) != QLatin1String("Verified OK"));
}

void tst_Gce::keySources()
{
    FakeGce google;
    const QByteArray json = google.serviceAccountJson();
    const Result<gce::ServiceAccountKey> pasted = gce::keyFromStored(QString::fromUtf8(json));
    VERIFY_OK(pasted);
    QCOMPARE(pasted.value().projectId, QStringLiteral("gpudeck-test"));
    QCOMPARE(pasted.value().clientEmail, google.clientEmail());

    const QString file = m_env->path() + QStringLiteral("/key.json");
    QVERIFY(google.writeKeyFile(file));
    QVERIFY(gce::keyFromStored(file).ok());
    qputenv("GOOGLE_APPLICATION_CREDENTIALS", file.toUtf8());
    const Result<gce::ServiceAccountKey> env = gce::keyFromEnvironment();
    VERIFY_OK(env);
    QCOMPARE(env.value().source, QStringLiteral("GOOGLE_APPLICATION_CREDENTIALS"));
    {
        // The provider finds it itself, as gpudeck-cli needs.
        GceProvider p(ProviderContext{});
        QVERIFY(p.hasCredential());
        QCOMPARE(p.projectId(), QStringLiteral("gpudeck-test"));
    }
    qunsetenv("GOOGLE_APPLICATION_CREDENTIALS");
    QVERIFY(!GceProvider(ProviderContext{}).hasCredential());

    QCOMPARE(gce::tokenUrl(pasted.value()), google.tokenUrl()); // the key's token_uri
    qputenv("GPUDECK_OAUTH_TOKEN_URL", "http://127.0.0.1:1/token");
    QCOMPARE(gce::tokenUrl(pasted.value()), QStringLiteral("http://127.0.0.1:1/token"));
    qunsetenv("GPUDECK_OAUTH_TOKEN_URL");

    const Result<gce::ServiceAccountKey> junk = gce::keyFromStored(QStringLiteral("{not json"));
    QVERIFY(!junk.ok());
    QVERIFY2(junk.error().message.contains(QLatin1String("service account")),
             qPrintable(junk.error().message));
    const Result<gce::ServiceAccountKey> user = gce::parseKey(R"({"type":"authorized_user"})");
    QVERIFY(!user.ok());
    QVERIFY(user.error().message.contains(QLatin1String("authorized_user")));
    QVERIFY(!gce::keyFromStored(m_env->path() + QStringLiteral("/missing.json")).ok());
    // A key whose private_key is not RSA PEM cannot sign, and says so.
    gce::ServiceAccountKey broken = pasted.value();
    broken.privateKeyPem = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    QVERIFY(!gce::makeAssertion(broken, google.tokenUrl(), QDateTime::currentDateTimeUtc()).ok());
}

void tst_Gce::replayLibcloud()
{
    GPUDECK_REQUIRE_SHARED(shared);
    const Instance node =
        gce::instanceFrom(fixture(QStringLiteral("zones_us-central1-a_instances_node-name.json")));
    QCOMPARE(node.provider, QStringLiteral("gce"));
    QCOMPARE(node.id, QStringLiteral("us-central1-a/node-name"));
    QCOMPARE(node.region, QStringLiteral("us-central1-a"));
    QCOMPARE(node.status, InstanceStatus::Running);
    QCOMPARE(node.host, QStringLiteral("23.236.58.15"));
    QCOMPARE(node.planId, QStringLiteral("n1-standard-1"));
    QCOMPARE(node.user, QStringLiteral("gpudeck"));
    QCOMPARE(node.sshPort, 22);
    QVERIFY(node.createdAt.isValid());
    QCOMPARE(gce::splitId(node.id),
             std::make_pair(QStringLiteral("us-central1-a"), QStringLiteral("node-name")));

    const Instance stopped = gce::instanceFrom(
        fixture(QStringLiteral("zones_us_central1_a_instances_stopped_node.json")));
    QCOMPARE(stopped.status, InstanceStatus::Stopped); // GCE's TERMINATED: stopped, disks kept

    const QJsonArray all = gce::flattenAggregated(
        fixture(QStringLiteral("aggregated_instances.json")), QStringLiteral("instances"));
    QCOMPARE(all.size(), 8);
    for (const QJsonValue& v : all) {
        const Instance i = gce::instanceFrom(v.toObject());
        QVERIFY(i.id.contains(QLatin1Char('/')));
        QVERIFY(i.status != InstanceStatus::Error);
    }

    // A K80 zone from the recorded accelerator type: a zone, though not a plan of the table.
    const QJsonArray k80{
        fixture(QStringLiteral("zones_us_central1_a_acceleratorTypes_nvidia_tesla_k80.json"))};
    QCOMPARE(gce::zonesFrom(k80).size(), 0);
    QJsonObject t4 = k80.first().toObject();
    t4.insert(QStringLiteral("name"), QStringLiteral("nvidia-tesla-t4"));
    const QList<Region> zones = gce::zonesFrom(QJsonArray{t4});
    QCOMPARE(zones.size(), 1);
    QCOMPARE(zones.first().id, QStringLiteral("us-central1-a"));
    QCOMPARE(zones.first().name, QStringLiteral("us-central1-a (Iowa)"));

    const QJsonArray machines = gce::flattenAggregated(
        fixture(QStringLiteral("aggregated_machineTypes.json")), QStringLiteral("machineTypes"));
    QCOMPARE(machines.size(), 100);
    const QList<Plan> plans = gce::plansFrom(QJsonArray{t4}, {}, QDateTime::currentDateTimeUtc());
    QCOMPARE(plans.size(), gce::offerTable().size());
    const auto t4plan =
        std::find_if(plans.begin(), plans.end(), [](const Plan& p) { return p.id == kT4; });
    QVERIFY(t4plan != plans.end());
    QCOMPARE(t4plan->vcpus, 8);
    QCOMPARE(t4plan->ramGb, 30.0);
    QCOMPARE(t4plan->regions, QStringList{QStringLiteral("us-central1-a")});
    QVERIFY(t4plan->available);
    // The recorded zones (2013) have no n1-standard-8: a GPU alone does not make a plan there.
    const QList<Plan> recorded =
        gce::plansFrom(QJsonArray{t4}, machines, QDateTime::currentDateTimeUtc());
    const auto t4recorded =
        std::find_if(recorded.begin(), recorded.end(), [](const Plan& p) { return p.id == kT4; });
    QVERIFY(t4recorded != recorded.end());
    QVERIFY(t4recorded->regions.isEmpty());
    QVERIFY(!t4recorded->available);
    const QList<Image> debian =
        gce::imagesFrom(fixture(QStringLiteral("projects_debian-cloud_global_images.json"))
                            .value(QStringLiteral("items"))
                            .toArray());
    QCOMPARE(debian.size(), 2); // the deprecated ones are left out
    QVERIFY(debian.first().id.startsWith(QLatin1String("projects/debian-cloud/global/images/")));
    QVERIFY(!debian.first().cudaReady);

    const QJsonObject op =
        fixture(QStringLiteral("operations_operation_zones_us-central1-a_instances_post.json"));
    QVERIFY(gce::operationDone(op));
    QVERIFY(!gce::operationError(op));
    const std::optional<Error> exists = gce::operationError(
        fixture(QStringLiteral("operations_operation_zones_europe-west1-a_instances_post.json")));
    QVERIFY(exists);
    QCOMPARE(exists->code, ErrorCode::Conflict);
    const Error notFound = gce::errorFrom(response(
        404,
        gpudeck::test::readFile(shared + QStringLiteral("/providers/libcloud-fixtures/gce/"
                                                        "global_images_family_notfound.json"))));
    QCOMPARE(notFound.code, ErrorCode::NotFound);
    QVERIFY(notFound.message.contains(QLatin1String("coreos-stable")));
}

void tst_Gce::errorMessages_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<ErrorCode>("code");
    QTest::addColumn<QString>("mentions");
    const auto body = [](int code, const char* reason, const char* msg) -> QByteArray {
        return QByteArray(R"({"error":{"code":)") + QByteArray::number(code) + R"(,"message":")" +
               msg + R"(","errors":[{"domain":"global","reason":")" + reason + R"(","message":")" +
               msg + R"("}]}})";
    };
    QTest::newRow("bad token") << 401 << body(401, "authError", "Invalid Credentials")
                               << ErrorCode::Unauthorized << QStringLiteral("Settings");
    QTest::newRow("permission") << 403
                                << body(403, "forbidden",
                                        "Required 'compute.instances.insert' permission")
                                << ErrorCode::Forbidden << QStringLiteral("Compute Instance Admin");
    QTest::newRow("api off") << 403
                             << body(403, "accessNotConfigured",
                                     "Compute Engine API has not been used in project 1")
                             << ErrorCode::Forbidden << QStringLiteral("Enable it");
    QTest::newRow("rate 403") << 403 << body(403, "rateLimitExceeded", "Rate Limit Exceeded")
                              << ErrorCode::RateLimited << QStringLiteral("throttling");
    QTest::newRow("rate 429") << 429 << body(429, "rateLimitExceeded", "Quota exceeded")
                              << ErrorCode::RateLimited << QStringLiteral("wait a minute");
    QTest::newRow("not found") << 404 << body(404, "notFound", "The resource 'x' was not found")
                               << ErrorCode::NotFound << QStringLiteral("was not found");
    QTest::newRow("exists") << 409 << body(409, "alreadyExists", "The resource 'y' already exists")
                            << ErrorCode::Conflict << QStringLiteral("already exists");
    QTest::newRow("quota") << 403 << body(403, "quotaExceeded", "Quota 'NVIDIA_T4_GPUS' exceeded")
                           << ErrorCode::Conflict << QStringLiteral("another region");
    QTest::newRow("invalid") << 400
                             << body(400, "invalid", "Invalid value for field 'resource.name'")
                             << ErrorCode::InvalidInput << QStringLiteral("resource.name");
    QTest::newRow("server") << 503 << body(503, "backendError", "Backend Error")
                            << ErrorCode::ProviderFailure << QStringLiteral("try again");
    QTest::newRow("not json") << 502 << QByteArray("<html>bad gateway</html>")
                              << ErrorCode::ProviderFailure << QStringLiteral("try again");
}

void tst_Gce::errorMessages()
{
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(ErrorCode, code);
    QFETCH(QString, mentions);
    const RestResponse r = response(status, body);
    const Error e = gce::errorFrom(r);
    QCOMPARE(e.code, code);
    QVERIFY2(e.message.contains(mentions, Qt::CaseInsensitive), qPrintable(e.message));
    QCOMPARE(gce::isThrottled(r), code == ErrorCode::RateLimited);
}

void tst_Gce::operationErrors()
{
    const auto op = [](const char* code) {
        return QJsonDocument::fromJson(
                   QByteArray(
                       R"({"name":"operation-1","status":"DONE","error":{"errors":[{"code":")") +
                   code + R"(","message":"m"}]}})")
            .object();
    };
    const std::optional<Error> pool = gce::operationError(op("ZONE_RESOURCE_POOL_EXHAUSTED"));
    QVERIFY(pool);
    QCOMPARE(pool->code, ErrorCode::NoCapacity);
    QVERIFY(pool->message.contains(QLatin1String("another zone")));
    QCOMPARE(gce::operationError(op("ZONE_RESOURCE_POOL_EXHAUSTED_WITH_DETAILS"))->code,
             ErrorCode::NoCapacity);
    const std::optional<Error> quota = gce::operationError(op("QUOTA_EXCEEDED"));
    QVERIFY(quota);
    QVERIFY(quota->message.contains(QLatin1String("another region")));
    QCOMPARE(gce::operationError(op("RESOURCE_NOT_READY"))->code, ErrorCode::ProviderFailure);
    QVERIFY(
        !gce::operationDone(QJsonObject{{QStringLiteral("status"), QStringLiteral("RUNNING")}}));
}

void tst_Gce::priceTableMatchesLibcloud()
{
    GPUDECK_REQUIRE_SHARED(shared);
    const QJsonObject n1 =
        QJsonDocument::fromJson(
            gpudeck::test::readFile(shared +
                                    QStringLiteral("/providers/libcloud-pricing-2021-11.json")))
            .object()
            .value(QStringLiteral("compute"))
            .toObject()
            .value(QStringLiteral("gce_instances"))
            .toObject()
            .value(QStringLiteral("n1"))
            .toObject();
    QVERIFY(!n1.isEmpty());
    const auto theirs = [&](const char* part, const char* model, const char* region) {
        return n1.value(QLatin1String(part))
            .toObject()
            .value(QLatin1String(model))
            .toObject()
            .value(QLatin1String(region))
            .toObject()
            .value(QStringLiteral("price"))
            .toDouble();
    };
    for (const gce::GceRegionRates& r : gce::regionRateTable()) {
        QCOMPARE(r.vcpu, theirs("cpu", "on_demand", r.region));
        QCOMPARE(r.ramGb, theirs("ram", "on_demand", r.region));
        QCOMPARE(r.vcpuSpot, theirs("cpu", "preemptible", r.region));
        QCOMPARE(r.ramGbSpot, theirs("ram", "preemptible", r.region));
    }
    // n1-standard-8 in us-central1 is Google's well-known $0.379998/h; with one T4, +$0.35.
    QCOMPARE(*gce::priceFor(kT4, QStringLiteral("us-central1-a"), false), 0.729998);
    QCOMPARE(*gce::priceFor(QStringLiteral("a2-highgpu-1g"), QStringLiteral("us-central1"), false),
             3.673385);
    QVERIFY(*gce::priceFor(kT4, QStringLiteral("us-central1-a"), true) < 0.2);
    QVERIFY(!gce::priceFor(kT4, QStringLiteral("southamerica-east1-a"), false));
}

void tst_Gce::billingRule()
{
    Instance i;
    i.priceHourly = 0.729998;
    i.billing = gce::billingRule();
    i.diskGb = 100;
    i.createdAt = QDateTime(QDate(2026, 1, 1), QTime(0, 0), QTimeZone::utc());
    QCOMPARE(costOf(i, i.createdAt.addSecs(10)).billedSeconds, 60); // a 1-minute minimum
    QCOMPARE(costOf(i, i.createdAt.addSecs(61)).billedSeconds, 61); // then per second
    QCOMPARE(costOf(i, i.createdAt.addSecs(3600)).computeCents, 73);
    QVERIFY(!i.billing.stoppedBillsCompute);
    QVERIFY(i.billing.stoppedBillsStorage);
    QCOMPARE(i.billing.storageUsdPerGbMonth, 0.10);
    GceProvider p(ProviderContext{});
    QCOMPARE(p.selfStopCommand(), QStringLiteral("sudo shutdown -h now"));
    QVERIFY(p.capabilities().spot && p.capabilities().stopStart && p.capabilities().diskSize);
    QVERIFY(!p.capabilities().stoppedStillBills);
    QVERIFY(p.guardNote().contains(QLatin1String("disk keeps billing")));
    QVERIFY(p.spotNote().contains(QLatin1String("stopped")));
}

void tst_Gce::namesAndRequestIds()
{
    const QString token = QStringLiteral("3f2c1d4e-0000-4a4b-9c9d-123456789abc");
    QCOMPARE(gce::requestIdFor(token), token);
    const QString derived = gce::requestIdFor(QStringLiteral("not-a-uuid"));
    QVERIFY(!QUuid::fromString(derived).isNull());
    QCOMPARE(gce::requestIdFor(QStringLiteral("not-a-uuid")), derived); // stable across resends
    const QString name = gce::instanceName(QStringLiteral("  9 My Training Box!! "), token);
    static const QRegularExpression valid(QStringLiteral("^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$"));
    QVERIFY2(valid.match(name).hasMatch(), qPrintable(name));
    QVERIFY(name.startsWith(QLatin1String("my-training-box-")));
    QVERIFY(valid.match(gce::instanceName(QString(300, QLatin1Char('x')), token)).hasMatch());
    QVERIFY(valid.match(gce::instanceName(QStringLiteral("!!!"), token)).hasMatch());
    QCOMPARE(gce::tokenLabel(QStringLiteral("ABC{def}")), QStringLiteral("abc-def-"));
    QCOMPARE(gce::planIdFor(QStringLiteral("n1-standard-8"), QStringLiteral("nvidia-tesla-t4"), 1),
             kT4);
    QCOMPARE(
        gce::planIdFor(QStringLiteral("a2-highgpu-1g"), QStringLiteral("nvidia-tesla-a100"), 1),
        QStringLiteral("a2-highgpu-1g"));
    QCOMPARE(gce::regionOfZone(QStringLiteral("europe-west4-b")), QStringLiteral("europe-west4"));
    gce::InsertSpec bad;
    bad.planId = kT4;
    bad.zone = QStringLiteral("us-central1"); // a region, not a zone
    QCOMPARE(gce::insertBody(bad).error().code, ErrorCode::InvalidInput);
    bad.zone = QStringLiteral("us-central1-a");
    bad.planId = QStringLiteral("n1-standard-1");
    QCOMPARE(gce::insertBody(bad).error().code, ErrorCode::InvalidInput);
}

void tst_Gce::catalogWithoutAccount()
{
    startFake();
    ProviderContext ctx;
    ctx.cacheDir = m_env->path() + QStringLiteral("/cache/gce-noaccount");
    GceProvider bare(ctx);
    QVERIFY(!bare.hasCredential());
    const auto cat = wait<Catalog>([&](auto done) { bare.fetchCatalog(done); });
    VERIFY_OK(cat);
    QCOMPARE(cat.value().fetchedAt, QDateTime(QDate(2021, 11, 1), QTime(0, 0), QTimeZone::utc()));
    QCOMPARE(cat.value().plans.size(), gce::offerTable().size());
    const Plan& first = cat.value().plans.first();
    QCOMPARE(first.provider, QStringLiteral("gce"));
    QVERIFY(first.onDemandHourly > 0);
    QVERIFY(first.spotHourly.has_value());
    QVERIFY(first.note.contains(QLatin1String("2021-11")));
    QVERIFY(!cat.value().regions.isEmpty());
    QCOMPARE(m_fake->server().requests().size(), 0); // nothing is asked without an account
    const auto none = wait<QList<Instance>>([&](auto done) { bare.listInstances(done); });
    VERIFY_OK(none);
    QVERIFY(none.value().isEmpty());
    const auto who = wait<QString>([&](auto done) { bare.checkCredential(done); });
    QVERIFY(!who.ok());
    QCOMPARE(who.error().code, ErrorCode::Unauthorized);
    QVERIFY(who.error().message.contains(QLatin1String("GOOGLE_APPLICATION_CREDENTIALS")));
}

void tst_Gce::billingSkuParsing()
{
    const auto sku = [](const QString& description, const QString& usage, const QString& unit,
                        const QJsonArray& tiers, const QJsonArray& regions = {}) {
        return QJsonObject{
            {QStringLiteral("description"), description},
            {QStringLiteral("category"),
             QJsonObject{{QStringLiteral("resourceFamily"), QStringLiteral("Compute")},
                         {QStringLiteral("resourceGroup"), QStringLiteral("GPU")},
                         {QStringLiteral("usageType"), usage}}},
            {QStringLiteral("serviceRegions"), regions},
            {QStringLiteral("pricingInfo"),
             QJsonArray{QJsonObject{{QStringLiteral("pricingExpression"),
                                     QJsonObject{{QStringLiteral("usageUnit"), unit},
                                                 {QStringLiteral("tieredRates"), tiers}}}}}}};
    };
    const auto tier = [](double start, const QString& units, int nanos,
                         const QString& currency = QStringLiteral("USD")) {
        return QJsonObject{
            {QStringLiteral("startUsageAmount"), start},
            {QStringLiteral("unitPrice"), QJsonObject{{QStringLiteral("currencyCode"), currency},
                                                      {QStringLiteral("units"), units},
                                                      {QStringLiteral("nanos"), nanos}}}};
    };
    const QString t4 = QStringLiteral("Nvidia Tesla T4 GPU running in Americas");
    // units + nanos.
    QCOMPARE(*gce::skuUnitPrice(sku(t4, QStringLiteral("OnDemand"), QStringLiteral("h"),
                                    {tier(0, QStringLiteral("2"), 480000000)})),
             2.48);
    // A free first tier: the paid rate after it; tiers in any order.
    QCOMPARE(*gce::skuUnitPrice(
                 sku(t4, QStringLiteral("OnDemand"), QStringLiteral("h"),
                     {tier(744, QStringLiteral("0"), 300000000), tier(0, QStringLiteral("0"), 0),
                      tier(1, QStringLiteral("0"), 350000000)})),
             0.35);
    // A paid first tier wins over later (volume) tiers.
    QCOMPARE(*gce::skuUnitPrice(sku(t4, QStringLiteral("OnDemand"), QStringLiteral("h"),
                                    {tier(0, QStringLiteral("0"), 400000000),
                                     tier(1000, QStringLiteral("0"), 300000000)})),
             0.4);
    QVERIFY(
        !gce::skuUnitPrice(sku(t4, QStringLiteral("OnDemand"), QStringLiteral("h"),
                               {tier(0, QStringLiteral("0"), 350000000, QStringLiteral("EUR"))})));
    QVERIFY(!gce::skuUnitPrice(QJsonObject{}));

    using Kind = std::pair<QString, bool>;
    const QJsonArray one{tier(0, QStringLiteral("0"), 1)};
    QCOMPARE(gce::skuKind(sku(t4, QStringLiteral("OnDemand"), QStringLiteral("h"), one)),
             Kind(QStringLiteral("nvidia-tesla-t4"), false));
    QCOMPARE(gce::skuKind(sku(QStringLiteral("Nvidia Tesla T4 GPU attached to Spot Preemptible "
                                             "VMs running in Iowa"),
                              QStringLiteral("Preemptible"), QStringLiteral("h"), one)),
             Kind(QStringLiteral("nvidia-tesla-t4"), true));
    QCOMPARE(gce::skuKind(sku(QStringLiteral("Spot Preemptible N1 Predefined Instance Ram running "
                                             "in Iowa"),
                              QStringLiteral("Preemptible"), QStringLiteral("GiBy.h"), one)),
             Kind(QStringLiteral("n1-ram"), true));
    QCOMPARE(gce::skuKind(sku(QStringLiteral("A2 Instance Core running in Americas"),
                              QStringLiteral("OnDemand"), QStringLiteral("h"), one)),
             Kind(QStringLiteral("a2-core"), false));
    for (const QString& ignored :
         {QStringLiteral("Nvidia Tesla T4 Virtual Workstation GPU running in Americas"),
          QStringLiteral("Nvidia Tesla A100 80GB GPU running in Americas"),
          QStringLiteral("N1 Custom Instance Core running in Iowa"),
          QStringLiteral("Commitment v1: Cpu in Americas for 1 Year")})
        QVERIFY2(gce::skuKind(sku(ignored, QStringLiteral("OnDemand"), QStringLiteral("h"), one))
                     .first.isEmpty(),
                 qPrintable(ignored));
    // A commitment and a RAM SKU billed per month are not hourly list prices.
    QVERIFY(gce::skuKind(sku(t4, QStringLiteral("Commit1Yr"), QStringLiteral("h"), one))
                .first.isEmpty());
    QVERIFY(gce::skuKind(sku(QStringLiteral("N1 Predefined Instance Ram running in Iowa"),
                             QStringLiteral("OnDemand"), QStringLiteral("GiBy.mo"), one))
                .first.isEmpty());

    // The fake's list: per region, the region's own SKU over a continent's.
    const gce::BillingRates rates =
        gce::billingRatesFrom(FakeGce::billingSkus(), QDateTime::currentDateTimeUtc());
    const QString central = QStringLiteral("us-central1");
    QCOMPARE(*rates.rate(central, QStringLiteral("n1-core"), false), 0.033174); // Iowa's
    QCOMPARE(*rates.rate(QStringLiteral("us-east1"), QStringLiteral("n1-core"), false),
             0.031611); // Americas'
    QCOMPARE(*rates.rate(central, QStringLiteral("n1-ram"), false), 0.004446);
    QCOMPARE(*rates.rate(central, QStringLiteral("n1-core"), true), 0.007);
    QCOMPARE(*rates.rate(central, QStringLiteral("nvidia-tesla-t4"), false), 0.35);
    QCOMPARE(*rates.rate(QStringLiteral("us-west1"), QStringLiteral("nvidia-tesla-t4"), false),
             0.35);
    QCOMPARE(*rates.rate(central, QStringLiteral("nvidia-tesla-t4"), true), 0.14);
    QCOMPARE(*rates.rate(central, QStringLiteral("nvidia-tesla-v100"), false), 2.48);
    QCOMPARE(*rates.rate(central, QStringLiteral("nvidia-tesla-v100"), true), 0.992);
    QCOMPARE(*rates.rate(central, QStringLiteral("nvidia-tesla-a100"), true), 1.1);
    QVERIFY(!rates.rate(central, QStringLiteral("nvidia-tesla-p4"), false));
    QVERIFY(!rates.rate(QStringLiteral("europe-west4"), QStringLiteral("n1-ram"), false));

    const auto t4Price = gce::billedPriceFor(rates, kT4, QStringLiteral("us-central1-a"));
    QVERIFY(t4Price);
    QCOMPARE(t4Price->first, 0.748772); // 8 × 0.033174 + 30 × 0.004446 + 0.35
    QCOMPARE(t4Price->second, 0.22414); // 8 × 0.007 + 30 × 0.000938 + 0.14
    const auto a100 = gce::billedPriceFor(rates, QStringLiteral("a2-highgpu-1g"), central);
    QVERIFY(a100);
    QCOMPARE(a100->first, 3.673385); // 12 × 0.031611 + 85 × 0.004237 + 2.933908
    QCOMPARE(a100->second, 1.31319); // 12 × 0.00911 + 85 × 0.001222 + 1.1
    // Not every part priced: nothing (the table's price stands).
    QVERIFY(!gce::billedPriceFor(rates, kT4, QStringLiteral("europe-west4")));
    QVERIFY(
        !gce::billedPriceFor(rates, QStringLiteral("n1-standard-4+1xnvidia-tesla-p4"), central));
    // us-east1: on-demand parts only (no spot SKUs there) is not a price either.
    QVERIFY(!gce::billedPriceFor(rates, kT4, QStringLiteral("us-east1")));
}

void tst_Gce::billingPricesCatalog()
{
    startFake();
    qputenv("GPUDECK_API_BASE_GCE_BILLING", m_fake->billingUrl().toUtf8());
    qputenv("GPUDECK_GCE_BILLING_API_KEY", m_fake->billingKey().toUtf8());
    const QDateTime before = QDateTime::currentDateTimeUtc().addSecs(-1);
    const auto cat = wait<Catalog>([&](auto done) { m_provider->fetchCatalog(done); });
    VERIFY_OK(cat);
    // Both pages were read, the second by the first's nextPageToken.
    QCOMPARE(m_fake->billingPageTokens(), QStringList({QString(), QStringLiteral("CAkSBTI4NjY5")}));
    const auto plan = [&](const QString& id) {
        for (const Plan& p : cat.value().plans)
            if (p.id == id)
                return p;
        return Plan{};
    };
    const Plan t4 = plan(kT4);
    QCOMPARE(t4.onDemandHourly, 0.748772);
    QCOMPARE(*t4.spotHourly, 0.22414);
    QVERIFY(t4.fetchedAt >= before);
    QVERIFY2(t4.note.contains(QLatin1String("Cloud Billing Catalog API")), qPrintable(t4.note));
    QVERIFY(t4.note.contains(QLatin1String("us-central1")));
    const Plan a2 = plan(QStringLiteral("a2-highgpu-1g"));
    QCOMPARE(a2.onDemandHourly, 3.673385);
    QCOMPARE(*a2.spotHourly, 1.31319);
    // No P4 SKU: the table's price, with the table's date (the catalog marks it old).
    const QString p4Id = QStringLiteral("n1-standard-4+1xnvidia-tesla-p4");
    const Plan p4 = plan(p4Id);
    QCOMPARE(p4.onDemandHourly, *gce::priceFor(p4Id, QStringLiteral("us-central1"), false));
    QCOMPARE(*p4.spotHourly, *gce::priceFor(p4Id, QStringLiteral("us-central1"), true));
    QCOMPARE(p4.fetchedAt, gce::priceTableDate());
    QVERIFY2(p4.note.contains(QLatin1String("bundled table (2021-11")), qPrintable(p4.note));
    // The key travels in the query only; never in a path the client logs.
    for (const auto& r : m_fake->server().requests())
        QVERIFY(!r.path.contains(m_fake->billingKey()));

    // Without a service account the SKUs price the table's plans all the same.
    ProviderContext ctx;
    ctx.cacheDir = m_env->path() + QStringLiteral("/cache/gce-billing-only");
    GceProvider bare(ctx);
    QVERIFY(!bare.hasCredential());
    const auto priced = wait<Catalog>([&](auto done) { bare.fetchCatalog(done); });
    VERIFY_OK(priced);
    bool found = false;
    for (const Plan& p : priced.value().plans)
        if (p.id == kT4) {
            found = true;
            QCOMPARE(p.onDemandHourly, 0.748772);
        }
    QVERIFY(found);
    qunsetenv("GPUDECK_GCE_BILLING_API_KEY");
    qunsetenv("GPUDECK_API_BASE_GCE_BILLING");
}

void tst_Gce::billingFailuresKeepTable_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("reason");
    QTest::newRow("wrong key (400)") << QStringLiteral("AIzaSyWrong") << 0 << QByteArray()
                                     << QStringLiteral("does not accept the Cloud Billing API key");
    QTest::newRow("API not enabled (403)")
        << QString() << 403
        << QByteArray(
               R"({"error": {"code": 403, "message": "Cloud Billing API has not been used )"
               R"(in project 1234 before or it is disabled.", "status": "PERMISSION_DENIED",)"
               R"( "details": [{"reason": "SERVICE_DISABLED"}]}})")
        << QStringLiteral("enable the Cloud Billing API");
    QTest::newRow("throttled (429)")
        << QString() << 429
        << QByteArray(R"({"error": {"code": 429, "message": "Quota exceeded.", "status": )"
                      R"("RESOURCE_EXHAUSTED"}})")
        << QStringLiteral("throttling");
    QTest::newRow("unreadable") << QString() << 200 << QByteArray("<html>Service Unavailable")
                                << QStringLiteral("GPUDeck could not read");
    QTest::newRow("no SKU list") << QString() << 200 << QByteArray(R"({"services": []})")
                                 << QStringLiteral("(no list of SKUs)");
}

void tst_Gce::billingFailuresKeepTable()
{
    QFETCH(QString, key);
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(QString, reason);
    startFake();
    qputenv("GPUDECK_API_BASE_GCE_BILLING", m_fake->billingUrl().toUtf8());
    qputenv("GPUDECK_GCE_BILLING_API_KEY", (key.isEmpty() ? m_fake->billingKey() : key).toUtf8());
    if (status != 0)
        m_fake->breakBilling(status, body);
    const auto cat = wait<Catalog>([&](auto done) { m_provider->fetchCatalog(done); });
    qunsetenv("GPUDECK_GCE_BILLING_API_KEY");
    qunsetenv("GPUDECK_API_BASE_GCE_BILLING");
    VERIFY_OK(cat);
    QVERIFY(m_fake->billingCalls() >= 1);
    QCOMPARE(cat.value().plans.size(), gce::offerTable().size());
    for (const Plan& p : cat.value().plans) {
        QCOMPARE(p.onDemandHourly, *gce::priceFor(p.id, QStringLiteral("us-central1"), false));
        QCOMPARE(p.fetchedAt, gce::priceTableDate());
        QVERIFY2(p.note.contains(QLatin1String("could not be read")) && p.note.contains(reason),
                 qPrintable(p.note));
    }
    QVERIFY(!cat.value().regions.isEmpty());
}

void tst_Gce::contractAgainstPrism()
{
    GPUDECK_REQUIRE_SHARED(shared);
    GPUDECK_REQUIRE_PRISM();
    startFake(); // the token endpoint and the address check; Compute is Prism
    gpudeck::test::PrismMock prism;
    QVERIFY2(prism.start(shared +
                         QStringLiteral("/providers/gce/compute-v1-openapi-apisguru-2022.yaml")),
             qPrintable(prism.error()));
    // The Swagger file's basePath is /compute/v1; Prism serves its paths from the root.
    qputenv("GPUDECK_API_BASE_GCE", prism.baseUrl().toUtf8());
    ProviderContext ctx;
    ctx.cacheDir = m_env->path() + QStringLiteral("/cache/gce-prism");
    GceProvider p(ctx);
    p.setBackoffBaseMs(20);
    p.setCredential(QString::fromUtf8(m_fake->serviceAccountJson()));
    VERIFY_OK(wait<QString>([&](auto done) { p.checkCredential(done); }));
    VERIFY_OK(wait<Catalog>([&](auto done) { p.fetchCatalog(done); }));
    VERIFY_OK(wait<QList<Instance>>([&](auto done) { p.listInstances(done); }));
    const QString id = QStringLiteral("us-central1-a/my-vm");
    VERIFY_OK(wait<Instance>([&](auto done) { p.getInstance(id, done); }));
    // Prism's operations never reach DONE, so these end in a timeout or a check; what matters
    // here is that every request they send fits the API description.
    (void)wait<Instance>([&](auto done) { p.stop(id, done); });
    (void)wait<Instance>([&](auto done) { p.start(id, done); });
    (void)waitVoid([&](auto done) { p.destroy(id, done); });
    LaunchRequest r = request(true);
    r.imageId =
        QStringLiteral("projects/deeplearning-platform-release/global/images/family/common-cu113");
    (void)wait<Instance>([&](auto done) { p.launch(r, done); }, 120000);
    // Prism also checks the answers it makes up itself against the spec's formats; only what
    // GPUDeck sent (request.*) is under test here.
    QStringList violations = prism.violations();
    violations.removeIf(
        [](const QString& v) { return v.contains(QLatin1String("Violation: response")); });
    QVERIFY2(violations.isEmpty(), qPrintable(violations.join(QLatin1Char('\n'))));
    const QString log = prism.log();
    for (const char* path :
         {"/aggregated/acceleratorTypes", "/aggregated/machineTypes", "/aggregated/instances",
          "/global/firewalls", "/zones/us-central1-a/instances", "/operations/", "/stop", "/start"})
        QVERIFY2(log.contains(QLatin1String(path)), path);
    qputenv("GPUDECK_API_BASE_GCE", m_fake->baseUrl().toUtf8());
}

void tst_Gce::fullFlowOnDemand()
{
    startFake();
    m_fake->setPollsPerStep(2);
    m_fake->setSshHost(QStringLiteral("127.0.0.77"));
    const auto cat = wait<Catalog>([&](auto done) { m_provider->fetchCatalog(done); });
    VERIFY_OK(cat);
    QCOMPARE(cat.value().plans.size(), gce::offerTable().size());
    QHash<QString, Plan> plans;
    for (const Plan& p : cat.value().plans)
        plans.insert(p.id, p);
    QCOMPARE(plans.value(kT4).regionsAvailable,
             (QStringList{QStringLiteral("asia-east1-c"), QStringLiteral("us-central1-a"),
                          QStringLiteral("us-central1-b")}));
    QCOMPARE(plans.value(kT4).onDemandHourly, 0.729998);
    QCOMPARE(plans.value(kT4).ramGb, 30.0);
    QVERIFY(!plans.value(QStringLiteral("n1-standard-4+1xnvidia-tesla-p4")).available);
    QVERIFY(plans.value(QStringLiteral("a2-highgpu-1g")).available);
    QVERIFY(!plans.value(QStringLiteral("a2-highgpu-8g")).available); // no such machine type here
    QCOMPARE(cat.value().regions.size(), 4);
    QVERIFY(!cat.value().images.isEmpty());
    QCOMPARE(cat.value().images.first().id,
             QStringLiteral("projects/deeplearning-platform-release/global/images/"
                            "common-cu113-v20211219-debian-10"));
    QVERIFY(cat.value().images.first().cudaReady);
    QCOMPARE(m_fake->tokensIssued(), 1); // three calls at once, one sign-in

    // Throttled twice on the way (429 with Retry-After): waited, then sent again.
    m_fake->throttleNext(2, 1);
    QElapsedTimer t;
    t.start();
    const LaunchRequest req = request();
    const auto launched = wait<Instance>([&](auto done) { m_provider->launch(req, done); });
    VERIFY_OK(launched);
    QVERIFY2(t.elapsed() >= 1500, qPrintable(QString::number(t.elapsed())));
    const Instance first = launched.value();
    QCOMPARE(first.provider, QStringLiteral("gce"));
    QVERIFY(first.id.startsWith(QLatin1String("us-central1-a/my-training-box-")));
    QCOMPARE(first.planId, kT4);
    QCOMPARE(first.gpuCount, 1);
    QCOMPARE(first.gpuModel, QStringLiteral("NVIDIA T4"));
    QCOMPARE(first.priceHourly, 0.729998);
    QCOMPARE(first.diskGb, 150.0);
    QCOMPARE(first.user, QStringLiteral("gpudeck"));

    const QJsonObject vm = m_fake->instance(gce::splitId(first.id).second);
    QCOMPARE(vm[QStringLiteral("scheduling")][QStringLiteral("onHostMaintenance")].toString(),
             QStringLiteral("TERMINATE"));
    QCOMPARE(vm[QStringLiteral("scheduling")][QStringLiteral("provisioningModel")].toString(),
             QStringLiteral("STANDARD"));
    QCOMPARE(vm[QStringLiteral("guestAccelerators")][0][QStringLiteral("acceleratorCount")].toInt(),
             1);
    QVERIFY(vm[QStringLiteral("guestAccelerators")][0][QStringLiteral("acceleratorType")]
                .toString()
                .endsWith(QLatin1String("zones/us-central1-a/acceleratorTypes/nvidia-tesla-t4")));
    QVERIFY(vm[QStringLiteral("machineType")].toString().endsWith(
        QLatin1String("zones/us-central1-a/machineTypes/n1-standard-8")));
    QHash<QString, QString> meta;
    for (const QJsonValue& v : vm[QStringLiteral("metadata")][QStringLiteral("items")].toArray())
        meta.insert(v[QStringLiteral("key")].toString(), v[QStringLiteral("value")].toString());
    QCOMPARE(meta.value(QStringLiteral("ssh-keys")), QStringLiteral("gpudeck:") + kKey);
    QVERIFY(meta.value(QStringLiteral("startup-script")).startsWith(QLatin1String("#!/bin/sh")));
    QCOMPARE(vm[QStringLiteral("tags")][QStringLiteral("items")][0].toString(),
             QStringLiteral("gpudeck-ssh"));
    QCOMPARE(vm[QStringLiteral("labels")][QStringLiteral("gpudeck-token")].toString(),
             req.clientToken);
    QVERIFY(vm[QStringLiteral("disks")][0][QStringLiteral("boot")].toBool());
    QCOMPARE(m_fake->requestIds(), QStringList{req.clientToken});
    // Port 22 open to this computer's address only.
    QCOMPARE(m_fake->firewall()[QStringLiteral("sourceRanges")].toArray(),
             QJsonArray{QStringLiteral("203.0.113.7/32")});
    QCOMPARE(
        m_fake->firewall()[QStringLiteral("allowed")][0][QStringLiteral("ports")][0].toString(),
        QStringLiteral("22"));
    QCOMPARE(m_fake->firewall()[QStringLiteral("targetTags")][0].toString(),
             QStringLiteral("gpudeck-ssh"));

    const Instance running = pollUntil(first.id, InstanceStatus::Running);
    QCOMPARE(running.status, InstanceStatus::Running);
    QCOMPARE(running.host, QStringLiteral("127.0.0.77"));
    QCOMPARE(running.sshPort, 22);

    const auto stopping = wait<Instance>([&](auto done) { m_provider->stop(first.id, done); });
    VERIFY_OK(stopping);
    QCOMPARE(stopping.value().status, InstanceStatus::Stopping);
    const Instance stopped = pollUntil(first.id, InstanceStatus::Stopped);
    QCOMPARE(stopped.status, InstanceStatus::Stopped);
    QVERIFY(stopped.host.isEmpty()); // the ephemeral address is given back
    const auto starting = wait<Instance>([&](auto done) { m_provider->start(first.id, done); });
    VERIFY_OK(starting);
    QCOMPARE(pollUntil(first.id, InstanceStatus::Running).host, QStringLiteral("127.0.0.77"));

    // The user's address changed: the next launch adds it to the same rule.
    m_fake->setPublicAddress(QStringLiteral("198.51.100.9"));
    const auto second = wait<Instance>([&](auto done) {
        m_provider->launch(request(false, QStringLiteral("asia-east1-c")), done);
    });
    VERIFY_OK(second);
    QCOMPARE(second.value().priceHourly, *gce::priceFor(kT4, QStringLiteral("asia-east1"), false));
    QCOMPARE(m_fake->firewall()[QStringLiteral("sourceRanges")].toArray().size(), 2);
    const auto listed = wait<QList<Instance>>([&](auto done) { m_provider->listInstances(done); });
    VERIFY_OK(listed);
    QCOMPARE(listed.value().size(), 2);

    m_fake->server().inject({FakeHttpFault::Kind::Status, "DELETE", {}, 503, {}, 1});
    const auto gone = waitVoid([&](auto done) { m_provider->destroy(first.id, done); });
    VERIFY_OK(gone);
    const auto confirm =
        wait<Instance>([&](auto done) { m_provider->getInstance(first.id, done); });
    QVERIFY(!confirm.ok());
    QCOMPARE(confirm.error().code, ErrorCode::NotFound);
    QCOMPARE(m_fake->instanceCount(), 1);
    QCOMPARE(m_fake->tokensIssued(), 1); // one access token served the whole flow
    QCOMPARE(m_fake->rejectedTokens(), 0);
}

void tst_Gce::spotFlow()
{
    startFake();
    const LaunchRequest req = request(true);
    const auto launched = wait<Instance>([&](auto done) { m_provider->launch(req, done); });
    VERIFY_OK(launched);
    const QJsonObject sched = m_fake->instance(gce::splitId(launched.value().id).second)
                                  .value(QStringLiteral("scheduling"))
                                  .toObject();
    QCOMPARE(sched.value(QStringLiteral("provisioningModel")).toString(), QStringLiteral("SPOT"));
    QCOMPARE(sched.value(QStringLiteral("instanceTerminationAction")).toString(),
             QStringLiteral("STOP"));
    QCOMPARE(sched.value(QStringLiteral("onHostMaintenance")).toString(),
             QStringLiteral("TERMINATE"));
    QVERIFY(!sched.value(QStringLiteral("automaticRestart")).toBool());
    QCOMPARE(launched.value().priceHourly,
             *gce::priceFor(kT4, QStringLiteral("us-central1"), true));
    const QString id = launched.value().id;
    QCOMPARE(pollUntil(id, InstanceStatus::Running).status, InstanceStatus::Running);
    // A spot VM can be stopped and started again on GCE.
    VERIFY_OK(wait<Instance>([&](auto done) { m_provider->stop(id, done); }));
    QCOMPARE(pollUntil(id, InstanceStatus::Stopped).status, InstanceStatus::Stopped);
    VERIFY_OK(wait<Instance>([&](auto done) { m_provider->start(id, done); }));
    QCOMPARE(pollUntil(id, InstanceStatus::Running).status, InstanceStatus::Running);
    VERIFY_OK(waitVoid([&](auto done) { m_provider->destroy(id, done); }));
    QCOMPARE(m_fake->instanceCount(), 0);
}

void tst_Gce::capacityAndThrottling()
{
    startFake();
    m_fake->exhaustZone(QStringLiteral("us-central1-b"));
    const auto r = wait<Instance>([&](auto done) {
        m_provider->launch(request(false, QStringLiteral("us-central1-b")), done);
    });
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::NoCapacity);
    QVERIFY2(r.error().message.contains(QLatin1String("another zone")),
             qPrintable(r.error().message));
    QCOMPARE(m_fake->instanceCount(), 0);
    QCOMPARE(m_fake->server().count(
                 "POST",
                 QStringLiteral("/compute/v1/projects/gpudeck-test/zones/us-central1-b/instances")),
             1);

    // A Retry-After beyond what GPUDeck waits is handed to the user with the wait.
    m_fake->throttleNext(1, 3600);
    const auto later = wait<QString>([&](auto done) { m_provider->checkCredential(done); });
    QVERIFY(!later.ok());
    QCOMPARE(later.error().code, ErrorCode::RateLimited);
    QCOMPARE(later.error().retryAfterSeconds.value_or(0), 3600);

    // Refusals before anything is sent: no key, no plan, a region instead of a zone.
    LaunchRequest keyless = request();
    keyless.sshPublicKeys.clear();
    QCOMPARE(wait<Instance>([&](auto done) { m_provider->launch(keyless, done); }).error().code,
             ErrorCode::InvalidInput);
    LaunchRequest region = request(false, QStringLiteral("us-central1"));
    QCOMPARE(wait<Instance>([&](auto done) { m_provider->launch(region, done); }).error().code,
             ErrorCode::InvalidInput);
    QCOMPARE(m_fake->instanceCount(), 0);
}

void tst_Gce::tokenCachedAndRefreshed()
{
    startFake();
    VERIFY_OK(wait<QString>([&](auto done) { m_provider->checkCredential(done); }));
    const auto who = wait<QString>([&](auto done) { m_provider->checkCredential(done); });
    VERIFY_OK(who);
    QVERIFY(who.value().contains(m_fake->clientEmail()));
    QCOMPARE(m_fake->tokensIssued(), 1); // cached

    // Revoked (or expired early): the API's 401 makes the provider sign in again, once.
    m_fake->revokeTokens();
    VERIFY_OK(wait<QList<Instance>>([&](auto done) { m_provider->listInstances(done); }));
    QCOMPARE(m_fake->rejectedTokens(), 1);
    QCOMPARE(m_fake->tokensIssued(), 2);

    // A token close to its end is replaced before it is used (no 401 on the way).
    m_fake->setTokenLifetime(302);
    m_fake->revokeTokens();
    VERIFY_OK(wait<QString>([&](auto done) { m_provider->checkCredential(done); }));
    QCOMPARE(m_fake->tokensIssued(), 3);
    QTest::qWait(2500);
    VERIFY_OK(wait<QString>([&](auto done) { m_provider->checkCredential(done); }));
    QCOMPARE(m_fake->tokensIssued(), 4);
    QCOMPARE(m_fake->rejectedTokens(), 2);

    // A request without a valid token never gets through the fake.
    m_fake->server().clearRequests();
    QNetworkAccessManager nam;
    QNetworkRequest raw(QUrl(m_fake->baseUrl() + QStringLiteral("/projects/gpudeck-test")));
    raw.setRawHeader("Authorization", "Bearer ya29.made-up");
    QNetworkReply* reply = nam.get(raw);
    QTRY_VERIFY(reply->isFinished());
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 401);
    reply->deleteLater();
}

void tst_Gce::wrongKeyIsRejected()
{
    startFake();
    // Another account's key (same e-mail, different RSA key): Google's token endpoint refuses
    // the signature, and the user is told to replace the key.
    FakeGce other;
    QJsonObject forged = QJsonDocument::fromJson(other.serviceAccountJson()).object();
    forged.insert(QStringLiteral("token_uri"), m_fake->tokenUrl());
    m_provider->setCredential(QString::fromUtf8(QJsonDocument(forged).toJson()));
    const auto who = wait<QString>([&](auto done) { m_provider->checkCredential(done); });
    QVERIFY(!who.ok());
    QCOMPARE(who.error().code, ErrorCode::Unauthorized);
    QVERIFY2(who.error().message.contains(QLatin1String("Settings")),
             qPrintable(who.error().message));
    QVERIFY(who.error().detail.contains(QLatin1String("Invalid JWT Signature")));
    QCOMPARE(m_fake->rejectedAssertions(), 1);
    QCOMPARE(m_fake->tokensIssued(), 0);
    QCOMPARE(m_fake->server().count("GET", QStringLiteral("/compute")), 0);
    const auto launch = wait<Instance>([&](auto done) { m_provider->launch(request(), done); });
    QCOMPARE(launch.error().code, ErrorCode::Unauthorized);
    QCOMPARE(m_fake->instanceCount(), 0);
    m_provider->setCredential(QString::fromUtf8(m_fake->serviceAccountJson()));
    VERIFY_OK(wait<QString>([&](auto done) { m_provider->checkCredential(done); }));
}

void tst_Gce::requestIdMakesOneVm()
{
    startFake();
    const LaunchRequest req = request();
    const auto a = wait<Instance>([&](auto done) { m_provider->launch(req, done); });
    const auto b = wait<Instance>([&](auto done) { m_provider->launch(req, done); });
    VERIFY_OK(a);
    VERIFY_OK(b);
    QCOMPARE(a.value().id, b.value().id);
    QCOMPARE(m_fake->instanceCount(), 1);
    QCOMPARE(m_fake->requestIds(), (QStringList{req.clientToken, req.clientToken}));
}

void tst_Gce::launchSurvivesDroppedConnection()
{
    startFake();
    const LaunchRequest req = request();
    Instance launched;
    test::dropAfterLaunch(faults(), req, &launched);
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(m_fake->instance(gce::splitId(launched.id).second)
                 .value(QStringLiteral("labels"))
                 .toObject()
                 .value(QStringLiteral("gpudeck-token"))
                 .toString(),
             gce::tokenLabel(req.clientToken));
}

void tst_Gce::launchAfter500IsCheckedFirst()
{
    startFake();
    test::launchAfter500(faults());
}

void tst_Gce::launchMalformedAnswer()
{
    startFake();
    test::malformedLaunchAnswer(faults());
}

QTEST_GUILESS_MAIN(tst_Gce)
#include "tst_gce.moc"
