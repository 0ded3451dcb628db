#pragma once

#include <QList>
#include <QString>

namespace gpudeck::sandbox {

// Finding every process of one Sandbox machine. sshd rewrites its own environment and command
// line (setproctitle), forks a process per connection and calls setsid, so neither a process
// group nor an environment variable alone finds them all. A machine's processes are:
//  - those whose command line names the machine's folder (the launcher and the sshd listener),
//  - those that carry the machine's tag in their environment (everything started in a session,
//    including jobs left running with nohup after the session ended),
//  - and every descendant of those (sshd's per-connection processes).
inline constexpr char kTagVariable[] = "GPUDECK_SANDBOX_TAG";

struct MachineIdentity {
    QString tag;    // value of GPUDECK_SANDBOX_TAG in its sessions
    QString folder; // the machine's folder, as it appears in its sshd command line
};

[[nodiscard]] QList<qint64> machineProcesses(const MachineIdentity& machine);
[[nodiscard]] bool processAlive(qint64 pid);
[[nodiscard]] bool commandLineContains(qint64 pid, const QString& text);
// SIGTERM every process of the machine, wait up to graceMs, then SIGKILL what is left.
// Returns how many processes remain (0 on success).
int killMachineProcesses(const MachineIdentity& machine, int graceMs);

} // namespace gpudeck::sandbox
