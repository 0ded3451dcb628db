#include "ec2api.h"

#include <QCryptographicHash>

#include <algorithm>

namespace gpudeck::aws {

const QList<Ec2TypeInfo>& gpuTypeTable()
{
    static const QList<Ec2TypeInfo> table = {
        {"g4dn.xlarge", "NVIDIA T4", 1, 16, 4, 16, 0.526},
        {"g4dn.2xlarge", "NVIDIA T4", 1, 16, 8, 32, 0.752},
        {"g4dn.4xlarge", "NVIDIA T4", 1, 16, 16, 64, 1.204},
        {"g4dn.12xlarge", "NVIDIA T4", 4, 16, 48, 192, 3.912},
        {"g3s.xlarge", "NVIDIA M60", 1, 8, 4, 30.5, 0.75},
        {"p2.xlarge", "NVIDIA K80", 1, 12, 4, 61, 0.9},
        {"p3.2xlarge", "NVIDIA V100", 1, 16, 8, 61, 3.06},
        {"p3.8xlarge", "NVIDIA V100", 4, 16, 32, 244, 12.24},
        {"p3.16xlarge", "NVIDIA V100", 8, 16, 64, 488, 24.48},
        {"p4d.24xlarge", "NVIDIA A100", 8, 40, 96, 1152, 32.7726},
    };
    return table;
}

BillingRule billingRule()
{
    BillingRule b;
    b.granularity = BillingRule::Granularity::Second;
    b.minimumSeconds = 60;
    b.stoppedBillsCompute = false;
    b.stoppedBillsStorage = true;
    b.storageUsdPerGbMonth = kEbsGp3UsdPerGbMonth;
    return b;
}

QByteArray queryBody(const QString& action, const QUrlQuery& params)
{
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("Action"), action);
    q.addQueryItem(QStringLiteral("Version"), QString::fromLatin1(kEc2ApiVersion));
    for (const auto& [k, v] : params.queryItems(QUrl::FullyDecoded))
        q.addQueryItem(k, v);
    // Form encoding with every reserved character escaped ('+' in a key would be a space).
    QList<QByteArray> parts;
    for (const auto& [k, v] : q.queryItems(QUrl::FullyDecoded))
        parts.append(k.toUtf8().toPercentEncoding() + '=' + v.toUtf8().toPercentEncoding());
    return parts.join('&');
}

QString errorCode(const QByteArray& body)
{
    const Result<XmlNode> x = XmlNode::parse(body);
    if (!x.ok())
        return {};
    return x.value().find(QStringLiteral("Error")).at(QStringLiteral("Code"));
}

bool isThrottled(const RestResponse& r)
{
    if (r.status != 503 && r.status != 400)
        return false;
    const QString code = errorCode(r.body);
    return code == QLatin1String("RequestLimitExceeded") || code == QLatin1String("Throttling") ||
           code == QLatin1String("ThrottlingException");
}

