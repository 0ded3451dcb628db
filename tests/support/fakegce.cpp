#include "fakegce.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QUrlQuery>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

namespace gpudeck::test {

namespace {

// A resource URL as Google writes them: …/compute/v1/projects/<parts>.
QString link(const QString& parts)
{
    return QStringLiteral("https://www.googleapis.com/compute/v1/projects/") + parts;
}

QByteArray toJson(const QJsonObject& o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

// Google's error body: {"error": {code, message, status, errors: [{domain, reason, message}]}}.
FakeHttpReply googleError(int status, const QString& reason, const QString& message,
                          const QString& statusWord)
{
    return FakeHttpServer::json(
        status,
        toJson({{QStringLiteral("error"),
                 QJsonObject{
                     {QStringLiteral("code"), status},
                     {QStringLiteral("message"), message},
                     {QStringLiteral("status"), statusWord},
                     {QStringLiteral("errors"),
                      QJsonArray{QJsonObject{{QStringLiteral("domain"), QStringLiteral("global")},
                                             {QStringLiteral("reason"), reason},
                                             {QStringLiteral("message"), message}}}}}}}));
}

QByteArray pem(EVP_PKEY* key, bool isPrivate)
{
    BIO* bio = BIO_new(BIO_s_mem());
    const int ok = isPrivate
                       ? PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr)
                       : PEM_write_bio_PUBKEY(bio, key);
    QByteArray out;
    if (ok == 1) {
        char* data = nullptr;
        const long n = BIO_get_mem_data(bio, &data);
        out = QByteArray(data, qsizetype(n));
    }
    BIO_free(bio);
    return out;
}

// Accelerators and machine types the fake's zones offer (a small part of Google's list).
struct ZoneOffer {
    const char* zone;
    QList<std::pair<const char*, int>> gpus; // name, maximumCardsPerInstance
};
const QList<ZoneOffer>& zoneOffers()
{
    static const QList<ZoneOffer> z = {
        {"us-central1-a",
         {{"nvidia-tesla-t4", 4}, {"nvidia-tesla-v100", 8}, {"nvidia-tesla-a100", 16}}},
        {"us-central1-b", {{"nvidia-tesla-t4", 4}}},
        {"europe-west4-a", {{"nvidia-tesla-v100", 8}, {"nvidia-tesla-p100", 4}}},
        {"asia-east1-c", {{"nvidia-tesla-t4", 4}}},
    };
    return z;
}

QJsonObject machineType(const QString& zone, const QString& name, int cpus, int memoryMb)
{
    return {{QStringLiteral("kind"), QStringLiteral("compute#machineType")},
            {QStringLiteral("name"), name},
            {QStringLiteral("guestCpus"), cpus},
            {QStringLiteral("memoryMb"), memoryMb},
            {QStringLiteral("zone"), zone},
            {QStringLiteral("isSharedCpu"), false}};
}

QJsonObject image(const QString& name, const QString& family, const QString& created,
                  bool deprecated = false)
{
    QJsonObject o{{QStringLiteral("kind"), QStringLiteral("compute#image")},
                  {QStringLiteral("name"), name},
                  {QStringLiteral("family"), family},
                  {QStringLiteral("creationTimestamp"), created},
                  {QStringLiteral("description"), QStringLiteral("Google, Deep Learning VM")},
                  {QStringLiteral("status"), QStringLiteral("READY")},
                  {QStringLiteral("selfLink"),
                   link(QStringLiteral("deeplearning-platform-release/global/images/") + name)}};
    if (deprecated)
        o.insert(QStringLiteral("deprecated"),
                 QJsonObject{{QStringLiteral("state"), QStringLiteral("DEPRECATED")}});
    return o;
}

QString now()
{
    return QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
}

} // namespace

FakeGce::FakeGce(QString project, QObject* parent)
    : QObject(parent)
    , m_server([this](const FakeHttpRequest& r) { return handle(r); })
    , m_project(std::move(project))
{
    m_key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t(2048));
    if (m_key)
        m_privatePem = pem(m_key, true);
}

FakeGce::~FakeGce()
{
    EVP_PKEY_free(m_key);
}

QString FakeGce::baseUrl() const
{
    return m_server.baseUrl() + QStringLiteral("/compute/v1");
}

QString FakeGce::tokenUrl() const
{
    return m_server.baseUrl() + QStringLiteral("/token");
}

QString FakeGce::billingUrl() const
{
    return m_server.baseUrl();
}

