// RunPod v2: replay of the published spec's examples through the parsers, problem+json errors →
// messages, the client against `prism mock` serving the spec (contract), and the whole client
// against a stateful fake on loopback: catalog → launch → poll → stop → start → destroy, with
// 429s, 500s, a malformed body and a connection dropped right after the launch request.
#include "asyncwait.h"
#include "billing.h"
#include "fakerunpod.h"
#include "launchfaults.h"
#include "prismmock.h"
#include "restclient.h"
#include "runpod/runpodapi.h"
#include "runpod/runpodprovider.h"
#include "testenv.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

using namespace gpudeck;
using gpudeck::test::FakeHttpFault;
using gpudeck::test::FakeRunPod;
using gpudeck::test::message;
using gpudeck::test::response;
using gpudeck::test::wait;
using gpudeck::test::waitVoid;

namespace {

// The example `name` of a response in the spec.
QJsonValue example(const QJsonObject& spec, const QString& path, const QString& method,
                   const QString& status, const QString& name)
{
    return spec.value(
        QStringLiteral("paths"))[path][method][QStringLiteral("responses")][status]
                                [QStringLiteral("content")][QStringLiteral("application/json")]
                                [QStringLiteral("examples")][name][QStringLiteral("value")];
}

const QString kKey = QStringLiteral(
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGpudGVzdGtleWdwdWRlY2tydW5wb2R0ZXN0 gpudeck");

} // namespace

class tst_RunPod final : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void replaySpecExamples();
    void errorMessages_data();
    void errorMessages();
    void billingRule();
    void guardNoteIsPlain();
    void contractAgainstPrism();
    void fullFlow();
    void launchSurvivesDroppedConnection();
    void launchAfter500IsCheckedFirst();
    void launchMalformedAnswer();
    void refusalsAreClear();
    void badToken();
    void cleanupTestCase();

private:
    std::unique_ptr<gpudeck::test::IsolatedEnvironment> m_env;
    std::unique_ptr<FakeRunPod> m_fake;
    std::unique_ptr<RunPodProvider> m_provider;
    void startFake();
    test::LaunchFaults faults();
    LaunchRequest request(const QString& region = QStringLiteral("US-KS-2")) const;
};

void tst_RunPod::initTestCase()
{
    m_env = std::make_unique<gpudeck::test::IsolatedEnvironment>();
}

void tst_RunPod::cleanupTestCase()
{
    m_provider.reset();
    m_fake.reset();
    qunsetenv("GPUDECK_API_BASE_RUNPOD");
}

void tst_RunPod::startFake()
{
    m_provider.reset();
    m_fake = std::make_unique<FakeRunPod>(QStringLiteral("good-key"));
    QVERIFY(m_fake->listen());
    qputenv("GPUDECK_API_BASE_RUNPOD", m_fake->baseUrl().toUtf8());
    ProviderContext ctx;
    ctx.cacheDir = m_env->path() + QStringLiteral("/cache/runpod");
    m_provider = std::make_unique<RunPodProvider>(ctx);
    m_provider->rest().setBackoffBaseMs(20);
    m_provider->setCredential(QStringLiteral("good-key"));
}

test::LaunchFaults tst_RunPod::faults()
{
    return {m_provider.get(), &m_fake->server(), QStringLiteral("/v2/pods"),
            [this] { return request(); }, [this] { return m_fake->podCount(); }};
}

LaunchRequest tst_RunPod::request(const QString& region) const
{
    LaunchRequest r;
    r.planId = runpod::planId(QStringLiteral("NVIDIA GeForce RTX 4090"), 2);
    r.region = region;
    r.name = QStringLiteral("my training box");
    r.sshPublicKeys = {kKey};
    r.diskGb = 80;
    r.clientToken = QUuid::createUuid().toString(QUuid::WithoutBraces);
    return r;
}

