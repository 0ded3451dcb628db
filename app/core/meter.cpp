#include "meter.h"

#include "ledger.h"

#include <algorithm>

namespace gpudeck {

namespace {

// Every provider's price sheet counts a month as 730 hours (the same figure costOf uses).
constexpr double kHoursPerMonth = 730.0;

bool exists(const Instance& i)
{
    return i.status != InstanceStatus::Destroyed && i.status != InstanceStatus::Error;
}

} // namespace

double storageHourlyUsd(double diskGb, const BillingRule& rule)
{
    if (rule.storageUsdPerGbMonth <= 0 || diskGb <= 0)
        return 0;
    return diskGb * rule.storageUsdPerGbMonth / kHoursPerMonth;
}

HourlyRate hourlyRate(const Instance& instance)
{
    HourlyRate r;
    if (!exists(instance))
        return r;
    if (billsCompute(instance))
        r.computeUsd = instance.priceHourly;
    // costOf bills the disk for the machine's whole life, running or stopped.
    r.storageUsd = storageHourlyUsd(instance.diskGb, instance.billing);
    return r;
}

HourlyRate runningRate(const Plan& plan, bool spot)
{
    const double compute = spot && plan.spotHourly ? *plan.spotHourly : plan.onDemandHourly;
    return {compute, storageHourlyUsd(plan.diskGb, plan.billing)};
}

qint64 estimateWithStorageCents(const Plan& plan, double hours, bool spot)
{
    const HourlyRate rate = runningRate(plan, spot);
    return estimateCents(rate.computeUsd, plan.billing, hours) +
           std::llround(rate.storageUsd * hours * 100.0);
}

QString formatCostSoFar(const Instance& instance, const QDateTime& now)
{
    const HourlyRate rate = hourlyRate(instance);
    // What one billing step adds: compute per granule of the rule, storage per second.
    const double step =
        std::max(rate.computeUsd * instance.billing.granularitySeconds(), rate.storageUsd) / 3600.0;
    const int decimals = step <= 0 || step >= 0.01 ? 2 : step >= 0.001 ? 3 : 4;
    return formatMicroUsd(costOf(instance, now).totalMicroUsd(), decimals);
}

double burnRateUsd(const QList<Instance>& instances)
{
    double sum = 0;
    for (const Instance& i : instances)
        sum += hourlyRate(i).totalUsd();
    return sum;
}

QDateTime startOfDay(const QDateTime& now)
{
    const QDateTime local = now.toLocalTime();
    return QDateTime(local.date(), QTime(0, 0)).toUTC();
}

QDateTime startOfMonth(const QDateTime& now)
{
    const QDate d = now.toLocalTime().date();
    return QDateTime(QDate(d.year(), d.month(), 1), QTime(0, 0)).toUTC();
}

qint64 spendSinceCents(const Ledger* ledger, const QList<Instance>& live, const QDateTime& since,
                       const QDateTime& now)
{
    qint64 cents = 0;
    if (ledger) {
        Result<qint64> spent = ledger->spentSinceCents(since);
        if (spent.ok())
            cents += spent.value();
    }
    for (const Instance& i : live) {
        if (!exists(i))
            continue;
        const qint64 total = costOf(i, now).totalCents();
        const qint64 before = i.createdAt < since ? costOf(i, since).totalCents() : 0;
        cents += std::max<qint64>(0, total - before);
    }
    return cents;
}

std::optional<qint64> secondsToNextBilledHour(const Instance& i, const QDateTime& now)
{
    if (i.billing.granularity != BillingRule::Granularity::Hour || !billsCompute(i) || !exists(i))
        return std::nullopt;
    // The hour is counted from when billing of the current period began: creation when a
    // stopped machine bills too, else the latest start.
    QDateTime from = i.createdAt;
    if (!i.billing.stoppedBillsCompute && !i.runIntervals.isEmpty())
        from = i.runIntervals.last().start;
    if (!from.isValid())
        return std::nullopt;
    const qint64 elapsed = std::max<qint64>(0, from.secsTo(now));
    return 3600 - elapsed % 3600;
}

bool stopEndsComputeBilling(const Instance& i)
{
    return !i.billing.stoppedBillsCompute;
}

bool stopEndsBilling(const Instance& i)
{
    return stopEndsComputeBilling(i) && storageHourlyUsd(i.diskGb, i.billing) <= 0;
}

QString stoppedBillingNote(const Instance& i, const QString& providerName)
{
    if (stopEndsBilling(i))
        return {};
    Instance stopped = i;
    stopped.status = InstanceStatus::Stopped;
    const HourlyRate r = hourlyRate(stopped);
    const QString name = i.name.isEmpty() ? i.id : i.name;
    if (!stopEndsComputeBilling(i))
        return QStringLiteral("While stopped, %1 keeps billing %2: %3 bills a powered-off machine "
                              "like a running one. Destroy it to stop paying.")
            .arg(name, formatHourly(r.totalUsd()), providerName);
    return QStringLiteral("While stopped, %1 keeps billing %2 for its %3 GB disk. Destroy it to "
                          "stop paying.")
        .arg(name, formatHourly(r.storageUsd))
        .arg(i.diskGb);
}

} // namespace gpudeck
