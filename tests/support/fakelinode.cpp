#include "fakelinode.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QRegularExpression>

namespace gpudeck::test {

namespace {

QByteArray toJson(const QJsonObject& o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

FakeHttpReply linodeError(int status, const QString& reason, const QString& field = {})
{
    QJsonObject e{{QStringLiteral("reason"), reason}};
    if (!field.isEmpty())
        e.insert(QStringLiteral("field"), field);
    return FakeHttpServer::json(status, toJson({{QStringLiteral("errors"), QJsonArray{e}}}));
}

QJsonObject type(const QString& id, const QString& label, double hourly, double monthly, int gpus,
                 int vcpus, int memoryMb, int diskMb, const QString& cls)
{
    return {{QStringLiteral("id"), id},
            {QStringLiteral("label"), label},
            {QStringLiteral("price"),
             QJsonObject{{QStringLiteral("hourly"), hourly}, {QStringLiteral("monthly"), monthly}}},
            {QStringLiteral("region_prices"), QJsonArray{}},
            {QStringLiteral("memory"), memoryMb},
            {QStringLiteral("disk"), diskMb},
            {QStringLiteral("transfer"), 16000},
            {QStringLiteral("vcpus"), vcpus},
            {QStringLiteral("gpus"), gpus},
            {QStringLiteral("network_out"), 10000},
            {QStringLiteral("class"), cls},
            {QStringLiteral("successor"), QJsonValue()}};
}

const QJsonArray& types()
{
    static const QJsonArray t{
        type(QStringLiteral("g6-nanode-1"), QStringLiteral("Nanode 1GB"), 0.0075, 5, 0, 1, 1024,
             25600, QStringLiteral("nanode")),
        type(QStringLiteral("g1-gpu-rtx6000-1"), QStringLiteral("Dedicated 32GB + RTX6000 GPU x1"),
             1.5, 1000, 1, 8, 32768, 655360, QStringLiteral("gpu")),
        type(QStringLiteral("g1-gpu-rtx6000-2"), QStringLiteral("Dedicated 64GB + RTX6000 GPU x2"),
             3.0, 2000, 2, 16, 65536, 1310720, QStringLiteral("gpu")),
        type(QStringLiteral("g2-gpu-rtx4000a1-s"), QStringLiteral("RTX4000 Ada x1 Small"), 0.52,
             350, 1, 4, 16384, 512000, QStringLiteral("gpu")),
    };
    return t;
}

QJsonObject region(const QString& id, const QString& label, bool gpu)
{
    QJsonArray caps{QStringLiteral("Linodes"), QStringLiteral("Block Storage")};
    if (gpu)
        caps.append(QStringLiteral("GPU Linodes"));
    return {{QStringLiteral("id"), id},
            {QStringLiteral("label"), label},
            {QStringLiteral("country"), QStringLiteral("us")},
            {QStringLiteral("capabilities"), caps},
            {QStringLiteral("status"), QStringLiteral("ok")}};
}

} // namespace

FakeLinode::FakeLinode(QString token, QObject* parent)
    : QObject(parent)
    , m_server([this](const FakeHttpRequest& r) { return handle(r); })
    , m_token(std::move(token))
{}

FakeHttpReply FakeLinode::page(const QJsonArray& all, const FakeHttpRequest& r) const
{
    const int pageNo =
        std::max(1, r.query.value(QStringLiteral("page"), QStringLiteral("1")).toInt());
    const int pages = std::max<int>(1, (int(all.size()) + m_pageSize - 1) / m_pageSize);
    QJsonArray data;
    for (int i = (pageNo - 1) * m_pageSize; i < std::min<int>(int(all.size()), pageNo * m_pageSize);
         ++i)
        data.append(all.at(i));
    return FakeHttpServer::json(200, toJson({{QStringLiteral("data"), data},
                                             {QStringLiteral("page"), pageNo},
                                             {QStringLiteral("pages"), pages},
                                             {QStringLiteral("results"), all.size()}}));
}

void FakeLinode::advance(Machine& m)
{
    static const QHash<QString, QString> next{
        {QStringLiteral("provisioning"), QStringLiteral("booting")},
        {QStringLiteral("booting"), QStringLiteral("running")},
        {QStringLiteral("shutting_down"), QStringLiteral("offline")}};
    const QString s = m.json.value(QStringLiteral("status")).toString();
    if (!next.contains(s))
        return;
    if (++m.polls >= m_pollsPerStep) {
        m.polls = 0;
        m.json.insert(QStringLiteral("status"), next.value(s));
    }
}

FakeHttpReply FakeLinode::handle(const FakeHttpRequest& r)
{
    static const QRegularExpression one(QStringLiteral("^/v4/linode/instances/(\\d+)(/(\\w+))?$"));
    // Public endpoints: the plan list and regions need no token.
    if (r.method == "GET" && r.path == QLatin1String("/v4/linode/types"))
        return page(types(), r);
    if (r.method == "GET" && r.path == QLatin1String("/v4/regions"))
        return page(
            QJsonArray{region(QStringLiteral("us-east"), QStringLiteral("Newark, NJ"), true),
                       region(QStringLiteral("us-ord"), QStringLiteral("Chicago, IL"), true),
                       region(QStringLiteral("ca-central"), QStringLiteral("Toronto, CA"), false)},
            r);
    if (r.method == "GET" && r.path == QLatin1String("/v4/regions/availability")) {
        QJsonArray a;
        for (const QString& reg : {QStringLiteral("us-east"), QStringLiteral("us-ord")})
            for (const QString& plan :
                 {QStringLiteral("g1-gpu-rtx6000-1"), QStringLiteral("g1-gpu-rtx6000-2")})
                a.append(QJsonObject{{QStringLiteral("region"), reg},
                                     {QStringLiteral("plan"), plan},
                                     {QStringLiteral("available"), reg != m_soldOut}});
        return page(a, r);
    }
    if (r.headers.value("authorization") != "Bearer " + m_token.toUtf8())
        return linodeError(401, QStringLiteral("Invalid Token"));

    if (r.method == "GET" && r.path == QLatin1String("/v4/profile"))
        return FakeHttpServer::json(
            200, toJson({{QStringLiteral("username"), QStringLiteral("tester")},
                         {QStringLiteral("email"), QStringLiteral("tester@example.com")}}));
    if (r.path == QLatin1String("/v4/linode/instances")) {
        if (r.method == "GET") {
            QJsonArray all;
            for (Machine& m : m_instances) {
                if (m_advanceOnList)
                    advance(m);
                all.append(m.json);
            }
            return page(all, r);
        }
        if (r.method != "POST")
            return linodeError(405, QStringLiteral("Method not allowed"));
        const QJsonObject b = QJsonDocument::fromJson(r.body).object();
        const QString typeId = b.value(QStringLiteral("type")).toString();
        QJsonObject t;
        for (const QJsonValue& v : types())
            if (v[QStringLiteral("id")].toString() == typeId)
                t = v.toObject();
        if (t.isEmpty())
            return linodeError(400, QStringLiteral("A valid plan type by that ID was not found"),
                               QStringLiteral("type"));
        const QString reg = b.value(QStringLiteral("region")).toString();
        if (reg.isEmpty())
            return linodeError(400, QStringLiteral("region is required"), QStringLiteral("region"));
        if (reg == m_soldOut)
            return linodeError(
                400, QStringLiteral("The requested Linode type is not available in this region"),
                QStringLiteral("region"));
        if (b.contains(QStringLiteral("image")) &&
            b.value(QStringLiteral("root_pass")).toString().size() < 11)
            return linodeError(400, QStringLiteral("root_pass is required with an image"),
                               QStringLiteral("root_pass"));
        Machine m;
        for (const QJsonValue& k : b.value(QStringLiteral("authorized_keys")).toArray())
            m.keys << k.toString();
        const qint64 id = m_nextId++;
        const QString now =
            QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss"));
        m.json = {{QStringLiteral("id"), id},
                  {QStringLiteral("label"), b.value(QStringLiteral("label"))},
                  {QStringLiteral("status"), QStringLiteral("provisioning")},
                  {QStringLiteral("created"), now},
                  {QStringLiteral("updated"), now},
                  {QStringLiteral("type"), typeId},
                  {QStringLiteral("ipv4"), QJsonArray{m_sshHost}},
                  {QStringLiteral("image"), b.value(QStringLiteral("image"))},
                  {QStringLiteral("region"), reg},
                  {QStringLiteral("specs"),
                   QJsonObject{{QStringLiteral("disk"), t.value(QStringLiteral("disk"))},
                               {QStringLiteral("memory"), t.value(QStringLiteral("memory"))},
                               {QStringLiteral("vcpus"), t.value(QStringLiteral("vcpus"))},
                               {QStringLiteral("gpus"), t.value(QStringLiteral("gpus"))}}},
                  {QStringLiteral("tags"), b.value(QStringLiteral("tags"))}};
        m_instances.insert(id, m);
        return FakeHttpServer::json(200, toJson(m.json));
    }
    const QRegularExpressionMatch match = one.match(r.path);
    if (!match.hasMatch())
        return linodeError(404, QStringLiteral("Not found"));
    const qint64 id = match.captured(1).toLongLong();
    auto it = m_instances.find(id);
    if (it == m_instances.end())
        return linodeError(404, QStringLiteral("Not found"));
    const QString action = match.captured(3);
    if (action.isEmpty() && r.method == "GET") {
        advance(*it);
        return FakeHttpServer::json(200, toJson(it->json));
    }
    if (action.isEmpty() && r.method == "DELETE") {
        m_instances.erase(it);
        return FakeHttpServer::json(200, "{}");
    }
    if (action == QLatin1String("shutdown") && r.method == "POST") {
        it->json.insert(QStringLiteral("status"), QStringLiteral("shutting_down"));
        it->polls = 0;
        return FakeHttpServer::json(200, "{}");
    }
    if (action == QLatin1String("boot") && r.method == "POST") {
        it->json.insert(QStringLiteral("status"), QStringLiteral("booting"));
        it->polls = 0;
        return FakeHttpServer::json(200, "{}");
    }
    return linodeError(404, QStringLiteral("Not found"));
}

} // namespace gpudeck::test
