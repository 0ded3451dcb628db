#pragma once

#include "result.h"

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QString>

namespace gpudeck::gce {

// The OAuth2 scope GPUDeck asks for: Compute Engine read/write, nothing else of the project.
inline constexpr char kComputeScope[] = "https://www.googleapis.com/auth/compute";
inline constexpr char kDefaultTokenUrl[] = "https://oauth2.googleapis.com/token";
inline constexpr char kJwtBearerGrant[] = "urn:ietf:params:oauth:grant-type:jwt-bearer";

// A Google service-account key as the Cloud console downloads it (type "service_account").
struct ServiceAccountKey {
    QString projectId;
    QString clientEmail;
    QString privateKeyId;
    QByteArray privateKeyPem; // PKCS#8 "-----BEGIN PRIVATE KEY-----"
    QString tokenUri;
    QString source; // where it came from, for the user: "Settings → Accounts", a file name
    [[nodiscard]] bool isValid() const
    {
        return !clientEmail.isEmpty() && !privateKeyPem.isEmpty() && !projectId.isEmpty();
    }
};

// The key's JSON, with a message saying what is wrong when it is not a service-account key.
[[nodiscard]] Result<ServiceAccountKey> parseKey(const QByteArray& json);
// What the user stored: the key's JSON itself, or the path of a key file.
[[nodiscard]] Result<ServiceAccountKey> keyFromStored(const QString& stored);
// GOOGLE_APPLICATION_CREDENTIALS (a key file), when set; an invalid key when not.
[[nodiscard]] Result<ServiceAccountKey> keyFromEnvironment();
// GPUDECK_OAUTH_TOKEN_URL, else the key's token_uri, else Google's.
[[nodiscard]] QString tokenUrl(const ServiceAccountKey& key);

[[nodiscard]] QByteArray base64Url(const QByteArray& raw);

// The signed assertion of RFC 7523 that Google's token endpoint trades for an access token:
// header {alg RS256, typ JWT, kid}, claims {iss, scope, aud, iat, exp = iat + 1 h}, signed with
// the key's RSA private key by OpenSSL (EVP_DigestSign, SHA-256, PKCS#1 v1.5).
[[nodiscard]] Result<QByteArray> makeAssertion(const ServiceAccountKey& key,
                                               const QString& audience, const QDateTime& now);

// The token endpoint's answer {access_token, expires_in, token_type}.
struct AccessToken {
    QString token;
    QDateTime expiresAt;
};
[[nodiscard]] Result<AccessToken> parseTokenAnswer(const QJsonObject& answer, const QDateTime& now);
// The token endpoint's error {error, error_description} → what the user should do.
[[nodiscard]] Error tokenError(int status, const QJsonObject& answer);

} // namespace gpudeck::gce
