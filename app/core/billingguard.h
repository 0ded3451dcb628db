#pragma once

#include "billing.h"
#include "guardpolicy.h"
#include "types.h"

#include <QDateTime>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <optional>

namespace gpudeck {

class Clock;
class Fleet;
class MonitorHub;
class TransferQueue;

// Why the guard is counting down on a machine.
enum class GuardReason { Idle, Lifetime, Budget, JobEnded };

// A running countdown: the warning the user saw and when the action runs.
struct GuardCountdown {
    GuardReason reason = GuardReason::Idle;
    QDateTime startedAt;
    QDateTime endsAt;
    GuardPolicy::Action action = GuardPolicy::Action::Destroy; // what will really happen
    QString why;                                               // "GPU idle for 30 min at $1.10/h"
    int escalation = 0; // 0 warned, 1 reminded at half time, 2 reminded in the last minute
    // Downloaded before a destroy: the policy's results folder, or a job's outputs.
    QString resultsFolder;
    QString downloadDir;
};

// What the guard knows about one watched machine.
struct GuardWatch {
    GuardPolicy policy;
    QDateTime guardedSince;
    QDateTime lastActivity;
    QString lastActivityWhat; // "keystroke", "transfer", "new epoch", "GPU busy", "CPU busy"
    bool gpuBusy = false;
    bool cpuBusy = false;
    bool transferRunning = false;
    bool jobRunning = false; // a job (job mode) runs on it: never idle meanwhile
    QDateTime keepUntil;     // the user said Keep: no countdown before this
    std::optional<GuardCountdown> countdown;
    bool acting = false;
    QDateTime hourWarnedFor;    // the billed hour already warned about (hour-rounded rules)
    bool stoppedWarned = false; // "stopped but still billing" already said
    std::optional<InstanceStatus> lastStatus; // as the guard last saw it
};

// The desktop half of the billing guard: watches every guarded machine with one clock, decides
// when a limit is reached (idle timeout, maximum lifetime, budget cap), warns, counts down, and
// at zero stops or destroys the machine through the Fleet: stop only where stopping ends the
// compute billing on that provider, otherwise destroy, after downloading the results folder
// the policy names (TransferQueue::downloadThen, verified) — never destroying when that fails.
//
// Idle means all at once: every GPU under the policy's threshold, no terminal input, no
// transfer running, no new training epoch, a low CPU load. Callers feed those signals
// (MonitorHub, the terminal, TransferQueue, TrainingMonitor); tick() evaluates. A 1 s timer
// calls tick() in the app; tests advance a ManualClock and call tick() themselves.
class BillingGuard final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BillingGuard)
public:
    enum class Activity { Keystroke, Transfer, Epoch, GpuBusy, CpuBusy, UserAction, Job };

    BillingGuard(Fleet& fleet, Clock& clock, QObject* parent = nullptr);
    ~BillingGuard() override;

    // The time source (tests swap in a ManualClock). It must outlive the guard.
    void setClock(Clock& clock) { m_clock = &clock; }
    [[nodiscard]] const Clock& clock() const { return *m_clock; }

    // Transfers count as activity; downloads before a destroy go through this queue.
    void setTransferQueue(TransferQueue* queue);
    // GPU utilisation comes from the hub's monitors (the same ones the Monitor tab reads).
    void setMonitorHub(MonitorHub* hub);
    // Runs tick() every `ms` (0 stops it). Tests leave it off and tick by hand.
    void setTickInterval(int ms);

    void setDefaultPolicy(const GuardPolicy& policy);
    [[nodiscard]] const GuardPolicy& defaultPolicy() const { return m_default; }

    // Guard a machine (launched now, or adopted after the start-up check).
    void guard(const QString& instanceId, std::optional<GuardPolicy> policy = std::nullopt);
    void unguard(const QString& instanceId);
    [[nodiscard]] bool isGuarded(const QString& instanceId) const;
    [[nodiscard]] QStringList guarded() const { return m_watches.keys(); }
    [[nodiscard]] const GuardWatch* watch(const QString& instanceId) const;
    void setPolicy(const QString& instanceId, const GuardPolicy& policy);

    // Signals of activity.
    void noteActivity(const QString& instanceId, Activity what);
    void noteGpuUtilization(const QString& instanceId, const QList<double>& percentPerGpu);
    void noteCpuLoad(const QString& instanceId, double load1);
    void noteTransferRunning(const QString& instanceId, bool running);
    void noteJobRunning(const QString& instanceId, bool running);

    // Job mode: a job ended on a guarded (or now guarded) machine. Counts down `countdownSeconds`
    // ("Job `python train.py` finished (exit status 0) — destroying in 1:00"), then downloads
    // `outputs` (verified) to `downloadDir` and destroys or stops, as a limit's countdown does;
    // Keep cancels it. `action` nullopt: only tell the user.
    void jobEnded(const QString& instanceId, const QString& why,
                  std::optional<GuardPolicy::Action> action, const QString& outputs,
                  const QString& downloadDir, qint64 countdownSeconds);

    // Seconds the machine has been idle (0 while something is active).
    [[nodiscard]] qint64 idleSeconds(const QString& instanceId) const;
    // "idle 12 min", "busy (GPU busy)", "destroying in 4:31", for the Overview.
    [[nodiscard]] QString stateText(const QString& instanceId) const;
    // "GPU idle for 30 min at $1.10/h — destroying in 5:00"
    [[nodiscard]] QString countdownText(const QString& instanceId) const;
    [[nodiscard]] qint64 secondsLeft(const QString& instanceId) const;

    // The user's answers.
    void keepFor(const QString& instanceId, qint64 seconds);
    void keepUntil(const QString& instanceId, const QDateTime& until);
    void actNow(const QString& instanceId, GuardPolicy::Action action);

    // What the policy's action really does on this machine (Stop becomes Destroy where
    // stopping does not end the compute billing, and where the provider cannot stop).
    [[nodiscard]] std::optional<GuardPolicy::Action>
    effectiveAction(const Instance& instance, GuardPolicy::Action wanted) const;
    // Stopping this machine ends its compute billing (and its provider can stop it).
    [[nodiscard]] bool canStopToEndBilling(const QString& instanceId) const;

    void tick();

