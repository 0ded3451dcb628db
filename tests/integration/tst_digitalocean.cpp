// DigitalOcean v2: replay of recorded responses (libcloud fixtures) and of the published spec's
// GPU Droplet example (served by Prism) through the parsers, error bodies → messages, the client
// against `prism mock` serving the spec (contract), and the whole client against a stateful fake
// on loopback: catalog → key registration → launch → poll → shutdown → power on → destroy, with
// 429s (with ratelimit-reset and without any header), 500s, a malformed body and a connection
// dropped right after the launch request.
#include "asyncwait.h"
#include "billing.h"
#include "catalogcache.h"
#include "digitalocean/digitaloceanapi.h"
#include "digitalocean/digitaloceanprovider.h"
#include "fakedigitalocean.h"
#include "launchfaults.h"
#include "prismmock.h"
#include "restclient.h"
#include "testenv.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QtTest>

using namespace gpudeck;
using gpudeck::test::FakeDigitalOcean;
using gpudeck::test::FakeHttpFault;
using gpudeck::test::message;
using gpudeck::test::response;
using gpudeck::test::wait;
using gpudeck::test::waitVoid;

namespace {

const QString kKey = QStringLiteral(
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGpudGVzdGtleWdwdWRlY2tkaWdpdGFsb2NlYW4 gpudeck");

QJsonObject readJson(const QString& path)
{
    return QJsonDocument::fromJson(gpudeck::test::readFile(path)).object();
}

// GETs (or with a body POSTs) `path` to Prism asking for the spec's example `name`.
QJsonObject prismExample(const QString& base, const QString& path, const QByteArray& name,
                         const QByteArray& body = {})
{
    QNetworkAccessManager nam;
    QNetworkRequest req(QUrl(base + path));
    req.setRawHeader("Authorization", "Bearer prism-test-token");
    req.setRawHeader("Prefer", "example=" + name);
    req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
    QNetworkReply* reply = body.isEmpty() ? nam.get(req) : nam.post(req, body);
    if (!QTest::qWaitFor([&] { return reply->isFinished(); }, 20000))
        return {};
    const QJsonObject o = QJsonDocument::fromJson(reply->readAll()).object();
    reply->deleteLater();
    return o;
}

} // namespace

class tst_DigitalOcean final : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void replayLibcloud();
    void paging();
    void errorMessages_data();
    void errorMessages();
    void billingRule();
    void guardNoteIsPlain();
    void contractAgainstPrism();
    void fullFlow();
    void keyRegisteredOnce();
    void rateLimitReset();
    void launchSurvivesDroppedConnection();
    void launchAfter500IsCheckedFirst();
    void launchMalformedAnswer();
    void refusalsAreClear();
    void badToken();
    void catalogWithoutToken();
    void cleanupTestCase();

private:
    std::unique_ptr<gpudeck::test::IsolatedEnvironment> m_env;
    std::unique_ptr<FakeDigitalOcean> m_fake;
    std::unique_ptr<DigitalOceanProvider> m_provider;
    void startFake();
    test::LaunchFaults faults();
    LaunchRequest request(const QString& region = QStringLiteral("tor1")) const;
    Instance pollUntil(const QString& id, InstanceStatus status);
};

void tst_DigitalOcean::initTestCase()
{
    m_env = std::make_unique<gpudeck::test::IsolatedEnvironment>();
}

void tst_DigitalOcean::cleanupTestCase()
{
    m_provider.reset();
    m_fake.reset();
    qunsetenv("GPUDECK_API_BASE_DIGITALOCEAN");
}

void tst_DigitalOcean::startFake()
{
    m_provider.reset();
    m_fake = std::make_unique<FakeDigitalOcean>(QStringLiteral("good-token"));
    QVERIFY(m_fake->listen());
    qputenv("GPUDECK_API_BASE_DIGITALOCEAN", m_fake->baseUrl().toUtf8());
    ProviderContext ctx;
    ctx.cacheDir = m_env->path() + QStringLiteral("/cache/digitalocean");
    m_provider = std::make_unique<DigitalOceanProvider>(ctx);
    m_provider->rest().setBackoffBaseMs(20);
    m_provider->setCredential(QStringLiteral("good-token"));
}

