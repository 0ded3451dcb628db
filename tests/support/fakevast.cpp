#include "fakevast.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QRegularExpression>

namespace gpudeck::test {

namespace {

QByteArray toJson(const QJsonObject& o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

// Vast's usual refusal: {"success": false, "error": code, "msg": text}.
FakeHttpReply refusal(int status, const QString& code, const QString& msg)
{
    return FakeHttpServer::json(status, toJson({{QStringLiteral("success"), false},
                                                {QStringLiteral("error"), code},
                                                {QStringLiteral("msg"), msg}}));
}

FakeHttpReply ok(const QJsonObject& extra = {})
{
    QJsonObject o = extra;
    o.insert(QStringLiteral("success"), true);
    return FakeHttpServer::json(200, toJson(o));
}

// Whether `value` passes one search filter ({"eq": v}, {"in": [...]}, {"gte": n}, ...).
bool passes(const QJsonValue& value, const QJsonObject& filter)
{
    for (auto it = filter.begin(); it != filter.end(); ++it) {
        const QString op = it.key();
        const QJsonValue want = it.value();
        if (op == QLatin1String("eq") && value != want)
            return false;
        if (op == QLatin1String("neq") && value == want)
            return false;
        if (op == QLatin1String("in") && !want.toArray().contains(value))
            return false;
        if (op == QLatin1String("gte") && value.toDouble() < want.toDouble())
            return false;
        if (op == QLatin1String("lte") && value.toDouble() > want.toDouble())
            return false;
    }
    return true;
}

QString country(const QJsonObject& o)
{
    return o.value(QStringLiteral("geolocation"))
        .toString()
        .section(QLatin1Char(','), -1)
        .trimmed();
}

} // namespace

QJsonObject FakeVast::offer(qint64 id, const QString& gpu, int count, double dphBase,
                            const QString& geolocation, double reliability, int directPorts)
{
    // 0.15 $/GB/month for the search's default 8 GB disk: 0.15 × 8 / 720 $/h.
    const double storageHourly = 0.15 * 8 / 720.0;
    return {{QStringLiteral("id"), id},
            {QStringLiteral("ask_contract_id"), id},
            {QStringLiteral("machine_id"), id / 10},
            {QStringLiteral("gpu_name"), gpu},
            {QStringLiteral("num_gpus"), count},
            {QStringLiteral("gpu_ram"), gpu.contains(QLatin1String("H100")) ? 81559 : 24564},
            {QStringLiteral("cpu_cores"), 64},
            {QStringLiteral("cpu_cores_effective"), 8.0 * count},
            {QStringLiteral("cpu_ram"), 32768 * count},
            {QStringLiteral("disk_space"), 500.0},
            {QStringLiteral("dph_base"), dphBase},
            {QStringLiteral("dph_total"), dphBase + storageHourly},
            {QStringLiteral("min_bid"), dphBase * 0.5},
            {QStringLiteral("storage_cost"), 0.15},
            {QStringLiteral("storage_total_cost"), storageHourly},
            {QStringLiteral("geolocation"), geolocation},
            {QStringLiteral("reliability"), reliability},
            {QStringLiteral("reliability2"), reliability},
            {QStringLiteral("verified"), true},
            {QStringLiteral("verification"), QStringLiteral("verified")},
            {QStringLiteral("rentable"), true},
            {QStringLiteral("rented"), false},
            {QStringLiteral("cuda_max_good"), 12.8},
            {QStringLiteral("direct_port_count"), directPorts},
            {QStringLiteral("public_ipaddr"), QStringLiteral("127.0.0.1")},
            {QStringLiteral("is_bid"), false}};
}

FakeVast::FakeVast(QString key, QObject* parent)
    : QObject(parent)
    , m_server([this](const FakeHttpRequest& r) { return handle(r); })
    , m_key(std::move(key))
{
    m_offers = {
        offer(101, QStringLiteral("RTX 4090"), 1, 0.40, QStringLiteral("Texas, US")),
        offer(102, QStringLiteral("RTX 4090"), 1, 0.35, QStringLiteral("Oregon, US")),
        // The cheapest, but its host is often down: never listed, never rented.
        offer(103, QStringLiteral("RTX 4090"), 1, 0.20, QStringLiteral("Ohio, US"), 0.90),
        offer(104, QStringLiteral("RTX 4090"), 1, 0.30, QStringLiteral("Stockholm, SE")),
        offer(201, QStringLiteral("RTX 4090"), 2, 0.80, QStringLiteral("Texas, US")),
        // No direct port: SSH only through Vast's proxy.
        offer(202, QStringLiteral("RTX 4090"), 2, 0.70, QStringLiteral("Quebec, CA"), 0.99, 0),
        offer(301, QStringLiteral("H100 SXM"), 8, 19.20, QStringLiteral("Virginia, US")),
    };
}

FakeHttpReply FakeVast::handle(const FakeHttpRequest& r)
{
    if (r.headers.value("authorization") != "Bearer " + m_key.toUtf8())
        return refusal(401, QStringLiteral("auth_error"), QStringLiteral("Invalid user key"));
    const QJsonObject body = QJsonDocument::fromJson(r.body).object();
    if (r.method == "GET" && r.path == QLatin1String("/api/v0/users/current"))
        return FakeHttpServer::json(
            200, toJson({{QStringLiteral("id"), 77},
                         {QStringLiteral("email"), QStringLiteral("ada@example.org")},
                         {QStringLiteral("balance"), 42.5}}));
    if (r.method == "POST" && r.path == QLatin1String("/api/v0/bundles"))
        return search(body);
    if (r.path == QLatin1String("/api/v0/ssh")) {
        if (r.method == "GET")
            return FakeHttpServer::json(200, QJsonDocument(m_keys).toJson(QJsonDocument::Compact));
        if (r.method == "POST") {
            const QString key = body.value(QStringLiteral("ssh_key")).toString();
            if (key.isEmpty())
                return refusal(400, QStringLiteral("no_ssh_key"),
                               QStringLiteral("No ssh key provided"));
            const QJsonObject k{{QStringLiteral("id"), 500 + m_keys.size()},
                                {QStringLiteral("user_id"), 77},
                                {QStringLiteral("key"), key},
                                {QStringLiteral("created_at"),
                                 QDateTime::currentDateTimeUtc().toString(Qt::ISODate)},
                                {QStringLiteral("deleted_at"), QJsonValue()}};
            m_keys.append(k);
            QJsonObject answer = k;
            answer.remove(QStringLiteral("key"));
            answer.insert(QStringLiteral("public_key"), key);
            return ok({{QStringLiteral("key"), answer}});
        }
    }
    static const QRegularExpression ask(QStringLiteral("^/api/v0/asks/(\\d+)/?$"));
    if (const auto m = ask.match(r.path); m.hasMatch() && r.method == "PUT")
        return accept(m.captured(1).toLongLong(), body);
    if (r.method == "GET" && r.path == QLatin1String("/api/v1/instances"))
        return list(r);
    static const QRegularExpression one(QStringLiteral("^/api/v0/instances/(\\d+)/?$"));
    const auto m = one.match(r.path);
    if (!m.hasMatch())
        return refusal(404, QStringLiteral("not_found"), QStringLiteral("no such endpoint"));
    const QString id = m.captured(1);
    auto it = m_instances.find(id);
    if (r.method == "GET") {
        if (it == m_instances.end()) // Vast's answer for an instance that is gone
            return FakeHttpServer::json(200, toJson({{QStringLiteral("instances"), QJsonValue()}}));
        advance(*it);
        return FakeHttpServer::json(200, toJson({{QStringLiteral("instances"), it->json}}));
    }
    if (it == m_instances.end())
        return refusal(404, QStringLiteral("no_such_instance"),
                       QStringLiteral("Instance with that ID does not exist."));
    if (r.method == "DELETE") {
        m_instances.erase(it);
        return ok({{QStringLiteral("msg"), QStringLiteral("Instance destroyed successfully")}});
    }
    if (r.method == "PUT")
        return manage(*it, body);
    return refusal(405, QStringLiteral("invalid_request"), QStringLiteral("method not allowed"));
}

FakeHttpReply FakeVast::search(const QJsonObject& query) const
{
    QJsonArray out;
    const bool bid = query.value(QStringLiteral("type")).toString() == QLatin1String("bid");
    for (const QJsonValue& v : m_offers) {
        QJsonObject o = v.toObject();
        bool keep = true;
        for (auto it = query.begin(); it != query.end() && keep; ++it) {
            if (!it.value().isObject())
                continue; // limit, type, order
            const QJsonValue value = it.key() == QLatin1String("geolocation")
                                         ? QJsonValue(country(o))
                                         : o.value(it.key());
            if (!value.isUndefined())
                keep = passes(value, it.value().toObject());
        }
        if (!keep)
            continue;
        o.insert(QStringLiteral("is_bid"), bid);
        out.append(o);
    }
    return FakeHttpServer::json(200, toJson({{QStringLiteral("offers"), out}}));
}

FakeHttpReply FakeVast::accept(qint64 offerId, const QJsonObject& body)
{
    QJsonObject chosen;
    qsizetype index = -1;
    for (qsizetype i = 0; i < m_offers.size(); ++i)
        if (m_offers.at(i).toObject().value(QStringLiteral("id")).toInteger() == offerId) {
            chosen = m_offers.at(i).toObject();
            index = i;
        }
    if (index < 0 || m_takenOnAccept.remove(offerId))
        return refusal(404, QStringLiteral("invalid_args"),
                       QStringLiteral("error 404/3603: no_such_ask Instance type by id %1 is not "
                                      "available.")
                           .arg(offerId));
    if (body.value(QStringLiteral("image")).toString().isEmpty())
        return refusal(400, QStringLiteral("invalid_args"),
                       QStringLiteral("error 400/3467: Invalid args: 'image' is required"));
    if (m_noCredit)
        return FakeHttpServer::json(
            200, toJson({{QStringLiteral("success"), false},
                         {QStringLiteral("error"), QStringLiteral("insufficient_credit")},
                         {QStringLiteral("msg"),
                          QStringLiteral("Your account lacks the credit to rent this machine.")}}));
    const bool bid = body.contains(QStringLiteral("price"));
    if (bid && body.value(QStringLiteral("price")).toDouble() <
                   chosen.value(QStringLiteral("min_bid")).toDouble())
        return refusal(400, QStringLiteral("invalid_price"),
                       QStringLiteral("Please set a bid price >= min_bid."));
    m_lastCreate = body;
    m_lastOffer = offerId;
    m_offers.removeAt(index); // rented: off the market
    const QString id = QString::number(m_nextId++);
    QJsonArray env;
    static const QRegularExpression pair(QStringLiteral("-e (\\S+?)=(\\S+)"));
    for (auto it = pair.globalMatch(body.value(QStringLiteral("env")).toString()); it.hasNext();) {
        const auto e = it.next();
        env.append(QJsonArray{e.captured(1), e.captured(2)});
    }
    const double disk = body.value(QStringLiteral("disk")).toDouble(8);
    const double storageHourly = 0.15 * disk / 720.0;
    const double base = bid ? body.value(QStringLiteral("price")).toDouble()
                            : chosen.value(QStringLiteral("dph_base")).toDouble();
    Machine m;
    m.json = {
        {QStringLiteral("id"), id.toLongLong()},
        {QStringLiteral("label"), body.value(QStringLiteral("label"))},
        {QStringLiteral("image_uuid"), body.value(QStringLiteral("image"))},
        {QStringLiteral("image_runtype"), body.value(QStringLiteral("runtype"))},
        {QStringLiteral("extra_env"), env},
        {QStringLiteral("actual_status"), QJsonValue()},
        {QStringLiteral("intended_status"), QStringLiteral("running")},
        {QStringLiteral("cur_state"), QStringLiteral("running")},
        {QStringLiteral("next_state"), QStringLiteral("running")},
        {QStringLiteral("status_msg"), QStringLiteral("pulling image")},
        {QStringLiteral("gpu_name"), chosen.value(QStringLiteral("gpu_name"))},
        {QStringLiteral("num_gpus"), chosen.value(QStringLiteral("num_gpus"))},
        {QStringLiteral("gpu_ram"), chosen.value(QStringLiteral("gpu_ram"))},
        {QStringLiteral("geolocation"), chosen.value(QStringLiteral("geolocation"))},
        {QStringLiteral("machine_id"), chosen.value(QStringLiteral("machine_id"))},
        {QStringLiteral("direct_port_count"), chosen.value(QStringLiteral("direct_port_count"))},
        {QStringLiteral("disk_space"), disk},
        {QStringLiteral("dph_base"), base},
        {QStringLiteral("dph_total"), base + storageHourly},
        {QStringLiteral("storage_cost"), 0.15},
        {QStringLiteral("storage_total_cost"), storageHourly},
        {QStringLiteral("is_bid"), bid},
        {QStringLiteral("public_ipaddr"), QJsonValue()},
        {QStringLiteral("ssh_host"), QJsonValue()},
        {QStringLiteral("ssh_port"), QJsonValue()},
        {QStringLiteral("ports"), QJsonValue()},
        {QStringLiteral("start_date"), double(QDateTime::currentMSecsSinceEpoch()) / 1000.0}};
    m_instances.insert(id, m);
    return ok({{QStringLiteral("new_contract"), id.toLongLong()}});
}

void FakeVast::showRunning(Machine& m) const
{
    m.json.insert(QStringLiteral("actual_status"), QStringLiteral("running"));
    m.json.insert(QStringLiteral("status_msg"), QStringLiteral("success, running"));
    m.json.insert(QStringLiteral("ssh_host"), QStringLiteral("ssh7.vast.invalid"));
    m.json.insert(QStringLiteral("ssh_port"), 27001);
    if (m.json.value(QStringLiteral("direct_port_count")).toInt() > 0) {
        m.json.insert(QStringLiteral("public_ipaddr"), m_sshHost);
        m.json.insert(
            QStringLiteral("ports"),
            QJsonObject{{QStringLiteral("22/tcp"),
                         QJsonArray{QJsonObject{
                             {QStringLiteral("HostIp"), QStringLiteral("0.0.0.0")},
                             {QStringLiteral("HostPort"), QString::number(m_sshPort)}}}}});
    }
}

void FakeVast::advance(Machine& m)
{
    if (m.json.value(QStringLiteral("intended_status")).toString() != QLatin1String("running"))
        return;
    const QJsonValue actual = m.json.value(QStringLiteral("actual_status"));
    if (actual.toString() == QLatin1String("running"))
        return;
    if (++m.polls < m_pollsPerStep)
        return;
    m.polls = 0;
    if (actual.isNull() || actual.toString() == QLatin1String("exited")) {
        m.json.insert(QStringLiteral("actual_status"), QStringLiteral("loading"));
        m.json.insert(QStringLiteral("cur_state"), QStringLiteral("running"));
        return;
    }
    showRunning(m);
}

FakeHttpReply FakeVast::manage(Machine& m, const QJsonObject& body)
{
    const QString state = body.value(QStringLiteral("state")).toString();
    if (body.contains(QStringLiteral("label")))
        m.json.insert(QStringLiteral("label"), body.value(QStringLiteral("label")));
    if (state == QLatin1String("stopped")) {
        m.json.insert(QStringLiteral("intended_status"), QStringLiteral("stopped"));
        m.json.insert(QStringLiteral("cur_state"), QStringLiteral("stopped"));
        m.json.insert(QStringLiteral("next_state"), QStringLiteral("stopped"));
        m.json.insert(QStringLiteral("actual_status"), QStringLiteral("exited"));
        m.json.insert(QStringLiteral("ports"), QJsonValue());
    } else if (state == QLatin1String("running")) {
        // The contract starts once the machine's GPUs are free; the container follows.
        m.json.insert(QStringLiteral("intended_status"), QStringLiteral("running"));
        m.json.insert(QStringLiteral("next_state"), QStringLiteral("running"));
        m.polls = 0;
    } else if (!body.contains(QStringLiteral("label"))) {
        return refusal(400, QStringLiteral("invalid_args"),
                       QStringLiteral("state must be running or stopped"));
    }
    return ok();
}

FakeHttpReply FakeVast::list(const FakeHttpRequest& r)
{
    const int limit =
        std::min(r.query.value(QStringLiteral("limit"), QStringLiteral("25")).toInt(), m_pageSize);
    const QString after = m_stuckCursor
                              ? QString()
                              : QString::fromUtf8(QByteArray::fromBase64(
                                    r.query.value(QStringLiteral("after_token")).toUtf8()));
    QJsonArray page;
    QString last;
    bool more = false;
    for (auto it = m_instances.begin(); it != m_instances.end(); ++it) {
        if (!after.isEmpty() && it.key() <= after)
            continue;
        if (page.size() == limit) {
            more = true;
            break;
        }
        if (m_advanceOnList)
            advance(*it);
        page.append(it->json);
        last = it.key();
    }
    QJsonObject o{{QStringLiteral("success"), true},
                  {QStringLiteral("instances_found"), page.size()},
                  {QStringLiteral("total_instances"), int(m_instances.size())},
                  {QStringLiteral("instances"), page},
                  {QStringLiteral("next_token"),
                   more || m_stuckCursor ? QJsonValue(QString::fromLatin1(last.toUtf8().toBase64()))
                                         : QJsonValue()}};
    return FakeHttpServer::json(200, toJson(o));
}

} // namespace gpudeck::test
