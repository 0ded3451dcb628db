#include "linodeprovider.h"

#include "catalogcache.h"
#include "launchonce.h"
#include "linodeapi.h"
#include "restclient.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QRandomGenerator>

#include <memory>

namespace gpudeck {

namespace {

RestRequest get(const QString& path, bool authenticated = true)
{
    RestRequest r;
    r.path = path;
    r.authenticated = authenticated;
    return r;
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
    : Provider(parent)
    , m_context(context)
{
    RestConfig config;
    config.providerId = QStringLiteral("linode");
    config.providerName = QStringLiteral("Linode");
    config.defaultBaseUrl = QStringLiteral("https://api.linode.com");
    config.baseUrlSetting = context.apiBaseUrl;
    config.errorMapper = &linode::errorFrom;
    m_rest = new RestClient(config, this);
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

void LinodeProvider::setCredential(const QString& token)
{
    m_rest->setToken(token);
}

bool LinodeProvider::hasCredential() const
{
    return m_rest->hasToken();
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

void LinodeProvider::fetchCatalog(Callback<Catalog> done)
{
    fetchLive([this, done](Result<Catalog> live) {
        const CatalogCache cache(m_context.cacheDir);
        if (live.ok()) {
            (void)cache.save(live.value());
            done(std::move(live));
            return;
        }
        // Offline or refused: the last catalog we saw, with its old fetched-at times.
        Result<Catalog> saved = cache.load();
        if (saved.ok()) {
            for (const Plan& p : saved.value().plans)
                m_plans.insert(p.id, p);
            done(std::move(saved));
            return;
        }
        done(live.error());
    });
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
    const auto finish = [this, parts, done] {
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
        m_plans.clear();
        for (const Plan& p : c.plans)
            m_plans.insert(p.id, p);
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

void LinodeProvider::listInstances(Callback<QList<Instance>> done)
{
    if (!hasCredential()) {
        deliver<QList<Instance>>(std::move(done), QList<Instance>{});
        return;
    }
    withPlans([this, done] {
        m_rest->sendAll(get(QStringLiteral("/v4/linode/instances")), QStringLiteral("data"),
                        &linode::nextPage, [this, done](Result<QJsonArray> r) {
                            if (!r.ok()) {
                                done(r.error());
                                return;
                            }
                            QList<Instance> list;
                            for (const QJsonValue& v : r.value())
                                list.append(linode::instanceFrom(v.toObject(), m_plans));
                            done(list);
                        });
    });
}

void LinodeProvider::getInstance(const QString& id, Callback<Instance> done)
{
    withPlans([this, id, done] {
        m_rest->send(get(QStringLiteral("/v4/linode/instances/") + id),
                     [this, done](Result<RestResponse> r) {
                         if (!r.ok()) {
                             done(r.error());
                             return;
                         }
                         done(linode::instanceFrom(r.value().json.object(), m_plans));
                     });
    });
}

void LinodeProvider::findByToken(const QString& clientToken, Callback<Instance> done)
{
    const QString tag = linode::tokenTag(clientToken);
    m_rest->sendAll(
        get(QStringLiteral("/v4/linode/instances")), QStringLiteral("data"), &linode::nextPage,
        [this, tag, done](Result<QJsonArray> r) {
            if (!r.ok()) {
                done(r.error());
                return;
            }
            for (const QJsonValue& v : r.value()) {
                const QJsonObject o = v.toObject();
                if (o.value(QStringLiteral("tags")).toArray().contains(QJsonValue(tag))) {
                    done(linode::instanceFrom(o, m_plans));
                    return;
                }
            }
            done(makeError(ErrorCode::NotFound,
                           QStringLiteral("No Linode carries this launch's tag.")));
        });
}

void LinodeProvider::launch(const LaunchRequest& request, Callback<Instance> done)
{
    if (request.clientToken.isEmpty()) {
        deliver<Instance>(std::move(done),
                          makeError(ErrorCode::Internal,
                                    QStringLiteral("A launch needs a client token."),
                                    QStringLiteral("LinodeProvider::launch without clientToken")));
        return;
    }
    if (request.spot) {
        deliver<Instance>(
            std::move(done),
            makeError(ErrorCode::InvalidInput,
                      QStringLiteral("Linode has no spot or interruptible machines.")));
        return;
    }
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
    RestRequest create;
    create.method = "POST";
    create.path = QStringLiteral("/v4/linode/instances");
    create.body = QJsonDocument(body);
    create.idempotent = false;
    create.rateBucket = QStringLiteral("create");
    const QString token = request.clientToken;
    withPlans([this, create, token, done] {
        LaunchOnce::run(
            this,
            [this, create](Callback<Instance> sent) {
                m_rest->send(create, [this, sent](Result<RestResponse> r) {
                    if (!r.ok()) {
                        sent(r.error());
                        return;
                    }
                    sent(linode::instanceFrom(r.value().json.object(), m_plans));
                });
            },
            [this, token](Callback<Instance> found) { findByToken(token, found); }, done);
    });
}

void LinodeProvider::power(const QString& id, const QString& action, Callback<Instance> done)
{
    RestRequest r;
    r.method = "POST";
    // No body: shutdown takes none in the spec, and boot's (a config id) is optional.
    r.path = QStringLiteral("/v4/linode/instances/%1/%2").arg(id, action);
    // Asking a Linode to shut down or boot twice leaves it in the same state.
    r.idempotent = true;
    m_rest->send(r, [this, id, done](Result<RestResponse> res) {
        if (!res.ok()) {
            done(res.error());
            return;
        }
        getInstance(id, done);
    });
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
    RestRequest r;
    r.method = "DELETE";
    r.path = QStringLiteral("/v4/linode/instances/") + id;
    m_rest->send(r, [done](Result<RestResponse> res) {
        // A retried DELETE whose first attempt went through answers 404: that is gone too.
        if (!res.ok() && res.error().code != ErrorCode::NotFound) {
            done(res.error());
            return;
        }
        done(Result<void>{});
    });
}

} // namespace gpudeck
