#include "gceapi.h"

#include <QCryptographicHash>
#include <QHash>
#include <QRegularExpression>
#include <QSet>
#include <QUuid>

#include <algorithm>
#include <cmath>

namespace gpudeck::gce {

namespace {

const QString kTokenLabelKey = QStringLiteral("gpudeck-token");

QJsonArray kv(const QList<std::pair<QString, QString>>& items)
{
    QJsonArray out;
    for (const auto& [k, v] : items)
        out.append(QJsonObject{{QStringLiteral("key"), k}, {QStringLiteral("value"), v}});
    return out;
}

const GceOffer* offer(const QString& planId)
{
    for (const GceOffer& o : offerTable())
        if (planId == QLatin1String(o.planId))
            return &o;
    return nullptr;
}

QString regionName(const QString& region)
{
    static const QHash<QString, QString> names{
        {QStringLiteral("us-central1"), QStringLiteral("Iowa")},
        {QStringLiteral("us-east1"), QStringLiteral("South Carolina")},
        {QStringLiteral("us-east4"), QStringLiteral("N. Virginia")},
        {QStringLiteral("us-west1"), QStringLiteral("Oregon")},
        {QStringLiteral("europe-west1"), QStringLiteral("Belgium")},
        {QStringLiteral("europe-west4"), QStringLiteral("Netherlands")},
        {QStringLiteral("asia-east1"), QStringLiteral("Taiwan")},
        {QStringLiteral("asia-northeast1"), QStringLiteral("Tokyo")},
        {QStringLiteral("asia-southeast1"), QStringLiteral("Singapore")}};
    return names.value(region);
}

// The first reason of a Google error body ("rateLimitExceeded", "alreadyExists"…).
QString reasonOf(const QJsonObject& error)
{
    const QJsonArray errors = error.value(QStringLiteral("errors")).toArray();
    return errors.isEmpty() ? QString()
                            : errors.first().toObject().value(QStringLiteral("reason")).toString();
}

Error capacityError(const QString& detail)
{
    return makeError(ErrorCode::NoCapacity,
                     QStringLiteral("Google has no capacity for this GPU in this zone right now "
                                    "(ZONE_RESOURCE_POOL_EXHAUSTED). Try another zone of the "
                                    "region or another region, another GPU type, or on-demand "
                                    "instead of spot."),
                     detail);
}

Error quotaError(const QString& detail)
{
    return makeError(ErrorCode::Conflict,
                     QStringLiteral("Your Google Cloud project's quota is used up for this "
                                    "(QUOTA_EXCEEDED; GPUs are counted per region, and "
                                    "GPUS_ALL_REGIONS for the project). Try another region, or "
                                    "ask for more in IAM & Admin → Quotas."),
                     detail);
}

} // namespace

const QList<GceOffer>& offerTable()
{
    static const QList<GceOffer> table = {
        {"n1-standard-4+1xnvidia-tesla-t4", "n1-standard-4", 4, 15, "nvidia-tesla-t4", 1,
         "NVIDIA T4", 16},
        {"n1-standard-8+1xnvidia-tesla-t4", "n1-standard-8", 8, 30, "nvidia-tesla-t4", 1,
         "NVIDIA T4", 16},
        {"n1-standard-16+2xnvidia-tesla-t4", "n1-standard-16", 16, 60, "nvidia-tesla-t4", 2,
         "NVIDIA T4", 16},
        {"n1-standard-32+4xnvidia-tesla-t4", "n1-standard-32", 32, 120, "nvidia-tesla-t4", 4,
         "NVIDIA T4", 16},
        {"n1-standard-4+1xnvidia-tesla-p4", "n1-standard-4", 4, 15, "nvidia-tesla-p4", 1,
         "NVIDIA P4", 8},
        {"n1-standard-8+1xnvidia-tesla-p100", "n1-standard-8", 8, 30, "nvidia-tesla-p100", 1,
         "NVIDIA P100", 16},
        {"n1-standard-8+1xnvidia-tesla-v100", "n1-standard-8", 8, 30, "nvidia-tesla-v100", 1,
         "NVIDIA V100", 16},
        {"n1-standard-32+4xnvidia-tesla-v100", "n1-standard-32", 32, 120, "nvidia-tesla-v100", 4,
         "NVIDIA V100", 16},
        {"a2-highgpu-1g", "a2-highgpu-1g", 12, 85, "nvidia-tesla-a100", 1, "NVIDIA A100", 40},
        {"a2-highgpu-8g", "a2-highgpu-8g", 96, 680, "nvidia-tesla-a100", 8, "NVIDIA A100", 40},
    };
    return table;
}

const QList<GceRegionRates>& regionRateTable()
{
    static const QList<GceRegionRates> table = {
        {"us-central1", 0.031611, 0.004237, 0.006655, 0.000892},
        {"europe-west4", 0.034802, 0.004664, 0.007325, 0.000987},
        {"asia-east1", 0.036602, 0.004906, 0.00732, 0.000981},
    };
    return table;
}

const QList<GceGpuRate>& gpuRateTable()
{
    static const QList<GceGpuRate> table = {
        {"us-central1", "nvidia-tesla-t4", 0.35, 0.11},
        {"us-central1", "nvidia-tesla-p4", 0.60, 0.216},
        {"us-central1", "nvidia-tesla-p100", 1.46, 0.43},
        {"us-central1", "nvidia-tesla-v100", 2.48, 0.74},
        {"us-central1", "nvidia-tesla-a100", 2.933908, 0.880172},
        {"europe-west4", "nvidia-tesla-t4", 0.35, 0.11},
        {"europe-west4", "nvidia-tesla-p4", 0.60, 0.216},
        {"europe-west4", "nvidia-tesla-p100", 1.46, 0.43},
        {"europe-west4", "nvidia-tesla-v100", 2.48, 0.74},
        {"europe-west4", "nvidia-tesla-a100", 2.933908, 0.880172},
        {"asia-east1", "nvidia-tesla-t4", 0.35, 0.11},
        {"asia-east1", "nvidia-tesla-p100", 1.46, 0.43},
        {"asia-east1", "nvidia-tesla-v100", 2.48, 0.74},
    };
    return table;
}

QStringList tableZones(const QString& accelerator)
{
    static const QHash<QString, QStringList> zones{
        {QStringLiteral("nvidia-tesla-t4"),
         {QStringLiteral("us-central1-a"), QStringLiteral("us-central1-b"),
          QStringLiteral("us-central1-f"), QStringLiteral("europe-west4-b"),
          QStringLiteral("europe-west4-c"), QStringLiteral("asia-east1-a"),
          QStringLiteral("asia-east1-c")}},
        {QStringLiteral("nvidia-tesla-p4"),
         {QStringLiteral("us-central1-a"), QStringLiteral("us-central1-c"),
          QStringLiteral("europe-west4-b"), QStringLiteral("europe-west4-c")}},
        {QStringLiteral("nvidia-tesla-p100"),
         {QStringLiteral("us-central1-c"), QStringLiteral("us-central1-f"),
          QStringLiteral("europe-west4-a"), QStringLiteral("asia-east1-a"),
          QStringLiteral("asia-east1-c")}},
        {QStringLiteral("nvidia-tesla-v100"),
         {QStringLiteral("us-central1-a"), QStringLiteral("us-central1-b"),
          QStringLiteral("us-central1-c"), QStringLiteral("us-central1-f"),
          QStringLiteral("europe-west4-a"), QStringLiteral("europe-west4-b"),
          QStringLiteral("europe-west4-c"), QStringLiteral("asia-east1-c")}},
        {QStringLiteral("nvidia-tesla-a100"),
         {QStringLiteral("us-central1-a"), QStringLiteral("us-central1-b"),
          QStringLiteral("us-central1-c"), QStringLiteral("us-central1-f"),
          QStringLiteral("europe-west4-a"), QStringLiteral("europe-west4-b")}},
    };
    return zones.value(accelerator);
}

std::optional<double> priceFor(const QString& planId, const QString& region, bool spot)
{
    const GceOffer* o = offer(planId);
    if (!o)
        return std::nullopt;
    const QString r = regionOfZone(region);
    const GceRegionRates* rates = nullptr;
    for (const GceRegionRates& x : regionRateTable())
        if (r == QLatin1String(x.region))
            rates = &x;
    const GceGpuRate* gpu = nullptr;
    for (const GceGpuRate& g : gpuRateTable())
        if (r == QLatin1String(g.region) && qstrcmp(g.accelerator, o->accelerator) == 0)
            gpu = &g;
    if (!rates || !gpu)
        return std::nullopt;
    const double machine = spot ? o->vcpus * rates->vcpuSpot + o->ramGb * rates->ramGbSpot
                                : o->vcpus * rates->vcpu + o->ramGb * rates->ramGb;
    const double total = machine + o->gpuCount * (spot ? gpu->spotHourly : gpu->hourly);
    return std::round(total * 1e6) / 1e6;
}

QDateTime priceTableDate()
{
    return QDateTime::fromString(
        QString::fromLatin1(kGcePriceTableDate) + QStringLiteral("-01T00:00:00Z"), Qt::ISODate);
}

std::optional<double> BillingRates::rate(const QString& region, const QString& what,
                                         bool spotRate) const
{
    const QHash<QString, double>& table = spotRate ? spot : onDemand;
    const auto it = table.constFind(region + QLatin1Char('|') + what);
    if (it == table.constEnd())
        return std::nullopt;
    return *it;
}

std::optional<double> skuUnitPrice(const QJsonObject& sku)
{
    const QJsonArray infos = sku.value(QStringLiteral("pricingInfo")).toArray();
    if (infos.isEmpty())
        return std::nullopt;
    // The API answers the current price as the only (or last) entry.
    const QJsonArray tiers = infos.last()
                                 .toObject()
                                 .value(QStringLiteral("pricingExpression"))
                                 .toObject()
                                 .value(QStringLiteral("tieredRates"))
                                 .toArray();
    QList<std::pair<double, double>> rates; // start of the tier, USD per unit
    for (const QJsonValue& v : tiers) {
        const QJsonObject t = v.toObject();
        const QJsonObject money = t.value(QStringLiteral("unitPrice")).toObject();
        const QString currency = money.value(QStringLiteral("currencyCode")).toString();
        if (!currency.isEmpty() && currency != QLatin1String("USD"))
            return std::nullopt;
        // units is an int64 in a string; nanos an integer (same sign as units).
        bool ok = true;
        const QJsonValue unitsValue = money.value(QStringLiteral("units"));
        const double units =
            unitsValue.isString() ? unitsValue.toString().toDouble(&ok) : unitsValue.toDouble(0);
        if (!ok)
            continue;
        rates.append({t.value(QStringLiteral("startUsageAmount")).toDouble(0),
                      units + money.value(QStringLiteral("nanos")).toDouble(0) / 1e9});
    }
    std::sort(rates.begin(), rates.end());
    std::optional<double> price;
    // The rate from the first unit; a first tier at 0 is a free allowance: the next tier's.
    for (const auto& [from, value] : std::as_const(rates)) {
        if (!price || *price == 0)
            price = value;
    }
    if (!price || *price < 0 || !std::isfinite(*price))
        return std::nullopt;
    return std::round(*price * 1e9) / 1e9;
}

std::pair<QString, bool> skuKind(const QJsonObject& sku)
{
    const QJsonObject category = sku.value(QStringLiteral("category")).toObject();
    const QString usage = category.value(QStringLiteral("usageType")).toString();
    const QString description = sku.value(QStringLiteral("description")).toString().simplified();
    bool spot = false;
    if (usage == QLatin1String("Preemptible"))
        spot = true;
    else if (usage != QLatin1String("OnDemand"))
        return {}; // commitments and the rest
    if (category.value(QStringLiteral("resourceFamily")).toString() != QLatin1String("Compute"))
        return {};
    const QJsonObject expression = sku.value(QStringLiteral("pricingInfo"))
                                       .toArray()
                                       .last()
                                       .toObject()
                                       .value(QStringLiteral("pricingExpression"))
                                       .toObject();
    const QString unit = expression.value(QStringLiteral("usageUnit")).toString();
    static const QRegularExpression machine(QStringLiteral(
        "^(?:Spot )?(?:Preemptible )?(N1 Predefined|A2) Instance (Core|Ram) running in "));
    static const QRegularExpression gpu(
        QStringLiteral("^(?:Spot )?(?:Preemptible )?Nvidia Tesla (T4|P4|P100|V100|K80|A100) GPU "
                       "(?:attached to (?:Spot )?Preemptible VMs )?running in "));
    if (const QRegularExpressionMatch m = machine.match(description); m.hasMatch()) {
        const bool core = m.captured(2) == QLatin1String("Core");
        if (unit != (core ? QLatin1String("h") : QLatin1String("GiBy.h")))
            return {};
        const QString family =
            m.captured(1) == QLatin1String("A2") ? QStringLiteral("a2") : QStringLiteral("n1");
        return {family + (core ? QStringLiteral("-core") : QStringLiteral("-ram")), spot};
    }
    if (const QRegularExpressionMatch m = gpu.match(description); m.hasMatch()) {
        if (unit != QLatin1String("h"))
            return {};
        return {QStringLiteral("nvidia-tesla-") + m.captured(1).toLower(), spot};
    }
    return {};
}

BillingRates billingRatesFrom(const QJsonArray& skus, const QDateTime& at)
{
    BillingRates out;
    out.fetchedAt = at;
    for (const QJsonValue& v : skus) {
        const QJsonObject sku = v.toObject();
        const auto [what, spot] = skuKind(sku);
        if (what.isEmpty())
            continue;
        const std::optional<double> price = skuUnitPrice(sku);
        if (!price)
            continue;
        const QJsonArray regions = sku.value(QStringLiteral("serviceRegions")).toArray();
        for (const QJsonValue& r : regions) {
            const QString region = r.toString();
            if (region.isEmpty() || region == QLatin1String("global"))
                continue;
            const QString key = region + QLatin1Char('|') + what +
                                (spot ? QStringLiteral("|s") : QStringLiteral("|o"));
            // The SKU for this very region beats one covering a whole continent.
            if (out.scope.contains(key) && out.scope.value(key) <= regions.size())
                continue;
            out.scope.insert(key, int(regions.size()));
            (spot ? out.spot : out.onDemand).insert(region + QLatin1Char('|') + what, *price);
        }
    }
    return out;
}

std::optional<std::pair<double, double>>
billedPriceFor(const BillingRates& rates, const QString& planId, const QString& region)
{
    const GceOffer* o = offer(planId);
    if (!o)
        return std::nullopt;
    const QString r = regionOfZone(region);
    const QString family = QString::fromLatin1(o->machineType).section(QLatin1Char('-'), 0, 0);
    const auto total = [&](bool spot) -> std::optional<double> {
        const auto core = rates.rate(r, family + QStringLiteral("-core"), spot);
        const auto ram = rates.rate(r, family + QStringLiteral("-ram"), spot);
        const auto gpu = rates.rate(r, QString::fromLatin1(o->accelerator), spot);
        if (!core || !ram || !gpu)
            return std::nullopt;
        const double sum = o->vcpus * *core + o->ramGb * *ram + o->gpuCount * *gpu;
        return std::round(sum * 1e6) / 1e6;
    };
    const auto onDemand = total(false);
    const auto spot = total(true);
    if (!onDemand || !spot)
        return std::nullopt;
    return std::pair{*onDemand, *spot};
}

Error billingErrorFrom(const RestResponse& r)
{
    const QJsonObject e = r.json.object().value(QStringLiteral("error")).toObject();
    const QString status = e.value(QStringLiteral("status")).toString();
    const QString message = e.value(QStringLiteral("message")).toString().simplified();
    QString reason;
    for (const QJsonValue& d : e.value(QStringLiteral("details")).toArray())
        if (reason.isEmpty())
            reason = d.toObject().value(QStringLiteral("reason")).toString();
    const QString detail =
        QStringLiteral("HTTP %1 %2 %3: %4").arg(r.status).arg(status, reason, message);
    if (r.status == 429 || status == QLatin1String("RESOURCE_EXHAUSTED"))
        return makeError(ErrorCode::RateLimited,
                         QStringLiteral("Google is throttling Cloud Billing requests; try again "
                                        "in a minute."),
                         detail);
    if (reason == QLatin1String("API_KEY_INVALID") || message.contains(QLatin1String("API key")))
        return makeError(ErrorCode::Unauthorized,
                         QStringLiteral("Google does not accept the Cloud Billing API key in "
                                        "%1: check it (APIs & Services → Credentials).")
                             .arg(QString::fromLatin1(kBillingKeyVariable)),
                         detail);
    if (r.status == 403)
        return makeError(ErrorCode::Forbidden,
                         QStringLiteral("The Cloud Billing API key may not read the catalog: "
                                        "enable the Cloud Billing API in its project and allow "
                                        "the key to use it."),
                         detail);
    return makeError(
        ErrorCode::ProviderFailure,
        QStringLiteral("The Cloud Billing Catalog API answered HTTP %1.").arg(r.status), detail);
}

BillingRule billingRule()
{
    BillingRule b;
    b.granularity = BillingRule::Granularity::Second;
    b.minimumSeconds = 60;
    b.stoppedBillsCompute = false;
    b.stoppedBillsStorage = true;
    b.storageUsdPerGbMonth = kPdBalancedUsdPerGbMonth;
    return b;
}

QString regionOfZone(const QString& zone)
{
    static const QRegularExpression re(QStringLiteral("^([a-z]+-[a-z]+[0-9]+)-[a-z]$"));
    const QRegularExpressionMatch m = re.match(zone);
    return m.hasMatch() ? m.captured(1) : zone;
}

QString lastSegment(const QString& url)
{
    return url.section(QLatin1Char('/'), -1);
}

QString planIdFor(const QString& machineType, const QString& accelerator, int count)
{
    // Accelerator-optimised types carry their GPUs: the type alone names the plan.
    if (accelerator.isEmpty() || count <= 0 || machineType.startsWith(QLatin1String("a2-")) ||
        machineType.startsWith(QLatin1String("a3-")) ||
        machineType.startsWith(QLatin1String("g2-")))
        return machineType;
    return QStringLiteral("%1+%2x%3").arg(machineType).arg(count).arg(accelerator);
}

QList<Plan> plansFrom(const QJsonArray& acceleratorTypes, const QJsonArray& machineTypes,
                      const QDateTime& at, const BillingRates* billing,
                      const QString& billingProblem)
{
    const bool live = !acceleratorTypes.isEmpty();
    QHash<QString, QStringList> zonesOf; // accelerator → zones offering it
    QHash<QString, int> maxCards;
    for (const QJsonValue& v : acceleratorTypes) {
        const QJsonObject a = v.toObject();
        const QString name = a.value(QStringLiteral("name")).toString();
        const QString zone = lastSegment(a.value(QStringLiteral("zone")).toString());
        if (name.isEmpty() || zone.isEmpty() ||
            a.value(QStringLiteral("deprecated")).toObject().contains(QStringLiteral("state")))
            continue;
        if (!zonesOf[name].contains(zone))
            zonesOf[name].append(zone);
        maxCards[name] = std::max(maxCards.value(name),
                                  a.value(QStringLiteral("maximumCardsPerInstance")).toInt());
    }
    QHash<QString, QJsonObject> specs; // machine type → one of its zone entries
    QHash<QString, QStringList> typeZones;
    for (const QJsonValue& v : machineTypes) {
        const QJsonObject m = v.toObject();
        const QString name = m.value(QStringLiteral("name")).toString();
        if (name.isEmpty())
            continue;
        specs.insert(name, m);
        typeZones[name].append(lastSegment(m.value(QStringLiteral("zone")).toString()));
    }
    QList<Plan> out;
    for (const GceOffer& o : offerTable()) {
        const QString acc = QString::fromLatin1(o.accelerator);
        Plan p;
        p.provider = QStringLiteral("gce");
        p.id = QString::fromLatin1(o.planId);
        p.gpuModel = QString::fromLatin1(o.gpuModel);
        p.gpuCount = o.gpuCount;
        p.vramGb = o.vramGb;
        p.vcpus = o.vcpus;
        p.ramGb = o.ramGb;
        p.diskGb = kDefaultDiskGb;
        const QString type = QString::fromLatin1(o.machineType);
        if (specs.contains(type)) {
            const QJsonObject m = specs.value(type);
            p.vcpus = m.value(QStringLiteral("guestCpus")).toInt(p.vcpus);
            p.ramGb = std::round(m.value(QStringLiteral("memoryMb")).toDouble(p.ramGb * 1024) /
                                 1024.0 * 100) /
                      100;
        }
        QStringList zones = live ? zonesOf.value(acc) : tableZones(acc);
        if (live && !machineTypes.isEmpty()) {
            // A zone must have both the GPU and the machine type.
            const QStringList withType = typeZones.value(type);
            zones.erase(
                std::remove_if(zones.begin(), zones.end(),
                               [&withType](const QString& z) { return !withType.contains(z); }),
                zones.end());
        }
        std::sort(zones.begin(), zones.end());
        p.regions = zones;
        if (live)
            p.regionsAvailable = zones;
        p.available = !zones.isEmpty() && (!live || maxCards.value(acc) >= o.gpuCount);
        // Priced in the first region with a price, us-central1 first (every GPU is there): the
        // SKUs' price where they have all of it, else the table's.
        QStringList priceRegions{QStringLiteral("us-central1")};
        for (const QString& z : std::as_const(zones))
            if (!priceRegions.contains(regionOfZone(z)))
                priceRegions << regionOfZone(z);
        std::optional<double> price, spot;
        QString billedIn;
        for (const QString& r : std::as_const(priceRegions)) {
            if (billing) {
                if (const auto billed = billedPriceFor(*billing, p.id, r)) {
                    price = billed->first;
                    spot = billed->second;
                    billedIn = r;
                    break;
                }
            }
            if ((price = priceFor(p.id, r, false))) {
                spot = priceFor(p.id, r, true);
                break;
            }
        }
        p.onDemandHourly = price.value_or(0);
        p.spotHourly = spot;
        p.name = o.gpuCount > 1 || !type.startsWith(QLatin1String("a2-"))
                     ? QStringLiteral("%1x %2 (%3)").arg(o.gpuCount).arg(p.gpuModel, type)
                     : QStringLiteral("1x %1 (%2)").arg(p.gpuModel, type);
        p.billing = billingRule();
        if (!billedIn.isEmpty()) {
            p.fetchedAt = billing->fetchedAt;
            p.note = QStringLiteral("Google Compute Engine list price in %1 from the Cloud Billing "
                                    "Catalog API (fetched %2).")
                         .arg(billedIn, billing->fetchedAt.toString(Qt::ISODate));
        } else {
            p.fetchedAt = at;
            p.note =
                QStringLiteral("Google Compute Engine list price from GPUDeck's bundled table (%1, "
                               "us-central1 unless the plan is not offered there); Google does not "
                               "tell prices through the Compute API.")
                    .arg(QString::fromLatin1(kGcePriceTableDate));
            if (billing)
                p.note += QStringLiteral(" The Cloud Billing Catalog API has no price for all "
                                         "of this plan's parts.");
            else if (!billingProblem.isEmpty())
                p.note += QStringLiteral(" The Cloud Billing Catalog API could not be read: %1")
                              .arg(billingProblem);
        }
        out.append(p);
    }
    return out;
}

QList<Region> zonesFrom(const QJsonArray& acceleratorTypes)
{
    QSet<QString> wanted;
    for (const GceOffer& o : offerTable())
        wanted.insert(QString::fromLatin1(o.accelerator));
    QStringList zones;
    for (const QJsonValue& v : acceleratorTypes) {
        const QJsonObject a = v.toObject();
        const QString zone = lastSegment(a.value(QStringLiteral("zone")).toString());
        if (!zone.isEmpty() && wanted.contains(a.value(QStringLiteral("name")).toString()) &&
            !zones.contains(zone))
            zones.append(zone);
    }
    std::sort(zones.begin(), zones.end());
    QList<Region> out;
    for (const QString& z : std::as_const(zones)) {
        const QString where = regionName(regionOfZone(z));
        out.append({z, where.isEmpty() ? z : QStringLiteral("%1 (%2)").arg(z, where)});
    }
    return out;
}

QList<Image> imagesFrom(const QJsonArray& images)
{
    struct Row {
        Image image;
        bool dl = false;
        QString created;
    };
    QList<Row> rows;
    for (const QJsonValue& v : images) {
        const QJsonObject o = v.toObject();
        const QString state = o.value(QStringLiteral("deprecated"))
                                  .toObject()
                                  .value(QStringLiteral("state"))
                                  .toString();
        const QString name = o.value(QStringLiteral("name")).toString();
        if (name.isEmpty() || (!state.isEmpty() && state != QLatin1String("ACTIVE")))
            continue;
        // selfLink: https://…/compute/v1/projects/<project>/global/images/<name>
        const QString link = o.value(QStringLiteral("selfLink")).toString();
        const int at = link.indexOf(QLatin1String("projects/"));
        const QString project =
            at >= 0 ? link.mid(at + 9).section(QLatin1Char('/'), 0, 0) : QString();
        Row r;
        r.dl = project == QLatin1String(kDlImageProject);
        r.created = o.value(QStringLiteral("creationTimestamp")).toString();
        r.image.id = project.isEmpty()
                         ? name
                         : QStringLiteral("projects/%1/global/images/%2").arg(project, name);
        const QString family = o.value(QStringLiteral("family")).toString();
        const QString description = o.value(QStringLiteral("description")).toString().simplified();
        r.image.name = description.isEmpty() ? name : description;
        if (!family.isEmpty())
            r.image.name += QStringLiteral(" [%1]").arg(family);
        r.image.cudaReady =
            r.dl && (family.contains(QLatin1String("cu")) ||
                     family.contains(QLatin1String("gpu")) || name.contains(QLatin1String("cu")));
        rows.append(r);
    }
    std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
        if (a.dl != b.dl)
            return a.dl;
        if (a.image.cudaReady != b.image.cudaReady)
            return a.image.cudaReady;
        // RFC 3339 with the same offset compares as text; Google writes -07:00 throughout.
        return a.created > b.created;
    });
    QList<Image> out;
    for (const Row& r : std::as_const(rows))
        out.append(r.image);
    return out;
}

