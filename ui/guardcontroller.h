#pragma once

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QStringList>
#include <QTimer>

class QWidget;

class QLabel;
class QMainWindow;
class QSystemTrayIcon;

namespace gpudeck {

class BillingGuard;
class Clock;
class CostsDialog;
class Fleet;
class GuardCountdownDialog;
class Jobs;
class MonitorHub;
class ReconcileDialog;
class TransferQueue;
class Watchdogs;

// The billing guard in the window: guards every machine launched here, installs the watchdog
// where the provider allows, turns the guard's signals into the tray, desktop notifications and
// the countdown dialog, shows the start-up check (unguarded machines) and the Costs view, and
// keeps spend today and this month in the status bar and the tray tooltip.
class GuardController final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(GuardController)
public:
    GuardController(Fleet& fleet, MonitorHub& monitors, TransferQueue& transfers,
                    QMainWindow& window, QSystemTrayIcon* tray);
    ~GuardController() override;

    [[nodiscard]] BillingGuard& guard() const { return *m_guard; }
    [[nodiscard]] Watchdogs& watchdogs() const { return *m_watchdogs; }
    [[nodiscard]] Jobs& jobs() const { return *m_jobs; }
    // The guard's part of a machine's Overview (state, policy, watchdog, job mode).
    [[nodiscard]] QWidget* createPanel(const QString& instanceId, QWidget* parent);
    // Tests run the window on an accelerated clock.
    void setClock(Clock& clock);
    // Every desktop notification sent (title: text), newest last: what the user was told.
    [[nodiscard]] const QStringList& notifications() const { return m_notifications; }

    void showCosts();
    void showUnguarded();
    [[nodiscard]] GuardCountdownDialog* countdownDialog(const QString& instanceId) const;

private:
    void notify(const QString& title, const QString& text, bool urgent);
    void updateStatus();
    void reconcile();
    void openCountdown(const QString& instanceId);

    Fleet& m_fleet;
    QMainWindow& m_window;
    QPointer<QSystemTrayIcon> m_tray;
    BillingGuard* m_guard = nullptr;
    Watchdogs* m_watchdogs = nullptr;
    Jobs* m_jobs = nullptr;
    QLabel* m_spend = nullptr;
    QTimer m_status;
    QStringList m_notifications;
    QHash<QString, QPointer<GuardCountdownDialog>> m_dialogs;
    QPointer<ReconcileDialog> m_reconcile;
    QPointer<CostsDialog> m_costs;
    QSet<QString> m_seenUnguarded;
    bool m_firstRefreshDone = false;
};

} // namespace gpudeck
