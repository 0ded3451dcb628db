#include "billing.h"

#include <algorithm>
#include <cmath>

namespace gpudeck {

namespace {

// Whole seconds, any started second counts (per-second billing rounds up).
qint64 secondsBetween(const QDateTime& a, const QDateTime& b)
{
    const qint64 ms = a.msecsTo(b);
    return ms <= 0 ? 0 : (ms + 999) / 1000;
}

qint64 billedFor(qint64 seconds, const BillingRule& rule)
{
    const qint64 g = rule.granularitySeconds();
    const qint64 rounded = (seconds + g - 1) / g * g;
    return std::max<qint64>(rounded, rule.minimumSeconds);
}

qint64 priceMicros(double usdPerHour)
{
    return std::llround(usdPerHour * 1e6);
}

// cents = micros-per-hour * seconds / 3600 / 10^4, rounded half up, in integers.
qint64 computeCentsFor(qint64 microsPerHour, qint64 seconds)
{
    const qint64 denominator = 3600LL * 10000LL;
    return (microsPerHour * seconds + denominator / 2) / denominator;
}

} // namespace

Cost costOf(const Instance& inst, const QDateTime& end)
{
    Cost c;
    c.wallSeconds = secondsBetween(inst.createdAt, end);
    const BillingRule& rule = inst.billing;

    QList<RunInterval> intervals = inst.runIntervals;
    if (intervals.isEmpty())
        intervals = {{inst.createdAt, QDateTime()}};
    for (const RunInterval& iv : intervals) {
        const QDateTime stop = (!iv.end.isValid() || iv.end > end) ? end : iv.end;
        c.runningSeconds += secondsBetween(iv.start, stop);
    }
    if (rule.stoppedBillsCompute) {
        // Billed from creation to deletion whatever the power state (Linode, DigitalOcean).
        c.billedSeconds = billedFor(c.wallSeconds, rule);
    } else {
        // Each start is billed on its own, minimum included (AWS: 60 s per start).
        for (const RunInterval& iv : intervals) {
            if (iv.start > end)
                continue;
            const QDateTime stop = (!iv.end.isValid() || iv.end > end) ? end : iv.end;
            c.billedSeconds += billedFor(secondsBetween(iv.start, stop), rule);
        }
    }
    const qint64 microsPerHour = priceMicros(inst.priceHourly);
    c.computeCents = computeCentsFor(microsPerHour, c.billedSeconds);
    c.computeMicroUsd = (microsPerHour * c.billedSeconds + 1800) / 3600;
    const qint64 uncapped = c.computeCents;
    if (rule.monthlyCapUsd > 0) {
        // Linode: hourly up to the monthly price, per 730-hour month begun.
        const qint64 month = 730LL * 3600LL;
        const qint64 months = std::max<qint64>((c.billedSeconds + month - 1) / month, 1);
        c.computeCents = std::min(c.computeCents, months * std::llround(rule.monthlyCapUsd * 100));
    }
    if (c.billedSeconds > 0)
        c.computeCents = std::max<qint64>(c.computeCents, rule.minimumCents);
    if (c.computeCents != uncapped) // a cap or a minimum in whole cents decides the amount
        c.computeMicroUsd = c.computeCents * 10'000;
    if (rule.storageUsdPerGbMonth > 0 && inst.diskGb > 0) {
        // Disks bill per second of existence; a month is 730 hours in every provider's sheet.
        const double usd = inst.diskGb * rule.storageUsdPerGbMonth *
                           static_cast<double>(c.wallSeconds) / (730.0 * 3600.0);
        c.storageCents = std::llround(usd * 100.0);
        c.storageMicroUsd = std::llround(usd * 1e6);
    }
    return c;
}

bool billsCompute(const Instance& inst)
{
    switch (inst.status) {
    case InstanceStatus::Destroyed:
    case InstanceStatus::Error:
        return false;
    case InstanceStatus::Stopped:
    case InstanceStatus::Stopping:
        return inst.billing.stoppedBillsCompute;
    default:
        return true;
    }
}

qint64 estimateCents(double hourlyUsd, const BillingRule& rule, double hours)
{
    const qint64 seconds = std::llround(hours * 3600.0);
    return computeCentsFor(priceMicros(hourlyUsd), billedFor(seconds, rule));
}

QString formatCents(qint64 cents)
{
    return formatMicroUsd(cents * 10'000, 2);
}

QString formatMicroUsd(qint64 microUsd, int decimals)
{
    decimals = std::clamp(decimals, 2, 6);
    qint64 unit = 1;
    for (int d = decimals; d < 6; ++d)
        unit *= 10;
    qint64 scaled = std::llabs(microUsd);
    scaled = (scaled + unit / 2) / unit; // in units of the last shown decimal
    qint64 oneDollar = 1;
    for (int d = 0; d < decimals; ++d)
        oneDollar *= 10;
    QString digits = QString::number(scaled / oneDollar);
    for (qsizetype i = digits.size() - 3; i > 0; i -= 3)
        digits.insert(i, QLatin1Char(','));
    const bool negative = microUsd < 0 && scaled > 0;
    return (negative ? QStringLiteral("-$") : QStringLiteral("$")) + digits + QLatin1Char('.') +
           QStringLiteral("%1").arg(scaled % oneDollar, decimals, 10, QLatin1Char('0'));
}

QString formatHourly(double usdPerHour)
{
    // Sub-dollar GPU prices need three decimals to tell plans apart ($0.035/h).
    const int decimals = usdPerHour < 1.0 ? 3 : 2;
    return QStringLiteral("$%1/h").arg(usdPerHour, 0, 'f', decimals);
}

QString formatPlanPrice(const Plan& plan)
{
    if (!plan.hasHourlyPrice())
        return plan.priceNote;
    return plan.onDemandHourly > 0 ? formatHourly(plan.onDemandHourly) : QStringLiteral("free");
}

QString formatPlanPricePerGpu(const Plan& plan)
{
    if (!plan.hasHourlyPrice())
        return QStringLiteral("—");
    return plan.onDemandHourly > 0 ? formatHourly(plan.pricePerGpuHour()) : QStringLiteral("free");
}

QString formatDuration(qint64 s)
{
    if (s < 60)
        return QStringLiteral("%1 s").arg(s);
    if (s < 3600)
        return QStringLiteral("%1 min %2 s").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
    if (s < 86400)
        return QStringLiteral("%1 h %2 min")
            .arg(s / 3600)
            .arg((s % 3600) / 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1 d %2 h").arg(s / 86400).arg((s % 86400) / 3600);
}

double centsToUsd(qint64 cents)
{
    return static_cast<double>(cents) / 100.0;
}

QJsonObject Recap::toJson() const
{
    return {{QStringLiteral("id"), instance.id},
            {QStringLiteral("name"), instance.name},
            {QStringLiteral("provider"), instance.provider},
            {QStringLiteral("plan"), instance.planId},
            {QStringLiteral("region"), instance.region},
            {QStringLiteral("created_at"), instance.createdAt.toString(Qt::ISODateWithMs)},
            {QStringLiteral("destroyed_at"), destroyedAt.toString(Qt::ISODateWithMs)},
            {QStringLiteral("wall_seconds"), cost.wallSeconds},
            {QStringLiteral("running_seconds"), cost.runningSeconds},
            {QStringLiteral("billed_seconds"), cost.billedSeconds},
            {QStringLiteral("billing_rule"), instance.billing.describe()},
            {QStringLiteral("price_hourly_usd"), instance.priceHourly},
            {QStringLiteral("compute_usd"), centsToUsd(cost.computeCents)},
            {QStringLiteral("storage_usd"), centsToUsd(cost.storageCents)},
            {QStringLiteral("total_usd"), centsToUsd(cost.totalCents())},
            {QStringLiteral("estimate"), true}};
}

} // namespace gpudeck
