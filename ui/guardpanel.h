#pragma once

#include <QGroupBox>
#include <QPointer>
#include <QTimer>

class QLabel;
class QPushButton;

namespace gpudeck {

class BillingGuard;
class Fleet;
class Jobs;
class Watchdogs;

// The billing guard of one machine, in its Overview: what the guard sees now and its policy
// (Policy… edits it for this machine), the on-instance watchdog (what it can do on this
// provider, whether it runs; install or remove it), and job mode (Run job…, the latest job,
// Cancel job).
class GuardPanel final : public QGroupBox {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(GuardPanel)
public:
    GuardPanel(Fleet& fleet, BillingGuard& guard, Watchdogs& watchdogs, Jobs& jobs,
               QString instanceId, QWidget* parent = nullptr);

    void refresh();

signals:
    void statusMessage(const QString& message);

private:
    void editPolicy();
    void runJob();

    Fleet& m_fleet;
    BillingGuard& m_guard;
    Watchdogs& m_watchdogs;
    Jobs& m_jobs;
    QString m_id;
    QLabel* m_state = nullptr;
    QLabel* m_policy = nullptr;
    QLabel* m_watchdog = nullptr;
    QLabel* m_job = nullptr;
    QPushButton* m_adopt = nullptr;
    QPushButton* m_editPolicy = nullptr;
    QPushButton* m_watchdogButton = nullptr;
    QPushButton* m_runJob = nullptr;
    QPushButton* m_cancelJob = nullptr;
    QString m_watchdogStatus;
    bool m_statusAsked = false;
    QTimer m_timer;
};

} // namespace gpudeck
