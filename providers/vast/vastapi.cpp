#include "vastapi.h"

#include "restprovider.h"

#include <QHash>
#include <QLocale>
#include <QRegularExpression>
#include <QSet>
#include <QTimeZone>

#include <cmath>

namespace gpudeck::vast {

namespace {

const QString kName = QStringLiteral("Vast.ai");
// What a label carries after the user's name: " #gpudeck-<client token>".
const QString kTokenMark = QStringLiteral(" #gpudeck-");

QJsonValue at(const QJsonObject& o, const char* key)
{
    return o.value(QLatin1String(key));
}

QString text(const QJsonObject& o, const char* key)
{
    return at(o, key).toString();
}

double number(const QJsonObject& o, const char* key)
{
    return at(o, key).toDouble();
}

// MB (Vast's unit for gpu_ram and cpu_ram) → GB, to one decimal: 24564 MB → 24.0 GB.
double gigabytes(double megabytes)
{
    return std::round(megabytes / 1024.0 * 10.0) / 10.0;
}

// The reliability of an offer: `reliability2` in newer answers, `reliability` in the search's
// own filter and older ones; unknown counts as reliable (the search already filtered on it).
double reliabilityOf(const QJsonObject& offer)
{
    for (const char* key : {"reliability2", "reliability"}) {
        const QJsonValue v = at(offer, key);
        if (v.isDouble())
            return v.toDouble();
    }
    return 1.0;
}

bool countryCode(const QString& s)
{
    return s.size() == 2 && s.at(0).isUpper() && s.at(1).isUpper();
}

QJsonObject eq(const QJsonValue& v)
{
    return {{QStringLiteral("eq"), v}};
}

// The base of every offer search: what GPUDeck is willing to rent at all.
QJsonObject baseQuery(bool spot)
{
    return {{QStringLiteral("type"), spot ? QStringLiteral("bid") : QStringLiteral("ondemand")},
            {QStringLiteral("verified"), eq(true)},
            {QStringLiteral("rentable"), eq(true)},
            {QStringLiteral("rented"), eq(false)},
            {QStringLiteral("reliability"), QJsonObject{{QStringLiteral("gte"), kMinReliability}}}};
}

// "error 404/3603: no_such_ask Instance type by id 1234567 is not available." → "Instance type
// by id 1234567 is not available."
QString plainMessage(QString msg, const QString& code)
{
    static const QRegularExpression prefix(QStringLiteral("^error \\d+/\\d+:\\s*"));
    msg.remove(prefix);
    const QString word = msg.section(QLatin1Char(' '), 0, 0);
    if (!word.isEmpty() &&
        (word == code || (word.contains(QLatin1Char('_')) && word.toLower() == word &&
                          msg.contains(QLatin1Char(' ')))))
        msg = msg.section(QLatin1Char(' '), 1);
    return msg.trimmed();
}

} // namespace

BillingRule billingRule(double storageUsdPerGbMonth)
{
    BillingRule r;
    r.granularity = BillingRule::Granularity::Second;
    r.minimumSeconds = 0;
    r.stoppedBillsCompute = false;
    r.stoppedBillsStorage = true; // the disk, per second, until the instance is destroyed
    r.storageUsdPerGbMonth = storageUsdPerGbMonth * 730.0 / 720.0;
    return r;
}

QString planId(const QString& gpuName, int count)
{
    return gpuName + QLatin1Char('|') + QString::number(count);
}

std::pair<QString, int> parsePlanId(const QString& id)
{
    const qsizetype bar = id.lastIndexOf(QLatin1Char('|'));
    if (bar <= 0)
        return {id, 0};
    bool ok = false;
    const int count = id.mid(bar + 1).toInt(&ok);
    return {id.left(bar), ok && count > 0 ? count : 0};
}

QString regionOf(const QString& geolocation)
{
    const QString last = geolocation.section(QLatin1Char(','), -1).trimmed();
    return last;
}

Region regionFor(const QString& id)
{
    if (!countryCode(id))
        return {id, id};
    const QLocale::Territory t = QLocale::codeToTerritory(id);
    if (t == QLocale::AnyTerritory)
        return {id, id};
    return {id, QLocale::territoryToString(t)};
}

QJsonArray offersOf(const QJsonObject& answer)
{
    const QJsonValue offers = answer.value(QStringLiteral("offers"));
    if (offers.isArray())
        return offers.toArray();
    if (offers.isObject())
        return QJsonArray{offers};
    return {};
}

QJsonObject catalogQuery()
{
    QJsonObject q = baseQuery(false);
    // Every GPU, not the cheapest ones only: no price order, and room for the whole market
    // (a few thousand offers at a time).
    q.insert(QStringLiteral("limit"), 3000);
    return q;
}

QJsonObject launchQuery(const QString& gpuName, int count, const QString& region, bool spot,
                        double diskGb, double minCuda)
{
    QJsonObject q = baseQuery(spot);
    q.insert(QStringLiteral("limit"), 64);
    q.insert(QStringLiteral("gpu_name"), eq(gpuName));
    q.insert(QStringLiteral("num_gpus"), eq(count));
    if (diskGb > 0)
        q.insert(QStringLiteral("disk_space"), QJsonObject{{QStringLiteral("gte"), diskGb}});
    if (minCuda > 0)
        q.insert(QStringLiteral("cuda_max_good"), QJsonObject{{QStringLiteral("gte"), minCuda}});
    if (countryCode(region))
        q.insert(QStringLiteral("geolocation"),
                 QJsonObject{{QStringLiteral("in"), QJsonArray{region}}});
    // Cheapest first, the more reliable of equal prices. (The spec puts minItems/maxItems 2 on
    // the outer array of `order` instead of on each pair, so exactly two pairs satisfy it and
    // the real API alike.)
    q.insert(QStringLiteral("order"),
             QJsonArray{QJsonArray{spot ? QStringLiteral("min_bid") : QStringLiteral("dph_total"),
                                   QStringLiteral("asc")},
                        QJsonArray{QStringLiteral("reliability"), QStringLiteral("desc")}});
    return q;
}

double offerHourly(const QJsonObject& offer, bool spot)
{
    const double total = number(offer, "dph_total");
    if (!spot)
        return total;
    const double bid = number(offer, "min_bid");
    if (bid <= 0)
        return 0;
    // dph_total is the GPU price (dph_base) plus the disk's hourly share: a bid replaces only
    // the first.
    const QJsonValue base = at(offer, "dph_base");
    const double disk = base.isDouble() ? std::max(total - base.toDouble(), 0.0) : 0.0;
    return bid + disk;
}

QList<Plan> plansFromOffers(const QJsonArray& offers, const QDateTime& fetchedAt)
{
    struct Group {
        Plan plan;
        int offers = 0;
        double highest = 0;
        double cheapestStorage = 0;
    };
    QList<QString> order;
    QHash<QString, Group> groups;
    for (const QJsonValue& v : offers) {
        const QJsonObject o = v.toObject();
        const QString gpu = text(o, "gpu_name").trimmed();
        const int count = at(o, "num_gpus").toInt();
        const double price = number(o, "dph_total");
        if (gpu.isEmpty() || count <= 0 || price <= 0)
            continue;
        if (at(o, "rentable").isBool() && !at(o, "rentable").toBool())
            continue;
        if (reliabilityOf(o) < kMinReliability)
            continue;
        const QString id = planId(gpu, count);
        const QString region = regionOf(text(o, "geolocation"));
        const double vram = gigabytes(number(o, "gpu_ram"));
        const int vcpus =
            int(std::floor(at(o, "cpu_cores_effective").toDouble(at(o, "cpu_cores").toDouble())));
        const double ram = gigabytes(number(o, "cpu_ram"));
        const double disk = std::floor(number(o, "disk_space"));
        const double bid = offerHourly(o, true);
        auto it = groups.find(id);
        if (it == groups.end()) {
            order.append(id);
            Group g;
            Plan& p = g.plan;
            p.provider = QStringLiteral("vast");
            p.id = id;
            p.gpuModel = gpu;
            p.gpuCount = count;
            p.vramGb = vram;
            p.vcpus = vcpus;
            p.ramGb = ram;
            p.diskGb = disk;
            p.onDemandHourly = price;
            g.cheapestStorage = number(o, "storage_cost");
            p.fetchedAt = fetchedAt;
            p.available = true; // it has offers now
            it = groups.insert(id, g);
        } else {
            Plan& p = it->plan;
            // The least any offer has: a launch never gets less than the table shows.
            p.vramGb = std::min(p.vramGb, vram);
            p.vcpus = std::min(p.vcpus, vcpus);
            p.ramGb = std::min(p.ramGb, ram);
            p.diskGb = std::min(p.diskGb, disk);
            if (price < p.onDemandHourly) {
                p.onDemandHourly = price;
                it->cheapestStorage = number(o, "storage_cost");
            }
        }
        Plan& p = it->plan;
        ++it->offers;
        it->highest = std::max(it->highest, price);
        if (bid > 0 && (!p.spotHourly || bid < *p.spotHourly))
            p.spotHourly = bid;
        if (!region.isEmpty() && !p.regions.contains(region))
            p.regions.append(region);
    }
    QList<Plan> plans;
    for (const QString& id : std::as_const(order)) {
        Group g = groups.value(id);
        Plan& p = g.plan;
        p.regions.sort();
        p.regionsAvailable = p.regions; // every region listed has an offer right now
        p.billing = billingRule(g.cheapestStorage);
        p.name = QStringLiteral("%1x %2 (%3 GB)").arg(p.gpuCount).arg(p.gpuModel).arg(p.vramGb);
        if (p.spotHourly && *p.spotHourly >= p.onDemandHourly)
            p.spotHourly.reset();
        p.note =
            QStringLiteral(
                "Vast.ai rents single machines of many hosts. This plan stands for the %1 "
                "verified offer(s) of %2x %3 listed when the catalog was fetched, from $%4/h to "
                "$%5/h (disk included); the specs shown are the least any of them has. A launch "
                "searches again and rents the cheapest offer with a reliability of %6% or more "
                "in the chosen country, so its price and machine can differ from this row. "
                "Interruptible: the lowest bid, which a higher bid can pause at any time.")
                .arg(g.offers)
                .arg(p.gpuCount)
                .arg(p.gpuModel)
                .arg(p.onDemandHourly, 0, 'f', 3)
                .arg(g.highest, 0, 'f', 3)
                .arg(kMinReliability * 100, 0, 'f', 0);
        plans.append(p);
    }
    return plans;
}

QList<Region> regionsFromOffers(const QJsonArray& offers)
{
    QList<Region> regions;
    QStringList seen;
    for (const QJsonValue& v : offers) {
        const QString id = regionOf(text(v.toObject(), "geolocation"));
        if (id.isEmpty() || seen.contains(id))
            continue;
        seen.append(id);
        regions.append(regionFor(id));
    }
    std::sort(regions.begin(), regions.end(),
              [](const Region& a, const Region& b) { return a.id < b.id; });
    return regions;
}

QJsonObject pickOffer(const QJsonArray& offers, const QString& gpuName, int count,
                      const QString& region, bool spot, double diskGb)
{
    QJsonObject best;
    double bestPrice = 0;
    for (const QJsonValue& v : offers) {
        const QJsonObject o = v.toObject();
        if (text(o, "gpu_name").trimmed() != gpuName || at(o, "num_gpus").toInt() != count)
            continue;
        if (!region.isEmpty() && regionOf(text(o, "geolocation")) != region)
            continue;
        if (diskGb > 0 && at(o, "disk_space").isDouble() && number(o, "disk_space") < diskGb)
            continue;
        if (reliabilityOf(o) < kMinReliability)
            continue;
        if (at(o, "rentable").isBool() && !at(o, "rentable").toBool())
            continue;
        const double price = offerHourly(o, spot);
        if (price <= 0)
            continue;
        if (best.isEmpty() || price < bestPrice ||
            (price == bestPrice && reliabilityOf(o) > reliabilityOf(best))) {
            best = o;
            bestPrice = price;
        }
    }
    return best;
}

InstanceStatus statusFrom(const QJsonObject& o)
{
    const QString actual = text(o, "actual_status").toLower();
    const QString intended = text(o, "intended_status").toLower();
    const QString contract = text(o, "cur_state").toLower();
    if (actual == QLatin1String("offline") || actual == QLatin1String("unknown"))
        return InstanceStatus::Error;
    if (intended == QLatin1String("stopped") ||
        (intended.isEmpty() && contract == QLatin1String("stopped")))
        return actual == QLatin1String("running") ? InstanceStatus::Stopping
                                                  : InstanceStatus::Stopped;
    if (actual == QLatin1String("running"))
        return InstanceStatus::Running;
    if (actual == QLatin1String("loading"))
        return InstanceStatus::Booting;
    if (actual == QLatin1String("exited") || actual == QLatin1String("stopped")) {
        // Asked to run: while the contract is still stopped the start waits for the machine's
        // GPUs; once it runs, a container that exited will not come back (the spec's poll trap).
        return contract == QLatin1String("stopped") ? InstanceStatus::Provisioning
                                                    : InstanceStatus::Error;
    }
    // null, "created", "scheduling": the host is setting the instance up.
    return InstanceStatus::Provisioning;
}

Instance instanceFrom(const QJsonObject& o)
{
    Instance i;
    i.provider = QStringLiteral("vast");
    const QJsonValue id = at(o, "id");
    i.id = id.isDouble() ? QString::number(qint64(id.toDouble())) : id.toString();
    i.name = nameFromLabel(text(o, "label"));
    if (i.name.isEmpty())
        i.name = QStringLiteral("vast-") + i.id;
    i.status = statusFrom(o);
    const QString msg = text(o, "status_msg").trimmed();
    const QString actual = text(o, "actual_status");
    i.statusDetail = msg.isEmpty() ? actual : msg;
    if (i.status == InstanceStatus::Error)
        i.statusDetail = QStringLiteral("The container is %1 and will not reach running (%2): "
                                        "destroy it and launch again.")
                             .arg(actual.isEmpty() ? QStringLiteral("down") : actual,
                                  msg.isEmpty() ? QStringLiteral("no message") : msg);
    i.gpuModel = text(o, "gpu_name");
    i.gpuCount = at(o, "num_gpus").toInt(1);
    i.planId = planId(i.gpuModel, i.gpuCount);
    i.region = regionOf(text(o, "geolocation"));
    // dph_total = dph_base (GPU, CPU, RAM: stops with the instance) + the disk's hourly share
    // (storage_total_cost, bills while the instance exists). The meter counts them apart.
    const double total = number(o, "dph_total");
    const QJsonValue base = at(o, "dph_base");
    const double storageHourly = number(o, "storage_total_cost");
    i.priceHourly = base.isDouble() ? base.toDouble() : std::max(total - storageHourly, 0.0);
    i.diskGb = number(o, "disk_space");
    i.billing = billingRule(number(o, "storage_cost"));
    i.user = QStringLiteral("root");
    QString directPort;
    const QJsonValue ports = at(o, "ports");
    if (ports.isObject()) {
        const QJsonArray ssh = ports.toObject().value(QStringLiteral("22/tcp")).toArray();
        if (!ssh.isEmpty())
            directPort = ssh.first().toObject().value(QStringLiteral("HostPort")).toString();
    }
    const QString publicIp = text(o, "public_ipaddr").trimmed();
    if (!directPort.isEmpty() && !publicIp.isEmpty() && directPort.toInt() > 0) {
        i.host = publicIp;
        i.sshPort = directPort.toInt();
    } else if (!text(o, "ssh_host").isEmpty() && at(o, "ssh_port").toInt() > 0) {
        i.host = text(o, "ssh_host");
        i.sshPort = at(o, "ssh_port").toInt();
    }
    if (i.status != InstanceStatus::Running)
        i.host.clear(); // nothing answers SSH yet (or any more)
    const double started = number(o, "start_date");
    if (started > 0) {
        i.createdAt = QDateTime::fromMSecsSinceEpoch(qint64(started * 1000.0), QTimeZone::utc());
        i.startedAt = i.createdAt;
    }
    return i;
}

QJsonArray uniqueById(const QJsonArray& instances)
{
    QJsonArray out;
    QSet<qint64> seen;
    for (const QJsonValue& v : instances) {
        const QJsonValue id = v.toObject().value(QStringLiteral("id"));
        if (id.isDouble()) {
            if (seen.contains(id.toInteger()))
                continue;
            seen.insert(id.toInteger());
        }
        out.append(v);
    }
    return out;
}

QString labelFor(const QString& name, const QString& clientToken)
{
    QString n = name.simplified();
    if (n.isEmpty())
        n = QStringLiteral("gpudeck");
    // Vast's limit is 1024 characters; the token (a UUID) must survive whole.
    return n.left(900) + kTokenMark + clientToken;
}

QString nameFromLabel(const QString& label)
{
    const qsizetype mark = label.indexOf(kTokenMark);
    return (mark < 0 ? label : label.left(mark)).trimmed();
}

QString tokenEnv()
{
    return QStringLiteral("GPUDECK_LAUNCH");
}

bool carriesToken(const QJsonObject& o, const QString& clientToken)
{
    if (clientToken.isEmpty())
        return false;
    if (text(o, "label").endsWith(kTokenMark + clientToken))
        return true;
    // The label can be changed in Vast's console; the environment cannot. extra_env is an
    // array of [name, value] pairs in the instance list and of "NAME=value" strings in the
    // Instance schema: both are read.
    const QString wanted = tokenEnv() + QLatin1Char('=') + clientToken;
    for (const QJsonValue& e : at(o, "extra_env").toArray()) {
        if (e.isString() && e.toString() == wanted)
            return true;
        const QJsonArray pair = e.toArray();
        if (pair.size() == 2 && pair.at(0).toString() == tokenEnv() &&
            pair.at(1).toString() == clientToken)
            return true;
    }
    return false;
}

bool hasKey(const QJsonArray& keys, const QString& publicKey)
{
    const QString wanted = RestProvider::keyMaterial(publicKey);
    for (const QJsonValue& v : keys) {
        const QJsonObject k = v.toObject();
        if (!at(k, "deleted_at").isNull() && !at(k, "deleted_at").isUndefined())
            continue;
        for (const char* field : {"key", "public_key", "ssh_key"})
            if (RestProvider::keyMaterial(text(k, field)) == wanted)
                return true;
    }
    return false;
}

QString launchedId(const QJsonObject& answer)
{
    const QJsonValue id = answer.value(QStringLiteral("new_contract"));
    if (id.isDouble() && id.toDouble() > 0)
        return QString::number(qint64(id.toDouble()));
    if (id.isString())
        return id.toString();
    return {};
}

std::optional<Error> refusalIn(const RestResponse& r)
{
    const QJsonValue success = r.json.object().value(QStringLiteral("success"));
    if (!success.isBool() || success.toBool())
        return std::nullopt;
    RestResponse refused = r;
    refused.status = 400; // what the refusal would have been, for the mapper
    Error e = errorFrom(refused);
    e.detail = QStringLiteral("HTTP %1 with success false: %2")
                   .arg(r.status)
                   .arg(QString::fromUtf8(r.body.left(500)));
    return e;
}

Error errorFrom(const RestResponse& r)
{
    Error base = RestClient::defaultError(kName, r);
    const QJsonObject o = r.json.object();
    const QString code = text(o, "error");
    QString said;
    for (const char* key : {"msg", "detail", "message"})
        if (said.isEmpty())
            said = at(o, key).isString() ? text(o, key) : QString();
    said = plainMessage(said, code);
    if (said.isEmpty())
        said = code;
    const QString lower = (code + QLatin1Char(' ') + said).toLower();
    const bool badKey = r.status == 401 || code == QLatin1String("auth_error") ||
                        lower.contains(QLatin1String("invalid user key")) ||
                        lower.contains(QLatin1String("invalid api key")) ||
                        lower.contains(QLatin1String("invalid_user_key"));
    if (badKey)
        return makeError(ErrorCode::Unauthorized,
                         QStringLiteral("Vast.ai refused the API key: it is wrong, expired, "
                                        "revoked or lacks a permission. Check your API key in "
                                        "Settings → Accounts (gpudeck-cli: VAST_API_KEY); Vast.ai "
                                        "makes keys under Account → Keys."),
                         base.detail);
    if (r.status == 429 || lower.contains(QLatin1String("too frequent")))
        return makeError(ErrorCode::RateLimited,
                         QStringLiteral("Vast.ai says GPUDeck asks too often (%1). Wait a minute "
                                        "and try again.")
                             .arg(said.isEmpty() ? QStringLiteral("rate limit") : said),
                         base.detail);
    if (said.isEmpty()) // nothing of Vast's own to go on
        return base;
    if (lower.contains(QLatin1String("credit")) || lower.contains(QLatin1String("balance")) ||
        lower.contains(QLatin1String("insufficient")) || lower.contains(QLatin1String("funds")))
        return makeError(ErrorCode::Forbidden,
                         QStringLiteral("Your Vast.ai account has not enough credit for this (%1). "
                                        "Add credit on Vast.ai's Billing page, then try again.")
                             .arg(said),
                         base.detail);
    if (code == QLatin1String("no_such_ask") || r.status == 410 ||
        lower.contains(QLatin1String("no_such_ask")) ||
        lower.contains(QLatin1String("no longer available")) ||
        (lower.contains(QLatin1String("not available")) &&
         !lower.contains(QLatin1String("instance not"))))
        return makeError(ErrorCode::NoCapacity,
                         QStringLiteral("The Vast.ai machine GPUDeck chose was rented by someone "
                                        "else or withdrawn a moment ago (%1). Launch again to "
                                        "rent the next cheapest one, or pick another country or "
                                        "GPU.")
                             .arg(said),
                         base.detail);
    if (code == QLatin1String("invalid_price"))
        return makeError(ErrorCode::InvalidInput,
                         QStringLiteral("Vast.ai refused the bid (%1). Launch again (GPUDeck bids "
                                        "the current lowest price) or use the on-demand price.")
                             .arg(said),
                         base.detail);
    if (code == QLatin1String("no_ssh_key_for_vm") || code == QLatin1String("no_ssh_key"))
        return makeError(ErrorCode::InvalidInput,
                         QStringLiteral("Vast.ai has no SSH key for this machine (%1). GPUDeck "
                                        "registers its own key before a launch: try again, or "
                                        "add the key in Vast.ai under Account → Keys.")
                             .arg(said),
                         base.detail);
    if (r.status == 404 || code == QLatin1String("not_found") ||
        code == QLatin1String("no_such_instance")) {
        base.code = ErrorCode::NotFound;
        base.message =
            QStringLiteral("Vast.ai does not know this machine (any more): %1.").arg(said);
        return base;
    }
    if (r.status == 403)
        return makeError(ErrorCode::Forbidden,
                         QStringLiteral("Vast.ai refused this for your account: %1.").arg(said),
                         base.detail);
    if (r.status == 400 || r.status == 422 || r.status == 409)
        return makeError(r.status == 409 ? ErrorCode::Conflict : ErrorCode::InvalidInput,
                         QStringLiteral("Vast.ai refused the request: %1.").arg(said), base.detail);
    base.message += QStringLiteral(" Vast.ai said: %1.").arg(said);
    return base;
}

Error noOffer(const QString& gpuName, int count, const QString& region, bool spot)
{
    const QString where = region.isEmpty() ? QStringLiteral("anywhere")
                                           : QStringLiteral("in %1").arg(regionFor(region).name);
    return makeError(
        ErrorCode::NoCapacity,
        QStringLiteral("No reliable Vast.ai machine with %1x %2 is for rent %3 right now%4. Pick "
                       "another country or GPU, a smaller disk, or try again in a few minutes: "
                       "hosts list and withdraw machines all the time.")
            .arg(count)
            .arg(gpuName, where, spot ? QStringLiteral(" at an interruptible price") : QString()));
}

} // namespace gpudeck::vast
