#include "catalogmodel.h"

#include "billing.h"

namespace gpudeck {

CatalogModel::CatalogModel(QObject* parent)
    : QAbstractTableModel(parent)
{}

void CatalogModel::setPlans(QList<Plan> plans)
{
    beginResetModel();
    m_plans = std::move(plans);
    endResetModel();
}

const Plan* CatalogModel::planAt(int row) const
{
    return row >= 0 && row < m_plans.size() ? &m_plans.at(row) : nullptr;
}

int CatalogModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_plans.size());
}

int CatalogModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant CatalogModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= m_plans.size())
        return {};
    const Plan& p = m_plans.at(index.row());
    if (role == PlanIdRole)
        return p.id;
    if (role == ProviderIdRole)
        return p.provider;
    if (role == Qt::TextAlignmentRole) {
        switch (index.column()) {
        case GpuCountCol:
        case VramCol:
        case VcpusCol:
        case RamCol:
        case DiskCol:
        case PriceCol:
        case SpotCol:
        case PerGpuCol:
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        default:
            return {};
        }
    }
    if (role == Qt::ToolTipRole && index.column() == BillingCol)
        return p.billing.describe();
    if (role == Qt::ToolTipRole && index.column() == FetchedCol)
        return QStringLiteral("Prices fetched %1")
            .arg(p.fetchedAt.toLocalTime().toString(Qt::TextDate));
    if (role != Qt::DisplayRole && role != SortRole)
        return {};
    const bool sort = role == SortRole;
    switch (index.column()) {
    case ProviderCol:
        return p.provider;
    case PlanCol:
        return sort ? QVariant(p.id) : QVariant(p.name);
    case GpuCol:
        return p.gpuModel;
    case GpuCountCol:
        return p.gpuCount;
    case VramCol:
        return sort ? QVariant(p.vramGb) : QVariant(QStringLiteral("%1 GB").arg(p.vramGb));
    case VcpusCol:
        return p.vcpus;
    case RamCol:
        return sort ? QVariant(p.ramGb) : QVariant(QStringLiteral("%1 GB").arg(p.ramGb));
    case DiskCol:
        return sort ? QVariant(p.diskGb) : QVariant(QStringLiteral("%1 GB").arg(p.diskGb));
    case RegionsCol:
        return p.regions.join(QStringLiteral(", "));
    case PriceCol:
        return sort ? QVariant(p.onDemandHourly) : QVariant(formatHourly(p.onDemandHourly));
    case SpotCol:
        if (!p.spotHourly)
            return sort ? QVariant(std::numeric_limits<double>::max())
                        : QVariant(QStringLiteral("—"));
        return sort ? QVariant(*p.spotHourly) : QVariant(formatHourly(*p.spotHourly));
    case PerGpuCol:
        return sort ? QVariant(p.pricePerGpuHour()) : QVariant(formatHourly(p.pricePerGpuHour()));
    case BillingCol:
        return p.billing.describe();
    case FetchedCol:
        return sort ? QVariant(p.fetchedAt)
                    : QVariant(p.fetchedAt.toLocalTime().toString(QStringLiteral("HH:mm")));
    default:
        return {};
    }
}

QVariant CatalogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case ProviderCol:
        return tr("Provider");
    case PlanCol:
        return tr("Plan");
    case GpuCol:
        return tr("GPU");
    case GpuCountCol:
        return tr("GPUs");
    case VramCol:
        return tr("VRAM/GPU");
    case VcpusCol:
        return tr("vCPU");
    case RamCol:
        return tr("RAM");
    case DiskCol:
        return tr("Disk");
    case RegionsCol:
        return tr("Regions");
    case PriceCol:
        return tr("On-demand");
    case SpotCol:
        return tr("Spot");
    case PerGpuCol:
        return tr("$/GPU-h");
    case BillingCol:
        return tr("Billing");
    case FetchedCol:
        return tr("Fetched");
    default:
        return {};
    }
}

CatalogFilter::CatalogFilter(QObject* parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(CatalogModel::SortRole);
}

void CatalogFilter::setText(const QString& text)
{
    m_text = text.trimmed();
    invalidateFilter();
}

void CatalogFilter::setMinVramGb(double gb)
{
    m_minVram = gb;
    invalidateFilter();
}

void CatalogFilter::setMaxHourly(double usd)
{
    m_maxHourly = usd;
    invalidateFilter();
}

bool CatalogFilter::filterAcceptsRow(int sourceRow, const QModelIndex& /*sourceParent*/) const
{
    const auto* model = qobject_cast<const CatalogModel*>(sourceModel());
    const Plan* p = model ? model->planAt(sourceRow) : nullptr;
    if (!p)
        return false;
    if (p->vramGb < m_minVram)
        return false;
    if (m_maxHourly > 0 && p->onDemandHourly > m_maxHourly)
        return false;
    if (m_text.isEmpty())
        return true;
    const QString hay = p->provider + QLatin1Char(' ') + p->id + QLatin1Char(' ') + p->name +
                        QLatin1Char(' ') + p->gpuModel;
    const QStringList words = m_text.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    return std::all_of(words.begin(), words.end(),
                       [&](const QString& w) { return hay.contains(w, Qt::CaseInsensitive); });
}

} // namespace gpudeck
