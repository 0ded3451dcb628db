#include "catalogmodel.h"

#include "billing.h"
#include "theme.h"

#include <QColor>
#include <QFont>

#include <cstring>
#include <limits>
#include <numeric>

namespace gpudeck {

namespace {

constexpr double kNoValue = std::numeric_limits<double>::max(); // sorts after every number

QString gbOrDash(double gb)
{
    return gb > 0 ? QStringLiteral("%1 GB").arg(gb) : QStringLiteral("—");
}

} // namespace

CatalogModel::CatalogModel(QObject* parent)
    : QAbstractTableModel(parent)
    , m_now(QDateTime::currentDateTimeUtc())
    , m_nowMs(m_now.toMSecsSinceEpoch())
{}

CatalogModel::Row CatalogModel::rowFor(const Plan& p) const
{
    Row r;
    r.regions = p.regions.join(QStringLiteral(", "));
    r.noLaunch = m_noLaunch.contains(p.provider);
    r.billing = r.noLaunch ? tr("cannot be launched here") : p.billing.describe();
    r.fetchedMs = p.fetchedAt.isValid() ? p.fetchedAt.toMSecsSinceEpoch() : 0;
    return r;
}

void CatalogModel::setPlans(QList<Plan> plans)
{
    beginResetModel();
    m_plans = std::move(plans);
    m_rows.clear();
    m_rows.reserve(m_plans.size());
    m_searchText.clear();
    m_searchStart.clear();
    m_searchStart.reserve(m_plans.size() + 1);
    for (const Plan& p : m_plans) {
        m_rows << rowFor(p);
        m_searchStart << m_searchText.size();
        m_searchText += (p.provider + QLatin1Char(' ') + p.id + QLatin1Char(' ') + p.name +
                         QLatin1Char(' ') + p.gpuModel + QLatin1Char('\n'))
                            .toLower()
                            .toUtf8();
    }
    m_searchStart << m_searchText.size();
    endResetModel();
}

const Plan* CatalogModel::planAt(int row) const
{
    return row >= 0 && row < m_plans.size() ? &m_plans.at(row) : nullptr;
}

void CatalogModel::setNow(const QDateTime& now)
{
    m_now = now.toUTC();
    m_nowMs = m_now.toMSecsSinceEpoch();
    if (m_plans.isEmpty())
        return;
    // Not SortRole: a view sorted by age keeps its order (the timestamps did not change).
    emit dataChanged(index(0, FetchedCol), index(rowCount() - 1, FetchedCol),
                     {Qt::DisplayRole, Qt::ToolTipRole, Qt::ForegroundRole, StaleRole});
}

void CatalogModel::setNoLaunch(const QHash<QString, QString>& noteByProvider)
{
    beginResetModel();
    m_noLaunch = noteByProvider;
    for (int i = 0; i < m_plans.size(); ++i)
        m_rows[i] = rowFor(m_plans.at(i));
    endResetModel();
}

QString CatalogModel::noLaunchNote(const QString& providerId) const
{
    return m_noLaunch.value(providerId);
}

QByteArrayView CatalogModel::searchKey(int row) const
{
    const qsizetype start = m_searchStart.at(row);
    return {m_searchText.constData() + start, m_searchStart.at(row + 1) - start};
}

bool CatalogModel::isStale(int row) const
{
    const qint64 fetched = m_rows.at(row).fetchedMs;
    return fetched != 0 && m_nowMs - fetched > kStaleAfterSeconds * 1000;
}

bool CatalogModel::isTextColumn(int column)
{
    switch (column) {
    case PlanCol:
    case ProviderCol:
    case GpuCol:
    case RegionsCol:
    case BillingCol:
        return true;
    default:
        return false;
    }
}

double CatalogModel::numericKey(int row, int column) const
{
    const Plan& p = m_plans.at(row);
    switch (column) {
    case GpuCountCol:
        return p.gpuCount;
    case VramCol:
        return p.vramGb;
    case PriceCol:
        return p.hasHourlyPrice() ? p.onDemandHourly : kNoValue;
    case SpotCol:
        return p.spotHourly ? *p.spotHourly : kNoValue;
    case PerGpuCol:
        return p.hasHourlyPrice() ? p.pricePerGpuHour() : kNoValue;
    case VcpusCol:
        return p.vcpus;
    case RamCol:
        return p.ramGb;
    case DiskCol:
        return p.diskGb;
    case FetchedCol:
        return static_cast<double>(m_rows.at(row).fetchedMs);
    default:
        return 0;
    }
}

const QString& CatalogModel::textKey(int row, int column) const
{
    const Plan& p = m_plans.at(row);
    switch (column) {
    case ProviderCol:
        return p.provider;
    case GpuCol:
        return p.gpuModel;
    case RegionsCol:
        return m_rows.at(row).regions;
    case BillingCol:
        return m_rows.at(row).billing;
    default:
        return p.name;
    }
}

int CatalogModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_plans.size());
}

int CatalogModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString CatalogModel::ageText(int row) const
{
    const qint64 fetched = m_rows.at(row).fetchedMs;
    if (fetched == 0)
        return QStringLiteral("—");
    const qint64 s = std::max<qint64>(0, (m_nowMs - fetched) / 1000);
    if (s < 60)
        return tr("just now");
    if (s < 3600)
        return tr("%1 min ago").arg(s / 60);
    if (s <= kStaleAfterSeconds)
        return tr("%1 h ago").arg(s / 3600);
    const qint64 days = s / 86400;
    QString age;
    if (days < 2)
        age = tr("1 day old");
    else if (days < 60)
        age = tr("%1 days old").arg(days);
    else if (days < 730)
        age = tr("%1 months old").arg(days / 30);
    else
        age = tr("%1 years old").arg(days / 365);
    return QStringLiteral("⚠ ") + age;
}

QVariant CatalogModel::tooltip(int row, int column) const
{
    const Plan& p = m_plans.at(row);
    const Row& r = m_rows.at(row);
    switch (column) {
    case FetchedCol:
        if (r.fetchedMs == 0)
            return tr("When this price was fetched is not known.");
        if (isStale(row))
            return tr("price from %1, may have changed — refresh")
                .arg(p.fetchedAt.toLocalTime().toString(QStringLiteral("yyyy-MM-dd")));
        return tr("Price fetched %1")
            .arg(p.fetchedAt.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm")));
    case BillingCol:
        return r.noLaunch ? m_noLaunch.value(p.provider) : r.billing;
    default: {
        // The whole row says what kind of offer it is and why it cannot be launched.
        QStringList parts;
        if (!p.note.isEmpty())
            parts << p.note;
        if (r.noLaunch)
            parts << m_noLaunch.value(p.provider);
        return parts.isEmpty() ? QVariant() : QVariant(parts.join(QLatin1Char('\n')));
    }
    }
}

QVariant CatalogModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= m_plans.size())
        return {};
    const int row = index.row();
    const int column = index.column();
    const Plan& p = m_plans.at(row);
    switch (role) {
    case PlanIdRole:
        return p.id;
    case ProviderIdRole:
        return p.provider;
    case StaleRole:
        return isStale(row);
    case SortRole:
        return isTextColumn(column) ? QVariant(textKey(row, column))
                                    : QVariant(numericKey(row, column));
    case Qt::TextAlignmentRole:
        if (isTextColumn(column) || column == FetchedCol)
            return {};
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::ToolTipRole:
        return tooltip(row, column);
    case Qt::ForegroundRole:
        if (column == FetchedCol && isStale(row))
            return isDarkPalette() ? QColor(0xff, 0xc1, 0x07) : QColor(0xb3, 0x4d, 0x00);
        return {};
    case Qt::FontRole:
        if (m_rows.at(row).noLaunch && (column == PlanCol || column == BillingCol)) {
            QFont f;
            f.setItalic(true);
            return f;
        }
        return {};
    case Qt::DisplayRole:
        break;
    default:
        return {};
    }
    switch (column) {
    case ProviderCol:
        return p.provider;
    case PlanCol:
        return p.name;
    case GpuCol:
        return p.gpuModel;
    case GpuCountCol:
        return p.gpuCount;
    case VramCol:
        return gbOrDash(p.vramGb);
    case VcpusCol:
        return p.vcpus > 0 ? QVariant(p.vcpus) : QVariant(QStringLiteral("—"));
    case RamCol:
        return gbOrDash(p.ramGb);
    case DiskCol:
        return gbOrDash(p.diskGb);
    case RegionsCol:
        return m_rows.at(row).regions.isEmpty() ? QStringLiteral("—") : m_rows.at(row).regions;
    case PriceCol:
        return formatPlanPrice(p);
    case SpotCol:
        return p.spotHourly ? formatHourly(*p.spotHourly) : QStringLiteral("—");
    case PerGpuCol:
        return formatPlanPricePerGpu(p);
    case BillingCol:
        return m_rows.at(row).billing;
    case FetchedCol:
        return ageText(row);
    default:
        return {};
    }
}