test::LaunchFaults tst_DigitalOcean::faults()
{
    return {m_provider.get(), &m_fake->server(), QStringLiteral("/v2/droplets"),
            [this] { return request(); }, [this] { return m_fake->dropletCount(); }};
}

LaunchRequest tst_DigitalOcean::request(const QString& region) const
{
    LaunchRequest r;
    r.planId = QStringLiteral("gpu-h100x1-80gb");
    r.region = region;
    r.name = QStringLiteral("my training box");
    r.imageId = QStringLiteral("ai-ml-ready");
    r.sshPublicKeys = {kKey};
    r.clientToken = QUuid::createUuid().toString(QUuid::WithoutBraces);
    return r;
}

Instance tst_DigitalOcean::pollUntil(const QString& id, InstanceStatus status)
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

void tst_DigitalOcean::replayLibcloud()
{
    GPUDECK_REQUIRE_SHARED(shared);
    const QString dir = shared + QStringLiteral("/providers/libcloud-fixtures/digitalocean_v2/");
    const QJsonArray droplets = readJson(dir + QStringLiteral("list_nodes.json"))
                                    .value(QStringLiteral("droplets"))
                                    .toArray();
    QCOMPARE(droplets.size(), 1);
    const Instance i = digitalocean::instanceFrom(droplets.first().toObject());
    QCOMPARE(i.provider, QStringLiteral("digitalocean"));
    QVERIFY(!i.id.isEmpty());
    QCOMPARE(i.status, InstanceStatus::Running);
    QCOMPARE(i.host, QStringLiteral("128.199.13.158")); // the public one, not 10.124.0.2
    QCOMPARE(i.planId, QStringLiteral("s-1vcpu-1gb"));
    QCOMPARE(i.priceHourly, 0.00744);
    QCOMPARE(i.user, QStringLiteral("root"));
    QVERIFY(i.billing.stoppedBillsCompute);
    QVERIFY(i.createdAt.isValid());

    // A CPU-only size list has no GPU plan.
    const QJsonArray sizes =
        readJson(dir + QStringLiteral("list_sizes.json")).value(QStringLiteral("sizes")).toArray();
    QVERIFY(!sizes.isEmpty());
    QVERIFY(digitalocean::plansFromSizes(sizes, QDateTime::currentDateTimeUtc()).isEmpty());

    const QJsonArray keys = readJson(dir + QStringLiteral("list_key_pairs.json"))
                                .value(QStringLiteral("ssh_keys"))
                                .toArray();
    QVERIFY(!keys.isEmpty());
    QVERIFY(
        keys.first()[QStringLiteral("public_key")].toString().startsWith(QLatin1String("ssh-")));

    QCOMPARE(digitalocean::errorFrom(
                 response(401, gpudeck::test::readFile(dir + QStringLiteral("error.json"))))
                 .code,
             ErrorCode::Unauthorized);
    const Error image = digitalocean::errorFrom(
        response(422, gpudeck::test::readFile(dir + QStringLiteral("error_invalid_image.json"))));
    QCOMPARE(image.code, ErrorCode::InvalidInput);
    QVERIFY2(image.message.contains(QLatin1String("invalid image")), qPrintable(image.message));
}

void tst_DigitalOcean::paging()
{
    RestRequest first;
    first.path = QStringLiteral("/v2/droplets");
    const QJsonObject page{
        {QStringLiteral("links"),
         QJsonObject{{QStringLiteral("pages"),
                      QJsonObject{{QStringLiteral("next"),
                                   QStringLiteral("https://api.digitalocean.com/v2/"
                                                  "droplets?page=2&per_page=1")}}}}}};
    const RestRequest next = digitalocean::nextPage(page, first);
    QCOMPARE(next.path, QStringLiteral("/v2/droplets")); // our base URL stays; only the page
    QCOMPARE(next.query.queryItemValue(QStringLiteral("page")), QStringLiteral("2"));
    // An answer pointing at the page just read ends the list instead of looping.
    QVERIFY(digitalocean::nextPage(page, next).path.isEmpty());
    QVERIFY(digitalocean::nextPage(QJsonObject{}, first).path.isEmpty());
}

