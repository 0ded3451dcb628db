// Lambda: replay of the published spec's examples through the parsers, error bodies →
// messages, the client against `prism mock` serving the spec (contract), and the whole client
// against a stateful fake on loopback: catalog → key → launch → poll → terminate, with 429s,
// 500s, a malformed body and a connection dropped right after the launch request.
#include "asyncwait.h"
#include "billing.h"
#include "fakelambda.h"
#include "lambda/lambdaapi.h"
#include "lambda/lambdaprovider.h"
#include "launchfaults.h"
#include "prismmock.h"
#include "restclient.h"
#include "testenv.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

using namespace gpudeck;
using gpudeck::test::FakeHttpFault;
using gpudeck::test::FakeLambda;
using gpudeck::test::message;
using gpudeck::test::response;
using gpudeck::test::wait;
using gpudeck::test::waitVoid;

namespace {

QJsonObject readJson(const QString& path)
{
    return QJsonDocument::fromJson(gpudeck::test::readFile(path)).object();
}

const QString kKey = QStringLiteral(
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGpudGVzdGtleWdwdWRlY2tsYW1iZGF0ZXN0 gpudeck");

} // namespace

class tst_Lambda final : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void replayInstanceTypes();
    void replayInstances();
    void replayImagesAndKeys();
    void errorMessages_data();
    void errorMessages();
    void billingRule();
    void guardNoteIsPlain();
    void contractAgainstPrism();
    void fullFlow();
    void reusesRegisteredKey();
    void launchSurvivesDroppedConnection();
    void launchAfter500IsCheckedFirst();
    void launchMalformedAnswer();
    void rateLimits();
    void refusalsAreClear();
    void badToken();
    void cleanupTestCase();

private:
    std::unique_ptr<gpudeck::test::IsolatedEnvironment> m_env;
    std::unique_ptr<FakeLambda> m_fake;
    std::unique_ptr<LambdaProvider> m_provider;
    void startFake(bool fastLimits = true);
    test::LaunchFaults faults();
    LaunchRequest request(const QString& region = QStringLiteral("us-east-1")) const;
};

void tst_Lambda::initTestCase()
{
    m_env = std::make_unique<gpudeck::test::IsolatedEnvironment>();
}

void tst_Lambda::cleanupTestCase()
{
    m_provider.reset();
    m_fake.reset();
    qunsetenv("GPUDECK_API_BASE_LAMBDA");
}

void tst_Lambda::startFake(bool fastLimits)
{
    m_provider.reset();
    m_fake = std::make_unique<FakeLambda>(QStringLiteral("good-key"));
    QVERIFY(m_fake->listen());
    qputenv("GPUDECK_API_BASE_LAMBDA", m_fake->baseUrl().toUtf8());
    ProviderContext ctx;
    ctx.cacheDir = m_env->path() + QStringLiteral("/cache/lambda");
    m_provider = std::make_unique<LambdaProvider>(ctx);
    m_provider->rest().setBackoffBaseMs(20);
    if (fastLimits) {
        // Lambda's 1 request/s and 1 launch/12 s would make every fault test take minutes;
        // rateLimits() checks them as configured.
        m_provider->rest().rateLimiter().setLimit(QStringLiteral("default"), {});
        m_provider->rest().rateLimiter().setLimit(QStringLiteral("create"), {});
    }
    m_provider->setCredential(QStringLiteral("good-key"));
}

test::LaunchFaults tst_Lambda::faults()
{
    return {m_provider.get(), &m_fake->server(),
            QStringLiteral("/api/v1/instance-operations/launch"), [this] { return request(); },
            [this] { return m_fake->instanceCount(); }};
}

LaunchRequest tst_Lambda::request(const QString& region) const
{
    LaunchRequest r;
    r.planId = QStringLiteral("gpu_1x_a10");
    r.region = region;
    r.name = QStringLiteral("my training box");
    r.sshPublicKeys = {kKey};
    r.clientToken = QUuid::createUuid().toString(QUuid::WithoutBraces);
    return r;
}