Error errorFrom(const RestResponse& r)
{
    const Result<XmlNode> x = XmlNode::parse(r.body);
    QString code, message;
    if (x.ok()) {
        const XmlNode& e = x.value().find(QStringLiteral("Error"));
        code = e.at(QStringLiteral("Code"));
        message = e.at(QStringLiteral("Message")).simplified();
    }
    const QString detail = QStringLiteral("HTTP %1 %2: %3").arg(r.status).arg(code, message);
    const auto err = [&](ErrorCode c, const QString& m) { return makeError(c, m, detail); };
    if (code == QLatin1String("RequestLimitExceeded") || code == QLatin1String("Throttling"))
        return err(ErrorCode::RateLimited,
                   QStringLiteral("AWS is throttling this account's EC2 requests. GPUDeck backed "
                                  "off and retried; wait a minute and try again."));
    if (code == QLatin1String("InsufficientInstanceCapacity") ||
        code == QLatin1String("InsufficientCapacity") ||
        code == QLatin1String("InsufficientHostCapacity") ||
        code == QLatin1String("SpotMaxPriceTooLow") ||
        code == QLatin1String("InsufficientFreeAddressesInSubnet"))
        return err(ErrorCode::NoCapacity,
                   QStringLiteral("AWS has no capacity for this instance type here right now. "
                                  "Try another availability zone or region, another GPU type, "
                                  "or on-demand instead of spot."));
    if (code == QLatin1String("UnauthorizedOperation") || code == QLatin1String("AccessDenied") ||
        code == QLatin1String("OptInRequired"))
        return err(ErrorCode::Forbidden,
                   QStringLiteral("These AWS credentials are not allowed to do this. Give the "
                                  "IAM user the EC2 permissions GPUDeck needs (describe, import "
                                  "key pair, security groups, run/stop/start/terminate)."));
    if (code == QLatin1String("AuthFailure") || code == QLatin1String("SignatureDoesNotMatch") ||
        code == QLatin1String("InvalidClientTokenId") ||
        code == QLatin1String("IncompleteSignature") || r.status == 401)
        return err(ErrorCode::Unauthorized,
                   QStringLiteral("AWS refused the credentials: the access key is wrong, "
                                  "inactive or its secret does not match. Check them in "
                                  "Settings → Accounts (or AWS_ACCESS_KEY_ID / "
                                  "AWS_SECRET_ACCESS_KEY, ~/.aws/credentials). A wrong "
                                  "computer clock also breaks signatures."));
    if (code == QLatin1String("VcpuLimitExceeded") ||
        code == QLatin1String("InstanceLimitExceeded") ||
        code == QLatin1String("MaxSpotInstanceCountExceeded"))
        return err(ErrorCode::Conflict,
                   QStringLiteral("Your AWS account's quota for this instance family is used "
                                  "up. Ask AWS for a higher vCPU limit (Service Quotas) or use a "
                                  "smaller type."));
    if (code == QLatin1String("InvalidKeyPair.Duplicate"))
        return err(ErrorCode::Conflict,
                   QStringLiteral("A key pair with GPUDeck's name already exists in this region."));
    if (code == QLatin1String("IdempotentParameterMismatch"))
        return err(ErrorCode::Conflict,
                   QStringLiteral("AWS saw this launch before with other settings; nothing new "
                                  "was created. Start the launch again from the dialog."));
    if (code.startsWith(QLatin1String("InvalidInstanceID")))
        return err(ErrorCode::NotFound,
                   QStringLiteral("AWS does not know this instance (any more)."));
    if (code == QLatin1String("IncorrectInstanceState") ||
        code == QLatin1String("IncorrectState") || code == QLatin1String("UnsupportedOperation"))
        return err(ErrorCode::Conflict,
                   QStringLiteral("The instance cannot do that in its current state (spot "
                                  "instances cannot be stopped). Wait for it to settle and try "
                                  "again.") +
                       (message.isEmpty() ? QString() : QStringLiteral(" AWS: ") + message));
    if (code.startsWith(QLatin1String("Invalid")) || code.startsWith(QLatin1String("Missing")))
        return err(
            ErrorCode::InvalidInput,
            QStringLiteral("AWS refused the request: %1").arg(message.isEmpty() ? code : message));
    Error e = RestClient::defaultError(QStringLiteral("AWS"), r);
    e.detail = detail;
    return e;
}

QList<Plan> plansFrom(const XmlNode& root, const QString& region,
                      const QHash<QString, double>& spot, const QDateTime& at)
{
    QHash<QString, double> prices;
    for (const Ec2TypeInfo& t : gpuTypeTable())
        prices.insert(QString::fromLatin1(t.type), t.usdPerHour);
    QList<Plan> plans;
    for (const XmlNode& item : root.items(QStringLiteral("instanceTypeSet"))) {
        const XmlNode& gpuInfo = item.child(QStringLiteral("gpuInfo"));
        const QList<XmlNode> gpus = gpuInfo.items(QStringLiteral("gpus"));
        if (gpus.isEmpty())
            continue;
        Plan p;
        p.provider = QStringLiteral("aws");
        p.id = item.at(QStringLiteral("instanceType"));
        const XmlNode& g = gpus.first();
        p.gpuModel = QString(g.at(QStringLiteral("manufacturer")) + QLatin1Char(' ') +
                             g.at(QStringLiteral("name")))
                         .trimmed();
        for (const XmlNode& gi : gpus)
            p.gpuCount += gi.at(QStringLiteral("count")).toInt();
        p.vramGb = g.at(QStringLiteral("memoryInfo/sizeInMiB")).toDouble() / 1024.0;
        p.vcpus = item.at(QStringLiteral("vCpuInfo/defaultVCpus")).toInt();
        p.ramGb = item.at(QStringLiteral("memoryInfo/sizeInMiB")).toDouble() / 1024.0;
        p.regions = {region};
        p.onDemandHourly = prices.value(p.id, 0.0);
        if (spot.contains(p.id))
            p.spotHourly = spot.value(p.id);
        // A type with no price in the table is listed but cannot be launched blind.
        p.available = p.onDemandHourly > 0;
        p.fetchedAt = at;
        p.billing = billingRule();
        p.name = QStringLiteral("%1 — %2x %3").arg(p.id).arg(p.gpuCount).arg(p.gpuModel);
        plans.append(p);
    }
    std::sort(plans.begin(), plans.end(),
              [](const Plan& a, const Plan& b) { return a.onDemandHourly < b.onDemandHourly; });
    return plans;
}

