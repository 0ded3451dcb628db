#include "fakelambda.h"

#include <QJsonDocument>

namespace gpudeck::test {

namespace {

QByteArray toJson(const QJsonObject& o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

FakeHttpReply lambdaError(int status, const QString& code, const QString& message,
                          const QString& suggestion = {})
{
    QJsonObject e{{QStringLiteral("code"), code}, {QStringLiteral("message"), message}};
    if (!suggestion.isEmpty())
        e.insert(QStringLiteral("suggestion"), suggestion);
    return FakeHttpServer::json(status, toJson({{QStringLiteral("error"), e}}));
}

QJsonObject instanceType(const QString& name, const QString& description, const QString& gpu,
                         int cents, int vcpus, int memGib, int storageGib, int gpus)
{
    return {{QStringLiteral("name"), name},
            {QStringLiteral("description"), description},
            {QStringLiteral("gpu_description"), gpu},
            {QStringLiteral("price_cents_per_hour"), cents},
            {QStringLiteral("specs"), QJsonObject{{QStringLiteral("vcpus"), vcpus},
                                                  {QStringLiteral("memory_gib"), memGib},
                                                  {QStringLiteral("storage_gib"), storageGib},
                                                  {QStringLiteral("gpus"), gpus}}}};
}

QJsonObject region(const QString& name, const QString& description)
{
    return {{QStringLiteral("name"), name}, {QStringLiteral("description"), description}};
}

const QJsonObject& types()
{
    static const QJsonObject t{
        {QStringLiteral("gpu_1x_a10"),
         QJsonObject{
             {QStringLiteral("instance_type"),
              instanceType(QStringLiteral("gpu_1x_a10"), QStringLiteral("1x A10 (24 GB PCIe)"),
                           QStringLiteral("A10 (24 GB PCIe)"), 75, 30, 200, 1400, 1)},
             {QStringLiteral("regions_with_capacity_available"),
              QJsonArray{region(QStringLiteral("us-east-1"), QStringLiteral("Virginia, USA")),
                         region(QStringLiteral("us-west-1"), QStringLiteral("California, USA"))}}}},
        {QStringLiteral("gpu_8x_h100_sxm5"),
         QJsonObject{{QStringLiteral("instance_type"),
                      instanceType(QStringLiteral("gpu_8x_h100_sxm5"),
                                   QStringLiteral("8x H100 (80 GB SXM5)"),
                                   QStringLiteral("H100 (80 GB SXM5)"), 2392, 208, 1800, 22528, 8)},
                     {QStringLiteral("regions_with_capacity_available"), QJsonArray{}}}}};
    return t;
}

} // namespace

FakeLambda::FakeLambda(QString token, QObject* parent)
    : QObject(parent)
    , m_server([this](const FakeHttpRequest& r) { return handle(r); })
    , m_token(std::move(token))
{}

void FakeLambda::addKey(const QString& name, const QString& publicKey)
{
    m_keys.append(QJsonObject{{QStringLiteral("id"), QStringLiteral("key%1").arg(m_keys.size())},
                              {QStringLiteral("name"), name},
                              {QStringLiteral("public_key"), publicKey}});
}

FakeHttpReply FakeLambda::handle(const FakeHttpRequest& r)
{
    if (r.headers.value("authorization") != "Bearer " + m_token.toUtf8())
        return lambdaError(
            401, QStringLiteral("global/invalid-api-key"),
            QStringLiteral("API key was invalid, expired, or deleted."),
            QStringLiteral("Check your API key or create a new one, then try again."));
    const QJsonObject body = QJsonDocument::fromJson(r.body).object();
    if (r.method == "GET" && r.path == QLatin1String("/api/v1/instance-types"))
        return FakeHttpServer::json(200, toJson({{QStringLiteral("data"), types()}}));
    if (r.method == "GET" && r.path == QLatin1String("/api/v1/images"))
        return FakeHttpServer::json(
            200,
            toJson({{QStringLiteral("data"),
                     QJsonArray{
                         QJsonObject{{QStringLiteral("id"), QStringLiteral("img-1")},
                                     {QStringLiteral("name"), QStringLiteral("Ubuntu 22.04")},
                                     {QStringLiteral("description"), QStringLiteral("Ubuntu LTS")},
                                     {QStringLiteral("family"), QStringLiteral("ubuntu-22.04")}},
                         QJsonObject{
                             {QStringLiteral("id"), QStringLiteral("img-2")},
                             {QStringLiteral("name"), QStringLiteral("Lambda Stack 22.04")},
                             {QStringLiteral("description"),
                              QStringLiteral("AI ready GPU image with CUDA")},
                             {QStringLiteral("family"), QStringLiteral("lambda-stack-22-04")}}}}}));
    if (r.path == QLatin1String("/api/v1/ssh-keys")) {
        if (r.method == "GET")
            return FakeHttpServer::json(200, toJson({{QStringLiteral("data"), m_keys}}));
        const QString name = body.value(QStringLiteral("name")).toString();
        for (const QJsonValue& k : std::as_const(m_keys))
            if (k[QStringLiteral("name")].toString() == name)
                return lambdaError(400, QStringLiteral("global/duplicate"),
                                   QStringLiteral("An SSH key with this name already exists."));
        addKey(name, body.value(QStringLiteral("public_key")).toString());
        return FakeHttpServer::json(200, toJson({{QStringLiteral("data"), m_keys.last()}}));
    }
    if (r.method == "GET" && r.path == QLatin1String("/api/v1/instances")) {
        QJsonArray all;
        for (const Machine& m : std::as_const(m_instances))
            all.append(m.json);
        return FakeHttpServer::json(200, toJson({{QStringLiteral("data"), all}}));
    }
    if (r.method == "POST" && r.path == QLatin1String("/api/v1/instance-operations/launch")) {
        const QString typeName = body.value(QStringLiteral("instance_type_name")).toString();
        const QJsonObject t = types().value(typeName).toObject();
        if (t.isEmpty())
            return lambdaError(400, QStringLiteral("global/invalid-parameters"),
                               QStringLiteral("Invalid instance type name."),
                               QStringLiteral("Check instance_type_name against the list of "
                                              "instance types."));
        const QString reg = body.value(QStringLiteral("region_name")).toString();
        if (reg == m_soldOut)
            return lambdaError(400,
                               QStringLiteral("instance-operations/launch/insufficient-capacity"),
                               QStringLiteral("Not enough capacity to fulfill launch request."),
                               QStringLiteral("Choose an instance type with more availability, or "
                                              "try again later."));
        const QJsonArray keyNames = body.value(QStringLiteral("ssh_key_names")).toArray();
        if (keyNames.size() != 1)
            return lambdaError(400, QStringLiteral("global/invalid-parameters"),
                               QStringLiteral("Exactly one SSH key must be specified."));
        Machine m;
        m.keyNames << keyNames.first().toString();
        const QString id = QStringLiteral("%1").arg(m_nextId++, 32, 10, QLatin1Char('0'));
        m.json = {{QStringLiteral("id"), id},
                  {QStringLiteral("name"), body.value(QStringLiteral("name"))},
                  {QStringLiteral("ip"), m_sshHost},
                  {QStringLiteral("status"), QStringLiteral("booting")},
                  {QStringLiteral("ssh_key_names"), keyNames},
                  {QStringLiteral("region"), region(reg, reg)},
                  {QStringLiteral("instance_type"), t.value(QStringLiteral("instance_type"))},
                  {QStringLiteral("hostname"), QStringLiteral("host-%1").arg(m_nextId)},
                  {QStringLiteral("tags"), body.value(QStringLiteral("tags"))}};
        m_instances.insert(id, m);
        return FakeHttpServer::json(
            200, toJson({{QStringLiteral("data"),
                          QJsonObject{{QStringLiteral("instance_ids"), QJsonArray{id}}}}}));
    }
    if (r.method == "POST" && r.path == QLatin1String("/api/v1/instance-operations/terminate")) {
        QJsonArray done;
        for (const QJsonValue& v : body.value(QStringLiteral("instance_ids")).toArray()) {
            auto it = m_instances.find(v.toString());
            if (it == m_instances.end())
                return lambdaError(404, QStringLiteral("global/object-does-not-exist"),
                                   QStringLiteral("Specified instance does not exist."));
            it->json.insert(QStringLiteral("status"), QStringLiteral("terminated"));
            done.append(it->json);
            m_instances.erase(it);
        }
        return FakeHttpServer::json(
            200, toJson({{QStringLiteral("data"),
                          QJsonObject{{QStringLiteral("terminated_instances"), done}}}}));
    }
    const QString prefix = QStringLiteral("/api/v1/instances/");
    if (r.method == "GET" && r.path.startsWith(prefix)) {
        auto it = m_instances.find(r.path.mid(prefix.size()));
        if (it == m_instances.end())
            return lambdaError(404, QStringLiteral("global/object-does-not-exist"),
                               QStringLiteral("Specified instance does not exist."));
        if (it->json.value(QStringLiteral("status")).toString() == QLatin1String("booting") &&
            ++it->polls >= m_pollsPerStep)
            it->json.insert(QStringLiteral("status"), QStringLiteral("active"));
        return FakeHttpServer::json(200, toJson({{QStringLiteral("data"), it->json}}));
    }
    return lambdaError(404, QStringLiteral("global/object-does-not-exist"),
                       QStringLiteral("Not found."));
}

} // namespace gpudeck::test
