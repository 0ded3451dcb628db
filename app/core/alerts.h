#pragma once

#include <QDateTime>
#include <QList>
#include <QString>

namespace gpudeck {

class GpuMonitor;
class TrainingMonitor;

// Conditions worth a user's attention, and (later) the billing guard's.
struct Alert {
    enum class Kind { GpusIdle, MemoryFull, Overheating, TrainingStalled };
    Kind kind;
    QString text;
    bool operator==(const Alert&) const = default;
};

struct AlertRules {
    int idleMinutes = 15; // every GPU below idlePercent for this long
    double idlePercent = 5;
    double memoryFullPercent = 95;
    double hotCelsius = 85;
    int stallMinutes = 20; // no new log output for this long while the GPUs are idle
};

// What is wrong now. `training` may be null (no log followed).
[[nodiscard]] QList<Alert> evaluateAlerts(const GpuMonitor& gpus, const TrainingMonitor* training,
                                          qint64 nowMs, const AlertRules& rules = {});

} // namespace gpudeck
