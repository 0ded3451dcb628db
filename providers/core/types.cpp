#include "types.h"

#include <QJsonArray>

namespace gpudeck {

namespace {

QString isoOrEmpty(const QDateTime& t)
{
    return t.isValid() ? t.toUTC().toString(Qt::ISODateWithMs) : QString();
}

QDateTime parseIso(const QJsonValue& v)
{
    return QDateTime::fromString(v.toString(), Qt::ISODateWithMs).toUTC();
}

const char* granularityName(BillingRule::Granularity g)
{
    switch (g) {
    case BillingRule::Granularity::Second:
        return "second";
    case BillingRule::Granularity::Minute:
        return "minute";
    case BillingRule::Granularity::Hour:
        return "hour";
    }
    return "second";
}

constexpr InstanceStatus kAllStatuses[] = {
    InstanceStatus::Requested,  InstanceStatus::Provisioning, InstanceStatus::Booting,
    InstanceStatus::Running,    InstanceStatus::Stopping,     InstanceStatus::Stopped,
    InstanceStatus::Destroying, InstanceStatus::Destroyed,    InstanceStatus::Error,
};

} // namespace

int BillingRule::granularitySeconds() const
{
    switch (granularity) {
    case Granularity::Second:
        return 1;
    case Granularity::Minute:
        return 60;
    case Granularity::Hour:
        return 3600;
    }
    return 1;
}

QString BillingRule::describe() const
{
    QString s;
    switch (granularity) {
    case Granularity::Second:
        s = QStringLiteral("per second");
        break;
    case Granularity::Minute:
        s = QStringLiteral("per minute, rounded up");
        break;
    case Granularity::Hour:
        s = QStringLiteral("per hour, rounded up");
        break;
    }
    if (minimumSeconds > granularitySeconds())
        s += QStringLiteral(", %1 s minimum").arg(minimumSeconds);
    if (minimumCents > 0)
        s += QStringLiteral(", $%1 minimum").arg(minimumCents / 100.0, 0, 'f', 2);
    if (monthlyCapUsd > 0)
        s += QStringLiteral(", capped at $%1/month").arg(monthlyCapUsd, 0, 'f', 0);
    if (stoppedBillsCompute)
        s += QStringLiteral("; billed while stopped");
    return s;
}

QJsonObject BillingRule::toJson() const
{
    return {{QStringLiteral("granularity"), QString::fromLatin1(granularityName(granularity))},
            {QStringLiteral("minimum_seconds"), minimumSeconds},
            {QStringLiteral("stopped_bills_compute"), stoppedBillsCompute},
            {QStringLiteral("stopped_bills_storage"), stoppedBillsStorage},
            {QStringLiteral("storage_usd_per_gb_month"), storageUsdPerGbMonth},
            {QStringLiteral("minimum_cents"), minimumCents},
            {QStringLiteral("monthly_cap_usd"), monthlyCapUsd}};
}

BillingRule BillingRule::fromJson(const QJsonObject& o)
{
    BillingRule r;
    const QString g = o.value(QStringLiteral("granularity")).toString();
    if (g == QLatin1String("minute"))
        r.granularity = Granularity::Minute;
    else if (g == QLatin1String("hour"))
        r.granularity = Granularity::Hour;
    r.minimumSeconds = o.value(QStringLiteral("minimum_seconds")).toInt();
    r.stoppedBillsCompute = o.value(QStringLiteral("stopped_bills_compute")).toBool();
    r.stoppedBillsStorage = o.value(QStringLiteral("stopped_bills_storage")).toBool(true);
    r.storageUsdPerGbMonth = o.value(QStringLiteral("storage_usd_per_gb_month")).toDouble();
    r.minimumCents = o.value(QStringLiteral("minimum_cents")).toInt();
    r.monthlyCapUsd = o.value(QStringLiteral("monthly_cap_usd")).toDouble();
    return r;
}

bool Plan::hasHourlyPrice() const
{
    return priceNote.isEmpty();
}

double Plan::pricePerGpuHour() const
{
    return gpuCount > 0 ? onDemandHourly / gpuCount : onDemandHourly;
}

QJsonObject Plan::toJson() const
{
    QJsonObject o{
        {QStringLiteral("provider"), provider},
        {QStringLiteral("id"), id},
        {QStringLiteral("name"), name},
        {QStringLiteral("gpu_model"), gpuModel},
        {QStringLiteral("gpu_count"), gpuCount},
        {QStringLiteral("vram_gb"), vramGb},
        {QStringLiteral("vcpus"), vcpus},
        {QStringLiteral("ram_gb"), ramGb},
        {QStringLiteral("disk_gb"), diskGb},
        {QStringLiteral("regions"), QJsonArray::fromStringList(regions)},
        {QStringLiteral("regions_available"), QJsonArray::fromStringList(regionsAvailable)},
        {QStringLiteral("price_hourly_usd"), onDemandHourly},
        {QStringLiteral("price_per_gpu_hour_usd"), pricePerGpuHour()},
        {QStringLiteral("available"), available},
        {QStringLiteral("fetched_at"), isoOrEmpty(fetchedAt)},
        {QStringLiteral("billing"), billing.toJson()},
        {QStringLiteral("price_note"), priceNote},
        {QStringLiteral("note"), note}};
    o.insert(QStringLiteral("spot_hourly_usd"),
             spotHourly ? QJsonValue(*spotHourly) : QJsonValue(QJsonValue::Null));
    return o;
}

Plan Plan::fromJson(const QJsonObject& o)
{
    Plan p;
    p.provider = o.value(QStringLiteral("provider")).toString();
    p.id = o.value(QStringLiteral("id")).toString();
    p.name = o.value(QStringLiteral("name")).toString();
    p.gpuModel = o.value(QStringLiteral("gpu_model")).toString();
    p.gpuCount = o.value(QStringLiteral("gpu_count")).toInt();
    p.vramGb = o.value(QStringLiteral("vram_gb")).toDouble();
    p.vcpus = o.value(QStringLiteral("vcpus")).toInt();
    p.ramGb = o.value(QStringLiteral("ram_gb")).toDouble();
    p.diskGb = o.value(QStringLiteral("disk_gb")).toDouble();
    for (const QJsonValue& r : o.value(QStringLiteral("regions")).toArray())
        p.regions << r.toString();
    for (const QJsonValue& r : o.value(QStringLiteral("regions_available")).toArray())
        p.regionsAvailable << r.toString();
    p.onDemandHourly = o.value(QStringLiteral("price_hourly_usd")).toDouble();
    const QJsonValue spot = o.value(QStringLiteral("spot_hourly_usd"));
    if (spot.isDouble())
        p.spotHourly = spot.toDouble();
    p.available = o.value(QStringLiteral("available")).toBool(true);
    p.fetchedAt = parseIso(o.value(QStringLiteral("fetched_at")));
    p.billing = BillingRule::fromJson(o.value(QStringLiteral("billing")).toObject());
    p.priceNote = o.value(QStringLiteral("price_note")).toString();
    p.note = o.value(QStringLiteral("note")).toString();
    return p;
}

QString statusName(InstanceStatus s)
{
    switch (s) {
    case InstanceStatus::Requested:
        return QStringLiteral("requested");
    case InstanceStatus::Provisioning:
        return QStringLiteral("provisioning");
    case InstanceStatus::Booting:
        return QStringLiteral("booting");
    case InstanceStatus::Running:
        return QStringLiteral("running");
    case InstanceStatus::Stopping:
        return QStringLiteral("stopping");
    case InstanceStatus::Stopped:
        return QStringLiteral("stopped");
    case InstanceStatus::Destroying:
        return QStringLiteral("destroying");
    case InstanceStatus::Destroyed:
        return QStringLiteral("destroyed");
    case InstanceStatus::Error:
        return QStringLiteral("error");
    }
    return QStringLiteral("error");
}

std::optional<InstanceStatus> statusFromName(const QString& name)
{
    for (InstanceStatus s : kAllStatuses) {
        if (statusName(s) == name)
            return s;
    }
    return std::nullopt;
}

bool isTransitional(InstanceStatus s)
{
    switch (s) {
    case InstanceStatus::Requested:
    case InstanceStatus::Provisioning:
    case InstanceStatus::Booting:
    case InstanceStatus::Stopping:
    case InstanceStatus::Destroying:
        return true;
    default:
        return false;
    }
}

QJsonObject Instance::toJson() const
{
    QJsonArray intervals;
    for (const RunInterval& iv : runIntervals)
        intervals.append(QJsonObject{{QStringLiteral("start"), isoOrEmpty(iv.start)},
                                     {QStringLiteral("end"), isoOrEmpty(iv.end)}});
    return {{QStringLiteral("id"), id},
            {QStringLiteral("name"), name},
            {QStringLiteral("provider"), provider},
            {QStringLiteral("plan"), planId},
            {QStringLiteral("region"), region},
            {QStringLiteral("status"), statusName(status)},
            {QStringLiteral("status_detail"), statusDetail},
            {QStringLiteral("host"), host},
            {QStringLiteral("port"), sshPort},
            {QStringLiteral("user"), user},
            {QStringLiteral("host_key_sha256"), hostKeySha256},
            {QStringLiteral("identity_file"), identityFile},
            {QStringLiteral("via_ssh_config"), viaSshConfig},
            {QStringLiteral("home_is_file_root"), homeIsFileRoot},
            {QStringLiteral("price_hourly_usd"), priceHourly},
            {QStringLiteral("disk_gb"), diskGb},
            {QStringLiteral("gpu_count"), gpuCount},
            {QStringLiteral("gpu_model"), gpuModel},
            {QStringLiteral("billing"), billing.toJson()},
            {QStringLiteral("created_at"), isoOrEmpty(createdAt)},
            {QStringLiteral("started_at"), isoOrEmpty(startedAt)},
            {QStringLiteral("run_intervals"), intervals}};
}

Instance Instance::fromJson(const QJsonObject& o)
{
    Instance i;
    i.id = o.value(QStringLiteral("id")).toString();
    i.name = o.value(QStringLiteral("name")).toString();
    i.provider = o.value(QStringLiteral("provider")).toString();
    i.planId = o.value(QStringLiteral("plan")).toString();
    i.region = o.value(QStringLiteral("region")).toString();
    i.status = statusFromName(o.value(QStringLiteral("status")).toString())
                   .value_or(InstanceStatus::Error);
    i.statusDetail = o.value(QStringLiteral("status_detail")).toString();
    i.host = o.value(QStringLiteral("host")).toString();
    i.sshPort = o.value(QStringLiteral("port")).toInt(22);
    i.user = o.value(QStringLiteral("user")).toString();
    i.hostKeySha256 = o.value(QStringLiteral("host_key_sha256")).toString();
    i.identityFile = o.value(QStringLiteral("identity_file")).toString();
    i.viaSshConfig = o.value(QStringLiteral("via_ssh_config")).toBool();
    i.homeIsFileRoot = o.value(QStringLiteral("home_is_file_root")).toBool();
    i.priceHourly = o.value(QStringLiteral("price_hourly_usd")).toDouble();
    i.diskGb = o.value(QStringLiteral("disk_gb")).toDouble();
    i.gpuCount = o.value(QStringLiteral("gpu_count")).toInt();
    i.gpuModel = o.value(QStringLiteral("gpu_model")).toString();
    i.billing = BillingRule::fromJson(o.value(QStringLiteral("billing")).toObject());
    i.createdAt = parseIso(o.value(QStringLiteral("created_at")));
    i.startedAt = parseIso(o.value(QStringLiteral("started_at")));
    for (const QJsonValue& v : o.value(QStringLiteral("run_intervals")).toArray()) {
        const QJsonObject iv = v.toObject();
        i.runIntervals.append({parseIso(iv.value(QStringLiteral("start"))),
                               parseIso(iv.value(QStringLiteral("end")))});
    }
    return i;
}

} // namespace gpudeck