QList<Plan> plansFromTable(const QString& region, const QDateTime& at)
{
    QList<Plan> plans;
    for (const Ec2TypeInfo& t : gpuTypeTable()) {
        Plan p;
        p.provider = QStringLiteral("aws");
        p.id = QString::fromLatin1(t.type);
        p.gpuModel = QString::fromLatin1(t.gpuModel);
        p.gpuCount = t.gpuCount;
        p.vramGb = t.vramGb;
        p.vcpus = t.vcpus;
        p.ramGb = t.ramGb;
        p.regions = {region};
        p.onDemandHourly = t.usdPerHour;
        p.fetchedAt = at;
        p.billing = billingRule();
        p.name = QStringLiteral("%1 — %2x %3").arg(p.id).arg(p.gpuCount).arg(p.gpuModel);
        plans.append(p);
    }
    return plans;
}

QHash<QString, double> spotPricesFrom(const XmlNode& history)
{
    struct Seen {
        QDateTime at;
        double price;
    };
    QHash<QString, QHash<QString, Seen>> newestPerZone;
    for (const XmlNode& item : history.items(QStringLiteral("spotPriceHistorySet"))) {
        if (!item.at(QStringLiteral("productDescription")).startsWith(QLatin1String("Linux/UNIX")))
            continue;
        const QString type = item.at(QStringLiteral("instanceType"));
        const QString zone = item.at(QStringLiteral("availabilityZone"));
        const QDateTime at =
            QDateTime::fromString(item.at(QStringLiteral("timestamp")), Qt::ISODateWithMs);
        const double price = item.at(QStringLiteral("spotPrice")).toDouble();
        auto& zones = newestPerZone[type];
        if (!zones.contains(zone) || zones.value(zone).at < at)
            zones.insert(zone, {at, price});
    }
    QHash<QString, double> out;
    for (auto it = newestPerZone.cbegin(); it != newestPerZone.cend(); ++it) {
        double lowest = -1;
        for (const Seen& s : it.value())
            if (lowest < 0 || s.price < lowest)
                lowest = s.price;
        out.insert(it.key(), lowest);
    }
    return out;
}

QList<Image> imagesFrom(const XmlNode& root)
{
    struct Candidate {
        Image image;
        QDateTime created;
    };
    QList<Candidate> all;
    for (const XmlNode& item : root.items(QStringLiteral("imagesSet"))) {
        if (item.at(QStringLiteral("imageState")) != QLatin1String("available"))
            continue;
        Candidate c;
        c.image.id = item.at(QStringLiteral("imageId"));
        c.image.name = item.at(QStringLiteral("name"));
        c.image.cudaReady = c.image.name.contains(QLatin1String("Deep Learning"));
        c.created =
            QDateTime::fromString(item.at(QStringLiteral("creationDate")), Qt::ISODateWithMs);
        all.append(c);
    }
    std::stable_sort(all.begin(), all.end(), [](const Candidate& a, const Candidate& b) {
        if (a.image.cudaReady != b.image.cudaReady)
            return a.image.cudaReady;
        return a.created > b.created;
    });
    QList<Image> out;
    for (const Candidate& c : all)
        out.append(c.image);
    return out;
}

QList<Region> regionsFrom(const XmlNode& root)
{
    QList<Region> out;
    for (const XmlNode& item : root.items(QStringLiteral("regionInfo")))
        out.append({item.at(QStringLiteral("regionName")), item.at(QStringLiteral("regionName"))});
    return out;
}

