#include "alerts.h"

#include "gpumonitor.h"
#include "trainingmonitor.h"

#include <cmath>

namespace gpudeck {

namespace {

// True when the series has covered the last `ms` and stayed below `limit` throughout.
bool belowFor(const TimeSeries& s, qint64 nowMs, qint64 ms, double limit)
{
    if (s.isEmpty() || s.firstTime() > nowMs - ms)
        return false; // not watched long enough to say
    const QList<QPointF> window = s.points(nowMs - ms, nowMs, 1 << 20);
    if (window.isEmpty())
        return false;
    return std::all_of(window.begin(), window.end(),
                       [&](const QPointF& p) { return p.y() < limit; });
}

} // namespace

QList<Alert> evaluateAlerts(const GpuMonitor& gpus, const TrainingMonitor* training, qint64 nowMs,
                            const AlertRules& rules)
{
    QList<Alert> out;
    const std::deque<GpuTrack>& tracks = gpus.gpus();
    if (tracks.empty())
        return out;
    const qint64 idleMs = static_cast<qint64>(rules.idleMinutes) * 60 * 1000;
    const bool allIdle = std::all_of(tracks.begin(), tracks.end(), [&](const GpuTrack& t) {
        return belowFor(t.utilization, nowMs, idleMs, rules.idlePercent);
    });
    if (allIdle)
        out << Alert{Alert::Kind::GpusIdle,
                     QStringLiteral("All %1 GPUs have been idle (under %2 %) for %3 minutes.")
                         .arg(tracks.size())
                         .arg(rules.idlePercent)
                         .arg(rules.idleMinutes)};
    for (const GpuTrack& t : tracks) {
        const double mem = t.memoryPercent.lastValue();
        if (!std::isnan(mem) && mem >= rules.memoryFullPercent)
            out << Alert{Alert::Kind::MemoryFull,
                         QStringLiteral("GPU %1 memory is %2 % full: the next allocation may fail "
                                        "(CUDA out of memory).")
                             .arg(t.index)
                             .arg(mem, 0, 'f', 0)};
        const double temp = t.temperature.lastValue();
        if (!std::isnan(temp) && temp >= rules.hotCelsius)
            out << Alert{Alert::Kind::Overheating,
                         QStringLiteral("GPU %1 is at %2 °C: it will throttle (check cooling and "
                                        "the provider's status).")
                             .arg(t.index)
                             .arg(temp, 0, 'f', 0)};
    }
    if (training && training->lastOutputAt().isValid()) {
        const qint64 stallMs = static_cast<qint64>(rules.stallMinutes) * 60 * 1000;
        const qint64 quiet = nowMs - training->lastOutputAt().toMSecsSinceEpoch();
        const bool gpusQuiet = std::all_of(tracks.begin(), tracks.end(), [&](const GpuTrack& t) {
            return belowFor(t.utilization, nowMs, std::min(quiet, stallMs), rules.idlePercent);
        });
        const bool ended = !training->runs().isEmpty() && training->eta().finished();
        if (quiet >= stallMs && gpusQuiet && !ended)
            out << Alert{
                Alert::Kind::TrainingStalled,
                QStringLiteral("The training log has not grown for %1 minutes and the GPUs "
                               "are idle: the run may have stalled or died.")
                    .arg(quiet / 60000)};
    }
    return out;
}

} // namespace gpudeck
