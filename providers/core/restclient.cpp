#include "restclient.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QLocale>
#include <QNetworkReply>
#include <QTimeZone>
#include <QTimer>

#include <algorithm>
#include <cstring>
#include <memory>

namespace gpudeck {

Q_LOGGING_CATEGORY(lcRest, "gpudeck.providers.rest")

namespace {

// A request body that can be read once. Qt's HTTP layer silently sends a request again when
// a connection closes before the answer; for a launch that could create a second machine. A
// body that cannot be rewound makes Qt fail the reply instead (ContentReSendError), and our own
// rule (look for the instance first) decides what happens next.
class OneShotBody final : public QIODevice {
public:
    explicit OneShotBody(QByteArray data, QObject* parent)
        : QIODevice(parent)
        , m_data(std::move(data))
    {
        open(QIODevice::ReadOnly);
    }
    bool isSequential() const override { return true; }
    qint64 bytesAvailable() const override
    {
        return m_data.size() - m_pos + QIODevice::bytesAvailable();
    }
    bool atEnd() const override { return m_pos >= m_data.size(); }

protected:
    qint64 readData(char* out, qint64 max) override
    {
        const qint64 n = std::min<qint64>(max, m_data.size() - m_pos);
        if (n <= 0)
            return m_pos >= m_data.size() ? -1 : 0;
        std::memcpy(out, m_data.constData() + m_pos, static_cast<size_t>(n));
        m_pos += n;
        return n;
    }
    qint64 writeData(const char*, qint64) override { return -1; }

private:
    QByteArray m_data;
    qint64 m_pos = 0;
};

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

// Retry-After is either delta-seconds or an HTTP-date (RFC 9110 10.2.3).
std::optional<int> parseRetryAfter(const QByteArray& value)
{
    const QByteArray v = value.trimmed();
    if (v.isEmpty())
        return std::nullopt;
    bool ok = false;
    const int seconds = v.toInt(&ok);
    if (ok)
        return std::max(seconds, 0);
    const QDateTime at =
        QLocale::c().toDateTime(QString::fromLatin1(v).replace(QStringLiteral(" GMT"), QString()),
                                QStringLiteral("ddd, dd MMM yyyy HH:mm:ss"));
    if (!at.isValid())
        return std::nullopt;
    QDateTime utc = at;
    utc.setTimeZone(QTimeZone::utc());
    return static_cast<int>(std::max<qint64>(QDateTime::currentDateTimeUtc().secsTo(utc), 0));
}

// A Unix time (seconds) → seconds from now, at least 0.
std::optional<int> secondsUntilEpoch(const QByteArray& value)
{
    bool ok = false;
    const qint64 at = value.trimmed().toLongLong(&ok);
    if (!ok || at <= 0)
        return std::nullopt;
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    return static_cast<int>(std::clamp<qint64>(at - now, 0, 24 * 3600));
}

} // namespace

QByteArray RestResponse::header(const QByteArray& name) const
{
    for (const auto& [k, v] : headers)
        if (k.compare(name, Qt::CaseInsensitive) == 0)
            return v;
    return {};
}

struct RestClient::Call {
    RestRequest request;
    Callback<RestResponse> done;
    int attempt = 0; // attempts sent so far
};

RestClient::RestClient(RestConfig config, QObject* parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_baseUrl(
          resolveBaseUrl(m_config.providerId, m_config.baseUrlSetting, m_config.defaultBaseUrl))
{
    m_nam.setAutoDeleteReplies(false);
}

RestClient::~RestClient() = default;

QByteArray RestClient::baseUrlVariable(const QString& providerId)
{
    return "GPUDECK_API_BASE_" + providerId.toUpper().toLatin1();
}

QString RestClient::resolveBaseUrl(const QString& providerId, const QString& setting,
                                   const QString& defaultBaseUrl)
{
    QString base = qEnvironmentVariable(baseUrlVariable(providerId).constData());
    if (base.isEmpty())
        base = setting;
    if (base.isEmpty())
        base = defaultBaseUrl;
    while (base.endsWith(QLatin1Char('/')))
        base.chop(1);
    return base;
}

void RestClient::send(const RestRequest& request, Callback<RestResponse> done)
{
    auto call = std::make_shared<Call>();
    call->request = request;
    call->done = std::move(done);
    if (request.authenticated && !m_config.signer && m_token.isEmpty()) {
        const Error e = makeError(
            ErrorCode::Unauthorized,
            QStringLiteral("No %1 token is set. Add one in Settings → Accounts (or set it in the "
                           "environment for gpudeck-cli).")
                .arg(m_config.providerName));
        QMetaObject::invokeMethod(
            this, [call, e] { call->done(e); }, Qt::QueuedConnection);
        return;
    }
    retryLater(call, 0);
}

void RestClient::retryLater(std::shared_ptr<Call> call, qint64 delayMs)
{
    // The provider's documented limits come first: wait for a free slot, then send.
    const qint64 limiterDelay = m_limiter.delayMs(call->request.rateBucket, nowMs() + delayMs);
    const qint64 total = delayMs + limiterDelay;
    if (total <= 0) {
        dispatch(std::move(call));
        return;
    }
    QTimer::singleShot(static_cast<int>(total), this, [this, call] {
        // Another call may have taken the slot meanwhile.
        if (m_limiter.delayMs(call->request.rateBucket, nowMs()) > 0)
            retryLater(call, 0);
        else
            dispatch(call);
    });
}

void RestClient::dispatch(std::shared_ptr<Call> call)
{
    const RestRequest& r = call->request;
    QUrl url(m_baseUrl + r.path);
    if (!r.query.isEmpty())
        url.setQuery(r.query);
    QNetworkRequest req(url);
    req.setRawHeader("Accept", r.jsonAnswer ? QByteArrayLiteral("application/json")
                                            : QByteArrayLiteral("*/*"));
    req.setRawHeader("User-Agent", "GPUDeck/" GPUDECK_VERSION);
    req.setTransferTimeout(m_config.timeoutMs);
    req.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                     QNetworkRequest::NoLessSafeRedirectPolicy);
    QByteArray payload;
    if (!r.rawBody.isEmpty()) {
        payload = r.rawBody;
        req.setHeader(QNetworkRequest::ContentTypeHeader, r.contentType);
    } else if (!r.body.isNull()) {
        payload = r.body.toJson(QJsonDocument::Compact);
        req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    }
    if (r.authenticated && m_config.signer) {
        const Result<void> signedOk = m_config.signer(req, r.method, payload);
        if (!signedOk.ok()) {
            call->done(signedOk.error());
            return;
        }
    } else if (r.authenticated) {
        req.setRawHeader("Authorization", "Bearer " + m_token.toUtf8());
    }
    m_limiter.record(r.rateBucket, nowMs());
    ++call->attempt;
    qCDebug(lcRest).noquote() << m_config.providerId << r.method << r.path << "attempt"
                              << call->attempt;
    QNetworkReply* reply = nullptr;
    if (r.idempotent) {
        reply = m_nam.sendCustomRequest(req, r.method, payload);
    } else {
        req.setHeader(QNetworkRequest::ContentLengthHeader, payload.size());
        req.setAttribute(QNetworkRequest::DoNotBufferUploadDataAttribute, true);
        auto* body = new OneShotBody(payload, nullptr);
        reply = m_nam.sendCustomRequest(req, r.method, body);
        body->setParent(reply);
    }
    connect(reply, &QNetworkReply::finished, this, [this, call, reply] { finished(call, reply); });
}

void RestClient::finished(std::shared_ptr<Call> call, QNetworkReply* reply)
{
    reply->deleteLater();
    const RestRequest& r = call->request;
    RestResponse resp;
    resp.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    resp.body = reply->readAll();
    for (const auto& pair : reply->rawHeaderPairs())
        resp.headers.append(pair);
    if (m_observer && resp.status != 0)
        m_observer(r, resp);
    const bool canRetry = call->attempt < m_config.maxAttempts;
    const qint64 backoff = qint64(m_config.backoffBaseMs) << std::min(call->attempt - 1, 5);

    if (resp.status == 0) {
        // No HTTP answer: refused, reset, timed out, TLS. The request may or may not have
        // reached the provider, so only idempotent calls are sent again.
        qCWarning(lcRest).noquote() << m_config.providerId << r.method << r.path
                                    << "network error:" << reply->errorString();
        if (r.idempotent && canRetry) {
            retryLater(call, backoff);
            return;
        }
        const bool timedOut = reply->error() == QNetworkReply::OperationCanceledError ||
                              reply->error() == QNetworkReply::TimeoutError;
        call->done(makeError(
            timedOut ? ErrorCode::Timeout : ErrorCode::Network,
            QStringLiteral("Could not reach %1 (%2). Check your connection and try again.")
                .arg(m_config.providerName, reply->errorString()),
            QStringLiteral("%1 %2: %3")
                .arg(QString::fromLatin1(r.method), r.path, reply->errorString())));
        return;
    }

    qCDebug(lcRest).noquote() << m_config.providerId << r.method << r.path << resp.status;
    if (resp.status >= 200 && resp.status < 300) {
        QJsonParseError perr{};
        if (r.jsonAnswer && !resp.body.trimmed().isEmpty()) {
            resp.json = QJsonDocument::fromJson(resp.body, &perr);
            if (perr.error != QJsonParseError::NoError) {
                // A malformed answer to a GET is worth asking again; to a create it is not.
                if (r.idempotent && canRetry) {
                    retryLater(call, backoff);
                    return;
                }
                call->done(makeError(
                    ErrorCode::ProviderFailure,
                    QStringLiteral("%1 sent an answer GPUDeck could not read. Try again in a "
                                   "moment; check the %1 dashboard if it persists.")
                        .arg(m_config.providerName),
                    QStringLiteral("%1 %2: invalid JSON (%3) at %4")
                        .arg(QString::fromLatin1(r.method), r.path, perr.errorString())
                        .arg(perr.offset)));
                return;
            }
        }
        call->done(std::move(resp));
        return;
    }

    if (!resp.body.isEmpty() && r.jsonAnswer)
        resp.json = QJsonDocument::fromJson(resp.body);
    if (resp.status == 429 || (m_config.isThrottled && m_config.isThrottled(resp))) {
        // Not processed, so any call may be sent again, after the wait the provider asked for.
        std::optional<int> after = parseRetryAfter(resp.header("Retry-After"));
        if (!after && !m_config.retryAtHeader.isEmpty())
            after = secondsUntilEpoch(resp.header(m_config.retryAtHeader));
        const qint64 waitMs = after ? qint64(*after) * 1000 : backoff;
        if (canRetry && (!after || *after <= m_config.maxRetryAfterSec)) {
            qCInfo(lcRest).noquote()
                << m_config.providerId << r.path << "rate limited; waiting" << waitMs << "ms";
            retryLater(call, waitMs);
            return;
        }
        Error e = mapError(resp);
        e.code = ErrorCode::RateLimited;
        e.retryAfterSeconds = after ? *after : int((waitMs + 999) / 1000);
        call->done(e);
        return;
    }
    if (resp.status >= 500 && r.idempotent && canRetry) {
        retryLater(call, backoff);
        return;
    }
    call->done(mapError(resp));
}

Error RestClient::mapError(const RestResponse& r) const
{
    Error e =
        m_config.errorMapper ? m_config.errorMapper(r) : defaultError(m_config.providerName, r);
    if (e.detail.isEmpty())
        e.detail =
            QStringLiteral("HTTP %1: %2").arg(r.status).arg(QString::fromUtf8(r.body.left(500)));
    return e;
}

Error RestClient::defaultError(const QString& name, const RestResponse& r)
{
    const QString detail =
        QStringLiteral("HTTP %1: %2").arg(r.status).arg(QString::fromUtf8(r.body.left(500)));
    switch (r.status) {
    case 401:
        return makeError(ErrorCode::Unauthorized,
                         QStringLiteral("%1 refused the token: it is wrong, expired or revoked. "
                                        "Create a new one and update it in Settings → Accounts.")
                             .arg(name),
                         detail);
    case 403:
        return makeError(ErrorCode::Forbidden,
                         QStringLiteral("The %1 token lacks a permission for this. Give it "
                                        "read/write access to instances and try again.")
                             .arg(name),
                         detail);
    case 404:
        return makeError(ErrorCode::NotFound,
                         QStringLiteral("%1 does not know this machine (any more).").arg(name),
                         detail);
    case 409:
    case 400:
    case 422:
        return makeError(ErrorCode::InvalidInput,
                         QStringLiteral("%1 refused the request as it stands.").arg(name), detail);
    case 429:
        return makeError(ErrorCode::RateLimited,
                         QStringLiteral("%1 asks us to slow down. Try again shortly.").arg(name),
                         detail);
    default:
        break;
    }
    if (r.status >= 500)
        return makeError(ErrorCode::ProviderFailure,
                         QStringLiteral("%1 had a problem on its side (HTTP %2). Try again in a "
                                        "few minutes; check the %1 status page if it persists.")
                             .arg(name)
                             .arg(r.status),
                         detail);
    return makeError(ErrorCode::ProviderFailure,
                     QStringLiteral("%1 answered with HTTP %2.").arg(name).arg(r.status), detail);
}

void RestClient::sendAll(const RestRequest& first, const QString& itemsKey, NextPage next,
                         Callback<QJsonArray> done)
{
    auto items = std::make_shared<QJsonArray>();
    // The step holds itself only weakly; the strong reference travels with the request in
    // flight. A client deleted with a page still pending frees the whole chain (a strong
    // self-reference leaked it: LeakSanitizer).
    using Step = std::function<void(RestRequest)>;
    auto step = std::make_shared<Step>();
    // Bounded: a provider that keeps pointing at more pages cannot loop us forever.
    auto pages = std::make_shared<int>(0);
    *step = [this, itemsKey, next, done, items, weak = std::weak_ptr<Step>(step),
             pages](RestRequest req) {
        const std::shared_ptr<Step> self = weak.lock();
        send(req, [=](Result<RestResponse> r) {
            if (!r.ok()) {
                done(r.error());
                return;
            }
            const QJsonObject page = r.value().json.object();
            for (const QJsonValue& v : page.value(itemsKey).toArray())
                items->append(v);
            const RestRequest following = next ? next(page, req) : RestRequest{};
            // A cursor that does not move (the same request again) ends the list too.
            const bool stuck = following.path == req.path && following.query == req.query &&
                               following.body == req.body && following.rawBody == req.rawBody;
            if (following.path.isEmpty() || stuck || ++*pages >= 1000) {
                done(*items);
                return;
            }
            (*self)(following);
        });
    };
    (*step)(first);
}

} // namespace gpudeck
