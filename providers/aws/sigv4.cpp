#include "sigv4.h"

#include <QUrlQuery>

#include <openssl/evp.h>

#include <algorithm>

namespace gpudeck::aws {

QByteArray sha256Hex(const QByteArray& data)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(data.constData(), static_cast<size_t>(data.size()), md, &len, EVP_sha256(),
                   nullptr) != 1)
        return {};
    return QByteArray(reinterpret_cast<const char*>(md), int(len)).toHex();
}

QByteArray hmacSha256(const QByteArray& key, const QByteArray& data)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    size_t len = 0;
    static char digest[] = "SHA256";
    if (!EVP_Q_mac(nullptr, "HMAC", nullptr, digest, nullptr, key.constData(),
                   static_cast<size_t>(key.size()),
                   reinterpret_cast<const unsigned char*>(data.constData()),
                   static_cast<size_t>(data.size()), md, sizeof md, &len))
        return {};
    return QByteArray(reinterpret_cast<const char*>(md), qsizetype(len));
}

QByteArray uriEncode(const QByteArray& raw)
{
    return raw.toPercentEncoding(); // Qt leaves exactly the unreserved set alone
}

namespace {

QByteArray canonicalPath(const QUrl& url)
{
    // Each segment of the decoded path encoded once (every service but S3). Empty path: "/".
    const QString path = url.path(QUrl::FullyDecoded);
    if (path.isEmpty())
        return "/";
    QList<QByteArray> parts;
    for (const QString& seg : path.split(QLatin1Char('/')))
        parts.append(uriEncode(seg.toUtf8()));
    return parts.join('/');
}

QByteArray canonicalQuery(const QUrl& url)
{
    QList<std::pair<QByteArray, QByteArray>> pairs;
    const QUrlQuery q(url);
    for (const auto& [k, v] : q.queryItems(QUrl::FullyDecoded))
        pairs.append({uriEncode(k.toUtf8()), uriEncode(v.toUtf8())});
    std::sort(pairs.begin(), pairs.end());
    QList<QByteArray> joined;
    for (const auto& [k, v] : pairs)
        joined.append(k + '=' + v);
    return joined.join('&');
}

QByteArray trimmedValue(const QByteArray& v)
{
    return v.simplified(); // trims and collapses runs of spaces, as the spec asks
}

QByteArray hostHeader(const QUrl& url)
{
    QByteArray host = url.host(QUrl::FullyEncoded).toLatin1();
    const int port = url.port();
    const bool defaultPort = port < 0 || (url.scheme() == QLatin1String("https") && port == 443) ||
                             (url.scheme() == QLatin1String("http") && port == 80);
    if (!defaultPort)
        host += ':' + QByteArray::number(port);
    return host;
}

} // namespace

SigV4Output sign(const SigV4Input& in, const AwsCredentials& credentials)
{
    SigV4Output out;
    out.amzDate = in.at.toUTC().toString(QStringLiteral("yyyyMMdd'T'HHmmss'Z'")).toLatin1();
    const QByteArray date = out.amzDate.left(8);

    QList<std::pair<QByteArray, QByteArray>> headers;
    bool haveHost = false, haveDate = false;
    for (const auto& [k, v] : in.headers) {
        const QByteArray name = k.toLower();
        haveHost = haveHost || name == "host";
        haveDate = haveDate || name == "x-amz-date";
        headers.append({name, trimmedValue(v)});
    }
    if (!haveHost)
        headers.append({"host", hostHeader(in.url)});
    if (!haveDate)
        headers.append({"x-amz-date", out.amzDate});
    if (!credentials.sessionToken.isEmpty())
        headers.append({"x-amz-security-token", credentials.sessionToken.toUtf8()});
    std::stable_sort(headers.begin(), headers.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    // Repeated names are one line with the values joined by commas.
    QList<std::pair<QByteArray, QByteArray>> merged;
    for (const auto& h : headers) {
        if (!merged.isEmpty() && merged.last().first == h.first)
            merged.last().second += ',' + h.second;
        else
            merged.append(h);
    }
    QByteArray canonicalHeaders;
    QList<QByteArray> names;
    for (const auto& [k, v] : merged) {
        canonicalHeaders += k + ':' + v + '\n';
        names.append(k);
    }
    const QByteArray signedHeaders = names.join(';');

    out.canonicalRequest = in.method + '\n' + canonicalPath(in.url) + '\n' +
                           canonicalQuery(in.url) + '\n' + canonicalHeaders + '\n' + signedHeaders +
                           '\n' + sha256Hex(in.payload);
    const QByteArray scope =
        date + '/' + in.region.toUtf8() + '/' + in.service.toUtf8() + "/aws4_request";
    out.stringToSign =
        "AWS4-HMAC-SHA256\n" + out.amzDate + '\n' + scope + '\n' + sha256Hex(out.canonicalRequest);
    QByteArray key = hmacSha256("AWS4" + credentials.secretAccessKey.toUtf8(), date);
    key = hmacSha256(key, in.region.toUtf8());
    key = hmacSha256(key, in.service.toUtf8());
    key = hmacSha256(key, "aws4_request");
    const QByteArray signature = hmacSha256(key, out.stringToSign).toHex();
    out.authorization = "AWS4-HMAC-SHA256 Credential=" + credentials.accessKeyId.toUtf8() + '/' +
                        scope + ", SignedHeaders=" + signedHeaders + ", Signature=" + signature;
    out.headers = merged;
    return out;
}

} // namespace gpudeck::aws
