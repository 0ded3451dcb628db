#pragma once

#include "provider.h"
#include "restclient.h"

#include <QJsonArray>
#include <QJsonObject>

namespace gpudeck {

// What every cloud with a JSON REST API shares, so a provider folder holds only what differs:
// the API's paths and shapes. Here: the RestClient (token, base URL override, rate limits,
// retries, error mapping), the catalog's live → cached → bundled fallback, the instance list
// (empty without a token), the launch checks and the one way to send a launch (LaunchOnce,
// finding a lost launch by its client token among the account's instances), power actions that
// answer the instance as it is afterwards, and a destroy that counts "not found" as gone.
class RestProvider : public Provider {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RestProvider)
public:
    ~RestProvider() override;

    void fetchCatalog(Callback<Catalog> done) final;
    void listInstances(Callback<QList<Instance>> done) final;
    void setCredential(const QString& token) override;
    [[nodiscard]] bool hasCredential() const override;

    [[nodiscard]] RestClient& rest() { return *m_rest; }

    // "ssh-ed25519 AAAA…" without the comment: what identifies a public key.
    [[nodiscard]] static QString keyMaterial(const QString& publicKey);
    // The name GPUDeck registers a key under: "gpudeck-" and a digest of the key.
    [[nodiscard]] static QString keyName(const QString& publicKey);

protected:
    RestProvider(const ProviderContext& context, const RestConfig& config, QObject* parent);

    // The catalog as the API answers it now.
    virtual void fetchLive(Callback<Catalog> done) = 0;
    // Every catalog fetchCatalog hands out, live or saved (a provider that prices its
    // instances from the plans keeps them).
    virtual void catalogSeen(const Catalog& catalog);
    // Every instance of the account as the API's JSON objects (called with a token only).
    virtual void listRaw(Callback<QJsonArray> done) = 0;
    [[nodiscard]] virtual Instance instanceFrom(const QJsonObject& raw) const = 0;
    // Whether this instance is the one a launch with `clientToken` made (its tag, label or
    // environment carries the token).
    [[nodiscard]] virtual bool carriesToken(const QJsonObject& raw,
                                            const QString& clientToken) const = 0;

    [[nodiscard]] static RestRequest get(const QString& path, bool authenticated = true);
    [[nodiscard]] static RestRequest call(const QByteArray& method, const QString& path,
                                          const QJsonObject& body = {}, bool idempotent = true);

    // Sends `request` and turns a successful answer into T with `read`; errors pass through.
    template <typename T>
    void sendFor(const RestRequest& request, std::function<Result<T>(const RestResponse&)> read,
                 Callback<T> done)
    {
        m_rest->send(request,
                     [read = std::move(read), done = std::move(done)](Result<RestResponse> r) {
                         if (!r.ok()) {
                             done(r.error());
                             return;
                         }
                         done(read(r.value()));
                     });
    }
    // getInstance's shape for most APIs: GET `path`, the instance is `key` of the answer
    // (empty: the whole answer).
    void getOne(const QString& path, const QString& key, Callback<Instance> done);

    // The checks every launch makes before anything is sent: a client token, and spot only
    // where the provider has it. On refusal `done` gets the error and this answers false.
    [[nodiscard]] bool acceptLaunch(const LaunchRequest& request, Callback<Instance>& done);
    // Sends the launch never twice blindly: `create` (not idempotent, the "create" rate bucket)
    // goes through LaunchOnce; `read` turns the accepted answer into the instance; a lost answer
    // is settled by looking for the client token among the account's instances.
    using ReadLaunch = std::function<void(const RestResponse&, Callback<Instance>)>;
    void sendLaunch(RestRequest create, ReadLaunch read, const QString& clientToken,
                    Callback<Instance> done);
    [[nodiscard]] ReadLaunch readInstanceAt(const QString& key) const;
    // The launch was accepted but its answer names no machine: LaunchOnce then looks for the
    // client token before anything else.
    [[nodiscard]] Error unreadableLaunch(const RestResponse& r) const;
    // A power action (stop, start): sent (idempotent), then the instance as it is now.
    void sendPower(RestRequest request, const QString& id, Callback<Instance> done);
    // A destroy: a resent one whose first attempt went through answers "not found": gone too.
    void sendDestroy(RestRequest request, Callback<void> done);

    // Where an API keeps the account's SSH keys (Lambda, DigitalOcean): GET `path` lists them,
    // POST `path` {name, public_key} registers one.
    struct KeyRegistry {
        QString path;
        QString listKey; // the array of keys in the list answer ("data", "ssh_keys")
        QString itemKey; // the key object in the registration answer
        QString idField; // what a launch names a key by ("name", "id")
        NextPage next;   // how the list pages; empty: one page
    };
    // The app's key as the account knows it (found by its type and base64 part, whatever its
    // comment), registered under keyName() when it is not there yet; answers its `idField`.
    void ensureKey(const KeyRegistry& registry, const QString& publicKey, Callback<QString> done);

    ProviderContext m_context;
    RestClient* m_rest = nullptr;

private:
    void findLaunched(const QString& clientToken, Callback<Instance> done);
};

} // namespace gpudeck
