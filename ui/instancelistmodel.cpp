#include "instancelistmodel.h"

#include "billing.h"
#include "clock.h"
#include "fleet.h"
#include "meter.h"
#include "monitorhub.h"
#include "statusicons.h"

namespace gpudeck {

InstanceListModel::InstanceListModel(Fleet& fleet, MonitorHub* monitors, const Clock& meterClock,
                                     QObject* parent)
    : QAbstractListModel(parent)
    , m_fleet(fleet)
    , m_monitors(monitors)
    , m_meterClock(meterClock)
{
    reload();
}

void InstanceListModel::reload()
{
    QStringList ids;
    for (const Instance& i : m_fleet.instances())
        ids << i.id;
    if (ids == m_ids) {
        tick();
        return;
    }
    beginResetModel();
    m_ids = ids;
    endResetModel();
}

void InstanceListModel::tick()
{
    if (!m_ids.isEmpty())
        emit dataChanged(index(0), index(static_cast<int>(m_ids.size()) - 1));
}

int InstanceListModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_ids.size());
}

QVariant InstanceListModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= m_ids.size())
        return {};
    const std::optional<Instance> i = m_fleet.find(m_ids.at(index.row()));
    if (!i)
        return {};
    switch (role) {
    case Qt::DisplayRole: {
        // The one rate and the one cost-so-far the Overview shows, for the same instant.
        QString text =
            QStringLiteral("%1\n%2 · %3 · %4")
                .arg(i->name, statusText(i->status), formatHourly(hourlyRate(*i).totalUsd()),
                     formatCostSoFar(*i, m_meterClock.now()));
        const QString gpus = m_monitors ? m_monitors->summary(i->id) : QString();
        if (!gpus.isEmpty())
            text += QStringLiteral("\n") + gpus;
        return text;
    }
    case Qt::DecorationRole:
        return statusIcon(i->status);
    case Qt::ToolTipRole:
        return QStringLiteral("%1 (%2) on %3, %4@%5:%6")
            .arg(i->name, i->id, i->provider, i->user, i->host)
            .arg(i->sshPort);
    case InstanceIdRole:
        return i->id;
    case StatusRole:
        return statusName(i->status);
    default:
        return {};
    }
}

} // namespace gpudeck