void tst_Lambda::replayInstanceTypes()
{
    GPUDECK_REQUIRE_SHARED(shared);
    const QJsonObject data =
        readJson(shared + QStringLiteral("/providers/lambda/m_instance_types_response.json"))
            .value(QStringLiteral("data"))
            .toObject();
    QCOMPARE(data.size(), 20);
    const QDateTime at = QDateTime::currentDateTimeUtc();
    const QList<Plan> plans = lambda::plansFromTypes(data, at);
    QCOMPARE(plans.size(), 19); // cpu_4x_general has no GPU
    const auto find = [&](const QString& id) {
        return *std::find_if(plans.begin(), plans.end(), [&](const Plan& p) { return p.id == id; });
    };
    const Plan a10 = find(QStringLiteral("gpu_1x_a10"));
    QCOMPARE(a10.gpuModel, QStringLiteral("A10"));
    QCOMPARE(a10.vramGb, 24.0);
    QCOMPARE(a10.gpuCount, 1);
    QCOMPARE(a10.vcpus, 30);
    QCOMPARE(a10.ramGb, 200.0);
    QCOMPARE(a10.diskGb, 1400.0);
    QCOMPARE(a10.onDemandHourly, 0.75);
    QCOMPARE(a10.regionsAvailable,
             (QStringList{QStringLiteral("us-east-1"), QStringLiteral("us-west-1")}));
    QVERIFY(a10.available);
    QVERIFY(!a10.spotHourly.has_value());
    QCOMPARE(a10.fetchedAt, at);
    QCOMPARE(a10.billing.granularity, BillingRule::Granularity::Minute);
    const Plan h100 = find(QStringLiteral("gpu_8x_h100_sxm5"));
    QCOMPARE(h100.gpuModel, QStringLiteral("H100"));
    QCOMPARE(h100.vramGb, 80.0);
    QCOMPARE(h100.gpuCount, 8);
    QCOMPARE(h100.onDemandHourly, 23.92);
    QCOMPARE(h100.pricePerGpuHour(), 2.99);
    QCOMPARE(h100.regionsAvailable.size(), 3);
    const Plan gh200 = find(QStringLiteral("gpu_1x_gh200"));
    QVERIFY(!gh200.available); // no region with capacity
    QCOMPARE(gh200.vramGb, 96.0);
    const QList<Region> regions = lambda::regionsFromTypes(data);
    QVERIFY(std::any_of(regions.begin(), regions.end(), [](const Region& r) {
        return r.id == QLatin1String("us-east-1") && r.name == QLatin1String("Virginia, USA");
    }));
}

void tst_Lambda::replayInstances()
{
    GPUDECK_REQUIRE_SHARED(shared);
    const QJsonObject one =
        readJson(shared + QStringLiteral("/providers/lambda/m_instance_get_response.json"))
            .value(QStringLiteral("data"))
            .toObject();
    const Instance i = lambda::instanceFrom(one);
    QCOMPARE(i.provider, QStringLiteral("lambda"));
    QCOMPARE(i.id, QStringLiteral("0920582c7ff041399e34823a0be62549"));
    QCOMPARE(i.name, QStringLiteral("My Instance"));
    QCOMPARE(i.status, InstanceStatus::Booting);
    QCOMPARE(i.host, QStringLiteral("198.51.100.2")); // the public address, not the private one
    QCOMPARE(i.sshPort, 22);
    QCOMPARE(i.user, QStringLiteral("ubuntu"));
    QCOMPARE(i.region, QStringLiteral("us-west-1"));
    QCOMPARE(i.planId, QStringLiteral("gpu_8x_h100_sxm5gdr"));
    QCOMPARE(i.priceHourly, 35.92);
    QCOMPARE(i.gpuCount, 8);
    QCOMPARE(i.gpuModel, QStringLiteral("H100"));
    QCOMPARE(i.diskGb, 24780.0);
    const QJsonArray list =
        readJson(shared + QStringLiteral("/providers/lambda/m_instances_response.json"))
            .value(QStringLiteral("data"))
            .toArray();
    QCOMPARE(list.size(), 1);
    QCOMPARE(lambda::instanceFrom(list.first().toObject()).id, i.id);
    QVERIFY(!lambda::carriesToken(one, QStringLiteral("value1")));
    QCOMPARE(lambda::statusFrom(QStringLiteral("active")), InstanceStatus::Running);
    QCOMPARE(lambda::statusFrom(QStringLiteral("terminating")), InstanceStatus::Destroying);
    QCOMPARE(lambda::statusFrom(QStringLiteral("preempted")), InstanceStatus::Destroyed);
    QCOMPARE(lambda::statusFrom(QStringLiteral("unhealthy")), InstanceStatus::Error);
}

