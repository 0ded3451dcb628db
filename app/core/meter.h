#pragma once

#include "billing.h"
#include "types.h"

#include <QDateTime>
#include <QList>

#include <optional>

namespace gpudeck {

class Ledger;

// What a machine costs per hour in its current state, split as the recap splits it. The one
// rate shown everywhere (Overview, status bar, launch dialog, tray), so it agrees with the
// recap: a disk billed per GB-month is part of it, and so is a powered-off machine's compute
// where the provider bills that.
struct HourlyRate {
    double computeUsd = 0;
    double storageUsd = 0;
    [[nodiscard]] double totalUsd() const { return computeUsd + storageUsd; }
};

[[nodiscard]] double storageHourlyUsd(double diskGb, const BillingRule& rule);
[[nodiscard]] HourlyRate hourlyRate(const Instance& instance);
// While running: the plan's price (its spot price with `spot`, where it has one) plus its disk.
[[nodiscard]] HourlyRate runningRate(const Plan& plan, bool spot = false);
// The launch dialog's "N hours cost": compute under the rule (minimum, rounding) plus storage.
[[nodiscard]] qint64 estimateWithStorageCents(const Plan& plan, double hours, bool spot = false);
// "Cost so far" as every view shows it (Overview, instance list): the exact amount at `now`,
// with enough decimals that one billing step of this machine moves the last digit ($0.0123 at
// $0.35/h per second; $1.50 on an hour-rounded plan). Views that show it side by side pass the
// same `now` so they cannot disagree.
[[nodiscard]] QString formatCostSoFar(const Instance& instance, const QDateTime& now);
// Sum of hourlyRate() over the machines that exist.
[[nodiscard]] double burnRateUsd(const QList<Instance>& instances);

// Recaps written since `since` plus what live machines accrued between `since` and `now`.
[[nodiscard]] qint64 spendSinceCents(const Ledger* ledger, const QList<Instance>& live,
                                     const QDateTime& since, const QDateTime& now);
// Local midnight and the first of the local month, in UTC.
[[nodiscard]] QDateTime startOfDay(const QDateTime& now);
[[nodiscard]] QDateTime startOfMonth(const QDateTime& now);

// Hour-rounded providers: seconds until the next started hour is billed (the current hour is
// paid for anyway, so ending it before then saves a whole hour). Empty for other rules and for
// machines that do not bill compute now.
[[nodiscard]] std::optional<qint64> secondsToNextBilledHour(const Instance& instance,
                                                            const QDateTime& now);

// Does stopping end every charge on this machine (compute and storage)?
[[nodiscard]] bool stopEndsBilling(const Instance& instance);
// Does stopping end the compute charge (the large one)?
[[nodiscard]] bool stopEndsComputeBilling(const Instance& instance);
// What keeps billing once the machine is stopped, with the rate: "While stopped, gpu-1 keeps
// billing $0.75/h: Sandbox bills a powered-off machine like a running one." Empty when
// stopping ends the billing.
[[nodiscard]] QString stoppedBillingNote(const Instance& instance, const QString& providerName);

} // namespace gpudeck