void tst_DigitalOcean::errorMessages_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<ErrorCode>("code");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("bad token")
        << 401 << QByteArray(R"({"id":"Unauthorized","message":"Unable to authenticate you"})")
        << ErrorCode::Unauthorized << QStringLiteral("Settings");
    QTest::newRow("not found")
        << 404
        << QByteArray(
               R"({"id":"not_found","message":"The resource you were accessing could not be found."})")
        << ErrorCode::NotFound << QStringLiteral("does not know");
    QTest::newRow("field") << 422
                           << QByteArray(
                                  R"({"id":"unprocessable_entity","message":"Name is invalid"})")
                           << ErrorCode::InvalidInput << QStringLiteral("Name is invalid");
    QTest::newRow("capacity")
        << 422
        << QByteArray(
               R"({"id":"unprocessable_entity","message":"Size is not available in this region."})")
        << ErrorCode::NoCapacity << QStringLiteral("another region");
    QTest::newRow("quota")
        << 422
        << QByteArray(
               R"({"id":"unprocessable_entity","message":"creating this/these droplet(s) will exceed your droplet limit"})")
        << ErrorCode::Forbidden << QStringLiteral("support");
    QTest::newRow("scope")
        << 403
        << QByteArray(
               R"({"id":"forbidden","message":"You do not have access for the attempted action."})")
        << ErrorCode::Forbidden << QStringLiteral("scopes");
    QTest::newRow("throttled")
        << 429 << QByteArray(R"({"id":"too_many_requests","message":"API rate limit exceeded."})")
        << ErrorCode::RateLimited << QStringLiteral("slow down");
    QTest::newRow("server")
        << 500 << QByteArray(R"({"id":"server_error","message":"Unexpected server-side error"})")
        << ErrorCode::ProviderFailure << QStringLiteral("try again");
    QTest::newRow("not json") << 502 << QByteArray("<html>bad gateway</html>")
                              << ErrorCode::ProviderFailure << QStringLiteral("try again");
}

void tst_DigitalOcean::errorMessages()
{
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(ErrorCode, code);
    QFETCH(QString, mentions);
    const Error e = digitalocean::errorFrom(response(status, body));
    QCOMPARE(e.code, code);
    QVERIFY2(e.message.contains(mentions, Qt::CaseInsensitive), qPrintable(e.message));
}

void tst_DigitalOcean::billingRule()
{
    Instance i;
    i.priceHourly = 3.39;
    i.billing = digitalocean::billingRule(2474.7);
    i.createdAt = QDateTime(QDate(2026, 1, 1), QTime(0, 0), QTimeZone::utc());
    // Per second, 60 s minimum: 10 s bill a minute (5.65 ¢ → 6), an hour bills 339 ¢.
    QCOMPARE(costOf(i, i.createdAt.addSecs(10)).billedSeconds, 60);
    QCOMPARE(costOf(i, i.createdAt.addSecs(3600)).computeCents, 339);
    QCOMPARE(costOf(i, i.createdAt.addSecs(3601)).billedSeconds, 3601);
    // A $0.00744/h Droplet for a minute is under a cent: the $0.01 minimum.
    Instance small = i;
    small.priceHourly = 0.00744;
    small.billing = digitalocean::billingRule(5);
    QCOMPARE(costOf(small, small.createdAt.addSecs(60)).computeCents, 1);
    QVERIFY(i.billing.stoppedBillsCompute);
    QCOMPARE(i.billing.monthlyCapUsd, 2474.7);
}

void tst_DigitalOcean::guardNoteIsPlain()
{
    ProviderContext ctx;
    DigitalOceanProvider p(ctx);
    QVERIFY(p.guardNote().contains(QLatin1String("powered-off Droplet is still billed")));
    QVERIFY(p.capabilities().stopStart);
    QVERIFY(p.capabilities().stoppedStillBills);
    QVERIFY(!p.capabilities().spot);
    QVERIFY(p.selfStopCommand().isEmpty()); // a shutdown from inside does not end the bill
}

