#include "sandboxmachine.h"

#include "poweroff.h"
#include "processes.h"
#include "sandboxplans.h"
#include "shquote.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLockFile>
#include <QLoggingCategory>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTcpServer>
#include <QThread>

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcSandbox, "gpudeck.providers.sandbox")

namespace gpudeck::sandbox {

namespace {

const QString kRecordFile = QStringLiteral("instance.json");
// Every change takes the store's lock; a launch holds it for a second or two (ssh-keygen,
// sshd -t), so waiting a little longer than that is normal, much longer means something hangs.
constexpr int kLockWaitMs = 10000;

Error busy()
{
    return makeError(ErrorCode::Timeout, QStringLiteral("Another GPUDeck is changing the Sandbox; "
                                                        "try again in a moment."));
}
const QString kStateActive = QStringLiteral("active");
const QString kStateStopped = QStringLiteral("stopped");
const QString kStateDestroying = QStringLiteral("destroying");

int envMs(const char* name, int fallback)
{
    bool ok = false;
    const int v = qEnvironmentVariableIntValue(name, &ok);
    return ok && v >= 0 ? v : fallback;
}

QString findProgram(const QString& name, const QStringList& extraDirs)
{
    QString found = QStandardPaths::findExecutable(name, extraDirs);
    if (found.isEmpty())
        found = QStandardPaths::findExecutable(name);
    return found;
}

QString sshdPath()
{
    return findProgram(
        QStringLiteral("sshd"),
        {QStringLiteral("/usr/sbin"), QStringLiteral("/usr/local/sbin"), QStringLiteral("/sbin")});
}

QString sftpServerPath()
{
    for (const char* p : {"/usr/lib/openssh/sftp-server", "/usr/libexec/openssh/sftp-server",
                          "/usr/libexec/sftp-server", "/usr/lib/ssh/sftp-server"}) {
        if (QFile::exists(QString::fromLatin1(p)))
            return QString::fromLatin1(p);
    }
    return {};
}

Error missingOpenSsh(const QString& program)
{
    return makeError(ErrorCode::MissingDependency,
                     QStringLiteral("The Sandbox runs each machine as a local OpenSSH server, but "
                                    "%1 is not installed. Install it with: sudo apt install "
                                    "openssh-server openssh-client")
                         .arg(program));
}

QString currentUser()
{
    if (const passwd* pw = ::getpwuid(::getuid()))
        return QString::fromLocal8Bit(pw->pw_name);
    return qEnvironmentVariable("USER");
}

Result<QByteArray> run(const QString& program, const QStringList& args, int timeoutMs = 15000)
{
    QProcess p;
    p.setProgram(program);
    p.setArguments(args);
    p.setStandardInputFile(QProcess::nullDevice());
    p.start();
    if (!p.waitForFinished(timeoutMs) || p.exitStatus() != QProcess::NormalExit ||
        p.exitCode() != 0) {
        p.kill();
        p.waitForFinished(1000);
        const QString err = QString::fromLocal8Bit(p.readAllStandardError()).trimmed();
        return makeError(
            ErrorCode::Internal,
            QStringLiteral("%1 failed: %2")
                .arg(QFileInfo(program).fileName(), err.isEmpty() ? p.errorString() : err),
            QStringLiteral("%1 %2").arg(program, args.join(QLatin1Char(' '))));
    }
    return p.readAllStandardOutput();
}

bool writeFile(const QString& path, const QByteArray& content, QFile::Permissions perms)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    const bool ok = f.write(content) == content.size();
    f.close();
    return ok && f.setPermissions(perms);
}

Result<int> freeLoopbackPort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return makeError(ErrorCode::Io,
                         QStringLiteral("No free port on 127.0.0.1: %1").arg(probe.errorString()));
    return static_cast<int>(probe.serverPort());
}

QString lastLogLine(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    const QList<QByteArray> lines = f.readAll().trimmed().split('\n');
    return lines.isEmpty() ? QString() : QString::fromLocal8Bit(lines.last()).trimmed();
}

} // namespace

