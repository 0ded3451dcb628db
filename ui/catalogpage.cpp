#include "catalogpage.h"

#include "catalogmodel.h"
#include "frozencolumnview.h"
#include "limitspinbox.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSet>
#include <QTimer>
#include <QVBoxLayout>

namespace gpudeck {

namespace {

// Ages in the Fetched column are in minutes: moving them on twice a minute is enough.
constexpr int kAgeRefreshMs = 30 * 1000;

// Refills a filter's choices ("All …" first, data ""), keeping what is chosen even while the
// plans it matches are not there (they arrive provider by provider).
void fillChoices(QComboBox* box, const QString& all, QList<std::pair<QString, QString>> choices)
{
    const QString current = box->currentData().toString();
    const QString currentText = box->currentText();
    bool found = current.isEmpty();
    for (const auto& [text, value] : choices)
        found = found || value == current;
    if (!found)
        choices.append({currentText, current});
    std::sort(choices.begin(), choices.end(), [](const auto& a, const auto& b) {
        return QString::compare(a.first, b.first, Qt::CaseInsensitive) < 0;
    });
    const QSignalBlocker block(box);
    box->clear();
    box->addItem(all, QString());
    for (const auto& [text, value] : choices)
        box->addItem(text, value);
    box->setCurrentIndex(std::max(0, box->findData(current)));
}

QLabel* labelFor(QWidget* buddy, const QString& text, QWidget* parent)
{
    auto* label = new QLabel(text, parent);
    label->setBuddy(buddy);
    return label;
}

} // namespace

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
    m_provider = new QComboBox(this);
    m_provider->setObjectName(QStringLiteral("catalogProviderFilter"));
    m_provider->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_region = new QComboBox(this);
    m_region->setObjectName(QStringLiteral("catalogRegionFilter"));
    // Dozens of regions across providers: the box keeps a fixed width, its list shows them whole.
    m_region->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_region->setMinimumContentsLength(14);
    m_region->setMaxVisibleItems(20);
    fillChoices(m_provider, tr("All providers"), {});
    fillChoices(m_region, tr("All regions"), {});
    m_availableOnly = new QCheckBox(tr("A&vailable now"), this);
    m_availableOnly->setObjectName(QStringLiteral("catalogAvailableOnly"));
    m_availableOnly->setToolTip(
        tr("Only plans the provider says have capacity now (in the chosen region, where the "
           "provider tells per region)"));
    m_spotOnly = new QCheckBox(tr("S&pot only"), this);
    m_spotOnly->setObjectName(QStringLiteral("catalogSpotOnly"));
    m_spotOnly->setToolTip(tr("Only plans with a spot or interruptible price"));
    m_launch = new QPushButton(QIcon(QStringLiteral(":/icons/launch.svg")), tr("&Launch…"), this);
    m_launch->setObjectName(QStringLiteral("catalogLaunchButton"));
    m_launch->setEnabled(false);

    // Two rows, so that a 1000-pixel window next to the sidebar still fits them: the search,
    // the two yes/no filters and Launch; then the limits and choices.
    auto* searchBar = new QHBoxLayout;
    searchBar->addWidget(m_search, 1);
    searchBar->addWidget(m_availableOnly);
    searchBar->addWidget(m_spotOnly);
    searchBar->addWidget(m_launch);
    auto* filterBar = new QHBoxLayout;
    const std::pair<QString, QWidget*> labelled[] = {{tr("VRAM ≥"), m_minVram},
                                                     {tr("Price ≤"), m_maxPrice},
                                                     {tr("P&rovider"), m_provider},
                                                     {tr("Re&gion"), m_region}};
    for (const auto& [text, box] : labelled) {
        filterBar->addWidget(labelFor(box, text, this));
        filterBar->addWidget(box);
        filterBar->addSpacing(8);
    }
    filterBar->addStretch(1);

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
    m_provider->setAccessibleName(tr("Provider"));
    m_region->setAccessibleName(tr("Region"));
    m_availableOnly->setAccessibleName(tr("Available now only"));
    m_spotOnly->setAccessibleName(tr("Spot prices only"));

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

