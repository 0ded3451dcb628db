#pragma once

#include <QJsonObject>
#include <QString>

namespace gpudeck {

// What the billing guard watches for on one machine, and what it does at the end of the
// countdown. Times are in seconds so tests and demos can use a few seconds; 0 turns a limit off.
struct GuardPolicy {
    enum class Action {
        Destroy, // after downloading resultsFolder, when one is named
        Stop,    // only where stopping ends the compute billing; elsewhere the guard destroys
    };
    qint64 idleTimeoutSeconds = 30 * 60;
    qint64 maxLifetimeSeconds = 0;
    qint64 budgetCapCents = 0;
    qint64 countdownSeconds = 5 * 60; // between the warning and the action
    double gpuIdlePercent = 5;        // every GPU below this counts as idle
    double cpuIdleLoad = 0.5;         // 1-minute load average below this counts as idle
    Action action = Action::Destroy;
    QString resultsFolder; // on the machine; downloaded (and verified) before a destroy
    QString downloadDir;   // where it goes on this computer

    [[nodiscard]] QJsonObject toJson() const;
    // "idle 30 min · no lifetime limit · no budget cap → destroy after 5 min 00 s"
    [[nodiscard]] QString describe() const;
    static GuardPolicy fromJson(const QJsonObject& o);
    bool operator==(const GuardPolicy&) const = default;
};

[[nodiscard]] QString actionName(GuardPolicy::Action a); // "destroy", "stop"

} // namespace gpudeck
