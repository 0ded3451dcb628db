// Contract: each provider client runs its real calls against Prism serving the provider's
// published OpenAPI spec from ../shared/providers. Prism checks every request against the
// spec; a request that breaks it comes back with an `sl-violations` header naming "request",
// and the test fails. (Violations Prism finds in the spec's own example responses are the
// spec's problem and are ignored.) Prism is installed by scripts/install-prism.sh into .tools/.
#include "asyncwait.h"
#include "linode/linodeprovider.h"
#include "restclient.h"
#include "testenv.h"
#include "vast/vastprovider.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTcpServer>
#include <QtTest>

using namespace gpudeck;
using gpudeck::test::wait;

namespace {

QString prismPath()
{
    const QString fromEnv = qEnvironmentVariable("GPUDECK_PRISM");
    if (!fromEnv.isEmpty())
        return fromEnv;
    const QString local =
        QStringLiteral(GPUDECK_SOURCE_DIR "/.tools/prism/node_modules/.bin/prism");
    return QFile::exists(local) ? local : QString();
}

quint16 freePort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

// Request violations in Prism's header, as "path: message" lines.
QStringList requestViolations(const RestResponse& r)
{
    QStringList out;
    const QByteArray h = r.header("sl-violations");
    if (h.isEmpty())
        return out;
    for (const QJsonValue& v : QJsonDocument::fromJson(h).array()) {
        const QJsonArray loc = v[QStringLiteral("location")].toArray();
        if (loc.first().toString() != QLatin1String("request"))
            continue;
        QStringList parts;
        for (const QJsonValue& p : loc)
            parts << p.toString();
        out << parts.join(QLatin1Char('.')) + QStringLiteral(": ") +
                   v[QStringLiteral("message")].toString();
    }
    return out;
}

} // namespace

class tst_ProviderContract final : public QObject {
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void linode();
    void vast();

private:
    bool startPrism(const QString& spec);
    QProcess m_prism;
    quint16 m_port = 0;
    QStringList m_violations;
    int m_answers = 0;
};

void tst_ProviderContract::init()
{
    m_violations.clear();
    m_answers = 0;
}

void tst_ProviderContract::cleanup()
{
    if (m_prism.state() != QProcess::NotRunning) {
        m_prism.terminate();
        if (!m_prism.waitForFinished(5000))
            m_prism.kill();
        m_prism.waitForFinished(2000);
    }
}

bool tst_ProviderContract::startPrism(const QString& spec)
{
    m_port = freePort();
    m_prism.setProcessChannelMode(QProcess::MergedChannels);
    m_prism.start(prismPath(),
                  {QStringLiteral("mock"), QStringLiteral("-h"), QStringLiteral("127.0.0.1"),
                   QStringLiteral("-p"), QString::number(m_port), spec});
    if (!m_prism.waitForStarted(10000))
        return false;
    // A large spec takes Prism tens of seconds to load.
    return QTest::qWaitFor(
               [&] {
                   return m_prism.state() == QProcess::NotRunning ||
                          m_prism.readAll().contains("Prism is listening");
               },
               120000) &&
           m_prism.state() == QProcess::Running;
}

