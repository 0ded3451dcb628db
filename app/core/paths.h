#pragma once

#include <QString>

namespace gpudeck {

// Where GPUDeck keeps things, following the XDG base directories so XDG_CONFIG_HOME,
// XDG_DATA_HOME, XDG_STATE_HOME and XDG_CACHE_HOME isolate a test run completely. The GUI and
// the CLI resolve the same paths and so see the same instances, keys and ledger.
struct AppPaths {
    QString configDir; // settings
    QString dataDir;   // ledger database, keys, known_hosts
    QString stateDir;  // provider state (e.g. Sandbox machines)
    QString cacheDir;  // fetched catalogs
    QString helperDir; // gpudeck-simgpu and other helper programs
    // The dated offline catalogs compiled into the app (resources/catalog); see
    // ProviderContext::bundledCatalogDir.
    QString bundledCatalogDir = QStringLiteral(":/catalog");

    static AppPaths standard();

    [[nodiscard]] QString database() const;
    [[nodiscard]] QString appKey() const; // the app's own ed25519 private key
    [[nodiscard]] QString knownHosts() const;
    [[nodiscard]] QString settingsFile() const;
    [[nodiscard]] QString providerConfigDir(const QString& providerId) const;
    [[nodiscard]] QString providerStateDir(const QString& providerId) const;
    [[nodiscard]] QString providerCacheDir(const QString& providerId) const;
};

} // namespace gpudeck
