#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>
#include <QUrl>

#include <utility>

namespace gpudeck::aws {

struct AwsCredentials {
    QString accessKeyId;
    QString secretAccessKey;
    QString sessionToken; // temporary credentials (STS) only
    QString source;       // where they came from, for messages: "keychain", "environment"...
    [[nodiscard]] bool isValid() const
    {
        return !accessKeyId.isEmpty() && !secretAccessKey.isEmpty();
    }
};

// AWS Signature Version 4 (docs.aws.amazon.com "Create a signed AWS API request"). Hashes and
// MACs are OpenSSL's EVP implementations; nothing here computes a digest by hand.
struct SigV4Input {
    QByteArray method;
    QUrl url;
    // Headers to sign, any case; must include host and x-amz-date (sign() adds them when absent).
    QList<std::pair<QByteArray, QByteArray>> headers;
    QByteArray payload;
    QString region;
    QString service;
    QDateTime at; // UTC
};

struct SigV4Output {
    QByteArray authorization;
    QByteArray amzDate; // 20150830T123600Z
    QByteArray canonicalRequest;
    QByteArray stringToSign;
    QList<std::pair<QByteArray, QByteArray>> headers; // signed headers as sent (lower case)
};

[[nodiscard]] QByteArray sha256Hex(const QByteArray& data);
[[nodiscard]] QByteArray hmacSha256(const QByteArray& key, const QByteArray& data);
// RFC 3986 percent-encoding of everything but unreserved characters (A-Z a-z 0-9 - _ . ~).
[[nodiscard]] QByteArray uriEncode(const QByteArray& raw);

[[nodiscard]] SigV4Output sign(const SigV4Input& in, const AwsCredentials& credentials);

} // namespace gpudeck::aws
