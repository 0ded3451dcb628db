#include "digitaloceanapi.h"

#include <QUrlQuery>

namespace gpudeck::digitalocean {

namespace {

// "nvidia_h100" → "H100", "amd_mi300x" → "MI300X", "nvidia_rtx_4000_ada" → "RTX 4000 Ada".
QString gpuModelName(const QString& model)
{
    QStringList parts = model.split(QLatin1Char('_'), Qt::SkipEmptyParts);
    if (parts.size() > 1 &&
        (parts.first() == QLatin1String("nvidia") || parts.first() == QLatin1String("amd")))
        parts.removeFirst();
    for (QString& p : parts)
        p = p == QLatin1String("ada") ? QStringLiteral("Ada") : p.toUpper();
    return parts.isEmpty() ? QStringLiteral("GPU") : parts.join(QLatin1Char(' '));
}

double vramGbOf(const QJsonObject& gpuInfo)
{
    const QJsonObject vram = gpuInfo.value(QStringLiteral("vram")).toObject();
    const double amount = vram.value(QStringLiteral("amount")).toDouble();
    const QString unit = vram.value(QStringLiteral("unit")).toString().toLower();
    return unit == QLatin1String("mib") ? amount / 1024.0 : amount; // "gib" in every example
}

QString publicIpv4(const QJsonObject& droplet)
{
    const QJsonArray v4 =
        droplet.value(QStringLiteral("networks")).toObject().value(QStringLiteral("v4")).toArray();
    for (const QJsonValue& n : v4)
        if (n[QStringLiteral("type")].toString() == QLatin1String("public"))
            return n[QStringLiteral("ip_address")].toString();
    return {};
}

} // namespace

BillingRule billingRule(double monthlyUsd)
{
    BillingRule r;
    r.granularity = BillingRule::Granularity::Second;
    r.minimumSeconds = 60;
    r.minimumCents = 1;
    r.stoppedBillsCompute = true;
    r.stoppedBillsStorage = true;
    r.monthlyCapUsd = monthlyUsd;
    return r;
}

QList<Plan> plansFromSizes(const QJsonArray& sizes, const QDateTime& fetchedAt)
{
    QList<Plan> plans;
    for (const QJsonValue& v : sizes) {
        const QJsonObject s = v.toObject();
        const QJsonObject gpu = s.value(QStringLiteral("gpu_info")).toObject();
        const int count = gpu.value(QStringLiteral("count")).toInt();
        if (count <= 0)
            continue;
        Plan p;
        p.provider = QStringLiteral("digitalocean");
        p.id = s.value(QStringLiteral("slug")).toString();
        p.gpuModel = gpuModelName(gpu.value(QStringLiteral("model")).toString());
        p.gpuCount = count;
        p.vramGb = vramGbOf(gpu);
        p.name = s.value(QStringLiteral("description")).toString();
        if (p.name.isEmpty())
            p.name = QStringLiteral("%1x %2").arg(count).arg(p.gpuModel);
        p.vcpus = s.value(QStringLiteral("vcpus")).toInt();
        p.ramGb = s.value(QStringLiteral("memory")).toDouble() / 1024.0; // MB
        p.diskGb = s.value(QStringLiteral("disk")).toDouble();           // GB (boot disk)
        for (const QJsonValue& r : s.value(QStringLiteral("regions")).toArray())
            p.regions << r.toString();
        // `regions` are where this size can be created now: DigitalOcean's availability.
        p.available = s.value(QStringLiteral("available")).toBool(true) && !p.regions.isEmpty();
        if (p.available)
            p.regionsAvailable = p.regions;
        p.onDemandHourly = s.value(QStringLiteral("price_hourly")).toDouble();
        p.billing = billingRule(s.value(QStringLiteral("price_monthly")).toDouble());
        for (const QJsonValue& d : s.value(QStringLiteral("disk_info")).toArray())
            if (d[QStringLiteral("type")].toString() == QLatin1String("scratch")) {
                p.note = QStringLiteral("Also a %1 GiB scratch disk for data that need not "
                                        "survive (erased when the Droplet is destroyed).")
                             .arg(d[QStringLiteral("size")][QStringLiteral("amount")].toInt());
            }
        p.fetchedAt = fetchedAt;
        plans.append(p);
    }
    return plans;
}

QList<Region> regionsFrom(const QJsonArray& regions)
{
    QList<Region> out;
    for (const QJsonValue& v : regions) {
        const QJsonObject r = v.toObject();
        if (!r.value(QStringLiteral("available")).toBool(true))
            continue;
        out.append({r.value(QStringLiteral("slug")).toString(),
                    r.value(QStringLiteral("name")).toString()});
    }
    return out;
}

QList<Image> gpuImages()
{
    return {
        {QStringLiteral("ai-ml-ready"), QStringLiteral("AI/ML Ready (Ubuntu, CUDA or ROCm)"), true},
        {QStringLiteral("ubuntu-24-04-x64"), QStringLiteral("Ubuntu 24.04 LTS"), false},
        {QStringLiteral("ubuntu-22-04-x64"), QStringLiteral("Ubuntu 22.04 LTS"), false}};
}

QString imageSlugFor(const QString& imageId, const QString& sizeSlug)
{
    if (!imageId.isEmpty() && imageId != QLatin1String("ai-ml-ready"))
        return imageId;
    if (sizeSlug.contains(QLatin1String("mi300")) || sizeSlug.contains(QLatin1String("amd")))
        return QStringLiteral("gpu-amd-base");
    if (sizeSlug.contains(QLatin1String("x8")))
        return QStringLiteral("gpu-h100x8-base");
    return QStringLiteral("gpu-h100x1-base");
}

InstanceStatus statusFrom(const QString& s)
{
    if (s == QLatin1String("new"))
        return InstanceStatus::Provisioning;
    if (s == QLatin1String("active"))
        return InstanceStatus::Running;
    if (s == QLatin1String("off"))
        return InstanceStatus::Stopped;
    if (s == QLatin1String("archive"))
        return InstanceStatus::Destroyed;
    return InstanceStatus::Error;
}

Instance instanceFrom(const QJsonObject& o)
{
    Instance i;
    i.provider = QStringLiteral("digitalocean");
    i.id = QString::number(o.value(QStringLiteral("id")).toInteger());
    i.name = o.value(QStringLiteral("name")).toString();
    const QJsonObject size = o.value(QStringLiteral("size")).toObject();
    i.planId = o.value(QStringLiteral("size_slug")).toString();
    if (i.planId.isEmpty())
        i.planId = size.value(QStringLiteral("slug")).toString();
    i.region =
        o.value(QStringLiteral("region")).toObject().value(QStringLiteral("slug")).toString();
    const QString status = o.value(QStringLiteral("status")).toString();
    i.status = statusFrom(status);
    i.statusDetail = status;
    i.host = publicIpv4(o);
    // "active" comes before the public address on a new Droplet: not reachable yet.
    if (i.status == InstanceStatus::Running && i.host.isEmpty())
        i.status = InstanceStatus::Booting;
    i.sshPort = 22;
    i.user = QStringLiteral("root");
    i.diskGb = o.value(QStringLiteral("disk")).toDouble();
    QJsonObject gpu = o.value(QStringLiteral("gpu_info")).toObject();
    if (gpu.isEmpty())
        gpu = size.value(QStringLiteral("gpu_info")).toObject();
    i.gpuCount = gpu.value(QStringLiteral("count")).toInt();
    if (i.gpuCount > 0)
        i.gpuModel = gpuModelName(gpu.value(QStringLiteral("model")).toString());
    i.priceHourly = size.value(QStringLiteral("price_hourly")).toDouble();
    i.billing = billingRule(size.value(QStringLiteral("price_monthly")).toDouble());
    i.createdAt =
        QDateTime::fromString(o.value(QStringLiteral("created_at")).toString(), Qt::ISODate);
    i.startedAt = i.createdAt;
    return i;
}

QString tokenTag(const QString& clientToken)
{
    QString t = clientToken;
    t.remove(QLatin1Char('-'));
    return QStringLiteral("gpudeck:") + t.left(40);
}

QString safeName(const QString& name, const QString& clientToken)
{
    QString s;
    for (const QChar c : name) {
        if ((c.isLetterOrNumber() && c.unicode() < 128) || c == QLatin1Char('.'))
            s += c;
        else if (!s.isEmpty() && !s.endsWith(QLatin1Char('-')))
            s += QLatin1Char('-');
    }
    while (s.endsWith(QLatin1Char('-')) || s.endsWith(QLatin1Char('.')))
        s.chop(1);
    while (s.startsWith(QLatin1Char('.')))
        s.remove(0, 1);
    if (s.isEmpty())
        s = QStringLiteral("gpudeck-") + QString(clientToken).remove(QLatin1Char('-')).left(8);
    return s.left(63);
}

Error errorFrom(const RestResponse& r)
{
    Error base = RestClient::defaultError(QStringLiteral("DigitalOcean"), r);
    const QJsonObject o = r.json.object();
    const QString id = o.value(QStringLiteral("id")).toString();
    const QString message = o.value(QStringLiteral("message")).toString().trimmed();
    // "Unable to authenticate you", "API rate limit exceeded.": our messages say what to do.
    if (message.isEmpty() || r.status == 401 || r.status == 429)
        return base;
    const QString lower = message.toLower();
    if (lower.contains(QLatin1String("not available")) ||
        lower.contains(QLatin1String("capacity")) || lower.contains(QLatin1String("out of stock")))
        return makeError(ErrorCode::NoCapacity,
                         QStringLiteral("DigitalOcean has no capacity for this size there right "
                                        "now (%1). Pick another region the catalog lists for "
                                        "it, or try again later.")
                             .arg(message),
                         base.detail);
    if (lower.contains(QLatin1String("limit")) || lower.contains(QLatin1String("quota")))
        return makeError(ErrorCode::Forbidden,
                         QStringLiteral("Your DigitalOcean account limit was reached (%1). GPU "
                                        "Droplets need a limit raised by DigitalOcean support; "
                                        "or destroy a Droplet you no longer need.")
                             .arg(message),
                         base.detail);
    if (r.status == 404)
        return base;
    if (r.status == 400 || r.status == 422 || r.status == 409 ||
        id == QLatin1String("unprocessable_entity") || id == QLatin1String("bad_request"))
        return makeError(ErrorCode::InvalidInput,
                         QStringLiteral("DigitalOcean refused the request: %1").arg(message),
                         base.detail);
    if (r.status == 403)
        return makeError(ErrorCode::Forbidden,
                         QStringLiteral("DigitalOcean refused: %1 Give the token read and write "
                                        "scopes for Droplets and SSH keys.")
                             .arg(message),
                         base.detail);
    base.message += QStringLiteral(" DigitalOcean said: %1").arg(message);
    return base;
}

RestRequest nextPage(const QJsonObject& page, const RestRequest& current)
{
    const QString next = page.value(QStringLiteral("links"))
                             .toObject()
                             .value(QStringLiteral("pages"))
                             .toObject()
                             .value(QStringLiteral("next"))
                             .toString();
    if (next.isEmpty())
        return {};
    // The link is absolute and names the real host: keep our base URL, take its query only.
    const QUrlQuery query(QUrl(next).query());
    const int pageNo = query.queryItemValue(QStringLiteral("page")).toInt();
    // Only forward: an answer that points at its own page again ends the list.
    const int at = std::max(1, current.query.queryItemValue(QStringLiteral("page")).toInt());
    if (pageNo <= at)
        return {};
    RestRequest r = current;
    r.query.removeAllQueryItems(QStringLiteral("page"));
    r.query.addQueryItem(QStringLiteral("page"), QString::number(pageNo));
    return r;
}

} // namespace gpudeck::digitalocean