QJsonArray FakeGce::billingSkus()
{
    // As the Cloud Billing Catalog API lists them (trimmed to the fields GPUDeck reads and a
    // few it does not). Prices differ from the bundled 2021-11 table where GPUDeck should use
    // them.
    static const char kSkus[] = R"([
  {"name": "services/6F81-5844-456A/skus/2E27-4F75-95CD", "skuId": "2E27-4F75-95CD",
   "description": "N1 Predefined Instance Core running in Americas",
   "category": {"serviceDisplayName": "Compute Engine", "resourceFamily": "Compute",
                "resourceGroup": "N1Standard", "usageType": "OnDemand"},
   "serviceRegions": ["us-central1", "us-east1", "us-west1"],
   "pricingInfo": [{"effectiveTime": "2026-12-03T06:07:39.612Z", "summary": "",
     "pricingExpression": {"usageUnit": "h", "usageUnitDescription": "hour", "baseUnit": "s",
       "baseUnitDescription": "second", "baseUnitConversionFactor": 3600, "displayQuantity": 1,
       "tieredRates": [{"startUsageAmount": 0,
                        "unitPrice": {"currencyCode": "USD", "units": "0", "nanos": 31611000}}]},
     "currencyConversionRate": 1}],
   "serviceProviderName": "Google"},
  {"name": "services/6F81-5844-456A/skus/6C2C-1D0A-2A4D", "skuId": "6C2C-1D0A-2A4D",
   "description": "N1 Predefined Instance Core running in Iowa",
   "category": {"serviceDisplayName": "Compute Engine", "resourceFamily": "Compute",
                "resourceGroup": "N1Standard", "usageType": "OnDemand"},
   "serviceRegions": ["us-central1"],
   "pricingInfo": [{"effectiveTime": "2026-12-03T06:07:39.612Z",
     "pricingExpression": {"usageUnit": "h", "baseUnit": "s", "baseUnitConversionFactor": 3600,
       "tieredRates": [{"startUsageAmount": 0,
                        "unitPrice": {"currencyCode": "USD", "units": "0", "nanos": 33174000}}]},
     "currencyConversionRate": 1}]},
  {"name": "services/6F81-5844-456A/skus/F449-33EC-A5EF", "skuId": "F449-33EC-A5EF",
   "description": "N1 Predefined Instance Ram running in Iowa",
   "category": {"serviceDisplayName": "Compute Engine", "resourceFamily": "Compute",
                "resourceGroup": "RAM", "usageType": "OnDemand"},
   "serviceRegions": ["us-central1"],
   "pricingInfo": [{"effectiveTime": "2026-12-03T06:07:39.612Z",
     "pricingExpression": {"usageUnit": "GiBy.h", "baseUnit": "By.s",
       "baseUnitConversionFactor": 3865470566400,
       "tieredRates": [{"startUsageAmount": 0,
                        "unitPrice": {"currencyCode": "USD", "units": "0", "nanos": 4446000}}]},
     "currencyConversionRate": 1}]},
  {"name": "services/6F81-5844-456A/skus/7B8D-2A1B-6E5C", "skuId": "7B8D-2A1B-6E5C",
   "description": "Spot Preemptible N1 Predefined Instance Core running in Iowa",
   "category": {"serviceDisplayName": "Compute Engine", "resourceFamily": "Compute",
                "resourceGroup": "N1Standard", "usageType": "Preemptible"},
   "serviceRegions": ["us-central1"],
   "pricingInfo": [{"pricingExpression": {"usageUnit": "h", "tieredRates": [
       {"startUsageAmount": 0, "unitPrice": {"currencyCode": "USD", "units": "0", "nanos": 7000000}}]}}]},
  {"name": "services/6F81-5844-456A/skus/1C5A-2B3D-9E8F", "skuId": "1C5A-2B3D-9E8F",
   "description": "Spot Preemptible N1 Predefined Instance Ram running in Iowa",
   "category": {"serviceDisplayName": "Compute Engine", "resourceFamily": "Compute",
                "resourceGroup": "RAM", "usageType": "Preemptible"},
   "serviceRegions": ["us-central1"],
   "pricingInfo": [{"pricingExpression": {"usageUnit": "GiBy.h", "tieredRates": [
       {"startUsageAmount": 0, "unitPrice": {"currencyCode": "USD", "units": "0", "nanos": 938000}}]}}]},
  {"name": "services/6F81-5844-456A/skus/0D5D-6E23-4250", "skuId": "0D5D-6E23-4250",
   "description": "Commitment v1: Cpu in Americas for 1 Year",
   "category": {"serviceDisplayName": "Compute Engine", "resourceFamily": "Compute",
                "resourceGroup": "CPU", "usageType": "Commit1Yr"},
   "serviceRegions": ["us-central1"],
   "pricingInfo": [{"pricingExpression": {"usageUnit": "h", "tieredRates": [
       {"startUsageAmount": 0, "unitPrice": {"currencyCode": "USD", "units": "0", "nanos": 19915000}}]}}]},
  {"name": "services/6F81-5844-456A/skus/2A1D-0B6B-7A5F", "skuId": "2A1D-0B6B-7A5F",
   "description": "Nvidia Tesla T4 GPU running in Americas",
   "category": {"serviceDisplayName": "Compute Engine", "resourceFamily": "Compute",
                "resourceGroup": "GPU", "usageType": "OnDemand"},
   "serviceRegions": ["us-central1", "us-east1", "us-west1"],
   "pricingInfo": [{"pricingExpression": {"usageUnit": "h", "tieredRates": [
       {"startUsageAmount": 0, "unitPrice": {"currencyCode": "USD", "units": "0", "nanos": 350000000}}]}}]},
  {"name": "services/6F81-5844-456A/skus/9A3F-7C4E-1B2D", "skuId": "9A3F-7C4E-1B2D",
   "description": "Nvidia Tesla T4 GPU attached to Spot Preemptible VMs running in Iowa",
   "category": {"serviceDisplayName": "Compute Engine", "resourceFamily": "Compute",
                "resourceGroup": "GPU", "usageType": "Preemptible"},
   "serviceRegions": ["us-central1"],
   "pricingInfo": [{"pricingExpression": {"usageUnit": "h", "tieredRates": [
       {"startUsageAmount": 0, "unitPrice": {"currencyCode": "USD", "units": "0", "nanos": 140000000}}]}}]},
  {"name": "services/6F81-5844-456A/skus/A1F2-6B7C-3D4E", "skuId": "A1F2-6B7C-3D4E",
   "description": "Nvidia Tesla T4 Virtual Workstation GPU running in Americas",
   "category": {"serviceDisplayName": "Compute Engine", "resourceFamily": "Compute",
                "resourceGroup": "GPU", "usageType": "OnDemand"},
   "serviceRegions": ["us-central1"],
   "pricingInfo": [{"pricingExpression": {"usageUnit": "h", "tieredRates": [
       {"startUsageAmount": 0, "unitPrice": {"currencyCode": "USD", "units": "0", "nanos": 550000000}}]}}]},
  {"name": "services/6F81-5844-456A/skus/5C7F-4B8A-2E3D", "skuId": "5C7F-4B8A-2E3D",
   "description": "Nvidia Tesla V100 GPU running in Americas",
   "category": {"serviceDisplayName": "Compute Engine", "resourceFamily": "Compute",
                "resourceGroup": "GPU", "usageType": "OnDemand"},
   "serviceRegions": ["us-central1"],
   "pricingInfo": [{"pricingExpression": {"usageUnit": "h", "tieredRates": [
       {"startUsageAmount": 0, "unitPrice": {"currencyCode": "USD", "units": "2", "nanos": 480000000}}]}}]},
  {"name": "services/6F81-5844-456A/skus/8E2B-5D6A-4C1F", "skuId": "8E2B-5D6A-4C1F",
   "description": "Nvidia Tesla V100 GPU attached to Spot Preemptible VMs running in Americas",
   "category": {"serviceDisplayName": "Compute Engine", "resourceFamily": "Compute",
                "resourceGroup": "GPU", "usageType": "Preemptible"},
   "serviceRegions": ["us-central1"],
   "pricingInfo": [{"pricingExpression": {"usageUnit": "h", "tieredRates": [
       {"startUsageAmount": 0, "unitPrice": {"currencyCode": "USD", "units": "0", "nanos": 0}},
       {"startUsageAmount": 1, "unitPrice": {"currencyCode": "USD", "units": "0", "nanos": 992000000}}]}}]},
  {"name": "services/6F81-5844-456A/skus/D6B4-2F3A-8C9E", "skuId": "D6B4-2F3A-8C9E",
   "description": "A2 Instance Core running in Americas",
   "category": {"serviceDisplayName": "Compute Engine", "resourceFamily": "Compute",
                "resourceGroup": "CPU", "usageType": "OnDemand"},
   "serviceRegions": ["us-central1"],
   "pricingInfo": [{"pricingExpression": {"usageUnit": "h", "tieredRates": [
       {"startUsageAmount": 0, "unitPrice": {"currencyCode": "USD", "units": "0", "nanos": 31611000}}]}}]},
  {"name": "services/6F81-5844-456A/skus/E7C5-3A4B-9DAF", "skuId": "E7C5-3A4B-9DAF",
   "description": "A2 Instance Ram running in Americas",
   "category": {"serviceDisplayName": "Compute Engine", "resourceFamily": "Compute",
                "resourceGroup": "RAM", "usageType": "OnDemand"},
   "serviceRegions": ["us-central1"],
   "pricingInfo": [{"pricingExpression": {"usageUnit": "GiBy.h", "tieredRates": [
       {"startUsageAmount": 0, "unitPrice": {"currencyCode": "USD", "units": "0", "nanos": 4237000}}]}}]},
  {"name": "services/6F81-5844-456A/skus/F8D6-4B5C-AEB0", "skuId": "F8D6-4B5C-AEB0",
   "description": "Spot Preemptible A2 Instance Core running in Americas",
   "category": {"serviceDisplayName": "Compute Engine", "resourceFamily": "Compute",
                "resourceGroup": "CPU", "usageType": "Preemptible"},
   "serviceRegions": ["us-central1"],
   "pricingInfo": [{"pricingExpression": {"usageUnit": "h", "tieredRates": [
       {"startUsageAmount": 0, "unitPrice": {"currencyCode": "USD", "units": "0", "nanos": 9110000}}]}}]},
  {"name": "services/6F81-5844-456A/skus/09E7-5C6D-BFC1", "skuId": "09E7-5C6D-BFC1",
   "description": "Spot Preemptible A2 Instance Ram running in Americas",
   "category": {"serviceDisplayName": "Compute Engine", "resourceFamily": "Compute",
                "resourceGroup": "RAM", "usageType": "Preemptible"},
   "serviceRegions": ["us-central1"],
   "pricingInfo": [{"pricingExpression": {"usageUnit": "GiBy.h", "tieredRates": [
       {"startUsageAmount": 0, "unitPrice": {"currencyCode": "USD", "units": "0", "nanos": 1222000}}]}}]},
  {"name": "services/6F81-5844-456A/skus/1AF8-6D7E-C0D2", "skuId": "1AF8-6D7E-C0D2",
   "description": "Nvidia Tesla A100 GPU running in Americas",
   "category": {"serviceDisplayName": "Compute Engine", "resourceFamily": "Compute",
                "resourceGroup": "GPU", "usageType": "OnDemand"},
   "serviceRegions": ["us-central1"],
   "pricingInfo": [{"pricingExpression": {"usageUnit": "h", "tieredRates": [
       {"startUsageAmount": 0, "unitPrice": {"currencyCode": "USD", "units": "2", "nanos": 933908000}}]}}]},
  {"name": "services/6F81-5844-456A/skus/2B09-7E8F-D1E3", "skuId": "2B09-7E8F-D1E3",
   "description": "Nvidia Tesla A100 GPU attached to Spot Preemptible VMs running in Americas",
   "category": {"serviceDisplayName": "Compute Engine", "resourceFamily": "Compute",
                "resourceGroup": "GPU", "usageType": "Preemptible"},
   "serviceRegions": ["us-central1"],
   "pricingInfo": [{"pricingExpression": {"usageUnit": "h", "tieredRates": [
       {"startUsageAmount": 0, "unitPrice": {"currencyCode": "USD", "units": "1", "nanos": 100000000}}]}}]},
  {"name": "services/6F81-5844-456A/skus/3C1A-8F90-E2F4", "skuId": "3C1A-8F90-E2F4",
   "description": "N1 Predefined Instance Core running in Netherlands",
   "category": {"serviceDisplayName": "Compute Engine", "resourceFamily": "Compute",
                "resourceGroup": "N1Standard", "usageType": "OnDemand"},
   "serviceRegions": ["europe-west4"],
   "pricingInfo": [{"pricingExpression": {"usageUnit": "h", "tieredRates": [
       {"startUsageAmount": 0, "unitPrice": {"currencyCode": "USD", "units": "0", "nanos": 40000000}}]}}]},
  {"name": "services/6F81-5844-456A/skus/4D2B-9A01-F305", "skuId": "4D2B-9A01-F305",
   "description": "Custom Instance Core running in Iowa",
   "category": {"serviceDisplayName": "Compute Engine", "resourceFamily": "Compute",
                "resourceGroup": "CPU", "usageType": "OnDemand"},
   "serviceRegions": ["us-central1"],
   "pricingInfo": [{"pricingExpression": {"usageUnit": "h", "tieredRates": [
       {"startUsageAmount": 0, "unitPrice": {"currencyCode": "USD", "units": "0", "nanos": 33174000}}]}}]},
  {"name": "services/6F81-5844-456A/skus/D973-5D65-BAB2", "skuId": "D973-5D65-BAB2",
   "description": "Storage PD Capacity",
   "category": {"serviceDisplayName": "Compute Engine", "resourceFamily": "Storage",
                "resourceGroup": "PDStandard", "usageType": "OnDemand"},
   "serviceRegions": ["us-central1"],
   "pricingInfo": [{"pricingExpression": {"usageUnit": "GiBy.mo", "tieredRates": [
       {"startUsageAmount": 0, "unitPrice": {"currencyCode": "USD", "units": "0", "nanos": 40000000}}]}}]}
])";
    return QJsonDocument::fromJson(kSkus).array();
}

