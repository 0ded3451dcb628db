// The catalog tab of the real main window, driven by objectName: every filter narrows the rows
// to what it says and Reset brings them back; old prices are marked; Colab's rows cannot be
// launched and say why.
#include "catalogmodel.h"
#include "catalogpage.h"
#include "fleet.h"
#include "guitestmain.h"
#include "mainwindow.h"
#include "prompter.h"
#include "resources.h"
#include "settings.h"
#include "testenv.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDialog>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QTableView>

using namespace gpudeck;

class TestCatalog final : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void cleanup();
    void providerAndRegionNarrowThenResetRestores();
    void availableAndSpotKeepOnlyThosePlans();
    void oldPricesAreMarked();
    void colabCannotBeLaunchedAndSaysWhy();

private:
    [[nodiscard]] QTableView* view() const;
    [[nodiscard]] const QList<Plan>& plans() const;
    // The plan shown at `row` of the table.
    [[nodiscard]] const Plan* shownPlan(int row) const;
    [[nodiscard]] int rowOf(const QString& provider, const QString& planId) const;

    std::unique_ptr<test::IsolatedEnvironment> m_env;
    std::unique_ptr<Fleet> m_fleet;
    std::unique_ptr<Settings> m_settings;
    std::unique_ptr<MainWindow> m_window;
};

void TestCatalog::initTestCase()
{
    initResources();
    Prompter::instance().setScripted(true);
}

void TestCatalog::init()
{
    Prompter::instance().clear();
    m_env = std::make_unique<test::IsolatedEnvironment>();
    m_fleet = std::make_unique<Fleet>(AppPaths::standard());
    QVERIFY(m_fleet->open().ok());
    m_settings = std::make_unique<Settings>(m_fleet->paths());
    m_window = std::make_unique<MainWindow>(*m_fleet, *m_settings);
    m_window->resize(1280, 760);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QTRY_VERIFY_WITH_TIMEOUT(m_window->catalogComplete(), 30000);
}

void TestCatalog::cleanup()
{
    m_window->close();
    m_window.reset();
    m_settings.reset();
    m_fleet.reset();
    m_env.reset();
}

QTableView* TestCatalog::view() const
{
    return m_window->findChild<QTableView*>(QStringLiteral("catalogView"));
}

const QList<Plan>& TestCatalog::plans() const
{
    return m_window->findChild<CatalogPage*>(QStringLiteral("catalogPage"))->plans();
}

const Plan* TestCatalog::shownPlan(int row) const
{
    const QModelIndex i = view()->model()->index(row, 0);
    for (const Plan& p : plans()) {
        if (p.provider == i.data(CatalogModel::ProviderIdRole).toString() &&
            p.id == i.data(CatalogModel::PlanIdRole).toString())
            return &p;
    }
    return nullptr;
}

int TestCatalog::rowOf(const QString& provider, const QString& planId) const
{
    for (int r = 0; r < view()->model()->rowCount(); ++r) {
        const QModelIndex i = view()->model()->index(r, 0);
        if (i.data(CatalogModel::ProviderIdRole).toString() == provider &&
            i.data(CatalogModel::PlanIdRole).toString() == planId)
            return r;
    }
    return -1;
}

void TestCatalog::providerAndRegionNarrowThenResetRestores()
{
    QAbstractItemModel* shown = view()->model();
    const int all = shown->rowCount();
    QCOMPARE(all, plans().size());
    auto* provider = m_window->findChild<QComboBox*>(QStringLiteral("catalogProviderFilter"));
    auto* region = m_window->findChild<QComboBox*>(QStringLiteral("catalogRegionFilter"));
    QVERIFY(provider && region);

    // "All providers", then each provider that has plans, by name.
    QCOMPARE(provider->itemData(0).toString(), QString());
    QStringList offered;
    for (int i = 1; i < provider->count(); ++i)
        offered << provider->itemData(i).toString();
    for (const Plan& p : plans())
        QVERIFY2(offered.contains(p.provider), qPrintable(p.provider));
    QVERIFY(offered.contains(QStringLiteral("sandbox")));
    QVERIFY(offered.contains(QStringLiteral("colab")));
    QVERIFY(!offered.contains(QStringLiteral("ssh"))); // no plans
    QCOMPARE(provider->itemText(provider->findData(QStringLiteral("colab"))),
             QStringLiteral("Google Colab"));

    // One provider: its plans only, all of them.
    provider->setCurrentIndex(provider->findData(QStringLiteral("sandbox")));
    int sandboxPlans = 0;
    for (const Plan& p : plans())
        sandboxPlans += p.provider == QLatin1String("sandbox");
    QCOMPARE(shown->rowCount(), sandboxPlans);
    QVERIFY(sandboxPlans > 0);
    for (int r = 0; r < shown->rowCount(); ++r)
        QCOMPARE(shownPlan(r)->provider, QStringLiteral("sandbox"));

    // A region, across providers: the plans offered there.
    provider->setCurrentIndex(0);
    QCOMPARE(shown->rowCount(), all);
    const int local = region->findData(QStringLiteral("local-2"));
    QVERIFY(local > 0);
    region->setCurrentIndex(local);
    int inRegion = 0;
    for (const Plan& p : plans())
        inRegion += p.regions.contains(QStringLiteral("local-2"));
    QCOMPARE(shown->rowCount(), inRegion);
    QVERIFY(inRegion > 0 && inRegion < all);
    for (int r = 0; r < shown->rowCount(); ++r)
        QVERIFY(shownPlan(r)->regions.contains(QStringLiteral("local-2")));

    // Nothing left: the empty state's Reset puts every filter back, and every row.
    provider->setCurrentIndex(provider->findData(QStringLiteral("colab")));
    QCOMPARE(shown->rowCount(), 0); // Colab has no regions
    auto* empty = m_window->findChild<QWidget*>(QStringLiteral("catalogEmpty"));
    QVERIFY(empty->isVisible());
    QTest::mouseClick(m_window->findChild<QPushButton*>(QStringLiteral("catalogResetFilters")),
                      Qt::LeftButton);
    QCOMPARE(shown->rowCount(), all);
    QCOMPARE(provider->currentIndex(), 0);
    QCOMPARE(region->currentIndex(), 0);
    QVERIFY(!empty->isVisible());
}

