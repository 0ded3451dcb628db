// The catalog with 20,000 plans: the cost of each keystroke or click on its filters and of each
// sort, measured twice: on the models alone (CatalogModel + CatalogFilter, sorted by price as
// the page is) and on the real catalog page (both views of the frozen-column table attached,
// and the events the change posted processed, which repaints the table: every step is checked
// to have painted). Plans are synthetic but shaped
// like the real ones: several providers, GPU models, counts, regions, on-demand and spot
// prices, availability per region, prices fetched from minutes to days ago.
//
//   gpudeck-bench-catalog [--plans 20000] [--reps 10]   (offscreen unless QT_QPA_PLATFORM is set)
#include "catalogmodel.h"
#include "catalogpage.h"
#include "resources.h"

#include <QAbstractItemView>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QLineEdit>
#include <QTableView>
#include <QTextStream>

#include <algorithm>
#include <functional>
#include <map>
#include <random>

using namespace gpudeck;

namespace {

struct Gpu {
    const char* model;
    double vramGb;
    double hourly; // one GPU, on demand, a typical published price
};

const Gpu kGpus[] = {
    {"NVIDIA T4", 16, 0.35},        {"NVIDIA L4", 24, 0.70},
    {"NVIDIA A10", 24, 0.75},       {"NVIDIA RTX 4090", 24, 0.45},
    {"NVIDIA RTX A6000", 48, 0.80}, {"NVIDIA A40", 48, 1.10},
    {"NVIDIA L40S", 48, 1.20},      {"NVIDIA V100", 16, 0.90},
    {"NVIDIA A100 40GB", 40, 1.30}, {"NVIDIA A100 80GB", 80, 1.80},
    {"NVIDIA H100 80GB", 80, 2.50}, {"NVIDIA H200 141GB", 141, 3.50},
};

struct ProviderShape {
    const char* id;
    double priceFactor;
    bool spot;
    QStringList regions;
};

QList<ProviderShape> providerShapes()
{
    auto r = [](std::initializer_list<const char*> ids) {
        QStringList out;
        for (const char* id : ids)
            out << QString::fromLatin1(id);
        return out;
    };
    return {
        {"lambda", 1.00, false, r({"us-east-1", "us-west-1", "us-south-1", "europe-central-1"})},
        {"runpod", 0.85, true, r({"US-TX-3", "US-GA-1", "EU-RO-1", "EU-SE-1", "CA-MTL-1"})},
        {"vast", 0.70, true, r({"US", "EU", "Asia", "CA"})},
        {"linode", 1.20, false, r({"us-ord", "us-sea", "de-fra-2", "jp-osa", "in-maa"})},
        {"digitalocean", 1.15, false, r({"nyc2", "tor1", "ams3", "atl1"})},
        {"aws", 1.40, true, r({"us-east-1", "us-west-2", "eu-west-1", "ap-northeast-1"})},
        {"gce", 1.30, true, r({"us-central1", "europe-west4", "asia-east1"})},
        {"sandbox", 1.00, true, r({"local-1", "local-2"})},
    };
}

QList<Plan> syntheticPlans(int count)
{
    std::mt19937 rng(42);
    auto uniform = [&](double lo, double hi) {
        return std::uniform_real_distribution<double>(lo, hi)(rng);
    };
    auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
    const QList<ProviderShape> shapes = providerShapes();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const int counts[] = {1, 1, 1, 2, 4, 8};
    QList<Plan> plans;
    plans.reserve(count);
    for (int i = 0; i < count; ++i) {
        const ProviderShape& s = shapes.at(pick(static_cast<int>(shapes.size())));
        const Gpu& g = kGpus[pick(static_cast<int>(std::size(kGpus)))];
        Plan p;
        p.provider = QString::fromLatin1(s.id);
        p.gpuModel = QString::fromLatin1(g.model);
        p.gpuCount = counts[pick(static_cast<int>(std::size(counts)))];
        p.vramGb = g.vramGb;
        p.id = QStringLiteral("%1-%2x-%3")
                   .arg(p.gpuModel.section(QLatin1Char(' '), 1).toLower())
                   .arg(p.gpuCount)
                   .arg(i);
        p.name =
            QStringLiteral("%1x %2 (%3 #%4)").arg(p.gpuCount).arg(p.gpuModel, p.provider).arg(i);
        p.vcpus = p.gpuCount * (4 + pick(4) * 4);
        p.ramGb = p.vcpus * 4.0;
        p.diskGb = 50.0 * (1 + pick(20));
        const int regionCount = 1 + pick(static_cast<int>(s.regions.size()));
        for (int r = 0; r < regionCount; ++r)
            p.regions << s.regions.at((i + r) % s.regions.size());
        if (pick(2) == 0) {
            for (const QString& r : p.regions) {
                if (pick(3) != 0)
                    p.regionsAvailable << r;
            }
        }
        p.onDemandHourly = g.hourly * p.gpuCount * s.priceFactor * uniform(0.9, 1.15);
        if (s.spot && pick(5) < 2)
            p.spotHourly = p.onDemandHourly * uniform(0.3, 0.6);
        p.available = pick(10) < 7;
        // Most prices minutes to hours old; one in ten from days ago (a cache, a bundled table).
        p.fetchedAt = now.addSecs(pick(10) == 0 ? -86400 * (1 + pick(30)) : -pick(6 * 3600));
        p.billing.minimumSeconds = pick(2) * 60;
        plans << p;
    }
    return plans;
}

// Timings of one kind of operation, in milliseconds.
struct Samples {
    QList<double> ms;
    void add(const QElapsedTimer& t) { ms << t.nsecsElapsed() / 1e6; }
    [[nodiscard]] double median() const
    {
        QList<double> s = ms;
        std::sort(s.begin(), s.end());
        return s.isEmpty() ? 0 : s.at(s.size() / 2);
    }
    [[nodiscard]] double max() const
    {
        return ms.isEmpty() ? 0 : *std::max_element(ms.begin(), ms.end());
    }
};

// Every keystroke of typing each query, then erasing it one character at a time.
QStringList keystrokes()
{
    QStringList texts;
    for (const QString& q :
         {QStringLiteral("a100 80"), QStringLiteral("h100"), QStringLiteral("rtx 4090"),
          QStringLiteral("lambda a10"), QStringLiteral("runpod l40s")}) {
        for (int n = 1; n <= q.size(); ++n)
            texts << q.left(n);
        for (int n = static_cast<int>(q.size()) - 1; n >= 0; --n)
            texts << q.left(n);
    }
    return texts;
}

const QList<double> kVram = {16, 24, 40, 48, 80, 141, 0};
const QList<double> kPrice = {0.5, 1, 2, 4, 8, 16, 0};
const QList<std::pair<int, Qt::SortOrder>> kSorts = {
    {CatalogModel::PriceCol, Qt::AscendingOrder},   {CatalogModel::PriceCol, Qt::DescendingOrder},
    {CatalogModel::PerGpuCol, Qt::AscendingOrder},  {CatalogModel::PerGpuCol, Qt::DescendingOrder},
    {CatalogModel::VramCol, Qt::DescendingOrder},   {CatalogModel::VramCol, Qt::AscendingOrder},
    {CatalogModel::FetchedCol, Qt::AscendingOrder}, {CatalogModel::FetchedCol, Qt::DescendingOrder},
};

// The operations, each a list of steps; one step is one keystroke or click. `after` runs
// inside the timing (the page: process events and repaint).
struct Ops {
    std::function<void(const QString&)> text;
    std::function<void(double)> vram;
    std::function<void(double)> price;
    std::function<void(int)> provider; // index among the choices, 0 = all
    std::function<void(int)> region;
    std::function<void(bool)> available;
    std::function<void(bool)> spot;
    std::function<void(int, Qt::SortOrder)> sort;
    int providerChoices = 0;
    int regionChoices = 0;
};

std::map<QString, Samples> run(const Ops& ops, int reps, const std::function<void()>& after)
{
    std::map<QString, Samples> out;
    auto time = [&](const QString& name, const std::function<void()>& step) {
        QElapsedTimer t;
        t.start();
        step();
        after();
        out[name].add(t);
    };
    const QStringList typed = keystrokes();
    for (int rep = 0; rep < reps; ++rep) {
        for (const QString& s : typed)
            time(QStringLiteral("1 type filter text (per keystroke)"), [&] { ops.text(s); });
        for (double v : kVram)
            time(QStringLiteral("2 change min VRAM"), [&] { ops.vram(v); });
        for (double v : kPrice)
            time(QStringLiteral("3 change max price"), [&] { ops.price(v); });
        for (int i = 1; i <= ops.providerChoices; ++i)
            time(QStringLiteral("4 choose a provider"),
                 [&] { ops.provider(i % ops.providerChoices); });
        for (int i = 1; i <= ops.regionChoices; ++i)
            time(QStringLiteral("5 choose a region"), [&] { ops.region(i % ops.regionChoices); });
        for (bool on : {true, false})
            time(QStringLiteral("6 toggle available now"), [&] { ops.available(on); });
        for (bool on : {true, false})
            time(QStringLiteral("7 toggle spot only"), [&] { ops.spot(on); });
        for (const auto& [column, order] : kSorts) {
            const QString what = column == CatalogModel::PriceCol    ? QStringLiteral("price")
                                 : column == CatalogModel::PerGpuCol ? QStringLiteral("$/GPU-h")
                                 : column == CatalogModel::VramCol   ? QStringLiteral("VRAM")
                                                                     : QStringLiteral("age");
            time(QStringLiteral("8 sort by ") + what, [&] { ops.sort(column, order); });
        }
        ops.sort(CatalogModel::PriceCol, Qt::AscendingOrder); // as the page starts
    }
    return out;
}

void report(QTextStream& out, const QString& title, const std::map<QString, Samples>& results)
{
    out << "\n"
        << title << "\n\n| operation | steps timed | median (ms) | max (ms) |\n|---|---|---|---|\n";
    for (const auto& [name, s] : results)
        out << "| " << name.mid(2) << " | " << s.ms.size() << " | "
            << QString::number(s.median(), 'f', 2) << " | " << QString::number(s.max(), 'f', 2)
            << " |\n";
    out.flush();
}

// Counts the table's paint events: a step that did not repaint would look cheap.
class PaintCounter final : public QObject {
public:
    int count = 0;
    bool eventFilter(QObject* watched, QEvent* event) override
    {
        count += event->type() == QEvent::Paint;
        return QObject::eventFilter(watched, event);
    }
};

} // namespace

