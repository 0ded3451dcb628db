#include "progress.h"

#include "numbers.h"

#include <algorithm>
#include <cmath>

namespace gpudeck::monitor {

QList<std::optional<double>> epochDurations(const Run& run)
{
    QList<std::optional<double>> out;
    out.reserve(run.epochs.size());
    for (qsizetype i = 0; i < run.epochs.size(); ++i) {
        const Epoch& e = run.epochs[i];
        std::optional<double> d = e.durationSeconds;
        const Epoch* prev = i > 0 ? &run.epochs[i - 1] : nullptr;
        if (!d && e.elapsedSeconds) {
            if (prev && prev->elapsedSeconds)
                d = *e.elapsedSeconds - *prev->elapsedSeconds;
            else if (!prev)
                d = *e.elapsedSeconds; // the first epoch ends at its elapsed time
        }
        if (!d && prev && e.observedAt.isValid() && prev->observedAt.isValid())
            d = static_cast<double>(prev->observedAt.msecsTo(e.observedAt)) / 1000.0;
        if (d && (!std::isfinite(*d) || *d < 0))
            d.reset();
        out.append(d);
    }
    return out;
}

std::optional<double> EtaEstimate::remainingEpochs() const
{
    if (runEnded)
        return 0.0;
    if (!totalEpochs)
        return std::nullopt;
    return std::max(0.0, *totalEpochs - completedEpochs - currentFraction);
}

bool EtaEstimate::finished() const
{
    return runEnded || (totalEpochs && completedEpochs >= *totalEpochs);
}

EtaEstimate estimateEta(const Run& run, int window, std::optional<int> totalOverride)
{
    EtaEstimate eta;
    eta.runEnded = run.finished;
    eta.totalEpochs = totalOverride ? totalOverride : run.plannedEpochs();
    if (const Epoch* done = run.lastComplete())
        eta.completedEpochs = done->number;
    if (!run.epochs.isEmpty()) {
        const Epoch& current = run.epochs.last();
        if (!current.complete && current.stepsDone && current.stepsTotal &&
            *current.stepsTotal > 0 && current.number == eta.completedEpochs + 1)
            eta.currentFraction = std::clamp(static_cast<double>(*current.stepsDone) /
                                                 static_cast<double>(*current.stepsTotal),
                                             0.0, 1.0);
    }
    const QList<std::optional<double>> durations = epochDurations(run);
    double sum = 0;
    int count = 0;
    for (qsizetype i = run.epochs.size() - 1; i >= 0 && count < std::max(window, 1); --i) {
        if (run.epochs[i].complete && durations[i]) {
            sum += *durations[i];
            ++count;
        }
    }
    if (count > 0)
        eta.secondsPerEpoch = sum / count;
    if (eta.runEnded)
        eta.remainingSeconds = 0.0;
    else if (const auto remaining = eta.remainingEpochs(); remaining && eta.secondsPerEpoch)
        eta.remainingSeconds = *remaining * *eta.secondsPerEpoch;
    return eta;
}

std::optional<double> projectedCostUsd(const EtaEstimate& eta, double hourlyUsd)
{
    if (!eta.remainingSeconds || !std::isfinite(hourlyUsd) || hourlyUsd < 0)
        return std::nullopt;
    return *eta.remainingSeconds / 3600.0 * hourlyUsd;
}

std::optional<qint64> projectedCostCents(const EtaEstimate& eta, double hourlyUsd)
{
    const auto usd = projectedCostUsd(eta, hourlyUsd);
    if (!usd)
        return std::nullopt;
    return wholeNumber(*usd * 100.0 + 0.5); // nothing for a log's absurd numbers
}

} // namespace gpudeck::monitor