QVariant CatalogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::ToolTipRole && section == FetchedCol)
        return tr("How old each price is; ⚠ marks prices older than %n hour(s), which may have "
                  "changed since.",
                  nullptr, static_cast<int>(kStaleAfterSeconds / 3600));
    if (role != Qt::DisplayRole)
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
    : QAbstractProxyModel(parent)
{}

void CatalogFilter::setSourceModel(QAbstractItemModel* model)
{
    beginResetModel();
    if (sourceModel())
        disconnect(sourceModel(), nullptr, this, nullptr);
    QAbstractProxyModel::setSourceModel(model);
    m_catalog = qobject_cast<const CatalogModel*>(model);
    if (model) {
        // The catalog changes by reset only (setPlans, setNoLaunch) and by the ages' text.
        connect(model, &QAbstractItemModel::modelAboutToBeReset, this,
                &CatalogFilter::beginResetModel);
        connect(model, &QAbstractItemModel::modelReset, this, &CatalogFilter::sourceReset);
        connect(model, &QAbstractItemModel::dataChanged, this, &CatalogFilter::sourceDataChanged);
    }
    resort();
    select();
    endResetModel();
}

void CatalogFilter::sourceReset()
{
    resort();
    select();
    endResetModel();
}

void CatalogFilter::sourceDataChanged(const QModelIndex& topLeft, const QModelIndex& bottomRight,
                                      const QList<int>& roles)
{
    if (m_rows.isEmpty())
        return;
    // Only text that does not move a row changes in place (ages); one signal for the lot.
    emit dataChanged(index(0, topLeft.column()), index(rowCount() - 1, bottomRight.column()),
                     roles);
}

void CatalogFilter::resort()
{
    const int n = m_catalog ? m_catalog->rowCount() : 0;
    m_order.resize(n);
    std::iota(m_order.begin(), m_order.end(), 0);
    if (m_sortColumn < 0 || m_sortColumn >= CatalogModel::ColumnCount || n == 0)
        return;
    const bool ascending = m_sortOrder == Qt::AscendingOrder;
    // Keys are read once per row, not once per comparison; ties keep the catalog's order.
    if (CatalogModel::isTextColumn(m_sortColumn)) {
        QList<QString> keys(n);
        for (int r = 0; r < n; ++r)
            keys[r] = m_catalog->textKey(r, m_sortColumn).toCaseFolded();
        std::stable_sort(m_order.begin(), m_order.end(), [&](int a, int b) {
            return ascending ? keys.at(a) < keys.at(b) : keys.at(b) < keys.at(a);
        });
        return;
    }
    QList<double> keys(n);
    for (int r = 0; r < n; ++r)
        keys[r] = m_catalog->numericKey(r, m_sortColumn);
    std::stable_sort(m_order.begin(), m_order.end(), [&](int a, int b) {
        return ascending ? keys.at(a) < keys.at(b) : keys.at(b) < keys.at(a);
    });
}

void CatalogFilter::select()
{
    const QList<int> candidates = m_narrowing ? m_rows : m_order;
    m_narrowing = false;
    m_rows.clear();
    m_proxyRow.fill(-1, m_order.size());
    for (const int source : candidates) {
        if (acceptsRow(source)) {
            m_proxyRow[source] = static_cast<int>(m_rows.size());
            m_rows << source;
        }
    }
}

void CatalogFilter::relayout(void (CatalogFilter::*change)())
{
    emit layoutAboutToBeChanged({}, QAbstractItemModel::VerticalSortHint);
    const QModelIndexList before = persistentIndexList();
    QList<std::pair<int, int>> cells; // source row, column
    cells.reserve(before.size());
    for (const QModelIndex& i : before)
        cells.append({i.isValid() ? m_rows.value(i.row(), -1) : -1, i.column()});
    (this->*change)();
    QModelIndexList after;
    after.reserve(before.size());
    for (const auto& [source, column] : cells) {
        const int row = source >= 0 ? m_proxyRow.value(source, -1) : -1;
        after << (row >= 0 ? index(row, column) : QModelIndex());
    }
    changePersistentIndexList(before, after);
    emit layoutChanged({}, QAbstractItemModel::VerticalSortHint);
}

void CatalogFilter::refilter(bool narrowing)
{
    m_narrowing = narrowing;
    relayout(&CatalogFilter::select);
}

