#pragma once

#include "types.h"

#include <QDateTime>
#include <QJsonObject>

namespace gpudeck {

// What a machine has cost, under its provider's billing rule. Money is kept in whole cents
// (rounded half up once, at the end of each part) so recaps match the provider's bill.
struct Cost {
    qint64 wallSeconds = 0;    // created -> end
    qint64 runningSeconds = 0; // time spent running (what the user used)
    qint64 billedSeconds = 0;  // what the rule charges compute for
    qint64 computeCents = 0;
    qint64 storageCents = 0;
    // The same amounts in millionths of a dollar, before the rounding to cents: a live meter
    // shows sub-cent digits so that it visibly moves (a $0.35/h machine makes a cent per 103 s).
    qint64 computeMicroUsd = 0;
    qint64 storageMicroUsd = 0;
    [[nodiscard]] qint64 totalCents() const { return computeCents + storageCents; }
    [[nodiscard]] qint64 totalMicroUsd() const { return computeMicroUsd + storageMicroUsd; }
};

// Cost of `instance` from its creation until `end` (now, for a live meter; the confirmed
// destroy time, for a recap). Open run intervals count as running until `end`.
[[nodiscard]] Cost costOf(const Instance& instance, const QDateTime& end);

// Is the machine billing compute right now (for the burn rate)?
[[nodiscard]] bool billsCompute(const Instance& instance);

// Cost of running a plan for `hours` (the launch dialog's estimate), in cents.
[[nodiscard]] qint64 estimateCents(double hourlyUsd, const BillingRule& rule, double hours);

[[nodiscard]] QString formatCents(qint64 cents); // "$1,234.56"
// Millionths of a dollar with 2 to 6 decimals, rounded half up: "$0.0123", "$1,234.5678".
[[nodiscard]] QString formatMicroUsd(qint64 microUsd, int decimals);
[[nodiscard]] QString formatHourly(double usdPerHour); // "$1.29/h"
// A plan's price as the catalog and the CLI show it: "$1.29/h", "free" at $0/h, or the price
// it has when it is not by the hour ("$9.99/month"); per GPU, "—" for the latter.
[[nodiscard]] QString formatPlanPrice(const Plan& plan);
[[nodiscard]] QString formatPlanPricePerGpu(const Plan& plan);
[[nodiscard]] QString formatDuration(qint64 seconds); // "2 h 05 min", "3 min 07 s"
[[nodiscard]] double centsToUsd(qint64 cents);

// A finished machine's recap: what it cost under its rule. Stored in the ledger.
struct Recap {
    Instance instance;
    QDateTime destroyedAt;
    Cost cost;
    [[nodiscard]] QJsonObject toJson() const;
};

} // namespace gpudeck