signals:
    // A limit was reached: notify, show the tray and the countdown dialog.
    void limitReached(const QString& instanceId, const QString& text);
    // The countdown was ignored for a while: say it again, louder.
    void escalated(const QString& instanceId, int level, const QString& text);
    // Activity resumed (idle countdowns only) or the user said Keep.
    void countdownCancelled(const QString& instanceId, const QString& why);
    // Every second while a countdown runs.
    void countdownTick(const QString& instanceId, qint64 secondsLeft);
    // Hour-rounded provider: an idle machine is about to start another billed hour.
    void hourWarning(const QString& instanceId, const QString& text);
    // A stopped machine keeps billing (powered-off compute or its disk), with the rate.
    void stillBilling(const QString& instanceId, const QString& text);
    // A machine the guard saw running is stopped, and not by the guard: its watchdog acted while
    // GPUDeck was away or offline, or someone stopped it elsewhere. Said once, with the cost.
    void stoppedElsewhere(const QString& instanceId, const QString& text);
    // The action started ("Downloading results…", "Destroying…").
    void acting(const QString& instanceId, const QString& what);
    // The action finished: destroyed (with the recap) or stopped (with what still bills).
    void destroyed(const QString& instanceId, const gpudeck::Recap& recap);
    void stopped(const QString& instanceId, const QString& stillBillingNote);
    // The action failed; the machine is still there and still billing.
    void actionFailed(const QString& instanceId, const QString& message);
    void changed(const QString& instanceId);

private:
    void evaluate(const Instance& instance, GuardWatch& w, const QDateTime& now);
    void startCountdown(const Instance& instance, GuardWatch& w, GuardReason reason,
                        const QString& why, const QDateTime& now);
    void cancelCountdown(const QString& instanceId, GuardWatch& w, const QString& why);
    void act(const QString& instanceId, GuardPolicy::Action action);
    void runDestroy(const QString& instanceId);
    void failed(const QString& instanceId, const QString& message);
    [[nodiscard]] bool busy(const GuardWatch& w) const;

    Fleet& m_fleet;
    Clock* m_clock;
    QPointer<TransferQueue> m_queue;
    QPointer<MonitorHub> m_hub;
    GuardPolicy m_default;
    QHash<QString, GuardWatch> m_watches;
    QTimer m_timer;
};

[[nodiscard]] QString formatCountdown(qint64 seconds); // "5:00", "1:02:03"

} // namespace gpudeck
