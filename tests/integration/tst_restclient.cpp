// The shared REST mechanism (providers/core/restclient) against a real HTTP server on loopback:
// retries, 429 handling, rate limits, pagination, error mapping, no secrets in logs.
#include "asyncwait.h"
#include "fakehttpserver.h"
#include "ratelimiter.h"
#include "restclient.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonObject>
#include <QSignalSpy>
#include <QtTest>

using namespace gpudeck;
using gpudeck::test::FakeHttpFault;
using gpudeck::test::FakeHttpReply;
using gpudeck::test::FakeHttpRequest;
using gpudeck::test::FakeHttpServer;
using gpudeck::test::wait;

namespace {

RestConfig config(const QString& base)
{
    RestConfig c;
    c.providerId = QStringLiteral("testcloud");
    c.providerName = QStringLiteral("TestCloud");
    c.defaultBaseUrl = base;
    return c;
}

RestRequest req(const QByteArray& method, const char* path, bool idempotent = true)
{
    RestRequest r;
    r.method = method;
    r.path = QString::fromLatin1(path);
    r.idempotent = idempotent;
    return r;
}

QtMessageHandler g_previous = nullptr;
QStringList g_log;
void capture(QtMsgType type, const QMessageLogContext& ctx, const QString& msg)
{
    g_log << msg;
    if (g_previous)
        g_previous(type, ctx, msg);
}

} // namespace

class tst_RestClient final : public QObject {
    Q_OBJECT
private slots:
    void init();
    void baseUrlOverride();
    void bearerAndJson();
    void missingTokenNeverSends();
    void retriesIdempotent5xx();
    void neverRetriesCreateOn5xx();
    void neverRetriesCreateAfterDrop();
    void honoursRetryAfter();
    void backsOffWithoutRetryAfter();
    void longRetryAfterIsHandedBack();
    void malformedBody();
    void pagination();
    void rateLimiterWindow();
    void rateLimitedSends();
    void noSecretInLogs();

private:
    std::unique_ptr<FakeHttpServer> m_server;
    int m_hits = 0;
};

void tst_RestClient::init()
{
    m_hits = 0;
    m_server = std::make_unique<FakeHttpServer>([this](const FakeHttpRequest& r) {
        ++m_hits;
        if (r.path == QLatin1String("/v1/items")) {
            const int page = r.query.value(QStringLiteral("page"), QStringLiteral("1")).toInt();
            QJsonArray data{page * 10 + 1, page * 10 + 2};
            return FakeHttpServer::json(200,
                                        QJsonDocument(QJsonObject{{QStringLiteral("data"), data},
                                                                  {QStringLiteral("page"), page},
                                                                  {QStringLiteral("pages"), 3}})
                                            .toJson(QJsonDocument::Compact));
        }
        return FakeHttpServer::json(200, "{\"ok\":true,\"auth\":\"" +
                                             r.headers.value("authorization").left(7) + "\"}");
    });
    QVERIFY(m_server->listen());
}

void tst_RestClient::baseUrlOverride()
{
    qunsetenv("GPUDECK_API_BASE_TESTCLOUD");
    QCOMPARE(RestClient::resolveBaseUrl(QStringLiteral("testcloud"), {},
                                        QStringLiteral("https://api.example.com/")),
             QStringLiteral("https://api.example.com"));
    QCOMPARE(RestClient::resolveBaseUrl(QStringLiteral("testcloud"),
                                        QStringLiteral("http://proxy:8080"),
                                        QStringLiteral("https://api.example.com")),
             QStringLiteral("http://proxy:8080"));
    qputenv("GPUDECK_API_BASE_TESTCLOUD", "http://127.0.0.1:4010");
    QCOMPARE(RestClient::resolveBaseUrl(QStringLiteral("testcloud"),
                                        QStringLiteral("http://proxy:8080"),
                                        QStringLiteral("https://api.example.com")),
             QStringLiteral("http://127.0.0.1:4010"));
    qunsetenv("GPUDECK_API_BASE_TESTCLOUD");
}

void tst_RestClient::bearerAndJson()
{
    RestClient c(config(m_server->baseUrl()));
    c.setToken(QStringLiteral("sekrit-token"));
    const auto r = wait<RestResponse>([&](auto done) { c.send(req("GET", "/v1/thing"), done); });
    QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().message));
    QCOMPARE(r.value().json.object().value(QStringLiteral("ok")).toBool(), true);
    QCOMPARE(m_server->requests().last().headers.value("authorization"),
             QByteArray("Bearer sekrit-token"));
}

void tst_RestClient::missingTokenNeverSends()
{
    RestClient c(config(m_server->baseUrl()));
    const auto r = wait<RestResponse>([&](auto done) { c.send(req("GET", "/v1/thing"), done); });
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::Unauthorized);
    QVERIFY(r.error().message.contains(QLatin1String("Settings")));
    QCOMPARE(m_hits, 0);
}

