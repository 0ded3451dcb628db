#pragma once

#include "provider.h"
#include "result.h"
#include "types.h"

namespace gpudeck {

// A provider's last fetched catalog on disk (ProviderContext::cacheDir/catalog.json), so the
// table stays useful offline. Plans keep their own fetched-at time: the table marks old ones.
class CatalogCache final {
public:
    explicit CatalogCache(QString dir);

    [[nodiscard]] Result<void> save(const Catalog& catalog) const;
    [[nodiscard]] Result<Catalog> load() const;
    // A catalog in the same format from any file (the bundled offline catalog, tests).
    [[nodiscard]] static Result<Catalog> loadFile(const QString& path);
    // What a provider hands out for a catalog request: the live one (saved for next time);
    // offline, without a token or refused, the last one saved; failing that the dated catalog
    // bundled with the app (ProviderContext::bundledCatalogDir/<id>.json). The plans keep their
    // own fetched-at times, so the table marks old prices. The live error when there is none.
    [[nodiscard]] static Result<Catalog> serve(const ProviderContext& context,
                                               const QString& providerId, Result<Catalog> live);
    [[nodiscard]] static QJsonObject toJson(const Catalog& catalog);
    [[nodiscard]] static Catalog fromJson(const QJsonObject& o);

private:
    QString m_path;
};

} // namespace gpudeck