    m_planNote = new QLabel(this);
    m_planNote->setObjectName(QStringLiteral("catalogPlanNote"));
    m_planNote->setWordWrap(true);
    m_planNote->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_planNote->hide();
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("catalogStatus"));
    m_status->setWordWrap(true);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(searchBar);
    layout->addLayout(filterBar);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_empty);
    layout->addWidget(m_planNote);
    layout->addWidget(m_status);

    // Each filter narrows the rows, then the count says how many are left (once per change,
    // not once per range of rows the proxy removes).
    auto filtered = [this](auto apply) {
        return [this, apply](auto value) {
            (m_filter->*apply)(value);
            updateStatus();
        };
    };
    connect(m_search, &QLineEdit::textChanged, this, filtered(&CatalogFilter::setText));
    connect(m_minVram, &LimitSpinBox::valueChanged, this, filtered(&CatalogFilter::setMinVramGb));
    connect(m_maxPrice, &LimitSpinBox::valueChanged, this, filtered(&CatalogFilter::setMaxHourly));
    connect(m_availableOnly, &QCheckBox::toggled, this, filtered(&CatalogFilter::setAvailableOnly));
    connect(m_spotOnly, &QCheckBox::toggled, this, filtered(&CatalogFilter::setSpotOnly));
    connect(m_provider, &QComboBox::currentIndexChanged, this, [this] {
        m_filter->setProvider(m_provider->currentData().toString());
        updateStatus();
    });
    connect(m_region, &QComboBox::currentIndexChanged, this, [this] {
        m_filter->setRegion(m_region->currentData().toString());
        updateStatus();
    });
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &CatalogPage::selectionChanged);
    auto launchSelected = [this] {
        const auto [provider, plan] = selectedPlan();
        // A plan that cannot be launched says why under the table already.
        if (!plan.isEmpty() && !m_noLaunch.contains(provider))
            emit launchRequested(provider, plan);
    };
    connect(m_launch, &QPushButton::clicked, this, launchSelected);
    connect(m_view, &QAbstractItemView::activated, this, launchSelected);
    connect(m_filter, &QAbstractItemModel::modelReset, this, &CatalogPage::updateStatus);
    connect(m_filter, &QAbstractItemModel::layoutChanged, this, &CatalogPage::updateStatus);

    m_ageTimer = new QTimer(this);
    m_ageTimer->setInterval(kAgeRefreshMs);
    connect(m_ageTimer, &QTimer::timeout, this,
            [this] { m_model->setNow(QDateTime::currentDateTimeUtc()); });
    m_ageTimer->start();
}

void CatalogPage::setProvider(const QString& id, const QString& displayName,
                              const QString& noLaunchNote)
{
    m_providerNames.insert(id, displayName);
    if (noLaunchNote.isEmpty())
        m_noLaunch.remove(id);
    else
        m_noLaunch.insert(id, noLaunchNote);
    m_model->setNoLaunch(m_noLaunch);
}

void CatalogPage::resetFilters()
{
    m_search->clear();
    m_minVram->setValue(0);
    m_maxPrice->setValue(0);
    m_provider->setCurrentIndex(0);
    m_region->setCurrentIndex(0);
    m_availableOnly->setChecked(false);
    m_spotOnly->setChecked(false);
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

void CatalogPage::selectionChanged()
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    const Plan* plan =
        rows.isEmpty() ? nullptr : m_model->planAt(m_filter->mapToSource(rows.first()).row());
    const QString why = plan ? m_noLaunch.value(plan->provider) : QString();
    m_launch->setEnabled(plan && why.isEmpty());
    m_launch->setToolTip(why.isEmpty() ? tr("Launch a machine from the selected plan") : why);
    QStringList note;
    if (plan && !why.isEmpty())
        note << QStringLiteral("⚠ ") + why; // a sign every desktop font has
    if (plan && !plan->note.isEmpty())
        note << plan->note;
    m_planNote->setText(note.join(QLatin1Char('\n')));
    if (m_planNote->isHidden() != note.isEmpty()) {
        m_planNote->setVisible(!note.isEmpty());
        // The note takes room from the table: once the layout has moved, keep the selected row
        // in view (selecting the last row must not scroll it away).
        QMetaObject::invokeMethod(
            this,
            [this] {
                const QModelIndexList selected = m_view->selectionModel()->selectedRows();
                if (!selected.isEmpty())
                    static_cast<QAbstractItemView*>(m_view)->scrollTo(selected.first());
            },
            Qt::QueuedConnection);
    }
}

void CatalogPage::buildFilterChoices()
{
    QSet<QString> providers;
    QSet<QString> regions;
    for (const Plan& p : m_model->plans()) {
        providers.insert(p.provider);
        for (const QString& r : p.regions)
            regions.insert(r);
    }
    QList<std::pair<QString, QString>> providerChoices;
    for (const QString& id : providers)
        providerChoices.append({m_providerNames.value(id, id), id});
    QList<std::pair<QString, QString>> regionChoices;
    for (const QString& r : regions)
        regionChoices.append({r, r});
    fillChoices(m_provider, tr("All providers"), std::move(providerChoices));
    fillChoices(m_region, tr("All regions"), std::move(regionChoices));
}

void CatalogPage::setPlans(const QList<Plan>& plans, const QStringList& problems)
{
    // Plans arrive provider by provider: the plan the user selected stays selected.
    const auto [selProvider, selPlan] = selectedPlan();
    m_model->setNow(QDateTime::currentDateTimeUtc());
    m_model->setPlans(plans);
    buildFilterChoices();
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
    selectionChanged();
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