Timing Timing::fromEnvironment()
{
    Timing t;
    t.provisionMs = envMs("GPUDECK_SANDBOX_PROVISION_MS", t.provisionMs);
    t.bootMs = envMs("GPUDECK_SANDBOX_BOOT_MS", t.bootMs);
    t.destroyMs = envMs("GPUDECK_SANDBOX_DESTROY_MS", t.destroyMs);
    t.staleMs = envMs("GPUDECK_SANDBOX_STALE_MS", t.staleMs);
    return t;
}

struct SandboxStore::Record {
    Instance instance;
    QString clientToken;
    QString state;
    QDateTime provisionUntil;
    QDateTime bootBy;
};

SandboxStore::SandboxStore(QString root, QString helperDir, Timing timing)
    : m_root(std::move(root))
    , m_helperDir(std::move(helperDir))
    , m_timing(timing)
{}

QString SandboxStore::tagFor(const QString& id)
{
    return QStringLiteral("gpudeck-sandbox:") + id;
}

MachineIdentity SandboxStore::identityOf(const QString& id) const
{
    return {tagFor(id), machineDir(id)};
}

QString SandboxStore::machineDir(const QString& id) const
{
    return m_root + QLatin1Char('/') + id;
}

QString SandboxStore::lockPath() const
{
    return m_root + QStringLiteral("/.lock");
}

Result<SandboxStore::Record> SandboxStore::lockAndRead(QLockFile& lock, const QString& id) const
{
    if (!lock.tryLock(kLockWaitMs))
        return busy();
    return readRecord(id);
}

Result<SandboxStore::Record> SandboxStore::readRecord(const QString& id) const
{
    static const QRegularExpression validId(QStringLiteral("^sbx-[0-9a-f]{8}$"));
    if (!validId.match(id).hasMatch())
        return makeError(ErrorCode::NotFound,
                         QStringLiteral("There is no Sandbox instance %1.").arg(id));
    QFile f(machineDir(id) + QLatin1Char('/') + kRecordFile);
    if (!f.open(QIODevice::ReadOnly))
        return makeError(ErrorCode::NotFound,
                         QStringLiteral("There is no Sandbox instance %1 (it may have been "
                                        "destroyed).")
                             .arg(id));
    QJsonParseError perr{};
    const QJsonObject o = QJsonDocument::fromJson(f.readAll(), &perr).object();
    if (perr.error != QJsonParseError::NoError)
        return makeError(ErrorCode::ProviderFailure,
                         QStringLiteral("The record of Sandbox instance %1 is damaged.").arg(id),
                         perr.errorString());
    Record r;
    r.instance = Instance::fromJson(o.value(QStringLiteral("instance")).toObject());
    // A Sandbox machine is a folder of this computer: its files are its home.
    r.instance.homeIsFileRoot = true;
    r.clientToken = o.value(QStringLiteral("client_token")).toString();
    r.state = o.value(QStringLiteral("state")).toString();
    r.provisionUntil = QDateTime::fromString(o.value(QStringLiteral("provision_until")).toString(),
                                             Qt::ISODateWithMs);
    r.bootBy =
        QDateTime::fromString(o.value(QStringLiteral("boot_by")).toString(), Qt::ISODateWithMs);
    // The machine switched itself off (gpudeck-poweroff): stopped from then on, whoever looks.
    if (r.state == kStateActive) {
        if (const std::optional<QDateTime> off = poweredOffAt(machineDir(id))) {
            r.state = kStateStopped;
            if (!r.instance.runIntervals.isEmpty() && !r.instance.runIntervals.last().end.isValid())
                r.instance.runIntervals.last().end =
                    std::max(*off, r.instance.runIntervals.last().start);
        }
    }
    return r;
}