void tst_RunPod::replaySpecExamples()
{
    GPUDECK_REQUIRE_SHARED(shared);
    const QJsonObject spec =
        QJsonDocument::fromJson(
            gpudeck::test::readFile(shared +
                                    QStringLiteral("/providers/runpod/rest-openapi-v2.json")))
            .object();
    QVERIFY(!spec.isEmpty());
    const QDateTime at = QDateTime::currentDateTimeUtc();
    const QJsonArray gpus =
        example(spec, QStringLiteral("/v2/catalog/gpus"), QStringLiteral("get"),
                QStringLiteral("200"), QStringLiteral("gpus"))[QStringLiteral("gpus")]
            .toArray();
    QCOMPARE(gpus.size(), 1);
    const QList<Plan> plans = runpod::plansFromGpus(gpus, at);
    QCOMPARE(plans.size(), 4); // 1, 2, 4, 8 of the RTX 4090 (secure maximum 8)
    const Plan& one = plans.first();
    QCOMPARE(one.id, QStringLiteral("NVIDIA GeForce RTX 4090|1"));
    QCOMPARE(one.gpuModel, QStringLiteral("RTX 4090"));
    QCOMPARE(one.vramGb, 24.0);
    QCOMPARE(one.onDemandHourly, 0.44);
    QVERIFY(one.spotHourly.has_value());
    QCOMPARE(*one.spotHourly, 0.31);
    QCOMPARE(one.regions, QStringList{QStringLiteral("US-KS-2")});
    QCOMPARE(one.regionsAvailable, QStringList{QStringLiteral("US-KS-2")});
    QVERIFY(one.available);
    QCOMPARE(one.fetchedAt, at);
    QCOMPARE(plans.at(1).onDemandHourly, 0.88);
    QCOMPARE(*plans.at(1).spotHourly, 0.62);
    QVERIFY(!plans.last().spotHourly.has_value()); // 8 GPUs exceed the community maximum of 4

    const QJsonObject created = example(spec, QStringLiteral("/v2/pods"), QStringLiteral("post"),
                                        QStringLiteral("201"), QStringLiteral("pod"))
                                    .toObject();
    const Instance c = runpod::instanceFrom(created);
    QCOMPARE(c.id, QStringLiteral("7h9k2m4n6p"));
    QCOMPARE(c.status, InstanceStatus::Provisioning);
    QVERIFY(c.host.isEmpty()); // only the proxy so far: no SFTP-capable address yet
    QCOMPARE(c.priceHourly, 0.44);
    QCOMPARE(c.diskGb, 70.0); // 50 GB container disk + 20 GB volume
    QCOMPARE(c.region, QStringLiteral("US-KS-2"));
    QCOMPARE(c.planId, QStringLiteral("NVIDIA GeForce RTX 4090|1"));

    const QJsonObject running =
        example(spec, QStringLiteral("/v2/pods/{id}/action"), QStringLiteral("post"),
                QStringLiteral("200"), QStringLiteral("pod"))
            .toObject();
    const Instance r = runpod::instanceFrom(running);
    QCOMPARE(r.status, InstanceStatus::Running);
    QCOMPARE(r.host, QStringLiteral("195.26.233.3")); // direct TCP, not ssh.runpod.io
    QCOMPARE(r.sshPort, 34446);
    QCOMPARE(r.user, QStringLiteral("root"));
    QCOMPARE(r.startedAt, QDateTime(QDate(2026, 6, 1), QTime(12, 2), QTimeZone::utc()));
    QCOMPARE(runpod::statusFrom(QStringLiteral("EXITED")), InstanceStatus::Stopped);
    QCOMPARE(runpod::statusFrom(QStringLiteral("TERMINATED")), InstanceStatus::Destroyed);
}