QJsonArray flattenAggregated(const QJsonObject& page, const QString& key)
{
    QJsonArray out;
    const QJsonObject items = page.value(QStringLiteral("items")).toObject();
    for (auto it = items.begin(); it != items.end(); ++it)
        for (const QJsonValue& v : it.value().toObject().value(key).toArray())
            out.append(v);
    return out;
}

RestRequest nextPage(const QJsonObject& page, const RestRequest& current)
{
    const QString token = page.value(QStringLiteral("nextPageToken")).toString();
    if (token.isEmpty())
        return {};
    RestRequest next = current;
    next.query.removeAllQueryItems(QStringLiteral("pageToken"));
    next.query.addQueryItem(QStringLiteral("pageToken"), token);
    return next;
}

InstanceStatus statusFrom(const QString& s)
{
    if (s == QLatin1String("PROVISIONING"))
        return InstanceStatus::Provisioning;
    if (s == QLatin1String("STAGING"))
        return InstanceStatus::Booting;
    if (s == QLatin1String("RUNNING"))
        return InstanceStatus::Running;
    if (s == QLatin1String("STOPPING") || s == QLatin1String("SUSPENDING"))
        return InstanceStatus::Stopping;
    // TERMINATED is GCE's word for a stopped VM: it still exists and keeps its disks.
    if (s == QLatin1String("TERMINATED") || s == QLatin1String("SUSPENDED") ||
        s == QLatin1String("STOPPED"))
        return InstanceStatus::Stopped;
    if (s == QLatin1String("REPAIRING"))
        return InstanceStatus::Booting;
    return InstanceStatus::Error;
}

