#pragma once

#include "result.h"
#include "types.h"

#include <QHash>
#include <QObject>
#include <QSet>
#include <QTimer>

namespace gpudeck {

class Fleet;
class Provider;

// What the on-instance watchdog can do on a machine, from its provider: the fixed command the
// machine runs to end its own billing (Provider::selfStopCommand) and whether that really ends
// the billing there.
struct WatchdogSupport {
    bool installable = false; // the machine can run it and has a self-stop command
    bool endsBilling = false; // running that command stops the compute billing
    bool survivesReboot = false;
    QString action; // the fixed command
    QString note;   // one sentence for the launch dialog and the Overview
};

[[nodiscard]] WatchdogSupport watchdogSupport(const Provider& provider, const Instance& instance);

// Its settings, written to the machine with the script.
struct WatchdogConfig {
    int staleSeconds = 15 * 60; // heartbeat older than this (and GPUs idle) → act
    int checkSeconds = 30;
    double gpuIdlePercent = 5;
    QString action;
    bool installBootHook = false; // @reboot crontab line (real machines only)
};

// The commands (each built with ssh::remoteCommand: no text reaches the login shell's parse).
[[nodiscard]] QString watchdogInstallCommand(const WatchdogConfig& config);
[[nodiscard]] QString watchdogHeartbeatCommand();
// Prints "running", "stopped" or "absent", then the last line of its log.
[[nodiscard]] QString watchdogStatusCommand();
[[nodiscard]] QString watchdogRemoveCommand();

// The app's half: installs the watchdog at the first connection to each guarded machine whose
// provider allows it, refreshes its heartbeat file every minute, removes it on request. All
// SSH work runs on the thread pool; results come back as signals.
class Watchdogs final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Watchdogs)
public:
    explicit Watchdogs(Fleet& fleet, QObject* parent = nullptr);
    ~Watchdogs() override;

    void setStaleSeconds(int s) { m_staleSeconds = s; }
    void setCheckSeconds(int s) { m_checkSeconds = s; }
    // Heartbeats every `ms` (0 stops them: what a killed or offline app amounts to).
    void setHeartbeatInterval(int ms);

    void install(const Instance& instance);
    void remove(const Instance& instance);
    void heartbeat(const Instance& instance);
    void heartbeatAll();
    // Asks the machine whether its watchdog runs (one installed in an earlier session counts);
    // answers with installedChanged and its last log line.
    void checkStatus(const Instance& instance);
    [[nodiscard]] bool installed(const QString& instanceId) const;

signals:
    void installedChanged(const QString& instanceId, bool installed, const QString& message);
    void failed(const QString& instanceId, const QString& message);

private:
    void run(const Instance& instance, const QString& command,
             std::function<void(Result<QByteArray>)> done);

    Fleet& m_fleet;
    QSet<QString> m_installed;
    QSet<QString> m_installing; // install sent, no answer yet
    // Per machine, bumped when an install or removal is sent or answers: a status answer asked
    // before the last of those is older than what that install or removal said.
    QHash<QString, quint64> m_changes;
    QTimer m_heartbeat;
    int m_staleSeconds = 15 * 60;
    int m_checkSeconds = 30;
};

} // namespace gpudeck