void tst_RunPod::errorMessages_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<ErrorCode>("code");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("bad key")
        << 401 << QByteArray(R"({"title":"Unauthorized","status":401,"detail":"invalid api key"})")
        << ErrorCode::Unauthorized << QStringLiteral("Settings");
    QTest::newRow("not found")
        << 404 << QByteArray(R"({"title":"Not Found","status":404,"detail":"pod not found"})")
        << ErrorCode::NotFound << QStringLiteral("pod not found");
    QTest::newRow("field")
        << 400
        << QByteArray(
               R"({"title":"Bad Request","status":400,"detail":"invalid request","errors":["$: additional properties 'bogus' not allowed"]})")
        << ErrorCode::InvalidInput << QStringLiteral("'bogus'");
    QTest::newRow("capacity")
        << 400
        << QByteArray(
               R"({"title":"Bad Request","status":400,"detail":"There are no instances currently available"})")
        << ErrorCode::NoCapacity << QStringLiteral("community cloud");
    QTest::newRow("quota")
        << 403
        << QByteArray(
               R"({"title":"Forbidden","status":403,"detail":"insufficient balance to deploy"})")
        << ErrorCode::Forbidden << QStringLiteral("Add credit");
    QTest::newRow("state")
        << 409
        << QByteArray(
               R"({"title":"Conflict","status":409,"detail":"action not valid for current pod status"})")
        << ErrorCode::Conflict << QStringLiteral("current pod status");
    QTest::newRow("server") << 502 << QByteArray("<html>bad gateway</html>")
                            << ErrorCode::ProviderFailure << QStringLiteral("try again");
}

void tst_RunPod::errorMessages()
{
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(ErrorCode, code);
    QFETCH(QString, mentions);
    const Error e = runpod::errorFrom(response(status, body));
    QCOMPARE(e.code, code);
    QVERIFY2(e.message.contains(mentions, Qt::CaseInsensitive), qPrintable(e.message));
}

void tst_RunPod::billingRule()
{
    // Per second: 90 s of a $0.88/h pod cost 2.2 ¢.
    Instance i;
    i.priceHourly = 0.88;
    i.billing = runpod::billingRule();
    i.createdAt = QDateTime(QDate(2026, 1, 1), QTime(0, 0), QTimeZone::utc());
    QCOMPARE(costOf(i, i.createdAt.addSecs(3600)).computeCents, 88);
    QVERIFY(costOf(i, i.createdAt.addSecs(90)).computeCents <= 3);
    QVERIFY(!i.billing.stoppedBillsCompute);
    QVERIFY(i.billing.stoppedBillsStorage);
}

void tst_RunPod::guardNoteIsPlain()
{
    ProviderContext ctx;
    RunPodProvider p(ctx);
    QVERIFY(p.guardNote().contains(QLatin1String("stop itself")));
    QVERIFY(p.guardNote().contains(QLatin1String("volume disk")));
    QVERIFY(p.selfStopCommand().contains(QLatin1String("RUNPOD_POD_ID")));
    QVERIFY(p.capabilities().stopStart);
    QVERIFY(p.capabilities().spot);
}