Instance instanceFrom(const QJsonObject& o)
{
    Instance i;
    i.provider = QStringLiteral("gce");
    const QString zone = lastSegment(o.value(QStringLiteral("zone")).toString());
    i.name = o.value(QStringLiteral("name")).toString();
    i.id = zone.isEmpty() ? i.name : zone + QLatin1Char('/') + i.name;
    i.region = zone;
    const QString status = o.value(QStringLiteral("status")).toString();
    i.status = statusFrom(status);
    i.statusDetail = o.value(QStringLiteral("statusMessage")).toString();
    if (i.statusDetail.isEmpty())
        i.statusDetail = status;
    const QString type = lastSegment(o.value(QStringLiteral("machineType")).toString());
    const QJsonArray accs = o.value(QStringLiteral("guestAccelerators")).toArray();
    QString acc;
    int count = 0;
    if (!accs.isEmpty()) {
        const QJsonObject a = accs.first().toObject();
        acc = lastSegment(a.value(QStringLiteral("acceleratorType")).toString());
        count = a.value(QStringLiteral("acceleratorCount")).toInt();
    }
    i.planId = planIdFor(type, acc, count);
    i.gpuCount = count;
    if (const GceOffer* off = offer(i.planId)) {
        i.gpuModel = QString::fromLatin1(off->gpuModel);
        i.gpuCount = off->gpuCount;
    } else if (!acc.isEmpty()) {
        i.gpuModel = acc;
    }
    const QJsonObject sched = o.value(QStringLiteral("scheduling")).toObject();
    const bool spot =
        sched.value(QStringLiteral("provisioningModel")).toString() == QLatin1String("SPOT") ||
        sched.value(QStringLiteral("preemptible")).toBool();
    i.priceHourly = priceFor(i.planId, zone, spot).value_or(0);
    for (const QJsonValue& v : o.value(QStringLiteral("networkInterfaces")).toArray()) {
        for (const QJsonValue& ac : v.toObject().value(QStringLiteral("accessConfigs")).toArray()) {
            const QString ip = ac.toObject().value(QStringLiteral("natIP")).toString();
            if (!ip.isEmpty() && i.host.isEmpty())
                i.host = ip;
        }
    }
    for (const QJsonValue& v : o.value(QStringLiteral("disks")).toArray()) {
        const QJsonValue size = v.toObject().value(QStringLiteral("diskSizeGb"));
        // int64 fields travel as strings in Google's JSON.
        i.diskGb += size.isString() ? size.toString().toDouble() : size.toDouble();
    }
    i.sshPort = 22;
    i.user = QString::fromLatin1(kLoginUser);
    i.billing = billingRule();
    i.createdAt = QDateTime::fromString(o.value(QStringLiteral("creationTimestamp")).toString(),
                                        Qt::ISODateWithMs);
    i.startedAt = QDateTime::fromString(o.value(QStringLiteral("lastStartTimestamp")).toString(),
                                        Qt::ISODateWithMs);
    if (!i.startedAt.isValid())
        i.startedAt = i.createdAt;
    return i;
}

