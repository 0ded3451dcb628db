#include "watchdog.h"

#include "fleet.h"
#include "meter.h"
#include "remote.h"
#include "remotecommand.h"
#include "shquote.h"

#include <QLoggingCategory>
#include <QPointer>

Q_LOGGING_CATEGORY(lcWatchdog, "gpudeck.guard.watchdog")

namespace gpudeck {

namespace {

constexpr int kHeartbeatMs = 60 * 1000;
constexpr int kCommandTimeoutMs = 30 * 1000;

// The watchdog itself: POSIX sh, run detached on the machine. It re-reads its config every
// round, so a reinstall changes it without a restart. A heartbeat older than STALE_SECONDS
// means the app is gone (closed, killed, asleep, offline); it acts only when the GPUs are idle
// too, so a training run outlives a closed laptop.
// clang-format off
const char* const kWatchdogScript = R"SH(#!/bin/sh
# GPUDeck billing watchdog (installed by GPUDeck; remove it from the Overview).
d=$(cd "$(dirname "$0")" && pwd)
echo $$ > "$d/pid"
while :; do
    . "$d/config"
    sleep "$CHECK_SECONDS"
    [ -f "$d/heartbeat" ] || continue
    now=$(date +%s)
    beat=$(stat -c %Y "$d/heartbeat" 2>/dev/null || echo "$now")
    age=$((now - beat))
    [ "$age" -lt "$STALE_SECONDS" ] && continue
    util=$(nvidia-smi --query-gpu=utilization.gpu --format=csv,noheader,nounits 2>/dev/null | tr '\n' ' ')
    busy=$(echo "$util" | tr ' ' '\n' | awk -v t="$GPU_IDLE_PERCENT" 'NF && $1 + 0 >= t { b = 1 } END { print b + 0 }')
    [ "$busy" = 1 ] && continue
    date -u +%Y-%m-%dT%H:%M:%SZ > "$d/acted"
    echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) heartbeat ${age}s old, GPU utilisation: ${util:-none}; running: $ACTION" >> "$d/log"
    sh -c "$ACTION" >> "$d/log" 2>&1
    # Still here: the action failed or did not power the machine off. Try again later.
    sleep 300
done
)SH";

const char* const kInstallScript = R"SH(set -e
d="$HOME/.gpudeck/watchdog"
mkdir -p "$d"
if [ -f "$d/pid" ]; then kill "$(cat "$d/pid")" 2>/dev/null || true; fi
printf '%s' "$1" > "$d/watchdog.sh"
printf '%s' "$2" > "$d/config"
chmod 700 "$d/watchdog.sh"
touch "$d/heartbeat"
rm -f "$d/acted"
if [ "$3" = 1 ] && command -v crontab >/dev/null 2>&1; then
    { crontab -l 2>/dev/null | grep -v gpudeck-watchdog || true; echo "@reboot sh $d/watchdog.sh # gpudeck-watchdog"; } | crontab -
fi
cd "$d"
setsid nohup sh "$d/watchdog.sh" </dev/null >/dev/null 2>&1 &
echo installed
)SH";

const char* const kHeartbeatScript = R"SH(d="$HOME/.gpudeck/watchdog"
[ -d "$d" ] && touch "$d/heartbeat"
)SH";

const char* const kStatusScript = R"SH(d="$HOME/.gpudeck/watchdog"
if [ ! -f "$d/watchdog.sh" ]; then echo absent; exit 0; fi
if [ -f "$d/pid" ] && kill -0 "$(cat "$d/pid")" 2>/dev/null; then echo running; else echo stopped; fi
tail -n 1 "$d/log" 2>/dev/null || true
)SH";

const char* const kRemoveScript = R"SH(d="$HOME/.gpudeck/watchdog"
if [ -f "$d/pid" ]; then kill "$(cat "$d/pid")" 2>/dev/null || true; fi
if [ "$1" = 1 ] && command -v crontab >/dev/null 2>&1 && crontab -l 2>/dev/null | grep -q gpudeck-watchdog; then
    crontab -l | grep -v gpudeck-watchdog | crontab -
fi
rm -rf "$d"
echo removed
)SH";
// clang-format on

} // namespace

WatchdogSupport watchdogSupport(const Provider& provider, const Instance& instance)
{
    WatchdogSupport s;
    s.action = provider.selfStopCommand();
    const QString name = provider.displayName();
    if (s.action.isEmpty()) {
        s.note = provider.capabilities().launch
                     ? QStringLiteral("No on-instance watchdog on %1: a machine there cannot end "
                                      "its own billing. Only GPUDeck's desktop guard protects it, "
                                      "and only while GPUDeck runs.")
                           .arg(name)
                     : QStringLiteral("Your own machine: GPUDeck does not stop it.");
        return s;
    }
    s.installable = true;
    s.survivesReboot = provider.selfStopSurvivesReboot();
    s.endsBilling = stopEndsComputeBilling(instance);
    if (s.endsBilling)
        s.note = QStringLiteral("On-instance watchdog: if GPUDeck stops sending its heartbeat "
                                "(closed, killed, asleep, offline) and the GPUs are idle, the "
                                "machine stops itself.%1")
                     .arg(s.survivesReboot ? QString()
                                           : QStringLiteral(" It does not survive a reboot."));
    else
        s.note = QStringLiteral("The on-instance watchdog can power the machine off, but %1 "
                                "keeps billing a powered-off machine: only GPUDeck's desktop "
                                "guard (destroy) ends the billing.")
                     .arg(name);
    return s;
}

