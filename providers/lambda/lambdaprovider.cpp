#include "lambdaprovider.h"

#include "lambdaapi.h"

#include <memory>

namespace gpudeck {

namespace {

RestConfig lambdaConfig()
{
    RestConfig config;
    config.providerId = QStringLiteral("lambda");
    config.providerName = QStringLiteral("Lambda");
    config.defaultBaseUrl = QStringLiteral("https://cloud.lambda.ai");
    config.errorMapper = &lambda::errorFrom;
    return config;
}

QJsonArray dataArray(const RestResponse& r)
{
    return r.json.object().value(QStringLiteral("data")).toArray();
}

} // namespace

LambdaProvider::LambdaProvider(const ProviderContext& context, QObject* parent)
    : RestProvider(context, lambdaConfig(), parent)
{
    // Lambda's documented limits: about one request per second, one launch per 12 seconds.
    m_rest->rateLimiter().setLimit(QStringLiteral("default"), {1, 1000});
    m_rest->rateLimiter().setLimit(QStringLiteral("create"), {1, 12000});
}

LambdaProvider::~LambdaProvider() = default;

ProviderCapabilities LambdaProvider::capabilities() const
{
    ProviderCapabilities c;
    c.launch = true;
    c.destroy = true;
    c.stopStart = false; // Lambda instances cannot be stopped, only terminated
    c.liveCatalog = true;
    c.spot = false;
    c.stoppedStillBills = true; // a shut-down instance keeps billing until it is terminated
    c.needsAccount = true;
    c.diskSize = false; // the disk is the instance type's
    return c;
}

QString LambdaProvider::guardNote() const
{
    return QStringLiteral(
        "Lambda bills the hourly price in one-minute increments from launch until the instance "
        "is terminated. There is no stop: shutting the machine down from inside does not stop "
        "billing, so the machine cannot end its own charge and no watchdog runs on it. The "
        "billing guard can only terminate it through the API, which deletes its disk, and only "
        "while GPUDeck runs on this computer with your API key. Copy results off first.");
}

void LambdaProvider::checkCredential(Callback<QString> done)
{
    // Lambda has no "who am I" call; the key list is the cheapest authenticated one.
    sendFor<QString>(
        get(QStringLiteral("/api/v1/ssh-keys")),
        [](const RestResponse& r) -> Result<QString> {
            return QStringLiteral("Lambda API key works (%1 SSH key(s) registered)")
                .arg(dataArray(r).size());
        },
        std::move(done));
}

void LambdaProvider::fetchLive(Callback<Catalog> done)
{
    // Lambda's instance-types call needs a key; the image list is a bonus.
    struct Parts {
        QJsonObject types;
        QJsonArray images;
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
        c.plans = lambda::plansFromTypes(parts->types, c.fetchedAt);
        c.regions = lambda::regionsFromTypes(parts->types);
        c.images = lambda::imagesFrom(parts->images);
        if (c.images.isEmpty() || !c.images.first().cudaReady)
            c.images.prepend({QStringLiteral("lambda-stack-22-04"),
                              QStringLiteral("Lambda Stack 22.04 (CUDA, PyTorch)"), true});
        done(std::move(c));
    };
    m_rest->send(
        get(QStringLiteral("/api/v1/instance-types")), [parts, finish](Result<RestResponse> r) {
            if (r.ok())
                parts->types = r.value().json.object().value(QStringLiteral("data")).toObject();
            else
                parts->error = r.error();
            finish();
        });
    m_rest->send(get(QStringLiteral("/api/v1/images")), [parts, finish](Result<RestResponse> r) {
        if (r.ok())
            parts->images = r.value().json.object().value(QStringLiteral("data")).toArray();
        finish();
    });
}

void LambdaProvider::listRaw(Callback<QJsonArray> done)
{
    sendFor<QJsonArray>(
        get(QStringLiteral("/api/v1/instances")),
        [](const RestResponse& r) -> Result<QJsonArray> { return dataArray(r); }, std::move(done));
}

Instance LambdaProvider::instanceFrom(const QJsonObject& raw) const
{
    return lambda::instanceFrom(raw);
}

bool LambdaProvider::carriesToken(const QJsonObject& raw, const QString& clientToken) const
{
    return lambda::carriesToken(raw, clientToken);
}

void LambdaProvider::getInstance(const QString& id, Callback<Instance> done)
{
    getOne(QStringLiteral("/api/v1/instances/") + id, QStringLiteral("data"), std::move(done));
}

void LambdaProvider::launch(const LaunchRequest& request, Callback<Instance> done)
{
    if (!acceptLaunch(request, done))
        return;
    if (request.sshPublicKeys.isEmpty()) {
        deliver<Instance>(std::move(done),
                          makeError(ErrorCode::InvalidInput,
                                    QStringLiteral("Lambda needs an SSH key to launch; GPUDeck "
                                                   "found none to give it.")));
        return;
    }
    // Lambda takes exactly one key per launch: GPUDeck's own, the first one.
    const KeyRegistry keys{QStringLiteral("/api/v1/ssh-keys"),
                           QStringLiteral("data"),
                           QStringLiteral("data"),
                           QStringLiteral("name"),
                           {}};
    ensureKey(keys, request.sshPublicKeys.first(), [this, request, done](Result<QString> key) {
        if (!key.ok()) {
            done(key.error());
            return;
        }
        QJsonObject body{
            {QStringLiteral("region_name"), request.region},
            {QStringLiteral("instance_type_name"), request.planId},
            {QStringLiteral("ssh_key_names"), QJsonArray{key.value()}},
            {QStringLiteral("name"), lambda::safeName(request.name, request.clientToken)},
            // The tag lets a retry find this very launch (Lambda has no idempotency key).
            {QStringLiteral("tags"),
             QJsonArray{QJsonObject{{QStringLiteral("key"), lambda::tokenTagKey()},
                                    {QStringLiteral("value"), request.clientToken}}}}};
        // Without an image Lambda uses its latest Lambda Stack (CUDA ready).
        if (!request.imageId.isEmpty())
            body.insert(QStringLiteral("image"),
                        QJsonObject{{QStringLiteral("family"), request.imageId}});
        // The answer names the instance only: the instance itself is read right after.
        const ReadLaunch read = [this](const RestResponse& r, Callback<Instance> sent) {
            const QJsonArray ids = r.json.object()
                                       .value(QStringLiteral("data"))
                                       .toObject()
                                       .value(QStringLiteral("instance_ids"))
                                       .toArray();
            if (ids.isEmpty()) {
                sent(unreadableLaunch(r));
                return;
            }
            getInstance(ids.first().toString(), std::move(sent));
        };
        sendLaunch(call("POST", QStringLiteral("/api/v1/instance-operations/launch"), body), read,
                   request.clientToken, done);
    });
}

void LambdaProvider::destroy(const QString& id, Callback<void> done)
{
    sendDestroy(call("POST", QStringLiteral("/api/v1/instance-operations/terminate"),
                     QJsonObject{{QStringLiteral("instance_ids"), QJsonArray{id}}}),
                std::move(done));
}

} // namespace gpudeck