std::pair<QString, QString> splitId(const QString& id)
{
    const int slash = id.lastIndexOf(QLatin1Char('/'));
    if (slash < 0)
        return {QString(), id};
    return {id.left(slash).section(QLatin1Char('/'), -1), id.mid(slash + 1)};
}

QString tokenLabel(const QString& clientToken)
{
    QString v = clientToken.toLower();
    static const QRegularExpression bad(QStringLiteral("[^a-z0-9_-]"));
    v.replace(bad, QStringLiteral("-"));
    return v.left(63);
}

QString instanceName(const QString& name, const QString& clientToken)
{
    QString base = name.toLower();
    static const QRegularExpression bad(QStringLiteral("[^a-z0-9-]+"));
    base.replace(bad, QStringLiteral("-"));
    static const QRegularExpression dashes(QStringLiteral("-+"));
    base.replace(dashes, QStringLiteral("-"));
    while (base.startsWith(QLatin1Char('-')) || (!base.isEmpty() && base.at(0).isDigit()))
        base.remove(0, 1);
    if (base.isEmpty())
        base = QStringLiteral("gpudeck");
    const QString suffix = QString::fromLatin1(
        QCryptographicHash::hash(clientToken.toUtf8(), QCryptographicHash::Sha256).toHex().left(6));
    base = base.left(63 - 7);
    while (base.endsWith(QLatin1Char('-')))
        base.chop(1);
    return base + QLatin1Char('-') + suffix;
}

