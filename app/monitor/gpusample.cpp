#include "gpusample.h"

namespace gpudeck::monitor {

QString absenceText(Absence why)
{
    switch (why) {
    case Absence::NotReported:
        return QStringLiteral("not reported");
    case Absence::NotAvailable:
        return QStringLiteral("[N/A]");
    case Absence::NotSupported:
        return QStringLiteral("[Not Supported]");
    case Absence::UnknownError:
        return QStringLiteral("[Unknown Error]");
    case Absence::Deprecated:
        return QStringLiteral("[Requested functionality has been deprecated]");
    case Absence::Error:
        return QStringLiteral("ERR!");
    case Absence::Unparsable:
        return QStringLiteral("unparsable");
    }
    return {};
}

QString GpuSample::key() const
{
    if (!uuid.isEmpty())
        return uuid;
    if (!busId.isEmpty())
        return normalizedBusId(busId);
    return index ? QString::number(*index) : QString();
}

qint64 SmiSnapshot::memoryTotalMiB() const
{
    qint64 total = 0;
    for (const GpuSample& g : gpus)
        total += g.memoryTotalMiB.value_or(0);
    return total;
}

QString normalizedBusId(QStringView busId)
{
    // nvidia-smi printed a 4-digit PCI domain before driver ~410 and 8 digits since.
    const qsizetype colon = busId.indexOf(QLatin1Char(':'));
    if (colon < 0)
        return busId.toString().toUpper();
    QStringView domain = busId.left(colon);
    while (domain.size() > 4 && domain.startsWith(QLatin1Char('0')))
        domain = domain.mid(1);
    return (domain.toString().rightJustified(4, QLatin1Char('0')) + busId.mid(colon)).toUpper();
}

} // namespace gpudeck::monitor
