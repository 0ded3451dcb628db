#include "restprovider.h"

#include "catalogcache.h"
#include "launchonce.h"

#include <QCryptographicHash>

namespace gpudeck {

RestProvider::RestProvider(const ProviderContext& context, const RestConfig& config,
                           QObject* parent)
    : Provider(parent)
    , m_context(context)
{
    RestConfig c = config;
    c.baseUrlSetting = context.apiBaseUrl;
    m_rest = new RestClient(c, this);
}

RestProvider::~RestProvider() = default;

void RestProvider::setCredential(const QString& token)
{
    m_rest->setToken(token);
}

bool RestProvider::hasCredential() const
{
    return m_rest->hasToken();
}

void RestProvider::catalogSeen(const Catalog&) {}

void RestProvider::fetchCatalog(Callback<Catalog> done)
{
    fetchLive([this, done](Result<Catalog> live) {
        Result<Catalog> c = CatalogCache::serve(m_context, id(), std::move(live));
        if (c.ok())
            catalogSeen(c.value());
        done(std::move(c));
    });
}

void RestProvider::listInstances(Callback<QList<Instance>> done)
{
    if (!hasCredential()) {
        // Nothing of the user's can be listed without their token.
        deliver<QList<Instance>>(std::move(done), QList<Instance>{});
        return;
    }
    listRaw([this, done](Result<QJsonArray> r) {
        if (!r.ok()) {
            done(r.error());
            return;
        }
        QList<Instance> list;
        for (const QJsonValue& v : r.value())
            list.append(instanceFrom(v.toObject()));
        done(list);
    });
}

void RestProvider::findLaunched(const QString& clientToken, Callback<Instance> done)
{
    listRaw([this, clientToken, done](Result<QJsonArray> r) {
        if (!r.ok()) {
            done(r.error());
            return;
        }
        for (const QJsonValue& v : r.value())
            if (carriesToken(v.toObject(), clientToken)) {
                done(instanceFrom(v.toObject()));
                return;
            }
        done(makeError(
            ErrorCode::NotFound,
            QStringLiteral("No %1 machine carries this launch's token.").arg(displayName())));
    });
}

RestRequest RestProvider::get(const QString& path, bool authenticated)
{
    RestRequest r;
    r.path = path;
    r.authenticated = authenticated;
    return r;
}

RestRequest RestProvider::call(const QByteArray& method, const QString& path,
                               const QJsonObject& body, bool idempotent)
{
    RestRequest r;
    r.method = method;
    r.path = path;
    if (!body.isEmpty())
        r.body = QJsonDocument(body);
    r.idempotent = idempotent;
    return r;
}

void RestProvider::getOne(const QString& path, const QString& key, Callback<Instance> done)
{
    sendFor<Instance>(
        get(path),
        [this, key](const RestResponse& r) -> Result<Instance> {
            const QJsonObject o = r.json.object();
            return instanceFrom(key.isEmpty() ? o : o.value(key).toObject());
        },
        std::move(done));
}

bool RestProvider::acceptLaunch(const LaunchRequest& request, Callback<Instance>& done)
{
    std::optional<Error> refusal;
    if (request.clientToken.isEmpty())
        refusal = makeError(ErrorCode::Internal, QStringLiteral("A launch needs a client token."),
                            QStringLiteral("%1 launch without clientToken").arg(id()));
    else if (request.spot && !capabilities().spot)
        refusal = makeError(
            ErrorCode::InvalidInput,
            QStringLiteral("%1 has no spot or interruptible machines.").arg(displayName()));
    if (!refusal)
        return true;
    deliver<Instance>(std::move(done), *refusal);
    return false;
}

RestProvider::ReadLaunch RestProvider::readInstanceAt(const QString& key) const
{
    return [this, key](const RestResponse& r, Callback<Instance> sent) {
        const QJsonObject o = r.json.object();
        const QJsonObject raw = key.isEmpty() ? o : o.value(key).toObject();
        if (raw.isEmpty()) {
            sent(unreadableLaunch(r));
            return;
        }
        sent(instanceFrom(raw));
    };
}

Error RestProvider::unreadableLaunch(const RestResponse& r) const
{
    return makeError(ErrorCode::ProviderFailure,
                     QStringLiteral("%1 accepted the launch but did not say which machine it made.")
                         .arg(displayName()),
                     QString::fromUtf8(r.body.left(300)));
}

void RestProvider::sendLaunch(RestRequest create, ReadLaunch read, const QString& clientToken,
                              Callback<Instance> done)
{
    create.idempotent = false;
    create.rateBucket = QStringLiteral("create");
    LaunchOnce::run(
        this,
        [this, create, read](Callback<Instance> sent) {
            m_rest->send(create, [read, sent](Result<RestResponse> r) {
                if (!r.ok()) {
                    sent(r.error());
                    return;
                }
                read(r.value(), sent);
            });
        },
        [this, clientToken](Callback<Instance> found) { findLaunched(clientToken, found); },
        std::move(done));
}

void RestProvider::sendPower(RestRequest request, const QString& id, Callback<Instance> done)
{
    // Asking for the state a machine is already in leaves it there: safe to resend.
    request.idempotent = true;
    m_rest->send(request, [this, id, done](Result<RestResponse> r) {
        if (!r.ok()) {
            done(r.error());
            return;
        }
        getInstance(id, done);
    });
}

void RestProvider::sendDestroy(RestRequest request, Callback<void> done)
{
    request.idempotent = true;
    m_rest->send(request, [done](Result<RestResponse> r) {
        if (!r.ok() && r.error().code != ErrorCode::NotFound) {
            done(r.error());
            return;
        }
        done(Result<void>{});
    });
}

QString RestProvider::keyMaterial(const QString& publicKey)
{
    const QStringList parts = publicKey.simplified().split(QLatin1Char(' '));
    return parts.size() >= 2 ? parts.at(0) + QLatin1Char(' ') + parts.at(1) : publicKey.trimmed();
}

QString RestProvider::keyName(const QString& publicKey)
{
    const QByteArray digest =
        QCryptographicHash::hash(keyMaterial(publicKey).toUtf8(), QCryptographicHash::Sha256);
    return QStringLiteral("gpudeck-") + QString::fromLatin1(digest.toHex().left(16));
}

void RestProvider::ensureKey(const KeyRegistry& registry, const QString& publicKey,
                             Callback<QString> done)
{
    const auto idOf = [field = registry.idField](const QJsonObject& key) {
        const QJsonValue v = key.value(field);
        return v.isDouble() ? QString::number(v.toInteger()) : v.toString();
    };
    const QString material = keyMaterial(publicKey);
    m_rest->sendAll(
        get(registry.path), registry.listKey, registry.next,
        [this, registry, publicKey, material, idOf, done](Result<QJsonArray> r) {
            if (!r.ok()) {
                done(r.error());
                return;
            }
            for (const QJsonValue& v : r.value()) {
                const QJsonObject k = v.toObject();
                if (keyMaterial(k.value(QStringLiteral("public_key")).toString()) == material) {
                    done(idOf(k));
                    return;
                }
            }
            const QString name = keyName(publicKey);
            // Registering a key twice fails ("duplicate", "already in use"), never makes a
            // second machine; still, no blind resend: the next launch finds the key by its
            // public part.
            RestRequest add = call("POST", registry.path,
                                   QJsonObject{{QStringLiteral("name"), name},
                                               {QStringLiteral("public_key"), publicKey.trimmed()}},
                                   false);
            m_rest->send(add, [registry, name, idOf, done](Result<RestResponse> added) {
                if (!added.ok()) {
                    done(added.error());
                    return;
                }
                const QString got =
                    idOf(added.value().json.object().value(registry.itemKey).toObject());
                if (got.isEmpty() && registry.idField != QLatin1String("name")) {
                    done(makeError(ErrorCode::ProviderFailure,
                                   QStringLiteral("The provider registered GPUDeck's SSH key but "
                                                  "did not say under which id; try again."),
                                   QString::fromUtf8(added.value().body.left(300))));
                    return;
                }
                done(got.isEmpty() ? name : got);
            });
        });
}

} // namespace gpudeck