void tst_DigitalOcean::contractAgainstPrism()
{
    GPUDECK_REQUIRE_SHARED(shared);
    GPUDECK_REQUIRE_PRISM();
    gpudeck::test::PrismMock prism;
    QVERIFY2(prism.start(shared + QStringLiteral("/providers/digitalocean-openapi/specification/"
                                                 "DigitalOcean-public.v2.yaml")),
             qPrintable(prism.error()));

    // The spec's GPU Droplet example, as the API would send it.
    const QJsonArray gpu =
        prismExample(prism.baseUrl(), QStringLiteral("/v2/droplets"), "GPU Droplets")
            .value(QStringLiteral("droplets"))
            .toArray();
    QCOMPARE(gpu.size(), 1);
    const Instance h100 = digitalocean::instanceFrom(gpu.first().toObject());
    QCOMPARE(h100.planId, QStringLiteral("gpu-h100x1-80gb"));
    QCOMPARE(h100.gpuCount, 1);
    QCOMPARE(h100.gpuModel, QStringLiteral("H100"));
    QCOMPARE(h100.priceHourly, 6.74);
    QCOMPARE(h100.host, QStringLiteral("192.241.165.154"));
    QCOMPARE(h100.region, QStringLiteral("tor1"));
    QCOMPARE(h100.status, InstanceStatus::Running);
    const QJsonObject created =
        prismExample(prism.baseUrl(), QStringLiteral("/v2/droplets"),
                     "Single Droplet Create Response",
                     R"({"name":"a","size":"s-1vcpu-1gb","image":"ubuntu-24-04-x64"})")
            .value(QStringLiteral("droplet"))
            .toObject();
    QVERIFY(!created.isEmpty());
    QCOMPARE(digitalocean::instanceFrom(created).status, InstanceStatus::Provisioning);
    QVERIFY(digitalocean::instanceFrom(created).host.isEmpty());

    qputenv("GPUDECK_API_BASE_DIGITALOCEAN", prism.baseUrl().toUtf8());
    ProviderContext ctx;
    ctx.cacheDir = m_env->path() + QStringLiteral("/cache/digitalocean-prism");
    DigitalOceanProvider p(ctx);
    p.setCredential(QStringLiteral("prism-test-token"));
    const auto who = wait<QString>([&](auto done) { p.checkCredential(done); });
    QVERIFY2(who.ok(), qPrintable(who.ok() ? QString() : message(who.error())));
    const auto cat = wait<Catalog>([&](auto done) { p.fetchCatalog(done); });
    QVERIFY2(cat.ok(), qPrintable(cat.ok() ? QString() : message(cat.error())));
    QVERIFY(!cat.value().regions.isEmpty());
    const auto launched = wait<Instance>([&](auto done) { p.launch(request(), done); });
    QVERIFY2(launched.ok(), qPrintable(launched.ok() ? QString() : message(launched.error())));
    const QString id = launched.value().id;
    const auto got = wait<Instance>([&](auto done) { p.getInstance(id, done); });
    QVERIFY2(got.ok(), qPrintable(got.ok() ? QString() : message(got.error())));
    const auto stopped = wait<Instance>([&](auto done) { p.stop(id, done); });
    QVERIFY2(stopped.ok(), qPrintable(stopped.ok() ? QString() : message(stopped.error())));
    const auto started = wait<Instance>([&](auto done) { p.start(id, done); });
    QVERIFY2(started.ok(), qPrintable(started.ok() ? QString() : message(started.error())));
    const auto listed = wait<QList<Instance>>([&](auto done) { p.listInstances(done); });
    QVERIFY2(listed.ok(), qPrintable(listed.ok() ? QString() : message(listed.error())));
    const auto gone = waitVoid([&](auto done) { p.destroy(id, done); });
    QVERIFY2(gone.ok(), qPrintable(gone.ok() ? QString() : message(gone.error())));
    const QStringList violations = prism.violations();
    QVERIFY2(violations.isEmpty(), qPrintable(violations.join(QLatin1Char('\n'))));
    const QString log = prism.log();
    for (const char* path : {"/v2/account/keys", "/v2/droplets", "/actions", "/v2/sizes"})
        QVERIFY2(log.contains(QLatin1String(path)), path);
    qunsetenv("GPUDECK_API_BASE_DIGITALOCEAN");
}