FakeHttpReply FakeGce::billing(const FakeHttpRequest& r)
{
    ++m_billingCalls;
    if (m_billingStatus != 0) {
        FakeHttpReply reply;
        reply.status = m_billingStatus;
        reply.body = m_billingBody;
        if (m_billingStatus == 429)
            reply.headers.append({QByteArray("Retry-After"), QByteArray("0")});
        return reply;
    }
    const QString key = r.query.value(QStringLiteral("key"));
    if (key != billingKey()) {
        // What Google answers a wrong key (a missing one: 403 PERMISSION_DENIED).
        const bool missing = key.isEmpty();
        const QJsonObject error{
            {QStringLiteral("code"), missing ? 403 : 400},
            {QStringLiteral("message"),
             missing ? QStringLiteral("The request is missing a valid API key.")
                     : QStringLiteral("API key not valid. Please pass a valid API key.")},
            {QStringLiteral("status"),
             missing ? QStringLiteral("PERMISSION_DENIED") : QStringLiteral("INVALID_ARGUMENT")},
            {QStringLiteral("details"),
             QJsonArray{QJsonObject{
                 {QStringLiteral("@type"),
                  QStringLiteral("type.googleapis.com/google.rpc.ErrorInfo")},
                 {QStringLiteral("reason"), missing ? QStringLiteral("API_KEY_SERVICE_BLOCKED")
                                                    : QStringLiteral("API_KEY_INVALID")},
                 {QStringLiteral("domain"), QStringLiteral("googleapis.com")}}}}};
        return FakeHttpServer::json(missing ? 403 : 400,
                                    QJsonDocument(QJsonObject{{QStringLiteral("error"), error}})
                                        .toJson(QJsonDocument::Compact));
    }
    const QString token = r.query.value(QStringLiteral("pageToken"));
    m_billingPageTokens.append(token);
    const QJsonArray all = billingSkus();
    constexpr int kFirstPage = 9;
    QJsonObject page;
    QJsonArray skus;
    if (token.isEmpty()) {
        for (int i = 0; i < kFirstPage && i < all.size(); ++i)
            skus.append(all.at(i));
        page.insert(QStringLiteral("nextPageToken"), QStringLiteral("CAkSBTI4NjY5"));
    } else if (token == QLatin1String("CAkSBTI4NjY5")) {
        for (int i = kFirstPage; i < all.size(); ++i)
            skus.append(all.at(i));
        page.insert(QStringLiteral("nextPageToken"), QString());
    } else {
        return googleError(400, QStringLiteral("badRequest"),
                           QStringLiteral("Page token is invalid."),
                           QStringLiteral("INVALID_ARGUMENT"));
    }
    page.insert(QStringLiteral("skus"), skus);
    return FakeHttpServer::json(200, QJsonDocument(page).toJson(QJsonDocument::Compact));
}

