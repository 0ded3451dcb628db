// The dated offline catalogs bundled in the binaries (resources/catalog, written by
// scripts/bundled-catalog.py): each reads back, its plans bill by the provider's own rule and
// carry ids the provider launches, and a provider that cannot fetch live serves it.
#include "asyncwait.h"
#include "catalogcache.h"
#include "digitalocean/digitaloceanapi.h"
#include "digitalocean/digitaloceanprovider.h"
#include "lambda/lambdaapi.h"
#include "lambda/lambdaprovider.h"
#include "linode/linodeapi.h"
#include "linode/linodeprovider.h"
#include "resources.h"
#include "restclient.h"
#include "runpod/runpodapi.h"
#include "runpod/runpodprovider.h"

#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest>

using namespace gpudeck;
using gpudeck::test::message;
using gpudeck::test::wait;

namespace {

// The rule a live catalog of `provider` gives `p`.
BillingRule liveRule(const QString& provider, const Plan& p)
{
    if (provider == QLatin1String("lambda"))
        return lambda::billingRule();
    if (provider == QLatin1String("runpod"))
        return runpod::billingRule();
    if (provider == QLatin1String("linode"))
        return linode::billingRule(p.billing.monthlyCapUsd);
    return digitalocean::billingRule(p.billing.monthlyCapUsd);
}

} // namespace

class tst_BundledCatalog final : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { initResources(); }
    void readsBack_data();
    void readsBack();
    void servedWhenLiveFails_data();
    void servedWhenLiveFails();
};

void tst_BundledCatalog::readsBack_data()
{
    QTest::addColumn<QString>("provider");
    for (const char* id : {"lambda", "runpod", "linode", "digitalocean"})
        QTest::newRow(id) << QString::fromLatin1(id);
}

void tst_BundledCatalog::readsBack()
{
    QFETCH(QString, provider);
    const Result<Catalog> c =
        CatalogCache::loadFile(QStringLiteral(":/catalog/") + provider + QStringLiteral(".json"));
    QVERIFY2(c.ok(), qPrintable(c.ok() ? QString() : message(c.error())));
    const Catalog& cat = c.value();
    QVERIFY(cat.fetchedAt.isValid());
    QVERIFY(cat.fetchedAt < QDateTime::currentDateTimeUtc());
    QVERIFY(cat.plans.size() >= 4);
    QVERIFY(!cat.regions.isEmpty());
    QVERIFY(!cat.images.isEmpty());
    if (provider != QLatin1String("linode")) // Linode has no CUDA image
        QVERIFY(cat.images.first().cudaReady);
    QStringList regionIds;
    for (const Region& r : cat.regions) {
        QVERIFY(!r.name.isEmpty());
        regionIds << r.id;
    }
    QSet<QString> ids;
    for (const Plan& p : cat.plans) {
        QCOMPARE(p.provider, provider);
        QVERIFY2(!ids.contains(p.id), qPrintable(p.id));
        ids.insert(p.id);
        QVERIFY2(p.onDemandHourly > 0 && p.gpuCount > 0 && p.vramGb > 0, qPrintable(p.id));
        QVERIFY(!p.gpuModel.isEmpty() && !p.name.isEmpty());
        // Dated like the file; availability only ever comes live.
        QCOMPARE(p.fetchedAt, cat.fetchedAt);
        QVERIFY(p.regionsAvailable.isEmpty());
        QVERIFY(p.note.contains(QLatin1String("only known live")));
        for (const QString& r : p.regions)
            QVERIFY2(regionIds.contains(r), qPrintable(r));
        QCOMPARE(p.billing, liveRule(provider, p));
        if (p.spotHourly)
            QVERIFY(*p.spotHourly < p.onDemandHourly);
        if (provider == QLatin1String("runpod"))
            QCOMPARE(runpod::parsePlanId(p.id).second, p.gpuCount);
        if (provider == QLatin1String("linode") || provider == QLatin1String("digitalocean"))
            QVERIFY(p.billing.monthlyCapUsd > p.onDemandHourly * 600);
    }
}

void tst_BundledCatalog::servedWhenLiveFails_data()
{
    readsBack_data();
}

void tst_BundledCatalog::servedWhenLiveFails()
{
    QFETCH(QString, provider);
    // The API address points at a loopback port nobody listens on: no network, fast.
    QTcpServer closed;
    QVERIFY(closed.listen(QHostAddress::LocalHost));
    const QByteArray base = "http://127.0.0.1:" + QByteArray::number(closed.serverPort());
    closed.close();
    const QByteArray var = RestClient::baseUrlVariable(provider);
    qputenv(var.constData(), base);
    QTemporaryDir cache;
    ProviderContext ctx;
    ctx.cacheDir = cache.path();
    ctx.bundledCatalogDir = QStringLiteral(":/catalog");
    std::unique_ptr<RestProvider> p;
    if (provider == QLatin1String("lambda"))
        p = std::make_unique<LambdaProvider>(ctx);
    else if (provider == QLatin1String("runpod"))
        p = std::make_unique<RunPodProvider>(ctx);
    else if (provider == QLatin1String("linode"))
        p = std::make_unique<LinodeProvider>(ctx);
    else
        p = std::make_unique<DigitalOceanProvider>(ctx);
    p->setCredential(QStringLiteral("token"));
    p->rest().setBackoffBaseMs(10);
    const auto got = wait<Catalog>([&](auto done) { p->fetchCatalog(done); });
    qunsetenv(var.constData());
    QVERIFY2(got.ok(), qPrintable(got.ok() ? QString() : message(got.error())));
    QCOMPARE(got.value().fetchedAt, CatalogCache::loadFile(QStringLiteral(":/catalog/") + provider +
                                                           QStringLiteral(".json"))
                                        .value()
                                        .fetchedAt);
    // Without the bundled file the same failure is the provider's error.
    ctx.bundledCatalogDir.clear();
    qputenv(var.constData(), base);
    std::unique_ptr<RestProvider> bare;
    if (provider == QLatin1String("lambda"))
        bare = std::make_unique<LambdaProvider>(ctx);
    else if (provider == QLatin1String("runpod"))
        bare = std::make_unique<RunPodProvider>(ctx);
    else if (provider == QLatin1String("linode"))
        bare = std::make_unique<LinodeProvider>(ctx);
    else
        bare = std::make_unique<DigitalOceanProvider>(ctx);
    bare->setCredential(QStringLiteral("token"));
    bare->rest().setBackoffBaseMs(10);
    const auto none = wait<Catalog>([&](auto done) { bare->fetchCatalog(done); });
    qunsetenv(var.constData());
    QVERIFY(!none.ok());
}

QTEST_GUILESS_MAIN(tst_BundledCatalog)
#include "tst_bundledcatalog.moc"
