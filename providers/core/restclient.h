#pragma once

#include "provider.h"
#include "ratelimiter.h"

#include <QJsonDocument>
#include <QList>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkRequest>
#include <QObject>
#include <QUrlQuery>

#include <functional>

class QNetworkReply;

namespace gpudeck {

// One call to a provider's REST API. `path` is the API's real path ("/v4/linode/types"); the
// client puts its base URL in front.
struct RestRequest {
    QByteArray method = "GET";
    QString path;
    QUrlQuery query;
    QJsonDocument body; // sent as application/json when not null
    // A body that is not JSON (AWS's form-encoded Query API), sent as `contentType`.
    QByteArray rawBody;
    QByteArray contentType;
    bool jsonAnswer = true; // false: the answer is XML or text, left in RestResponse::body
    // Safe to send again after a 5xx or a network error (GET, DELETE, power actions). A launch
    // is not: it is never resent blindly (see Provider::launch and recoverLaunch()).
    bool idempotent = true;
    QString rateBucket; // extra rate-limit bucket, e.g. "create"
    bool authenticated = true;
};

// What came back. `json` is null when the body was empty or not JSON.
struct RestResponse {
    int status = 0;
    QJsonDocument json;
    QByteArray body;
    QList<std::pair<QByteArray, QByteArray>> headers;
    [[nodiscard]] QByteArray header(const QByteArray& name) const;
};

// Turns a failed response (status >= 400) into an Error whose message tells the user what to do.
// Each provider knows its own error body; see RestClient::defaultError for the fallback.
using ErrorMapper = std::function<Error(const RestResponse&)>;

// Given a page's JSON and the request that fetched it, the request for the next page, or a
// request with an empty path when this was the last one.
using NextPage = std::function<RestRequest(const QJsonObject& page, const RestRequest& current)>;

// Authenticates one attempt of a request whose headers and body are final (AWS Signature V4).
// Called again for every resend, so each attempt carries a fresh date. An error ends the call.
using RequestSigner = std::function<Result<void>(QNetworkRequest& request, const QByteArray& method,
                                                 const QByteArray& payload)>;

struct RestConfig {
    QString providerId;     // "linode": also names the GPUDECK_API_BASE_LINODE variable
    QString providerName;   // "Linode", for messages
    QString defaultBaseUrl; // "https://api.linode.com" (scheme, host, port; no path)
    QString baseUrlSetting; // the user's override from settings, may be empty
    ErrorMapper errorMapper;
    // When set, authenticated calls are signed by it instead of carrying the bearer token.
    RequestSigner signer;
    // A provider whose throttling answer is not 429 (EC2: 503 RequestLimitExceeded) says so
    // here; such an answer is handled like a 429 (nothing was done, any call may be resent).
    std::function<bool(const RestResponse&)> isThrottled;
    // A header giving the Unix time when a throttled call may be sent again, used when a 429
    // has no Retry-After (DigitalOcean: ratelimit-reset).
    QByteArray retryAtHeader;
    int maxAttempts = 4;       // per call, counting the first, for 429 and idempotent 5xx/network
    int maxRetryAfterSec = 60; // a longer Retry-After is handed to the caller instead of waited
    int backoffBaseMs = 1000;  // 1, 2, 4 s ... when the provider gives no Retry-After
    int timeoutMs = 30000;
};

// The one REST mechanism every provider uses: base URL with per-provider override, bearer
// token, JSON in and out, pagination, the provider's rate limits, 429 honouring Retry-After (or
// backing off), bounded retries of idempotent calls after 5xx and network errors, and error
// bodies mapped to messages. Logs method, path and status only: never a token or header.
// Lives on the thread of its provider; every callback comes back there, exactly once.
class RestClient final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RestClient)
public:
    explicit RestClient(RestConfig config, QObject* parent = nullptr);
    ~RestClient() override;

    // The environment variable that overrides a provider's API address: GPUDECK_API_BASE_<ID>.
    [[nodiscard]] static QByteArray baseUrlVariable(const QString& providerId);
    // GPUDECK_API_BASE_<ID> if set, else the setting, else the default. No trailing slash.
    [[nodiscard]] static QString resolveBaseUrl(const QString& providerId, const QString& setting,
                                                const QString& defaultBaseUrl);

    [[nodiscard]] QString baseUrl() const { return m_baseUrl; }
    void setToken(const QString& token) { m_token = token; }
    [[nodiscard]] bool hasToken() const { return !m_token.isEmpty(); }
    [[nodiscard]] RateLimiter& rateLimiter() { return m_limiter; }
    // Tests shorten backoffs so a suite with injected faults stays fast.
    void setBackoffBaseMs(int ms) { m_config.backoffBaseMs = ms; }
    // Sees every HTTP answer before it is handled (contract tests read Prism's sl-violations).
    using Observer = std::function<void(const RestRequest&, const RestResponse&)>;
    void setObserver(Observer observer) { m_observer = std::move(observer); }

    // One call. The result is the response for 2xx, else the mapped error.
    void send(const RestRequest& request, Callback<RestResponse> done);
    // Every page of a list: concatenates the arrays under `itemsKey`.
    void sendAll(const RestRequest& first, const QString& itemsKey, NextPage next,
                 Callback<QJsonArray> done);

    // A message for a response that carries no usable error body.
    [[nodiscard]] static Error defaultError(const QString& providerName, const RestResponse& r);

private:
    struct Call;
    void dispatch(std::shared_ptr<Call> call);
    void finished(std::shared_ptr<Call> call, QNetworkReply* reply);
    void retryLater(std::shared_ptr<Call> call, qint64 delayMs);
    [[nodiscard]] Error mapError(const RestResponse& r) const;

    RestConfig m_config;
    QString m_baseUrl;
    QString m_token;
    RateLimiter m_limiter;
    QNetworkAccessManager m_nam;
    Observer m_observer;
};

} // namespace gpudeck
