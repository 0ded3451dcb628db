#pragma once

#include "result.h"
#include "types.h"

#include <QObject>

#include <functional>

namespace gpudeck {

template <typename T> using Callback = std::function<void(Result<T>)>;

// Where a provider may keep its own files. Filled in by the application from the XDG dirs.
struct ProviderContext {
    QString configDir; // what the user configured, e.g. SSH hosts (XDG_CONFIG_HOME/gpudeck/<id>)
    QString stateDir;  // private state, e.g. Sandbox machines (XDG_STATE_HOME/gpudeck/<id>)
    QString cacheDir;  // fetched catalogs (XDG_CACHE_HOME/gpudeck/<id>)
    QString helperDir; // where GPUDeck's helper programs live (next to the executable)
    // The user's override of the provider's API address (scheme://host:port), for proxies and
    // tests; GPUDECK_API_BASE_<ID> in the environment wins over it. Empty: the real API.
    QString apiBaseUrl;
    // Where the dated offline catalogs shipped with the app live (<dir>/<id>.json): the table's
    // content before the first live fetch, or when there is no network or token. Empty: none.
    QString bundledCatalogDir;
};

struct ProviderCapabilities {
    bool launch = false;
    bool destroy = false;
    bool stopStart = false;
    bool liveCatalog = false;
    bool spot = false;
    bool stoppedStillBills = false; // a powered-off machine keeps billing compute
    bool needsAccount = false;      // calls need a token (setCredential) except the catalog
    bool diskSize = false;          // LaunchRequest::diskGb is honoured
    bool sshFirewall = false;       // port 22 is open to the user's address only (allowSshFromHere)
};

// One cloud (or the Sandbox, or an SSH host list). Every operation is asynchronous: it returns
// at once and calls `done` later on the thread that owns the provider, exactly once. Nothing
// here blocks the caller. A launch is never retried by a provider: the caller decides, and the
// request's clientToken lets providers that support it deduplicate.
class Provider : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;
    ~Provider() override;

    [[nodiscard]] virtual QString id() const = 0;          // "sandbox", "lambda", ...
    [[nodiscard]] virtual QString displayName() const = 0; // "Sandbox", "Lambda", ...
    [[nodiscard]] virtual ProviderCapabilities capabilities() const = 0;
    // One paragraph for the user: what GPUDeck can and cannot guard on this provider.
    [[nodiscard]] virtual QString guardNote() const = 0;
    // The billing guard's on-instance watchdog: a fixed command a machine of this provider runs
    // to end its own billing when GPUDeck's heartbeat stops (AWS: `shutdown` with terminate
    // behaviour; GCE: `shutdown`; RunPod, Vast.ai: their self-stop with the platform's
    // credentials). Empty where a machine cannot do that (its shutdown keeps billing).
    [[nodiscard]] virtual QString selfStopCommand() const;
    // Whether the watchdog should start again after the machine reboots (a boot hook).
    [[nodiscard]] virtual bool selfStopSurvivesReboot() const;
    // What LaunchRequest::spot buys on this provider, in the user's words: the lower price's
    // rule, chiefly when the provider may take the machine back and what is lost then. Empty
    // where the provider has no spot offer (capabilities().spot is false).
    [[nodiscard]] virtual QString spotNote() const;
    // The login users to try in order when the provider cannot say which one the image has
    // (the SSH probe remembers the first the key opens). Default: the instance's own user.
    [[nodiscard]] virtual QStringList loginUsers(const Instance& instance) const;
    // Why nothing can be launched here and what to do instead, where a launch is offered
    // (capabilities().launch is false): Colab has no launch API, SSH hosts are the user's own.
    [[nodiscard]] virtual QString noLaunchNote() const;

    virtual void fetchCatalog(Callback<Catalog> done) = 0;
    virtual void listInstances(Callback<QList<Instance>> done) = 0;
    // NotFound once the instance is gone: that is how a destroy is confirmed.
    virtual void getInstance(const QString& id, Callback<Instance> done) = 0;
    virtual void launch(const LaunchRequest& request, Callback<Instance> done) = 0;
    virtual void stop(const QString& id, Callback<Instance> done);
    virtual void start(const QString& id, Callback<Instance> done);
    virtual void destroy(const QString& id, Callback<void> done) = 0;
    // Opens port 22 of the machine's firewall to this computer's current public address, when
    // that changed since the launch (a new network: the common lock-out). Answers with what it
    // did ("Port 22 is open to 203.0.113.7 now.").
    virtual void allowSshFromHere(const Instance& instance, Callback<QString> done);

    // Accounts. The token comes from the keychain (GUI) or the environment (CLI); a provider
    // never stores it. Without one, listInstances answers an empty list (nothing to list) and
    // the catalog falls back to what needs no account.
    virtual void setCredential(const QString& token);
    [[nodiscard]] virtual bool hasCredential() const { return false; }
    // A cheap authenticated call; on success, who the token belongs to (e.g. an e-mail).
    virtual void checkCredential(Callback<QString> done);

protected:
    // Deliver a result from the event loop, never from inside the call that asked for it. Called
    // on the provider's own (main) thread; a worker thread hands its result back with postTo
    // (handoff.h), as the Sandbox provider does.
    template <typename T> void deliver(Callback<T> done, Result<T> result)
    {
        QMetaObject::invokeMethod(
            this, [done = std::move(done), r = std::move(result)]() mutable { done(std::move(r)); },
            Qt::QueuedConnection);
    }
    [[nodiscard]] Error unsupported(const QString& what) const;
};

} // namespace gpudeck