QString FakeGce::checkIpUrl() const
{
    return m_server.baseUrl() + QStringLiteral("/checkip");
}

QString FakeGce::clientEmail() const
{
    return QStringLiteral("gpudeck@%1.iam.gserviceaccount.com").arg(m_project);
}

QByteArray FakeGce::publicKeyPem() const
{
    return m_key ? pem(m_key, false) : QByteArray();
}

QByteArray FakeGce::serviceAccountJson() const
{
    return QJsonDocument(
               QJsonObject{{QStringLiteral("type"), QStringLiteral("service_account")},
                           {QStringLiteral("project_id"), m_project},
                           {QStringLiteral("private_key_id"), QStringLiteral("0123456789abcdef")},
                           {QStringLiteral("private_key"), QString::fromLatin1(m_privatePem)},
                           {QStringLiteral("client_email"), clientEmail()},
                           {QStringLiteral("client_id"), QStringLiteral("1234567890")},
                           {QStringLiteral("auth_uri"),
                            QStringLiteral("https://accounts.google.com/o/oauth2/auth")},
                           {QStringLiteral("token_uri"), tokenUrl()}})
        .toJson();
}

bool FakeGce::writeKeyFile(const QString& path) const
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    return f.write(serviceAccountJson()) > 0;
}

QString FakeGce::verifyAssertion(const QByteArray& jwt) const
{
    const QList<QByteArray> parts = jwt.split('.');
    if (parts.size() != 3)
        return QStringLiteral("not a JWT");
    const auto decode = [](const QByteArray& b) {
        return QJsonDocument::fromJson(
                   QByteArray::fromBase64(b, QByteArray::Base64UrlEncoding |
                                                 QByteArray::OmitTrailingEquals))
            .object();
    };
    const QJsonObject header = decode(parts.at(0));
    const QJsonObject claims = decode(parts.at(1));
    if (header.value(QStringLiteral("alg")).toString() != QLatin1String("RS256"))
        return QStringLiteral("alg is not RS256");
    const QByteArray signature = QByteArray::fromBase64(
        parts.at(2), QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    const QByteArray input = parts.at(0) + '.' + parts.at(1);
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    const bool verified =
        ctx && EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, m_key) == 1 &&
        EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.constData()),
                         size_t(signature.size()),
                         reinterpret_cast<const unsigned char*>(input.constData()),
                         size_t(input.size())) == 1;
    EVP_MD_CTX_free(ctx);
    if (!verified)
        return QStringLiteral("Invalid JWT Signature.");
    if (claims.value(QStringLiteral("iss")).toString() != clientEmail())
        return QStringLiteral("Invalid issuer");
    if (claims.value(QStringLiteral("aud")).toString() != tokenUrl())
        return QStringLiteral("Invalid JWT: audience");
    if (!claims.value(QStringLiteral("scope"))
             .toString()
             .split(QLatin1Char(' '))
             .contains(QStringLiteral("https://www.googleapis.com/auth/compute")))
        return QStringLiteral("Invalid scope");
    const qint64 t = QDateTime::currentSecsSinceEpoch();
    const qint64 iat = claims.value(QStringLiteral("iat")).toInteger();
    const qint64 exp = claims.value(QStringLiteral("exp")).toInteger();
    // Google allows a few minutes of clock skew and an hour of validity at most.
    if (iat > t + 300 || exp < t - 300 || exp <= iat || exp - iat > 3600)
        return QStringLiteral("Invalid JWT: Token must be a short-lived token (60 minutes) and "
                              "in a reasonable timeframe.");
    return {};
}

