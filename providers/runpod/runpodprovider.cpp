#include "runpodprovider.h"

#include "catalogcache.h"
#include "launchonce.h"
#include "restclient.h"
#include "runpodapi.h"

#include <QJsonArray>
#include <QJsonObject>

namespace gpudeck {

namespace {

RestRequest get(const QString& path)
{
    RestRequest r;
    r.path = path;
    return r;
}

} // namespace

RunPodProvider::RunPodProvider(const ProviderContext& context, QObject* parent)
    : Provider(parent)
    , m_context(context)
{
    RestConfig config;
    config.providerId = QStringLiteral("runpod");
    config.providerName = QStringLiteral("RunPod");
    config.defaultBaseUrl = QStringLiteral("https://api.runpod.io");
    config.baseUrlSetting = context.apiBaseUrl;
    config.errorMapper = &runpod::errorFrom;
    m_rest = new RestClient(config, this);
    // RunPod documents no fixed numbers: it answers 429 with Retry-After, which the client
    // honours.
}

RunPodProvider::~RunPodProvider() = default;

QString RunPodProvider::defaultImage()
{
    return QStringLiteral("runpod/pytorch:1.0.2-cu1281-torch280-ubuntu2404");
}

ProviderCapabilities RunPodProvider::capabilities() const
{
    ProviderCapabilities c;
    c.launch = true;
    c.destroy = true;
    c.stopStart = true;
    c.liveCatalog = true;
    c.spot = true; // the community cloud's lower price
    c.stoppedStillBills = false;
    c.needsAccount = true;
    c.diskSize = true;
    return c;
}

QString RunPodProvider::guardNote() const
{
    return QStringLiteral(
        "RunPod bills compute and storage per second. A stopped pod pays no compute but keeps "
        "paying for its volume disk until it is terminated. A pod can stop itself with the "
        "credentials RunPod puts in it, so GPUDeck's on-instance watchdog can end the compute "
        "charge even while this computer is off; the disk still bills until you terminate the "
        "pod, which the desktop guard does only while GPUDeck runs with your API key.");
}

QString RunPodProvider::spotNote() const
{
    return QStringLiteral(
        "The lower price launches the pod in RunPod's Community Cloud (machines of third-party "
        "hosts) instead of its Secure Cloud. It is an on-demand pod, not an interruptible one, "
        "but RunPod promises less reliability there: keep what matters on a volume or "
        "download it.");
}

QString RunPodProvider::selfStopCommand() const
{
    // RunPod puts RUNPOD_POD_ID and an API key scoped to the pod into every pod, with runpodctl.
    return QStringLiteral("runpodctl stop pod \"$RUNPOD_POD_ID\"");
}

void RunPodProvider::setCredential(const QString& token)
{
    m_rest->setToken(token);
}

bool RunPodProvider::hasCredential() const
{
    return m_rest->hasToken();
}

void RunPodProvider::checkCredential(Callback<QString> done)
{
    m_rest->send(get(QStringLiteral("/v2/pods")), [done](Result<RestResponse> r) {
        if (!r.ok()) {
            done(r.error());
            return;
        }
        const int pods =
            int(r.value().json.object().value(QStringLiteral("pods")).toArray().size());
        done(QStringLiteral("RunPod API key works (%1 pod(s))").arg(pods));
    });
}

void RunPodProvider::fetchCatalog(Callback<Catalog> done)
{
    RestRequest r = get(QStringLiteral("/v2/catalog/gpus"));
    r.query.addQueryItem(QStringLiteral("include"), QStringLiteral("AVAILABILITY"));
    m_rest->send(r, [this, done](Result<RestResponse> res) {
        const CatalogCache cache(m_context.cacheDir);
        if (res.ok()) {
            Catalog c;
            c.fetchedAt = QDateTime::currentDateTimeUtc();
            const QJsonArray gpus =
                res.value().json.object().value(QStringLiteral("gpus")).toArray();
            c.plans = runpod::plansFromGpus(gpus, c.fetchedAt);
            QStringList seen;
            for (const QJsonValue& g : gpus)
                for (const QJsonValue& d :
                     g.toObject().value(QStringLiteral("dataCenters")).toArray()) {
                    const QString id = d.toObject().value(QStringLiteral("id")).toString();
                    if (!seen.contains(id)) {
                        seen << id;
                        c.regions.append(
                            {id, d.toObject().value(QStringLiteral("name")).toString()});
                    }
                }
            c.images = {{defaultImage(),
                         QStringLiteral("RunPod PyTorch 2.8, CUDA 12.8, Ubuntu 24.04"), true},
                        {QStringLiteral("runpod/base:1.0.2-cuda1281-ubuntu2404"),
                         QStringLiteral("RunPod base, CUDA 12.8, Ubuntu 24.04"), true}};
            (void)cache.save(c);
            done(c);
            return;
        }
        Result<Catalog> saved = cache.load();
        if (saved.ok()) {
            done(std::move(saved));
            return;
        }
        done(res.error());
    });
}

void RunPodProvider::listInstances(Callback<QList<Instance>> done)
{
    if (!hasCredential()) {
        deliver<QList<Instance>>(std::move(done), QList<Instance>{});
        return;
    }
    m_rest->send(get(QStringLiteral("/v2/pods")), [done](Result<RestResponse> r) {
        if (!r.ok()) {
            done(r.error());
            return;
        }
        QList<Instance> list;
        for (const QJsonValue& v : r.value().json.object().value(QStringLiteral("pods")).toArray())
            list.append(runpod::instanceFrom(v.toObject()));
        done(list);
    });
}

void RunPodProvider::getInstance(const QString& id, Callback<Instance> done)
{
    m_rest->send(get(QStringLiteral("/v2/pods/") + id), [done](Result<RestResponse> r) {
        if (!r.ok()) {
            done(r.error());
            return;
        }
        done(runpod::instanceFrom(r.value().json.object()));
    });
}

void RunPodProvider::findByToken(const QString& clientToken, Callback<Instance> done)
{
    m_rest->send(get(QStringLiteral("/v2/pods")), [clientToken, done](Result<RestResponse> r) {
        if (!r.ok()) {
            done(r.error());
            return;
        }
        for (const QJsonValue& v :
             r.value().json.object().value(QStringLiteral("pods")).toArray()) {
            if (runpod::carriesToken(v.toObject(), clientToken)) {
                done(runpod::instanceFrom(v.toObject()));
                return;
            }
        }
        done(makeError(ErrorCode::NotFound,
                       QStringLiteral("No RunPod pod carries this launch's token.")));
    });
}

void RunPodProvider::launch(const LaunchRequest& request, Callback<Instance> done)
{
    if (request.clientToken.isEmpty()) {
        deliver<Instance>(std::move(done),
                          makeError(ErrorCode::Internal,
                                    QStringLiteral("A launch needs a client token."),
                                    QStringLiteral("RunPodProvider::launch without clientToken")));
        return;
    }
    const auto [gpuType, count] = runpod::parsePlanId(request.planId);
    if (count <= 0) {
        deliver<Instance>(std::move(done),
                          makeError(ErrorCode::InvalidInput,
                                    QStringLiteral("\"%1\" is not a RunPod plan from the catalog.")
                                        .arg(request.planId)));
        return;
    }
    QStringList keys;
    for (const QString& k : request.sshPublicKeys)
        keys << k.trimmed();
    // RunPod's images put PUBLIC_KEY into root's authorized_keys when sshd starts; the token
    // lets a retry find this very launch (RunPod has no idempotency key).
    const QJsonObject env{{QStringLiteral("PUBLIC_KEY"), keys.join(QLatin1Char('\n'))},
                          {runpod::tokenEnv(), request.clientToken}};
    QJsonObject body{
        {QStringLiteral("name"), request.name.simplified().isEmpty() ? QStringLiteral("gpudeck")
                                                                     : request.name.simplified()},
        {QStringLiteral("image"), request.imageId.isEmpty() ? defaultImage() : request.imageId},
        {QStringLiteral("gpu"),
         QJsonObject{{QStringLiteral("id"), gpuType}, {QStringLiteral("count"), count}}},
        {QStringLiteral("cloud"),
         request.spot ? QStringLiteral("COMMUNITY") : QStringLiteral("SECURE")},
        {QStringLiteral("ports"), QJsonArray{QStringLiteral("22/tcp")}},
        {QStringLiteral("env"), env},
        {QStringLiteral("startSsh"), true}};
    if (request.diskGb > 0)
        body.insert(QStringLiteral("disk"), int(request.diskGb));
    if (!request.region.isEmpty())
        body.insert(QStringLiteral("dataCenterIds"), QJsonArray{request.region});
    RestRequest create;
    create.method = "POST";
    create.path = QStringLiteral("/v2/pods");
    create.body = QJsonDocument(body);
    create.idempotent = false;
    create.rateBucket = QStringLiteral("create");
    const QString token = request.clientToken;
    LaunchOnce::run(
        this,
        [this, create](Callback<Instance> sent) {
            m_rest->send(create, [sent](Result<RestResponse> r) {
                if (!r.ok()) {
                    sent(r.error());
                    return;
                }
                sent(runpod::instanceFrom(r.value().json.object()));
            });
        },
        [this, token](Callback<Instance> found) { findByToken(token, found); }, done);
}

void RunPodProvider::action(const QString& id, const QString& what, Callback<Instance> done)
{
    RestRequest r;
    r.method = "POST";
    r.path = QStringLiteral("/v2/pods/%1/action").arg(id);
    r.body = QJsonDocument(QJsonObject{{QStringLiteral("action"), what}});
    // Stopping or starting twice leaves the pod in the same state.
    r.idempotent = true;
    m_rest->send(r, [this, id, done](Result<RestResponse> res) {
        if (!res.ok()) {
            done(res.error());
            return;
        }
        getInstance(id, done);
    });
}

void RunPodProvider::stop(const QString& id, Callback<Instance> done)
{
    action(id, QStringLiteral("stop"), std::move(done));
}

void RunPodProvider::start(const QString& id, Callback<Instance> done)
{
    action(id, QStringLiteral("start"), std::move(done));
}

void RunPodProvider::destroy(const QString& id, Callback<void> done)
{
    RestRequest r;
    r.method = "DELETE";
    r.path = QStringLiteral("/v2/pods/") + id;
    m_rest->send(r, [done](Result<RestResponse> res) {
        if (!res.ok() && res.error().code != ErrorCode::NotFound) {
            done(res.error());
            return;
        }
        done(Result<void>{});
    });
}

} // namespace gpudeck