void tst_RunPod::contractAgainstPrism()
{
    GPUDECK_REQUIRE_SHARED(shared);
    GPUDECK_REQUIRE_PRISM();
    gpudeck::test::PrismMock prism;
    QVERIFY2(prism.start(shared + QStringLiteral("/providers/runpod/rest-openapi-v2.json")),
             qPrintable(prism.error()));
    qputenv("GPUDECK_API_BASE_RUNPOD", prism.baseUrl().toUtf8());
    ProviderContext ctx;
    ctx.cacheDir = m_env->path() + QStringLiteral("/cache/runpod-prism");
    RunPodProvider p(ctx);
    p.setCredential(QStringLiteral("prism-test-key"));
    const auto who = wait<QString>([&](auto done) { p.checkCredential(done); });
    QVERIFY2(who.ok(), qPrintable(who.ok() ? QString() : message(who.error())));
    const auto cat = wait<Catalog>([&](auto done) { p.fetchCatalog(done); });
    QVERIFY2(cat.ok(), qPrintable(cat.ok() ? QString() : message(cat.error())));
    QVERIFY(!cat.value().plans.isEmpty());
    const auto launched = wait<Instance>([&](auto done) { p.launch(request(), done); });
    QVERIFY2(launched.ok(), qPrintable(launched.ok() ? QString() : message(launched.error())));
    const QString id = launched.value().id;
    const auto got = wait<Instance>([&](auto done) { p.getInstance(id, done); });
    QVERIFY2(got.ok(), qPrintable(got.ok() ? QString() : message(got.error())));
    const auto stopped = wait<Instance>([&](auto done) { p.stop(id, done); });
    QVERIFY2(stopped.ok(), qPrintable(stopped.ok() ? QString() : message(stopped.error())));
    const auto started = wait<Instance>([&](auto done) { p.start(id, done); });
    QVERIFY2(started.ok(), qPrintable(started.ok() ? QString() : message(started.error())));
    const auto gone = waitVoid([&](auto done) { p.destroy(id, done); });
    QVERIFY2(gone.ok(), qPrintable(gone.ok() ? QString() : message(gone.error())));
    const QStringList violations = prism.violations();
    QVERIFY2(violations.isEmpty(), qPrintable(violations.join(QLatin1Char('\n'))));
    QVERIFY2(prism.log().contains(QLatin1String("/v2/pods")), qPrintable(prism.log().right(2000)));
    qunsetenv("GPUDECK_API_BASE_RUNPOD");
}

void tst_RunPod::fullFlow()
{
    startFake();
    m_fake->setPollsPerStep(2);
    m_fake->setSsh(QStringLiteral("127.0.0.1"), 34446);
    m_fake->server().inject(
        {FakeHttpFault::Kind::Status, "GET", QStringLiteral("/v2/pods/"), 429, {}, 1});
    m_fake->server().inject(
        {FakeHttpFault::Kind::Status, "GET", QStringLiteral("/v2/pods/"), 429, "1", 1});
    m_fake->server().inject(
        {FakeHttpFault::Kind::Status, "GET", QStringLiteral("/v2/pods/"), 500, {}, 1});
    const auto cat = wait<Catalog>([&](auto done) { m_provider->fetchCatalog(done); });
    QVERIFY2(cat.ok(), qPrintable(cat.ok() ? QString() : message(cat.error())));
    QCOMPARE(cat.value().plans.size(), 8);
    QVERIFY(cat.value().images.first().cudaReady);
    QCOMPARE(cat.value().regions.size(), 2);

    const LaunchRequest req = request();
    const auto launched = wait<Instance>([&](auto done) { m_provider->launch(req, done); });
    QVERIFY2(launched.ok(), qPrintable(launched.ok() ? QString() : message(launched.error())));
    const Instance first = launched.value();
    QCOMPARE(first.provider, QStringLiteral("runpod"));
    QCOMPARE(first.status, InstanceStatus::Provisioning);
    QCOMPARE(first.priceHourly, 0.88);
    const QJsonObject sent = m_fake->pod(first.id);
    QCOMPARE(sent[QStringLiteral("env")][QStringLiteral("PUBLIC_KEY")].toString(), kKey);
    QVERIFY(runpod::carriesToken(sent, req.clientToken));
    QCOMPARE(sent[QStringLiteral("ports")].toArray(), QJsonArray{QStringLiteral("22/tcp")});
    QCOMPARE(sent[QStringLiteral("disk")].toInt(), 80);
    QCOMPARE(sent[QStringLiteral("cloud")].toString(), QStringLiteral("SECURE"));
    QCOMPARE(sent[QStringLiteral("image")].toString(), RunPodProvider::defaultImage());

    Instance now = first;
    for (int i = 0; i < 20 && now.status != InstanceStatus::Running; ++i) {
        const auto got =
            wait<Instance>([&](auto done) { m_provider->getInstance(first.id, done); });
        QVERIFY2(got.ok(), qPrintable(got.ok() ? QString() : message(got.error())));
        now = got.value();
    }
    QCOMPARE(now.status, InstanceStatus::Running);
    QCOMPARE(now.host, QStringLiteral("127.0.0.1"));
    QCOMPARE(now.sshPort, 34446); // RunPod's public port for the pod's port 22

    const auto stopped = wait<Instance>([&](auto done) { m_provider->stop(first.id, done); });
    QVERIFY2(stopped.ok(), qPrintable(stopped.ok() ? QString() : message(stopped.error())));
    QCOMPARE(stopped.value().status, InstanceStatus::Stopped);
    QVERIFY(stopped.value().billing.stoppedBillsStorage);
    const auto started = wait<Instance>([&](auto done) { m_provider->start(first.id, done); });
    QVERIFY(started.ok());
    QVERIFY(started.value().status == InstanceStatus::Provisioning ||
            started.value().status == InstanceStatus::Booting);

    const auto listed = wait<QList<Instance>>([&](auto done) { m_provider->listInstances(done); });
    QVERIFY(listed.ok());
    QCOMPARE(listed.value().size(), 1);

    m_fake->server().inject({FakeHttpFault::Kind::Status, "DELETE", {}, 503, {}, 1});
    const auto gone = waitVoid([&](auto done) { m_provider->destroy(first.id, done); });
    QVERIFY2(gone.ok(), qPrintable(gone.ok() ? QString() : message(gone.error())));
    const auto confirm =
        wait<Instance>([&](auto done) { m_provider->getInstance(first.id, done); });
    QVERIFY(!confirm.ok());
    QCOMPARE(confirm.error().code, ErrorCode::NotFound);
    QCOMPARE(m_fake->podCount(), 0);
}