void tst_Lambda::replayImagesAndKeys()
{
    GPUDECK_REQUIRE_SHARED(shared);
    const QList<Image> images = lambda::imagesFrom(
        readJson(shared + QStringLiteral("/providers/lambda/m_images_response.json"))
            .value(QStringLiteral("data"))
            .toArray());
    QCOMPARE(images.size(), 7); // one per family (118 images in many regions)
    QVERIFY(images.first().cudaReady);
    QVERIFY(images.first().id.startsWith(QLatin1String("lambda-stack-2")));
    QVERIFY(std::any_of(images.begin(), images.end(), [](const Image& i) {
        return i.id == QLatin1String("ubuntu-22-04") && !i.cudaReady;
    }));
    const QJsonArray keys =
        readJson(shared + QStringLiteral("/providers/lambda/m_ssh_keys_response.json"))
            .value(QStringLiteral("data"))
            .toArray();
    QCOMPARE(keys.size(), 2);
    const QString pub = keys.first()[QStringLiteral("public_key")].toString();
    // The same key with another comment is the same key.
    QCOMPARE(RestProvider::keyMaterial(pub + QStringLiteral(" other-comment")),
             RestProvider::keyMaterial(pub));
    QCOMPARE(RestProvider::keyName(pub), RestProvider::keyName(RestProvider::keyMaterial(pub)));
    QVERIFY(RestProvider::keyName(pub).size() <= 64);
}

void tst_Lambda::errorMessages_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<ErrorCode>("code");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("bad key")
        << 401
        << QByteArray(
               R"({"error":{"code":"global/invalid-api-key","message":"API key was invalid, expired, or deleted."}})")
        << ErrorCode::Unauthorized << QStringLiteral("Settings");
    QTest::newRow("not found")
        << 404
        << QByteArray(
               R"({"error":{"code":"global/object-does-not-exist","message":"Specified instance does not exist."}})")
        << ErrorCode::NotFound << QStringLiteral("does not know");
    QTest::newRow("field")
        << 400
        << QByteArray(
               R"({"error":{"code":"global/invalid-parameters","message":"Invalid instance type name.","suggestion":"Check instance_type_name."}})")
        << ErrorCode::InvalidInput << QStringLiteral("instance type name");
    QTest::newRow("capacity")
        << 400
        << QByteArray(
               R"({"error":{"code":"instance-operations/launch/insufficient-capacity","message":"Not enough capacity to fulfill launch request."}})")
        << ErrorCode::NoCapacity << QStringLiteral("Pick a region");
    QTest::newRow("quota")
        << 403
        << QByteArray(
               R"({"error":{"code":"global/quota-exceeded","message":"Quota exceeded.","suggestion":"Contact Support to increase your quota."}})")
        << ErrorCode::Forbidden << QStringLiteral("Contact Support");
    QTest::newRow("inactive")
        << 403
        << QByteArray(
               R"({"error":{"code":"global/account-inactive","message":"Your account is inactive."}})")
        << ErrorCode::Forbidden << QStringLiteral("inactive");
    QTest::newRow("server") << 500 << QByteArray("<html>oops</html>") << ErrorCode::ProviderFailure
                            << QStringLiteral("try again");
}

void tst_Lambda::errorMessages()
{
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(ErrorCode, code);
    QFETCH(QString, mentions);
    const Error e = lambda::errorFrom(response(status, body));
    QCOMPARE(e.code, code);
    QVERIFY2(e.message.contains(mentions, Qt::CaseInsensitive), qPrintable(e.message));
}

void tst_Lambda::billingRule()
{
    // Hourly price billed per started minute: 61 s of a $0.75/h plan cost two minutes.
    Instance i;
    i.priceHourly = 0.75;
    i.billing = lambda::billingRule();
    i.createdAt = QDateTime(QDate(2026, 1, 1), QTime(0, 0), QTimeZone::utc());
    QCOMPARE(costOf(i, i.createdAt.addSecs(61)).computeCents, 3); // 2 min = 2.5 ¢, rounded up
    QCOMPARE(costOf(i, i.createdAt.addSecs(3600)).computeCents, 75);
    QCOMPARE(costOf(i, i.createdAt.addSecs(4 * 3600)).computeCents, 300);
    QVERIFY(!i.billing.stoppedBillsCompute);
}

