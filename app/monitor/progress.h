#pragma once

#include "epoch.h"

#include <QList>

#include <optional>

namespace gpudeck::monitor {

// Each epoch's duration in seconds, derived in this order: the duration the log printed; the
// difference of the run's elapsed clock (YOLO "time", JSONL "elapsed") to the previous epoch;
// the difference of when a live feed delivered this epoch and the previous one. nullopt where
// none applies (the first epoch of a log without times). Parallel to run.epochs.
[[nodiscard]] QList<std::optional<double>> epochDurations(const Run& run);

struct EtaEstimate {
    int completedEpochs = 0;               // the number of the last complete epoch
    std::optional<int> totalEpochs;        // planned (from the log, or given)
    double currentFraction = 0;            // share of the running epoch done (from its steps)
    std::optional<double> secondsPerEpoch; // mean of the recent complete epochs
    std::optional<double> remainingSeconds;
    bool runEnded = false; // the log says the training is over (see Run::finished)
    [[nodiscard]] std::optional<double> remainingEpochs() const;
    [[nodiscard]] bool finished() const;
};

// Time to the final epoch: the remaining epochs (minus the share of the running one already
// done) times the mean duration of the last `window` complete epochs with a known duration.
// `totalOverride` replaces the log's plan (a user who knows it, a log that does not say).
// No remainingSeconds without a plan or without any timed epoch; 0 once the run has ended.
[[nodiscard]] EtaEstimate estimateEta(const Run& run, int window = 5,
                                      std::optional<int> totalOverride = std::nullopt);

// What finishing costs at an hourly rate: remainingSeconds / 3600 * rate, in USD.
[[nodiscard]] std::optional<double> projectedCostUsd(const EtaEstimate& eta, double hourlyUsd);
// The same in whole cents, rounded half up like the billing code.
[[nodiscard]] std::optional<qint64> projectedCostCents(const EtaEstimate& eta, double hourlyUsd);

} // namespace gpudeck::monitor
