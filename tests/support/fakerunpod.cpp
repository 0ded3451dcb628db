#include "fakerunpod.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>

namespace gpudeck::test {

namespace {

QByteArray toJson(const QJsonObject& o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

FakeHttpReply problem(int status, const QString& title, const QString& detail,
                      const QStringList& errors = {})
{
    QJsonObject o{{QStringLiteral("title"), title},
                  {QStringLiteral("status"), status},
                  {QStringLiteral("detail"), detail}};
    if (!errors.isEmpty())
        o.insert(QStringLiteral("errors"), QJsonArray::fromStringList(errors));
    FakeHttpReply r = FakeHttpServer::json(status, toJson(o));
    r.contentType = "application/problem+json";
    return r;
}

QJsonObject gpu(const QString& id, const QString& name, int memory, double secure, double community,
                int maxSecure, int maxCommunity)
{
    return {{QStringLiteral("id"), id},
            {QStringLiteral("name"), name},
            {QStringLiteral("pool"), QJsonValue()},
            {QStringLiteral("manufacturer"), QStringLiteral("NVIDIA")},
            {QStringLiteral("memory"), memory},
            {QStringLiteral("secure"), true},
            {QStringLiteral("community"), maxCommunity > 0},
            {QStringLiteral("price"), QJsonObject{{QStringLiteral("secure"), secure},
                                                  {QStringLiteral("community"), community}}},
            {QStringLiteral("maxCount"), QJsonObject{{QStringLiteral("secure"), maxSecure},
                                                     {QStringLiteral("community"), maxCommunity}}},
            {QStringLiteral("availability"), QStringLiteral("HIGH")},
            {QStringLiteral("dataCenters"),
             QJsonArray{QJsonObject{{QStringLiteral("id"), QStringLiteral("US-KS-2")},
                                    {QStringLiteral("name"), QStringLiteral("US Kansas 2")},
                                    {QStringLiteral("availability"), QStringLiteral("HIGH")}},
                        QJsonObject{{QStringLiteral("id"), QStringLiteral("EU-RO-1")},
                                    {QStringLiteral("name"), QStringLiteral("EU Romania 1")},
                                    {QStringLiteral("availability"), QStringLiteral("NONE")}}}}};
}

} // namespace

FakeRunPod::FakeRunPod(QString token, QObject* parent)
    : QObject(parent)
    , m_server([this](const FakeHttpRequest& r) { return handle(r); })
    , m_token(std::move(token))
{}

void FakeRunPod::advance(Pod& p)
{
    const QString s = p.json.value(QStringLiteral("status")).toString();
    if (s != QLatin1String("PROVISIONING") && s != QLatin1String("STARTING"))
        return;
    if (++p.polls < m_pollsPerStep)
        return;
    p.polls = 0;
    if (s == QLatin1String("PROVISIONING")) {
        p.json.insert(QStringLiteral("status"), QStringLiteral("STARTING"));
        return;
    }
    p.json.insert(QStringLiteral("status"), QStringLiteral("RUNNING"));
    p.json.insert(QStringLiteral("startedAt"),
                  QDateTime::currentDateTimeUtc().toString(Qt::ISODate));
    p.json.insert(
        QStringLiteral("ssh"),
        QJsonObject{{QStringLiteral("proxy"),
                     QJsonObject{{QStringLiteral("host"), QStringLiteral("ssh.invalid")},
                                 {QStringLiteral("port"), 22},
                                 {QStringLiteral("username"), QStringLiteral("proxyuser")}}},
                    {QStringLiteral("direct"),
                     QJsonObject{{QStringLiteral("host"), m_sshHost},
                                 {QStringLiteral("port"), m_sshPort},
                                 {QStringLiteral("username"), QStringLiteral("root")}}}});
}

FakeHttpReply FakeRunPod::handle(const FakeHttpRequest& r)
{
    if (r.headers.value("authorization") != "Bearer " + m_token.toUtf8())
        return problem(401, QStringLiteral("Unauthorized"), QStringLiteral("invalid api key"));
    if (r.method == "GET" && r.path == QLatin1String("/v2/catalog/gpus"))
        return FakeHttpServer::json(
            200, toJson({{QStringLiteral("gpus"),
                          QJsonArray{gpu(QStringLiteral("NVIDIA GeForce RTX 4090"),
                                         QStringLiteral("RTX 4090"), 24, 0.44, 0.31, 8, 4),
                                     gpu(QStringLiteral("NVIDIA H100 80GB HBM3"),
                                         QStringLiteral("H100 SXM"), 80, 2.99, 0, 8, 0)}}}));
    if (r.path == QLatin1String("/v2/pods")) {
        if (r.method == "GET") {
            QJsonArray all;
            for (Pod& p : m_pods) {
                if (m_advanceOnList)
                    advance(p);
                all.append(p.json);
            }
            return FakeHttpServer::json(200, toJson({{QStringLiteral("pods"), all}}));
        }
        const QJsonObject b = QJsonDocument::fromJson(r.body).object();
        const QJsonObject g = b.value(QStringLiteral("gpu")).toObject();
        if (g.value(QStringLiteral("id")).toString().isEmpty())
            return problem(400, QStringLiteral("Bad Request"), QStringLiteral("invalid request"),
                           {QStringLiteral("$.gpu.id: is required")});
        const QString dc = b.value(QStringLiteral("dataCenterIds")).toArray().first().toString();
        if (!dc.isEmpty() && dc == m_soldOut)
            return problem(400, QStringLiteral("Bad Request"),
                           QStringLiteral("There are no instances currently available"));
        Pod p;
        const QString id = QStringLiteral("pod%1x").arg(m_nextId++, 7, 10, QLatin1Char('0'));
        const double price =
            g.value(QStringLiteral("id")).toString().contains(QLatin1String("4090")) ? 0.44 : 2.99;
        p.json = {
            {QStringLiteral("id"), id},
            {QStringLiteral("name"), b.value(QStringLiteral("name"))},
            {QStringLiteral("image"), b.value(QStringLiteral("image"))},
            {QStringLiteral("disk"), b.value(QStringLiteral("disk")).toInt(50)},
            {QStringLiteral("ports"), b.value(QStringLiteral("ports"))},
            {QStringLiteral("env"), b.value(QStringLiteral("env"))},
            {QStringLiteral("status"), QStringLiteral("PROVISIONING")},
            {QStringLiteral("gpu"), g},
            {QStringLiteral("cloud"), b.value(QStringLiteral("cloud"))},
            {QStringLiteral("dataCenterId"), dc.isEmpty() ? QStringLiteral("US-KS-2") : dc},
            {QStringLiteral("ssh"), QJsonObject{{QStringLiteral("direct"), QJsonValue()}}},
            {QStringLiteral("cost"), price * g.value(QStringLiteral("count")).toInt(1)},
            {QStringLiteral("createdAt"), QDateTime::currentDateTimeUtc().toString(Qt::ISODate)},
            {QStringLiteral("startedAt"), QJsonValue()}};
        m_pods.insert(id, p);
        return FakeHttpServer::json(201, toJson(p.json));
    }
    const QString prefix = QStringLiteral("/v2/pods/");
    if (!r.path.startsWith(prefix))
        return problem(404, QStringLiteral("Not Found"), QStringLiteral("resource not found"));
    QString rest = r.path.mid(prefix.size());
    const bool isAction = rest.endsWith(QLatin1String("/action"));
    if (isAction)
        rest.chop(7);
    auto it = m_pods.find(rest);
    if (it == m_pods.end())
        return problem(404, QStringLiteral("Not Found"), QStringLiteral("pod not found"));
    if (!isAction && r.method == "GET") {
        advance(*it);
        return FakeHttpServer::json(200, toJson(it->json));
    }
    if (!isAction && r.method == "DELETE") {
        m_pods.erase(it);
        FakeHttpReply gone;
        gone.status = 204;
        return gone;
    }
    if (isAction && r.method == "POST") {
        const QString what =
            QJsonDocument::fromJson(r.body).object().value(QStringLiteral("action")).toString();
        if (what == QLatin1String("stop")) {
            it->json.insert(QStringLiteral("status"), QStringLiteral("EXITED"));
            it->json.insert(QStringLiteral("ssh"),
                            QJsonObject{{QStringLiteral("direct"), QJsonValue()}});
        } else if (what == QLatin1String("start")) {
            it->json.insert(QStringLiteral("status"), QStringLiteral("PROVISIONING"));
            it->polls = 0;
        } else {
            return problem(400, QStringLiteral("Bad Request"), QStringLiteral("invalid action"));
        }
        return FakeHttpServer::json(200, toJson(it->json));
    }
    return problem(404, QStringLiteral("Not Found"), QStringLiteral("resource not found"));
}

} // namespace gpudeck::test
