#include "runpodapi.h"

namespace gpudeck::runpod {

namespace {

QDateTime isoTime(const QJsonValue& v)
{
    return QDateTime::fromString(v.toString(), Qt::ISODate);
}

} // namespace

BillingRule billingRule()
{
    BillingRule r;
    r.granularity = BillingRule::Granularity::Second;
    r.minimumSeconds = 0;
    r.stoppedBillsCompute = false;
    r.stoppedBillsStorage = true; // the volume disk of a stopped pod
    return r;
}

QString planId(const QString& gpuTypeId, int count)
{
    return gpuTypeId + QLatin1Char('|') + QString::number(count);
}

std::pair<QString, int> parsePlanId(const QString& id)
{
    const qsizetype bar = id.lastIndexOf(QLatin1Char('|'));
    if (bar <= 0)
        return {id, 0};
    bool ok = false;
    const int count = id.mid(bar + 1).toInt(&ok);
    return {id.left(bar), ok ? count : 0};
}

QList<Plan> plansFromGpus(const QJsonArray& gpus, const QDateTime& fetchedAt)
{
    QList<Plan> plans;
    for (const QJsonValue& v : gpus) {
        const QJsonObject g = v.toObject();
        const QJsonObject price = g.value(QStringLiteral("price")).toObject();
        const QJsonObject maxCount = g.value(QStringLiteral("maxCount")).toObject();
        const bool secure = g.value(QStringLiteral("secure")).toBool();
        const bool community = g.value(QStringLiteral("community")).toBool();
        const int max = std::max(maxCount.value(QStringLiteral("secure")).toInt(),
                                 maxCount.value(QStringLiteral("community")).toInt());
        QStringList regions, available;
        for (const QJsonValue& d : g.value(QStringLiteral("dataCenters")).toArray()) {
            const QString id = d.toObject().value(QStringLiteral("id")).toString();
            regions << id;
            const QString a = d.toObject().value(QStringLiteral("availability")).toString();
            if (!a.isEmpty() && a != QLatin1String("NONE") && a != QLatin1String("UNAVAILABLE"))
                available << id;
        }
        const QString overall = g.value(QStringLiteral("availability")).toString();
        for (int count : {1, 2, 4, 8}) {
            if (count > std::max(max, 1))
                break;
            Plan p;
            p.provider = QStringLiteral("runpod");
            p.id = planId(g.value(QStringLiteral("id")).toString(), count);
            p.gpuModel = g.value(QStringLiteral("name")).toString();
            p.gpuCount = count;
            p.vramGb = g.value(QStringLiteral("memory")).toDouble();
            p.name = QStringLiteral("%1x %2 (%3 GB)").arg(count).arg(p.gpuModel).arg(p.vramGb);
            const double securePrice = price.value(QStringLiteral("secure")).toDouble();
            const double communityPrice = price.value(QStringLiteral("community")).toDouble();
            const bool secureFits =
                secure && count <= maxCount.value(QStringLiteral("secure")).toInt();
            const bool communityFits = community && communityPrice > 0 &&
                                       count <= maxCount.value(QStringLiteral("community")).toInt();
            p.onDemandHourly = (secureFits ? securePrice : communityPrice) * count;
            if (secureFits && communityFits)
                p.spotHourly = communityPrice * count;
            p.regions = regions;
            p.regionsAvailable = available;
            p.available = overall.isEmpty() ? !available.isEmpty()
                                            : (overall != QLatin1String("NONE") &&
                                               overall != QLatin1String("UNAVAILABLE"));
            p.billing = billingRule();
            p.fetchedAt = fetchedAt;
            plans.append(p);
        }
    }
    return plans;
}

InstanceStatus statusFrom(const QString& s)
{
    if (s == QLatin1String("RUNNING"))
        return InstanceStatus::Running;
    if (s == QLatin1String("PROVISIONING"))
        return InstanceStatus::Provisioning;
    if (s == QLatin1String("STARTING"))
        return InstanceStatus::Booting;
    if (s == QLatin1String("EXITED"))
        return InstanceStatus::Stopped;
    if (s == QLatin1String("TERMINATED"))
        return InstanceStatus::Destroyed;
    return InstanceStatus::Error;
}

Instance instanceFrom(const QJsonObject& pod)
{
    Instance i;
    i.provider = QStringLiteral("runpod");
    i.id = pod.value(QStringLiteral("id")).toString();
    i.name = pod.value(QStringLiteral("name")).toString();
    const QString status = pod.value(QStringLiteral("status")).toString();
    i.status = statusFrom(status);
    i.statusDetail = status;
    const QJsonObject gpu = pod.value(QStringLiteral("gpu")).toObject();
    i.gpuCount = gpu.value(QStringLiteral("count")).toInt(1);
    i.gpuModel = gpu.value(QStringLiteral("id")).toString();
    i.planId = planId(i.gpuModel, i.gpuCount);
    i.region = pod.value(QStringLiteral("dataCenterId")).toString();
    i.priceHourly = pod.value(QStringLiteral("cost")).toDouble();
    i.diskGb =
        pod.value(QStringLiteral("disk")).toDouble() + pod.value(QStringLiteral("mounts"))
                                                           .toObject()
                                                           .value(QStringLiteral("persistent"))
                                                           .toObject()
                                                           .value(QStringLiteral("size"))
                                                           .toDouble();
    i.user = QStringLiteral("root");
    const QJsonObject direct =
        pod.value(QStringLiteral("ssh")).toObject().value(QStringLiteral("direct")).toObject();
    if (!direct.isEmpty()) {
        i.host = direct.value(QStringLiteral("host")).toString();
        i.sshPort = direct.value(QStringLiteral("port")).toInt(22);
        const QString user = direct.value(QStringLiteral("username")).toString();
        if (!user.isEmpty())
            i.user = user;
    } else {
        // Older answers: the port map in runtime.
        for (const QJsonValue& p : pod.value(QStringLiteral("runtime"))
                                       .toObject()
                                       .value(QStringLiteral("ports"))
                                       .toArray()) {
            const QJsonObject o = p.toObject();
            if (o.value(QStringLiteral("private")).toInt() == 22 &&
                o.value(QStringLiteral("type")).toString() == QLatin1String("tcp")) {
                i.host = o.value(QStringLiteral("ip")).toString();
                i.sshPort = o.value(QStringLiteral("public")).toInt();
            }
        }
    }
    i.createdAt = isoTime(pod.value(QStringLiteral("createdAt")));
    i.startedAt = isoTime(pod.value(QStringLiteral("startedAt")));
    i.billing = billingRule();
    return i;
}

QString tokenEnv()
{
    return QStringLiteral("GPUDECK_LAUNCH");
}

bool carriesToken(const QJsonObject& pod, const QString& clientToken)
{
    return pod.value(QStringLiteral("env")).toObject().value(tokenEnv()).toString() == clientToken;
}

Error errorFrom(const RestResponse& r)
{
    Error base = RestClient::defaultError(QStringLiteral("RunPod"), r);
    const QJsonObject o = r.json.object();
    const QString detail = o.value(QStringLiteral("detail")).toString();
    QStringList problems;
    for (const QJsonValue& v : o.value(QStringLiteral("errors")).toArray())
        problems << v.toString();
    const QString said = problems.isEmpty()
                             ? detail
                             : detail + QStringLiteral(" (") + problems.join(QStringLiteral("; ")) +
                                   QLatin1Char(')');
    if (said.isEmpty() || r.status == 401)
        return base;
    const QString lower = said.toLower();
    if (lower.contains(QLatin1String("capacity")) ||
        lower.contains(QLatin1String("no available")) ||
        lower.contains(QLatin1String("not enough")) ||
        lower.contains(QLatin1String("no instances")))
        return makeError(ErrorCode::NoCapacity,
                         QStringLiteral("RunPod has no free GPU of this type there right now (%1). "
                                        "Try another data center or the community cloud, a "
                                        "different GPU, or try again in a few minutes.")
                             .arg(said),
                         base.detail);
    if (lower.contains(QLatin1String("quota")) || lower.contains(QLatin1String("balance")) ||
        lower.contains(QLatin1String("insufficient funds")) ||
        lower.contains(QLatin1String("limit")))
        return makeError(ErrorCode::Forbidden,
                         QStringLiteral("RunPod refused for your account (%1). Add credit or ask "
                                        "RunPod to raise the limit.")
                             .arg(said),
                         base.detail);
    if (r.status == 404) {
        base.message += QStringLiteral(" RunPod said: %1.").arg(said);
        return base;
    }
    if (r.status == 400 || r.status == 422 || r.status == 409)
        return makeError(r.status == 409 ? ErrorCode::Conflict : ErrorCode::InvalidInput,
                         QStringLiteral("RunPod refused the request: %1.").arg(said), base.detail);
    base.message += QStringLiteral(" RunPod said: %1.").arg(said);
    return base;
}

} // namespace gpudeck::runpod
