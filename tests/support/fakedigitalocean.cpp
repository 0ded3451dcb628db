#include "fakedigitalocean.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QJsonDocument>
#include <QRegularExpression>

namespace gpudeck::test {

namespace {

QByteArray toJson(const QJsonObject& o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

FakeHttpReply doError(int status, const QString& id, const QString& message)
{
    return FakeHttpServer::json(
        status, toJson({{QStringLiteral("id"), id},
                        {QStringLiteral("message"), message},
                        {QStringLiteral("request_id"), QStringLiteral("4851a473-1621-42ea")}}));
}

QJsonObject size(const QString& slug, const QString& description, double hourly, double monthly,
                 int vcpus, int memoryMb, int diskGb, const QStringList& regions, int gpus = 0,
                 const QString& model = {}, int vram = 0)
{
    QJsonObject s{
        {QStringLiteral("slug"), slug},
        {QStringLiteral("memory"), memoryMb},
        {QStringLiteral("vcpus"), vcpus},
        {QStringLiteral("disk"), diskGb},
        {QStringLiteral("transfer"), 15},
        {QStringLiteral("price_monthly"), monthly},
        {QStringLiteral("price_hourly"), hourly},
        {QStringLiteral("regions"), QJsonArray::fromStringList(regions)},
        {QStringLiteral("available"), !regions.isEmpty()},
        {QStringLiteral("description"), description},
        {QStringLiteral("disk_info"),
         QJsonArray{QJsonObject{{QStringLiteral("type"), QStringLiteral("local")},
                                {QStringLiteral("size"),
                                 QJsonObject{{QStringLiteral("amount"), diskGb},
                                             {QStringLiteral("unit"), QStringLiteral("gib")}}}}}}};
    if (gpus > 0)
        s.insert(QStringLiteral("gpu_info"),
                 QJsonObject{{QStringLiteral("count"), gpus},
                             {QStringLiteral("model"), model},
                             {QStringLiteral("vram"),
                              QJsonObject{{QStringLiteral("amount"), vram},
                                          {QStringLiteral("unit"), QStringLiteral("gib")}}}});
    return s;
}

const QJsonArray& sizes()
{
    static const QJsonArray s{
        size(QStringLiteral("s-1vcpu-1gb"), QStringLiteral("Basic"), 0.00744, 5, 1, 1024, 25,
             {QStringLiteral("nyc1"), QStringLiteral("tor1")}),
        size(QStringLiteral("gpu-h100x1-80gb"), QStringLiteral("H100 GPU - 1X"), 3.39, 2474.7, 20,
             245760, 720, {QStringLiteral("tor1"), QStringLiteral("nyc2")}, 1,
             QStringLiteral("nvidia_h100"), 80),
        size(QStringLiteral("gpu-h100x8-640gb"), QStringLiteral("H100 GPU - 8X"), 23.92, 17461.6,
             160, 1966080, 2046, {QStringLiteral("tor1")}, 8, QStringLiteral("nvidia_h100"), 80),
        size(QStringLiteral("gpu-l40sx1-48gb"), QStringLiteral("L40S GPU - 1X"), 1.57, 1146.1, 8,
             65536, 500, {}, 1, QStringLiteral("nvidia_l40s"), 48),
    };
    return s;
}

QJsonObject sizeBySlug(const QString& slug)
{
    for (const QJsonValue& v : sizes())
        if (v[QStringLiteral("slug")].toString() == slug)
            return v.toObject();
    return {};
}

QJsonObject region(const QString& slug, const QString& name)
{
    return {{QStringLiteral("slug"), slug},
            {QStringLiteral("name"), name},
            {QStringLiteral("available"), true},
            {QStringLiteral("features"), QJsonArray{QStringLiteral("metadata")}},
            {QStringLiteral("sizes"), QJsonArray{}}};
}

// What DigitalOcean shows as a key's fingerprint: MD5 of the key blob, colon-separated.
QString fingerprintOf(const QString& publicKey)
{
    const QStringList parts = publicKey.simplified().split(QLatin1Char(' '));
    const QByteArray blob =
        QByteArray::fromBase64(parts.size() > 1 ? parts.at(1).toLatin1() : QByteArray());
    return QString::fromLatin1(QCryptographicHash::hash(blob, QCryptographicHash::Md5).toHex(':'));
}

} // namespace

FakeDigitalOcean::FakeDigitalOcean(QString token, QObject* parent)
    : QObject(parent)
    , m_server([this](const FakeHttpRequest& r) { return handle(r); })
    , m_token(std::move(token))
{}

FakeHttpReply FakeDigitalOcean::page(const QString& key, const QJsonArray& all,
                                     const FakeHttpRequest& r) const
{
    const int perPage =
        std::clamp(r.query.value(QStringLiteral("per_page"), QStringLiteral("20")).toInt(), 1,
                   std::min(200, m_pageSize));
    const int pageNo =
        std::max(1, r.query.value(QStringLiteral("page"), QStringLiteral("1")).toInt());
    QJsonArray items;
    for (int i = (pageNo - 1) * perPage; i < std::min<int>(int(all.size()), pageNo * perPage); ++i)
        items.append(all.at(i));
    QJsonObject pages;
    if (pageNo * perPage < all.size())
        pages.insert(QStringLiteral("next"),
                     QStringLiteral("https://api.digitalocean.com%1?page=%2&per_page=%3")
                         .arg(r.path)
                         .arg(pageNo + 1)
                         .arg(perPage));
    QJsonObject links;
    if (!pages.isEmpty())
        links.insert(QStringLiteral("pages"), pages);
    return FakeHttpServer::json(
        200,
        toJson({{key, items},
                {QStringLiteral("links"), links},
                {QStringLiteral("meta"), QJsonObject{{QStringLiteral("total"), all.size()}}}}));
}

void FakeDigitalOcean::advance(Droplet& d)
{
    if (d.pending.isEmpty() || ++d.polls < m_pollsPerStep)
        return;
    d.polls = 0;
    d.json.insert(QStringLiteral("status"), d.pending);
    if (d.pending == QLatin1String("active"))
        d.json.insert(
            QStringLiteral("networks"),
            QJsonObject{
                {QStringLiteral("v4"),
                 QJsonArray{QJsonObject{{QStringLiteral("ip_address"), QStringLiteral("10.0.0.7")},
                                        {QStringLiteral("type"), QStringLiteral("private")}},
                            QJsonObject{{QStringLiteral("ip_address"), m_sshHost},
                                        {QStringLiteral("type"), QStringLiteral("public")}}}},
                {QStringLiteral("v6"), QJsonArray{}}});
    d.pending.clear();
}

FakeHttpReply FakeDigitalOcean::handle(const FakeHttpRequest& r)
{
    if (m_throttle > 0) {
        --m_throttle;
        FakeHttpReply reply = doError(429, QStringLiteral("too_many_requests"),
                                      QStringLiteral("API rate limit exceeded."));
        const qint64 reset = QDateTime::currentSecsSinceEpoch() + m_resetInSec;
        reply.headers.append({QByteArray("ratelimit-limit"), QByteArray("250")});
        reply.headers.append({QByteArray("ratelimit-remaining"), QByteArray("0")});
        reply.headers.append({QByteArray("ratelimit-reset"), QByteArray::number(reset)});
        return reply;
    }
    if (r.headers.value("authorization") != "Bearer " + m_token.toUtf8())
        return doError(401, QStringLiteral("Unauthorized"),
                       QStringLiteral("Unable to authenticate you"));

    if (r.method == "GET" && r.path == QLatin1String("/v2/account"))
        return FakeHttpServer::json(
            200,
            toJson({{QStringLiteral("account"),
                     QJsonObject{{QStringLiteral("email"), QStringLiteral("sammy@example.com")},
                                 {QStringLiteral("uuid"), QStringLiteral("b6fr89dbf6d9156")},
                                 {QStringLiteral("droplet_limit"), 25},
                                 {QStringLiteral("status"), QStringLiteral("active")}}}}));
    if (r.method == "GET" && r.path == QLatin1String("/v2/sizes"))
        return page(QStringLiteral("sizes"), sizes(), r);
    if (r.method == "GET" && r.path == QLatin1String("/v2/regions"))
        return page(QStringLiteral("regions"),
                    QJsonArray{region(QStringLiteral("nyc1"), QStringLiteral("New York 1")),
                               region(QStringLiteral("nyc2"), QStringLiteral("New York 2")),
                               region(QStringLiteral("tor1"), QStringLiteral("Toronto 1"))},
                    r);
    if (r.path == QLatin1String("/v2/account/keys")) {
        if (r.method == "GET")
            return page(QStringLiteral("ssh_keys"), m_keys, r);
        const QJsonObject b = QJsonDocument::fromJson(r.body).object();
        const QString pub = b.value(QStringLiteral("public_key")).toString();
        if (pub.isEmpty() || b.value(QStringLiteral("name")).toString().isEmpty())
            return doError(422, QStringLiteral("unprocessable_entity"),
                           QStringLiteral("Name and public key are required."));
        const QString fp = fingerprintOf(pub);
        for (const QJsonValue& k : std::as_const(m_keys))
            if (k[QStringLiteral("fingerprint")].toString() == fp)
                return doError(422, QStringLiteral("unprocessable_entity"),
                               QStringLiteral("SSH Key is already in use on your account"));
        const QJsonObject key{{QStringLiteral("id"), m_nextKeyId++},
                              {QStringLiteral("fingerprint"), fp},
                              {QStringLiteral("public_key"), pub},
                              {QStringLiteral("name"), b.value(QStringLiteral("name"))}};
        m_keys.append(key);
        return FakeHttpServer::json(201, toJson({{QStringLiteral("ssh_key"), key}}));
    }
    if (r.path == QLatin1String("/v2/droplets")) {
        if (r.method == "GET") {
            QJsonArray all;
            for (Droplet& d : m_droplets) {
                if (m_advanceOnList)
                    advance(d);
                all.append(d.json);
            }
            return page(QStringLiteral("droplets"), all, r);
        }
        const QJsonObject b = QJsonDocument::fromJson(r.body).object();
        const QString slug = b.value(QStringLiteral("size")).toString();
        const QJsonObject s = sizeBySlug(slug);
        if (s.isEmpty())
            return doError(422, QStringLiteral("unprocessable_entity"),
                           QStringLiteral("You specified an invalid size for Droplet creation."));
        if (b.value(QStringLiteral("image")).toString().isEmpty())
            return doError(422, QStringLiteral("unprocessable_entity"),
                           QStringLiteral("You specified an invalid image for Droplet creation."));
        const QString reg = b.value(QStringLiteral("region")).toString();
        if (reg == m_soldOut ||
            !s.value(QStringLiteral("regions")).toArray().contains(QJsonValue(reg)))
            return doError(422, QStringLiteral("unprocessable_entity"),
                           QStringLiteral("Size is not available in this region."));
        for (const QJsonValue& k : b.value(QStringLiteral("ssh_keys")).toArray()) {
            bool known = false;
            for (const QJsonValue& mine : std::as_const(m_keys))
                known = known || mine[QStringLiteral("id")].toInteger() == k.toInteger(-1) ||
                        mine[QStringLiteral("fingerprint")].toString() == k.toString();
            if (!known)
                return doError(422, QStringLiteral("unprocessable_entity"),
                               QStringLiteral("Unknown ssh key: %1").arg(k.toVariant().toString()));
        }
        Droplet d;
        const qint64 id = m_nextId++;
        d.json = {{QStringLiteral("id"), id},
                  {QStringLiteral("name"), b.value(QStringLiteral("name"))},
                  {QStringLiteral("memory"), s.value(QStringLiteral("memory"))},
                  {QStringLiteral("vcpus"), s.value(QStringLiteral("vcpus"))},
                  {QStringLiteral("disk"), s.value(QStringLiteral("disk"))},
                  {QStringLiteral("locked"), false},
                  {QStringLiteral("status"), QStringLiteral("new")},
                  {QStringLiteral("created_at"), QDateTime::currentDateTimeUtc().toString(
                                                     QStringLiteral("yyyy-MM-ddTHH:mm:ssZ"))},
                  {QStringLiteral("image"),
                   QJsonObject{{QStringLiteral("slug"), b.value(QStringLiteral("image"))}}},
                  {QStringLiteral("size"), s},
                  {QStringLiteral("size_slug"), slug},
                  {QStringLiteral("networks"), QJsonObject{{QStringLiteral("v4"), QJsonArray{}},
                                                           {QStringLiteral("v6"), QJsonArray{}}}},
                  {QStringLiteral("region"),
                   QJsonObject{{QStringLiteral("slug"), reg}, {QStringLiteral("name"), reg}}},
                  {QStringLiteral("tags"), b.value(QStringLiteral("tags"))},
                  {QStringLiteral("gpu_info"), s.value(QStringLiteral("gpu_info"))}};
        d.pending = QStringLiteral("active");
        m_droplets.insert(id, d);
        return FakeHttpServer::json(
            202, toJson({{QStringLiteral("droplet"), d.json},
                         {QStringLiteral("links"),
                          QJsonObject{{QStringLiteral("actions"), QJsonArray{}}}}}));
    }
    static const QRegularExpression one(QStringLiteral("^/v2/droplets/(\\d+)(/actions)?$"));
    const QRegularExpressionMatch match = one.match(r.path);
    const auto notFound = [] {
        return doError(404, QStringLiteral("not_found"),
                       QStringLiteral("The resource you were accessing could not be found."));
    };
    if (!match.hasMatch())
        return notFound();
    auto it = m_droplets.find(match.captured(1).toLongLong());
    if (it == m_droplets.end())
        return notFound();
    if (match.captured(2).isEmpty() && r.method == "GET") {
        advance(*it);
        return FakeHttpServer::json(200, toJson({{QStringLiteral("droplet"), it->json}}));
    }
    if (match.captured(2).isEmpty() && r.method == "DELETE") {
        m_droplets.erase(it);
        return {204, {}, {}, {}};
    }
    if (!match.captured(2).isEmpty() && r.method == "POST") {
        const QString type =
            QJsonDocument::fromJson(r.body).object().value(QStringLiteral("type")).toString();
        const QString status = it->json.value(QStringLiteral("status")).toString();
        if (type == QLatin1String("shutdown") || type == QLatin1String("power_off")) {
            if (status == QLatin1String("active"))
                it->pending = QStringLiteral("off");
        } else if (type == QLatin1String("power_on")) {
            if (status == QLatin1String("off"))
                it->pending = QStringLiteral("active");
        } else {
            return doError(422, QStringLiteral("unprocessable_entity"),
                           QStringLiteral("Type is not a valid action"));
        }
        it->polls = 0;
        return FakeHttpServer::json(
            201,
            toJson({{QStringLiteral("action"),
                     QJsonObject{{QStringLiteral("id"), 36804636},
                                 {QStringLiteral("status"), QStringLiteral("in-progress")},
                                 {QStringLiteral("type"), type},
                                 {QStringLiteral("resource_id"), it.key()},
                                 {QStringLiteral("resource_type"), QStringLiteral("droplet")}}}}));
    }
    return doError(405, QStringLiteral("method_not_allowed"), QStringLiteral("Method not allowed"));
}

} // namespace gpudeck::test
