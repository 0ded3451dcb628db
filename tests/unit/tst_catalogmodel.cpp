// The catalog's models without the window: what each filter keeps, sorting by raw values, the
// age of prices and the stale mark, typing and erasing against a brute-force answer, and
// Colab's offers as rows that cannot be launched.
#include "catalogmodel.h"
#include "colab/colabprovider.h"
#include "guitestmain.h"

#include <QAbstractItemModelTester>
#include <QItemSelectionModel>
#include <QSignalSpy>

#include <random>

using namespace gpudeck;

class TestCatalogModel final : public QObject {
    Q_OBJECT
private slots:
    void filters_data();
    void filters();
    void typingAndErasingMatchBruteForce();
    void sortsByRawValues();
    void agesAndStaleMark();
    void ageTickKeepsOrderAndSelection();
    void selectionFollowsItsPlan();
    void colabOffersCannotBeLaunched();
};

namespace {

const QDateTime kFetched(QDate(2026, 12, 1), QTime(12, 0), Qt::UTC);

Plan plan(const QString& provider, const QString& id, const QString& gpu, double vram,
          double hourly)
{
    Plan p;
    p.provider = provider;
    p.id = id;
    p.name = QStringLiteral("%1 %2").arg(gpu, provider);
    p.gpuModel = gpu;
    p.gpuCount = 1;
    p.vramGb = vram;
    p.onDemandHourly = hourly;
    p.fetchedAt = kFetched;
    return p;
}

// One plan per case the filters tell apart.
QList<Plan> fixture()
{
    Plan t4 = plan(QStringLiteral("sandbox"), QStringLiteral("t4"), QStringLiteral("NVIDIA T4"), 16,
                   0.35);
    t4.spotHourly = 0.11;
    t4.regions = {QStringLiteral("local-1"), QStringLiteral("local-2")};
    t4.regionsAvailable = {QStringLiteral("local-1")};
    Plan a100 = plan(QStringLiteral("lambda"), QStringLiteral("a100-80"),
                     QStringLiteral("NVIDIA A100 80GB"), 80, 1.79);
    a100.regions = {QStringLiteral("us-east-1"), QStringLiteral("us-west-1")};
    Plan h100 = plan(QStringLiteral("runpod"), QStringLiteral("h100-8x"),
                     QStringLiteral("NVIDIA H100 80GB"), 80, 23.92);
    h100.gpuCount = 8;
    h100.spotHourly = 12.0;
    h100.regions = {QStringLiteral("EU-RO-1")};
    h100.available = false;
    Plan a10 =
        plan(QStringLiteral("aws"), QStringLiteral("g5"), QStringLiteral("NVIDIA A10G"), 24, 1.01);
    a10.spotHourly = 0.40;
    a10.regions = {QStringLiteral("us-east-1"), QStringLiteral("us-west-2")};
    a10.regionsAvailable = {QStringLiteral("us-west-2")};
    Plan free =
        plan(QStringLiteral("colab"), QStringLiteral("free"), QStringLiteral("NVIDIA T4"), 16, 0);
    free.available = false;
    Plan monthly = plan(QStringLiteral("colab"), QStringLiteral("pro"),
                        QStringLiteral("T4 or a premium GPU (varies)"), 0, 0);
    monthly.priceNote = QStringLiteral("$9.99/month");
    monthly.available = false;
    return {t4, a100, h100, a10, free, monthly};
}

// "a b c" as a list of plan ids.
QStringList ids(const char* spaced)
{
    return QString::fromLatin1(spaced).split(QLatin1Char(' '), Qt::SkipEmptyParts);
}

QStringList shownIds(const QAbstractItemModel& m)
{
    QStringList ids;
    for (int r = 0; r < m.rowCount(); ++r)
        ids << m.index(r, 0).data(CatalogModel::PlanIdRole).toString();
    return ids;
}

} // namespace