void tst_Lambda::guardNoteIsPlain()
{
    ProviderContext ctx;
    LambdaProvider p(ctx);
    QVERIFY(p.guardNote().contains(QLatin1String("does not stop billing")));
    QVERIFY(p.guardNote().contains(QLatin1String("terminate")));
    QVERIFY(p.selfStopCommand().isEmpty()); // a shutdown keeps billing: no watchdog
    QVERIFY(!p.capabilities().stopStart);
    const auto stopped = wait<Instance>([&](auto done) { p.stop(QStringLiteral("x"), done); });
    QVERIFY(!stopped.ok());
    QCOMPARE(stopped.error().code, ErrorCode::Unsupported);
}

void tst_Lambda::contractAgainstPrism()
{
    GPUDECK_REQUIRE_SHARED(shared);
    GPUDECK_REQUIRE_PRISM();
    gpudeck::test::PrismMock prism;
    QVERIFY2(prism.start(shared + QStringLiteral("/providers/lambda/lambda-openapi-1.8.3.json")),
             qPrintable(prism.error()));
    qputenv("GPUDECK_API_BASE_LAMBDA", prism.baseUrl().toUtf8());
    ProviderContext ctx;
    ctx.cacheDir = m_env->path() + QStringLiteral("/cache/lambda-prism");
    LambdaProvider p(ctx);
    p.rest().rateLimiter().setLimit(QStringLiteral("default"), {});
    p.rest().rateLimiter().setLimit(QStringLiteral("create"), {});
    p.setCredential(QStringLiteral("secret_prism-test-key"));

    const auto who = wait<QString>([&](auto done) { p.checkCredential(done); });
    QVERIFY2(who.ok(), qPrintable(who.ok() ? QString() : message(who.error())));
    const auto cat = wait<Catalog>([&](auto done) { p.fetchCatalog(done); });
    QVERIFY2(cat.ok(), qPrintable(cat.ok() ? QString() : message(cat.error())));
    QVERIFY(!cat.value().plans.isEmpty());
    QVERIFY(cat.value().images.first().cudaReady);
    const auto list = wait<QList<Instance>>([&](auto done) { p.listInstances(done); });
    QVERIFY2(list.ok(), qPrintable(list.ok() ? QString() : message(list.error())));
    QVERIFY(!list.value().isEmpty());
    const auto one = wait<Instance>([&](auto done) {
        p.getInstance(QStringLiteral("0920582c7ff041399e34823a0be62549"), done);
    });
    QVERIFY2(one.ok(), qPrintable(one.ok() ? QString() : message(one.error())));
    QCOMPARE(one.value().host, QStringLiteral("198.51.100.2"));
    // Key lookup, key registration, launch (with image family and tag) and the first poll.
    LaunchRequest req = request();
    req.imageId = QStringLiteral("lambda-stack-22-04");
    const auto launched = wait<Instance>([&](auto done) { p.launch(req, done); });
    QVERIFY2(launched.ok(), qPrintable(launched.ok() ? QString() : message(launched.error())));
    const auto gone = waitVoid([&](auto done) { p.destroy(launched.value().id, done); });
    QVERIFY2(gone.ok(), qPrintable(gone.ok() ? QString() : message(gone.error())));
    const QStringList violations = prism.violations();
    QVERIFY2(violations.isEmpty(), qPrintable(violations.join(QLatin1Char('\n'))));
    // Prism did see our requests (the log is not silently empty).
    QVERIFY2(prism.log().contains(QLatin1String("/api/v1/instance-operations/launch")),
             qPrintable(prism.log().right(2000)));
    qunsetenv("GPUDECK_API_BASE_LAMBDA");
}