QString requestIdFor(const QString& clientToken)
{
    const QUuid direct = QUuid::fromString(clientToken);
    if (!direct.isNull())
        return direct.toString(QUuid::WithoutBraces);
    static const QUuid ns =
        QUuid::fromString(QStringLiteral("6f0c3e9a-5a43-4c0e-9c55-6770646563b1"));
    return QUuid::createUuidV5(ns, clientToken).toString(QUuid::WithoutBraces);
}

QString startupScript()
{
    return QStringLiteral(
        "#!/bin/sh\n"
        "# GPUDeck: a fixed line on the serial console at every boot (no user data here).\n"
        "gpus=$(nvidia-smi -L 2>/dev/null | wc -l)\n"
        "echo \"gpudeck: booted; GPUs visible: ${gpus:-0}\" > /dev/ttyS0 2>/dev/null || true\n");
}

Result<QJsonObject> insertBody(const InsertSpec& s)
{
    const GceOffer* o = offer(s.planId);
    if (!o)
        return makeError(ErrorCode::InvalidInput,
                         QStringLiteral("GPUDeck does not know the GCE plan \"%1\". Pick a plan "
                                        "from the catalog.")
                             .arg(s.planId));
    if (s.zone.isEmpty() || regionOfZone(s.zone) == s.zone)
        return makeError(ErrorCode::InvalidInput,
                         QStringLiteral("GCE launches in a zone (e.g. us-central1-a), not \"%1\". "
                                        "Pick a zone from the catalog.")
                             .arg(s.zone));
    QStringList keys;
    for (const QString& k : s.publicKeys)
        keys << QString::fromLatin1(kLoginUser) + QLatin1Char(':') + k.trimmed();
    QJsonObject scheduling{{QStringLiteral("onHostMaintenance"), QStringLiteral("TERMINATE")},
                           {QStringLiteral("automaticRestart"), !s.spot}};
    if (s.spot) {
        scheduling.insert(QStringLiteral("provisioningModel"), QStringLiteral("SPOT"));
        // Taken back → stopped, not deleted: the disk and its work stay (and keep billing).
        scheduling.insert(QStringLiteral("instanceTerminationAction"), QStringLiteral("STOP"));
    } else {
        scheduling.insert(QStringLiteral("provisioningModel"), QStringLiteral("STANDARD"));
    }
    const int disk = s.diskGb > 0 ? int(std::ceil(s.diskGb)) : kDefaultDiskGb;
    QJsonObject body{
        {QStringLiteral("name"), s.name},
        {QStringLiteral("machineType"), QStringLiteral("zones/%1/machineTypes/%2")
                                            .arg(s.zone, QString::fromLatin1(o->machineType))},
        {QStringLiteral("scheduling"), scheduling},
        {QStringLiteral("disks"),
         QJsonArray{QJsonObject{
             {QStringLiteral("boot"), true},
             {QStringLiteral("autoDelete"), true},
             {QStringLiteral("initializeParams"),
              QJsonObject{{QStringLiteral("sourceImage"), s.image},
                          {QStringLiteral("diskSizeGb"), QString::number(disk)},
                          {QStringLiteral("diskType"),
                           QStringLiteral("zones/%1/diskTypes/pd-balanced").arg(s.zone)}}}}}},
        {QStringLiteral("networkInterfaces"),
         QJsonArray{QJsonObject{
             {QStringLiteral("network"), QStringLiteral("global/networks/default")},
             {QStringLiteral("accessConfigs"),
              QJsonArray{QJsonObject{{QStringLiteral("type"), QStringLiteral("ONE_TO_ONE_NAT")},
                                     {QStringLiteral("name"), QStringLiteral("External NAT")}}}}}}},
        {QStringLiteral("metadata"),
         QJsonObject{{QStringLiteral("items"),
                      kv({{QStringLiteral("ssh-keys"), keys.join(QLatin1Char('\n'))},
                          {QStringLiteral("startup-script"), startupScript()},
                          // Deep Learning VM images install the NVIDIA driver at first boot.
                          {QStringLiteral("install-nvidia-driver"), QStringLiteral("True")}})}}},
        {QStringLiteral("tags"),
         QJsonObject{{QStringLiteral("items"), QJsonArray{QString::fromLatin1(kSshTag)}}}},
        {QStringLiteral("labels"), QJsonObject{{QStringLiteral("gpudeck"), QStringLiteral("1")},
                                               {kTokenLabelKey, tokenLabel(s.clientToken)}}}};
    if (!QString::fromLatin1(o->machineType).startsWith(QLatin1String("a2-")))
        body.insert(QStringLiteral("guestAccelerators"),
                    QJsonArray{QJsonObject{{QStringLiteral("acceleratorType"),
                                            QStringLiteral("zones/%1/acceleratorTypes/%2")
                                                .arg(s.zone, QString::fromLatin1(o->accelerator))},
                                           {QStringLiteral("acceleratorCount"), o->gpuCount}}});
    return body;
}