void tst_RestClient::retriesIdempotent5xx()
{
    RestClient c(config(m_server->baseUrl()));
    c.setToken(QStringLiteral("t"));
    c.setBackoffBaseMs(10);
    m_server->inject({FakeHttpFault::Kind::Status, "GET", {}, 500, {}, 2});
    const auto r = wait<RestResponse>([&](auto done) { c.send(req("GET", "/v1/thing"), done); });
    QVERIFY(r.ok());
    QCOMPARE(m_server->count("GET", QStringLiteral("/v1/thing")), 3);

    // Bounded: a provider down for good gives up after maxAttempts with a clear message.
    m_server->inject({FakeHttpFault::Kind::Status, "GET", {}, 503, {}, 100});
    m_server->clearRequests();
    const auto down = wait<RestResponse>([&](auto done) { c.send(req("GET", "/v1/thing"), done); });
    QVERIFY(!down.ok());
    QCOMPARE(down.error().code, ErrorCode::ProviderFailure);
    QCOMPARE(m_server->count("GET", QStringLiteral("/v1/thing")), 4);
    QVERIFY(down.error().message.contains(QLatin1String("503")));
}

void tst_RestClient::neverRetriesCreateOn5xx()
{
    RestClient c(config(m_server->baseUrl()));
    c.setToken(QStringLiteral("t"));
    c.setBackoffBaseMs(10);
    m_server->inject({FakeHttpFault::Kind::Status, "POST", {}, 500, {}, 1});
    const auto r = wait<RestResponse>(
        [&](auto done) { c.send(req("POST", "/v1/create", /*idempotent*/ false), done); });
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::ProviderFailure);
    QCOMPARE(m_server->count("POST", QStringLiteral("/v1/create")), 1);
}

void tst_RestClient::neverRetriesCreateAfterDrop()
{
    RestClient c(config(m_server->baseUrl()));
    c.setToken(QStringLiteral("t"));
    c.setBackoffBaseMs(10);
    m_server->inject({FakeHttpFault::Kind::DropAfterHandle, "POST", {}, 0, {}, 1});
    const auto r =
        wait<RestResponse>([&](auto done) { c.send(req("POST", "/v1/create", false), done); });
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::Network);
    QCOMPARE(m_hits, 1);
    QCOMPARE(m_server->count("POST", QStringLiteral("/v1/create")), 1);

    // The same drop on a GET is retried.
    m_server->inject({FakeHttpFault::Kind::DropBefore, "GET", {}, 0, {}, 1});
    const auto g = wait<RestResponse>([&](auto done) { c.send(req("GET", "/v1/thing"), done); });
    QVERIFY(g.ok());
}

void tst_RestClient::honoursRetryAfter()
{
    RestClient c(config(m_server->baseUrl()));
    c.setToken(QStringLiteral("t"));
    c.setBackoffBaseMs(10);
    // 429 means "not processed": even a create may be sent again, after the asked wait.
    m_server->inject({FakeHttpFault::Kind::Status, "POST", {}, 429, "1", 1});
    QElapsedTimer t;
    t.start();
    const auto r =
        wait<RestResponse>([&](auto done) { c.send(req("POST", "/v1/create", false), done); });
    QVERIFY(r.ok());
    QVERIFY2(t.elapsed() >= 950, qPrintable(QString::number(t.elapsed())));
    QCOMPARE(m_server->count("POST", QStringLiteral("/v1/create")), 2);
}

void tst_RestClient::backsOffWithoutRetryAfter()
{
    RestClient c(config(m_server->baseUrl()));
    c.setToken(QStringLiteral("t"));
    c.setBackoffBaseMs(100);
    m_server->inject({FakeHttpFault::Kind::Status, "GET", {}, 429, {}, 2});
    QElapsedTimer t;
    t.start();
    const auto r = wait<RestResponse>([&](auto done) { c.send(req("GET", "/v1/thing"), done); });
    QVERIFY(r.ok());
    // 100 ms, then 200 ms: exponential.
    QVERIFY2(t.elapsed() >= 290, qPrintable(QString::number(t.elapsed())));
    QCOMPARE(m_server->count("GET", QStringLiteral("/v1/thing")), 3);
}

void tst_RestClient::longRetryAfterIsHandedBack()
{
    RestClient c(config(m_server->baseUrl()));
    c.setToken(QStringLiteral("t"));
    m_server->inject({FakeHttpFault::Kind::Status, "GET", {}, 429, "3600", 1});
    const auto r = wait<RestResponse>([&](auto done) { c.send(req("GET", "/v1/thing"), done); });
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::RateLimited);
    QCOMPARE(r.error().retryAfterSeconds.value_or(-1), 3600);
}

