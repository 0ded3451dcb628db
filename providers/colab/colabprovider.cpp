#include "colabprovider.h"

namespace gpudeck {

namespace {

// When Google published the figures below: compute units and Pay As You Go arrived on
// 2022-09-29, with Pro and Pro+ re-expressed in units per month. They come from Colab's FAQ
// and sign-up page and have not been re-checked since (there is no API to fetch them), so the
// catalog shows them as old prices.
const QDateTime kPublished(QDate(2022, 9, 29), QTime(0, 0), Qt::UTC);

const QString kAsPublished = QStringLiteral(
    " Limits and prices as Google published them (Colab FAQ and sign-up page, 2022-09); not "
    "re-checked since: see colab.research.google.com/signup.");

Plan offer(const QString& id, const QString& name, const QString& gpu, double vramGb,
           const QString& priceNote, const QString& note)
{
    Plan p;
    p.provider = QStringLiteral("colab");
    p.id = id;
    p.name = name;
    p.gpuModel = gpu;
    p.gpuCount = 1; // a Colab runtime has one accelerator
    p.vramGb = vramGb;
    p.priceNote = priceNote;
    p.note = note + kAsPublished;
    // Colab never promises a GPU: whether one is free right now is not known here.
    p.available = false;
    p.fetchedAt = kPublished;
    return p;
}

} // namespace

ColabProvider::ColabProvider(const ProviderContext& /*context*/, QObject* parent)
    : Provider(parent)
{}

ProviderCapabilities ColabProvider::capabilities() const
{
    return {}; // no launch, destroy, stop, live catalog or account: Colab has no such API
}

QString ColabProvider::guardNote() const
{
    return QStringLiteral("Colab notebooks run on Google's machines under Colab's own limits: "
                          "GPUDeck cannot start, watch or stop them. Colab disconnects idle "
                          "sessions by itself; a paid plan bills by the month or by compute "
                          "units, not by the hour.");
}

QString ColabProvider::noLaunchNote() const
{
    return QStringLiteral("Colab has no launch API: open colab.research.google.com; any runtime "
                          "reachable over SSH can be added as an SSH host (Instance → Add SSH "
                          "host).");
}

QList<Plan> ColabProvider::offers()
{
    const QString notebook = QStringLiteral("A Colab notebook, not a rentable machine. ");
    // The paid offers differ in what the money buys; the GPU is whatever Colab assigns.
    auto paid = [&](const QString& id, const QString& name, const QString& price,
                    const QString& buys) {
        return offer(id, name, QStringLiteral("T4 or a premium GPU (varies)"), 0, price,
                     notebook + buys +
                         QStringLiteral(" Compute units are used up at a rate that depends on "
                                        "the GPU and memory (varies); which GPU a session gets "
                                        "varies with availability."));
    };
    return {
        offer(QStringLiteral("colab-free"), QStringLiteral("Colab Free (notebook)"),
              QStringLiteral("NVIDIA T4 (when available)"), 16, {},
              notebook + QStringLiteral("A GPU (usually a T4) when one is free, never "
                                        "guaranteed; a session lasts at most 12 h and is "
                                        "disconnected sooner when idle (the idle limit varies); "
                                        "files not saved elsewhere are lost when it ends.")),
        paid(QStringLiteral("colab-payg"), QStringLiteral("Colab Pay As You Go (notebook)"),
             QStringLiteral("$9.99 per 100 units"),
             QStringLiteral("Compute units bought without a subscription: $9.99 for 100 or "
                            "$49.99 for 500.")),
        paid(QStringLiteral("colab-pro"), QStringLiteral("Colab Pro (notebook)"),
             QStringLiteral("$9.99/month"),
             QStringLiteral("100 compute units a month, faster GPUs and more memory when "
                            "available; session and idle limits are longer than Free's but "
                            "vary.")),
        paid(QStringLiteral("colab-pro-plus"), QStringLiteral("Colab Pro+ (notebook)"),
             QStringLiteral("$49.99/month"),
             QStringLiteral("500 compute units a month and background execution (the notebook "
                            "keeps running with the browser closed); session limits vary.")),
    };
}

void ColabProvider::fetchCatalog(Callback<Catalog> done)
{
    Catalog c;
    c.plans = offers();
    c.fetchedAt = kPublished;
    deliver<Catalog>(std::move(done), std::move(c));
}

void ColabProvider::listInstances(Callback<QList<Instance>> done)
{
    deliver<QList<Instance>>(std::move(done), QList<Instance>{}); // nothing GPUDeck can see
}

void ColabProvider::getInstance(const QString& id, Callback<Instance> done)
{
    deliver<Instance>(std::move(done),
                      makeError(ErrorCode::NotFound,
                                QStringLiteral("Colab has no machine %1: GPUDeck does not see "
                                               "Colab sessions.")
                                    .arg(id)));
}

void ColabProvider::launch(const LaunchRequest& /*request*/, Callback<Instance> done)
{
    deliver<Instance>(std::move(done), makeError(ErrorCode::Unsupported, noLaunchNote()));
}

void ColabProvider::destroy(const QString& /*id*/, Callback<void> done)
{
    deliver<void>(std::move(done), unsupported(QStringLiteral("destroy")));
}

} // namespace gpudeck
