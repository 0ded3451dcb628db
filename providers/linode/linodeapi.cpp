#include "linodeapi.h"

#include <QJsonDocument>
#include <QRegularExpression>
#include <QTimeZone>

namespace gpudeck::linode {

namespace {

struct GpuInfo {
    QString model;
    double vramGb = 0;
};

// Linode's type JSON counts GPUs but does not name them; the id says which card it is.
GpuInfo gpuFor(const QString& typeId, const QString& label)
{
    if (typeId.contains(QLatin1String("rtx6000")))
        return {QStringLiteral("Quadro RTX 6000"), 24};
    if (typeId.contains(QLatin1String("rtx4000")))
        return {QStringLiteral("RTX 4000 Ada"), 20};
    static const QRegularExpression card(QStringLiteral("\\+\\s*(.+?)\\s+GPU"));
    const QRegularExpressionMatch m = card.match(label);
    return {m.hasMatch() ? m.captured(1) : QStringLiteral("GPU"), 0};
}

QDateTime linodeTime(const QJsonValue& v)
{
    // "2018-01-02T03:04:05": UTC without a zone designator.
    QDateTime t = QDateTime::fromString(v.toString(), Qt::ISODate);
    t.setTimeZone(QTimeZone::utc());
    return t;
}

} // namespace

BillingRule billingRule(double monthlyUsd)
{
    BillingRule r;
    r.granularity = BillingRule::Granularity::Hour;
    r.minimumSeconds = 3600;
    r.stoppedBillsCompute = true;
    r.stoppedBillsStorage = true;
    r.monthlyCapUsd = monthlyUsd;
    return r;
}

QList<Plan> plansFromTypes(const QJsonArray& types, const QStringList& gpuRegions,
                           const QHash<QString, QStringList>& availability,
                           const QHash<QString, bool>& listedInAvailability,
                           const QDateTime& fetchedAt)
{
    QList<Plan> plans;
    for (const QJsonValue& v : types) {
        const QJsonObject t = v.toObject();
        if (t.value(QStringLiteral("class")).toString() != QLatin1String("gpu"))
            continue;
        Plan p;
        p.provider = QStringLiteral("linode");
        p.id = t.value(QStringLiteral("id")).toString();
        p.name = t.value(QStringLiteral("label")).toString();
        const GpuInfo gpu = gpuFor(p.id, p.name);
        p.gpuModel = gpu.model;
        p.vramGb = gpu.vramGb;
        p.gpuCount = t.value(QStringLiteral("gpus")).toInt();
        p.vcpus = t.value(QStringLiteral("vcpus")).toInt();
        p.ramGb = t.value(QStringLiteral("memory")).toDouble() / 1024.0; // MB
        p.diskGb = t.value(QStringLiteral("disk")).toDouble() / 1024.0;  // MB
        const QJsonObject price = t.value(QStringLiteral("price")).toObject();
        p.onDemandHourly = price.value(QStringLiteral("hourly")).toDouble();
        p.billing = billingRule(price.value(QStringLiteral("monthly")).toDouble());
        p.regions = gpuRegions;
        p.regionsAvailable = availability.value(p.id);
        // Plans the availability list does not mention: Linode makes no claim, so we assume
        // they can be ordered where GPU Linodes exist.
        p.available = listedInAvailability.contains(p.id) ? !p.regionsAvailable.isEmpty()
                                                          : !gpuRegions.isEmpty();
        p.fetchedAt = fetchedAt;
        plans.append(p);
    }
    return plans;
}

InstanceStatus statusFrom(const QString& s)
{
    if (s == QLatin1String("running"))
        return InstanceStatus::Running;
    if (s == QLatin1String("provisioning") || s == QLatin1String("migrating") ||
        s == QLatin1String("rebuilding") || s == QLatin1String("cloning") ||
        s == QLatin1String("restoring") || s == QLatin1String("resizing"))
        return InstanceStatus::Provisioning;
    if (s == QLatin1String("booting") || s == QLatin1String("rebooting"))
        return InstanceStatus::Booting;
    if (s == QLatin1String("shutting_down"))
        return InstanceStatus::Stopping;
    if (s == QLatin1String("offline") || s == QLatin1String("stopped"))
        return InstanceStatus::Stopped;
    if (s == QLatin1String("deleting"))
        return InstanceStatus::Destroying;
    return InstanceStatus::Error; // billing_suspension and anything unknown: the user must look
}

Instance instanceFrom(const QJsonObject& o, const QHash<QString, Plan>& plans)
{
    Instance i;
    i.provider = QStringLiteral("linode");
    i.id = QString::number(o.value(QStringLiteral("id")).toInteger());
    i.name = o.value(QStringLiteral("label")).toString();
    i.planId = o.value(QStringLiteral("type")).toString();
    i.region = o.value(QStringLiteral("region")).toString();
    const QString status = o.value(QStringLiteral("status")).toString();
    i.status = statusFrom(status);
    i.statusDetail = status;
    const QJsonArray ipv4 = o.value(QStringLiteral("ipv4")).toArray();
    if (!ipv4.isEmpty())
        i.host = ipv4.first().toString();
    i.sshPort = 22;
    i.user = QStringLiteral("root");
    const QJsonObject specs = o.value(QStringLiteral("specs")).toObject();
    i.diskGb = specs.value(QStringLiteral("disk")).toDouble() / 1024.0;
    i.gpuCount = specs.value(QStringLiteral("gpus")).toInt();
    i.createdAt = linodeTime(o.value(QStringLiteral("created")));
    i.startedAt = i.createdAt;
    const auto plan = plans.constFind(i.planId);
    if (plan != plans.constEnd()) {
        i.priceHourly = plan->onDemandHourly;
        i.gpuModel = plan->gpuModel;
        i.billing = plan->billing;
    } else {
        i.billing = billingRule(0);
    }
    return i;
}

QString tokenTag(const QString& clientToken)
{
    QString t = clientToken;
    t.remove(QLatin1Char('-'));
    return QStringLiteral("gpudeck-") + t.left(40);
}

QString safeLabel(const QString& name, const QString& clientToken)
{
    QString s;
    for (const QChar c : name) {
        if (c.isLetterOrNumber() && c.unicode() < 128)
            s += c;
        else if (!s.isEmpty() && !s.endsWith(QLatin1Char('-')))
            s += QLatin1Char('-');
    }
    while (s.endsWith(QLatin1Char('-')))
        s.chop(1);
    if (s.size() < 3)
        s = QStringLiteral("gpudeck-") + QString(clientToken).remove(QLatin1Char('-')).left(8);
    return s.left(64);
}

Error errorFrom(const RestResponse& r)
{
    Error base = RestClient::defaultError(QStringLiteral("Linode"), r);
    QStringList reasons;
    QString field;
    for (const QJsonValue& v : r.json.object().value(QStringLiteral("errors")).toArray()) {
        const QJsonObject e = v.toObject();
        reasons << e.value(QStringLiteral("reason")).toString();
        if (field.isEmpty())
            field = e.value(QStringLiteral("field")).toString();
    }
    const QString reason = reasons.join(QStringLiteral("; "));
    if (reason.isEmpty())
        return base;
    const QString lower = reason.toLower();
    if (r.status == 401)
        return base; // "Invalid Token": our message says what to do
    if (lower.contains(QLatin1String("not available")) ||
        lower.contains(QLatin1String("capacity")) || lower.contains(QLatin1String("sold out")))
        return makeError(
            ErrorCode::NoCapacity,
            QStringLiteral("Linode has no capacity for this plan there right now (%1). "
                           "Pick another region marked available in the catalog, or "
                           "try again later.")
                .arg(reason),
            base.detail);
    if (lower.contains(QLatin1String("limit")) || lower.contains(QLatin1String("quota")))
        return makeError(ErrorCode::Forbidden,
                         QStringLiteral("Your Linode account limit was reached (%1). Ask Linode "
                                        "support to raise it, or delete a machine you no longer "
                                        "need.")
                             .arg(reason),
                         base.detail);
    if (r.status == 404)
        return base;
    if (r.status == 400 || r.status == 422 || r.status == 409) {
        const QString msg = field.isEmpty()
                                ? QStringLiteral("Linode refused the request: %1.").arg(reason)
                                : QStringLiteral("Linode refused \"%1\": %2.").arg(field, reason);
        return makeError(ErrorCode::InvalidInput, msg, base.detail);
    }
    base.message += QStringLiteral(" Linode said: %1.").arg(reason);
    return base;
}

RestRequest nextPage(const QJsonObject& page, const RestRequest& current)
{
    const int at = page.value(QStringLiteral("page")).toInt(1);
    const int pages = page.value(QStringLiteral("pages")).toInt(1);
    if (at >= pages)
        return {};
    RestRequest next = current;
    next.query.removeAllQueryItems(QStringLiteral("page"));
    next.query.addQueryItem(QStringLiteral("page"), QString::number(at + 1));
    return next;
}

} // namespace gpudeck::linode