void TestCatalogModel::filters_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<double>("minVram");
    QTest::addColumn<double>("maxHourly");
    QTest::addColumn<QString>("provider");
    QTest::addColumn<QString>("region");
    QTest::addColumn<bool>("available");
    QTest::addColumn<bool>("spot");
    QTest::addColumn<QStringList>("expected"); // in price order

    const QString none;
    QTest::newRow("no filter") << none << 0.0 << 0.0 << none << none << false << false
                               << ids("free t4 g5 a100-80 h100-8x pro");
    QTest::newRow("text, any case") << QStringLiteral("nvidia H100") << 0.0 << 0.0 << none << none
                                    << false << false << ids("h100-8x");
    QTest::newRow("every word") << QStringLiteral("lambda 80") << 0.0 << 0.0 << none << none
                                << false << false << ids("a100-80");
    QTest::newRow("min VRAM") << none << 24.0 << 0.0 << none << none << false << false
                              << ids("g5 a100-80 h100-8x");
    // Free is $0/h; a monthly price compares with no hourly limit.
    QTest::newRow("max price") << none << 0.0 << 1.5 << none << none << false << false
                               << ids("free t4 g5");
    QTest::newRow("provider") << none << 0.0 << 0.0 << QStringLiteral("aws") << none << false
                              << false << ids("g5");
    QTest::newRow("region") << none << 0.0 << 0.0 << none << QStringLiteral("us-east-1") << false
                            << false << ids("g5 a100-80");
    QTest::newRow("available now")
        << none << 0.0 << 0.0 << none << none << true << false << ids("t4 g5 a100-80");
    // With a region, capacity there when the provider says per region (g5 has it only in
    // us-west-2); the overall answer otherwise (a100-80).
    QTest::newRow("available in a region")
        << none << 0.0 << 0.0 << none << QStringLiteral("us-east-1") << true << false
        << ids("a100-80");
    QTest::newRow("available where it has capacity")
        << none << 0.0 << 0.0 << none << QStringLiteral("us-west-2") << true << false << ids("g5");
    QTest::newRow("spot only") << none << 0.0 << 0.0 << none << none << false << true
                               << ids("t4 g5 h100-8x");
    QTest::newRow("spot under $1.50")
        << none << 0.0 << 1.5 << none << none << false << true << ids("t4 g5");
    QTest::newRow("nothing") << QStringLiteral("tpu") << 0.0 << 0.0 << none << none << false
                             << false << ids("");
}

