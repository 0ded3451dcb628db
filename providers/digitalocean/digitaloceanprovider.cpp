#include "digitaloceanprovider.h"

#include "digitaloceanapi.h"

namespace gpudeck {

namespace {

RestConfig digitalOceanConfig()
{
    RestConfig config;
    config.providerId = QStringLiteral("digitalocean");
    config.providerName = QStringLiteral("DigitalOcean");
    config.defaultBaseUrl = QStringLiteral("https://api.digitalocean.com");
    config.errorMapper = &digitalocean::errorFrom;
    // A 429 carries no Retry-After, but says when the oldest counted request expires.
    config.retryAtHeader = "ratelimit-reset";
    return config;
}

RestRequest listOf(const QString& path)
{
    RestRequest r;
    r.path = path;
    r.query.addQueryItem(QStringLiteral("per_page"), QStringLiteral("200"));
    return r;
}

} // namespace

DigitalOceanProvider::DigitalOceanProvider(const ProviderContext& context, QObject* parent)
    : RestProvider(context, digitalOceanConfig(), parent)
{
    // DigitalOcean's documented limit: 250 requests per minute (and 5,000 per hour, which a
    // 429 with ratelimit-reset then covers).
    m_rest->rateLimiter().setLimit(QStringLiteral("default"), {250, 60000});
}

DigitalOceanProvider::~DigitalOceanProvider() = default;

ProviderCapabilities DigitalOceanProvider::capabilities() const
{
    ProviderCapabilities c;
    c.launch = true;
    c.destroy = true;
    c.stopStart = true;
    c.liveCatalog = true;
    c.spot = false;
    c.stoppedStillBills = true;
    c.needsAccount = true;
    c.diskSize = false; // a Droplet's disk is its size's; more space is a volume
    return c;
}

QString DigitalOceanProvider::guardNote() const
{
    return QStringLiteral(
        "DigitalOcean bills Droplets per second (at least 60 s and $0.01), capped at the size's "
        "monthly price, from creation until destruction. A powered-off Droplet is still billed "
        "in full: only destroying it stops the charge, so the billing guard's stop action "
        "saves nothing here and it offers destroy instead. The guard sees only Droplets in the "
        "account of the token you added, and cannot act while this computer is off.");
}

void DigitalOceanProvider::checkCredential(Callback<QString> done)
{
    sendFor<QString>(
        get(QStringLiteral("/v2/account")),
        [](const RestResponse& r) -> Result<QString> {
            const QJsonObject a = r.json.object().value(QStringLiteral("account")).toObject();
            const QString email = a.value(QStringLiteral("email")).toString();
            return email.isEmpty() ? a.value(QStringLiteral("uuid")).toString() : email;
        },
        std::move(done));
}

void DigitalOceanProvider::fetchLive(Callback<Catalog> done)
{
    if (!hasCredential()) {
        // DigitalOcean lists its sizes only to an account: the cached or bundled catalog stands.
        deliver<Catalog>(std::move(done),
                         makeError(ErrorCode::Unauthorized,
                                   QStringLiteral("DigitalOcean shows its live size list only to "
                                                  "an account: add a token in Settings → "
                                                  "Accounts.")));
        return;
    }
    struct Parts {
        QJsonArray sizes, regions;
        int pending = 2;
        std::optional<Error> error;
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
        c.plans = digitalocean::plansFromSizes(parts->sizes, c.fetchedAt);
        c.regions = digitalocean::regionsFrom(parts->regions);
        c.images = digitalocean::gpuImages();
        done(std::move(c));
    };
    m_rest->sendAll(listOf(QStringLiteral("/v2/sizes")), QStringLiteral("sizes"),
                    &digitalocean::nextPage, [parts, finish](Result<QJsonArray> r) {
                        if (r.ok())
                            parts->sizes = r.value();
                        else
                            parts->error = r.error();
                        finish();
                    });
    m_rest->sendAll(listOf(QStringLiteral("/v2/regions")), QStringLiteral("regions"),
                    &digitalocean::nextPage, [parts, finish](Result<QJsonArray> r) {
                        // Region names are a bonus: without them the slugs stand.
                        if (r.ok())
                            parts->regions = r.value();
                        finish();
                    });
}

void DigitalOceanProvider::listRaw(Callback<QJsonArray> done)
{
    m_rest->sendAll(listOf(QStringLiteral("/v2/droplets")), QStringLiteral("droplets"),
                    &digitalocean::nextPage, std::move(done));
}

Instance DigitalOceanProvider::instanceFrom(const QJsonObject& raw) const
{
    return digitalocean::instanceFrom(raw);
}

bool DigitalOceanProvider::carriesToken(const QJsonObject& raw, const QString& clientToken) const
{
    return raw.value(QStringLiteral("tags"))
        .toArray()
        .contains(QJsonValue(digitalocean::tokenTag(clientToken)));
}

void DigitalOceanProvider::getInstance(const QString& id, Callback<Instance> done)
{
    getOne(QStringLiteral("/v2/droplets/") + id, QStringLiteral("droplet"), std::move(done));
}

void DigitalOceanProvider::launch(const LaunchRequest& request, Callback<Instance> done)
{
    if (!acceptLaunch(request, done))
        return;
    if (request.sshPublicKeys.isEmpty()) {
        deliver<Instance>(std::move(done),
                          makeError(ErrorCode::InvalidInput,
                                    QStringLiteral("DigitalOcean needs an SSH key to launch; "
                                                   "GPUDeck found none to give it.")));
        return;
    }
    const KeyRegistry keys{QStringLiteral("/v2/account/keys"), QStringLiteral("ssh_keys"),
                           QStringLiteral("ssh_key"), QStringLiteral("id"),
                           &digitalocean::nextPage};
    ensureKey(keys, request.sshPublicKeys.first(), [this, request, done](Result<QString> key) {
        if (!key.ok()) {
            done(key.error());
            return;
        }
        bool numeric = false;
        const qint64 keyId = key.value().toLongLong(&numeric);
        const QJsonObject body{
            {QStringLiteral("name"), digitalocean::safeName(request.name, request.clientToken)},
            {QStringLiteral("region"), request.region},
            {QStringLiteral("size"), request.planId},
            {QStringLiteral("image"), digitalocean::imageSlugFor(request.imageId, request.planId)},
            {QStringLiteral("ssh_keys"),
             QJsonArray{numeric ? QJsonValue(keyId) : QJsonValue(key.value())}},
            // The tag lets a retry find this very launch (DigitalOcean has no idempotency key).
            {QStringLiteral("tags"), QJsonArray{digitalocean::tokenTag(request.clientToken)}}};
        sendLaunch(call("POST", QStringLiteral("/v2/droplets"), body),
                   readInstanceAt(QStringLiteral("droplet")), request.clientToken, done);
    });
}

void DigitalOceanProvider::action(const QString& id, const QString& type, Callback<Instance> done)
{
    sendPower(call("POST", QStringLiteral("/v2/droplets/%1/actions").arg(id),
                   QJsonObject{{QStringLiteral("type"), type}}),
              id, std::move(done));
}

void DigitalOceanProvider::stop(const QString& id, Callback<Instance> done)
{
    // A clean shutdown from inside (file systems flushed); DigitalOcean still bills it.
    action(id, QStringLiteral("shutdown"), std::move(done));
}

void DigitalOceanProvider::start(const QString& id, Callback<Instance> done)
{
    action(id, QStringLiteral("power_on"), std::move(done));
}

void DigitalOceanProvider::destroy(const QString& id, Callback<void> done)
{
    sendDestroy(call("DELETE", QStringLiteral("/v2/droplets/") + id), std::move(done));
}

} // namespace gpudeck
