#include "settings.h"

#include "paths.h"

#include <QJsonDocument>

#include <algorithm>

namespace gpudeck {

namespace key {
const QString windowGeometry = QStringLiteral("window/geometry");
const QString windowState = QStringLiteral("window/state");
const QString catalogHeader = QStringLiteral("catalog/header");
QString apiBaseUrl(const QString& providerId)
{
    return QStringLiteral("providers/%1/apiBaseUrl").arg(providerId);
}
const QString destroySandboxOnQuit = QStringLiteral("sandbox/destroyOnQuit");
const QString launchEstimateHours = QStringLiteral("launch/estimateHours");
const QString terminalFontFamily = QStringLiteral("terminal/fontFamily");
const QString terminalFontSize = QStringLiteral("terminal/fontSize");
const QString terminalScrollback = QStringLiteral("terminal/scrollback");
const QString transferConcurrency = QStringLiteral("transfers/concurrency");
const QString welcomeShown = QStringLiteral("firstRun/welcomeShown");
const QString theme = QStringLiteral("appearance/theme");
const QString guardDefaults = QStringLiteral("guard/defaults");
} // namespace key

Settings::Settings(const AppPaths& paths)
    : m_settings(paths.settingsFile(), QSettings::IniFormat)
{}

QString Settings::apiBaseUrl(const QString& providerId) const
{
    return m_settings.value(key::apiBaseUrl(providerId)).toString();
}

void Settings::setApiBaseUrl(const QString& providerId, const QString& v)
{
    if (v.isEmpty())
        m_settings.remove(key::apiBaseUrl(providerId));
    else
        m_settings.setValue(key::apiBaseUrl(providerId), v);
}

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

QString Settings::terminalFontFamily() const
{
    return m_settings.value(key::terminalFontFamily).toString();
}

void Settings::setTerminalFontFamily(const QString& v)
{
    m_settings.setValue(key::terminalFontFamily, v);
}

int Settings::terminalFontSize() const
{
    return std::clamp(m_settings.value(key::terminalFontSize, 0).toInt(), 0, 72);
}

void Settings::setTerminalFontSize(int v)
{
    m_settings.setValue(key::terminalFontSize, v);
}

int Settings::terminalScrollback() const
{
    return std::clamp(m_settings.value(key::terminalScrollback, 10'000).toInt(), kMinScrollback,
                      kMaxScrollback);
}

void Settings::setTerminalScrollback(int v)
{
    m_settings.setValue(key::terminalScrollback, std::clamp(v, kMinScrollback, kMaxScrollback));
}

int Settings::transferConcurrency() const
{
    return std::clamp(m_settings.value(key::transferConcurrency, 3).toInt(), 1,
                      kMaxTransferConcurrency);
}

void Settings::setTransferConcurrency(int v)
{
    m_settings.setValue(key::transferConcurrency, std::clamp(v, 1, kMaxTransferConcurrency));
}

QString Settings::theme() const
{
    const QString t = m_settings.value(key::theme).toString();
    return t == QLatin1String("light") || t == QLatin1String("dark") ? t : QStringLiteral("system");
}

void Settings::setTheme(const QString& v)
{
    m_settings.setValue(key::theme, v);
}

GuardPolicy Settings::guardDefaults() const
{
    const QJsonDocument d =
        QJsonDocument::fromJson(m_settings.value(key::guardDefaults).toString().toUtf8());
    return d.isObject() ? GuardPolicy::fromJson(d.object()) : GuardPolicy{};
}

void Settings::setGuardDefaults(const GuardPolicy& v)
{
    m_settings.setValue(
        key::guardDefaults,
        QString::fromUtf8(QJsonDocument(v.toJson()).toJson(QJsonDocument::Compact)));
}

bool Settings::welcomeShown() const
{
    return m_settings.value(key::welcomeShown, false).toBool();
}

void Settings::setWelcomeShown(bool v)
{
    m_settings.setValue(key::welcomeShown, v);
}

} // namespace gpudeck