int main(int argc, char* argv[])
{
    if (!qEnvironmentVariableIsSet("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    initResources();
    const QStringList args = app.arguments();
    auto option = [&](const char* name, int fallback) {
        const qsizetype i = args.indexOf(QString::fromLatin1(name));
        return i >= 0 && i + 1 < args.size() ? args.at(i + 1).toInt() : fallback;
    };
    const int count = option("--plans", 20000);
    const int reps = option("--reps", 10);
    QTextStream out(stdout);

    const QList<Plan> plans = syntheticPlans(count);
    QStringList regions;
    QStringList providers;
    for (const Plan& p : plans) {
        if (!providers.contains(p.provider))
            providers << p.provider;
        for (const QString& r : p.regions) {
            if (!regions.contains(r))
                regions << r;
        }
    }
    out << count << " plans, " << providers.size() << " providers, " << regions.size()
        << " regions, " << reps << " repetitions of every step\n";

    // Models alone.
    {
        CatalogModel model;
        CatalogFilter filter;
        filter.setSourceModel(&model);
        filter.sort(CatalogModel::PriceCol, Qt::AscendingOrder);
        QElapsedTimer load;
        load.start();
        model.setPlans(plans);
        out << "models: setPlans " << QString::number(load.nsecsElapsed() / 1e6, 'f', 1) << " ms, "
            << filter.rowCount() << " rows shown\n";
        Ops ops;
        ops.text = [&](const QString& s) { filter.setText(s); };
        ops.vram = [&](double v) { filter.setMinVramGb(v); };
        ops.price = [&](double v) { filter.setMaxHourly(v); };
        ops.provider = [&](int i) { filter.setProvider(i == 0 ? QString() : providers.at(i - 1)); };
        ops.region = [&](int i) { filter.setRegion(i == 0 ? QString() : regions.at(i - 1)); };
        ops.available = [&](bool on) { filter.setAvailableOnly(on); };
        ops.spot = [&](bool on) { filter.setSpotOnly(on); };
        ops.sort = [&](int c, Qt::SortOrder o) { filter.sort(c, o); };
        ops.providerChoices = static_cast<int>(providers.size()) + 1;
        ops.regionChoices = static_cast<int>(regions.size()) + 1;
        QElapsedTimer tick;
        tick.start();
        model.setNow(QDateTime::currentDateTimeUtc().addSecs(60));
        out << "models: age tick (setNow) " << QString::number(tick.nsecsElapsed() / 1e6, 'f', 2)
            << " ms\n";
        report(out, QStringLiteral("Models alone (CatalogModel + CatalogFilter, sorted by price):"),
               run(ops, reps, [&] { (void)filter.rowCount(); })); // what a view asks first
    }

    // The real page, shown, at the size of the main window's catalog tab.
    {
        CatalogPage page;
        page.resize(1000, 680);
        page.show();
        QApplication::processEvents();
        QElapsedTimer load;
        load.start();
        page.setPlans(plans, {});
        QApplication::processEvents();
        out << "page: setPlans and first paint "
            << QString::number(load.nsecsElapsed() / 1e6, 'f', 1) << " ms\n";
        auto* search = page.findChild<QLineEdit*>(QStringLiteral("catalogSearch"));
        auto* vram = page.findChild<QDoubleSpinBox*>(QStringLiteral("minVramSpin"));
        auto* price = page.findChild<QDoubleSpinBox*>(QStringLiteral("maxPriceSpin"));
        auto* provider = page.findChild<QComboBox*>(QStringLiteral("catalogProviderFilter"));
        auto* region = page.findChild<QComboBox*>(QStringLiteral("catalogRegionFilter"));
        auto* available = page.findChild<QCheckBox*>(QStringLiteral("catalogAvailableOnly"));
        auto* spot = page.findChild<QCheckBox*>(QStringLiteral("catalogSpotOnly"));
        auto* view = page.findChild<QTableView*>(QStringLiteral("catalogView"));
        if (!search || !vram || !price || !provider || !region || !available || !spot || !view) {
            out << "the catalog page's filters were not found by objectName\n";
            return 1;
        }
        Ops ops;
        ops.text = [&](const QString& s) { search->setText(s); };
        ops.vram = [&](double v) { vram->setValue(v); };
        ops.price = [&](double v) { price->setValue(v); };
        ops.provider = [&](int i) { provider->setCurrentIndex(i); };
        ops.region = [&](int i) { region->setCurrentIndex(i); };
        ops.available = [&](bool on) { available->setChecked(on); };
        ops.spot = [&](bool on) { spot->setChecked(on); };
        ops.sort = [&](int c, Qt::SortOrder o) { view->sortByColumn(c, o); };
        ops.providerChoices = provider->count();
        ops.regionChoices = region->count();
        // Inside the timing: the events the change posted, the table's repaint among them.
        PaintCounter paints;
        view->viewport()->installEventFilter(&paints);
        int steps = 0;
        auto events = [&] {
            QApplication::processEvents();
            ++steps;
        };
        const auto results = run(ops, reps, events);
        report(out,
               QStringLiteral("The catalog page (filter widgets driven, the events they posted "
                              "processed, table repainted):"),
               results);
        out << "\n"
            << paints.count << " paints of the table in " << steps
            << " steps (a step that changes nothing, such as a trailing space, paints nothing)\n";
    }
    return 0;
}
