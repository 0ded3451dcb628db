#include "serviceaccount.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>

namespace gpudeck::gce {

namespace {

Error keyError(const QString& what, const QString& detail = {})
{
    return makeError(ErrorCode::InvalidInput,
                     QStringLiteral("%1 Paste the whole JSON key of a service account (IAM & Admin "
                                    "→ Service accounts → Keys → Add key → JSON) in Settings → "
                                    "Accounts, or set GOOGLE_APPLICATION_CREDENTIALS to its file.")
                         .arg(what),
                     detail);
}

struct PkeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct MdCtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct BioFree {
    void operator()(BIO* b) const { BIO_free(b); }
};

} // namespace

QByteArray base64Url(const QByteArray& raw)
{
    return raw.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

Result<ServiceAccountKey> parseKey(const QByteArray& json)
{
    QJsonParseError perr{};
    const QJsonDocument doc = QJsonDocument::fromJson(json, &perr);
    if (perr.error != QJsonParseError::NoError || !doc.isObject())
        return keyError(QStringLiteral("This is not a Google service-account key (not JSON)."),
                        perr.errorString());
    const QJsonObject o = doc.object();
    const QString type = o.value(QStringLiteral("type")).toString();
    if (type != QLatin1String("service_account"))
        return keyError(QStringLiteral("This JSON is not a service-account key (its type is "
                                       "\"%1\"; a user login or an API key cannot launch VMs).")
                            .arg(type));
    ServiceAccountKey k;
    k.projectId = o.value(QStringLiteral("project_id")).toString();
    k.clientEmail = o.value(QStringLiteral("client_email")).toString();
    k.privateKeyId = o.value(QStringLiteral("private_key_id")).toString();
    k.privateKeyPem = o.value(QStringLiteral("private_key")).toString().toUtf8();
    k.tokenUri = o.value(QStringLiteral("token_uri")).toString();
    if (!k.isValid())
        return keyError(QStringLiteral("The service-account key lacks its project_id, "
                                       "client_email or private_key."));
    return k;
}

Result<ServiceAccountKey> keyFromStored(const QString& stored)
{
    const QString s = stored.trimmed();
    if (s.startsWith(QLatin1Char('{'))) {
        Result<ServiceAccountKey> k = parseKey(s.toUtf8());
        if (k.ok())
            k.value().source = QStringLiteral("the saved key");
        return k;
    }
    QFile f(s);
    if (!f.open(QIODevice::ReadOnly))
        return keyError(QStringLiteral("The service-account key file %1 cannot be read (%2).")
                            .arg(s, f.errorString()));
    Result<ServiceAccountKey> k = parseKey(f.readAll());
    if (k.ok())
        k.value().source = QFileInfo(s).fileName();
    return k;
}

Result<ServiceAccountKey> keyFromEnvironment()
{
    const QString path = qEnvironmentVariable("GOOGLE_APPLICATION_CREDENTIALS");
    if (path.isEmpty())
        return ServiceAccountKey{};
    Result<ServiceAccountKey> k = keyFromStored(path);
    if (k.ok())
        k.value().source = QStringLiteral("GOOGLE_APPLICATION_CREDENTIALS");
    return k;
}

QString tokenUrl(const ServiceAccountKey& key)
{
    const QString env = qEnvironmentVariable("GPUDECK_OAUTH_TOKEN_URL");
    if (!env.isEmpty())
        return env;
    if (!key.tokenUri.isEmpty())
        return key.tokenUri;
    return QString::fromLatin1(kDefaultTokenUrl);
}

Result<QByteArray> makeAssertion(const ServiceAccountKey& key, const QString& audience,
                                 const QDateTime& now)
{
    QJsonObject header{{QStringLiteral("alg"), QStringLiteral("RS256")},
                       {QStringLiteral("typ"), QStringLiteral("JWT")}};
    if (!key.privateKeyId.isEmpty())
        header.insert(QStringLiteral("kid"), key.privateKeyId);
    const qint64 iat = now.toSecsSinceEpoch();
    // Google accepts assertions valid for an hour at most.
    const QJsonObject claims{{QStringLiteral("iss"), key.clientEmail},
                             {QStringLiteral("scope"), QString::fromLatin1(kComputeScope)},
                             {QStringLiteral("aud"), audience},
                             {QStringLiteral("iat"), iat},
                             {QStringLiteral("exp"), iat + 3600}};
    const QByteArray input = base64Url(QJsonDocument(header).toJson(QJsonDocument::Compact)) + '.' +
                             base64Url(QJsonDocument(claims).toJson(QJsonDocument::Compact));

    const std::unique_ptr<BIO, BioFree> bio(
        BIO_new_mem_buf(key.privateKeyPem.constData(), int(key.privateKeyPem.size())));
    const std::unique_ptr<EVP_PKEY, PkeyFree> pkey(
        bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!pkey || EVP_PKEY_base_id(pkey.get()) != EVP_PKEY_RSA)
        return keyError(QStringLiteral("The service-account key's private_key is not an RSA "
                                       "private key GPUDeck can read."));
    const std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
    size_t len = 0;
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey.get()) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &len,
                       reinterpret_cast<const unsigned char*>(input.constData()),
                       size_t(input.size())) != 1)
        return makeError(ErrorCode::Internal,
                         QStringLiteral("OpenSSL could not sign the Google sign-in request."));
    QByteArray signature(qsizetype(len), '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &len,
                       reinterpret_cast<const unsigned char*>(input.constData()),
                       size_t(input.size())) != 1)
        return makeError(ErrorCode::Internal,
                         QStringLiteral("OpenSSL could not sign the Google sign-in request."));
    signature.resize(qsizetype(len));
    return QByteArray(input + '.' + base64Url(signature));
}

