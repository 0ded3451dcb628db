#include "guardcontroller.h"

#include "billingguard.h"
#include "clock.h"
#include "costsdialog.h"
#include "fleet.h"
#include "guardcountdowndialog.h"
#include "guardpanel.h"
#include "jobs.h"
#include "meter.h"
#include "recapdialog.h"
#include "reconcile.h"
#include "reconciledialog.h"
#include "watchdog.h"

#include <QApplication>
#include <QLabel>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QStatusBar>
#include <QSystemTrayIcon>

namespace gpudeck {

GuardController::GuardController(Fleet& fleet, MonitorHub& monitors, TransferQueue& transfers,
                                 QMainWindow& window, QSystemTrayIcon* tray)
    : QObject(&window)
    , m_fleet(fleet)
    , m_window(window)
    , m_tray(tray)
{
    setObjectName(QStringLiteral("guardController"));
    m_guard = new BillingGuard(fleet, Clock::system(), this);
    m_guard->setMonitorHub(&monitors);
    m_guard->setTransferQueue(&transfers);
    m_guard->setTickInterval(1000);
    m_watchdogs = new Watchdogs(fleet, this);
    // Jobs started here or in an earlier session (or by gpudeck-cli): their ends go to the guard.
    m_jobs = new Jobs(fleet, this);
    handJobsToGuard(*m_jobs, *m_guard);

    m_spend = new QLabel(&window);
    m_spend->setObjectName(QStringLiteral("guardSpendLabel"));
    m_spend->setToolTip(tr("Estimates from the launch-time price and each provider's billing "
                           "rule: recaps of destroyed machines plus what live ones accrued"));
    window.statusBar()->addPermanentWidget(m_spend);

    QMenu* menu = window.menuBar()->addMenu(tr("&Guard"));
    menu->setObjectName(QStringLiteral("guardMenu"));
    QAction* costs = menu->addAction(tr("&Costs…"), this, &GuardController::showCosts);
    costs->setObjectName(QStringLiteral("costsAction"));
    QAction* unguarded =
        menu->addAction(tr("&Unguarded machines…"), this, &GuardController::showUnguarded);
    unguarded->setObjectName(QStringLiteral("unguardedAction"));

    connect(&fleet, &Fleet::launched, this, [this](const Instance& i) { m_guard->guard(i.id); });
    // The watchdog goes on at the first connection GPUDeck makes to a guarded machine.
    connect(&fleet, &Fleet::timelineChanged, this, [this](const QString& id) {
        const std::optional<Instance> i = m_fleet.find(id);
        if (i && m_guard->isGuarded(id) && m_fleet.timeline(*i).sshReady.isValid() &&
            !m_watchdogs->installed(id))
            m_watchdogs->install(*i);
    });
    connect(&fleet, &Fleet::instancesChanged, this, &GuardController::reconcile);

    connect(m_guard, &BillingGuard::limitReached, this,
            [this](const QString& id, const QString& text) {
                notify(tr("Billing guard"), text, true);
                openCountdown(id);
            });
    connect(m_guard, &BillingGuard::escalated, this,
            [this](const QString& id, int level, const QString& text) {
                notify(level >= 2 ? tr("Billing guard — last minute")
                                  : tr("Billing guard — reminder"),
                       text, true);
                openCountdown(id);
                if (GuardCountdownDialog* d = countdownDialog(id))
                    d->escalate(level);
                QApplication::alert(&m_window);
            });
    connect(m_guard, &BillingGuard::hourWarning, this, [this](const QString&, const QString& text) {
        notify(tr("Another billed hour soon"), text, false);
    });
    connect(m_guard, &BillingGuard::stillBilling, this,
            [this](const QString&, const QString& text) {
                notify(tr("Stopped, still billing"), text, false);
            });
    connect(m_guard, &BillingGuard::stoppedElsewhere, this,
            [this](const QString&, const QString& text) {
                notify(tr("Stopped while GPUDeck was away"), text, true);
            });
    connect(m_guard, &BillingGuard::acting, this, [this](const QString&, const QString& what) {
        m_window.statusBar()->showMessage(what, 10000);
    });
    connect(m_guard, &BillingGuard::stopped, this, [this](const QString& id, const QString& note) {
        const std::optional<Instance> i = m_fleet.find(id);
        notify(tr("Stopped by the guard"), tr("%1 was stopped. %2").arg(i ? i->name : id, note),
               false);
    });
    connect(m_guard, &BillingGuard::destroyed, this, [this](const QString&, const Recap& recap) {
        notify(tr("Destroyed by the guard"),
               tr("%1 was destroyed; it cost %2.")
                   .arg(recap.instance.name, formatCents(recap.cost.totalCents())),
               false);
        auto* d = new RecapDialog(recap, tr("The billing guard destroyed it."), &m_window);
        d->setAttribute(Qt::WA_DeleteOnClose);
        d->setModal(false);
        d->show();
    });
    connect(m_guard, &BillingGuard::actionFailed, this,
            [this](const QString&, const QString& message) {
                notify(tr("The guard could not act"), message, true);
            });

    connect(&m_status, &QTimer::timeout, this, &GuardController::updateStatus);
    m_status.start(1000);
    updateStatus();
}

GuardController::~GuardController() = default;

void GuardController::setClock(Clock& clock)
{
    m_guard->setClock(clock);
    updateStatus();
}

QWidget* GuardController::createPanel(const QString& instanceId, QWidget* parent)
{
    auto* panel = new GuardPanel(m_fleet, *m_guard, *m_watchdogs, *m_jobs, instanceId, parent);
    connect(panel, &GuardPanel::statusMessage, this,
            [this](const QString& m) { m_window.statusBar()->showMessage(m, 8000); });
    return panel;
}

GuardCountdownDialog* GuardController::countdownDialog(const QString& instanceId) const
{
    return m_dialogs.value(instanceId).data();
}

void GuardController::notify(const QString& title, const QString& text, bool urgent)
{
    m_notifications << title + QStringLiteral(": ") + text;
    if (m_tray && m_tray->isVisible())
        m_tray->showMessage(title, text,
                            urgent ? QSystemTrayIcon::Warning : QSystemTrayIcon::Information,
                            urgent ? 30000 : 10000);
    m_window.statusBar()->showMessage(text, 15000);
}

void GuardController::openCountdown(const QString& instanceId)
{
    GuardCountdownDialog* d = countdownDialog(instanceId);
    if (!d) {
        const std::optional<Instance> i = m_fleet.find(instanceId);
        d = new GuardCountdownDialog(*m_guard, instanceId, i ? i->name : instanceId, &m_window);
        m_dialogs.insert(instanceId, d);
    }
    d->refresh();
    d->show();
    d->raise();
}

void GuardController::updateStatus()
{
    const QDateTime now = m_guard->clock().now();
    const qint64 today =
        spendSinceCents(&m_fleet.ledger(), m_fleet.instances(), startOfDay(now), now);
    const qint64 month =
        spendSinceCents(&m_fleet.ledger(), m_fleet.instances(), startOfMonth(now), now);
    m_spend->setText(
        tr("Today ≈ %1 · Month ≈ %2 (estimate)").arg(formatCents(today), formatCents(month)));
    if (m_tray)
        m_tray->setToolTip(tr("GPUDeck — %1 machines, burning %2\nToday ≈ %3, this month ≈ %4 "
                              "(estimates)")
                               .arg(m_fleet.instances().size())
                               .arg(formatHourly(m_fleet.burnRateHourly()), formatCents(today),
                                    formatCents(month)));
}

void GuardController::reconcile()
{
    // At start-up and on every refresh: anything new that runs unguarded is shown once.
    const QList<UnguardedMachine> found = unguardedMachines(m_fleet, *m_guard, m_guard->clock());
    bool fresh = false;
    for (const UnguardedMachine& m : found) {
        if (!m_seenUnguarded.contains(m.instance.id)) {
            m_seenUnguarded.insert(m.instance.id);
            fresh = true;
        }
    }
    if (fresh) {
        notify(tr("Unguarded machines"),
               tr("%n machine(s) on your accounts run without the guard.", nullptr,
                  static_cast<int>(found.size())),
               true);
        showUnguarded();
    }
}

void GuardController::showUnguarded()
{
    if (!m_reconcile)
        m_reconcile = new ReconcileDialog(m_fleet, *m_guard, &m_window);
    m_reconcile->refresh();
    m_reconcile->show();
    m_reconcile->raise();
}

void GuardController::showCosts()
{
    if (!m_costs)
        m_costs = new CostsDialog(m_fleet, &m_window);
    m_costs->refresh();
    m_costs->show();
    m_costs->raise();
}

} // namespace gpudeck