bool operationDone(const QJsonObject& operation)
{
    return operation.value(QStringLiteral("status")).toString() == QLatin1String("DONE");
}

std::optional<Error> operationError(const QJsonObject& op)
{
    const QJsonArray errors =
        op.value(QStringLiteral("error")).toObject().value(QStringLiteral("errors")).toArray();
    if (errors.isEmpty())
        return std::nullopt;
    const QJsonObject first = errors.first().toObject();
    const QString code = first.value(QStringLiteral("code")).toString();
    const QString message = first.value(QStringLiteral("message")).toString().simplified();
    const QString detail = QStringLiteral("operation %1: %2 %3")
                               .arg(op.value(QStringLiteral("name")).toString(), code, message);
    if (code.startsWith(QLatin1String("ZONE_RESOURCE_POOL_EXHAUSTED")) ||
        code == QLatin1String("RESOURCE_POOL_EXHAUSTED"))
        return capacityError(detail);
    if (code == QLatin1String("QUOTA_EXCEEDED"))
        return quotaError(detail);
    if (code == QLatin1String("RESOURCE_ALREADY_EXISTS") || code == QLatin1String("ALREADY_EXISTS"))
        return makeError(ErrorCode::Conflict,
                         QStringLiteral("A VM with this name already exists in the zone. Launch "
                                        "again with another name."),
                         detail);
    if (code == QLatin1String("RESOURCE_NOT_FOUND"))
        return makeError(
            ErrorCode::NotFound,
            QStringLiteral("Google did not find something the request names: %1").arg(message),
            detail);
    return makeError(ErrorCode::ProviderFailure,
                     QStringLiteral("Google Compute Engine could not do it: %1").arg(message),
                     detail);
}