void tst_DigitalOcean::fullFlow()
{
    startFake();
    m_fake->setPollsPerStep(2);
    m_fake->setPageSize(2); // sizes, regions and Droplets come in several pages
    m_fake->server().inject(
        {FakeHttpFault::Kind::Status, "GET", QStringLiteral("/v2/droplets/"), 429, {}, 1});
    m_fake->server().inject(
        {FakeHttpFault::Kind::Status, "GET", QStringLiteral("/v2/droplets/"), 500, {}, 1});
    const auto cat = wait<Catalog>([&](auto done) { m_provider->fetchCatalog(done); });
    QVERIFY2(cat.ok(), qPrintable(cat.ok() ? QString() : message(cat.error())));
    const QList<Plan> plans = cat.value().plans;
    QCOMPARE(plans.size(), 3); // the GPU sizes only
    QCOMPARE(plans.first().id, QStringLiteral("gpu-h100x1-80gb"));
    QCOMPARE(plans.first().gpuModel, QStringLiteral("H100"));
    QCOMPARE(plans.first().vramGb, 80.0);
    QCOMPARE(plans.first().ramGb, 240.0);
    QCOMPARE(plans.first().onDemandHourly, 3.39);
    QCOMPARE(plans.first().regionsAvailable,
             (QStringList{QStringLiteral("tor1"), QStringLiteral("nyc2")}));
    QCOMPARE(plans.at(1).gpuCount, 8);
    QVERIFY(!plans.at(2).available); // the L40S lists no region that can take it now
    QCOMPARE(cat.value().regions.size(), 3);
    QCOMPARE(cat.value().regions.last().name, QStringLiteral("Toronto 1"));
    QVERIFY(cat.value().images.first().cudaReady);

    const LaunchRequest req = request();
    const auto launched = wait<Instance>([&](auto done) { m_provider->launch(req, done); });
    QVERIFY2(launched.ok(), qPrintable(launched.ok() ? QString() : message(launched.error())));
    const Instance first = launched.value();
    QCOMPARE(first.provider, QStringLiteral("digitalocean"));
    QCOMPARE(first.status, InstanceStatus::Provisioning);
    QCOMPARE(first.priceHourly, 3.39);
    const QJsonObject sent = m_fake->droplet(first.id.toLongLong());
    QCOMPARE(sent[QStringLiteral("name")].toString(), QStringLiteral("my-training-box"));
    QCOMPARE(sent[QStringLiteral("image")][QStringLiteral("slug")].toString(),
             QStringLiteral("gpu-h100x1-base"));
    QCOMPARE(m_fake->keys().size(), 1);
    QCOMPARE(m_fake->keys().first()[QStringLiteral("public_key")].toString(), kKey);

    const Instance running = pollUntil(first.id, InstanceStatus::Running);
    QCOMPARE(running.status, InstanceStatus::Running);
    QCOMPARE(running.host, QStringLiteral("127.0.0.1"));
    QCOMPARE(running.sshPort, 22);

    const auto stopping = wait<Instance>([&](auto done) { m_provider->stop(first.id, done); });
    QVERIFY2(stopping.ok(), qPrintable(stopping.ok() ? QString() : message(stopping.error())));
    QCOMPARE(m_fake->server().count("POST", QStringLiteral("/v2/droplets/") + first.id), 1);
    QCOMPARE(pollUntil(first.id, InstanceStatus::Stopped).status, InstanceStatus::Stopped);
    const auto starting = wait<Instance>([&](auto done) { m_provider->start(first.id, done); });
    QVERIFY(starting.ok());
    QCOMPARE(pollUntil(first.id, InstanceStatus::Running).status, InstanceStatus::Running);

    // Listing pages through every Droplet (page size 2) and finds them all.
    const LaunchRequest second = request(QStringLiteral("nyc2"));
    QVERIFY(wait<Instance>([&](auto done) { m_provider->launch(second, done); }).ok());
    const LaunchRequest third = request(QStringLiteral("nyc2"));
    QVERIFY(wait<Instance>([&](auto done) { m_provider->launch(third, done); }).ok());
    const auto listed = wait<QList<Instance>>([&](auto done) { m_provider->listInstances(done); });
    QVERIFY(listed.ok());
    QCOMPARE(listed.value().size(), 3);
    QCOMPARE(m_fake->keys().size(), 1); // the key was found, not registered again

    m_fake->server().inject({FakeHttpFault::Kind::Status, "DELETE", {}, 503, {}, 1});
    const auto gone = waitVoid([&](auto done) { m_provider->destroy(first.id, done); });
    QVERIFY2(gone.ok(), qPrintable(gone.ok() ? QString() : message(gone.error())));
    const auto confirm =
        wait<Instance>([&](auto done) { m_provider->getInstance(first.id, done); });
    QVERIFY(!confirm.ok());
    QCOMPARE(confirm.error().code, ErrorCode::NotFound);
    QCOMPARE(m_fake->dropletCount(), 2);
}