Result<AccessToken> parseTokenAnswer(const QJsonObject& answer, const QDateTime& now)
{
    AccessToken t;
    t.token = answer.value(QStringLiteral("access_token")).toString();
    const int expiresIn = answer.value(QStringLiteral("expires_in")).toInt(0);
    if (t.token.isEmpty() || expiresIn <= 0)
        return makeError(ErrorCode::ProviderFailure,
                         QStringLiteral("Google's sign-in answered without an access token. Try "
                                        "again in a moment."),
                         QStringLiteral("token answer without access_token/expires_in"));
    t.expiresAt = now.addSecs(expiresIn);
    return t;
}

Error tokenError(int status, const QJsonObject& answer)
{
    const QString code = answer.value(QStringLiteral("error")).toString();
    const QString why = answer.value(QStringLiteral("error_description")).toString();
    const QString detail =
        QStringLiteral("token endpoint HTTP %1: %2 %3").arg(status).arg(code, why);
    if (code == QLatin1String("invalid_grant") || code == QLatin1String("invalid_client") ||
        code == QLatin1String("unauthorized_client") || status == 401 || status == 400)
        return makeError(ErrorCode::Unauthorized,
                         QStringLiteral("Google refused the service-account key (%1). It may be "
                                        "deleted or disabled, or this computer's clock is wrong. "
                                        "Create a new JSON key and update it in Settings → "
                                        "Accounts (or GOOGLE_APPLICATION_CREDENTIALS).")
                             .arg(why.isEmpty() ? code : why),
                         detail);
    if (status == 429)
        return makeError(ErrorCode::RateLimited,
                         QStringLiteral("Google's sign-in asks GPUDeck to slow down. Try again "
                                        "shortly."),
                         detail);
    return makeError(ErrorCode::ProviderFailure,
                     QStringLiteral("Google's sign-in failed (HTTP %1). Try again in a few "
                                    "minutes.")
                         .arg(status),
                     detail);
}

} // namespace gpudeck::gce