FakeHttpReply FakeGce::token(const FakeHttpRequest& r)
{
    const QUrlQuery form(QString::fromUtf8(r.body));
    if (form.queryItemValue(QStringLiteral("grant_type"), QUrl::FullyDecoded) !=
        QLatin1String("urn:ietf:params:oauth:grant-type:jwt-bearer"))
        return FakeHttpServer::json(
            400, R"({"error":"unsupported_grant_type","error_description":"Invalid grant_type"})");
    m_lastAssertion =
        form.queryItemValue(QStringLiteral("assertion"), QUrl::FullyDecoded).toLatin1();
    const QString why = verifyAssertion(m_lastAssertion);
    if (!why.isEmpty()) {
        ++m_rejectedAssertions;
        return FakeHttpServer::json(
            400, toJson({{QStringLiteral("error"), QStringLiteral("invalid_grant")},
                         {QStringLiteral("error_description"), why}}));
    }
    const QString token = QStringLiteral("ya29.fake-%1-%2").arg(++m_issued).arg(m_project);
    m_tokens.insert(token, QDateTime::currentDateTimeUtc().addSecs(m_tokenLifetime));
    return FakeHttpServer::json(200,
                                toJson({{QStringLiteral("access_token"), token},
                                        {QStringLiteral("expires_in"), m_tokenLifetime},
                                        {QStringLiteral("token_type"), QStringLiteral("Bearer")}}));
}

FakeHttpReply FakeGce::handle(const FakeHttpRequest& r)
{
    if (r.path == QLatin1String("/token") && r.method == "POST")
        return token(r);
    if (r.path.startsWith(QLatin1String("/checkip"))) {
        FakeHttpReply reply;
        reply.body = m_publicIp.toLatin1() + '\n';
        reply.contentType = "text/plain";
        return reply;
    }
    if (r.path == QLatin1String("/v1/services/6F81-5844-456A/skus") && r.method == "GET")
        return billing(r);
    const QStringList parts = r.path.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    if (parts.size() < 4 || parts.at(0) != QLatin1String("compute") ||
        parts.at(1) != QLatin1String("v1") || parts.at(2) != QLatin1String("projects"))
        return googleError(404, QStringLiteral("notFound"),
                           QStringLiteral("The requested URL was not found."),
                           QStringLiteral("NOT_FOUND"));
    // Google checks the bearer token before anything else.
    const QByteArray auth = r.headers.value("authorization");
    const QString bearer =
        auth.startsWith("Bearer ") ? QString::fromLatin1(auth.mid(7)) : QString();
    const auto it = m_tokens.constFind(bearer);
    if (bearer.isEmpty() || it == m_tokens.cend() || it.value() < QDateTime::currentDateTimeUtc()) {
        ++m_rejectedTokens;
        return googleError(401, QStringLiteral("authError"),
                           QStringLiteral("Request had invalid authentication credentials. "
                                          "Expected OAuth 2 access token, login cookie or other "
                                          "valid authentication credential."),
                           QStringLiteral("UNAUTHENTICATED"));
    }
    if (m_throttle > 0) {
        --m_throttle;
        FakeHttpReply reply = googleError(
            429, QStringLiteral("rateLimitExceeded"),
            QStringLiteral("Quota exceeded for quota metric 'Queries' and limit 'Queries per "
                           "minute' of service 'compute.googleapis.com'."),
            QStringLiteral("RESOURCE_EXHAUSTED"));
        reply.headers.append({"Retry-After", QByteArray::number(m_retryAfter)});
        return reply;
    }
    return compute(r, parts.mid(2));
}

