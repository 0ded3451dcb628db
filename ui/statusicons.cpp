#include "statusicons.h"

#include <QCoreApplication>
#include <QFile>

namespace gpudeck {

QIcon statusIcon(InstanceStatus s)
{
    switch (s) {
    case InstanceStatus::Running:
        return QIcon(QStringLiteral(":/icons/instance-running.svg"));
    case InstanceStatus::Stopped:
    case InstanceStatus::Destroyed:
        return QIcon(QStringLiteral(":/icons/instance-stopped.svg"));
    case InstanceStatus::Error:
        return QIcon(QStringLiteral(":/icons/instance-error.svg"));
    default:
        return QIcon(QStringLiteral(":/icons/instance-pending.svg"));
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
        return QIcon(QStringLiteral(":/icons/sandbox.svg"));
    const QString badge = QStringLiteral(":/icons/provider-%1.svg").arg(providerId);
    return QIcon(QFile::exists(badge) ? badge : QStringLiteral(":/icons/provider.svg"));
}

} // namespace gpudeck
