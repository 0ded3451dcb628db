#pragma once

#include <QAbstractListModel>

namespace gpudeck {

class Fleet;
struct Instance;

// The sidebar's list of instances: name, status and cost so far, ticking every second.
class InstanceListModel final : public QAbstractListModel {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(InstanceListModel)
public:
    static constexpr int InstanceIdRole = Qt::UserRole;
    static constexpr int StatusRole = Qt::UserRole + 1;

    explicit InstanceListModel(Fleet& fleet, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    // Re-read the fleet (instances appeared, vanished or changed).
    void reload();
    // Costs and uptimes moved on: repaint them without rebuilding the list.
    void tick();

private:
    Fleet& m_fleet;
    QStringList m_ids;
};

} // namespace gpudeck
