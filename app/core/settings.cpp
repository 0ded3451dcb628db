#include "settings.h"

#include "paths.h"

namespace gpudeck {

namespace key {
const QString windowGeometry = QStringLiteral("window/geometry");
const QString windowState = QStringLiteral("window/state");
const QString catalogHeader = QStringLiteral("catalog/header");
const QString destroySandboxOnQuit = QStringLiteral("sandbox/destroyOnQuit");
const QString launchEstimateHours = QStringLiteral("launch/estimateHours");
} // namespace key

Settings::Settings(const AppPaths& paths)
    : m_settings(paths.settingsFile(), QSettings::IniFormat)
{}

QByteArray Settings::windowGeometry() const
{
    return m_settings.value(key::windowGeometry).toByteArray();
}

void Settings::setWindowGeometry(const QByteArray& v)
{
    m_settings.setValue(key::windowGeometry, v);
}

QByteArray Settings::windowState() const
{
    return m_settings.value(key::windowState).toByteArray();
}

void Settings::setWindowState(const QByteArray& v)
{
    m_settings.setValue(key::windowState, v);
}

QByteArray Settings::catalogHeaderState() const
{
    return m_settings.value(key::catalogHeader).toByteArray();
}

void Settings::setCatalogHeaderState(const QByteArray& v)
{
    m_settings.setValue(key::catalogHeader, v);
}

bool Settings::destroySandboxOnQuit() const
{
    return m_settings.value(key::destroySandboxOnQuit, true).toBool();
}

void Settings::setDestroySandboxOnQuit(bool v)
{
    m_settings.setValue(key::destroySandboxOnQuit, v);
}

int Settings::launchEstimateHours() const
{
    return qBound(1, m_settings.value(key::launchEstimateHours, 8).toInt(), 24 * 30);
}

void Settings::setLaunchEstimateHours(int v)
{
    m_settings.setValue(key::launchEstimateHours, v);
}

} // namespace gpudeck
