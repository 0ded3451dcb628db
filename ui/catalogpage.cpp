#include "catalogpage.h"

#include "catalogmodel.h"
#include "frozencolumnview.h"
#include "limitspinbox.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace gpudeck {

CatalogPage::CatalogPage(QWidget* parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("catalogPage"));
    m_model = new CatalogModel(this);
    m_filter = new CatalogFilter(this);
    m_filter->setSourceModel(m_model);

    m_search = new QLineEdit(this);
    m_search->setObjectName(QStringLiteral("catalogSearch"));
    m_search->setPlaceholderText(tr("Filter: GPU, plan or provider (e.g. A100)"));
    m_search->setClearButtonEnabled(true);
    m_minVram = new LimitSpinBox(this);
    m_minVram->setObjectName(QStringLiteral("minVramSpin"));
    m_minVram->setRange(0, 1024);
    m_minVram->setDecimals(0);
    m_minVram->setSuffix(tr(" GB"));
    m_minVram->setSpecialValueText(tr("any"));
    m_maxPrice = new LimitSpinBox(this);
    m_maxPrice->setObjectName(QStringLiteral("maxPriceSpin"));
    m_maxPrice->setRange(0, 1000);
    m_maxPrice->setDecimals(2);
    m_maxPrice->setPrefix(QStringLiteral("$"));
    m_maxPrice->setSuffix(tr("/h"));
    m_maxPrice->setSpecialValueText(tr("any"));
    m_launch = new QPushButton(QIcon(QStringLiteral(":/icons/launch.svg")), tr("&Launch…"), this);
    m_launch->setObjectName(QStringLiteral("catalogLaunchButton"));
    m_launch->setEnabled(false);

    auto* bar = new QHBoxLayout;
    bar->addWidget(m_search, 3);
    bar->addWidget(new QLabel(tr("VRAM ≥"), this));
    bar->addWidget(m_minVram);
    bar->addWidget(new QLabel(tr("Price ≤"), this));
    bar->addWidget(m_maxPrice);
    bar->addStretch(1);
    bar->addWidget(m_launch);

    m_view = new FrozenColumnView(this);
    m_view->setObjectName(QStringLiteral("catalogView"));
    m_view->frozenView()->setObjectName(QStringLiteral("catalogFrozenPlanColumn"));
    m_view->frozenView()->setAccessibleName(tr("Plan names"));
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false);
    m_view->setSortingEnabled(true);
    m_view->setModel(m_filter);
    m_view->sortByColumn(CatalogModel::PriceCol, Qt::AscendingOrder);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    // Tab leaves the table for the next control (arrows move between rows).
    m_view->setTabKeyNavigation(false);
    m_view->setAccessibleName(tr("Plans"));
    m_search->setAccessibleName(tr("Filter plans"));
    m_minVram->setAccessibleName(tr("Minimum VRAM per GPU"));
    m_maxPrice->setAccessibleName(tr("Maximum price per hour"));

    m_empty = new QWidget(this);
    m_empty->setObjectName(QStringLiteral("catalogEmpty"));
    auto* emptyText = new QLabel(tr("No plan matches these filters."), m_empty);
    auto* reset = new QPushButton(tr("&Reset filters"), m_empty);
    reset->setObjectName(QStringLiteral("catalogResetFilters"));
    connect(reset, &QPushButton::clicked, this, &CatalogPage::resetFilters);
    auto* emptyLayout = new QHBoxLayout(m_empty);
    emptyLayout->setContentsMargins(0, 0, 0, 0);
    emptyLayout->addWidget(emptyText);
    emptyLayout->addWidget(reset);
    emptyLayout->addStretch(1);
    m_empty->hide();

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("catalogStatus"));
    m_status->setWordWrap(true);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_empty);
    layout->addWidget(m_status);

    connect(m_search, &QLineEdit::textChanged, m_filter, &CatalogFilter::setText);
    connect(m_minVram, &LimitSpinBox::valueChanged, m_filter, &CatalogFilter::setMinVramGb);
    connect(m_maxPrice, &LimitSpinBox::valueChanged, m_filter, &CatalogFilter::setMaxHourly);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            [this] { m_launch->setEnabled(!selectedPlan().second.isEmpty()); });
    auto launchSelected = [this] {
        const auto [provider, plan] = selectedPlan();
        if (!plan.isEmpty())
            emit launchRequested(provider, plan);
    };
    connect(m_launch, &QPushButton::clicked, this, launchSelected);
    connect(m_view, &QAbstractItemView::activated, this, launchSelected);
    // The count is of what the filters show.
    for (auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved})
        connect(m_filter, signal, this, &CatalogPage::updateStatus);
    connect(m_filter, &QAbstractItemModel::modelReset, this, &CatalogPage::updateStatus);
    connect(m_filter, &QAbstractItemModel::layoutChanged, this, &CatalogPage::updateStatus);
}

void CatalogPage::resetFilters()
{
    m_search->clear();
    m_minVram->setValue(0);
    m_maxPrice->setValue(0);
}

void CatalogPage::updateStatus()
{
    const int shown = m_filter->rowCount();
    const int all = m_model->rowCount();
    QString text = shown == all ? (all == 1 ? tr("1 plan") : tr("%1 plans").arg(all))
                                : tr("%1 of %2 plans").arg(shown).arg(all);
    m_status->setText(text + m_statusTail);
    m_empty->setVisible(shown == 0 && all > 0);
}

void CatalogPage::setPlans(const QList<Plan>& plans, const QStringList& problems)
{
    // Plans arrive provider by provider: the plan the user selected stays selected.
    const auto [selProvider, selPlan] = selectedPlan();
    m_model->setPlans(plans);
    if (!selPlan.isEmpty()) {
        for (int row = 0; row < m_view->model()->rowCount(); ++row) {
            const QModelIndex i = m_view->model()->index(row, 0);
            if (i.data(CatalogModel::ProviderIdRole).toString() == selProvider &&
                i.data(CatalogModel::PlanIdRole).toString() == selPlan) {
                m_view->selectRow(row);
                break;
            }
        }
    }
    m_view->resizeColumnsToContents();
    QDateTime newest;
    for (const Plan& p : plans) {
        if (p.fetchedAt > newest)
            newest = p.fetchedAt;
    }
    QString text;
    if (newest.isValid())
        text += tr(", prices as of %1")
                    .arg(newest.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm")));
    text += tr(". Double-click a plan to launch it.");
    for (const QString& p : problems)
        text += QStringLiteral("\n⚠ ") + p;
    m_statusTail = text;
    updateStatus();
}

const QList<Plan>& CatalogPage::plans() const
{
    return m_model->plans();
}

std::pair<QString, QString> CatalogPage::selectedPlan() const
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    if (rows.isEmpty())
        return {};
    const QModelIndex i = rows.first();
    return {i.data(CatalogModel::ProviderIdRole).toString(),
            i.data(CatalogModel::PlanIdRole).toString()};
}

QByteArray CatalogPage::headerState() const
{
    return m_view->horizontalHeader()->saveState();
}

void CatalogPage::restoreHeaderState(const QByteArray& state)
{
    if (!state.isEmpty())
        m_view->horizontalHeader()->restoreState(state);
}

} // namespace gpudeck
