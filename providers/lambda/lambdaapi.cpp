#include "lambdaapi.h"

#include <QRegularExpression>

namespace gpudeck::lambda {

namespace {

struct GpuInfo {
    QString model;
    double vramGb = 0;
};

// "H100 (80 GB SXM5)" → H100, 80 GB. Lambda names the card and its memory only in this text.
GpuInfo gpuFrom(const QString& description)
{
    static const QRegularExpression re(QStringLiteral("^\\s*(.+?)\\s*\\((\\d+(?:\\.\\d+)?)\\s*GB"));
    const QRegularExpressionMatch m = re.match(description);
    if (!m.hasMatch())
        return {description.trimmed(), 0};
    return {m.captured(1), m.captured(2).toDouble()};
}

void fillType(const QJsonObject& t, Plan& p)
{
    p.id = t.value(QStringLiteral("name")).toString();
    p.name = t.value(QStringLiteral("description")).toString();
    const GpuInfo gpu = gpuFrom(t.value(QStringLiteral("gpu_description")).toString());
    p.gpuModel = gpu.model;
    p.vramGb = gpu.vramGb;
    const QJsonObject specs = t.value(QStringLiteral("specs")).toObject();
    p.gpuCount = specs.value(QStringLiteral("gpus")).toInt();
    p.vcpus = specs.value(QStringLiteral("vcpus")).toInt();
    p.ramGb = specs.value(QStringLiteral("memory_gib")).toDouble();
    p.diskGb = specs.value(QStringLiteral("storage_gib")).toDouble();
    p.onDemandHourly = t.value(QStringLiteral("price_cents_per_hour")).toDouble() / 100.0;
}

} // namespace

BillingRule billingRule()
{
    BillingRule r;
    r.granularity = BillingRule::Granularity::Minute;
    r.minimumSeconds = 0;
    r.stoppedBillsCompute = false; // there is no stopped state: only running or terminated
    r.stoppedBillsStorage = false;
    return r;
}

QList<Plan> plansFromTypes(const QJsonObject& data, const QDateTime& fetchedAt)
{
    QList<Plan> plans;
    for (auto it = data.begin(); it != data.end(); ++it) {
        const QJsonObject entry = it.value().toObject();
        Plan p;
        p.provider = QStringLiteral("lambda");
        fillType(entry.value(QStringLiteral("instance_type")).toObject(), p);
        if (p.id.isEmpty())
            p.id = it.key();
        for (const QJsonValue& r :
             entry.value(QStringLiteral("regions_with_capacity_available")).toArray())
            p.regionsAvailable << r.toObject().value(QStringLiteral("name")).toString();
        p.regions = p.regionsAvailable;
        p.available = !p.regionsAvailable.isEmpty();
        p.billing = billingRule();
        p.fetchedAt = fetchedAt;
        if (p.gpuCount > 0)
            plans.append(p);
    }
    // Cheapest first per GPU model, so the list reads like Lambda's own.
    std::sort(plans.begin(), plans.end(), [](const Plan& a, const Plan& b) {
        return a.onDemandHourly != b.onDemandHourly ? a.onDemandHourly < b.onDemandHourly
                                                    : a.id < b.id;
    });
    return plans;
}

QList<Region> regionsFromTypes(const QJsonObject& data)
{
    QList<Region> regions;
    QStringList seen;
    for (const QJsonValue& v : data) {
        for (const QJsonValue& r :
             v.toObject().value(QStringLiteral("regions_with_capacity_available")).toArray()) {
            const QString id = r.toObject().value(QStringLiteral("name")).toString();
            if (id.isEmpty() || seen.contains(id))
                continue;
            seen << id;
            regions.append({id, r.toObject().value(QStringLiteral("description")).toString()});
        }
    }
    return regions;
}

QList<Image> imagesFrom(const QJsonArray& data)
{
    QList<Image> images;
    QStringList families;
    for (const QJsonValue& v : data) {
        const QJsonObject o = v.toObject();
        const QString family = o.value(QStringLiteral("family")).toString();
        if (family.isEmpty() || families.contains(family))
            continue;
        families << family;
        const QString name = o.value(QStringLiteral("name")).toString();
        const bool cuda = family.startsWith(QLatin1String("lambda-stack")) ||
                          o.value(QStringLiteral("description"))
                              .toString()
                              .contains(QLatin1String("CUDA"), Qt::CaseInsensitive);
        images.append({family, name.isEmpty() ? family : name, cuda});
    }
    // CUDA-ready first; among those the current Lambda Stack before the legacy ones.
    std::stable_sort(images.begin(), images.end(), [](const Image& a, const Image& b) {
        const auto rank = [](const Image& i) {
            if (!i.cudaReady)
                return 3;
            if (i.id.contains(QLatin1String("legacy")))
                return 2;
            return i.id.startsWith(QLatin1String("lambda-stack")) ? 0 : 1;
        };
        return rank(a) < rank(b);
    });
    return images;
}

InstanceStatus statusFrom(const QString& s)
{
    if (s == QLatin1String("active"))
        return InstanceStatus::Running;
    if (s == QLatin1String("booting"))
        return InstanceStatus::Booting;
    if (s == QLatin1String("terminating"))
        return InstanceStatus::Destroying;
    if (s == QLatin1String("terminated") || s == QLatin1String("preempted"))
        return InstanceStatus::Destroyed;
    return InstanceStatus::Error; // unhealthy and anything unknown: the user must look
}

Instance instanceFrom(const QJsonObject& o)
{
    Instance i;
    i.provider = QStringLiteral("lambda");
    i.id = o.value(QStringLiteral("id")).toString();
    i.name = o.value(QStringLiteral("name")).toString();
    const QString status = o.value(QStringLiteral("status")).toString();
    i.status = statusFrom(status);
    i.statusDetail = status;
    i.host = o.value(QStringLiteral("ip")).toString();
    i.sshPort = 22;
    i.user = QStringLiteral("ubuntu"); // Lambda's images log in as ubuntu
    i.region =
        o.value(QStringLiteral("region")).toObject().value(QStringLiteral("name")).toString();
    Plan p;
    fillType(o.value(QStringLiteral("instance_type")).toObject(), p);
    i.planId = p.id;
    i.priceHourly = p.onDemandHourly;
    i.gpuModel = p.gpuModel;
    i.gpuCount = p.gpuCount;
    i.diskGb = p.diskGb;
    i.billing = billingRule();
    return i;
}

QString tokenTagKey()
{
    return QStringLiteral("gpudeck-launch");
}

bool carriesToken(const QJsonObject& instance, const QString& clientToken)
{
    for (const QJsonValue& v : instance.value(QStringLiteral("tags")).toArray()) {
        const QJsonObject t = v.toObject();
        if (t.value(QStringLiteral("key")).toString() == tokenTagKey() &&
            t.value(QStringLiteral("value")).toString() == clientToken)
            return true;
    }
    return false;
}

QString safeName(const QString& name, const QString& clientToken)
{
    const QString s = name.simplified();
    if (s.isEmpty())
        return QStringLiteral("gpudeck-") + QString(clientToken).remove(QLatin1Char('-')).left(8);
    return s.left(64);
}

Error errorFrom(const RestResponse& r)
{
    Error base = RestClient::defaultError(QStringLiteral("Lambda"), r);
    const QJsonObject e = r.json.object().value(QStringLiteral("error")).toObject();
    const QString code = e.value(QStringLiteral("code")).toString();
    const QString message = e.value(QStringLiteral("message")).toString();
    const QString suggestion = e.value(QStringLiteral("suggestion")).toString();
    if (code.isEmpty() && message.isEmpty())
        return base;
    const QString said =
        suggestion.isEmpty() ? message : QStringLiteral("%1 %2").arg(message, suggestion).trimmed();
    if (code == QLatin1String("global/invalid-api-key") || r.status == 401)
        return base; // our message says where to put a new key
    if (code == QLatin1String("instance-operations/launch/insufficient-capacity"))
        return makeError(ErrorCode::NoCapacity,
                         QStringLiteral("Lambda has no capacity for this instance type in that "
                                        "region right now. Pick a region the catalog shows as "
                                        "available, or try again later. (Lambda: %1)")
                             .arg(said),
                         base.detail);
    if (code == QLatin1String("global/quota-exceeded"))
        return makeError(ErrorCode::Forbidden,
                         QStringLiteral("Your Lambda quota is used up. %1")
                             .arg(suggestion.isEmpty()
                                      ? QStringLiteral("Ask Lambda support to raise it.")
                                      : suggestion),
                         base.detail);
    if (code == QLatin1String("global/account-inactive") ||
        code == QLatin1String("global/invalid-address"))
        return makeError(ErrorCode::Forbidden,
                         QStringLiteral("Lambda will not launch for this account: %1").arg(said),
                         base.detail);
    if (code == QLatin1String("global/object-does-not-exist") || r.status == 404) {
        base.code = ErrorCode::NotFound;
        if (!message.isEmpty() && !message.contains(QLatin1String("instance"), Qt::CaseInsensitive))
            base.message = QStringLiteral("Lambda does not know it: %1").arg(said);
        return base;
    }
    if (code == QLatin1String("global/invalid-parameters") || r.status == 400) {
        // Lambda names the field in its message ("Invalid instance type name"): pass it on.
        return makeError(ErrorCode::InvalidInput,
                         QStringLiteral("Lambda refused the request: %1").arg(said), base.detail);
    }
    base.message += QStringLiteral(" Lambda said: %1").arg(said);
    return base;
}

} // namespace gpudeck::lambda
