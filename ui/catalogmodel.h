#pragma once

#include "types.h"

#include <QAbstractTableModel>
#include <QSortFilterProxyModel>

namespace gpudeck {

// Every plan of every provider, one row each. Display text is formatted; Qt::UserRole holds
// the raw number so sorting by price or VRAM is numeric.
class CatalogModel final : public QAbstractTableModel {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CatalogModel)
public:
    // The plan first (the catalog keeps it in view while the others scroll sideways); price
    // columns right after the GPU: they are what people compare.
    enum Column {
        PlanCol,
        ProviderCol,
        GpuCol,
        GpuCountCol,
        VramCol,
        PriceCol,
        SpotCol,
        PerGpuCol,
        VcpusCol,
        RamCol,
        DiskCol,
        RegionsCol,
        BillingCol,
        FetchedCol,
        ColumnCount
    };
    static constexpr int SortRole = Qt::UserRole;
    static constexpr int PlanIdRole = Qt::UserRole + 1;
    static constexpr int ProviderIdRole = Qt::UserRole + 2;

    explicit CatalogModel(QObject* parent = nullptr);

    void setPlans(QList<gpudeck::Plan> plans);
    [[nodiscard]] const QList<gpudeck::Plan>& plans() const { return m_plans; }
    [[nodiscard]] const gpudeck::Plan* planAt(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    QList<gpudeck::Plan> m_plans;
};

// Filters the catalog: free text over provider, plan and GPU; minimum VRAM per GPU; maximum
// on-demand price per hour.
class CatalogFilter final : public QSortFilterProxyModel {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CatalogFilter)
public:
    explicit CatalogFilter(QObject* parent = nullptr);
    void setText(const QString& text);
    void setMinVramGb(double gb);
    void setMaxHourly(double usd); // 0 = no limit

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    QString m_text;
    double m_minVram = 0;
    double m_maxHourly = 0;
};

} // namespace gpudeck