QJsonObject FakeGce::operation(const QString& zone, const QString& type, const QString& target,
                               bool done, const QJsonObject& error)
{
    const QString name =
        QStringLiteral("operation-%1-%2").arg(QDateTime::currentMSecsSinceEpoch()).arg(m_nextOp++);
    QJsonObject op{
        {QStringLiteral("kind"), QStringLiteral("compute#operation")},
        {QStringLiteral("id"), QString::number(m_nextId++)},
        {QStringLiteral("name"), name},
        {QStringLiteral("operationType"), type},
        {QStringLiteral("targetLink"), target},
        {QStringLiteral("status"), done ? QStringLiteral("DONE") : QStringLiteral("RUNNING")},
        {QStringLiteral("progress"), done ? 100 : 0},
        {QStringLiteral("insertTime"), now()},
        {QStringLiteral("user"), clientEmail()}};
    if (!zone.isEmpty()) {
        op.insert(QStringLiteral("zone"), link(m_project + QStringLiteral("/zones/") + zone));
        op.insert(QStringLiteral("selfLink"), link(m_project + QStringLiteral("/zones/") + zone +
                                                   QStringLiteral("/operations/") + name));
    } else {
        op.insert(QStringLiteral("selfLink"),
                  link(m_project + QStringLiteral("/global/operations/") + name));
    }
    if (!error.isEmpty())
        op.insert(QStringLiteral("error"), error);
    m_operations.insert(name, op);
    return op;
}

void FakeGce::advanceOperation(QJsonObject& op)
{
    if (op.value(QStringLiteral("status")).toString() == QLatin1String("DONE"))
        return;
    const QString name = op.value(QStringLiteral("name")).toString();
    if (++m_opPolls[name] < m_pollsPerStep)
        return;
    op.insert(QStringLiteral("status"), QStringLiteral("DONE"));
    op.insert(QStringLiteral("progress"), 100);
    op.insert(QStringLiteral("endTime"), now());
}

void FakeGce::advance(Vm& vm)
{
    if (vm.pending.isEmpty() || ++vm.polls < m_pollsPerStep)
        return;
    vm.polls = 0;
    const QString status = vm.pending;
    vm.json.insert(QStringLiteral("status"), status);
    QJsonArray nics = vm.json.value(QStringLiteral("networkInterfaces")).toArray();
    QJsonObject nic = nics.first().toObject();
    QJsonObject access = nic.value(QStringLiteral("accessConfigs")).toArray().first().toObject();
    if (status == QLatin1String("PROVISIONING")) {
        vm.pending = QStringLiteral("STAGING");
    } else if (status == QLatin1String("STAGING")) {
        vm.pending = QStringLiteral("RUNNING");
    } else if (status == QLatin1String("RUNNING")) {
        vm.pending.clear();
        access.insert(QStringLiteral("natIP"), m_sshHost);
        vm.json.insert(QStringLiteral("lastStartTimestamp"), now());
    } else if (status == QLatin1String("STOPPING")) {
        vm.pending = QStringLiteral("TERMINATED");
    } else if (status == QLatin1String("TERMINATED")) {
        vm.pending.clear();
        // A stopped VM gives its ephemeral external address back.
        access.remove(QStringLiteral("natIP"));
        vm.json.insert(QStringLiteral("lastStopTimestamp"), now());
    }
    nic.insert(QStringLiteral("accessConfigs"), QJsonArray{access});
    nics.replace(0, nic);
    vm.json.insert(QStringLiteral("networkInterfaces"), nics);
}

