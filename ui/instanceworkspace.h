#pragma once

#include "types.h"

#include <QWidget>

class QLabel;
class QPushButton;
class QTabWidget;

namespace gpudeck {

class Clock;
class Fleet;
class FilesPage;
class MonitorHub;
class TransferQueue;
class MonitorPage;
class OverviewPage;
class TerminalPane;
class TerminalTabs;

// One instance's workspace: Overview, Terminal, Files and Monitor tabs.
class InstanceWorkspace final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(InstanceWorkspace)
public:
    // `meterClock`: the instant costs are shown for, shared with the instance list.
    InstanceWorkspace(Fleet& fleet, MonitorHub* monitors, TransferQueue* transfers,
                      QString instanceId, const Clock& meterClock, QWidget* parent = nullptr);

    [[nodiscard]] const QString& instanceId() const { return m_id; }
    // Re-read the instance from the fleet (status, costs, timeline).
    void refresh();
    // Shows the Terminal tab and opens a terminal there (the first one, or one more).
    TerminalPane* openTerminal();
    [[nodiscard]] TerminalTabs* terminals() const;
    [[nodiscard]] MonitorPage* monitor() const { return m_monitor; }
    [[nodiscard]] OverviewPage* overview() const { return m_overview; }
    [[nodiscard]] FilesPage* files() const { return m_files; }
    void showFiles();
    // Shown while a destroy waits for the provider's confirmation.
    void setDestroying(bool destroying);

signals:
    void destroyRequested(const QString& instanceId);
    void removeHostRequested(const QString& instanceId);
    void statusMessage(const QString& message);

private:
    void power(bool on);

    Fleet& m_fleet;
    const Clock& m_meterClock;
    QString m_id;
    QTabWidget* m_tabs = nullptr;
    OverviewPage* m_overview = nullptr;
    TerminalTabs* m_terminals = nullptr;
    MonitorPage* m_monitor = nullptr;
    FilesPage* m_files = nullptr;
};

} // namespace gpudeck
