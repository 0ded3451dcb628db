#pragma once

#include "types.h"

#include <QAbstractProxyModel>
#include <QAbstractTableModel>
#include <QHash>

namespace gpudeck {

// Every plan of every provider, one row each. Display text is formatted; SortRole holds the
// raw value so sorting by price, VRAM or age is numeric. What filtering and sorting read per
// row (lower-case search text, joined regions, billing text, fetched-at milliseconds) is worked
// out once when the plans arrive, so a keystroke over 20,000 rows formats nothing.
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
    static constexpr int StaleRole = Qt::UserRole + 3; // bool: the price is older than below
    // A price fetched longer ago than this is marked as possibly changed: GPU clouds reprice
    // and run out of capacity within a day.
    static constexpr qint64 kStaleAfterSeconds = 24 * 3600;

    explicit CatalogModel(QObject* parent = nullptr);

    void setPlans(QList<gpudeck::Plan> plans);
    [[nodiscard]] const QList<gpudeck::Plan>& plans() const { return m_plans; }
    [[nodiscard]] const gpudeck::Plan* planAt(int row) const;
    // Ages are measured against this time (the page moves it on every minute). Only the
    // Fetched column's text changes: its sort key is the timestamp itself.
    void setNow(const QDateTime& now);
    // Providers whose plans cannot be launched here, with why (shown with their rows).
    void setNoLaunch(const QHash<QString, QString>& noteByProvider);
    [[nodiscard]] QString noLaunchNote(const QString& providerId) const;

    // What the filter and the sort read, without formatting.
    // Provider, plan id, plan name and GPU, lower case, UTF-8.
    [[nodiscard]] QByteArrayView searchKey(int row) const;
    [[nodiscard]] qint64 fetchedMs(int row) const { return m_rows.at(row).fetchedMs; }
    [[nodiscard]] bool isStale(int row) const;
    // Sort key of a numeric column (PriceCol... FetchedCol); plans without that number (no
    // spot price, a price that is not per hour) sort after every plan that has one.
    [[nodiscard]] double numericKey(int row, int column) const;
    // Sort key of a text column (PlanCol, ProviderCol, GpuCol, RegionsCol, BillingCol).
    [[nodiscard]] const QString& textKey(int row, int column) const;
    [[nodiscard]] static bool isTextColumn(int column);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    struct Row {
        QString regions; // joined for display and sort
        QString billing; // the rule in words, or why it cannot be launched
        qint64 fetchedMs = 0;
        bool noLaunch = false;
    };
    [[nodiscard]] Row rowFor(const Plan& p) const;
    [[nodiscard]] QString ageText(int row) const;
    [[nodiscard]] QVariant tooltip(int row, int column) const;

    QList<gpudeck::Plan> m_plans;
    QList<Row> m_rows;
    // Every row's search key end to end, and where each starts (one more than rows): a byte
    // search through one block is several times faster than QString::contains per row.
    QByteArray m_searchText;
    QList<qsizetype> m_searchStart;
    QHash<QString, QString> m_noLaunch;
    QDateTime m_now;
    qint64 m_nowMs = 0;
};

// Filters and sorts the catalog: free text over provider, plan and GPU; minimum VRAM per GPU;
// maximum on-demand price per hour; one provider; one region; available now; spot only.
//
// Not a QSortFilterProxyModel: with 20,000 rows it either removes and inserts rows range by
// range (hundreds of signals per keystroke, each walked by both views of the table: 365 ms to
// tick "Available now") or, invalidated, sorts everything again on every keystroke. Here every
// source row is kept in sort order once per sort (from raw keys, no QVariant), and a filter
// change only walks that order and tells the views the layout changed, once.
class CatalogFilter final : public QAbstractProxyModel {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CatalogFilter)
public:
    explicit CatalogFilter(QObject* parent = nullptr);
    void setSourceModel(QAbstractItemModel* model) override; // a CatalogModel
    void setText(const QString& text);
    void setMinVramGb(double gb);
    void setMaxHourly(double usd);         // 0 = no limit; plans priced otherwise drop out
    void setProvider(const QString& id);   // empty = all
    void setRegion(const QString& region); // empty = all; a plan offered there
    void setAvailableOnly(bool on);        // with a region: capacity there, when known
    void setSpotOnly(bool on);             // plans with a spot / interruptible price
    [[nodiscard]] bool acceptsRow(int sourceRow) const;

    QModelIndex mapToSource(const QModelIndex& proxyIndex) const override;
    QModelIndex mapFromSource(const QModelIndex& sourceIndex) const override;
    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    bool hasChildren(const QModelIndex& parent = {}) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

private:
    void resort(); // m_order from the sort column
    // m_rows and m_proxyRow from m_order and the filters; only among the rows shown when the
    // change can only remove rows (a character typed at the end of the search text).
    void select();
    // Runs `change` as one layout change that keeps selections and persistent indexes on
    // their plans (or drops them when their plan is filtered out).
    void relayout(void (CatalogFilter::*change)());
    void refilter(bool narrowing = false);
    // Sets one filter's value and filters again if it changed.
    template <typename T> void update(T& field, const T& value);
    void resortAndSelect();
    void sourceReset();
    void sourceDataChanged(const QModelIndex& topLeft, const QModelIndex& bottomRight,
                           const QList<int>& roles);

    const CatalogModel* m_catalog = nullptr;
    QList<int> m_order;    // every source row, sorted
    QList<int> m_rows;     // proxy row -> source row: the rows of m_order the filters accept
    QList<int> m_proxyRow; // source row -> proxy row, or -1
    int m_sortColumn = -1;
    Qt::SortOrder m_sortOrder = Qt::AscendingOrder;
    QString m_text;
    QList<QByteArray> m_words; // lower case, UTF-8
    bool m_narrowing = false;
    double m_minVram = 0;
    double m_maxHourly = 0;
    QString m_provider;
    QString m_region;
    bool m_availableOnly = false;
    bool m_spotOnly = false;
};

} // namespace gpudeck