void tst_Lambda::fullFlow()
{
    startFake();
    m_fake->setPollsPerStep(2);
    // Polls get one 429 without Retry-After, one with, and a 500; each is waited out.
    m_fake->server().inject(
        {FakeHttpFault::Kind::Status, "GET", QStringLiteral("/api/v1/instances/"), 429, {}, 1});
    m_fake->server().inject(
        {FakeHttpFault::Kind::Status, "GET", QStringLiteral("/api/v1/instances/"), 429, "1", 1});
    m_fake->server().inject(
        {FakeHttpFault::Kind::Status, "GET", QStringLiteral("/api/v1/instances/"), 500, {}, 1});
    const auto cat = wait<Catalog>([&](auto done) { m_provider->fetchCatalog(done); });
    QVERIFY2(cat.ok(), qPrintable(cat.ok() ? QString() : message(cat.error())));
    QCOMPARE(cat.value().plans.size(), 2);
    QCOMPARE(cat.value().plans.first().id, QStringLiteral("gpu_1x_a10"));
    QCOMPARE(cat.value().images.first().id, QStringLiteral("lambda-stack-22-04"));
    QVERIFY(!cat.value().plans.last().available);

    const LaunchRequest req = request();
    const auto launched = wait<Instance>([&](auto done) { m_provider->launch(req, done); });
    QVERIFY2(launched.ok(), qPrintable(launched.ok() ? QString() : message(launched.error())));
    const Instance first = launched.value();
    QCOMPARE(first.provider, QStringLiteral("lambda"));
    QCOMPARE(first.priceHourly, 0.75);
    QCOMPARE(first.name, QStringLiteral("my training box"));
    // The app's key was registered under GPUDeck's name and named in the launch.
    QCOMPARE(m_fake->keys().size(), 1);
    QCOMPARE(m_fake->keys().first()[QStringLiteral("public_key")].toString(), kKey);
    QCOMPARE(m_fake->launchKeys(first.id), QStringList{RestProvider::keyName(kKey)});
    QVERIFY(lambda::carriesToken(m_fake->instance(first.id), req.clientToken));

    Instance now = first;
    for (int i = 0; i < 20 && now.status != InstanceStatus::Running; ++i) {
        const auto got =
            wait<Instance>([&](auto done) { m_provider->getInstance(first.id, done); });
        QVERIFY2(got.ok(), qPrintable(got.ok() ? QString() : message(got.error())));
        now = got.value();
    }
    QCOMPARE(now.status, InstanceStatus::Running);
    QCOMPARE(now.host, QStringLiteral("127.0.0.1"));
    QCOMPARE(now.sshPort, 22);

    const auto listed = wait<QList<Instance>>([&](auto done) { m_provider->listInstances(done); });
    QVERIFY(listed.ok());
    QCOMPARE(listed.value().size(), 1);

    // The terminate goes through but its answer is lost: sent again, "not found" means gone.
    m_fake->server().inject({FakeHttpFault::Kind::DropAfterHandle,
                             "POST",
                             QStringLiteral("/api/v1/instance-operations/terminate"),
                             0,
                             {},
                             1});
    const auto gone = waitVoid([&](auto done) { m_provider->destroy(first.id, done); });
    QVERIFY2(gone.ok(), qPrintable(gone.ok() ? QString() : message(gone.error())));
    const auto confirm =
        wait<Instance>([&](auto done) { m_provider->getInstance(first.id, done); });
    QVERIFY(!confirm.ok());
    QCOMPARE(confirm.error().code, ErrorCode::NotFound);
    QCOMPARE(m_fake->instanceCount(), 0);
}

void tst_Lambda::reusesRegisteredKey()
{
    startFake();
    // The user registered the same key on Lambda's site under their own name, other comment.
    m_fake->addKey(QStringLiteral("laptop"),
                   RestProvider::keyMaterial(kKey) + QStringLiteral(" me@laptop"));
    const auto r = wait<Instance>([&](auto done) { m_provider->launch(request(), done); });
    QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : message(r.error())));
    QCOMPARE(m_fake->keys().size(), 1);
    QCOMPARE(m_fake->launchKeys(r.value().id), QStringList{QStringLiteral("laptop")});
    QCOMPARE(m_fake->server().count("POST", QStringLiteral("/api/v1/ssh-keys")), 0);
}

void tst_Lambda::launchSurvivesDroppedConnection()
{
    startFake();
    const LaunchRequest req = request();
    Instance launched;
    test::dropAfterLaunch(faults(), req, &launched);
    if (QTest::currentTestFailed())
        return;
    QVERIFY(lambda::carriesToken(m_fake->instance(launched.id), req.clientToken));
}

