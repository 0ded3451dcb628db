#include "runpodprovider.h"

#include "runpodapi.h"

namespace gpudeck {

namespace {

RestConfig runpodConfig()
{
    RestConfig config;
    config.providerId = QStringLiteral("runpod");
    config.providerName = QStringLiteral("RunPod");
    config.defaultBaseUrl = QStringLiteral("https://api.runpod.io");
    config.errorMapper = &runpod::errorFrom;
    return config;
}

QJsonArray podsOf(const RestResponse& r)
{
    return r.json.object().value(QStringLiteral("pods")).toArray();
}

} // namespace

RunPodProvider::RunPodProvider(const ProviderContext& context, QObject* parent)
    : RestProvider(context, runpodConfig(), parent)
{
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

void RunPodProvider::checkCredential(Callback<QString> done)
{
    sendFor<QString>(
        get(QStringLiteral("/v2/pods")),
        [](const RestResponse& r) -> Result<QString> {
            return QStringLiteral("RunPod API key works (%1 pod(s))").arg(podsOf(r).size());
        },
        std::move(done));
}

void RunPodProvider::fetchLive(Callback<Catalog> done)
{
    RestRequest r = get(QStringLiteral("/v2/catalog/gpus"));
    r.query.addQueryItem(QStringLiteral("include"), QStringLiteral("AVAILABILITY"));
    sendFor<Catalog>(
        r,
        [](const RestResponse& res) -> Result<Catalog> {
            Catalog c;
            c.fetchedAt = QDateTime::currentDateTimeUtc();
            const QJsonArray gpus = res.json.object().value(QStringLiteral("gpus")).toArray();
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
            return c;
        },
        std::move(done));
}

void RunPodProvider::listRaw(Callback<QJsonArray> done)
{
    sendFor<QJsonArray>(
        get(QStringLiteral("/v2/pods")),
        [](const RestResponse& r) -> Result<QJsonArray> { return podsOf(r); }, std::move(done));
}

Instance RunPodProvider::instanceFrom(const QJsonObject& raw) const
{
    return runpod::instanceFrom(raw);
}

bool RunPodProvider::carriesToken(const QJsonObject& raw, const QString& clientToken) const
{
    return runpod::carriesToken(raw, clientToken);
}

void RunPodProvider::getInstance(const QString& id, Callback<Instance> done)
{
    getOne(QStringLiteral("/v2/pods/") + id, QString(), std::move(done));
}

void RunPodProvider::launch(const LaunchRequest& request, Callback<Instance> done)
{
    if (!acceptLaunch(request, done))
        return;
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
    sendLaunch(call("POST", QStringLiteral("/v2/pods"), body), readInstanceAt(QString()),
               request.clientToken, std::move(done));
}

void RunPodProvider::action(const QString& id, const QString& what, Callback<Instance> done)
{
    sendPower(call("POST", QStringLiteral("/v2/pods/%1/action").arg(id),
                   QJsonObject{{QStringLiteral("action"), what}}),
              id, std::move(done));
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
    sendDestroy(call("DELETE", QStringLiteral("/v2/pods/") + id), std::move(done));
}

} // namespace gpudeck
