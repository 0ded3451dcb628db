#include "processes.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QHash>
#include <QSet>
#include <QThread>

#include <csignal>
#include <sys/types.h>
#include <unistd.h>

namespace gpudeck::sandbox {

namespace {

QByteArray readProc(qint64 pid, const char* file)
{
    QFile f(QStringLiteral("/proc/%1/%2").arg(pid).arg(QLatin1String(file)));
    if (!f.open(QIODevice::ReadOnly))
        return {}; // gone, or another user's process
    return f.readAll();
}

struct ProcInfo {
    qint64 pid = 0;
    qint64 ppid = 0;
    bool zombie = false;
};

// Fields after the command name in /proc/PID/stat: state, ppid, ...
ProcInfo statOf(qint64 pid)
{
    ProcInfo info;
    info.pid = pid;
    const QByteArray s = readProc(pid, "stat");
    const qsizetype close = s.lastIndexOf(')');
    if (close < 0)
        return info;
    const QList<QByteArray> fields = s.mid(close + 2).split(' ');
    if (fields.size() > 1) {
        info.zombie = fields.at(0) == "Z";
        info.ppid = fields.at(1).toLongLong();
    }
    return info;
}

QList<qint64> allPids()
{
    QList<qint64> pids;
    const QStringList names =
        QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString& name : names) {
        bool ok = false;
        const qint64 pid = name.toLongLong(&ok);
        if (ok)
            pids << pid;
    }
    return pids;
}

} // namespace

bool commandLineContains(qint64 pid, const QString& text)
{
    QByteArray cmd = readProc(pid, "cmdline");
    cmd.replace('\0', ' ');
    return cmd.contains(text.toUtf8());
}

QList<qint64> machineProcesses(const MachineIdentity& machine)
{
    const QByteArray tagEntry = QByteArray(kTagVariable) + '=' + machine.tag.toUtf8();
    const QByteArray folder = machine.folder.toUtf8() + '/';
    const qint64 self = ::getpid();
    QSet<qint64> roots;
    QHash<qint64, QList<qint64>> children;
    for (qint64 pid : allPids()) {
        if (pid == self)
            continue;
        const ProcInfo info = statOf(pid);
        if (info.zombie)
            continue;
        children[info.ppid] << pid;
        QByteArray cmd = readProc(pid, "cmdline");
        cmd.replace('\0', ' ');
        if (cmd.contains(folder) || readProc(pid, "environ").split('\0').contains(tagEntry))
            roots.insert(pid);
    }
    QList<qint64> out;
    QList<qint64> queue(roots.begin(), roots.end());
    QSet<qint64> seen;
    while (!queue.isEmpty()) {
        const qint64 pid = queue.takeFirst();
        if (seen.contains(pid))
            continue;
        seen.insert(pid);
        out << pid;
        queue << children.value(pid);
    }
    return out;
}

bool processAlive(qint64 pid)
{
    if (pid <= 0)
        return false;
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno != EPERM)
        return false;
    return !statOf(pid).zombie; // a zombie is dead for our purposes
}

int killMachineProcesses(const MachineIdentity& machine, int graceMs)
{
    // Collect the whole set before signalling: once sshd's listener dies its children are
    // re-parented and could no longer be found through it.
    QList<qint64> pids = machineProcesses(machine);
    for (qint64 pid : pids)
        ::kill(static_cast<pid_t>(pid), SIGTERM);
    QElapsedTimer timer;
    timer.start();
    while (!pids.isEmpty() && timer.elapsed() < graceMs) {
        QThread::msleep(20);
        pids.removeIf([](qint64 pid) { return !processAlive(pid); });
    }
    for (qint64 pid : pids)
        ::kill(static_cast<pid_t>(pid), SIGKILL);
    // Anything started meanwhile (a session mid-login) is caught by a second sweep.
    QThread::msleep(50);
    pids = machineProcesses(machine);
    for (qint64 pid : pids)
        ::kill(static_cast<pid_t>(pid), SIGKILL);
    QThread::msleep(pids.isEmpty() ? 0 : 50);
    pids.removeIf([](qint64 pid) { return !processAlive(pid); });
    return static_cast<int>(pids.size());
}

} // namespace gpudeck::sandbox