void TestCatalog::availableAndSpotKeepOnlyThosePlans()
{
    QAbstractItemModel* shown = view()->model();
    const int all = shown->rowCount();
    auto* available = m_window->findChild<QCheckBox*>(QStringLiteral("catalogAvailableOnly"));
    auto* spot = m_window->findChild<QCheckBox*>(QStringLiteral("catalogSpotOnly"));
    QVERIFY(available && spot);

    QTest::mouseClick(available, Qt::LeftButton);
    QVERIFY(available->isChecked());
    int availableNow = 0;
    for (const Plan& p : plans())
        availableNow += p.available;
    QCOMPARE(shown->rowCount(), availableNow);
    QVERIFY(availableNow < all); // Colab's offers are never promised
    for (int r = 0; r < shown->rowCount(); ++r)
        QVERIFY(shownPlan(r)->available);

    QTest::mouseClick(spot, Qt::LeftButton);
    int both = 0;
    for (const Plan& p : plans())
        both += p.available && p.spotHourly.has_value();
    QCOMPARE(shown->rowCount(), both);
    QVERIFY(both > 0);
    for (int r = 0; r < shown->rowCount(); ++r) {
        QVERIFY(shownPlan(r)->spotHourly.has_value());
        QVERIFY(
            shown->index(r, CatalogModel::SpotCol).data().toString().startsWith(QLatin1Char('$')));
    }

    // Reset from the empty state, with the search text making it empty.
    auto* search = m_window->findChild<QLineEdit*>(QStringLiteral("catalogSearch"));
    QTest::keyClicks(search, QStringLiteral("no such gpu"));
    QCOMPARE(shown->rowCount(), 0);
    QTest::mouseClick(m_window->findChild<QPushButton*>(QStringLiteral("catalogResetFilters")),
                      Qt::LeftButton);
    QVERIFY(!available->isChecked());
    QVERIFY(!spot->isChecked());
    QVERIFY(search->text().isEmpty());
    QCOMPARE(shown->rowCount(), all);
}

void TestCatalog::oldPricesAreMarked()
{
    QAbstractItemModel* shown = view()->model();
    // Colab's figures are dated 2022; the Sandbox's prices were fetched just now.
    const int colab = rowOf(QStringLiteral("colab"), QStringLiteral("colab-free"));
    const int sandbox = rowOf(QStringLiteral("sandbox"), QStringLiteral("t4-1x"));
    QVERIFY(colab >= 0 && sandbox >= 0);
    const QModelIndex old = shown->index(colab, CatalogModel::FetchedCol);
    QVERIFY2(old.data().toString().startsWith(QStringLiteral("⚠ ")),
             qPrintable(old.data().toString()));
    QVERIFY(old.data().toString().endsWith(QStringLiteral("years old")));
    QCOMPARE(old.data(Qt::ToolTipRole).toString(),
             QStringLiteral("price from 2022-09-29, may have changed — refresh"));
    QVERIFY(old.data(Qt::ForegroundRole).isValid());
    const QModelIndex fresh = shown->index(sandbox, CatalogModel::FetchedCol);
    QVERIFY2(fresh.data().toString() == QStringLiteral("just now") ||
                 fresh.data().toString().endsWith(QStringLiteral("min ago")),
             qPrintable(fresh.data().toString()));
    QVERIFY(!fresh.data(Qt::ForegroundRole).isValid());
    QVERIFY(fresh.data(Qt::ToolTipRole).toString().startsWith(QStringLiteral("Price fetched")));

    // Sorted by age from the header: by the time each price was fetched, oldest first.
    view()->sortByColumn(CatalogModel::FetchedCol, Qt::AscendingOrder);
    double previous = -1;
    for (int r = 0; r < shown->rowCount(); ++r) {
        const double t =
            shown->index(r, CatalogModel::FetchedCol).data(CatalogModel::SortRole).toDouble();
        QVERIFY(t >= previous);
        previous = t;
    }
    QVERIFY(shown->index(0, CatalogModel::FetchedCol).data(CatalogModel::StaleRole).toBool());
}

