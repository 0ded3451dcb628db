#pragma once

#include "clock.h"

#include <QHash>
#include <QMainWindow>
#include <QPointer>
#include <QTimer>

class QLabel;
class QListView;
class QListWidget;
class QSystemTrayIcon;
class QTabWidget;

namespace gpudeck {

class CatalogPage;
class Fleet;
class Provider;
struct Instance;
class InstanceListModel;
class InstanceWorkspace;
class MonitorHub;
class Accounts;
class GuardController;
class SecretStore;
class TransferQueue;
class Settings;
struct Instance;
struct Recap;
struct TerminalProfile;

// The main window: providers and instances on the left, the catalog and one workspace per
// instance in the middle, burn rate and today's spend in the status bar, and a tray icon.
class MainWindow final : public QMainWindow {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)
public:
    MainWindow(Fleet& fleet, Settings& settings, QWidget* parent = nullptr);
    ~MainWindow() override;

    // Opens (or shows) the workspace tab of an instance.
    InstanceWorkspace* openWorkspace(const QString& instanceId);
    void showLaunchDialog(const QString& providerId, const QString& planId);
    // Confirms (offering to download a folder first), destroys, waits for the provider, then
    // shows the recap.
    void destroyInstance(const QString& instanceId);
    void showAddHostDialog();
    // The welcome page: at the first start (once), and from Help.
    void showWelcome();
    void showWelcomeIfFirstRun();
    // Every provider has answered the last catalog request (plans show as they arrive).
    [[nodiscard]] bool catalogComplete() const { return m_catalogComplete; }
    // Forgets one of the user's own hosts (after a confirmation).
    void removeHost(const QString& instanceId);
    // Where the cost meter reads the time (tests pass a ManualClock; it must outlive the
    // window or be replaced before it goes). Read once a second.
    void setMeterSource(const Clock& clock);

signals:
    void recapShown(const QString& instanceId);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void buildActions();
    void buildSidebar();
    void buildStatusBar();
    void buildTray();
    void loadCatalog();
    void instancesChanged();
    void tick();
    void showRecap(const Recap& recap, const QString& note = {});
    bool m_catalogComplete = false;
    [[nodiscard]] QString selectedInstanceId() const;
    void quitDestroying(const QStringList& ids);
    // After quitting, what (if anything) still stops a billing machine.
    [[nodiscard]] QString afterQuitNote(const Instance& instance, const Provider& provider) const;
    void downloadThenDestroy(const Instance& instance);
    void showSettings(const QString& page = {});
    void addWorkspaceTab(InstanceWorkspace* w);
    void showInstanceMenu(const QModelIndex& index, const QPoint& at);
    void retireWorkspace(InstanceWorkspace* w);
    void closeWorkspaceTab(InstanceWorkspace* w);
    void applySettings();
    [[nodiscard]] TerminalProfile terminalProfile() const;
    void destroyConfirmed(const QString& instanceId);

    Fleet& m_fleet;
    Settings& m_settings;
    MonitorHub* m_monitors = nullptr;
    TransferQueue* m_transfers = nullptr;
    SecretStore* m_secrets = nullptr;
    GuardController* m_guard = nullptr;
    Accounts* m_accounts = nullptr;
    bool m_accountsLoaded = false;
    CatalogPage* m_catalog = nullptr;
    QTabWidget* m_tabs = nullptr;
    QListWidget* m_providers = nullptr;
    QListView* m_instances = nullptr;
    InstanceListModel* m_instanceModel = nullptr;
    QLabel* m_burnRate = nullptr;
    QSystemTrayIcon* m_tray = nullptr;
    QAction* m_destroyAction = nullptr;
    QHash<QString, QPointer<InstanceWorkspace>> m_workspaces;
    QSet<QString> m_destroying;
    QHash<QString, QString> m_recapNotes; // e.g. what was downloaded before the destroy
    QTimer m_tick;
    // The instant every cost on screen is computed for, taken from m_meterSource once a tick:
    // the instance list and the Overview read this clock, so they show the same amount.
    ManualClock m_meterClock;
    const Clock* m_meterSource = &Clock::system();
    bool m_quitting = false;
    bool m_readyToClose = false;
};

} // namespace gpudeck