void TestCatalogModel::filters()
{
    QFETCH(QString, text);
    QFETCH(double, minVram);
    QFETCH(double, maxHourly);
    QFETCH(QString, provider);
    QFETCH(QString, region);
    QFETCH(bool, available);
    QFETCH(bool, spot);
    QFETCH(QStringList, expected);
    CatalogModel model;
    model.setNow(kFetched);
    CatalogFilter filter;
    QAbstractItemModelTester tester(&filter,
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    filter.setSourceModel(&model);
    filter.sort(CatalogModel::PriceCol, Qt::AscendingOrder);
    model.setPlans(fixture());
    filter.setText(text);
    filter.setMinVramGb(minVram);
    filter.setMaxHourly(maxHourly);
    filter.setProvider(provider);
    filter.setRegion(region);
    filter.setAvailableOnly(available);
    filter.setSpotOnly(spot);
    QCOMPARE(shownIds(filter), expected);
    // Back to no filter: every plan again.
    filter.setText({});
    filter.setMinVramGb(0);
    filter.setMaxHourly(0);
    filter.setProvider({});
    filter.setRegion({});
    filter.setAvailableOnly(false);
    filter.setSpotOnly(false);
    QCOMPARE(filter.rowCount(), 6);
}

void TestCatalogModel::typingAndErasingMatchBruteForce()
{
    // Typing at the end only looks among the rows shown; erasing looks at all of them. Both
    // must give what a plain search over every plan gives, in price order.
    std::mt19937 rng(7);
    const QStringList gpus = {QStringLiteral("NVIDIA A100 80GB"), QStringLiteral("NVIDIA A10"),
                              QStringLiteral("NVIDIA H100 80GB"), QStringLiteral("RTX 4090")};
    const QStringList providers = {QStringLiteral("lambda"), QStringLiteral("runpod"),
                                   QStringLiteral("vast")};
    QList<Plan> plans;
    for (int i = 0; i < 600; ++i) {
        plans << plan(providers.at(static_cast<int>(rng() % 3)), QStringLiteral("p%1").arg(i),
                      gpus.at(static_cast<int>(rng() % 4)), 24, 0.1 + (rng() % 500) / 100.0);
    }
    CatalogModel model;
    CatalogFilter filter;
    filter.setSourceModel(&model);
    filter.sort(CatalogModel::PriceCol, Qt::AscendingOrder);
    model.setPlans(plans);
    const QString query = QStringLiteral("A100 80 lambda");
    QStringList steps;
    for (int n = 1; n <= query.size(); ++n)
        steps << query.left(n);
    for (int n = static_cast<int>(query.size()) - 1; n >= 0; --n)
        steps << query.left(n);
    for (const QString& typed : steps) {
        filter.setText(typed);
        const QStringList words = typed.toLower().split(QLatin1Char(' '), Qt::SkipEmptyParts);
        QList<const Plan*> expected;
        for (const Plan& p : plans) {
            const QString hay = (p.provider + QLatin1Char(' ') + p.id + QLatin1Char(' ') + p.name +
                                 QLatin1Char(' ') + p.gpuModel)
                                    .toLower();
            if (std::all_of(words.begin(), words.end(),
                            [&](const QString& w) { return hay.contains(w); }))
                expected << &p;
        }
        std::stable_sort(expected.begin(), expected.end(), [](const Plan* a, const Plan* b) {
            return a->onDemandHourly < b->onDemandHourly;
        });
        QStringList ids;
        for (const Plan* p : expected)
            ids << p->id;
        QVERIFY2(ids.size() > 0, qPrintable(typed));
        QCOMPARE(shownIds(filter), ids);
    }
    QCOMPARE(filter.rowCount(), 600);
}

void TestCatalogModel::sortsByRawValues()
{
    CatalogModel model;
    model.setNow(kFetched);
    CatalogFilter filter;
    filter.setSourceModel(&model);
    QList<Plan> plans = fixture();
    plans[0].fetchedAt = kFetched.addDays(-3);   // t4: oldest
    plans[2].fetchedAt = kFetched.addSecs(-600); // h100: ten minutes
    model.setPlans(plans);
    // $23.92 after $1.79 (numeric, not text); a price by the month after every hourly one.
    filter.sort(CatalogModel::PriceCol, Qt::AscendingOrder);
    QCOMPARE(shownIds(filter), ids("free t4 g5 a100-80 h100-8x pro"));
    filter.sort(CatalogModel::PerGpuCol, Qt::AscendingOrder); // h100: $2.99 per GPU
    QCOMPARE(shownIds(filter), ids("free t4 g5 a100-80 h100-8x pro"));
    filter.sort(CatalogModel::VramCol, Qt::DescendingOrder); // ties keep the catalog's order
    QCOMPARE(shownIds(filter), ids("a100-80 h100-8x g5 t4 free pro"));
    // By when the price was fetched, not by the age text ("3 days old" < "just now" as text).
    filter.sort(CatalogModel::FetchedCol, Qt::AscendingOrder);
    QCOMPARE(shownIds(filter).mid(0, 2), ids("t4 h100-8x"));
    filter.sort(CatalogModel::SpotCol, Qt::AscendingOrder); // no spot price: last
    QCOMPARE(shownIds(filter).mid(0, 3), ids("t4 g5 h100-8x"));
    filter.sort(CatalogModel::GpuCol, Qt::AscendingOrder); // text, any case
    QCOMPARE(shownIds(filter), ids("a100-80 g5 h100-8x t4 free pro"));
    // How the prices read.
    filter.sort(CatalogModel::PriceCol, Qt::AscendingOrder);
    QCOMPARE(filter.index(0, CatalogModel::PriceCol).data().toString(), QStringLiteral("free"));
    QCOMPARE(filter.index(5, CatalogModel::PriceCol).data().toString(),
             QStringLiteral("$9.99/month"));
    QCOMPARE(filter.index(5, CatalogModel::PerGpuCol).data().toString(), QStringLiteral("—"));
    QCOMPARE(filter.index(5, CatalogModel::VramCol).data().toString(), QStringLiteral("—"));
}

void TestCatalogModel::agesAndStaleMark()
{
    CatalogModel model;
    Plan p = fixture().first();
    model.setPlans({p});
    const QModelIndex fetched = model.index(0, CatalogModel::FetchedCol);
    struct Case {
        qint64 after;
        const char* text;
        bool stale;
    };
    const Case cases[] = {
        {20, "just now", false},
        {90, "1 min ago", false},
        {3 * 3600 + 5, "3 h ago", false},
        {CatalogModel::kStaleAfterSeconds, "24 h ago", false},
        {CatalogModel::kStaleAfterSeconds + 1, "⚠ 1 day old", true},
        {3 * 86400 + 7, "⚠ 3 days old", true},
        {400 * 86400, "⚠ 13 months old", true},
    };
    for (const Case& c : cases) {
        model.setNow(p.fetchedAt.addSecs(c.after));
        QCOMPARE(fetched.data().toString(), QString::fromUtf8(c.text));
        QCOMPARE(fetched.data(CatalogModel::StaleRole).toBool(), c.stale);
        QCOMPARE(fetched.data(Qt::ForegroundRole).isValid(), c.stale);
        const QString tip = fetched.data(Qt::ToolTipRole).toString();
        if (c.stale)
            QCOMPARE(tip,
                     QStringLiteral("price from %1, may have changed — refresh")
                         .arg(p.fetchedAt.toLocalTime().toString(QStringLiteral("yyyy-MM-dd"))));
        else
            QVERIFY2(tip.startsWith(QStringLiteral("Price fetched ")), qPrintable(tip));
    }
    // A plan without a fetch time has no age and is not marked.
    p.fetchedAt = {};
    model.setPlans({p});
    QCOMPARE(model.index(0, CatalogModel::FetchedCol).data().toString(), QStringLiteral("—"));
    QVERIFY(!model.isStale(0));
}

void TestCatalogModel::ageTickKeepsOrderAndSelection()
{
    // Ages move on every minute: the text changes in place, the rows do not move.
    CatalogModel model;
    model.setNow(kFetched);
    CatalogFilter filter;
    filter.setSourceModel(&model);
    model.setPlans(fixture());
    filter.sort(CatalogModel::FetchedCol, Qt::AscendingOrder);
    const QPersistentModelIndex kept = filter.index(3, 0);
    const QString keptId = kept.data(CatalogModel::PlanIdRole).toString();
    QSignalSpy layout(&filter, &QAbstractItemModel::layoutChanged);
    QSignalSpy reset(&filter, &QAbstractItemModel::modelReset);
    QSignalSpy changed(&filter, &QAbstractItemModel::dataChanged);
    model.setNow(kFetched.addDays(2));
    QCOMPARE(layout.size(), 0);
    QCOMPARE(reset.size(), 0);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed.first().at(0).toModelIndex().column(), int(CatalogModel::FetchedCol));
    // Named roles, the sort key not among them (no roles would mean all of them).
    const QList<int> roles = changed.first().at(2).value<QList<int>>();
    QVERIFY(roles.contains(Qt::DisplayRole) && !roles.contains(CatalogModel::SortRole));
    QCOMPARE(kept.row(), 3);
    QCOMPARE(kept.data(CatalogModel::PlanIdRole).toString(), keptId);
    QVERIFY(filter.index(0, CatalogModel::FetchedCol)
                .data()
                .toString()
                .startsWith(QStringLiteral("⚠")));
}

