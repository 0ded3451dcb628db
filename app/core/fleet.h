#pragma once

#include "billing.h"
#include "paths.h"
#include "provider.h"

#include <QHash>
#include <QObject>
#include <QTimer>

#include <memory>
#include <optional>
#include <vector>

namespace gpudeck {

class Database;
class Ledger;
struct SshHost;
namespace ssh {
class ShellSession;
} // namespace ssh

// Milestones of one machine's start, with the time GPUDeck first saw each.
struct LaunchTimeline {
    QDateTime requested;
    QDateTime provisioning;
    QDateTime booting;
    QDateTime running;
    QDateTime sshReady;
    QString sshError; // why the SSH check failed, if it did
    // When this process first saw the machine, and whether it watched from the launch on. A
    // machine launched elsewhere (the CLI, a console) was already past some steps then: their
    // times are when GPUDeck looked, not when they happened.
    QDateTime firstSeen;
    bool watchedFromLaunch = false;
};

// The application core: every provider, every instance on them, launches and confirmed
// destroys, the cost meter and the ledger. Used by the GUI and the CLI alike; no widgets.
// Everything is asynchronous and runs on the thread that owns the Fleet.
class Fleet final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Fleet)
public:
    explicit Fleet(AppPaths paths, QObject* parent = nullptr);
    ~Fleet() override;

    // Opens the database and makes sure the app's own SSH key exists.
    [[nodiscard]] Result<void> open();

    [[nodiscard]] const AppPaths& paths() const { return m_paths; }
    [[nodiscard]] Ledger& ledger() const;
    [[nodiscard]] Database& database() const { return *m_db; }
    [[nodiscard]] QList<Provider*> providers() const;
    [[nodiscard]] Provider* provider(const QString& id) const;

    [[nodiscard]] const QList<Instance>& instances() const { return m_instances; }
    [[nodiscard]] std::optional<Instance> find(const QString& instanceId) const;
    // From now on refresh asks only this provider and find looks only at its instances
    // (gpudeck-cli COMMAND --provider P: another cloud's missing token or network is then not
    // this command's failure, and an id two clouds share is not ambiguous).
    void restrictTo(const QString& providerId) { m_scope = providerId; }
    [[nodiscard]] QString keyPathFor(const Instance& instance) const;
    [[nodiscard]] LaunchTimeline timeline(const Instance& instance) const;
    // Launches that were sent but whose answer never arrived (GPUDeck crashed or was killed).
    [[nodiscard]] QStringList interruptedLaunches() const;

    // Asks every provider for its instances. `done` gets the errors of providers that failed.
    void refresh(std::function<void(QList<Error>)> done = {});
    // Keeps the list fresh: every second while something is changing, every 10 s otherwise.
    void setAutoRefresh(bool on);

    // `done` gets every provider's plans once all have answered; `progress`, if given, gets
    // what has arrived so far after each answer, so a slow or unreachable provider does not
    // hold back the others' plans (the window shows them at once).
    void fetchCatalog(std::function<void(QList<Plan>, QList<Error>)> done,
                      std::function<void(QList<Plan>, QList<Error>)> progress = {});
    // The last catalog each provider answered (live, cached or bundled): its regions' names
    // and images, for the launch dialog.
    [[nodiscard]] const QHash<QString, Catalog>& catalogs() const { return m_catalogs; }

    // Launches once: the request gets a client token, is recorded before it is sent, and is
    // never retried here.
    void launch(const QString& providerId, LaunchRequest request, Callback<Instance> done);
    // launch() then waitUntilReady(): the machine, running and answering SSH.
    void launchAndWait(const QString& providerId, LaunchRequest request, int timeoutMs,
                       Callback<Instance> done);
    // Polls until the machine is running and answers SSH (or fails, or `timeoutMs` passes).
    void waitUntilReady(const QString& instanceId, int timeoutMs, Callback<Instance> done);
    // Destroys and waits until the provider confirms the machine is gone; then writes the
    // recap to the ledger and hands it over.
    void destroy(const QString& instanceId, Callback<Recap> done);
    // Stops the machine (where the provider can) and hands back its new state.
    void stop(const QString& instanceId, Callback<Instance> done);
    // Starts a stopped machine; "SSH ready" is checked again (its address may have changed).
    void start(const QString& instanceId, Callback<Instance> done);
    // Port 22 opened to this computer's current address (after a network change locked SSH
    // out), then SSH checked again. Providers without an SSH firewall say so.
    void allowSshFromHere(const QString& instanceId, Callback<QString> done);
    // Did GPUDeck launch this machine (in this session or an earlier one)?
    [[nodiscard]] bool launchedHere(const Instance& instance) const;

    // The user's own machines (provider "ssh"): added and removed at once, then listed.
    [[nodiscard]] Result<void> addSshHost(const SshHost& host);
    [[nodiscard]] Result<void> removeSshHost(const QString& name);
    // Host aliases of ~/.ssh/config, to pick from.
    [[nodiscard]] QStringList sshConfigAliases() const;

    // An interactive shell on the instance (not started yet: connect its signals, then start()).
    // Host keys the provider does not vouch for are asked about (HostKeyPolicy::Ask).
    [[nodiscard]] std::unique_ptr<ssh::ShellSession> openShell(const Instance& instance, int cols,
                                                               int rows) const;

    // What every machine bills per hour now, compute and storage (meter.h: the one rate).
    [[nodiscard]] double burnRateHourly() const;
    // Recaps of machines destroyed today plus what live machines accrued since midnight.
    [[nodiscard]] qint64 spendTodayCents() const;

signals:
    void instancesChanged();
    // A launch this process sent was accepted (the billing guard starts guarding it).
    void launched(const gpudeck::Instance& instance);
    void timelineChanged(const QString& instanceId);
    void providerError(const QString& providerId, const QString& message);

private:
    void merge(const QString& providerId, const QList<Instance>& listed);
    void upsert(const Instance& instance);
    void noteStatus(const Instance& instance);
    void probeSsh(const Instance& instance);
    [[nodiscard]] Instance withStart(Instance i) const;
    void pollDestroyed(const Instance& last, QDateTime deadline, Callback<Recap> done);
    void scheduleRefresh();
    void power(const QString& instanceId, bool on, Callback<Instance> done);
    void rememberLoginUser(const QString& key, const QString& user);

    AppPaths m_paths;
    std::unique_ptr<Database> m_db;
    std::unique_ptr<Ledger> m_ledger;
    std::vector<std::unique_ptr<Provider>> m_providers;
    QList<Instance> m_instances;
    QHash<QString, LaunchTimeline> m_timelines;
    QHash<QString, QString> m_keyPaths;
    QHash<QString, QDateTime> m_launchedAt; // the launched table: when GPUDeck launched each
    QHash<QString, QString> m_loginUsers;   // the login_users table: the user the probe found
    QSet<QString> m_probing;
    QTimer m_refreshTimer;
    bool m_refreshing = false;
    QString m_scope; // restrictTo(): empty for every provider
    QHash<QString, Catalog> m_catalogs;
    bool m_autoRefresh = false;
};

} // namespace gpudeck
