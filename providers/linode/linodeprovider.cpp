#include "linodeprovider.h"

#include "linodeapi.h"

#include <QRandomGenerator>

#include <memory>

namespace gpudeck {

namespace {

RestConfig linodeConfig()
{
    RestConfig config;
    config.providerId = QStringLiteral("linode");
    config.providerName = QStringLiteral("Linode");
    config.defaultBaseUrl = QStringLiteral("https://api.linode.com");
    config.errorMapper = &linode::errorFrom;
    return config;
}

// Linode requires a root password with an image; GPUDeck logs in with its key, so the password
// is random, strong, sent once and never kept.
QString throwawayRootPassword()
{
    static const QString alphabet =
        QStringLiteral("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789-_.!@#%+=");
    QString s;
    for (int i = 0; i < 40; ++i)
        s += alphabet.at(QRandomGenerator::system()->bounded(alphabet.size()));
    return s + QStringLiteral("aA1!");
}

} // namespace

LinodeProvider::LinodeProvider(const ProviderContext& context, QObject* parent)
    : RestProvider(context, linodeConfig(), parent)
{
    // Linode's documented limits: 20 Linode creates per 15 s; general requests 1,600 per minute.
    m_rest->rateLimiter().setLimit(QStringLiteral("create"), {20, 15000});
    m_rest->rateLimiter().setLimit(QStringLiteral("default"), {1600, 60000});
}

LinodeProvider::~LinodeProvider() = default;

ProviderCapabilities LinodeProvider::capabilities() const
{
    ProviderCapabilities c;
    c.launch = true;
    c.destroy = true;
    c.stopStart = true;
    c.liveCatalog = true;
    c.spot = false;
    c.stoppedStillBills = true;
    c.needsAccount = true;
    c.diskSize = false; // a Linode's disk is its plan's; resizing needs a second disk call
    return c;
}

QString LinodeProvider::guardNote() const
{
    return QStringLiteral(
        "Linode bills by the hour, rounded up, from creation until deletion, capped at the "
        "plan's monthly price. A powered-off Linode is still billed in full: only destroying "
        "it stops the charge, so the billing guard's stop action saves nothing here and it "
        "offers destroy instead. The guard sees only machines in the account of the token you "
        "added, and cannot act while this computer is off.");
}

void LinodeProvider::checkCredential(Callback<QString> done)
{
    m_rest->send(get(QStringLiteral("/v4/profile")), [done](Result<RestResponse> r) {
        if (!r.ok()) {
            done(r.error());
            return;
        }
        const QJsonObject o = r.value().json.object();
        const QString who = o.value(QStringLiteral("email")).toString();
        done(who.isEmpty() ? o.value(QStringLiteral("username")).toString() : who);
    });
}

void LinodeProvider::catalogSeen(const Catalog& catalog)
{
    m_plans.clear();
    for (const Plan& p : catalog.plans)
        m_plans.insert(p.id, p);
}

void LinodeProvider::fetchLive(Callback<Catalog> done)
{
    // Types, regions and availability need no token (Linode's public endpoints).
    struct Parts {
        QJsonArray types, regions, availability;
        int pending = 3;
        std::optional<Error> error;
        bool availabilityKnown = false;
    };
    auto parts = std::make_shared<Parts>();
    const auto finish = [parts, done] {
        if (--parts->pending > 0)
            return;
        if (parts->error) {
            done(*parts->error);
            return;
        }
        Catalog c;
        c.fetchedAt = QDateTime::currentDateTimeUtc();
        QStringList gpuRegions;
        for (const QJsonValue& v : parts->regions) {
            const QJsonObject r = v.toObject();
            const QString id = r.value(QStringLiteral("id")).toString();
            c.regions.append({id, r.value(QStringLiteral("label")).toString()});
            if (r.value(QStringLiteral("capabilities"))
                    .toArray()
                    .contains(QJsonValue(QStringLiteral("GPU Linodes"))))
                gpuRegions << id;
        }
        QHash<QString, QStringList> available;
        QHash<QString, bool> listed;
        for (const QJsonValue& v : parts->availability) {
            const QJsonObject a = v.toObject();
            const QString plan = a.value(QStringLiteral("plan")).toString();
            listed.insert(plan, true);
            if (a.value(QStringLiteral("available")).toBool())
                available[plan] << a.value(QStringLiteral("region")).toString();
        }
        c.plans = linode::plansFromTypes(parts->types, gpuRegions, available, listed, c.fetchedAt);
        // No CUDA image on Linode: GPU Linodes need NVIDIA's driver installed after boot.
        c.images = {
            {QStringLiteral("linode/ubuntu22.04"), QStringLiteral("Ubuntu 22.04 LTS"), false},
            {QStringLiteral("linode/ubuntu24.04"), QStringLiteral("Ubuntu 24.04 LTS"), false},
            {QStringLiteral("linode/debian12"), QStringLiteral("Debian 12"), false}};
        done(std::move(c));
    };
    m_rest->sendAll(get(QStringLiteral("/v4/linode/types"), false), QStringLiteral("data"),
                    &linode::nextPage, [parts, finish](Result<QJsonArray> r) {
                        if (r.ok())
                            parts->types = r.value();
                        else
                            parts->error = r.error();
                        finish();
                    });
    m_rest->sendAll(get(QStringLiteral("/v4/regions"), false), QStringLiteral("data"),
                    &linode::nextPage, [parts, finish](Result<QJsonArray> r) {
                        if (r.ok())
                            parts->regions = r.value();
                        else if (!parts->error)
                            parts->error = r.error();
                        finish();
                    });
    m_rest->sendAll(get(QStringLiteral("/v4/regions/availability"), false), QStringLiteral("data"),
                    &linode::nextPage, [parts, finish](Result<QJsonArray> r) {
                        // Availability is a bonus: without it the plans are still listed.
                        if (r.ok())
                            parts->availability = r.value();
                        finish();
                    });
}

void LinodeProvider::withPlans(std::function<void()> then)
{
    if (!m_plans.isEmpty()) {
        then();
        return;
    }
    fetchCatalog([then](Result<Catalog>) { then(); });
}

void LinodeProvider::listRaw(Callback<QJsonArray> done)
{
    withPlans([this, done] {
        m_rest->sendAll(get(QStringLiteral("/v4/linode/instances")), QStringLiteral("data"),
                        &linode::nextPage, done);
    });
}

Instance LinodeProvider::instanceFrom(const QJsonObject& raw) const
{
    return linode::instanceFrom(raw, m_plans);
}

bool LinodeProvider::carriesToken(const QJsonObject& raw, const QString& clientToken) const
{
    return raw.value(QStringLiteral("tags"))
        .toArray()
        .contains(QJsonValue(linode::tokenTag(clientToken)));
}

void LinodeProvider::getInstance(const QString& id, Callback<Instance> done)
{
    withPlans([this, id, done] {
        getOne(QStringLiteral("/v4/linode/instances/") + id, QString(), done);
    });
}

void LinodeProvider::launch(const LaunchRequest& request, Callback<Instance> done)
{
    if (!acceptLaunch(request, done))
        return;
    QJsonArray keys;
    for (const QString& k : request.sshPublicKeys)
        keys.append(k.trimmed());
    const QString image =
        request.imageId.isEmpty() ? QStringLiteral("linode/ubuntu22.04") : request.imageId;
    // The tag lets a retry find this very launch (Linode has no idempotency key).
    const QJsonObject body{
        {QStringLiteral("type"), request.planId},
        {QStringLiteral("region"), request.region},
        {QStringLiteral("label"), linode::safeLabel(request.name, request.clientToken)},
        {QStringLiteral("image"), image},
        {QStringLiteral("root_pass"), throwawayRootPassword()},
        {QStringLiteral("authorized_keys"), keys},
        {QStringLiteral("tags"), QJsonArray{linode::tokenTag(request.clientToken)}},
        {QStringLiteral("booted"), true}};
    const RestRequest create = call("POST", QStringLiteral("/v4/linode/instances"), body);
    const QString token = request.clientToken;
    withPlans([this, create, token, done] {
        sendLaunch(create, readInstanceAt(QString()), token, done);
    });
}

void LinodeProvider::power(const QString& id, const QString& action, Callback<Instance> done)
{
    // No body: shutdown takes none in the spec, and boot's (a config id) is optional.
    sendPower(call("POST", QStringLiteral("/v4/linode/instances/%1/%2").arg(id, action)), id,
              std::move(done));
}

void LinodeProvider::stop(const QString& id, Callback<Instance> done)
{
    power(id, QStringLiteral("shutdown"), std::move(done));
}

void LinodeProvider::start(const QString& id, Callback<Instance> done)
{
    power(id, QStringLiteral("boot"), std::move(done));
}

void LinodeProvider::destroy(const QString& id, Callback<void> done)
{
    sendDestroy(call("DELETE", QStringLiteral("/v4/linode/instances/") + id), std::move(done));
}

} // namespace gpudeck
