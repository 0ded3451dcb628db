#include "vastprovider.h"

#include "vastapi.h"

#include <QLoggingCategory>

#include <memory>

namespace gpudeck {

Q_LOGGING_CATEGORY(lcVast, "gpudeck.providers.vast")

namespace {

// A disk big enough for a CUDA framework image, a dataset and checkpoints. Vast's own default
// (8 GB) does not even hold the PyTorch image; the size cannot be changed after creation.
constexpr double kDefaultDiskGb = 40;

RestConfig vastConfig()
{
    RestConfig config;
    config.providerId = QStringLiteral("vast");
    config.providerName = QStringLiteral("Vast.ai");
    config.defaultBaseUrl = QStringLiteral("https://console.vast.ai");
    config.errorMapper = &vast::errorFrom;
    // Vast answers 429 per endpoint, often without Retry-After: one more attempt than the
    // default, so the backoff (1, 2, 4, 8 s) outlasts its thresholds.
    config.maxAttempts = 5;
    return config;
}

// The CUDA version the image needs from the host's driver (the offer's cuda_max_good).
double minCudaFor(const QString& image)
{
    return image == VastProvider::defaultImage() ||
                   image.startsWith(QLatin1String("nvidia/cuda:12.4"))
               ? 12.4
               : 0;
}

QJsonArray keysOf(const RestResponse& r)
{
    if (r.json.isArray())
        return r.json.array();
    const QJsonObject o = r.json.object();
    for (const char* key : {"ssh_keys", "keys"})
        if (o.value(QLatin1String(key)).isArray())
            return o.value(QLatin1String(key)).toArray();
    return {};
}

} // namespace

VastProvider::VastProvider(const ProviderContext& context, QObject* parent)
    : RestProvider(context, vastConfig(), parent)
{
    // Vast documents no numbers, only per-endpoint thresholds in its 429 answers ("API requests
    // too frequent endpoint threshold=1.0" … "=4.5" for create instance, "=8" at most in the
    // spec), often without Retry-After. Conservative pacing keeps GPUDeck under them: two calls
    // a second overall, one create every 5 s.
    m_rest->rateLimiter().setLimit(QStringLiteral("default"), {2, 1000});
    m_rest->rateLimiter().setLimit(QStringLiteral("create"), {1, 5000});
}

VastProvider::~VastProvider() = default;

QString VastProvider::defaultImage()
{
    return QStringLiteral("pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime");
}

QString VastProvider::selfStopApi()
{
    return QStringLiteral("https://console.vast.ai/api/v0/instances/");
}

ProviderCapabilities VastProvider::capabilities() const
{
    ProviderCapabilities c;
    c.launch = true;
    c.destroy = true;
    c.stopStart = true;
    c.liveCatalog = true;
    c.spot = true; // interruptible instances at the machine's minimum bid
    c.stoppedStillBills = false;
    c.needsAccount = true;
    c.diskSize = true;
    return c;
}

QString VastProvider::guardNote() const
{
    return QStringLiteral(
        "Vast.ai bills per second while an instance runs, and its disk per second for as long "
        "as the instance exists, stopped too: only destroying it ends every charge. An "
        "instance can stop itself with the API key Vast.ai puts into it, so GPUDeck's "
        "on-instance watchdog can end the GPU charge even while this computer is off; the disk "
        "keeps billing until the instance is destroyed, which the desktop guard does only while "
        "GPUDeck runs with your API key. A stopped instance may not start again soon: its host "
        "can rent the GPUs to someone else meanwhile.");
}

QString VastProvider::spotNote() const
{
    return QStringLiteral(
        "The lower price is an interruptible instance: GPUDeck bids the machine's current "
        "minimum. Anyone who bids more or rents the machine on demand pauses your instance at "
        "any moment, without notice, until they are done; its disk keeps billing meanwhile. "
        "Save checkpoints often.");
}

QString VastProvider::selfStopCommand() const
{
    // Vast puts the instance's id and an API key scoped to it into the container as
    // CONTAINER_ID and CONTAINER_API_KEY. SSH sessions (and so the watchdog) do not inherit
    // the container's environment: read them from PID 1's when they are not set. The stop
    // itself is the API's manage call; curl where the image has it, else the vastai CLI, else
    // Python (every CUDA framework image has one of them).
    return QStringLiteral(
               "e() { v=$(printenv \"$1\"); [ -n \"$v\" ] || v=$(tr '\\0' '\\n' </proc/1/environ "
               "2>/dev/null | sed -n \"s/^$1=//p\" | head -n 1); printf '%s' \"$v\"; }; "
               "id=$(e CONTAINER_ID); key=$(e CONTAINER_API_KEY); url=\"") +
           selfStopApi() +
           QStringLiteral(
               "$id/\"; "
               "if command -v curl >/dev/null 2>&1; then curl -fsS -m 60 -X PUT -H "
               "\"Authorization: Bearer $key\" -H 'Content-Type: application/json' -d "
               "'{\"state\":\"stopped\"}' \"$url\"; "
               "elif command -v vastai >/dev/null 2>&1; then vastai stop instance \"$id\" "
               "--api-key \"$key\"; "
               "else K=\"$key\" U=\"$url\" python3 -c \"import os, urllib.request as r; "
               "r.urlopen(r.Request(os.environ['U'], data=b'{\\\"state\\\":\\\"stopped\\\"}', "
               "method='PUT', headers={'Authorization': 'Bearer ' + os.environ['K'], "
               "'Content-Type': 'application/json'}), timeout=60)\"; fi");
}

void VastProvider::checkCredential(Callback<QString> done)
{
    sendFor<QString>(
        get(QStringLiteral("/api/v0/users/current")),
        [](const RestResponse& r) -> Result<QString> {
            const QJsonObject u = r.json.object();
            QString who = u.value(QStringLiteral("email")).toString();
            if (who.isEmpty())
                who = u.value(QStringLiteral("username")).toString();
            if (who.isEmpty())
                who = QStringLiteral("user %1").arg(u.value(QStringLiteral("id")).toInteger());
            const QJsonValue balance = u.value(QStringLiteral("balance"));
            if (!balance.isDouble())
                return QStringLiteral("Vast.ai account %1").arg(who);
            return QStringLiteral("Vast.ai account %1 (credit $%2)")
                .arg(who)
                .arg(balance.toDouble(), 0, 'f', 2);
        },
        std::move(done));
}

void VastProvider::fetchLive(Callback<Catalog> done)
{
    // A search changes nothing: safe to send again.
    sendFor<Catalog>(
        call("POST", QStringLiteral("/api/v0/bundles"), vast::catalogQuery(), true),
        [](const RestResponse& res) -> Result<Catalog> {
            Catalog c;
            c.fetchedAt = QDateTime::currentDateTimeUtc();
            const QJsonArray offers = vast::offersOf(res.json.object());
            c.plans = vast::plansFromOffers(offers, c.fetchedAt);
            c.regions = vast::regionsFromOffers(offers);
            c.images = {{defaultImage(), QStringLiteral("PyTorch 2.5.1, CUDA 12.4, cuDNN 9"), true},
                        {QStringLiteral("vastai/base-image:@vastai-automatic-tag"),
                         QStringLiteral("Vast.ai base image, CUDA matched to the machine's driver"),
                         true},
                        {QStringLiteral("nvidia/cuda:12.4.1-cudnn-devel-ubuntu22.04"),
                         QStringLiteral("NVIDIA CUDA 12.4 devel, Ubuntu 22.04"), true}};
            return c;
        },
        std::move(done));
}

void VastProvider::listRaw(Callback<QJsonArray> done)
{
    RestRequest first = get(QStringLiteral("/api/v1/instances"));
    first.query.addQueryItem(QStringLiteral("limit"), QStringLiteral("25")); // Vast's maximum
    m_rest->sendAll(
        first, QStringLiteral("instances"),
        [](const QJsonObject& page, const RestRequest& current) {
            const QString next = page.value(QStringLiteral("next_token")).toString();
            const QString after = current.query.queryItemValue(QStringLiteral("after_token"));
            // A cursor that does not move would page forever.
            if (next.isEmpty() || next == after ||
                page.value(QStringLiteral("instances")).toArray().isEmpty())
                return RestRequest{};
            RestRequest r = current;
            r.query.removeAllQueryItems(QStringLiteral("after_token"));
            r.query.addQueryItem(QStringLiteral("after_token"), next);
            return r;
        },
        [done](Result<QJsonArray> all) {
            if (!all.ok()) {
                done(all.error());
                return;
            }
            done(vast::uniqueById(all.value()));
        });
}

Instance VastProvider::instanceFrom(const QJsonObject& raw) const
{
    return vast::instanceFrom(raw);
}

bool VastProvider::carriesToken(const QJsonObject& raw, const QString& clientToken) const
{
    return vast::carriesToken(raw, clientToken);
}

void VastProvider::getInstance(const QString& id, Callback<Instance> done)
{
    sendFor<Instance>(
        get(QStringLiteral("/api/v0/instances/") + id),
        [id](const RestResponse& r) -> Result<Instance> {
            // A destroyed instance is answered with "instances": null (the spec has no 404).
            QJsonValue v = r.json.object().value(QStringLiteral("instances"));
            if (v.isArray())
                v = v.toArray().first();
            const QJsonObject o = v.toObject();
            if (o.isEmpty())
                return makeError(ErrorCode::NotFound,
                                 QStringLiteral("Vast.ai has no instance %1 (any more).").arg(id));
            return vast::instanceFrom(o);
        },
        std::move(done));
}

void VastProvider::sendChecked(const RestRequest& request, Callback<RestResponse> done)
{
    m_rest->send(request, [done](Result<RestResponse> r) {
        if (!r.ok()) {
            done(r.error());
            return;
        }
        if (const std::optional<Error> refused = vast::refusalIn(r.value())) {
            done(*refused);
            return;
        }
        done(std::move(r));
    });
}

void VastProvider::ensureKeys(const QStringList& keys, Callback<void> done)
{
    m_rest->send(get(QStringLiteral("/api/v0/ssh")), [this, keys, done](Result<RestResponse> r) {
        if (!r.ok()) {
            done(r.error());
            return;
        }
        const QJsonArray registered = keysOf(r.value());
        QStringList missing;
        for (const QString& k : keys)
            if (!vast::hasKey(registered, k))
                missing << k.trimmed();
        if (missing.isEmpty()) {
            done(Result<void>{});
            return;
        }
        struct Pending {
            qsizetype left = 0;
            std::optional<Error> error;
        };
        auto pending = std::make_shared<Pending>();
        pending->left = missing.size();
        for (const QString& k : std::as_const(missing)) {
            // Not resent blindly: a second registration would list the key twice. The next
            // launch finds it by its public part anyway.
            RestRequest add = call("POST", QStringLiteral("/api/v0/ssh"),
                                   QJsonObject{{QStringLiteral("ssh_key"), k}}, false);
            sendChecked(add, [pending, done](Result<RestResponse> added) {
                if (!added.ok() && !pending->error)
                    pending->error = added.error();
                if (--pending->left > 0)
                    return;
                if (pending->error)
                    done(*pending->error);
                else
                    done(Result<void>{});
            });
        }
    });
}

void VastProvider::launch(const LaunchRequest& request, Callback<Instance> done)
{
    if (!acceptLaunch(request, done))
        return;
    // Plain variables, not a structured binding: clang 14 (the ASan build) cannot capture one.
    const std::pair<QString, int> parsed = vast::parsePlanId(request.planId);
    const QString gpuName = parsed.first;
    const int count = parsed.second;
    if (count <= 0) {
        deliver<Instance>(std::move(done),
                          makeError(ErrorCode::InvalidInput,
                                    QStringLiteral("\"%1\" is not a Vast.ai plan from the catalog.")
                                        .arg(request.planId)));
        return;
    }
    if (request.sshPublicKeys.isEmpty()) {
        deliver<Instance>(std::move(done),
                          makeError(ErrorCode::InvalidInput,
                                    QStringLiteral("A Vast.ai instance needs an SSH key: Vast.ai "
                                                   "has no password login.")));
        return;
    }
    const QString image = request.imageId.isEmpty() ? defaultImage() : request.imageId;
    const double diskGb = request.diskGb > 0 ? request.diskGb : kDefaultDiskGb;
    // Keys first: Vast copies the account's keys into an instance when it is created.
    ensureKeys(request.sshPublicKeys, [this, request, gpuName, count, image, diskGb,
                                       done](Result<void> keys) {
        if (!keys.ok()) {
            done(keys.error());
            return;
        }
        // The offer is chosen now, not from the catalog: offers come and go by the minute.
        const QJsonObject query = vast::launchQuery(gpuName, count, request.region, request.spot,
                                                    diskGb, minCudaFor(image));
        sendFor<QJsonObject>(
            call("POST", QStringLiteral("/api/v0/bundles"), query, true),
            [gpuName, count, request, diskGb](const RestResponse& r) -> Result<QJsonObject> {
                const QJsonObject offer =
                    vast::pickOffer(vast::offersOf(r.json.object()), gpuName, count, request.region,
                                    request.spot, diskGb);
                if (offer.isEmpty())
                    return vast::noOffer(gpuName, count, request.region, request.spot);
                return offer;
            },
            [this, request, image, diskGb, done](Result<QJsonObject> picked) {
                if (!picked.ok()) {
                    done(picked.error());
                    return;
                }
                const QJsonObject offer = picked.value();
                const QJsonValue idValue = offer.value(QStringLiteral("id"));
                const QString offerId = idValue.isDouble()
                                            ? QString::number(qint64(idValue.toDouble()))
                                            : idValue.toString();
                qCInfo(lcVast).noquote()
                    << "renting offer" << offerId << "at" << vast::offerHourly(offer, request.spot)
                    << "$/h" << (request.spot ? "(bid)" : "");
                const bool direct =
                    offer.value(QStringLiteral("direct_port_count")).toInteger() > 0;
                QJsonObject body{
                    {QStringLiteral("image"), image},
                    {QStringLiteral("label"), vast::labelFor(request.name, request.clientToken)},
                    {QStringLiteral("disk"), diskGb},
                    // SSH straight to the machine where it has open ports, else Vast's proxy.
                    {QStringLiteral("runtype"),
                     direct ? QStringLiteral("ssh_direct") : QStringLiteral("ssh_proxy")},
                    {QStringLiteral("target_state"), QStringLiteral("running")},
                    {QStringLiteral("env"),
                     QStringLiteral("-e %1=%2").arg(vast::tokenEnv(), request.clientToken)}};
                if (request.spot) {
                    // The bid, $/h for the machine: its current minimum, rounded up to the
                    // tenth of a cent Vast accepts.
                    const double bid =
                        std::ceil(offer.value(QStringLiteral("min_bid")).toDouble() * 1000.0) /
                        1000.0;
                    body.insert(QStringLiteral("price"), std::max(bid, 0.001));
                } else {
                    // Fail at once when the machine cannot start now, rather than wait.
                    body.insert(QStringLiteral("cancel_unavail"), true);
                }
                const Instance planned = [&] {
                    Instance i = vast::instanceFrom(offer);
                    i.status = InstanceStatus::Requested;
                    i.statusDetail.clear();
                    i.host.clear();
                    i.name = request.name.simplified();
                    i.region = request.region.isEmpty() ? i.region : request.region;
                    i.diskGb = diskGb;
                    i.createdAt = QDateTime::currentDateTimeUtc();
                    i.startedAt = QDateTime();
                    if (request.spot)
                        i.priceHourly = body.value(QStringLiteral("price")).toDouble();
                    return i;
                }();
                sendLaunch(
                    call("PUT", QStringLiteral("/api/v0/asks/") + offerId, body, false),
                    [this, planned](const RestResponse& r, Callback<Instance> sent) {
                        if (const std::optional<Error> refused = vast::refusalIn(r)) {
                            sent(*refused);
                            return;
                        }
                        const QString id = vast::launchedId(r.json.object());
                        if (id.isEmpty()) {
                            sent(unreadableLaunch(r));
                            return;
                        }
                        // The create answer names only the id: read the instance. It
                        // exists whatever this read says, so a failed read still
                        // answers the instance as launched.
                        getInstance(id, [planned, id, sent](Result<Instance> got) {
                            if (got.ok()) {
                                sent(got.value());
                                return;
                            }
                            Instance i = planned;
                            i.id = id;
                            sent(i);
                        });
                    },
                    request.clientToken,
                    [this, token = request.clientToken, done](Result<Instance> r) {
                        settleLaunch(token, std::move(r), done);
                    });
            });
    });
}

void VastProvider::settleLaunch(const QString& clientToken, Result<Instance> result,
                                Callback<Instance> done)
{
    if (result.ok() || result.error().code != ErrorCode::NoCapacity) {
        done(std::move(result));
        return;
    }
    // "Offer no longer available" can be our own doing: a first attempt whose answer was lost
    // rented it, the check for the token missed the new instance (the list lags), and the
    // resend found the offer taken. A machine that bills must not be reported as not made:
    // look for the token once more.
    const Error refused = result.error();
    listRaw([this, clientToken, refused, done](Result<QJsonArray> all) {
        if (all.ok())
            for (const QJsonValue& v : all.value())
                if (carriesToken(v.toObject(), clientToken)) {
                    qCWarning(lcVast) << "the offer was gone because this launch had rented it";
                    done(instanceFrom(v.toObject()));
                    return;
                }
        done(refused);
    });
}

void VastProvider::setState(const QString& id, const QString& state, Callback<Instance> done)
{
    // Asking for the state an instance is already in leaves it there: safe to resend.
    RestRequest r = call("PUT", QStringLiteral("/api/v0/instances/") + id,
                         QJsonObject{{QStringLiteral("state"), state}}, true);
    sendChecked(r, [this, id, done](Result<RestResponse> sent) {
        if (!sent.ok()) {
            done(sent.error());
            return;
        }
        getInstance(id, done);
    });
}

void VastProvider::stop(const QString& id, Callback<Instance> done)
{
    setState(id, QStringLiteral("stopped"), std::move(done));
}

void VastProvider::start(const QString& id, Callback<Instance> done)
{
    setState(id, QStringLiteral("running"), std::move(done));
}

void VastProvider::destroy(const QString& id, Callback<void> done)
{
    // A resent destroy whose first attempt went through answers "not found": gone too. The
    // caller confirms with getInstance (an empty answer once it is gone).
    sendChecked(call("DELETE", QStringLiteral("/api/v0/instances/") + id, {}, true),
                [done](Result<RestResponse> r) {
                    if (!r.ok() && r.error().code != ErrorCode::NotFound) {
                        done(r.error());
                        return;
                    }
                    done(Result<void>{});
                });
}

} // namespace gpudeck
