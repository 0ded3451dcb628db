#include "paths.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

namespace gpudeck {

namespace {

QString xdg(const char* variable, const QString& fallbackUnderHome)
{
    QString base = qEnvironmentVariable(variable);
    // The spec says relative paths are invalid and must be ignored.
    if (base.isEmpty() || QDir::isRelativePath(base))
        base = QDir::homePath() + QLatin1Char('/') + fallbackUnderHome;
    return base + QStringLiteral("/gpudeck");
}

QString helperDirectory()
{
    const QString overridden = qEnvironmentVariable("GPUDECK_HELPER_DIR");
    if (!overridden.isEmpty())
        return overridden;
    const QString appDir = QCoreApplication::applicationDirPath();
    // Installed: /usr/bin/gpudeck with helpers in /usr/libexec/gpudeck; built: side by side.
    const QString libexec = QDir::cleanPath(appDir + QStringLiteral("/../libexec/gpudeck"));
    if (QFileInfo::exists(libexec + QStringLiteral("/gpudeck-simgpu")))
        return libexec;
    return appDir;
}

} // namespace

AppPaths AppPaths::standard()
{
    AppPaths p;
    p.configDir = xdg("XDG_CONFIG_HOME", QStringLiteral(".config"));
    p.dataDir = xdg("XDG_DATA_HOME", QStringLiteral(".local/share"));
    p.stateDir = xdg("XDG_STATE_HOME", QStringLiteral(".local/state"));
    p.cacheDir = xdg("XDG_CACHE_HOME", QStringLiteral(".cache"));
    p.helperDir = helperDirectory();
    return p;
}

QString AppPaths::database() const
{
    return dataDir + QStringLiteral("/gpudeck.sqlite");
}

QString AppPaths::appKey() const
{
    return dataDir + QStringLiteral("/keys/id_ed25519");
}

QString AppPaths::knownHosts() const
{
    return dataDir + QStringLiteral("/known_hosts");
}

QString AppPaths::settingsFile() const
{
    return configDir + QStringLiteral("/gpudeck.conf");
}

QString AppPaths::providerConfigDir(const QString& providerId) const
{
    return configDir + QLatin1Char('/') + providerId;
}

QString AppPaths::providerStateDir(const QString& providerId) const
{
    return stateDir + QLatin1Char('/') + providerId;
}

QString AppPaths::providerCacheDir(const QString& providerId) const
{
    return cacheDir + QLatin1Char('/') + providerId;
}

} // namespace gpudeck