void tst_RestClient::malformedBody()
{
    RestClient c(config(m_server->baseUrl()));
    c.setToken(QStringLiteral("t"));
    c.setBackoffBaseMs(10);
    // A GET is asked again and succeeds.
    m_server->inject({FakeHttpFault::Kind::MalformedBody, "GET", {}, 0, {}, 1});
    QVERIFY(wait<RestResponse>([&](auto done) { c.send(req("GET", "/v1/thing"), done); }).ok());
    // A create is not: the caller gets a clear error (and checks for the instance).
    m_server->inject({FakeHttpFault::Kind::MalformedBody, "POST", {}, 0, {}, 1});
    const auto r =
        wait<RestResponse>([&](auto done) { c.send(req("POST", "/v1/create", false), done); });
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::ProviderFailure);
    QVERIFY(r.error().message.contains(QLatin1String("could not read")));
}

void tst_RestClient::pagination()
{
    RestClient c(config(m_server->baseUrl()));
    c.setToken(QStringLiteral("t"));
    const NextPage next = [](const QJsonObject& page, const RestRequest& cur) {
        const int at = page.value(QStringLiteral("page")).toInt();
        if (at >= page.value(QStringLiteral("pages")).toInt())
            return RestRequest{};
        RestRequest n = cur;
        n.query.removeAllQueryItems(QStringLiteral("page"));
        n.query.addQueryItem(QStringLiteral("page"), QString::number(at + 1));
        return n;
    };
    const auto r = wait<QJsonArray>(
        [&](auto done) { c.sendAll(req("GET", "/v1/items"), QStringLiteral("data"), next, done); });
    QVERIFY(r.ok());
    QCOMPARE(r.value(), (QJsonArray{11, 12, 21, 22, 31, 32}));

    // A cursor that does not move (the provider names the page just read) ends the list
    // instead of asking for it a thousand times.
    m_server->clearRequests();
    const NextPage stuck = [](const QJsonObject&, const RestRequest& cur) {
        RestRequest n = cur;
        n.query.removeAllQueryItems(QStringLiteral("page"));
        n.query.addQueryItem(QStringLiteral("page"), QStringLiteral("2"));
        return n;
    };
    const auto s = wait<QJsonArray>([&](auto done) {
        c.sendAll(req("GET", "/v1/items"), QStringLiteral("data"), stuck, done);
    });
    QVERIFY(s.ok());
    QCOMPARE(m_server->count("GET", QStringLiteral("/v1/items")), 2);
    QCOMPARE(s.value(), (QJsonArray{11, 12, 21, 22}));
}

void tst_RestClient::rateLimiterWindow()
{
    RateLimiter l;
    l.setLimit(QStringLiteral("create"), {2, 15000});
    QCOMPARE(l.delayMs(QStringLiteral("create"), 0), 0);
    l.record(QStringLiteral("create"), 0);
    l.record(QStringLiteral("create"), 1000);
    QCOMPARE(l.delayMs(QStringLiteral("create"), 2000), 13000);
    QCOMPARE(l.delayMs(QStringLiteral("create"), 14000), 1000);
    QCOMPARE(l.delayMs(QStringLiteral("create"), 15000), 0);
    QCOMPARE(l.delayMs(QString(), 2000), 0); // other calls are not held back
}

void tst_RestClient::rateLimitedSends()
{
    RestClient c(config(m_server->baseUrl()));
    c.setToken(QStringLiteral("t"));
    // Lambda-like: one launch per 400 ms (the real rule is 12 s).
    c.rateLimiter().setLimit(QStringLiteral("create"), {1, 400});
    QElapsedTimer t;
    t.start();
    int done = 0;
    for (int i = 0; i < 3; ++i) {
        RestRequest r = req("POST", "/v1/create", false);
        r.rateBucket = QStringLiteral("create");
        c.send(r, [&](Result<RestResponse> res) {
            QVERIFY(res.ok());
            ++done;
        });
    }
    QTRY_COMPARE_WITH_TIMEOUT(done, 3, 15000);
    QVERIFY2(t.elapsed() >= 790, qPrintable(QString::number(t.elapsed())));
}

void tst_RestClient::noSecretInLogs()
{
    QLoggingCategory::setFilterRules(QStringLiteral("gpudeck.*=true"));
    g_log.clear();
    g_previous = qInstallMessageHandler(capture);
    RestClient c(config(m_server->baseUrl()));
    c.setToken(QStringLiteral("TOPSECRET-123"));
    c.setBackoffBaseMs(10);
    m_server->inject({FakeHttpFault::Kind::Status, "GET", {}, 500, {}, 1});
    m_server->inject({FakeHttpFault::Kind::Status, "GET", {}, 429, "0", 1});
    const auto r = wait<RestResponse>([&](auto done) { c.send(req("GET", "/v1/thing"), done); });
    qInstallMessageHandler(g_previous);
    QLoggingCategory::setFilterRules(QString());
    QVERIFY(r.ok());
    QVERIFY(!g_log.isEmpty());
    for (const QString& line : std::as_const(g_log)) {
        QVERIFY2(!line.contains(QLatin1String("TOPSECRET")), qPrintable(line));
        QVERIFY2(!line.contains(QLatin1String("Authorization"), Qt::CaseInsensitive),
                 qPrintable(line));
    }
}

QTEST_GUILESS_MAIN(tst_RestClient)
#include "tst_restclient.moc"