void TestCatalog::colabCannotBeLaunchedAndSaysWhy()
{
    // The sidebar says it too.
    auto* providers = m_window->findChild<QListWidget*>(QStringLiteral("providerList"));
    QVERIFY(!providers->findItems(QStringLiteral("Google Colab (no launch)"), Qt::MatchExactly)
                 .isEmpty());

    auto* launch = m_window->findChild<QPushButton*>(QStringLiteral("catalogLaunchButton"));
    auto* note = m_window->findChild<QLabel*>(QStringLiteral("catalogPlanNote"));
    QVERIFY(launch && note);
    // A Sandbox plan can be launched.
    view()->selectRow(rowOf(QStringLiteral("sandbox"), QStringLiteral("t4-1x")));
    QVERIFY(launch->isEnabled());
    QVERIFY(!note->isVisible());

    // The note takes room from the table; the row chosen at the bottom stays in view.
    QAbstractItemModel* shown = view()->model();
    const int last = shown->rowCount() - 1;
    QCOMPARE(shownPlan(last)->provider, QStringLiteral("colab")); // priced by the month: last
    view()->selectRow(last);
    QTest::qWait(300); // the layout gives the note its room, then the table scrolls
    QVERIFY(note->isVisible());
    const QRect lastRect = view()->visualRect(shown->index(last, CatalogModel::PlanCol));
    QVERIFY2(lastRect.top() >= 0 && lastRect.bottom() < view()->viewport()->height(),
             qPrintable(QStringLiteral("row at y %1-%2, table shows 0-%3")
                            .arg(lastRect.top())
                            .arg(lastRect.bottom())
                            .arg(view()->viewport()->height())));

    const int row = rowOf(QStringLiteral("colab"), QStringLiteral("colab-pro"));
    QVERIFY(row >= 0);
    view()->selectRow(row);
    QVERIFY(!launch->isEnabled());
    const QString why = QStringLiteral(
        "Colab has no launch API: open colab.research.google.com; any runtime reachable over SSH "
        "can be added as an SSH host (Instance → Add SSH host).");
    QCOMPARE(launch->toolTip(), why);
    QVERIFY(note->isVisible());
    QVERIFY2(note->text().contains(why), qPrintable(note->text()));
    QVERIFY2(note->text().contains(QStringLiteral("notebook, not a rentable machine")),
             qPrintable(note->text()));
    // The row itself reads as a notebook with a monthly price, not a machine by the hour.
    QCOMPARE(shown->index(row, CatalogModel::PlanCol).data().toString(),
             QStringLiteral("Colab Pro (notebook)"));
    QCOMPARE(shown->index(row, CatalogModel::PriceCol).data().toString(),
             QStringLiteral("$9.99/month"));
    QCOMPARE(shown->index(row, CatalogModel::BillingCol).data().toString(),
             QStringLiteral("cannot be launched here"));

    // Double-click and Enter open no launch dialog; Ctrl+N says why instead.
    const QRect cell = view()->visualRect(shown->index(row, CatalogModel::PriceCol));
    QTest::mouseDClick(view()->viewport(), Qt::LeftButton, {}, cell.center());
    QTest::keyClick(view(), Qt::Key_Return);
    QTest::qWait(100);
    QVERIFY(!m_window->findChild<QDialog*>(QStringLiteral("launchDialog")));
    QCOMPARE(view()->selectionModel()->selectedRows().value(0).row(), row);
    m_window->findChild<QAction*>(QStringLiteral("launchAction"))->trigger();
    QVERIFY(!m_window->findChild<QDialog*>(QStringLiteral("launchDialog")));
    QCOMPARE(Prompter::instance().errorsShown().size(), 1);
    QVERIFY2(Prompter::instance().errorsShown().first().contains(why),
             qPrintable(Prompter::instance().errorsShown().first()));
}

GPUDECK_GUITEST_MAIN(TestCatalog)
#include "tst_catalog.moc"