void tst_DigitalOcean::keyRegisteredOnce()
{
    startFake();
    // The same key with another comment is the same key: found, not registered twice.
    QVERIFY(wait<Instance>([&](auto done) { m_provider->launch(request(), done); }).ok());
    LaunchRequest again = request();
    again.sshPublicKeys = {RestProvider::keyMaterial(kKey) + QStringLiteral(" me@laptop")};
    QVERIFY(wait<Instance>([&](auto done) { m_provider->launch(again, done); }).ok());
    QCOMPARE(m_fake->keys().size(), 1);
    QCOMPARE(m_fake->server().count("POST", QStringLiteral("/v2/account/keys")), 1);
    QCOMPARE(m_fake->server().count("GET", QStringLiteral("/v2/account/keys")), 2);
}

void tst_DigitalOcean::rateLimitReset()
{
    startFake();
    // A 429 with ratelimit-reset a second away and no Retry-After: waited, then sent again.
    m_fake->throttleNext(1, 1);
    QElapsedTimer t;
    t.start();
    const auto who = wait<QString>([&](auto done) { m_provider->checkCredential(done); });
    QVERIFY2(who.ok(), qPrintable(who.ok() ? QString() : message(who.error())));
    QCOMPARE(who.value(), QStringLiteral("sammy@example.com"));
    QVERIFY2(t.elapsed() >= 400, qPrintable(QString::number(t.elapsed())));
    QCOMPARE(m_fake->server().count("GET", QStringLiteral("/v2/account")), 2);

    // The hourly limit spent (reset an hour away): handed to the user with the wait, not slept.
    m_fake->server().clearRequests();
    m_fake->throttleNext(1, 3600);
    const auto later = wait<QString>([&](auto done) { m_provider->checkCredential(done); });
    QVERIFY(!later.ok());
    QCOMPARE(later.error().code, ErrorCode::RateLimited);
    QVERIFY(later.error().retryAfterSeconds.has_value());
    QVERIFY(*later.error().retryAfterSeconds > 3500);
    QCOMPARE(m_fake->server().count("GET", QStringLiteral("/v2/account")), 1);
}

void tst_DigitalOcean::launchSurvivesDroppedConnection()
{
    startFake();
    const LaunchRequest req = request();
    Instance launched;
    test::dropAfterLaunch(faults(), req, &launched);
    if (QTest::currentTestFailed())
        return;
    QVERIFY(m_fake->droplet(launched.id.toLongLong())[QStringLiteral("tags")].toArray().contains(
        QJsonValue(digitalocean::tokenTag(req.clientToken))));
}

void tst_DigitalOcean::launchAfter500IsCheckedFirst()
{
    startFake();
    test::launchAfter500(faults());
}

void tst_DigitalOcean::launchMalformedAnswer()
{
    startFake();
    test::malformedLaunchAnswer(faults());
}