FakeHttpReply FakeGce::insert(const FakeHttpRequest& r, const QString& zone)
{
    const QString requestId = r.query.value(QStringLiteral("requestId"));
    if (!requestId.isEmpty()) {
        m_requestIds.append(requestId);
        if (m_requestOps.contains(requestId))
            // Google's idempotency: the same requestId → the first insert's operation.
            return FakeHttpServer::json(200,
                                        toJson(m_operations.value(m_requestOps.value(requestId))));
    }
    const QJsonObject body = QJsonDocument::fromJson(r.body).object();
    const QString name = body.value(QStringLiteral("name")).toString();
    if (name.isEmpty() || body.value(QStringLiteral("machineType")).toString().isEmpty())
        return googleError(400, QStringLiteral("required"),
                           QStringLiteral("Required field 'resource.name' not specified"),
                           QStringLiteral("INVALID_ARGUMENT"));
    const QJsonObject sched = body.value(QStringLiteral("scheduling")).toObject();
    const QString machine = body.value(QStringLiteral("machineType")).toString();
    const bool gpus = !body.value(QStringLiteral("guestAccelerators")).toArray().isEmpty() ||
                      machine.contains(QLatin1String("/a2-"));
    if (gpus &&
        sched.value(QStringLiteral("onHostMaintenance")).toString() != QLatin1String("TERMINATE"))
        return googleError(400, QStringLiteral("badRequest"),
                           QStringLiteral("Instances with guest accelerators do not support live "
                                          "migration."),
                           QStringLiteral("INVALID_ARGUMENT"));
    if (m_vms.contains(name))
        return googleError(409, QStringLiteral("alreadyExists"),
                           QStringLiteral("The resource 'projects/%1/zones/%2/instances/%3' "
                                          "already exists")
                               .arg(m_project, zone, name),
                           QStringLiteral("ALREADY_EXISTS"));
    const QString target =
        link(m_project) + QStringLiteral("/zones/") + zone + QStringLiteral("/instances/") + name;
    QJsonObject op;
    if (m_exhausted.contains(zone)) {
        op = operation(
            zone, QStringLiteral("insert"), target, false,
            QJsonObject{
                {QStringLiteral("errors"),
                 QJsonArray{QJsonObject{
                     {QStringLiteral("code"), QStringLiteral("ZONE_RESOURCE_POOL_EXHAUSTED")},
                     {QStringLiteral("message"),
                      QStringLiteral("The zone 'projects/%1/zones/%2' does not have enough "
                                     "resources available to fulfill the request. Try a "
                                     "different zone, or try again later.")
                          .arg(m_project, zone)}}}}});
    } else {
        Vm vm;
        vm.json = body;
        vm.json.insert(QStringLiteral("kind"), QStringLiteral("compute#instance"));
        vm.json.insert(QStringLiteral("id"), QString::number(m_nextId++));
        vm.json.insert(QStringLiteral("zone"), link(m_project + QStringLiteral("/zones/") + zone));
        vm.json.insert(QStringLiteral("machineType"),
                       link(m_project + QStringLiteral("/") + machine));
        vm.json.insert(QStringLiteral("selfLink"), target);
        vm.json.insert(QStringLiteral("creationTimestamp"), now());
        vm.json.insert(QStringLiteral("status"), QStringLiteral("PROVISIONING"));
        const QJsonObject init = body.value(QStringLiteral("disks"))
                                     .toArray()
                                     .first()
                                     .toObject()
                                     .value(QStringLiteral("initializeParams"))
                                     .toObject();
        vm.json.insert(
            QStringLiteral("disks"),
            QJsonArray{QJsonObject{
                {QStringLiteral("boot"), true},
                {QStringLiteral("autoDelete"), true},
                {QStringLiteral("deviceName"), QStringLiteral("persistent-disk-0")},
                {QStringLiteral("diskSizeGb"),
                 init.value(QStringLiteral("diskSizeGb")).toString(QStringLiteral("10"))},
                {QStringLiteral("source"), QString(target + QStringLiteral("-disk"))}}});
        QJsonObject nic{
            {QStringLiteral("network"),
             link(m_project + QStringLiteral("/global/networks/default"))},
            {QStringLiteral("networkIP"), QStringLiteral("10.128.0.%1").arg(m_vms.size() + 2)},
            {QStringLiteral("accessConfigs"),
             QJsonArray{QJsonObject{{QStringLiteral("type"), QStringLiteral("ONE_TO_ONE_NAT")},
                                    {QStringLiteral("name"), QStringLiteral("External NAT")}}}}};
        vm.json.insert(QStringLiteral("networkInterfaces"), QJsonArray{nic});
        QJsonArray accs;
        for (const QJsonValue& a : body.value(QStringLiteral("guestAccelerators")).toArray()) {
            QJsonObject ao = a.toObject();
            ao.insert(QStringLiteral("acceleratorType"),
                      link(m_project + QStringLiteral("/") +
                           ao.value(QStringLiteral("acceleratorType")).toString()));
            accs.append(ao);
        }
        vm.json.insert(QStringLiteral("guestAccelerators"), accs);
        vm.pending = QStringLiteral("STAGING");
        m_vms.insert(name, vm);
        op = operation(zone, QStringLiteral("insert"), target, false);
    }
    if (!requestId.isEmpty())
        m_requestOps.insert(requestId, op.value(QStringLiteral("name")).toString());
    return FakeHttpServer::json(200, toJson(op));
}

