#include "billingguard.h"

#include "clock.h"
#include "fleet.h"
#include "gpumonitor.h"
#include "meter.h"
#include "monitorhub.h"
#include "transferqueue.h"

#include <QDir>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcGuard, "gpudeck.guard")

namespace gpudeck {

namespace {

// Reminders while a countdown is ignored: at half time, and again in the last minute.
constexpr qint64 kLastMinute = 60;
// Hour-rounded rules: warn an idle machine this long before the next billed hour starts.
constexpr qint64 kHourWarningSeconds = 5 * 60;

QString activityName(BillingGuard::Activity a)
{
    switch (a) {
    case BillingGuard::Activity::Keystroke:
        return QStringLiteral("keystroke");
    case BillingGuard::Activity::Transfer:
        return QStringLiteral("transfer");
    case BillingGuard::Activity::Epoch:
        return QStringLiteral("new epoch");
    case BillingGuard::Activity::GpuBusy:
        return QStringLiteral("GPU busy");
    case BillingGuard::Activity::CpuBusy:
        return QStringLiteral("CPU busy");
    case BillingGuard::Activity::UserAction:
        return QStringLiteral("you kept it");
    case BillingGuard::Activity::Job:
        return QStringLiteral("job running");
    }
    return {};
}

QString verb(GuardPolicy::Action a)
{
    return a == GuardPolicy::Action::Stop ? QStringLiteral("stopping")
                                          : QStringLiteral("destroying");
}

} // namespace

QString formatCountdown(qint64 s)
{
    s = std::max<qint64>(0, s);
    if (s >= 3600)
        return QStringLiteral("%1:%2:%3")
            .arg(s / 3600)
            .arg((s % 3600) / 60, 2, 10, QLatin1Char('0'))
            .arg(s % 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
}

BillingGuard::BillingGuard(Fleet& fleet, Clock& clock, QObject* parent)
    : QObject(parent)
    , m_fleet(fleet)
    , m_clock(&clock)
{
    connect(&m_timer, &QTimer::timeout, this, &BillingGuard::tick);
    // A machine that is gone needs no guard.
    connect(&m_fleet, &Fleet::instancesChanged, this, [this] {
        const QStringList ids = m_watches.keys();
        for (const QString& id : ids) {
            if (!m_fleet.find(id) && !m_watches.value(id).acting)
                m_watches.remove(id);
        }
    });
}

BillingGuard::~BillingGuard() = default;

void BillingGuard::setTransferQueue(TransferQueue* queue)
{
    if (m_queue)
        disconnect(m_queue, nullptr, this, nullptr);
    m_queue = queue;
    if (!queue)
        return;
    auto update = [this](quint64 itemId) {
        const TransferItem* item = m_queue ? m_queue->item(itemId) : nullptr;
        if (!item)
            return;
        const QString id = item->request.instanceId;
        bool running = false;
        for (quint64 other : m_queue->ids()) {
            const TransferItem* o = m_queue->item(other);
            running = running || (o && o->request.instanceId == id && o->isActive());
        }
        noteTransferRunning(id, running);
    };
    connect(queue, &TransferQueue::itemChanged, this, update);
    connect(queue, &TransferQueue::itemFinished, this, update);
}

void BillingGuard::setMonitorHub(MonitorHub* hub)
{
    if (m_hub)
        disconnect(m_hub, nullptr, this, nullptr);
    m_hub = hub;
    if (!hub)
        return;
    connect(hub, &MonitorHub::updated, this, [this](const QString& id) {
        const GpuMonitor* m = m_hub ? m_hub->existing(id) : nullptr;
        if (!m || m->lastBatch().isEmpty())
            return;
        QList<double> util;
        for (const monitor::GpuSample& s : m->lastBatch())
            util << s.utilizationGpuPercent.value_or(0.0);
        noteGpuUtilization(id, util);
    });
    connect(hub, &MonitorHub::cpuLoad, this, &BillingGuard::noteCpuLoad);
}

void BillingGuard::setTickInterval(int ms)
{
    if (ms <= 0)
        m_timer.stop();
    else
        m_timer.start(ms);
}

void BillingGuard::setDefaultPolicy(const GuardPolicy& policy)
{
    m_default = policy;
}

void BillingGuard::guard(const QString& instanceId, std::optional<GuardPolicy> policy)
{
    GuardWatch w;
    w.policy = policy.value_or(m_default);
    w.guardedSince = m_clock->now();
    w.lastActivity = w.guardedSince;
    w.lastActivityWhat = QStringLiteral("guard started");
    m_watches.insert(instanceId, w);
    qCInfo(lcGuard) << "guarding" << instanceId;
    emit changed(instanceId);
}

void BillingGuard::unguard(const QString& instanceId)
{
    if (m_watches.remove(instanceId) > 0)
        emit changed(instanceId);
}

bool BillingGuard::isGuarded(const QString& instanceId) const
{
    return m_watches.contains(instanceId);
}

const GuardWatch* BillingGuard::watch(const QString& instanceId) const
{
    auto it = m_watches.constFind(instanceId);
    return it == m_watches.constEnd() ? nullptr : &it.value();
}

void BillingGuard::setPolicy(const QString& instanceId, const GuardPolicy& policy)
{
    auto it = m_watches.find(instanceId);
    if (it == m_watches.end())
        return;
    it->policy = policy;
    emit changed(instanceId);
}

void BillingGuard::noteActivity(const QString& instanceId, Activity what)
{
    auto it = m_watches.find(instanceId);
    if (it == m_watches.end())
        return;
    it->lastActivity = m_clock->now();
    it->lastActivityWhat = activityName(what);
    if (it->countdown && it->countdown->reason == GuardReason::Idle && !it->acting)
        cancelCountdown(instanceId, *it,
                        QStringLiteral("Activity resumed (%1).").arg(it->lastActivityWhat));
    emit changed(instanceId);
}

void BillingGuard::noteGpuUtilization(const QString& instanceId, const QList<double>& percentPerGpu)
{
    auto it = m_watches.find(instanceId);
    if (it == m_watches.end())
        return;
    const double threshold = it->policy.gpuIdlePercent;
    const bool busyNow = std::any_of(percentPerGpu.begin(), percentPerGpu.end(),
                                     [threshold](double p) { return p >= threshold; });
    it->gpuBusy = busyNow;
    if (busyNow)
        noteActivity(instanceId, Activity::GpuBusy);
}

void BillingGuard::noteCpuLoad(const QString& instanceId, double load1)
{
    auto it = m_watches.find(instanceId);
    if (it == m_watches.end())
        return;
    it->cpuBusy = load1 >= it->policy.cpuIdleLoad;
    if (it->cpuBusy)
        noteActivity(instanceId, Activity::CpuBusy);
}

void BillingGuard::noteTransferRunning(const QString& instanceId, bool running)
{
    auto it = m_watches.find(instanceId);
    if (it == m_watches.end())
        return;
    it->transferRunning = running;
    if (running)
        noteActivity(instanceId, Activity::Transfer);
}

void BillingGuard::noteJobRunning(const QString& instanceId, bool running)
{
    auto it = m_watches.find(instanceId);
    if (it == m_watches.end())
        return;
    it->jobRunning = running;
    if (running)
        noteActivity(instanceId, Activity::Job);
}

void BillingGuard::jobEnded(const QString& instanceId, const QString& why,
                            std::optional<GuardPolicy::Action> action, const QString& outputs,
                            const QString& downloadDir, qint64 countdownSeconds)
{
    const std::optional<Instance> inst = m_fleet.find(instanceId);
    if (!inst)
        return;
    if (!isGuarded(instanceId))
        guard(instanceId);
    GuardWatch& w = m_watches[instanceId];
    w.jobRunning = false;
    if (w.acting)
        return;
    const std::optional<GuardPolicy::Action> effective =
        action ? effectiveAction(*inst, *action) : std::nullopt;
    if (!effective) {
        emit limitReached(
            instanceId,
            action ? QStringLiteral("%1 — GPUDeck cannot stop %2 itself; stop it "
                                    "or it keeps costing.")
                         .arg(why, inst->name)
                   : QStringLiteral("%1. %2 keeps running (and billing at %3).")
                         .arg(why, inst->name, formatHourly(hourlyRate(*inst).totalUsd())));
        return;
    }
    const QDateTime now = m_clock->now();
    GuardCountdown c;
    c.reason = GuardReason::JobEnded;
    c.startedAt = now;
    c.endsAt = now.addSecs(std::max<qint64>(0, countdownSeconds));
    c.action = *effective;
    c.why = why;
    c.resultsFolder = outputs;
    c.downloadDir = downloadDir;
    w.countdown = c;
    w.keepUntil = {};
    qCInfo(lcGuard) << instanceId << "job ended, countdown:" << why;
    emit limitReached(instanceId, countdownText(instanceId));
    emit changed(instanceId);
}

bool BillingGuard::busy(const GuardWatch& w) const
{
    return w.gpuBusy || w.cpuBusy || w.transferRunning || w.jobRunning;
}

qint64 BillingGuard::idleSeconds(const QString& instanceId) const
{
    const GuardWatch* w = watch(instanceId);
    if (!w || busy(*w))
        return 0;
    return std::max<qint64>(0, w->lastActivity.secsTo(m_clock->now()));
}

qint64 BillingGuard::secondsLeft(const QString& instanceId) const
{
    const GuardWatch* w = watch(instanceId);
    if (!w || !w->countdown)
        return -1;
    return std::max<qint64>(0, m_clock->now().secsTo(w->countdown->endsAt));
}

QString BillingGuard::countdownText(const QString& instanceId) const
{
    const GuardWatch* w = watch(instanceId);
    if (!w || !w->countdown)
        return {};
    return QStringLiteral("%1 — %2 in %3")
        .arg(w->countdown->why, verb(w->countdown->action),
             formatCountdown(secondsLeft(instanceId)));
}

QString BillingGuard::stateText(const QString& instanceId) const
{
    const GuardWatch* w = watch(instanceId);
    if (!w)
        return QStringLiteral("not guarded");
    if (w->acting)
        return QStringLiteral("%1 now").arg(w->countdown ? verb(w->countdown->action)
                                                         : QStringLiteral("acting"));
    if (w->countdown)
        return QStringLiteral("%1 in %2")
            .arg(verb(w->countdown->action), formatCountdown(secondsLeft(instanceId)));
    const QDateTime now = m_clock->now();
    if (w->keepUntil.isValid() && now < w->keepUntil)
        return QStringLiteral("kept until %1")
            .arg(QLocale().toString(w->keepUntil.toLocalTime().time(), QLocale::ShortFormat));
    if (busy(*w))
        return QStringLiteral("busy (%1)").arg(w->lastActivityWhat);
    return QStringLiteral("idle %1").arg(formatDuration(idleSeconds(instanceId)));
}

void BillingGuard::keepFor(const QString& instanceId, qint64 seconds)
{
    keepUntil(instanceId, m_clock->now().addSecs(seconds));
}

void BillingGuard::keepUntil(const QString& instanceId, const QDateTime& until)
{
    auto it = m_watches.find(instanceId);
    if (it == m_watches.end() || it->acting)
        return;
    it->keepUntil = until.toUTC();
    // Kept means "I am here": idleness counts again from the end of the keep.
    it->lastActivity = it->keepUntil;
    it->lastActivityWhat = activityName(Activity::UserAction);
    if (it->countdown)
        cancelCountdown(instanceId, *it,
                        QStringLiteral("Kept until %1.")
                            .arg(QLocale().toString(until.toLocalTime(), QLocale::ShortFormat)));
    emit changed(instanceId);
}

void BillingGuard::actNow(const QString& instanceId, GuardPolicy::Action action)
{
    const std::optional<Instance> inst = m_fleet.find(instanceId);
    auto it = m_watches.find(instanceId);
    if (!inst || it == m_watches.end() || it->acting)
        return;
    const std::optional<GuardPolicy::Action> effective = effectiveAction(*inst, action);
    if (!effective) {
        failed(instanceId,
               QStringLiteral("%1 cannot be stopped or destroyed from GPUDeck.").arg(inst->name));
        return;
    }
    act(instanceId, *effective);
}

std::optional<GuardPolicy::Action> BillingGuard::effectiveAction(const Instance& instance,
                                                                 GuardPolicy::Action wanted) const
{
    const Provider* p = m_fleet.provider(instance.provider);
    if (!p)
        return std::nullopt;
    const ProviderCapabilities caps = p->capabilities();
    const bool canStop = caps.stopStart && stopEndsComputeBilling(instance);
    if (wanted == GuardPolicy::Action::Stop && canStop)
        return GuardPolicy::Action::Stop;
    if (caps.destroy)
        return GuardPolicy::Action::Destroy;
    if (canStop)
        return GuardPolicy::Action::Stop;
    return std::nullopt;
}

bool BillingGuard::canStopToEndBilling(const QString& instanceId) const
{
    const std::optional<Instance> inst = m_fleet.find(instanceId);
    return inst && effectiveAction(*inst, GuardPolicy::Action::Stop) == GuardPolicy::Action::Stop;
}

void BillingGuard::tick()
{
    const QDateTime now = m_clock->now();
    const QStringList ids = m_watches.keys();
    for (const QString& id : ids) {
        auto it = m_watches.find(id);
        if (it == m_watches.end())
            continue;
        const std::optional<Instance> inst = m_fleet.find(id);
        if (!inst)
            continue;
        evaluate(*inst, *it, now);
    }
}

void BillingGuard::evaluate(const Instance& inst, GuardWatch& w, const QDateTime& now)
{
    if (w.acting)
        return;
    const std::optional<InstanceStatus> before = w.lastStatus;
    w.lastStatus = inst.status;
    if (inst.status == InstanceStatus::Stopped) {
        if (w.countdown)
            cancelCountdown(inst.id, w, QStringLiteral("The machine is stopped."));
        if (before == InstanceStatus::Running) {
            const Provider* p = m_fleet.provider(inst.provider);
            const QString how = inst.statusDetail.isEmpty()
                                    ? QStringLiteral("It was stopped outside GPUDeck.")
                                    : inst.statusDetail;
            QString text = QStringLiteral("%1 stopped while GPUDeck was not watching. %2 It cost "
                                          "%3 so far.")
                               .arg(inst.name, how, formatCents(costOf(inst, now).totalCents()));
            if (!stopEndsBilling(inst)) {
                text += QLatin1Char(' ') +
                        stoppedBillingNote(inst, p ? p->displayName() : inst.provider);
                w.stoppedWarned = true;
            }
            qCInfo(lcGuard) << inst.id << "stopped elsewhere:" << how;
            emit stoppedElsewhere(inst.id, text);
        }
        if (!w.stoppedWarned && !stopEndsBilling(inst)) {
            w.stoppedWarned = true;
            const Provider* p = m_fleet.provider(inst.provider);
            emit stillBilling(inst.id,
                              stoppedBillingNote(inst, p ? p->displayName() : inst.provider));
        }
        return;
    }
    w.stoppedWarned = false;
    if (inst.status != InstanceStatus::Running)
        return;
    if (busy(w)) {
        w.lastActivity = now;
        if (w.countdown && w.countdown->reason == GuardReason::Idle)
            cancelCountdown(inst.id, w,
                            QStringLiteral("Activity resumed (%1).").arg(w.lastActivityWhat));
    }

    if (w.countdown) {
        GuardCountdown& c = *w.countdown;
        const qint64 left = now.secsTo(c.endsAt);
        const qint64 total = std::max<qint64>(1, c.startedAt.secsTo(c.endsAt));
        if (left <= 0) {
            act(inst.id, c.action);
            return;
        }
        if (c.escalation == 0 && left * 2 <= total) {
            c.escalation = 1;
            emit escalated(inst.id, 1, countdownText(inst.id));
        } else if (c.escalation == 1 && left <= kLastMinute && total > kLastMinute) {
            c.escalation = 2;
            emit escalated(inst.id, 2, countdownText(inst.id));
        }
        emit countdownTick(inst.id, left);
        return;
    }
    if (w.keepUntil.isValid() && now < w.keepUntil)
        return;

    const GuardPolicy& p = w.policy;
    const QString rate = formatHourly(hourlyRate(inst).totalUsd());
    const qint64 idle = busy(w) ? 0 : std::max<qint64>(0, w.lastActivity.secsTo(now));
    if (p.budgetCapCents > 0) {
        const qint64 spent = costOf(inst, now).totalCents();
        if (spent >= p.budgetCapCents) {
            startCountdown(inst, w, GuardReason::Budget,
                           QStringLiteral("Budget of %1 reached (%2 so far at %3)")
                               .arg(formatCents(p.budgetCapCents), formatCents(spent), rate),
                           now);
            return;
        }
    }
    if (p.maxLifetimeSeconds > 0 && inst.createdAt.isValid() &&
        inst.createdAt.secsTo(now) >= p.maxLifetimeSeconds) {
        startCountdown(inst, w, GuardReason::Lifetime,
                       QStringLiteral("Running for %1, its maximum lifetime, at %2")
                           .arg(formatDuration(inst.createdAt.secsTo(now)), rate),
                       now);
        return;
    }
    if (p.idleTimeoutSeconds > 0 && idle >= p.idleTimeoutSeconds) {
        startCountdown(inst, w, GuardReason::Idle,
                       QStringLiteral("GPU idle for %1 at %2").arg(formatDuration(idle), rate),
                       now);
        return;
    }
    // Hour-rounded billing: an idle machine about to start another paid hour.
    if (idle > 0) {
        const std::optional<qint64> toHour = secondsToNextBilledHour(inst, now);
        if (toHour && *toHour <= kHourWarningSeconds) {
            const QDateTime hour = now.addSecs(*toHour);
            if (w.hourWarnedFor != hour) {
                w.hourWarnedFor = hour;
                emit hourWarning(
                    inst.id,
                    QStringLiteral("%1 is idle and another billed hour (%2) starts "
                                   "in %3.")
                        .arg(inst.name,
                             formatCents(estimateCents(inst.priceHourly, inst.billing, 1.0)),
                             formatCountdown(*toHour)));
            }
        }
    }
}

void BillingGuard::startCountdown(const Instance& inst, GuardWatch& w, GuardReason reason,
                                  const QString& why, const QDateTime& now)
{
    const std::optional<GuardPolicy::Action> action = effectiveAction(inst, w.policy.action);
    GuardCountdown c;
    c.reason = reason;
    c.startedAt = now;
    c.endsAt = now.addSecs(w.policy.countdownSeconds);
    c.action = action.value_or(GuardPolicy::Action::Destroy);
    c.why = why;
    c.resultsFolder = w.policy.resultsFolder;
    c.downloadDir = w.policy.downloadDir;
    if (!action) {
        // Nothing GPUDeck can do here (an SSH host): say so once per limit, then wait for the
        // user (Keep) instead of counting down to an action that cannot run.
        w.keepUntil = now.addSecs(std::max<qint64>(w.policy.idleTimeoutSeconds, 60));
        emit limitReached(inst.id, QStringLiteral("%1 — GPUDeck cannot stop %2 itself; stop it "
                                                  "or it keeps costing.")
                                       .arg(why, inst.name));
        return;
    }
    w.countdown = c;
    qCInfo(lcGuard) << inst.id << "countdown:" << why;
    emit limitReached(inst.id, countdownText(inst.id));
    emit changed(inst.id);
}

void BillingGuard::cancelCountdown(const QString& instanceId, GuardWatch& w, const QString& why)
{
    if (!w.countdown)
        return;
    w.countdown.reset();
    emit countdownCancelled(instanceId, why);
    emit changed(instanceId);
}

void BillingGuard::act(const QString& instanceId, GuardPolicy::Action action)
{
    auto it = m_watches.find(instanceId);
    if (it == m_watches.end())
        return;
    it->acting = true;
    if (it->countdown)
        it->countdown->action = action;
    emit changed(instanceId);
    const std::optional<Instance> inst = m_fleet.find(instanceId);
    if (!inst) {
        m_watches.remove(instanceId);
        return;
    }
    QPointer<BillingGuard> self(this);
    if (action == GuardPolicy::Action::Stop) {
        emit acting(instanceId, QStringLiteral("Stopping %1…").arg(inst->name));
        m_fleet.stop(instanceId, [self, instanceId](Result<Instance> r) {
            if (!self)
                return;
            if (!r.ok()) {
                self->failed(instanceId, r.error().message);
                return;
            }
            auto w = self->m_watches.find(instanceId);
            if (w != self->m_watches.end()) {
                w->acting = false;
                w->countdown.reset();
                w->stoppedWarned = true;                 // said below, with the rate
                w->lastStatus = InstanceStatus::Stopped; // stopped here, not elsewhere
            }
            const Provider* p = self->m_fleet.provider(r->provider);
            emit self->stopped(instanceId,
                               stoppedBillingNote(r.value(), p ? p->displayName() : r->provider));
            emit self->changed(instanceId);
        });
        return;
    }
    // "Destroy now" without a countdown still downloads the policy's results folder.
    const GuardCountdown* c = it->countdown ? &*it->countdown : nullptr;
    const QString folder = c ? c->resultsFolder : it->policy.resultsFolder;
    QString dir = c ? c->downloadDir : it->policy.downloadDir;
    if (dir.isEmpty())
        dir = QDir::homePath();
    if (!folder.isEmpty() && m_queue) {
        emit acting(
            instanceId,
            QStringLiteral("Downloading %1 from %2 before destroying it…").arg(folder, inst->name));
        QDir().mkpath(dir);
        m_queue->downloadThen(
            m_fleet, *inst, folder, dir,
            [self, instanceId, folder](Result<ssh::TransferOutcome> r) {
                if (!self)
                    return;
                if (!r.ok()) {
                    // Money against data: the user decides. The machine stays (and bills).
                    self->failed(instanceId,
                                 QStringLiteral("Could not download %1, so the machine was NOT "
                                                "destroyed and still bills: %2")
                                     .arg(folder, r.error().message));
                    return;
                }
                self->runDestroy(instanceId);
            });
        return;
    }
    runDestroy(instanceId);
}

void BillingGuard::runDestroy(const QString& instanceId)
{
    const std::optional<Instance> inst = m_fleet.find(instanceId);
    emit acting(instanceId, QStringLiteral("Destroying %1…").arg(inst ? inst->name : instanceId));
    QPointer<BillingGuard> self(this);
    m_fleet.destroy(instanceId, [self, instanceId](Result<Recap> r) {
        if (!self)
            return;
        if (!r.ok()) {
            self->failed(instanceId, r.error().message);
            return;
        }
        self->m_watches.remove(instanceId);
        emit self->destroyed(instanceId, r.value());
        emit self->changed(instanceId);
    });
}

void BillingGuard::failed(const QString& instanceId, const QString& message)
{
    auto it = m_watches.find(instanceId);
    if (it != m_watches.end()) {
        it->acting = false;
        it->countdown.reset();
        // Warn again after another countdown's worth of time rather than hammering a failing
        // provider every second.
        it->keepUntil = m_clock->now().addSecs(std::max<qint64>(60, it->policy.countdownSeconds));
    }
    qCWarning(lcGuard) << instanceId << "guard action failed:" << message;
    emit actionFailed(instanceId, message);
    emit changed(instanceId);
}

} // namespace gpudeck