void tst_ProviderContract::linode()
{
    GPUDECK_REQUIRE_SHARED(shared);
    if (prismPath().isEmpty())
        QSKIP("Prism is not installed: run scripts/install-prism.sh (scripts/test.sh does)");
    QVERIFY(startPrism(shared + QStringLiteral("/providers/linode-openapi-40e7c7d2.yaml")));
    qputenv("GPUDECK_API_BASE_LINODE",
            QByteArray("http://127.0.0.1:") + QByteArray::number(m_port));
    gpudeck::test::IsolatedEnvironment env;
    ProviderContext ctx;
    ctx.cacheDir = env.path() + QStringLiteral("/cache");
    LinodeProvider p(ctx);
    qunsetenv("GPUDECK_API_BASE_LINODE");
    p.rest().setObserver([this](const RestRequest& req, const RestResponse& resp) {
        ++m_answers;
        for (const QString& v : requestViolations(resp))
            m_violations << QString::fromLatin1(req.method) + QLatin1Char(' ') + req.path +
                                QStringLiteral(" → ") + v;
    });

    // The catalog needs no token (Prism would answer 401 if the spec said otherwise).
    const auto catalog = wait<Catalog>([&](auto d) { p.fetchCatalog(d); });
    QVERIFY2(catalog.ok(), qPrintable(catalog.ok() ? QString() : catalog.error().detail));
    p.setCredential(QStringLiteral("contract-test-token"));
    const auto who = wait<QString>([&](auto d) { p.checkCredential(d); });
    QVERIFY2(who.ok(), qPrintable(who.ok() ? QString() : who.error().detail));
    const auto list = wait<QList<Instance>>([&](auto d) { p.listInstances(d); });
    QVERIFY2(list.ok(), qPrintable(list.ok() ? QString() : list.error().detail));
    const auto one = wait<Instance>([&](auto d) { p.getInstance(QStringLiteral("123"), d); });
    QVERIFY2(one.ok(), qPrintable(one.ok() ? QString() : one.error().detail));

    LaunchRequest req;
    req.planId = QStringLiteral("g1-gpu-rtx6000-1");
    req.region = QStringLiteral("us-east");
    req.name = QStringLiteral("contract test");
    req.sshPublicKeys = {QStringLiteral("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIContract gpudeck")};
    req.clientToken = QUuid::createUuid().toString(QUuid::WithoutBraces);
    const auto launched = wait<Instance>([&](auto d) { p.launch(req, d); });
    QVERIFY2(launched.ok(), qPrintable(launched.ok() ? QString() : launched.error().detail));
    const auto stopped = wait<Instance>([&](auto d) { p.stop(QStringLiteral("123"), d); });
    QVERIFY2(stopped.ok(), qPrintable(stopped.ok() ? QString()
                                                   : stopped.error().detail +
                                                         m_violations.join(QLatin1Char('\n'))));
    const auto started = wait<Instance>([&](auto d) { p.start(QStringLiteral("123"), d); });
    QVERIFY2(started.ok(), qPrintable(started.ok() ? QString() : started.error().detail));
    std::optional<Result<void>> gone;
    p.destroy(QStringLiteral("123"), [&](Result<void> r) { gone = r; });
    QTRY_VERIFY_WITH_TIMEOUT(gone.has_value(), 30000);
    QVERIFY2(gone->ok(), qPrintable(gone->ok() ? QString() : gone->error().detail));

    QVERIFY(m_answers >= 10);
    QVERIFY2(m_violations.isEmpty(), qPrintable(m_violations.join(QLatin1Char('\n'))));
}