void tst_RunPod::launchSurvivesDroppedConnection()
{
    startFake();
    const LaunchRequest req = request();
    Instance launched;
    test::dropAfterLaunch(faults(), req, &launched);
    if (QTest::currentTestFailed())
        return;
    QVERIFY(runpod::carriesToken(m_fake->pod(launched.id), req.clientToken));
}

void tst_RunPod::launchAfter500IsCheckedFirst()
{
    startFake();
    test::launchAfter500(faults());
}

void tst_RunPod::launchMalformedAnswer()
{
    startFake();
    test::malformedLaunchAnswer(faults());
}

void tst_RunPod::refusalsAreClear()
{
    startFake();
    m_fake->setSoldOut(QStringLiteral("EU-RO-1"));
    const auto r = wait<Instance>(
        [&](auto done) { m_provider->launch(request(QStringLiteral("EU-RO-1")), done); });
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::NoCapacity);
    QCOMPARE(m_fake->podCount(), 0);
    QCOMPARE(m_fake->server().count("POST", QStringLiteral("/v2/pods")), 1);
    LaunchRequest bad = request();
    bad.planId = QStringLiteral("not-a-plan");
    const auto b = wait<Instance>([&](auto done) { m_provider->launch(bad, done); });
    QVERIFY(!b.ok());
    QCOMPARE(b.error().code, ErrorCode::InvalidInput);
    QCOMPARE(m_fake->podCount(), 0);
}

void tst_RunPod::badToken()
{
    startFake();
    m_provider->setCredential(QStringLiteral("wrong"));
    const auto who = wait<QString>([&](auto done) { m_provider->checkCredential(done); });
    QVERIFY(!who.ok());
    QCOMPARE(who.error().code, ErrorCode::Unauthorized);
    m_provider->setCredential(QStringLiteral("good-key"));
    QVERIFY(wait<QString>([&](auto done) { m_provider->checkCredential(done); }).ok());
}

QTEST_GUILESS_MAIN(tst_RunPod)
#include "tst_runpod.moc"