void tst_Lambda::launchAfter500IsCheckedFirst()
{
    startFake();
    test::launchAfter500(faults());
}

void tst_Lambda::launchMalformedAnswer()
{
    startFake();
    test::malformedLaunchAnswer(faults());
}

void tst_Lambda::rateLimits()
{
    startFake(false);
    QCOMPARE(m_provider->rest().rateLimiter().limit(QStringLiteral("default")).requests, 1);
    QCOMPARE(m_provider->rest().rateLimiter().limit(QStringLiteral("default")).windowMs, 1000);
    QCOMPARE(m_provider->rest().rateLimiter().limit(QStringLiteral("create")).requests, 1);
    QCOMPARE(m_provider->rest().rateLimiter().limit(QStringLiteral("create")).windowMs, 12000);
    // Three reads go out about a second apart, never faster.
    QElapsedTimer t;
    t.start();
    for (int i = 0; i < 3; ++i)
        QVERIFY(wait<QList<Instance>>([&](auto done) { m_provider->listInstances(done); }).ok());
    QVERIFY2(t.elapsed() >= 1900, qPrintable(QString::number(t.elapsed())));
    // A 429 on the launch itself (Lambda did not process it): sent again after the wait.
    m_provider->rest().rateLimiter().setLimit(QStringLiteral("default"), {});
    m_provider->rest().rateLimiter().setLimit(QStringLiteral("create"), {});
    m_fake->server().inject({FakeHttpFault::Kind::Status, "POST",
                             QStringLiteral("/api/v1/instance-operations/launch"), 429, "1", 1});
    const auto r = wait<Instance>([&](auto done) { m_provider->launch(request(), done); });
    QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : message(r.error())));
    QCOMPARE(m_fake->instanceCount(), 1);
    QCOMPARE(m_fake->server().count("POST", QStringLiteral("/api/v1/instance-operations/launch")),
             2);
}

void tst_Lambda::refusalsAreClear()
{
    startFake();
    m_fake->setSoldOut(QStringLiteral("us-west-1"));
    const auto r = wait<Instance>(
        [&](auto done) { m_provider->launch(request(QStringLiteral("us-west-1")), done); });
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::NoCapacity);
    QVERIFY2(r.error().message.contains(QLatin1String("Pick a region")),
             qPrintable(r.error().message));
    QCOMPARE(m_fake->instanceCount(), 0);
    QCOMPARE(m_fake->server().count("POST", QStringLiteral("/api/v1/instance-operations/launch")),
             1);

    LaunchRequest bad = request();
    bad.planId = QStringLiteral("nope");
    const auto b = wait<Instance>([&](auto done) { m_provider->launch(bad, done); });
    QVERIFY(!b.ok());
    QCOMPARE(b.error().code, ErrorCode::InvalidInput);
    QVERIFY2(b.error().message.contains(QLatin1String("instance_type_name")),
             qPrintable(b.error().message));

    LaunchRequest spot = request();
    spot.spot = true;
    const auto s = wait<Instance>([&](auto done) { m_provider->launch(spot, done); });
    QVERIFY(!s.ok());
    QCOMPARE(s.error().code, ErrorCode::InvalidInput);
    QCOMPARE(m_fake->instanceCount(), 0);
}

void tst_Lambda::badToken()
{
    startFake();
    m_provider->setCredential(QStringLiteral("wrong"));
    const auto who = wait<QString>([&](auto done) { m_provider->checkCredential(done); });
    QVERIFY(!who.ok());
    QCOMPARE(who.error().code, ErrorCode::Unauthorized);
    QVERIFY(who.error().message.contains(QLatin1String("Settings")));
    m_provider->setCredential(QStringLiteral("good-key"));
    const auto ok = wait<QString>([&](auto done) { m_provider->checkCredential(done); });
    QVERIFY(ok.ok());
    // No key: no instances to list, and that is not an error.
    m_provider->setCredential({});
    const auto l = wait<QList<Instance>>([&](auto done) { m_provider->listInstances(done); });
    QVERIFY(l.ok());
    QVERIFY(l.value().isEmpty());
}

QTEST_GUILESS_MAIN(tst_Lambda)
#include "tst_lambda.moc"