void CatalogFilter::resortAndSelect()
{
    resort();
    select();
}

void CatalogFilter::sort(int column, Qt::SortOrder order)
{
    m_sortColumn = column;
    m_sortOrder = order;
    relayout(&CatalogFilter::resortAndSelect);
}

QModelIndex CatalogFilter::mapToSource(const QModelIndex& proxyIndex) const
{
    if (!proxyIndex.isValid() || !sourceModel() || proxyIndex.row() >= m_rows.size())
        return {};
    return sourceModel()->index(m_rows.at(proxyIndex.row()), proxyIndex.column());
}

QModelIndex CatalogFilter::mapFromSource(const QModelIndex& sourceIndex) const
{
    if (!sourceIndex.isValid() || sourceIndex.row() >= m_proxyRow.size())
        return {};
    const int row = m_proxyRow.at(sourceIndex.row());
    return row >= 0 ? index(row, sourceIndex.column()) : QModelIndex();
}

QModelIndex CatalogFilter::index(int row, int column, const QModelIndex& parent) const
{
    if (parent.isValid() || row < 0 || row >= m_rows.size() || column < 0 ||
        column >= columnCount())
        return {};
    return createIndex(row, column);
}

QModelIndex CatalogFilter::parent(const QModelIndex& /*child*/) const
{
    return {};
}

int CatalogFilter::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int CatalogFilter::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() || !sourceModel() ? 0 : sourceModel()->columnCount();
}

bool CatalogFilter::hasChildren(const QModelIndex& parent) const
{
    return !parent.isValid() && !m_rows.isEmpty();
}

QVariant CatalogFilter::headerData(int section, Qt::Orientation orientation, int role) const
{
    // The columns are the catalog's, whether or not a row is shown.
    if (orientation == Qt::Horizontal)
        return sourceModel() ? sourceModel()->headerData(section, orientation, role) : QVariant();
    return role == Qt::DisplayRole ? QVariant(section + 1) : QVariant();
}

void CatalogFilter::setText(const QString& text)
{
    const QString trimmed = text.trimmed();
    if (trimmed == m_text)
        return;
    // Typed at the end: every old word is still in the text or a prefix of a longer word, so
    // no hidden row can match now.
    const bool narrowing = !m_text.isEmpty() && trimmed.startsWith(m_text);
    m_text = trimmed;
    m_words = m_text.toLower().toUtf8().split(' ');
    m_words.removeAll(QByteArray());
    refilter(narrowing);
}

template <typename T> void CatalogFilter::update(T& field, const T& value)
{
    if (field == value)
        return;
    field = value;
    refilter();
}

void CatalogFilter::setMinVramGb(double gb)
{
    update(m_minVram, gb);
}

void CatalogFilter::setMaxHourly(double usd)
{
    update(m_maxHourly, usd);
}

void CatalogFilter::setProvider(const QString& id)
{
    update(m_provider, id);
}

void CatalogFilter::setRegion(const QString& region)
{
    update(m_region, region);
}

void CatalogFilter::setAvailableOnly(bool on)
{
    update(m_availableOnly, on);
}

void CatalogFilter::setSpotOnly(bool on)
{
    update(m_spotOnly, on);
}

bool CatalogFilter::acceptsRow(int sourceRow) const
{
    const Plan* p = m_catalog ? m_catalog->planAt(sourceRow) : nullptr;
    if (!p)
        return false;
    if (p->vramGb < m_minVram)
        return false;
    if (m_maxHourly > 0 && (!p->hasHourlyPrice() || p->onDemandHourly > m_maxHourly))
        return false;
    if (m_spotOnly && !p->spotHourly)
        return false;
    if (!m_provider.isEmpty() && p->provider != m_provider)
        return false;
    if (!m_region.isEmpty() && !p->regions.contains(m_region))
        return false;
    if (m_availableOnly) {
        if (!p->available)
            return false;
        if (!m_region.isEmpty() && !p->regionsAvailable.isEmpty() &&
            !p->regionsAvailable.contains(m_region))
            return false;
    }
    if (m_words.isEmpty())
        return true;
    const QByteArrayView key = m_catalog->searchKey(sourceRow);
    return std::all_of(m_words.begin(), m_words.end(), [&](const QByteArray& w) {
        // glibc's memmem: QByteArray::contains is about three times slower here.
        return ::memmem(key.data(), static_cast<size_t>(key.size()), w.constData(),
                        static_cast<size_t>(w.size())) != nullptr;
    });
}

} // namespace gpudeck
