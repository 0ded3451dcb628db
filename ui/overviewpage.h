#pragma once

#include "fleet.h"

#include <QWidget>

class QLabel;
class QPushButton;
class QVBoxLayout;

namespace gpudeck {

// Status, address, login, uptime, cost so far and the launch timeline of one instance.
class OverviewPage final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(OverviewPage)
public:
    explicit OverviewPage(QWidget* parent = nullptr);

    // `canDestroy`: the provider destroys machines (else the machine is the user's own).
    // `now`: the instant costs are shown for (the one the instance list uses too).
    // `canStopStart`: the provider stops and starts machines.
    void show(const Instance& instance, const LaunchTimeline& timeline, const QString& keyPath,
              bool canDestroy, bool canStopStart, bool sshFirewall, const QDateTime& now);
    void setDestroying(bool destroying);
    // The billing guard's panel for this machine (GuardController::createPanel), below the rest.
    void setGuardPanel(QWidget* panel);

signals:
    void destroyRequested();
    void stopRequested();
    void startRequested();
    void allowSshRequested();
    void statusMessage(const QString& message);
    void removeHostRequested();
    void openTerminalRequested();

private:
    QLabel* field(const char* objectName);

    QLabel* m_title = nullptr;
    QLabel* m_status = nullptr;
    QLabel* m_address = nullptr;
    QLabel* m_user = nullptr;
    QLabel* m_sshCommand = nullptr;
    QLabel* m_plan = nullptr;
    QLabel* m_rate = nullptr;
    QLabel* m_billing = nullptr;
    QLabel* m_uptime = nullptr;
    QLabel* m_cost = nullptr;
    QLabel* m_timeline = nullptr;
    QPushButton* m_destroy = nullptr;
    QPushButton* m_stop = nullptr;
    QPushButton* m_start = nullptr;
    QPushButton* m_allowSsh = nullptr;
    QPushButton* m_removeHost = nullptr;
    QPushButton* m_openTerminal = nullptr;
    bool m_destroying = false;
    QVBoxLayout* m_layout = nullptr;
};

// Sets the text of an SSH hint label for an instance: the command to connect from a terminal.
[[nodiscard]] QString sshCommandFor(const Instance& instance, const QString& keyPath);

} // namespace gpudeck