InstanceStatus statusFrom(const QString& s)
{
    if (s == QLatin1String("pending"))
        return InstanceStatus::Provisioning;
    if (s == QLatin1String("running"))
        return InstanceStatus::Running;
    if (s == QLatin1String("stopping"))
        return InstanceStatus::Stopping;
    if (s == QLatin1String("stopped"))
        return InstanceStatus::Stopped;
    if (s == QLatin1String("shutting-down"))
        return InstanceStatus::Destroying;
    if (s == QLatin1String("terminated"))
        return InstanceStatus::Destroyed;
    return InstanceStatus::Error;
}

Instance instanceFrom(const XmlNode& item, const QString& region, const QHash<QString, Plan>& plans)
{
    Instance i;
    i.provider = QStringLiteral("aws");
    i.id = region + QLatin1Char('/') + item.at(QStringLiteral("instanceId"));
    i.planId = item.at(QStringLiteral("instanceType"));
    i.region = region;
    i.status = statusFrom(item.at(QStringLiteral("instanceState/name")));
    i.statusDetail = item.at(QStringLiteral("stateReason/message"));
    if (i.statusDetail.isEmpty())
        i.statusDetail = item.at(QStringLiteral("reason"));
    i.host = item.at(QStringLiteral("ipAddress"));
    for (const XmlNode& tag : item.items(QStringLiteral("tagSet")))
        if (tag.at(QStringLiteral("key")) == QLatin1String("Name"))
            i.name = tag.at(QStringLiteral("value"));
    if (i.name.isEmpty())
        i.name = item.at(QStringLiteral("instanceId"));
    i.createdAt = QDateTime::fromString(item.at(QStringLiteral("launchTime")), Qt::ISODateWithMs);
    if (i.status == InstanceStatus::Running)
        i.startedAt = i.createdAt;
    const Plan plan = plans.value(i.planId);
    const bool spot = item.at(QStringLiteral("instanceLifecycle")) == QLatin1String("spot");
    i.priceHourly = spot && plan.spotHourly ? *plan.spotHourly : plan.onDemandHourly;
    i.gpuCount = plan.gpuCount;
    i.gpuModel = plan.gpuModel;
    i.billing = billingRule();
    // Deep-learning and Ubuntu AMIs log in as ubuntu; Amazon Linux images as ec2-user.
    i.user = QStringLiteral("ubuntu");
    return i;
}

QHash<QString, double> volumeSizesFrom(const XmlNode& root)
{
    QHash<QString, double> gb;
    for (const XmlNode& volume : root.items(QStringLiteral("volumeSet"))) {
        const double size = volume.at(QStringLiteral("size")).toDouble();
        for (const XmlNode& a : volume.items(QStringLiteral("attachmentSet")))
            gb[a.at(QStringLiteral("instanceId"))] += size;
    }
    return gb;
}

QList<Instance> instancesFrom(const XmlNode& root, const QString& region,
                              const QHash<QString, Plan>& plans)
{
    QList<Instance> out;
    for (const XmlNode& reservation : root.items(QStringLiteral("reservationSet")))
        for (const XmlNode& item : reservation.items(QStringLiteral("instancesSet")))
            out.append(instanceFrom(item, region, plans));
    // RunInstances answers with instancesSet at the top.
    for (const XmlNode& item : root.items(QStringLiteral("instancesSet")))
        out.append(instanceFrom(item, region, plans));
    return out;
}

std::pair<QString, QString> splitId(const QString& id, const QString& fallbackRegion)
{
    const qsizetype slash = id.indexOf(QLatin1Char('/'));
    if (slash < 0)
        return {fallbackRegion, id};
    return {id.left(slash), id.mid(slash + 1)};
}

QString keyPairName(const QString& publicKey)
{
    const QStringList parts = publicKey.simplified().split(QLatin1Char(' '));
    const QByteArray blob = parts.size() > 1 ? parts.at(1).toLatin1() : publicKey.toLatin1();
    return QStringLiteral("gpudeck-") +
           QString::fromLatin1(
               QCryptographicHash::hash(blob, QCryptographicHash::Sha256).toHex().left(16));
}

} // namespace gpudeck::aws