void tst_ProviderContract::vast()
{
    GPUDECK_REQUIRE_SHARED(shared);
    if (prismPath().isEmpty())
        QSKIP("Prism is not installed: run scripts/install-prism.sh (scripts/test.sh does)");
    QVERIFY(startPrism(shared + QStringLiteral("/providers/vast/vast-openapi.yaml")));
    qputenv("GPUDECK_API_BASE_VAST", QByteArray("http://127.0.0.1:") + QByteArray::number(m_port));
    gpudeck::test::IsolatedEnvironment env;
    ProviderContext ctx;
    ctx.cacheDir = env.path() + QStringLiteral("/cache");
    VastProvider p(ctx);
    qunsetenv("GPUDECK_API_BASE_VAST");
    // Prism has no limits; Vast's pacing would only slow the test down.
    p.rest().rateLimiter().setLimit(QStringLiteral("default"), {});
    p.rest().rateLimiter().setLimit(QStringLiteral("create"), {});
    QStringList paths;
    p.rest().setObserver([this, &paths](const RestRequest& req, const RestResponse& resp) {
        ++m_answers;
        paths << QString::fromLatin1(req.method) + QLatin1Char(' ') + req.path;
        for (const QString& v : requestViolations(resp))
            m_violations << QString::fromLatin1(req.method) + QLatin1Char(' ') + req.path +
                                QStringLiteral(" → ") + v;
    });
    auto fail = [this](const Error& e) { return e.detail + m_violations.join(QLatin1Char('\n')); };

    p.setCredential(QStringLiteral("contract-test-token"));
    const auto who = wait<QString>([&](auto d) { p.checkCredential(d); });
    QVERIFY2(who.ok(), qPrintable(who.ok() ? QString() : fail(who.error())));
    // The spec's example search answer: one offer, "Imaginary RTX 9999" x4 in "Atlantis, AT".
    const auto catalog = wait<Catalog>([&](auto d) { p.fetchCatalog(d); });
    QVERIFY2(catalog.ok(), qPrintable(catalog.ok() ? QString() : fail(catalog.error())));
    QCOMPARE(catalog.value().plans.size(), 1);
    const Plan plan = catalog.value().plans.first();
    const auto list = wait<QList<Instance>>([&](auto d) { p.listInstances(d); });
    QVERIFY2(list.ok(), qPrintable(list.ok() ? QString() : fail(list.error())));
    const auto one = wait<Instance>([&](auto d) { p.getInstance(QStringLiteral("883"), d); });
    QVERIFY2(one.ok(), qPrintable(one.ok() ? QString() : fail(one.error())));

    LaunchRequest req;
    req.planId = plan.id;
    req.region = plan.regions.value(0);
    req.name = QStringLiteral("contract test");
    req.sshPublicKeys = {QStringLiteral("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIContract gpudeck")};
    req.diskGb = 60;
    req.clientToken = QUuid::createUuid().toString(QUuid::WithoutBraces);
    const auto launched = wait<Instance>([&](auto d) { p.launch(req, d); });
    QVERIFY2(launched.ok(), qPrintable(launched.ok() ? QString() : fail(launched.error())));
    QCOMPARE(launched.value().id, QStringLiteral("883")); // the example instance, read back
    req.spot = true;
    req.clientToken = QUuid::createUuid().toString(QUuid::WithoutBraces);
    const auto bid = wait<Instance>([&](auto d) { p.launch(req, d); });
    QVERIFY2(bid.ok(), qPrintable(bid.ok() ? QString() : fail(bid.error())));
    const auto stopped = wait<Instance>([&](auto d) { p.stop(QStringLiteral("883"), d); });
    QVERIFY2(stopped.ok(), qPrintable(stopped.ok() ? QString() : fail(stopped.error())));
    const auto started = wait<Instance>([&](auto d) { p.start(QStringLiteral("883"), d); });
    QVERIFY2(started.ok(), qPrintable(started.ok() ? QString() : fail(started.error())));
    std::optional<Result<void>> gone;
    p.destroy(QStringLiteral("883"), [&](Result<void> r) { gone = r; });
    QTRY_VERIFY_WITH_TIMEOUT(gone.has_value(), 30000);
    QVERIFY2(gone->ok(), qPrintable(gone->ok() ? QString() : fail(gone->error())));

    // Every endpoint GPUDeck uses was called and checked.
    for (const char* call :
         {"GET /api/v0/users/current", "POST /api/v0/bundles", "GET /api/v1/instances",
          "GET /api/v0/instances/883", "GET /api/v0/ssh", "POST /api/v0/ssh",
          "PUT /api/v0/asks/12345678", "PUT /api/v0/instances/883", "DELETE /api/v0/instances/883"})
        QVERIFY2(paths.contains(QLatin1String(call)), call);
    QVERIFY2(m_violations.isEmpty(), qPrintable(m_violations.join(QLatin1Char('\n'))));
}

QTEST_GUILESS_MAIN(tst_ProviderContract)
#include "tst_providercontract.moc"
