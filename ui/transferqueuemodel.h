#pragma once

#include <QAbstractTableModel>
#include <QStyledItemDelegate>

namespace gpudeck {

class TransferQueue;

// The transfer queue as a table (of one machine's items, or all): name, direction, progress,
// speed, ETA and state or error. Follows the queue's signals.
class TransferQueueModel final : public QAbstractTableModel {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TransferQueueModel)
public:
    enum Column { NameCol, DirectionCol, ProgressCol, SpeedCol, EtaCol, StateCol, ColumnCount };
    static constexpr int IdRole = Qt::UserRole;
    static constexpr int PercentRole = Qt::UserRole + 1;

    TransferQueueModel(TransferQueue& queue, QString instanceId, QObject* parent = nullptr);

    [[nodiscard]] quint64 idAt(int row) const;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    void reload();

    TransferQueue& m_queue;
    QString m_instanceId;
    QList<quint64> m_ids;
};

// Draws the progress column as a progress bar.
class ProgressDelegate final : public QStyledItemDelegate {
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter* painter, const QStyleOptionViewItem& option,
               const QModelIndex& index) const override;
};

} // namespace gpudeck