QString watchdogInstallCommand(const WatchdogConfig& c)
{
    const QString config = QStringLiteral("STALE_SECONDS=%1\nCHECK_SECONDS=%2\n"
                                          "GPU_IDLE_PERCENT=%3\nACTION=%4\n")
                               .arg(c.staleSeconds)
                               .arg(c.checkSeconds)
                               .arg(c.gpuIdlePercent)
                               .arg(shQuote(c.action)); // read by the watchdog's sh
    return ssh::remoteCommand(
        QString::fromLatin1(kInstallScript),
        QStringList{QString::fromLatin1(kWatchdogScript), config,
                    c.installBootHook ? QStringLiteral("1") : QStringLiteral("0")});
}

QString watchdogHeartbeatCommand()
{
    return ssh::remoteCommand(QString::fromLatin1(kHeartbeatScript));
}

QString watchdogStatusCommand()
{
    return ssh::remoteCommand(QString::fromLatin1(kStatusScript));
}

QString watchdogRemoveCommand()
{
    return ssh::remoteCommand(QString::fromLatin1(kRemoveScript), QStringList{QStringLiteral("1")});
}

Watchdogs::Watchdogs(Fleet& fleet, QObject* parent)
    : QObject(parent)
    , m_fleet(fleet)
{
    connect(&m_heartbeat, &QTimer::timeout, this, &Watchdogs::heartbeatAll);
    m_heartbeat.start(kHeartbeatMs);
}

Watchdogs::~Watchdogs() = default;

void Watchdogs::setHeartbeatInterval(int ms)
{
    if (ms <= 0)
        m_heartbeat.stop();
    else
        m_heartbeat.start(ms);
}

bool Watchdogs::installed(const QString& instanceId) const
{
    return m_installed.contains(instanceId);
}

void Watchdogs::run(const Instance& instance, const QString& command,
                    std::function<void(Result<QByteArray>)> done)
{
    runRemoteAsync(this, endpointFor(instance, m_fleet.keyPathFor(instance), m_fleet.paths()),
                   command, kCommandTimeoutMs, std::move(done));
}

void Watchdogs::install(const Instance& instance)
{
    const Provider* p = m_fleet.provider(instance.provider);
    if (!p)
        return;
    const WatchdogSupport support = watchdogSupport(*p, instance);
    if (!support.installable) {
        emit installedChanged(instance.id, false, support.note);
        return;
    }
    WatchdogConfig c;
    c.staleSeconds = m_staleSeconds;
    c.checkSeconds = m_checkSeconds;
    c.action = support.action;
    c.installBootHook = support.survivesReboot;
    QPointer<Watchdogs> self(this);
    const QString id = instance.id;
    m_installing.insert(id);
    ++m_changes[id];
    run(instance, watchdogInstallCommand(c), [self, id](Result<QByteArray> r) {
        if (!self)
            return;
        self->m_installing.remove(id);
        ++self->m_changes[id];
        if (!r.ok()) {
            qCWarning(lcWatchdog) << id << "install failed:" << r.error().message;
            emit self->failed(
                id, QStringLiteral("Could not install the watchdog: %1").arg(r.error().message));
            return;
        }
        self->m_installed.insert(id);
        emit self->installedChanged(id, true, QStringLiteral("Watchdog installed."));
    });
}

void Watchdogs::remove(const Instance& instance)
{
    QPointer<Watchdogs> self(this);
    const QString id = instance.id;
    ++m_changes[id];
    run(instance, watchdogRemoveCommand(), [self, id](Result<QByteArray> r) {
        if (!self)
            return;
        ++self->m_changes[id];
        if (!r.ok()) {
            emit self->failed(
                id, QStringLiteral("Could not remove the watchdog: %1").arg(r.error().message));
            return;
        }
        self->m_installed.remove(id);
        emit self->installedChanged(id, false, QStringLiteral("Watchdog removed."));
    });
}

void Watchdogs::checkStatus(const Instance& instance)
{
    QPointer<Watchdogs> self(this);
    const QString id = instance.id;
    const quint64 asked = m_changes.value(id);
    run(instance, watchdogStatusCommand(), [self, id, asked](Result<QByteArray> r) {
        if (!self || !r.ok())
            return;
        // An install or removal sent or answered since this question was asked (or still
        // running) says what is on the machine now; this answer may have seen it half-done.
        if (self->m_changes.value(id) != asked || self->m_installing.contains(id))
            return;
        const QStringList lines = QString::fromUtf8(r.value()).trimmed().split(QLatin1Char('\n'));
        const QString state = lines.value(0).trimmed();
        const QString last = lines.value(1).trimmed();
        if (state == QLatin1String("absent")) {
            self->m_installed.remove(id);
            emit self->installedChanged(id, false, QStringLiteral("No watchdog on the machine."));
            return;
        }
        self->m_installed.insert(id);
        emit self->installedChanged(
            id, true,
            (state == QLatin1String("running") ? QStringLiteral("Watchdog running.")
                                               : QStringLiteral("Watchdog installed, not "
                                                                "running (it acted, or the "
                                                                "machine restarted).")) +
                (last.isEmpty() ? QString() : QStringLiteral(" Last: ") + last));
    });
}

void Watchdogs::heartbeat(const Instance& instance)
{
    QPointer<Watchdogs> self(this);
    const QString id = instance.id;
    run(instance, watchdogHeartbeatCommand(), [self, id](Result<QByteArray> r) {
        // An offline laptop misses heartbeats: that is the point. Log, do not nag.
        if (self && !r.ok())
            qCInfo(lcWatchdog) << id << "heartbeat not delivered:" << r.error().message;
    });
}

void Watchdogs::heartbeatAll()
{
    for (const Instance& i : m_fleet.instances()) {
        if (m_installed.contains(i.id) && i.status == InstanceStatus::Running)
            heartbeat(i);
    }
}

} // namespace gpudeck
