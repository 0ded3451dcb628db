#include "statusicons.h"

#include <QCoreApplication>
#include <QFile>
#include <QHash>

namespace gpudeck {
namespace {

// One QIcon per file, made once. A new QIcon of an SVG is a new engine whose every rendering
// goes into QPixmapCache under a new key: a list asking for its icons at every repaint filled
// the cache toward its 10 MiB limit (the window soak's growth).
// `fallback` stands in when `path` is not among the resources (looked up once per path).
QIcon iconFile(const QString& path, const QString& fallback = QString())
{
    // Never destroyed: icons must not outlive the application object at exit.
    static auto* icons = new QHash<QString, QIcon>;
    auto it = icons->constFind(path);
    if (it == icons->constEnd())
        it =
            icons->insert(path, QIcon(fallback.isEmpty() || QFile::exists(path) ? path : fallback));
    return *it;
}

} // namespace

QIcon statusIcon(InstanceStatus s)
{
    switch (s) {
    case InstanceStatus::Running:
        return iconFile(QStringLiteral(":/icons/instance-running.svg"));
    case InstanceStatus::Stopped:
    case InstanceStatus::Destroyed:
        return iconFile(QStringLiteral(":/icons/instance-stopped.svg"));
    case InstanceStatus::Error:
        return iconFile(QStringLiteral(":/icons/instance-error.svg"));
    default:
        return iconFile(QStringLiteral(":/icons/instance-pending.svg"));
    }
}

QString statusText(InstanceStatus s)
{
    switch (s) {
    case InstanceStatus::Requested:
        return QCoreApplication::translate("status", "Requested…");
    case InstanceStatus::Provisioning:
        return QCoreApplication::translate("status", "Provisioning…");
    case InstanceStatus::Booting:
        return QCoreApplication::translate("status", "Booting…");
    case InstanceStatus::Running:
        return QCoreApplication::translate("status", "Running");
    case InstanceStatus::Stopping:
        return QCoreApplication::translate("status", "Stopping…");
    case InstanceStatus::Stopped:
        return QCoreApplication::translate("status", "Stopped");
    case InstanceStatus::Destroying:
        return QCoreApplication::translate("status", "Destroying…");
    case InstanceStatus::Destroyed:
        return QCoreApplication::translate("status", "Destroyed");
    case InstanceStatus::Error:
        return QCoreApplication::translate("status", "Error");
    }
    return {};
}

QIcon providerIcon(const QString& providerId)
{
    if (providerId == QLatin1String("sandbox"))
        return iconFile(QStringLiteral(":/icons/sandbox.svg"));
    const QString badge = QStringLiteral(":/icons/provider-%1.svg").arg(providerId);
    return iconFile(badge, QStringLiteral(":/icons/provider.svg"));
}

} // namespace gpudeck
