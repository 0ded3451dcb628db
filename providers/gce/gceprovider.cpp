#include "gceprovider.h"

#include "gceapi.h"
#include "publicaddress.h"

#include <QLoggingCategory>
#include <QNetworkRequest>
#include <QTimer>

#include <memory>

namespace gpudeck {

Q_LOGGING_CATEGORY(lcGce, "gpudeck.providers.gce")

namespace {

// A compute operation is waited for with operations.wait, which Google holds open for up to two
// minutes: twenty rounds cover the slowest GPU VM creation seen (about ten minutes).
constexpr int kOperationRounds = 20;
// A token is fetched again this long before it expires (Google's last one hour).
constexpr int kTokenMarginSec = 300;

RestConfig gceConfig(GceProvider* self, const QString* token)
{
    RestConfig config;
    config.providerId = QStringLiteral("gce");
    config.providerName = QStringLiteral("Google Compute Engine");
    config.defaultBaseUrl = QStringLiteral("https://compute.googleapis.com/compute/v1");
    config.errorMapper = &gce::errorFrom;
    config.isThrottled = &gce::isThrottled;
    config.signer = [self, token](QNetworkRequest& req, const QByteArray&,
                                  const QByteArray&) -> Result<void> {
        if (token->isEmpty())
            return makeError(ErrorCode::Unauthorized,
                             QStringLiteral("GPUDeck is not signed in to %1 (no access token).")
                                 .arg(self->displayName()));
        req.setRawHeader("Authorization", "Bearer " + token->toUtf8());
        return {};
    };
    return config;
}

QString initialZone()
{
    const QString zone = qEnvironmentVariable("CLOUDSDK_COMPUTE_ZONE");
    return zone.isEmpty() ? QStringLiteral("us-central1-a") : zone;
}

} // namespace

GceProvider::GceProvider(const ProviderContext& context, QObject* parent)
    : RestProvider(context, gceConfig(this, &m_accessToken), parent)
    , m_zone(initialZone())
{
    // Compute Engine's documented default: 20 requests per second per project for reads
    // (and fewer for writes); GPUDeck stays well below.
    m_rest->rateLimiter().setLimit(QStringLiteral("default"), {20, 1000});
    m_address = new PublicAddress(QStringLiteral("gce"), this);
    setCredential({});
}

GceProvider::~GceProvider() = default;

ProviderCapabilities GceProvider::capabilities() const
{
    ProviderCapabilities c;
    c.launch = true;
    c.destroy = true;
    c.stopStart = true;
    c.liveCatalog = true;
    c.spot = true;
    c.stoppedStillBills = false;
    c.needsAccount = true;
    c.diskSize = true;
    c.sshFirewall = true;
    return c;
}

QString GceProvider::guardNote() const
{
    return QStringLiteral(
        "Compute Engine bills VMs per second with a one-minute minimum each time they start. A "
        "stopped VM costs nothing for compute or GPUs, but its disk keeps billing until the VM "
        "is deleted. GPUDeck's on-instance watchdog shuts the VM down when this computer's "
        "heartbeat stops and the GPUs are idle: Google then stops it, which ends the compute "
        "charge even while this computer is off; only deleting it ends the disk charge. Spot "
        "VMs can be taken back by Google at any time (they are stopped, not deleted).");
}

QString GceProvider::spotNote() const
{
    return QStringLiteral(
        "Google may take a Spot VM back whenever it needs the capacity, with 30 seconds of "
        "warning. GPUDeck asks for it to be stopped then, not deleted: its disk and files stay "
        "(and keep billing) and you can start it again when capacity returns; work in memory "
        "is lost. Spot prices change at most once a month.");
}

QString GceProvider::selfStopCommand() const
{
    // A guest shutdown stops the VM (TERMINATED): compute billing ends, the disk stays.
    return QStringLiteral("sudo shutdown -h now");
}

void GceProvider::setCredential(const QString& token)
{
    m_accessToken.clear();
    m_tokenExpiry = {};
    m_keyProblem.reset();
    Result<gce::ServiceAccountKey> k =
        token.trimmed().isEmpty() ? gce::keyFromEnvironment() : gce::keyFromStored(token);
    if (k.ok()) {
        m_key = k.value();
    } else {
        m_key = {};
        m_keyProblem = k.error();
    }
    // Any non-empty value marks RestProvider's client as having an account.
    m_rest->setToken(m_key.isValid() ? QStringLiteral("service-account") : QString());
}

bool GceProvider::hasCredential() const
{
    return m_key.isValid();
}

void GceProvider::setBackoffBaseMs(int ms)
{
    m_backoffMs = ms;
    m_rest->setBackoffBaseMs(ms);
    m_address->setBackoffBaseMs(ms);
    if (m_billing)
        m_billing->setBackoffBaseMs(ms);
    if (m_oauth)
        m_oauth->setBackoffBaseMs(ms);
}

bool GceProvider::tokenFresh() const
{
    if (m_accessToken.isEmpty() || !m_tokenExpiry.isValid())
        return false;
    return QDateTime::currentDateTimeUtc().secsTo(m_tokenExpiry) > kTokenMarginSec;
}

void GceProvider::withToken(std::function<void(std::optional<Error>)> then)
{
    if (!m_key.isValid()) {
        const Error e = m_keyProblem.value_or(makeError(
            ErrorCode::Unauthorized,
            QStringLiteral("No Google service-account key is set. Paste its JSON key in "
                           "Settings → Accounts, or set GOOGLE_APPLICATION_CREDENTIALS to the "
                           "key file (for gpudeck-cli).")));
        QMetaObject::invokeMethod(
            this, [then, e] { then(e); }, Qt::QueuedConnection);
        return;
    }
    if (tokenFresh()) {
        then(std::nullopt);
        return;
    }
    m_tokenWaiters.append(std::move(then));
    if (m_tokenPending)
        return;
    m_tokenPending = true;
    const QString url = gce::tokenUrl(m_key);
    if (!m_oauth || url != m_oauthUrl) {
        delete m_oauth;
        const QUrl u(url);
        RestConfig c;
        c.providerId = QStringLiteral("gce_oauth");
        c.providerName = QStringLiteral("Google sign-in");
        c.defaultBaseUrl = u.adjusted(QUrl::RemovePath | QUrl::RemoveQuery).toString();
        c.errorMapper = [](const RestResponse& r) {
            return gce::tokenError(r.status, r.json.object());
        };
        m_oauth = new RestClient(c, this);
        m_oauth->setBackoffBaseMs(m_backoffMs);
        m_oauthUrl = url;
    }
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const Result<QByteArray> assertion = gce::makeAssertion(m_key, url, now);
    if (!assertion.ok()) {
        QMetaObject::invokeMethod(
            this, [this, e = assertion.error()] { tokenArrived(e); }, Qt::QueuedConnection);
        return;
    }
    RestRequest r;
    r.method = "POST";
    r.path = QUrl(url).path();
    r.rawBody = "grant_type=" + QByteArray(gce::kJwtBearerGrant).toPercentEncoding() +
                "&assertion=" + assertion.value();
    r.contentType = "application/x-www-form-urlencoded";
    r.authenticated = false;
    // Trading the same assertion twice is harmless: safe to resend after a 5xx.
    r.idempotent = true;
    m_oauth->send(r, [this, now](Result<RestResponse> res) {
        if (!res.ok()) {
            tokenArrived(res.error());
            return;
        }
        tokenArrived(gce::parseTokenAnswer(res.value().json.object(), now));
    });
}

void GceProvider::tokenArrived(const Result<gce::AccessToken>& token)
{
    m_tokenPending = false;
    std::optional<Error> failed;
    if (token.ok()) {
        m_accessToken = token.value().token;
        m_tokenExpiry = token.value().expiresAt;
        qCDebug(lcGce) << "access token until" << m_tokenExpiry;
    } else {
        failed = token.error();
        qCWarning(lcGce).noquote() << "sign-in failed:" << token.error().detail;
    }
    const auto waiters = std::exchange(m_tokenWaiters, {});
    for (const auto& w : waiters)
        w(failed);
}

template <typename T>
void GceProvider::authed(std::function<void(Callback<T>)> op, Callback<T> done)
{
    withToken([this, op, done](std::optional<Error> e) {
        if (e) {
            done(*e);
            return;
        }
        op([this, op, done](Result<T> r) {
            if (r.ok() || r.error().code != ErrorCode::Unauthorized || !m_key.isValid()) {
                done(std::move(r));
                return;
            }
            // Revoked or expired early: sign in again, once. A 401 did nothing, so the call
            // (a launch too) may be sent again.
            qCInfo(lcGce) << "access token refused; signing in again";
            m_accessToken.clear();
            withToken([op, done](std::optional<Error> again) {
                if (again) {
                    done(*again);
                    return;
                }
                op(done);
            });
        });
    });
}

QString GceProvider::projectPath() const
{
    return QStringLiteral("/projects/") + m_key.projectId;
}

void GceProvider::checkCredential(Callback<QString> done)
{
    authed<QString>(
        [this](Callback<QString> got) {
            sendFor<QString>(
                get(projectPath()),
                [this](const RestResponse& r) -> Result<QString> {
                    const QString name = r.json.object().value(QStringLiteral("name")).toString();
                    return QStringLiteral("%1 (project %2)")
                        .arg(m_key.clientEmail, name.isEmpty() ? m_key.projectId : name);
                },
                std::move(got));
        },
        std::move(done));
}

void GceProvider::aggregated(const QString& what, const QString& key, const QUrlQuery& query,
                             Callback<QJsonArray> done)
{
    auto items = std::make_shared<QJsonArray>();
    auto pages = std::make_shared<int>(0);
    using Step = std::function<void(RestRequest)>;
    auto step = std::make_shared<Step>();
    // The step holds itself weakly; the request in flight carries the strong reference.
    *step = [this, key, done, items, pages, weak = std::weak_ptr<Step>(step)](RestRequest req) {
        const std::shared_ptr<Step> self = weak.lock();
        m_rest->send(req, [key, done, items, pages, req, self](Result<RestResponse> r) {
            if (!r.ok()) {
                done(r.error());
                return;
            }
            const QJsonObject page = r.value().json.object();
            for (const QJsonValue& v : gce::flattenAggregated(page, key))
                items->append(v);
            const RestRequest next = gce::nextPage(page, req);
            // Bounded: an API that keeps naming pages cannot loop us forever.
            if (next.path.isEmpty() || next.query == req.query || ++*pages >= 100) {
                done(*items);
                return;
            }
            (*self)(next);
        });
    };
    RestRequest first = get(projectPath() + QStringLiteral("/aggregated/") + what);
    first.query = query;
    (*step)(first);
}

void GceProvider::fetchBilling(const QString& apiKey, Callback<gce::BillingRates> done)
{
    // The address is read when prices are fetched (GPUDECK_API_BASE_GCE_BILLING may be set
    // later); a client with a call in flight is kept.
    const QString defaultBase = QStringLiteral("https://cloudbilling.googleapis.com");
    const QString base = RestClient::resolveBaseUrl(QStringLiteral("gce_billing"), {}, defaultBase);
    if (!m_billing || (m_billingBusy == 0 && m_billing->baseUrl() != base)) {
        delete m_billing;
        RestConfig billing;
        billing.providerId = QStringLiteral("gce_billing");
        billing.providerName = QStringLiteral("Cloud Billing Catalog API");
        billing.defaultBaseUrl = defaultBase;
        billing.errorMapper = &gce::billingErrorFrom;
        // The catalog waits for the prices: a long Retry-After is a failure (the table stands).
        billing.maxAttempts = 3;
        billing.maxRetryAfterSec = 10;
        billing.backoffBaseMs = m_backoffMs;
        m_billing = new RestClient(billing, this);
    }
    ++m_billingBusy;
    done = [this, done](Result<gce::BillingRates> r) {
        --m_billingBusy;
        done(std::move(r));
    };
    auto skus = std::make_shared<QJsonArray>();
    auto pages = std::make_shared<int>(0);
    using Step = std::function<void(RestRequest)>;
    auto step = std::make_shared<Step>();
    // The step holds itself weakly; the request in flight carries the strong reference.
    *step = [this, skus, pages, done, weak = std::weak_ptr<Step>(step)](RestRequest req) {
        const std::shared_ptr<Step> self = weak.lock();
        m_billing->send(req, [=](Result<RestResponse> r) {
            if (!r.ok()) {
                done(r.error());
                return;
            }
            const QJsonObject page = r.value().json.object();
            if (!r.value().json.isObject() || !page.value(QStringLiteral("skus")).isArray()) {
                done(makeError(ErrorCode::ProviderFailure,
                               QStringLiteral("The Cloud Billing Catalog API's answer could not "
                                              "be read (no list of SKUs)."),
                               QStringLiteral("page %1").arg(*pages + 1)));
                return;
            }
            for (const QJsonValue& v : page.value(QStringLiteral("skus")).toArray())
                skus->append(v);
            const RestRequest next = gce::nextPage(page, req);
            // Bounded: a cursor that does not move or never ends stops the list.
            if (next.path.isEmpty() || next.query == req.query || ++*pages >= 100) {
                done(gce::billingRatesFrom(*skus, QDateTime::currentDateTimeUtc()));
                return;
            }
            (*self)(next);
        });
    };
    RestRequest first = get(QStringLiteral("/v1/services/%1/skus")
                                .arg(QString::fromLatin1(gce::kComputeBillingService)),
                            false);
    first.query.addQueryItem(QStringLiteral("key"), apiKey);
    first.query.addQueryItem(QStringLiteral("pageSize"), QStringLiteral("5000"));
    (*step)(first);
}

void GceProvider::fetchLive(Callback<Catalog> done)
{
    struct Parts {
        QJsonArray accelerators, machines, images;
        int pending = 4;
        std::optional<Error> error;
        std::optional<gce::BillingRates> billing;
        QString billingProblem;
    };
    auto parts = std::make_shared<Parts>();
    const bool account = hasCredential();
    if (!account)
        parts->pending = 1; // the prices only
    const auto finish = [parts, done, account] {
        if (--parts->pending > 0)
            return;
        if (parts->error) {
            done(*parts->error);
            return;
        }
        Catalog c;
        // Without an account: the table's zones and, without SKUs, the table's date.
        c.fetchedAt =
            account || parts->billing ? QDateTime::currentDateTimeUtc() : gce::priceTableDate();
        const gce::BillingRates* billing = parts->billing ? &*parts->billing : nullptr;
        if (account) {
            c.plans = gce::plansFrom(parts->accelerators, parts->machines, gce::priceTableDate(),
                                     billing, parts->billingProblem);
            c.regions = gce::zonesFrom(parts->accelerators);
            c.images = gce::imagesFrom(parts->images);
        } else {
            c.plans = gce::plansFrom({}, {}, gce::priceTableDate(), billing, parts->billingProblem);
            QJsonArray zones;
            for (const gce::GceOffer& o : gce::offerTable())
                for (const QString& z : gce::tableZones(QString::fromLatin1(o.accelerator)))
                    zones.append(
                        QJsonObject{{QStringLiteral("name"), QString::fromLatin1(o.accelerator)},
                                    {QStringLiteral("zone"), z}});
            c.regions = gce::zonesFrom(zones);
        }
        done(std::move(c));
    };
    // Prices: the SKUs when the user gave a Cloud Billing API key; whatever goes wrong there,
    // the table's prices stand and the plans say why.
    const QString billingKey = qEnvironmentVariable(gce::kBillingKeyVariable).trimmed();
    if (billingKey.isEmpty()) {
        QMetaObject::invokeMethod(this, finish, Qt::QueuedConnection);
    } else {
        fetchBilling(billingKey, [parts, finish](Result<gce::BillingRates> r) {
            if (r.ok() && !r.value().isEmpty()) {
                qCInfo(lcGce) << "prices from the Cloud Billing Catalog API:"
                              << r.value().onDemand.size() + r.value().spot.size() << "rates";
                parts->billing = r.value();
            } else {
                parts->billingProblem =
                    r.ok() ? QStringLiteral("it listed none of the SKUs GPUDeck prices from.")
                           : r.error().message;
                qCWarning(lcGce).noquote()
                    << "Cloud Billing Catalog API not used, bundled price table instead:"
                    << parts->billingProblem << (r.ok() ? QString() : r.error().detail);
            }
            finish();
        });
    }
    if (!account)
        return;
    authed<QJsonArray>(
        [this](Callback<QJsonArray> got) {
            aggregated(QStringLiteral("acceleratorTypes"), QStringLiteral("acceleratorTypes"), {},
                       std::move(got));
        },
        [parts, finish](Result<QJsonArray> r) {
            if (r.ok())
                parts->accelerators = r.value();
            else if (!parts->error)
                parts->error = r.error();
            finish();
        });
    // Machine specs and images are extras: without them the table's figures stand.
    QStringList types;
    for (const gce::GceOffer& o : gce::offerTable())
        if (!types.contains(QString::fromLatin1(o.machineType)))
            types << QString::fromLatin1(o.machineType);
    QUrlQuery onlyOurs;
    onlyOurs.addQueryItem(QStringLiteral("filter"),
                          QStringLiteral("name eq \"(%1)\"").arg(types.join(QLatin1Char('|'))));
    authed<QJsonArray>(
        [this, onlyOurs](Callback<QJsonArray> got) {
            aggregated(QStringLiteral("machineTypes"), QStringLiteral("machineTypes"), onlyOurs,
                       std::move(got));
        },
        [parts, finish](Result<QJsonArray> r) {
            if (r.ok())
                parts->machines = r.value();
            finish();
        });
    authed<QJsonArray>(
        [this](Callback<QJsonArray> got) {
            RestRequest r = get(QStringLiteral("/projects/%1/global/images")
                                    .arg(QString::fromLatin1(gce::kDlImageProject)));
            r.query.addQueryItem(QStringLiteral("maxResults"), QStringLiteral("500"));
            m_rest->sendAll(r, QStringLiteral("items"), &gce::nextPage, std::move(got));
        },
        [parts, finish](Result<QJsonArray> r) {
            if (r.ok())
                parts->images = r.value();
            finish();
        });
}

void GceProvider::listRaw(Callback<QJsonArray> done)
{
    authed<QJsonArray>(
        [this](Callback<QJsonArray> got) {
            aggregated(
                QStringLiteral("instances"), QStringLiteral("instances"), {},
                [got](Result<QJsonArray> r) {
                    if (!r.ok()) {
                        got(r.error());
                        return;
                    }
                    // Only GPUDeck's VMs: the project may hold anything else.
                    QJsonArray ours;
                    for (const QJsonValue& v : r.value())
                        if (v[QStringLiteral("labels")][QStringLiteral("gpudeck")].toString() ==
                            QLatin1String("1"))
                            ours.append(v);
                    got(ours);
                });
        },
        std::move(done));
}

Instance GceProvider::instanceFrom(const QJsonObject& raw) const
{
    return gce::instanceFrom(raw);
}

bool GceProvider::carriesToken(const QJsonObject& raw, const QString& clientToken) const
{
    return raw.value(QStringLiteral("labels")).toObject().value(QStringLiteral("gpudeck-token")) ==
           gce::tokenLabel(clientToken);
}

void GceProvider::getInstance(const QString& id, Callback<Instance> done)
{
    const auto [zone, name] = gce::splitId(id);
    const QString path = QStringLiteral("%1/zones/%2/instances/%3")
                             .arg(projectPath(), zone.isEmpty() ? m_zone : zone, name);
    authed<Instance>([this, path](Callback<Instance> got) { getOne(path, {}, std::move(got)); },
                     std::move(done));
}

void GceProvider::waitOperation(const QString& zone, QJsonObject operation, int round,
                                Callback<QJsonObject> done)
{
    if (gce::operationDone(operation)) {
        if (const std::optional<Error> e = gce::operationError(operation)) {
            done(*e);
            return;
        }
        done(operation);
        return;
    }
    if (round >= kOperationRounds) {
        done(makeError(ErrorCode::Timeout,
                       QStringLiteral("Google has not finished the operation yet; look at the "
                                      "instance list in a few minutes."),
                       operation.value(QStringLiteral("name")).toString()));
        return;
    }
    const QString name = operation.value(QStringLiteral("name")).toString();
    RestRequest r = call(
        "POST", QStringLiteral("%1/zones/%2/operations/%3/wait").arg(projectPath(), zone, name));
    m_rest->send(r, [this, zone, round, done](Result<RestResponse> res) {
        if (!res.ok()) {
            done(res.error());
            return;
        }
        waitOperation(zone, res.value().json.object(), round + 1, done);
    });
}

void GceProvider::ensureFirewall(Callback<QString> done)
{
    const QString rulePath =
        projectPath() + QStringLiteral("/global/firewalls/") + QString::fromLatin1(gce::kSshTag);
    m_address->lookup([this, rulePath, done](Result<QString> ip) {
        if (!ip.ok()) {
            done(ip.error());
            return;
        }
        const QString cidr = ip.value() + QStringLiteral("/32");
        m_rest->send(get(rulePath), [this, rulePath, cidr, ip, done](Result<RestResponse> r) {
            const auto settled = [ip, done](Result<RestResponse> s) {
                // alreadyExists: another launch made the same rule meanwhile.
                if (!s.ok() && s.error().code != ErrorCode::Conflict) {
                    done(s.error());
                    return;
                }
                done(ip.value());
            };
            if (r.ok()) {
                QJsonArray ranges = r.value().json[QStringLiteral("sourceRanges")].toArray();
                if (ranges.contains(QJsonValue(cidr))) {
                    done(ip.value());
                    return;
                }
                // The user's address changed: allow the new one too (a common lock-out).
                ranges.append(cidr);
                m_rest->send(
                    call("PATCH", rulePath, QJsonObject{{QStringLiteral("sourceRanges"), ranges}}),
                    settled);
                return;
            }
            if (r.error().code != ErrorCode::NotFound) {
                done(r.error());
                return;
            }
            const QJsonObject rule{
                {QStringLiteral("name"), QString::fromLatin1(gce::kSshTag)},
                {QStringLiteral("description"),
                 QStringLiteral("GPUDeck: SSH from the user's address only")},
                {QStringLiteral("network"), QStringLiteral("global/networks/default")},
                {QStringLiteral("direction"), QStringLiteral("INGRESS")},
                {QStringLiteral("allowed"),
                 QJsonArray{
                     QJsonObject{{QStringLiteral("IPProtocol"), QStringLiteral("tcp")},
                                 {QStringLiteral("ports"), QJsonArray{QStringLiteral("22")}}}}},
                {QStringLiteral("sourceRanges"), QJsonArray{cidr}},
                {QStringLiteral("targetTags"), QJsonArray{QString::fromLatin1(gce::kSshTag)}}};
            m_rest->send(call("POST", projectPath() + QStringLiteral("/global/firewalls"), rule),
                         settled);
        });
    });
}

void GceProvider::allowMyAddress(Callback<QString> done)
{
    authed<QString>([this](Callback<QString> got) { ensureFirewall(std::move(got)); },
                    std::move(done));
}

void GceProvider::allowSshFromHere(const Instance& /*instance*/, Callback<QString> done)
{
    // One project-wide rule (gpudeck-ssh) covers every VM GPUDeck made.
    allowMyAddress([done](Result<QString> ip) {
        if (!ip.ok()) {
            done(ip.error());
            return;
        }
        done(QStringLiteral("Port 22 is open to %1 now (firewall rule gpudeck-ssh).")
                 .arg(ip.value()));
    });
}

void GceProvider::pickImage(const QString& wanted, Callback<QString> done)
{
    if (!wanted.isEmpty()) {
        deliver<QString>(std::move(done), wanted);
        return;
    }
    RestRequest r = get(QStringLiteral("/projects/%1/global/images")
                            .arg(QString::fromLatin1(gce::kDlImageProject)));
    r.query.addQueryItem(QStringLiteral("maxResults"), QStringLiteral("500"));
    m_rest->sendAll(r, QStringLiteral("items"), &gce::nextPage, [done](Result<QJsonArray> list) {
        if (!list.ok()) {
            done(list.error());
            return;
        }
        const QList<Image> images = gce::imagesFrom(list.value());
        if (images.isEmpty()) {
            done(makeError(ErrorCode::NotFound,
                           QStringLiteral("No Deep Learning VM image was found. Pick an image "
                                          "in the launch dialog.")));
            return;
        }
        done(images.first().id);
    });
}

void GceProvider::launch(const LaunchRequest& request, Callback<Instance> done)
{
    if (!acceptLaunch(request, done))
        return;
    if (request.sshPublicKeys.isEmpty()) {
        deliver<Instance>(std::move(done),
                          makeError(ErrorCode::InvalidInput,
                                    QStringLiteral("Compute Engine needs an SSH key to launch; "
                                                   "GPUDeck found none to give it.")));
        return;
    }
    authed<Instance>(
        [this, request](Callback<Instance> sent) {
            ensureFirewall([this, request, sent](Result<QString> ip) {
                if (!ip.ok()) {
                    sent(ip.error());
                    return;
                }
                pickImage(request.imageId, [this, request, sent](Result<QString> image) {
                    if (!image.ok()) {
                        sent(image.error());
                        return;
                    }
                    insert(request, image.value(), sent);
                });
            });
        },
        std::move(done));
}

void GceProvider::insert(const LaunchRequest& request, const QString& image,
                         Callback<Instance> done)
{
    gce::InsertSpec spec;
    spec.zone = request.region.isEmpty() ? m_zone : request.region;
    spec.name = gce::instanceName(request.name, request.clientToken);
    spec.planId = request.planId;
    spec.image = image;
    spec.clientToken = request.clientToken;
    spec.publicKeys = request.sshPublicKeys;
    spec.diskGb = request.diskGb;
    spec.spot = request.spot;
    const Result<QJsonObject> body = gce::insertBody(spec);
    if (!body.ok()) {
        deliver<Instance>(std::move(done), body.error());
        return;
    }
    RestRequest create =
        call("POST", QStringLiteral("%1/zones/%2/instances").arg(projectPath(), spec.zone),
             body.value(), false);
    // The same requestId on every send: Google answers a resent insert with the first one's
    // operation instead of making a second VM.
    create.query.addQueryItem(QStringLiteral("requestId"), gce::requestIdFor(request.clientToken));
    const QString zone = spec.zone;
    const QString id = zone + QLatin1Char('/') + spec.name;
    ReadLaunch read = [this, zone, id](const RestResponse& r, Callback<Instance> sent) {
        const QJsonObject op = r.json.object();
        if (op.value(QStringLiteral("name")).toString().isEmpty()) {
            sent(unreadableLaunch(r));
            return;
        }
        waitOperation(zone, op, 0, [this, id, sent](Result<QJsonObject> finished) {
            if (!finished.ok()) {
                sent(finished.error());
                return;
            }
            getInstance(id, sent);
        });
    };
    sendLaunch(create, read, request.clientToken, std::move(done));
}

void GceProvider::power(const QString& id, const QString& action, Callback<Instance> done)
{
    const auto [zone, name] = gce::splitId(id);
    const QString path = QStringLiteral("%1/zones/%2/instances/%3/%4")
                             .arg(projectPath(), zone.isEmpty() ? m_zone : zone, name, action);
    authed<Instance>(
        [this, path, id](Callback<Instance> got) {
            sendPower(call("POST", path), id, std::move(got));
        },
        std::move(done));
}

void GceProvider::stop(const QString& id, Callback<Instance> done)
{
    power(id, QStringLiteral("stop"), std::move(done));
}

void GceProvider::start(const QString& id, Callback<Instance> done)
{
    power(id, QStringLiteral("start"), std::move(done));
}

void GceProvider::destroy(const QString& id, Callback<void> done)
{
    const auto [zone, name] = gce::splitId(id);
    const QString path = QStringLiteral("%1/zones/%2/instances/%3")
                             .arg(projectPath(), zone.isEmpty() ? m_zone : zone, name);
    authed<void>(
        [this, path](Callback<void> got) { sendDestroy(call("DELETE", path), std::move(got)); },
        std::move(done));
}

} // namespace gpudeck