void TestCatalogModel::selectionFollowsItsPlan()
{
    CatalogModel model;
    CatalogFilter filter;
    QAbstractItemModelTester tester(&filter,
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    filter.setSourceModel(&model);
    model.setPlans(fixture());
    QItemSelectionModel selection(&filter);
    const QModelIndex a100 =
        filter.match(filter.index(0, 0), CatalogModel::PlanIdRole, QStringLiteral("a100-80"))
            .value(0);
    QVERIFY(a100.isValid());
    selection.select(a100, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    filter.sort(CatalogModel::PriceCol, Qt::DescendingOrder);
    QCOMPARE(selection.selectedRows().size(), 1);
    QCOMPARE(selection.selectedRows().first().data(CatalogModel::PlanIdRole).toString(),
             QStringLiteral("a100-80"));
    filter.setMinVramGb(24); // still shown, at another row
    QCOMPARE(selection.selectedRows().first().data(CatalogModel::PlanIdRole).toString(),
             QStringLiteral("a100-80"));
    filter.setProvider(QStringLiteral("aws")); // filtered out: nothing selected
    QVERIFY(selection.selectedRows().isEmpty());
}

void TestCatalogModel::colabOffersCannotBeLaunched()
{
    const QList<Plan> offers = ColabProvider::offers();
    QCOMPARE(offers.size(), 4);
    ColabProvider colab(ProviderContext{});
    QVERIFY(!colab.capabilities().launch);
    QVERIFY(!colab.capabilities().destroy);
    QVERIFY(!colab.capabilities().needsAccount);
    QVERIFY(colab.noLaunchNote().startsWith(QStringLiteral("Colab has no launch API")));
    QVERIFY(colab.noLaunchNote().contains(QStringLiteral("SSH host")));
    for (const Plan& p : offers) {
        QCOMPARE(p.provider, QStringLiteral("colab"));
        QVERIFY2(p.note.contains(QStringLiteral("notebook, not a rentable machine")),
                 qPrintable(p.note));
        QVERIFY2(p.note.contains(QStringLiteral("not re-checked")), qPrintable(p.note));
        QVERIFY(!p.available);
    }
    QVERIFY(offers.first().hasHourlyPrice()); // Free: $0/h
    QVERIFY(offers.first().note.contains(QStringLiteral("12 h")));
    QCOMPARE(offers.last().priceNote, QStringLiteral("$49.99/month"));

    CatalogModel model;
    model.setNoLaunch({{QStringLiteral("colab"), colab.noLaunchNote()}});
    model.setPlans(offers);
    for (int r = 0; r < model.rowCount(); ++r) {
        QVERIFY(model.isStale(r)); // published 2022: marked as possibly changed
        QCOMPARE(model.index(r, CatalogModel::BillingCol).data().toString(),
                 QStringLiteral("cannot be launched here"));
        const QString tip = model.index(r, CatalogModel::PlanCol).data(Qt::ToolTipRole).toString();
        QVERIFY2(tip.contains(offers.at(r).note) && tip.contains(colab.noLaunchNote()),
                 qPrintable(tip));
    }
    QCOMPARE(model.index(0, CatalogModel::PriceCol).data().toString(), QStringLiteral("free"));
    QCOMPARE(model.index(2, CatalogModel::PriceCol).data().toString(),
             QStringLiteral("$9.99/month"));
    // The launch call says the same if something asks anyway.
    std::optional<Error> error;
    colab.launch(LaunchRequest{}, [&](Result<Instance> r) {
        if (!r.ok())
            error = r.error();
    });
    QTRY_VERIFY(error.has_value());
    QCOMPARE(error->code, ErrorCode::Unsupported);
    QCOMPARE(error->message, colab.noLaunchNote());
}

GPUDECK_GUITEST_MAIN(TestCatalogModel)
#include "tst_catalogmodel.moc"