FakeHttpReply FakeGce::compute(const FakeHttpRequest& r, const QStringList& p)
{
    const auto notFound = [&r] {
        return googleError(404, QStringLiteral("notFound"),
                           QStringLiteral("The resource '%1' was not found").arg(r.path.mid(12)),
                           QStringLiteral("NOT_FOUND"));
    };
    // p: projects, <project>, ...
    if (p.size() == 4 && p.at(1) == QLatin1String("deeplearning-platform-release") &&
        p.at(3) == QLatin1String("images") && r.method == "GET") {
        const QJsonArray items{
            image(QStringLiteral("common-cu113-v20211105"), QStringLiteral("common-cu113"),
                  QStringLiteral("2021-11-05T10:12:31.456-07:00")),
            image(QStringLiteral("common-cu113-v20211219-debian-10"),
                  QStringLiteral("common-cu113"), QStringLiteral("2021-12-19T09:00:00.000-08:00")),
            image(QStringLiteral("common-cu110-v20210601"), QStringLiteral("common-cu110"),
                  QStringLiteral("2021-06-01T10:00:00.000-07:00"), true),
            image(QStringLiteral("common-cpu-v20211219"), QStringLiteral("common-cpu"),
                  QStringLiteral("2021-12-19T09:00:00.000-08:00"))};
        return FakeHttpServer::json(
            200, toJson({{QStringLiteral("kind"), QStringLiteral("compute#imageList")},
                         {QStringLiteral("items"), items}}));
    }
    if (p.at(1) != m_project)
        return googleError(403, QStringLiteral("forbidden"),
                           QStringLiteral("Required 'compute.instances.list' permission for "
                                          "'projects/%1'")
                               .arg(p.at(1)),
                           QStringLiteral("PERMISSION_DENIED"));
    if (p.size() == 2 && r.method == "GET")
        return FakeHttpServer::json(
            200, toJson({{QStringLiteral("kind"), QStringLiteral("compute#project")},
                         {QStringLiteral("name"), m_project},
                         {QStringLiteral("id"), QStringLiteral("8123456789")}}));
    if (p.size() == 4 && p.at(2) == QLatin1String("aggregated") && r.method == "GET") {
        const QString what = p.at(3);
        QJsonObject items;
        if (what == QLatin1String("acceleratorTypes")) {
            for (const ZoneOffer& z : zoneOffers()) {
                const QString zone = QString::fromLatin1(z.zone);
                QJsonArray list;
                for (const auto& [gpu, max] : z.gpus)
                    list.append(QJsonObject{
                        {QStringLiteral("kind"), QStringLiteral("compute#acceleratorType")},
                        {QStringLiteral("name"), QString::fromLatin1(gpu)},
                        {QStringLiteral("zone"),
                         link(m_project + QStringLiteral("/zones/") + zone)},
                        {QStringLiteral("maximumCardsPerInstance"), max}});
                items.insert(QStringLiteral("zones/") + zone,
                             QJsonObject{{QStringLiteral("acceleratorTypes"), list}});
            }
        } else if (what == QLatin1String("machineTypes")) {
            for (const ZoneOffer& z : zoneOffers()) {
                const QString zone = QString::fromLatin1(z.zone);
                QJsonArray list;
                for (const auto& [name, cpus] :
                     QList<std::pair<QString, int>>{{QStringLiteral("n1-standard-4"), 4},
                                                    {QStringLiteral("n1-standard-8"), 8},
                                                    {QStringLiteral("n1-standard-16"), 16},
                                                    {QStringLiteral("n1-standard-32"), 32}})
                    list.append(machineType(zone, name, cpus, cpus * 3840));
                if (zone == QLatin1String("us-central1-a"))
                    list.append(machineType(zone, QStringLiteral("a2-highgpu-1g"), 12, 87040));
                items.insert(QStringLiteral("zones/") + zone,
                             QJsonObject{{QStringLiteral("machineTypes"), list}});
            }
        } else if (what == QLatin1String("instances")) {
            QMap<QString, QJsonArray> byZone;
            for (Vm& vm : m_vms) {
                if (m_advanceOnList)
                    advance(vm);
                byZone
                    [vm.json.value(QStringLiteral("zone")).toString().section(QLatin1Char('/'), -1)]
                        .append(vm.json);
            }
            for (auto it = byZone.cbegin(); it != byZone.cend(); ++it)
                items.insert(QStringLiteral("zones/") + it.key(),
                             QJsonObject{{QStringLiteral("instances"), it.value()}});
        } else {
            return notFound();
        }
        return FakeHttpServer::json(
            200, toJson({{QStringLiteral("kind"), QStringLiteral("compute#aggregatedList")},
                         {QStringLiteral("items"), items}}));
    }
    if (p.size() >= 4 && p.at(2) == QLatin1String("global") &&
        p.at(3) == QLatin1String("firewalls")) {
        const QString target = link(m_project) + QStringLiteral("/global/firewalls/");
        if (p.size() == 4 && r.method == "POST") {
            const QJsonObject body = QJsonDocument::fromJson(r.body).object();
            if (!m_firewall.isEmpty())
                return googleError(409, QStringLiteral("alreadyExists"),
                                   QStringLiteral("The resource already exists"),
                                   QStringLiteral("ALREADY_EXISTS"));
            m_firewall = body;
            return FakeHttpServer::json(
                200,
                toJson(operation({}, QStringLiteral("insert"),
                                 target + body.value(QStringLiteral("name")).toString(), true)));
        }
        if (p.size() == 5 && !m_firewall.isEmpty() &&
            p.at(4) == m_firewall.value(QStringLiteral("name")).toString()) {
            if (r.method == "GET")
                return FakeHttpServer::json(200, toJson(m_firewall));
            if (r.method == "PATCH") {
                const QJsonObject body = QJsonDocument::fromJson(r.body).object();
                for (auto it = body.begin(); it != body.end(); ++it)
                    m_firewall.insert(it.key(), it.value());
                return FakeHttpServer::json(
                    200, toJson(operation({}, QStringLiteral("patch"), target + p.at(4), true)));
            }
        }
        return notFound();
    }
    if (p.size() < 5 || p.at(2) != QLatin1String("zones"))
        return notFound();
    const QString zone = p.at(3);
    if (p.at(4) == QLatin1String("operations") && p.size() >= 6) {
        if (!m_operations.contains(p.at(5)))
            return notFound();
        QJsonObject& op = m_operations[p.at(5)];
        if (p.size() == 7 && p.at(6) == QLatin1String("wait") && r.method == "POST")
            advanceOperation(op);
        else if (p.size() != 6 || r.method != "GET")
            return notFound();
        return FakeHttpServer::json(200, toJson(op));
    }
    if (p.at(4) != QLatin1String("instances"))
        return notFound();
    if (p.size() == 5 && r.method == "POST")
        return insert(r, zone);
    if (p.size() < 6 || !m_vms.contains(p.at(5)))
        return notFound();
    const QString name = p.at(5);
    Vm& vm = m_vms[name];
    const QString target = vm.json.value(QStringLiteral("selfLink")).toString();
    if (p.size() == 6 && r.method == "GET") {
        advance(vm);
        return FakeHttpServer::json(200, toJson(vm.json));
    }
    if (p.size() == 6 && r.method == "DELETE") {
        m_vms.remove(name);
        return FakeHttpServer::json(
            200, toJson(operation(zone, QStringLiteral("delete"), target, false)));
    }
    if (p.size() == 7 && r.method == "POST") {
        const QString action = p.at(6);
        const QString status = vm.json.value(QStringLiteral("status")).toString();
        if (action == QLatin1String("stop")) {
            if (status != QLatin1String("TERMINATED")) {
                vm.json.insert(QStringLiteral("status"), QStringLiteral("STOPPING"));
                vm.pending = QStringLiteral("TERMINATED");
                vm.polls = 0;
            }
        } else if (action == QLatin1String("start")) {
            if (status == QLatin1String("TERMINATED")) {
                vm.json.insert(QStringLiteral("status"), QStringLiteral("STAGING"));
                vm.pending = QStringLiteral("RUNNING");
                vm.polls = 0;
            }
        } else {
            return notFound();
        }
        return FakeHttpServer::json(200, toJson(operation(zone, action, target, false)));
    }
    return notFound();
}

} // namespace gpudeck::test