bool isThrottled(const RestResponse& r)
{
    if (r.status != 403 && r.status != 429)
        return false;
    const QString reason = reasonOf(r.json.object().value(QStringLiteral("error")).toObject());
    return reason == QLatin1String("rateLimitExceeded") ||
           reason == QLatin1String("userRateLimitExceeded");
}

Error errorFrom(const RestResponse& r)
{
    const QJsonObject e = r.json.object().value(QStringLiteral("error")).toObject();
    const QString reason = reasonOf(e);
    const QString message = e.value(QStringLiteral("message")).toString().simplified();
    const QString detail = QStringLiteral("HTTP %1 %2 %3: %4")
                               .arg(r.status)
                               .arg(e.value(QStringLiteral("status")).toString(), reason, message);
    const auto err = [&detail](ErrorCode c, const QString& m) { return makeError(c, m, detail); };
    if (r.status == 429 || reason == QLatin1String("rateLimitExceeded") ||
        reason == QLatin1String("userRateLimitExceeded"))
        return err(ErrorCode::RateLimited,
                   QStringLiteral("Google is throttling this project's Compute Engine requests. "
                                  "GPUDeck backed off and retried; wait a minute and try again."));
    if (message.contains(QLatin1String("ZONE_RESOURCE_POOL_EXHAUSTED")) ||
        reason == QLatin1String("resourcePoolExhausted") ||
        reason == QLatin1String("ZONE_RESOURCE_POOL_EXHAUSTED"))
        return capacityError(detail);
    if (reason == QLatin1String("quotaExceeded") || reason == QLatin1String("QUOTA_EXCEEDED") ||
        message.contains(QLatin1String("QUOTA_EXCEEDED")))
        return quotaError(detail);
    if (r.status == 401)
        return err(ErrorCode::Unauthorized,
                   QStringLiteral("Google refused GPUDeck's access token. Check the "
                                  "service-account key in Settings → Accounts (or "
                                  "GOOGLE_APPLICATION_CREDENTIALS): it may be deleted or "
                                  "disabled."));
    if (r.status == 403) {
        if (reason == QLatin1String("accessNotConfigured") ||
            message.contains(QLatin1String("has not been used")) ||
            message.contains(QLatin1String("is disabled")))
            return err(ErrorCode::Forbidden,
                       QStringLiteral("The Compute Engine API is not enabled in this Google "
                                      "Cloud project. Enable it (APIs & Services → Compute "
                                      "Engine API) and try again."));
        return err(ErrorCode::Forbidden,
                   QStringLiteral("The service account is not allowed to do this. Give it the "
                                  "Compute Instance Admin (v1) role (and Compute Security Admin "
                                  "for the SSH firewall rule) in IAM & Admin."));
    }
    if (r.status == 404)
        return err(ErrorCode::NotFound,
                   QStringLiteral("Google Compute Engine does not know this (any more): %1")
                       .arg(message.isEmpty() ? QStringLiteral("not found") : message));
    if (r.status == 409 || reason == QLatin1String("alreadyExists"))
        return err(ErrorCode::Conflict,
                   QStringLiteral("It already exists in Google Compute Engine: %1").arg(message));
    if (r.status == 400 || r.status == 412)
        return err(ErrorCode::InvalidInput,
                   QStringLiteral("Google Compute Engine refused the request: %1")
                       .arg(message.isEmpty() ? QStringLiteral("invalid") : message));
    if (r.status >= 500)
        return err(ErrorCode::ProviderFailure,
                   QStringLiteral("Google Compute Engine had a problem on its side (HTTP %1). "
                                  "Try again in a few minutes.")
                       .arg(r.status));
    return err(ErrorCode::ProviderFailure,
               QStringLiteral("Google Compute Engine answered with HTTP %1: %2")
                   .arg(r.status)
                   .arg(message));
}

} // namespace gpudeck::gce