void tst_DigitalOcean::refusalsAreClear()
{
    startFake();
    m_fake->setSoldOut(QStringLiteral("nyc2"));
    const auto r = wait<Instance>(
        [&](auto done) { m_provider->launch(request(QStringLiteral("nyc2")), done); });
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::NoCapacity);
    QCOMPARE(m_fake->dropletCount(), 0);
    QCOMPARE(m_fake->server().count("POST", QStringLiteral("/v2/droplets")), 1);
    LaunchRequest bad = request();
    bad.planId = QStringLiteral("not-a-size");
    const auto b = wait<Instance>([&](auto done) { m_provider->launch(bad, done); });
    QVERIFY(!b.ok());
    QCOMPARE(b.error().code, ErrorCode::InvalidInput);
    QVERIFY2(b.error().message.contains(QLatin1String("invalid size")),
             qPrintable(b.error().message));
    LaunchRequest spot = request();
    spot.spot = true;
    const auto s = wait<Instance>([&](auto done) { m_provider->launch(spot, done); });
    QVERIFY(!s.ok());
    QCOMPARE(s.error().code, ErrorCode::InvalidInput);
    LaunchRequest keyless = request();
    keyless.sshPublicKeys.clear();
    QVERIFY(!wait<Instance>([&](auto done) { m_provider->launch(keyless, done); }).ok());
    QCOMPARE(m_fake->dropletCount(), 0);
}

void tst_DigitalOcean::badToken()
{
    startFake();
    m_provider->setCredential(QStringLiteral("wrong"));
    const auto who = wait<QString>([&](auto done) { m_provider->checkCredential(done); });
    QVERIFY(!who.ok());
    QCOMPARE(who.error().code, ErrorCode::Unauthorized);
    QVERIFY2(who.error().message.contains(QLatin1String("Settings")),
             qPrintable(who.error().message));
    m_provider->setCredential(QStringLiteral("good-token"));
    QVERIFY(wait<QString>([&](auto done) { m_provider->checkCredential(done); }).ok());
}

void tst_DigitalOcean::catalogWithoutToken()
{
    startFake();
    // No token, no cache, no bundled file: the error says to add a token; nothing was sent.
    ProviderContext ctx;
    ctx.cacheDir = m_env->path() + QStringLiteral("/cache/digitalocean-notoken");
    DigitalOceanProvider bare(ctx);
    const auto none = wait<Catalog>([&](auto done) { bare.fetchCatalog(done); });
    QVERIFY(!none.ok());
    QVERIFY2(none.error().message.contains(QLatin1String("Settings")),
             qPrintable(none.error().message));
    QCOMPARE(m_fake->server().requests().size(), 0);

    // With a bundled, dated catalog the table has content on the first start.
    Catalog dated;
    dated.fetchedAt = QDateTime(QDate(2025, 6, 1), QTime(0, 0), QTimeZone::utc());
    Plan p;
    p.provider = QStringLiteral("digitalocean");
    p.id = QStringLiteral("gpu-h100x1-80gb");
    p.onDemandHourly = 3.39;
    p.fetchedAt = dated.fetchedAt;
    dated.plans = {p};
    const QString bundled = m_env->path() + QStringLiteral("/bundled");
    QVERIFY(QDir().mkpath(bundled));
    QFile f(bundled + QStringLiteral("/digitalocean.json"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QJsonDocument(CatalogCache::toJson(dated)).toJson());
    f.close();
    ctx.bundledCatalogDir = bundled;
    DigitalOceanProvider withBundle(ctx);
    const auto served = wait<Catalog>([&](auto done) { withBundle.fetchCatalog(done); });
    QVERIFY2(served.ok(), qPrintable(served.ok() ? QString() : message(served.error())));
    QCOMPARE(served.value().fetchedAt, dated.fetchedAt);
    QCOMPARE(served.value().plans.size(), 1);

    // A live answer replaces it and is cached.
    withBundle.setCredential(QStringLiteral("good-token"));
    const auto live = wait<Catalog>([&](auto done) { withBundle.fetchCatalog(done); });
    QVERIFY(live.ok());
    QCOMPARE(live.value().plans.size(), 3);
    QVERIFY(live.value().fetchedAt > dated.fetchedAt);
}

QTEST_GUILESS_MAIN(tst_DigitalOcean)
#include "tst_digitalocean.moc"