Result<void> SandboxStore::writeRecord(const Record& r) const
{
    const QJsonObject o{
        {QStringLiteral("instance"), r.instance.toJson()},
        {QStringLiteral("client_token"), r.clientToken},
        {QStringLiteral("state"), r.state},
        {QStringLiteral("provision_until"), r.provisionUntil.toString(Qt::ISODateWithMs)},
        {QStringLiteral("boot_by"), r.bootBy.toString(Qt::ISODateWithMs)}};
    const QString path = machineDir(r.instance.id) + QLatin1Char('/') + kRecordFile;
    // Write then rename, so a reader never sees half a record.
    const QString tmp = path + QStringLiteral(".tmp");
    if (!writeFile(tmp, QJsonDocument(o).toJson(), QFile::ReadOwner | QFile::WriteOwner) ||
        ::rename(QFile::encodeName(tmp).constData(), QFile::encodeName(path).constData()) != 0)
        return makeError(ErrorCode::Io, QStringLiteral("Could not save the Sandbox record in %1.")
                                            .arg(machineDir(r.instance.id)));
    return {};
}

Instance SandboxStore::describe(const Record& r) const
{
    Instance i = r.instance;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QString dir = machineDir(i.id);
    i.statusDetail.clear();
    if (r.state == kStateDestroying) {
        i.status = InstanceStatus::Destroying;
    } else if (r.state == kStateStopped) {
        i.status = InstanceStatus::Stopped;
        if (const std::optional<QDateTime> off = poweredOffAt(dir))
            i.statusDetail = QStringLiteral("Powered off from inside the machine at %1 UTC.")
                                 .arg(off->toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")));
    } else if (now < r.provisionUntil) {
        i.status = InstanceStatus::Provisioning;
    } else {
        QFile pidFile(dir + QStringLiteral("/sshd.pid"));
        qint64 pid = 0;
        if (pidFile.open(QIODevice::ReadOnly))
            pid = pidFile.readAll().trimmed().toLongLong();
        // sshd writes its pid file only once it listens, so a live, tagged pid means ready.
        if (pid > 0 && processAlive(pid) &&
            commandLineContains(pid, dir + QStringLiteral("/sshd_config"))) {
            i.status = InstanceStatus::Running;
        } else if (!machineProcesses(identityOf(i.id)).isEmpty() &&
                   now < r.bootBy.addMSecs(m_timing.staleMs)) {
            i.status = InstanceStatus::Booting;
        } else {
            i.status = InstanceStatus::Error;
            const QString why = lastLogLine(dir + QStringLiteral("/sshd.log"));
            i.statusDetail = QStringLiteral("The Sandbox machine's SSH server is not running%1. "
                                            "Destroy it and launch a new one.")
                                 .arg(why.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(why));
        }
    }
    return i;
}

Result<QList<Instance>> SandboxStore::list()
{
    QList<Instance> out;
    const QStringList ids =
        QDir(m_root).entryList({QStringLiteral("sbx-*")}, QDir::Dirs, QDir::Name);
    for (const QString& id : ids) {
        Result<Record> r = readRecord(id);
        if (r.ok())
            out << describe(r.value());
    }
    return out;
}

Result<Instance> SandboxStore::get(const QString& id)
{
    Result<Record> r = readRecord(id);
    if (!r.ok())
        return r.error();
    return describe(r.value());
}

Result<void> SandboxStore::prepareMachine(const QString& dir, const Plan& plan,
                                          const LaunchRequest& request, int port) const
{
    const QString sshd = sshdPath();
    if (sshd.isEmpty())
        return missingOpenSsh(QStringLiteral("the OpenSSH server (sshd)"));
    const QString keygen = findProgram(QStringLiteral("ssh-keygen"), {});
    if (keygen.isEmpty())
        return missingOpenSsh(QStringLiteral("ssh-keygen"));
    const QString sftpServer = sftpServerPath();
    if (sftpServer.isEmpty())
        return missingOpenSsh(QStringLiteral("the SFTP server (sftp-server)"));
    const QString simgpu = m_helperDir + QStringLiteral("/gpudeck-simgpu");
    if (!QFileInfo(simgpu).isExecutable())
        return makeError(ErrorCode::MissingDependency,
                         QStringLiteral("GPUDeck's simulated GPU (gpudeck-simgpu) is missing from "
                                        "%1. Reinstall GPUDeck or rebuild it.")
                             .arg(m_helperDir));

    const QString home = dir + QStringLiteral("/home");
    const QString bin = dir + QStringLiteral("/bin");
    if (!QDir().mkpath(home) || !QDir().mkpath(bin) || !QDir().mkpath(dir + QStringLiteral("/run")))
        return makeError(ErrorCode::Io, QStringLiteral("Could not create %1.").arg(dir));

    Result<QByteArray> keyed =
        run(keygen, {QStringLiteral("-q"), QStringLiteral("-t"), QStringLiteral("ed25519"),
                     QStringLiteral("-N"), QString(), QStringLiteral("-C"),
                     QStringLiteral("gpudeck-sandbox"), QStringLiteral("-f"),
                     dir + QStringLiteral("/ssh_host_ed25519_key")});
    if (!keyed.ok())
        return keyed.error();

    const QString user = currentUser();
    const QString tag = tagFor(QFileInfo(dir).fileName());
    // Real machines give their users bash, dash, zsh, fish or tcsh; a Sandbox machine can have any
    // of them (sshd runs a command as `$SHELL -c COMMAND`, and so does this entry point), so
    // GPUDeck's remote commands can be tested against each.
    const QString loginShell = qEnvironmentVariable("GPUDECK_SANDBOX_LOGIN_SHELL");
    const auto rw = QFile::ReadOwner | QFile::WriteOwner;
    const auto rwx = rw | QFile::ExeOwner;

    // Every session, whatever the client asks for, starts in the machine's own home with the
    // simulated GPU first on PATH. SFTP comes through here too (as the subsystem's command).
    const QByteArray session =
        QStringLiteral("#!/bin/sh\n"
                       "# GPUDeck Sandbox session entry point (sshd ForceCommand).\n"
                       "export HOME=%1 GPUDECK_SANDBOX_DIR=%2 %3=%4\n"
                       "export PATH=%5:$PATH\n"
                       "export GPUDECK_LOADAVG=\"$GPUDECK_SANDBOX_DIR/loadavg\"\n"
                       "cd \"$HOME\" || exit 1\n"
                       "login_shell=%6\n"
                       "[ -n \"$login_shell\" ] && export SHELL=\"$login_shell\"\n"
                       "if [ -n \"$SSH_ORIGINAL_COMMAND\" ]; then\n"
                       "    exec \"${SHELL:-/bin/sh}\" -c \"$SSH_ORIGINAL_COMMAND\"\n"
                       "fi\n"
                       "exec \"${SHELL:-/bin/sh}\" -l\n")
            .arg(shQuote(home), shQuote(dir), QLatin1String(kTagVariable), shQuote(tag),
                 shQuote(bin), shQuote(loginShell))
            .toUtf8();
    const QByteArray profile =
        QStringLiteral(
            "# GPUDeck Sandbox machine\n"
            "export PATH=\"$GPUDECK_SANDBOX_DIR/bin:$PATH\"\n"
            "[ -n \"$BASH_VERSION\" ] && [ -f \"$HOME/.bashrc\" ] && . \"$HOME/.bashrc\"\n")
            .toUtf8();
    // The prompt also sets the terminal title (OSC 0), as distribution defaults do.
    const QByteArray bashrc = QStringLiteral("PS1='\\[\\e]0;\\u@%1: \\w\\a\\]\\u@%1:\\w\\$ '\n")
                                  .arg(request.name)
                                  .toUtf8();
    const QByteArray readme =
        QStringLiteral(
            "This is a GPUDeck Sandbox machine: a local OpenSSH server with a simulated\n"
            "%1 x %2. Try:\n\n"
            "  nvidia-smi\n"
            "  gpudeck-demo-train --epochs 20 --log ~/train.log &\n")
            .arg(plan.gpuCount)
            .arg(plan.gpuModel)
            .toUtf8();
    const SimulatedGpu gpu = simulatedGpu(plan);
    const QByteArray gpuConf =
        QStringLiteral("model=%1\ncount=%2\nmemory_mib=%3\npower_limit_w=%4\n"
                       "max_sm_clock_mhz=%5\ndriver=535.129.03\ncuda=12.2\n"
                       "seed=%6\n")
            .arg(gpu.model)
            .arg(plan.gpuCount)
            .arg(gpu.memoryMib)
            .arg(gpu.powerLimitW)
            .arg(gpu.maxSmClockMhz)
            .arg(QRandomGenerator::global()->bounded(1, 1 << 30))
            .toUtf8();
    QStringList config{
        QStringLiteral("ListenAddress 127.0.0.1"),
        QStringLiteral("Port %1").arg(port),
        QStringLiteral("HostKey %1/ssh_host_ed25519_key").arg(dir),
        QStringLiteral("PidFile %1/sshd.pid").arg(dir),
        QStringLiteral("AuthorizedKeysFile %1/authorized_keys").arg(dir),
        // The machine lives under the user's XDG state folder, which may sit below a
        // world-writable folder (e.g. /tmp in tests); sshd would then refuse every key.
        QStringLiteral("StrictModes no"),
        QStringLiteral("UsePAM no"),
        QStringLiteral("PubkeyAuthentication yes"),
        QStringLiteral("PasswordAuthentication no"),
        QStringLiteral("KbdInteractiveAuthentication no"),
        QStringLiteral("PermitRootLogin prohibit-password"),
        QStringLiteral("AllowUsers %1").arg(user),
        // The machine's own home, before the login shell starts: the shell then reads the
        // machine's rc files, not the user's (a heavy ~/.bashrc, or one that takes a lock such
        // as `pyenv init`, would slow down or stall every command).
        QStringLiteral("SetEnv HOME=%1").arg(home),
        QStringLiteral("ForceCommand %1/session.sh").arg(dir),
        QStringLiteral("Subsystem sftp %1 -d %2").arg(sftpServer, home),
        QStringLiteral("X11Forwarding no"),
        QStringLiteral("PrintMotd no"),
        QStringLiteral("PrintLastLog no"),
        QStringLiteral("AcceptEnv LANG LC_*"),
        QStringLiteral("ClientAliveInterval 30"),
        QStringLiteral("MaxStartups 64:30:128"),
        QStringLiteral("LogLevel INFO"),
    };
    if (!writeFile(dir + QStringLiteral("/authorized_keys"),
                   request.sshPublicKeys.join(QLatin1Char('\n')).toUtf8() + '\n', rw) ||
        !writeFile(dir + QStringLiteral("/sshd_config"),
                   config.join(QLatin1Char('\n')).toUtf8() + '\n', rw) ||
        !writeFile(dir + QStringLiteral("/session.sh"), session, rwx) ||
        !writeFile(dir + QStringLiteral("/gpu.conf"), gpuConf, rw) ||
        // The simulated machine's CPU load (what GPUDeck's monitor reads instead of the host's
        // /proc/loadavg): idle; tests and demos write another.
        !writeFile(dir + QStringLiteral("/loadavg"), "0.00 0.00 0.00 1/64 1\n", rw) ||
        !writeFile(home + QStringLiteral("/.profile"), profile, rw) ||
        !writeFile(home + QStringLiteral("/.bashrc"), bashrc, rw) ||
        !writeFile(home + QStringLiteral("/README.txt"), readme, rw | QFile::ReadGroup) ||
        !QFile::link(simgpu, bin + QStringLiteral("/nvidia-smi")) ||
        !QFile::link(simgpu, bin + QStringLiteral("/gpudeck-demo-train")) ||
        !writeFile(bin + QLatin1Char('/') + QLatin1String(kPoweroffProgram), poweroffScript(), rwx))
        return makeError(ErrorCode::Io, QStringLiteral("Could not write the Sandbox machine's "
                                                       "files in %1.")
                                            .arg(dir));

    if (::getuid() == 0 && !QFileInfo::exists(QStringLiteral("/run/sshd"))) {
        // As root, OpenSSH insists on its privilege-separation directory.
        if (::mkdir("/run/sshd", 0755) != 0 && errno != EEXIST)
            return makeError(ErrorCode::Io, QStringLiteral("sshd needs /run/sshd and it could not "
                                                           "be created."));
    }
    Result<QByteArray> tested = run(
        sshd, {QStringLiteral("-t"), QStringLiteral("-f"), dir + QStringLiteral("/sshd_config")});
    if (!tested.ok())
        return makeError(ErrorCode::ProviderFailure,
                         QStringLiteral("The Sandbox's SSH server refused its configuration: %1")
                             .arg(tested.error().message));
    return {};
}

Result<void> SandboxStore::startServer(const Record& r, int delayMs) const
{
    const QString dir = machineDir(r.instance.id);
    QProcess launcher;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QString::fromLatin1(kTagVariable), tagFor(r.instance.id));
    launcher.setProcessEnvironment(env);
    launcher.setProgram(QStringLiteral("/bin/sh"));
    // Sleep through provisioning and booting, then become sshd in the foreground (-D) so the
    // tag stays on it; -E keeps its log with the machine.
    launcher.setArguments(
        {QStringLiteral("-c"),
         QStringLiteral("sleep %1; exec %2 -D -f %3/sshd_config -E %3/sshd.log")
             .arg(QString::number(delayMs / 1000.0, 'f', 3), sshdPath(), shQuote(dir))});
    launcher.setStandardInputFile(QProcess::nullDevice());
    launcher.setStandardOutputFile(dir + QStringLiteral("/launcher.log"), QIODevice::Append);
    launcher.setStandardErrorFile(dir + QStringLiteral("/launcher.log"), QIODevice::Append);
    launcher.setWorkingDirectory(dir);
    QFile::remove(dir + QStringLiteral("/sshd.pid"));
    if (!launcher.startDetached())
        return makeError(ErrorCode::Internal,
                         QStringLiteral("Could not start the Sandbox machine's SSH server: %1")
                             .arg(launcher.errorString()));
    return {};
}

