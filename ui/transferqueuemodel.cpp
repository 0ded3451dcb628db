#include "transferqueuemodel.h"

#include "billing.h"
#include "transferqueue.h"

#include <QApplication>
#include <QLocale>
#include <QPainter>

namespace gpudeck {

namespace {

QString stateText(const TransferItem& i)
{
    switch (i.state) {
    case TransferItem::State::Queued:
        return QCoreApplication::translate("transfers", "Queued");
    case TransferItem::State::Connecting:
        return QCoreApplication::translate("transfers", "Connecting…");
    case TransferItem::State::Running:
        return i.progress.currentFile.isEmpty()
                   ? QCoreApplication::translate("transfers", "Running")
                   : i.progress.currentFile;
    case TransferItem::State::Paused:
        return QCoreApplication::translate("transfers", "Paused");
    case TransferItem::State::Done:
        return i.outcome.verified
                   ? QCoreApplication::translate("transfers", "Done, SHA-256 checked")
                   : QCoreApplication::translate("transfers", "Done");
    case TransferItem::State::Skipped:
        return QCoreApplication::translate("transfers", "Skipped (already there)");
    case TransferItem::State::Failed:
        return i.error ? i.error->message : QCoreApplication::translate("transfers", "Failed");
    case TransferItem::State::Cancelled:
        return QCoreApplication::translate("transfers", "Cancelled");
    }
    return {};
}

} // namespace

TransferQueueModel::TransferQueueModel(TransferQueue& queue, QString instanceId, QObject* parent)
    : QAbstractTableModel(parent)
    , m_queue(queue)
    , m_instanceId(std::move(instanceId))
{
    connect(&m_queue, &TransferQueue::itemAdded, this, &TransferQueueModel::reload);
    connect(&m_queue, &TransferQueue::itemRemoved, this, &TransferQueueModel::reload);
    auto changed = [this](quint64 id) {
        const int row = static_cast<int>(m_ids.indexOf(id));
        if (row >= 0)
            emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
    };
    connect(&m_queue, &TransferQueue::itemChanged, this, changed);
    connect(&m_queue, &TransferQueue::itemFinished, this, changed);
    reload();
}

void TransferQueueModel::reload()
{
    QList<quint64> ids;
    for (quint64 id : m_queue.ids()) {
        const TransferItem* i = m_queue.item(id);
        if (i && (m_instanceId.isEmpty() || i->request.instanceId == m_instanceId))
            ids << id;
    }
    beginResetModel();
    m_ids = ids;
    endResetModel();
}

quint64 TransferQueueModel::idAt(int row) const
{
    return row >= 0 && row < m_ids.size() ? m_ids.at(row) : 0;
}

int TransferQueueModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_ids.size());
}

int TransferQueueModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TransferQueueModel::data(const QModelIndex& index, int role) const
{
    const TransferItem* i = m_queue.item(idAt(index.row()));
    if (!i)
        return {};
    if (role == IdRole)
        return i->id;
    const bool done =
        i->state == TransferItem::State::Done || i->state == TransferItem::State::Skipped;
    const qint64 total = i->progress.bytesTotal;
    const int percent = done        ? 100
                        : total > 0 ? static_cast<int>(100 * i->progress.bytesDone / total)
                                    : 0;
    if (role == PercentRole)
        return percent;
    if (role == Qt::ToolTipRole && i->error)
        return QString(i->error->message +
                       (i->error->detail.isEmpty()
                            ? QString()
                            : QString(QStringLiteral("\n") + i->error->detail)));
    if (role != Qt::DisplayRole)
        return {};
    const QLocale locale;
    switch (index.column()) {
    case NameCol:
        return i->name();
    case DirectionCol:
        return i->request.spec.direction == ssh::TransferDirection::Upload ? tr("↑ upload")
                                                                           : tr("↓ download");
    case ProgressCol:
        if (done)
            return total > 0 ? locale.formattedDataSize(total) : QStringLiteral("100 %");
        return total > 0 ? QStringLiteral("%1 of %2")
                               .arg(locale.formattedDataSize(i->progress.bytesDone),
                                    locale.formattedDataSize(total))
                         : QString();
    case SpeedCol:
        return i->isActive() && i->bytesPerSecond > 0
                   ? QString(locale.formattedDataSize(static_cast<qint64>(i->bytesPerSecond)) +
                             tr("/s"))
                   : QString();
    case EtaCol:
        return i->isActive() && i->etaSeconds >= 0 ? formatDuration(i->etaSeconds) : QString();
    case StateCol:
        return stateText(*i);
    default:
        return {};
    }
}

QVariant TransferQueueModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameCol:
        return tr("Item");
    case DirectionCol:
        return tr("Direction");
    case ProgressCol:
        return tr("Progress");
    case SpeedCol:
        return tr("Speed");
    case EtaCol:
        return tr("ETA");
    case StateCol:
        return tr("State");
    default:
        return {};
    }
}

void ProgressDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option,
                             const QModelIndex& index) const
{
    QStyleOptionProgressBar bar;
    // Palette, state, direction and font from the view's option, as the cell would have them.
    static_cast<QStyleOption&>(bar) = option;
    bar.rect = option.rect.adjusted(2, 2, -2, -2);
    bar.state |= QStyle::State_Enabled | QStyle::State_Horizontal;
    bar.minimum = 0;
    bar.maximum = 100;
    bar.progress = index.data(TransferQueueModel::PercentRole).toInt();
    bar.text = index.data().toString();
    bar.textVisible = true;
    QApplication::style()->drawControl(QStyle::CE_ProgressBar, &bar, painter);
}

} // namespace gpudeck
