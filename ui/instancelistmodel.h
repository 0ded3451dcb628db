#pragma once

#include <QAbstractListModel>

namespace gpudeck {

class Clock;
class Fleet;
class MonitorHub;
struct Instance;

// The sidebar's list of instances: name, status, cost so far ticking every second, and the
// GPUs' utilisation and temperature: a compact overview of every running machine.
class InstanceListModel final : public QAbstractListModel {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(InstanceListModel)
public:
    static constexpr int InstanceIdRole = Qt::UserRole;
    static constexpr int StatusRole = Qt::UserRole + 1;

    // `monitors` (may be null) adds each machine's GPU summary: the compact overview.
    // `meterClock`: the instant costs are shown for, shared with the Overview.
    InstanceListModel(Fleet& fleet, MonitorHub* monitors, const Clock& meterClock,
                      QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    // Re-read the fleet (instances appeared, vanished or changed).
    void reload();
    // Costs and uptimes moved on: repaint them without rebuilding the list.
    void tick();

private:
    Fleet& m_fleet;
    MonitorHub* m_monitors;
    const Clock& m_meterClock;
    QStringList m_ids;
};

} // namespace gpudeck
