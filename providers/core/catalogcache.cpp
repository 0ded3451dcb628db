#include "catalogcache.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

namespace gpudeck {

CatalogCache::CatalogCache(QString dir)
    : m_path(dir.isEmpty() ? QString() : dir + QStringLiteral("/catalog.json"))
{}

QJsonObject CatalogCache::toJson(const Catalog& c)
{
    QJsonArray plans;
    for (const Plan& p : c.plans)
        plans.append(p.toJson());
    QJsonArray regions;
    for (const Region& r : c.regions)
        regions.append(QJsonObject{{QStringLiteral("id"), r.id}, {QStringLiteral("name"), r.name}});
    QJsonArray images;
    for (const Image& i : c.images)
        images.append(QJsonObject{{QStringLiteral("id"), i.id},
                                  {QStringLiteral("name"), i.name},
                                  {QStringLiteral("cuda_ready"), i.cudaReady}});
    return {{QStringLiteral("fetched_at"), c.fetchedAt.toUTC().toString(Qt::ISODateWithMs)},
            {QStringLiteral("plans"), plans},
            {QStringLiteral("regions"), regions},
            {QStringLiteral("images"), images}};
}

Catalog CatalogCache::fromJson(const QJsonObject& o)
{
    Catalog c;
    c.fetchedAt =
        QDateTime::fromString(o.value(QStringLiteral("fetched_at")).toString(), Qt::ISODateWithMs)
            .toUTC();
    for (const QJsonValue& v : o.value(QStringLiteral("plans")).toArray())
        c.plans.append(Plan::fromJson(v.toObject()));
    for (const QJsonValue& v : o.value(QStringLiteral("regions")).toArray())
        c.regions.append(
            {v[QStringLiteral("id")].toString(), v[QStringLiteral("name")].toString()});
    for (const QJsonValue& v : o.value(QStringLiteral("images")).toArray())
        c.images.append({v[QStringLiteral("id")].toString(), v[QStringLiteral("name")].toString(),
                         v[QStringLiteral("cuda_ready")].toBool()});
    return c;
}

Result<void> CatalogCache::save(const Catalog& catalog) const
{
    if (m_path.isEmpty())
        return {};
    QDir().mkpath(QFileInfo(m_path).absolutePath());
    QSaveFile f(m_path);
    if (!f.open(QIODevice::WriteOnly))
        return makeError(ErrorCode::Io, QStringLiteral("Could not save the catalog cache."),
                         f.errorString());
    f.write(QJsonDocument(toJson(catalog)).toJson(QJsonDocument::Compact));
    if (!f.commit())
        return makeError(ErrorCode::Io, QStringLiteral("Could not save the catalog cache."),
                         f.errorString());
    return {};
}

Result<Catalog> CatalogCache::load() const
{
    if (m_path.isEmpty())
        return makeError(ErrorCode::NotFound, QStringLiteral("No catalog cache."));
    return loadFile(m_path);
}

Result<Catalog> CatalogCache::loadFile(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return makeError(ErrorCode::NotFound, QStringLiteral("No saved catalog."), f.errorString());
    QJsonParseError err{};
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &err);
    if (!doc.isObject())
        return makeError(ErrorCode::Io, QStringLiteral("The saved catalog is damaged."),
                         QStringLiteral("%1: %2").arg(path, err.errorString()));
    return fromJson(doc.object());
}

Result<Catalog> CatalogCache::serve(const ProviderContext& context, const QString& providerId,
                                    Result<Catalog> live)
{
    const CatalogCache cache(context.cacheDir);
    if (live.ok()) {
        (void)cache.save(live.value());
        return live;
    }
    Result<Catalog> saved = cache.load();
    if (saved.ok())
        return saved;
    if (!context.bundledCatalogDir.isEmpty()) {
        Result<Catalog> bundled = loadFile(context.bundledCatalogDir + QLatin1Char('/') +
                                           providerId + QStringLiteral(".json"));
        if (bundled.ok())
            return bundled;
    }
    return live;
}

} // namespace gpudeck