Result<Instance> SandboxStore::launch(const LaunchRequest& req)
{
    const QList<Plan> all = plans();
    const auto plan =
        std::find_if(all.begin(), all.end(), [&](const Plan& p) { return p.id == req.planId; });
    if (plan == all.end())
        return makeError(ErrorCode::InvalidInput,
                         QStringLiteral("The Sandbox has no plan \"%1\". Run `gpudeck-cli plans "
                                        "--provider sandbox` to see the plans.")
                             .arg(req.planId));
    const QString region = req.region.isEmpty() ? plan->regions.first() : req.region;
    if (!plan->regions.contains(region))
        return makeError(ErrorCode::InvalidInput,
                         QStringLiteral("The Sandbox plan %1 is not offered in region \"%2\"; pick "
                                        "one of: %3.")
                             .arg(plan->id, region, plan->regions.join(QStringLiteral(", "))));
    static const QRegularExpression validName(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$"));
    if (!req.name.isEmpty() && !validName.match(req.name).hasMatch())
        return makeError(ErrorCode::InvalidInput,
                         QStringLiteral("\"%1\" is not a valid machine name: use up to 63 letters, "
                                        "digits, dots, dashes or underscores, starting with a "
                                        "letter or digit.")
                             .arg(req.name));
    if (req.spot && !plan->spotHourly)
        return makeError(ErrorCode::InvalidInput,
                         QStringLiteral("The Sandbox plan %1 has no spot price; launch it "
                                        "on demand or pick a plan with a spot price.")
                             .arg(plan->id));
    if (req.sshPublicKeys.isEmpty())
        return makeError(
            ErrorCode::InvalidInput,
            QStringLiteral("No SSH public key was given to authorise on the machine."));

    if (!QDir().mkpath(m_root))
        return makeError(ErrorCode::Io, QStringLiteral("Could not create %1.").arg(m_root));
    QLockFile lock(lockPath());
    if (!lock.tryLock(kLockWaitMs))
        return busy();

    if (!req.clientToken.isEmpty()) {
        const QStringList ids = QDir(m_root).entryList({QStringLiteral("sbx-*")}, QDir::Dirs);
        for (const QString& id : ids) {
            Result<Record> r = readRecord(id);
            if (r.ok() && r->clientToken == req.clientToken)
                return describe(r.value()); // the same launch, seen again: never a second machine
        }
    }

    QString id;
    do {
        id = QStringLiteral("sbx-%1").arg(QRandomGenerator::global()->generate(), 8, 16,
                                          QLatin1Char('0'));
    } while (QFileInfo::exists(machineDir(id)));
    const QString dir = machineDir(id);
    if (!QDir().mkpath(dir) || ::chmod(QFile::encodeName(dir).constData(), 0700) != 0)
        return makeError(ErrorCode::Io, QStringLiteral("Could not create %1.").arg(dir));

    Result<int> port = freeLoopbackPort();
    if (!port.ok()) {
        removeMachine(id);
        return port.error();
    }
    LaunchRequest named = req;
    if (named.name.isEmpty())
        named.name = plan->id + QLatin1Char('-') + id.mid(4, 4);
    Result<void> prepared = prepareMachine(dir, *plan, named, port.value());
    if (!prepared.ok()) {
        removeMachine(id);
        return prepared.error();
    }
    Result<QByteArray> fp =
        run(findProgram(QStringLiteral("ssh-keygen"), {}),
            {QStringLiteral("-l"), QStringLiteral("-E"), QStringLiteral("sha256"),
             QStringLiteral("-f"), dir + QStringLiteral("/ssh_host_ed25519_key.pub")});

    const QDateTime now = QDateTime::currentDateTimeUtc();
    Record r;
    r.clientToken = req.clientToken;
    r.state = kStateActive;
    r.provisionUntil = now.addMSecs(m_timing.provisionMs);
    r.bootBy = r.provisionUntil.addMSecs(m_timing.bootMs);
    Instance& i = r.instance;
    i.id = id;
    i.name = named.name;
    i.provider = QStringLiteral("sandbox");
    i.planId = plan->id;
    i.region = region;
    i.host = QStringLiteral("127.0.0.1");
    i.sshPort = port.value();
    i.user = currentUser();
    i.homeIsFileRoot = true;
    if (fp.ok()) {
        const QList<QByteArray> parts = fp.value().split(' ');
        if (parts.size() > 1)
            i.hostKeySha256 = QString::fromLatin1(parts.at(1));
    }
    // Spot is honoured as a price only: a Sandbox machine is never interrupted.
    i.priceHourly = req.spot ? *plan->spotHourly : plan->onDemandHourly;
    i.diskGb = plan->diskGb;
    i.gpuCount = plan->gpuCount;
    i.gpuModel = plan->gpuModel;
    i.billing = plan->billing;
    i.createdAt = now;
    i.startedAt = now;
    // Like most GPU clouds, the Sandbox bills from the moment the launch is accepted.
    i.runIntervals = {{now, QDateTime()}};

    Result<void> saved = writeRecord(r);
    if (saved.ok())
        saved = startServer(r, m_timing.provisionMs + m_timing.bootMs);
    if (!saved.ok()) {
        killMachineProcesses(identityOf(id), 2000);
        removeMachine(id);
        return saved.error();
    }
    qCInfo(lcSandbox) << "launched" << id << "on port" << i.sshPort;
    return describe(r);
}

Result<Instance> SandboxStore::stop(const QString& id)
{
    QLockFile lock(lockPath());
    Result<Record> r = lockAndRead(lock, id);
    if (!r.ok())
        return r.error();
    Record rec = r.value();
    if (rec.state == kStateDestroying)
        return makeError(ErrorCode::Conflict, QStringLiteral("%1 is being destroyed.").arg(id));
    if (rec.state == kStateStopped)
        return describe(rec);
    killMachineProcesses(identityOf(id), 3000);
    rec.state = kStateStopped;
    if (!rec.instance.runIntervals.isEmpty() && !rec.instance.runIntervals.last().end.isValid())
        rec.instance.runIntervals.last().end = QDateTime::currentDateTimeUtc();
    Result<void> saved = writeRecord(rec);
    if (!saved.ok())
        return saved.error();
    return describe(rec);
}

Result<Instance> SandboxStore::start(const QString& id)
{
    QLockFile lock(lockPath());
    Result<Record> r = lockAndRead(lock, id);
    if (!r.ok())
        return r.error();
    Record rec = r.value();
    if (rec.state != kStateStopped)
        return makeError(ErrorCode::Conflict,
                         QStringLiteral("%1 is not stopped, so it cannot be started.").arg(id));
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QFile::remove(machineDir(id) + QLatin1Char('/') + QLatin1String(kPoweroffFile));
    rec.state = kStateActive;
    rec.provisionUntil = now;
    rec.bootBy = now.addMSecs(m_timing.bootMs);
    rec.instance.startedAt = now;
    rec.instance.runIntervals.append({now, QDateTime()});
    Result<void> saved = writeRecord(rec);
    if (saved.ok())
        saved = startServer(rec, m_timing.bootMs);
    if (!saved.ok())
        return saved.error();
    return describe(rec);
}

Result<void> SandboxStore::destroy(const QString& id)
{
    {
        QLockFile lock(lockPath());
        Result<Record> r = lockAndRead(lock, id);
        if (!r.ok())
            return r.error();
        Record rec = r.value();
        rec.state = kStateDestroying;
        Result<void> saved = writeRecord(rec);
        if (!saved.ok())
            return saved.error();
    }
    QThread::msleep(static_cast<unsigned long>(m_timing.destroyMs));
    if (const int left = killMachineProcesses(identityOf(id), 3000); left > 0)
        return makeError(ErrorCode::ProviderFailure,
                         QStringLiteral("%1 process(es) of Sandbox instance %2 would not stop. "
                                        "Try destroying it again.")
                             .arg(left)
                             .arg(id));
    removeMachine(id);
    if (QFileInfo::exists(machineDir(id)))
        return makeError(ErrorCode::Io, QStringLiteral("Could not remove %1; check its permissions "
                                                       "and destroy it again.")
                                            .arg(machineDir(id)));
    qCInfo(lcSandbox) << "destroyed" << id;
    return {};
}

void SandboxStore::removeMachine(const QString& id) const
{
    QDir(machineDir(id)).removeRecursively();
}

void SandboxStore::cleanupStaleOnce()
{
    std::call_once(m_cleaned, [this] { (void)cleanupStale(); });
}

QStringList SandboxStore::cleanupStale()
{
    QStringList removed;
    if (!QFileInfo::exists(m_root))
        return removed;
    QLockFile lock(lockPath());
    if (!lock.tryLock(kLockWaitMs))
        return removed;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QStringList ids = QDir(m_root).entryList({QStringLiteral("sbx-*")}, QDir::Dirs);
    for (const QString& id : ids) {
        Result<Record> r = readRecord(id);
        bool stale = !r.ok() || r->state == kStateDestroying;
        if (!stale && r->state == kStateActive) {
            // Its server died (crash, reboot, kill) and nothing is booting it any more.
            stale = describe(r.value()).status == InstanceStatus::Error &&
                    now > r->bootBy.addMSecs(m_timing.staleMs);
        }
        if (stale) {
            killMachineProcesses(identityOf(id), 2000);
            removeMachine(id);
            removed << id;
            qCInfo(lcSandbox) << "removed stale sandbox" << id;
        }
    }
    return removed;
}

} // namespace gpudeck::sandbox
