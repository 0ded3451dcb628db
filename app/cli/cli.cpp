#include "cli.h"

#include "accounts.h"
#include "await.h"
#include "billing.h"
#include "billingguard.h"
#include "clock.h"
#include "costreport.h"
#include "fleet.h"
#include "gpumonitor.h"
#include "jobs.h"
#include "ledger.h"
#include "meter.h"
#include "monitorcommands.h"
#include "remote.h"
#include "secretstore.h"
#include "sshhost/sshhostprovider.h"
#include "transfercommands.h"
#include "transferqueue.h"

#include <QCommandLineParser>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QStandardPaths>
#include <QTextStream>
#include <QTime>
#include <QTimer>

#include <cerrno>
#include <cstring>
#include <unistd.h>

#include <cstdio>

namespace gpudeck::cli {

namespace {

constexpr int kExitError = 1;
constexpr int kExitUsage = 2;
constexpr int kReadyTimeoutMs = 5 * 60 * 1000;

const char* const kUsage =
    "Usage: gpudeck-cli COMMAND [OPTIONS]\n"
    "\n"
    "Commands:\n"
    "  plans [--provider P] [--json]        GPU plans and hourly prices\n"
    "  ls [--provider P] [--json]           your instances, with host, port, user and key\n"
    "  launch --provider P --plan ID [--region R] [--name N] [--image I] [--disk GB]\n"
    "         [--spot] [--wait] [--json]    launch one machine (never sent twice); --spot:\n"
    "                                       the provider's interruptible or community price\n"
    "  exec ID [--accept-new] -- CMD...     run a command over SSH; exits with its status\n"
    "  ssh ID [--accept-new] [-- CMD...]    an interactive SSH session in this terminal\n"
    "  job ID [--cwd DIR] [--outputs REMOTE_DIR --to LOCAL_DIR] [--then destroy|stop|keep]\n"
    "      [--countdown S] [--detach] -- CMD...\n"
    "                                       run CMD detached on the machine (it survives this\n"
    "                                       program and lost connections); when it ends,\n"
    "                                       download the outputs (verified), then destroy\n"
    "                                       (default) or stop after a countdown (Ctrl-C keeps\n"
    "                                       the machine), print the recap; exits with CMD's\n"
    "                                       status. --detach: the window (or job --wait) ends it\n"
    "  job ID --wait | --list               wait for the machine's job started earlier / list\n"
    "  put ID LOCAL... REMOTE_DIR           upload files and folders (resumable, fast route)\n"
    "  get ID REMOTE... LOCAL_DIR           download them; --conflict resume|overwrite|skip|\n"
    "                                       rename, --verify (SHA-256), --accept-new\n"
    "  watch ID [--json] [--interval MS] [--count N]\n"
    "                                       live GPU samples (one nvidia-smi stream)\n"
    "  hosts add NAME --host H [--port P] [--user U] [--key FILE] [--hourly USD]\n"
    "  hosts add NAME --ssh-config          your own machines (provider ssh), by hand or\n"
    "  hosts rm NAME | hosts ls             from a ~/.ssh/config alias\n"
    "  forget-host-key ID [--yes]           after a host key CHANGED: show the recorded and\n"
    "                                       the new fingerprint; --yes forgets the old key\n"
    "  stop ID [--json]                     stop (power off) a machine; says what keeps billing\n"
    "  start ID [--wait] [--json]           start it again; --wait: until SSH answers (the\n"
    "                                       address may have changed)\n"
    "  allow-ssh ID                         open port 22 to this computer's address now (AWS,\n"
    "                                       GCE: after a network change locked SSH out)\n"
    "  destroy ID --yes [--json]            destroy, wait for the provider to confirm, print\n"
    "                                       the cost recap\n"
    "  ledger [--json] [--csv FILE]         every recap so far\n"
    "  cost [--since DATE] [--json]         spend by day, provider and instance (estimate),\n"
    "                                       and what undestroyed machines cost so far\n"
    "  parse-smi FILE [--fields LIST] [--json]\n"
    "                                       GPUs found in an nvidia-smi capture\n"
    "  parse-log FILE [--format F] [--regex RE] [--rate USD] [--json]\n"
    "                                       runs and epochs of a training log (F: auto,\n"
    "                                       keras, pytorch, lightning, hf, fastai, yolo, jsonl)\n"
    "\n"
    "Commands that take an instance ID also take --provider P: only that provider is asked.\n"
    "Providers: sandbox (built in, no account needed), ssh (your own hosts), and clouds whose\n"
    "token comes from the environment (the window also reads the keychain): linode\n"
    "(LINODE_TOKEN; its plan list needs none), digitalocean (DIGITALOCEAN_TOKEN), lambda\n"
    "(LAMBDA_API_KEY), runpod (RUNPOD_API_KEY), vast (VAST_API_KEY), aws (AWS_ACCESS_KEY_ID\n"
    "and AWS_SECRET_ACCESS_KEY, or ~/.aws/credentials). Without a token a cloud's plans come\n"
    "from the last fetched or the bundled, dated catalog.\n"
    "Host keys: a key the provider reports must match; otherwise an unknown key is refused\n"
    "unless --accept-new is given (then it is recorded), and a changed key is always refused.\n"
    "State lives in the XDG folders ($XDG_CONFIG_HOME, $XDG_DATA_HOME, $XDG_STATE_HOME,\n"
    "$XDG_CACHE_HOME under gpudeck/); the GUI sees the same instances.\n";

// Removes "--provider P" (or "--provider=P") from the options before a "--"; answers P, empty
// when it has no value, nothing when the option is absent.
std::optional<QString> takeProvider(QStringList& args)
{
    const qsizetype end =
        args.contains(QStringLiteral("--")) ? args.indexOf(QStringLiteral("--")) : args.size();
    for (qsizetype i = 0; i < end; ++i) {
        const QString& a = args.at(i);
        if (a.startsWith(QLatin1String("--provider="))) {
            const QString v = a.mid(11);
            args.removeAt(i);
            return v;
        }
        if (a == QLatin1String("--provider")) {
            const QString v = i + 1 < end ? args.at(i + 1) : QString();
            args.remove(i, i + 1 < end ? 2 : 1);
            return v;
        }
    }
    return std::nullopt;
}

// Lists every provider's instances now; prints the providers that could not answer.
QList<Error> refreshAll(Fleet& fleet, QTextStream& err)
{
    const QList<Error> errors = awaitResult<QList<Error>>([&](Callback<QList<Error>> done) {
                                    fleet.refresh([done](QList<Error> e) { done(e); });
                                }).value();
    for (const Error& e : errors)
        err << "gpudeck-cli: " << e.message << '\n';
    return errors;
}

QString json(const QJsonValue& v)
{
    const QJsonDocument doc =
        v.isArray() ? QJsonDocument(v.toArray()) : QJsonDocument(v.toObject());
    return QString::fromUtf8(doc.toJson(QJsonDocument::Indented));
}

int fail(QTextStream& err, const Error& e)
{
    err << "gpudeck-cli: " << e.message << '\n';
    if (e.retryAfterSeconds)
        err << "Try again in " << *e.retryAfterSeconds << " s.\n";
    err.flush();
    return e.code == ErrorCode::InvalidInput ? kExitUsage : kExitError;
}

int usage(QTextStream& err, const QString& problem)
{
    err << "gpudeck-cli: " << problem << "\n\n" << kUsage;
    err.flush();
    return kExitUsage;
}

// Parses the options of one command; returns false (and has printed why) on bad input.
bool parse(QCommandLineParser& p, const QString& command, const QStringList& args, QTextStream& err)
{
    p.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    if (!p.parse(QStringList{QStringLiteral("gpudeck-cli ") + command} + args)) {
        usage(err, p.errorText());
        return false;
    }
    return true;
}

QString padded(const QString& s, int width)
{
    return s.leftJustified(width, QLatin1Char(' '), true);
}

QJsonObject instanceJson(const Fleet& fleet, const Instance& i)
{
    QJsonObject o = i.toJson();
    o.insert(QStringLiteral("key_path"), fleet.keyPathFor(i));
    const Cost c = costOf(i, QDateTime::currentDateTimeUtc());
    o.insert(QStringLiteral("cost_so_far_usd"), centsToUsd(c.totalCents()));
    o.insert(QStringLiteral("uptime_seconds"), c.runningSeconds);
    return o;
}

int cmdPlans(Fleet& fleet, const QStringList& args, QTextStream& out, QTextStream& err)
{
    QCommandLineParser p;
    p.addOption(
        {QStringLiteral("provider"), QStringLiteral("Only this provider."), QStringLiteral("P")});
    p.addOption({QStringLiteral("json"), QStringLiteral("JSON output.")});
    if (!parse(p, QStringLiteral("plans"), args, err))
        return kExitUsage;
    const QString only = p.value(QStringLiteral("provider"));
    if (!only.isEmpty() && !fleet.provider(only))
        return usage(err, QStringLiteral("unknown provider \"%1\"").arg(only));
    QList<Plan> plans;
    QList<Error> errors;
    QEventLoop loop;
    if (only.isEmpty()) {
        fleet.fetchCatalog([&](QList<Plan> got, QList<Error> errs) {
            plans = std::move(got);
            errors = std::move(errs);
            loop.quit();
        });
    } else {
        // Only that provider is asked: another one's missing token or network is not this
        // command's failure.
        fleet.provider(only)->fetchCatalog([&](Result<Catalog> r) {
            if (r.ok())
                plans = r->plans;
            else
                errors << r.error();
            loop.quit();
        });
    }
    loop.exec();
    for (const Error& e : errors)
        err << "gpudeck-cli: " << e.message << '\n';
    if (p.isSet(QStringLiteral("json"))) {
        QJsonArray a;
        for (const Plan& pl : plans)
            a.append(pl.toJson());
        out << json(a);
    } else {
        out << padded(QStringLiteral("PROVIDER"), 9) << padded(QStringLiteral("PLAN"), 16)
            << padded(QStringLiteral("GPU"), 28) << padded(QStringLiteral("VRAM"), 7)
            << padded(QStringLiteral("PRICE"), 11) << padded(QStringLiteral("PER GPU"), 11)
            << QStringLiteral("BILLING") << '\n';
        for (const Plan& pl : plans) {
            out << padded(pl.provider, 9) << padded(pl.id, 16)
                << padded(QStringLiteral("%1x %2").arg(pl.gpuCount).arg(pl.gpuModel), 28)
                << padded(QStringLiteral("%1 GB").arg(pl.vramGb), 7)
                << padded(formatHourly(pl.onDemandHourly), 11)
                << padded(formatHourly(pl.pricePerGpuHour()), 11) << pl.billing.describe() << '\n';
        }
    }
    // Providers without an account or out of reach are reported above; the command fails only
    // when it has no plan to show.
    return plans.isEmpty() && !errors.isEmpty() ? kExitError : 0;
}

int cmdLs(Fleet& fleet, const QStringList& args, QTextStream& out, QTextStream& err)
{
    QCommandLineParser p;
    p.addOption({QStringLiteral("json"), QStringLiteral("JSON output.")});
    p.addOption(
        {QStringLiteral("provider"), QStringLiteral("Only this provider."), QStringLiteral("P")});
    if (!parse(p, QStringLiteral("ls"), args, err))
        return kExitUsage;
    const QString only = p.value(QStringLiteral("provider"));
    if (!only.isEmpty() && !fleet.provider(only))
        return usage(err, QStringLiteral("unknown provider \"%1\"").arg(only));
    const QList<Error> errors = refreshAll(fleet, err);
    QList<Instance> instances = fleet.instances();
    if (!only.isEmpty())
        instances.removeIf([&](const Instance& i) { return i.provider != only; });
    if (p.isSet(QStringLiteral("json"))) {
        QJsonArray a;
        for (const Instance& i : instances)
            a.append(instanceJson(fleet, i));
        out << json(a);
    } else {
        out << padded(QStringLiteral("ID"), 14) << padded(QStringLiteral("NAME"), 20)
            << padded(QStringLiteral("STATUS"), 13) << padded(QStringLiteral("SSH"), 36)
            << padded(QStringLiteral("RATE"), 10) << QStringLiteral("COST SO FAR") << '\n';
        const QDateTime now = QDateTime::currentDateTimeUtc();
        for (const Instance& i : instances) {
            out << padded(i.id, 14) << padded(i.name, 20) << padded(statusName(i.status), 13)
                << padded(QStringLiteral("%1@%2:%3").arg(i.user, i.host).arg(i.sshPort), 36)
                << padded(formatHourly(i.priceHourly), 10)
                << formatCents(costOf(i, now).totalCents()) << '\n';
        }
        if (instances.isEmpty())
            out << "(no instances)\n";
    }
    return errors.isEmpty() ? 0 : kExitError;
}

int cmdLaunch(Fleet& fleet, const QStringList& args, QTextStream& out, QTextStream& err)
{
    QCommandLineParser p;
    p.addOption({QStringLiteral("provider"), QStringLiteral("Provider id."), QStringLiteral("P")});
    p.addOption({QStringLiteral("plan"), QStringLiteral("Plan id."), QStringLiteral("ID")});
    p.addOption({QStringLiteral("region"), QStringLiteral("Region id."), QStringLiteral("R")});
    p.addOption({QStringLiteral("name"), QStringLiteral("Machine name."), QStringLiteral("N")});
    p.addOption({QStringLiteral("image"), QStringLiteral("Image id."), QStringLiteral("I")});
    p.addOption({QStringLiteral("disk"), QStringLiteral("Disk size in GB."), QStringLiteral("GB")});
    p.addOption({QStringLiteral("spot"), QStringLiteral("Spot, interruptible or community.")});
    p.addOption({QStringLiteral("wait"), QStringLiteral("Wait until SSH answers.")});
    p.addOption({QStringLiteral("json"), QStringLiteral("JSON output.")});
    if (!parse(p, QStringLiteral("launch"), args, err))
        return kExitUsage;
    if (!p.isSet(QStringLiteral("provider")) || !p.isSet(QStringLiteral("plan")))
        return usage(err, QStringLiteral("launch needs --provider and --plan"));
    LaunchRequest req;
    req.planId = p.value(QStringLiteral("plan"));
    req.region = p.value(QStringLiteral("region"));
    req.name = p.value(QStringLiteral("name"));
    req.imageId = p.value(QStringLiteral("image"));
    req.spot = p.isSet(QStringLiteral("spot"));
    if (p.isSet(QStringLiteral("disk"))) {
        bool ok = false;
        req.diskGb = p.value(QStringLiteral("disk")).toInt(&ok);
        if (!ok || req.diskGb < 1)
            return usage(err, QStringLiteral("--disk needs a size in GB, e.g. --disk 100"));
    }
    const QString providerId = p.value(QStringLiteral("provider"));
    Result<Instance> launched = awaitResult<Instance>(
        [&](Callback<Instance> done) { fleet.launch(providerId, req, done); });
    if (!launched.ok())
        return fail(err, launched.error());
    Instance inst = launched.value();
    err << "Launched " << inst.id << " (" << inst.name << ") at " << formatHourly(inst.priceHourly)
        << ", billed " << inst.billing.describe() << ".\n";
    err.flush();
    if (p.isSet(QStringLiteral("wait"))) {
        Result<Instance> ready = awaitResult<Instance>(
            [&](Callback<Instance> done) { fleet.waitUntilReady(inst.id, kReadyTimeoutMs, done); });
        if (!ready.ok())
            return fail(err, ready.error());
        inst = ready.value();
        const LaunchTimeline t = fleet.timeline(inst);
        err << "SSH ready after "
            << QString::number(t.requested.msecsTo(t.sshReady) / 1000.0, 'f', 1) << " s.\n";
    }
    if (p.isSet(QStringLiteral("json")))
        out << json(instanceJson(fleet, inst));
    else
        out << inst.id << '\n';
    return 0;
}

// The instance `id`, refreshed from its provider; prints why not when it cannot be used.
std::optional<Instance> runningInstance(Fleet& fleet, const QString& id, QTextStream& err)
{
    refreshAll(fleet, err);
    const std::optional<Instance> inst = fleet.find(id);
    if (!inst) {
        fail(err, makeError(ErrorCode::NotFound,
                            QStringLiteral("No instance %1. Run `gpudeck-cli ls` to see your "
                                           "instances.")
                                .arg(id)));
        return std::nullopt;
    }
    if (inst->status != InstanceStatus::Running) {
        fail(err, makeError(ErrorCode::Conflict,
                            QStringLiteral("%1 is %2, not running; wait for it (launch --wait) or "
                                           "start it.")
                                .arg(id, statusName(inst->status))));
        return std::nullopt;
    }
    return inst;
}

// Splits "ID [options] -- CMD..." into the part before "--" and the command after it.
std::pair<QStringList, QStringList> splitCommand(const QStringList& args)
{
    const qsizetype dashes = args.indexOf(QStringLiteral("--"));
    if (dashes < 0)
        return {args, {}};
    return {args.mid(0, dashes), args.mid(dashes + 1)};
}

// OpenSSH's rule on the command line: an unknown host key is refused unless --accept-new;
// a changed one always is. A key the provider reported is checked against the provider.
ssh::HostKeyPolicy policyFrom(const QCommandLineParser& p)
{
    return p.isSet(QStringLiteral("accept-new")) ? ssh::HostKeyPolicy::AcceptNew
                                                 : ssh::HostKeyPolicy::Strict;
}

int cmdExec(Fleet& fleet, const QStringList& args, QTextStream& err)
{
    const auto [before, command] = splitCommand(args);
    QCommandLineParser p;
    p.addOption({QStringLiteral("accept-new"), QStringLiteral("Record an unknown host key.")});
    p.addPositionalArgument(QStringLiteral("ID"), QStringLiteral("Instance id."));
    if (!parse(p, QStringLiteral("exec"), before, err))
        return kExitUsage;
    if (p.positionalArguments().size() != 1 || command.isEmpty())
        return usage(err, QStringLiteral("usage: exec ID [--accept-new] -- CMD..."));
    const std::optional<Instance> inst =
        runningInstance(fleet, p.positionalArguments().first(), err);
    if (!inst)
        return kExitError;
    err.flush();
    Result<int> status = runRemote(
        endpointFor(*inst, fleet.keyPathFor(*inst), fleet.paths()),
        command.join(QLatin1Char(' ')), // as ssh joins them
        [](const QByteArray& data, bool isStderr) {
            std::FILE* f = isStderr ? stderr : stdout;
            std::fwrite(data.constData(), 1, static_cast<size_t>(data.size()), f);
            std::fflush(f);
        },
        policyFrom(p));
    if (!status.ok())
        return fail(err, status.error());
    return status.value();
}

int cmdSsh(Fleet& fleet, const QStringList& args, QTextStream& err)
{
    const auto [before, command] = splitCommand(args);
    QCommandLineParser p;
    p.addOption({QStringLiteral("accept-new"), QStringLiteral("Record an unknown host key.")});
    p.addPositionalArgument(QStringLiteral("ID"), QStringLiteral("Instance id."));
    if (!parse(p, QStringLiteral("ssh"), before, err))
        return kExitUsage;
    if (p.positionalArguments().size() != 1)
        return usage(err, QStringLiteral("usage: ssh ID [--accept-new] [-- CMD...]"));
    const std::optional<Instance> inst =
        runningInstance(fleet, p.positionalArguments().first(), err);
    if (!inst)
        return kExitError;
    const QString key = fleet.keyPathFor(*inst);
    const ssh::Endpoint ep = endpointFor(*inst, key, fleet.paths());
    // Check (and on first contact record) the host key with GPUDeck's own rules first; OpenSSH
    // then runs the session in this terminal, holding to the same known_hosts file.
    {
        ssh::Session check;
        Result<void> ok = check.connect(ep, policyFrom(p));
        if (!ok.ok())
            return fail(err, ok.error());
    }
    const QString sshProgram = QStandardPaths::findExecutable(QStringLiteral("ssh"));
    if (sshProgram.isEmpty())
        return fail(err, makeError(ErrorCode::MissingDependency,
                                   QStringLiteral("The OpenSSH client (ssh) is not installed. "
                                                  "Install it with: sudo apt install "
                                                  "openssh-client")));
    QStringList argv{QStringLiteral("ssh"),
                     QStringLiteral("-o"),
                     QStringLiteral("UserKnownHostsFile=") + fleet.paths().knownHosts(),
                     QStringLiteral("-o"),
                     QStringLiteral("GlobalKnownHostsFile=/dev/null"),
                     QStringLiteral("-o"),
                     QStringLiteral("StrictHostKeyChecking=yes")};
    if (!inst->viaSshConfig || inst->sshPort != 22)
        argv << QStringLiteral("-p") << QString::number(inst->sshPort);
    if (!inst->user.isEmpty())
        argv << QStringLiteral("-l") << inst->user;
    if (!key.isEmpty())
        argv << QStringLiteral("-i") << key;
    if (ep.identitiesOnly)
        argv << QStringLiteral("-o") << QStringLiteral("IdentitiesOnly=yes");
    argv << inst->host;
    if (!command.isEmpty())
        argv << QStringLiteral("--") << command;
    err.flush();
    std::vector<QByteArray> bytes;
    for (const QString& a : argv)
        bytes.push_back(a.toLocal8Bit());
    std::vector<char*> cargv;
    for (QByteArray& b : bytes)
        cargv.push_back(b.data());
    cargv.push_back(nullptr);
    std::fflush(stdout);
    ::execv(QFile::encodeName(sshProgram).constData(), cargv.data());
    return fail(err, makeError(ErrorCode::Internal,
                               QStringLiteral("Could not start %1: %2")
                                   .arg(sshProgram, QString::fromLocal8Bit(std::strerror(errno)))));
}

int cmdHosts(Fleet& fleet, const QStringList& args, QTextStream& out, QTextStream& err)
{
    const QString sub = args.value(0);
    if (sub != QLatin1String("add") && sub != QLatin1String("rm") && sub != QLatin1String("ls"))
        return usage(err, QStringLiteral("usage: hosts add NAME --host H [--port P] [--user U] "
                                         "[--key FILE] [--hourly USD] | hosts add NAME "
                                         "--ssh-config | hosts rm NAME | hosts ls [--json]"));
    QCommandLineParser p;
    p.addOption({QStringLiteral("host"), QStringLiteral("Address or name."), QStringLiteral("H")});
    p.addOption({QStringLiteral("port"), QStringLiteral("SSH port."), QStringLiteral("P"),
                 QStringLiteral("22")});
    p.addOption({QStringLiteral("user"), QStringLiteral("Login user."), QStringLiteral("U")});
    p.addOption(
        {QStringLiteral("key"), QStringLiteral("Private key file."), QStringLiteral("FILE")});
    p.addOption({QStringLiteral("hourly"), QStringLiteral("Amortised cost, USD per hour."),
                 QStringLiteral("USD"), QStringLiteral("0")});
    p.addOption({QStringLiteral("ssh-config"), QStringLiteral("NAME is a ~/.ssh/config alias.")});
    p.addOption({QStringLiteral("json"), QStringLiteral("JSON output (ls).")});
    p.addPositionalArgument(QStringLiteral("NAME"), QStringLiteral("Host name in GPUDeck."));
    if (!parse(p, QStringLiteral("hosts ") + sub, args.mid(1), err))
        return kExitUsage;
    if (sub == QLatin1String("ls")) {
        refreshAll(fleet, err);
        QJsonArray a;
        for (const Instance& i : fleet.instances()) {
            if (i.provider != QLatin1String("ssh"))
                continue;
            if (p.isSet(QStringLiteral("json")))
                a.append(instanceJson(fleet, i));
            else
                out << padded(i.name, 20) << padded(i.host, 28)
                    << padded(QString::number(i.sshPort), 7) << padded(i.user, 14)
                    << (i.identityFile.isEmpty() ? QStringLiteral("(agent, ~/.ssh keys)")
                                                 : i.identityFile)
                    << '\n';
        }
        if (p.isSet(QStringLiteral("json")))
            out << json(a);
        return 0;
    }
    if (p.positionalArguments().size() != 1)
        return usage(err, QStringLiteral("hosts %1 needs exactly one NAME").arg(sub));
    const QString name = p.positionalArguments().first();
    if (sub == QLatin1String("rm")) {
        Result<void> removed = fleet.removeSshHost(name);
        return removed.ok() ? 0 : fail(err, removed.error());
    }
    SshHost h;
    h.name = name;
    h.viaSshConfig = p.isSet(QStringLiteral("ssh-config"));
    h.host = p.isSet(QStringLiteral("host")) ? p.value(QStringLiteral("host")) : name;
    if (!h.viaSshConfig && !p.isSet(QStringLiteral("host")))
        return usage(err, QStringLiteral("hosts add needs --host (or --ssh-config for a "
                                         "~/.ssh/config alias)"));
    bool portOk = false;
    h.port = p.value(QStringLiteral("port")).toInt(&portOk);
    if (!portOk)
        return usage(err, QStringLiteral("--port takes a number"));
    h.user = p.value(QStringLiteral("user"));
    h.keyFile = p.value(QStringLiteral("key"));
    bool hourlyOk = false;
    h.hourlyUsd = p.value(QStringLiteral("hourly")).toDouble(&hourlyOk);
    if (!hourlyOk)
        return usage(err, QStringLiteral("--hourly takes a number of dollars, e.g. 0.25"));
    Result<void> added = fleet.addSshHost(h);
    if (!added.ok())
        return fail(err, added.error());
    err << "Added " << name << ". Connect with: gpudeck-cli ssh " << name
        << " (add --accept-new the first time to record its host key).\n";
    return 0;
}

QJsonValue jsonReading(const monitor::Reading<double>& r)
{
    return r ? QJsonValue(*r) : QJsonValue(QJsonValue::Null);
}

int cmdWatch(Fleet& fleet, const QStringList& args, QTextStream& out, QTextStream& err)
{
    QCommandLineParser p;
    p.addOption(
        {QStringLiteral("json"), QStringLiteral("One JSON object per GPU sample and line.")});
    p.addOption({QStringLiteral("interval"), QStringLiteral("Milliseconds between samples."),
                 QStringLiteral("MS"), QStringLiteral("1000")});
    p.addOption({QStringLiteral("count"), QStringLiteral("Stop after N samples of every GPU."),
                 QStringLiteral("N"), QStringLiteral("0")});
    p.addPositionalArgument(QStringLiteral("ID"), QStringLiteral("Instance id."));
    if (!parse(p, QStringLiteral("watch"), args, err))
        return kExitUsage;
    if (p.positionalArguments().size() != 1)
        return usage(err, QStringLiteral("usage: watch ID [--json] [--interval MS] [--count N]"));
    const int interval = p.value(QStringLiteral("interval")).toInt();
    const int count = p.value(QStringLiteral("count")).toInt();
    if (interval < 100)
        return usage(err, QStringLiteral("--interval takes at least 100 ms"));
    const std::optional<Instance> inst =
        runningInstance(fleet, p.positionalArguments().first(), err);
    if (!inst)
        return kExitError;
    GpuMonitor gpus(endpointFor(*inst, fleet.keyPathFor(*inst), fleet.paths()), interval, 3600);
    const bool asJson = p.isSet(QStringLiteral("json"));
    QEventLoop loop;
    int rc = 0;
    int printed = 0;
    QObject::connect(&gpus, &GpuMonitor::updated, &loop, [&] {
        for (const monitor::GpuSample& s : gpus.lastBatch()) {
            const auto track = std::find_if(gpus.gpus().begin(), gpus.gpus().end(),
                                            [&](const GpuTrack& t) { return t.key == s.key(); });
            if (track == gpus.gpus().end())
                continue;
            const GpuTrack& t = *track;
            if (asJson) {
                const QJsonObject o{
                    {QStringLiteral("time"),
                     QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs)},
                    {QStringLiteral("instance"), inst->id},
                    {QStringLiteral("index"), t.index},
                    {QStringLiteral("name"), t.name},
                    {QStringLiteral("uuid"), s.uuid},
                    {QStringLiteral("utilization_gpu_percent"),
                     jsonReading(s.utilizationGpuPercent)},
                    {QStringLiteral("memory_used_mib"),
                     s.memoryUsedMiB ? QJsonValue(*s.memoryUsedMiB) : QJsonValue(QJsonValue::Null)},
                    {QStringLiteral("memory_total_mib"), t.memoryTotalMiB},
                    {QStringLiteral("temperature_c"), jsonReading(s.temperatureC)},
                    {QStringLiteral("power_draw_w"), jsonReading(s.powerDrawW)},
                    {QStringLiteral("power_limit_w"), t.powerLimitW},
                    {QStringLiteral("sm_clock_mhz"), jsonReading(s.smClockMHz)}};
                out << QJsonDocument(o).toJson(QJsonDocument::Compact) << '\n';
            } else {
                out << QTime::currentTime().toString(QStringLiteral("HH:mm:ss")) << "  GPU "
                    << t.index << "  " << padded(t.name, 24)
                    << padded(QStringLiteral("%1 %").arg(s.utilizationGpuPercent.value_or(0), 0,
                                                         'f', 0),
                              7)
                    << padded(QStringLiteral("%1/%2 MiB")
                                  .arg(s.memoryUsedMiB.value_or(0))
                                  .arg(t.memoryTotalMiB),
                              20)
                    << padded(QStringLiteral("%1 °C").arg(s.temperatureC.value_or(0), 0, 'f', 0), 8)
                    << padded(QStringLiteral("%1/%2 W")
                                  .arg(s.powerDrawW.value_or(0), 0, 'f', 0)
                                  .arg(t.powerLimitW, 0, 'f', 0),
                              12)
                    << QStringLiteral("%1 MHz").arg(s.smClockMHz.value_or(0), 0, 'f', 0) << '\n';
            }
        }
        out.flush();
        if (count > 0 && ++printed >= count)
            loop.quit();
    });
    QObject::connect(&gpus, &GpuMonitor::stateChanged, &loop,
                     [&](GpuMonitor::State state, const QString& message) {
                         if (state == GpuMonitor::State::NoDriver ||
                             state == GpuMonitor::State::Failed) {
                             err << "gpudeck-cli: " << message << '\n';
                             rc = kExitError;
                             loop.quit();
                         }
                     });
    gpus.start();
    loop.exec();
    gpus.stop();
    return rc;
}

void printRecap(const Recap& r, QTextStream& out)
{
    out << "Destroyed " << r.instance.id << " (" << r.instance.name << ")\n"
        << "  wall time     " << formatDuration(r.cost.wallSeconds) << '\n'
        << "  billed time   " << formatDuration(r.cost.billedSeconds) << " ("
        << r.instance.billing.describe() << ")\n"
        << "  rate          " << formatHourly(r.instance.priceHourly) << '\n'
        << "  compute       " << formatCents(r.cost.computeCents) << '\n'
        << "  storage       " << formatCents(r.cost.storageCents) << '\n'
        << "  total         " << formatCents(r.cost.totalCents())
        << " (estimate from the launch-time price)\n";
}

// Two steps on purpose, like the GUI's two confirmations: without --yes it only connects and
// shows both fingerprints; with --yes it forgets the recorded key.
// Waits for a job's end and lets the billing guard do what the job was started with (the same
// mechanism as the window: Jobs → BillingGuard::jobEnded → download → destroy/stop → recap).
int waitForJob(Fleet& fleet, Jobs& jobs, const Job& job, QTextStream& out, QTextStream& err)
{
    BillingGuard guard(fleet, Clock::system());
    GuardPolicy only; // nothing but the job's end: no idle, lifetime or budget limits here
    only.idleTimeoutSeconds = 0;
    guard.setDefaultPolicy(only);
    TransferQueue queue;
    guard.setTransferQueue(&queue);
    handJobsToGuard(jobs, guard);
    guard.guard(job.spec.instanceId);
    guard.setTickInterval(1000);

    QEventLoop loop;
    int rc = kExitError;
    std::optional<Job> ended;
    QObject::connect(&jobs, &Jobs::ended, &loop, [&](const Job& j) {
        if (j.id != job.id)
            return;
        ended = j;
        rc = j.exitCode.value_or(kExitError);
        if (!j.outputTail.isEmpty())
            err << "--- last output of the job ---\n" << j.outputTail << "---\n";
        if (j.spec.after == JobSpec::After::Keep) {
            err << "gpudeck-cli: " << jobEndText(j) << "; the machine keeps running.\n";
            loop.quit();
        }
        err.flush();
    });
    QObject::connect(&guard, &BillingGuard::limitReached, &loop,
                     [&](const QString&, const QString& text) {
                         err << "gpudeck-cli: " << text << " (Ctrl-C keeps the machine)\n";
                         err.flush();
                     });
    QObject::connect(&guard, &BillingGuard::acting, &loop,
                     [&](const QString&, const QString& what) {
                         err << "gpudeck-cli: " << what << '\n';
                         err.flush();
                     });
    QObject::connect(&guard, &BillingGuard::destroyed, &loop,
                     [&](const QString&, const Recap& recap) {
                         printRecap(recap, out);
                         loop.quit();
                     });
    QObject::connect(&guard, &BillingGuard::stopped, &loop,
                     [&](const QString&, const QString& note) {
                         out << "Stopped. " << note << '\n';
                         loop.quit();
                     });
    QObject::connect(&guard, &BillingGuard::actionFailed, &loop,
                     [&](const QString&, const QString& message) {
                         err << "gpudeck-cli: " << message << '\n';
                         rc = kExitError;
                         loop.quit();
                     });
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, &jobs, &Jobs::poll);
    poll.start(2000);
    jobs.poll();
    loop.exec();
    out.flush();
    err.flush();
    return ended ? rc : kExitError;
}

int cmdJob(Fleet& fleet, const QStringList& args, QTextStream& out, QTextStream& err)
{
    const auto [before, command] = splitCommand(args);
    QCommandLineParser p;
    p.addOption({QStringLiteral("cwd"), QStringLiteral("Working folder on the machine."),
                 QStringLiteral("DIR")});
    p.addOption({QStringLiteral("outputs"),
                 QStringLiteral("Folder on the machine to download when the job ends."),
                 QStringLiteral("REMOTE_DIR")});
    p.addOption({QStringLiteral("to"), QStringLiteral("Where the outputs go here."),
                 QStringLiteral("LOCAL_DIR")});
    p.addOption({QStringLiteral("then"), QStringLiteral("destroy (default), stop or keep."),
                 QStringLiteral("ACTION"), QStringLiteral("destroy")});
    p.addOption({QStringLiteral("countdown"),
                 QStringLiteral("Seconds between the end and the action (default 60)."),
                 QStringLiteral("S"), QStringLiteral("60")});
    p.addOption({QStringLiteral("detach"), QStringLiteral("Start it and return.")});
    p.addOption({QStringLiteral("wait"), QStringLiteral("Wait for the job started earlier.")});
    p.addOption({QStringLiteral("list"), QStringLiteral("The machine's jobs.")});
    p.addPositionalArgument(QStringLiteral("ID"), QStringLiteral("Instance id."));
    if (!parse(p, QStringLiteral("job"), before, err))
        return kExitUsage;
    const bool list = p.isSet(QStringLiteral("list"));
    const bool wait = p.isSet(QStringLiteral("wait"));
    if (p.positionalArguments().size() != 1 || (command.isEmpty() != (list || wait)))
        return usage(err, QStringLiteral("usage: job ID [options] -- CMD... | job ID --wait | "
                                         "job ID --list"));
    const std::optional<JobSpec::After> after = afterFromName(p.value(QStringLiteral("then")));
    bool countdownOk = false;
    const qint64 countdown = p.value(QStringLiteral("countdown")).toLongLong(&countdownOk);
    if (!after || !countdownOk || countdown < 0)
        return usage(err, QStringLiteral("--then takes destroy, stop or keep; --countdown a "
                                         "number of seconds"));
    if (p.isSet(QStringLiteral("outputs")) != p.isSet(QStringLiteral("to")))
        return usage(err, QStringLiteral("--outputs and --to go together: what to download and "
                                         "where to"));
    const QString id = p.positionalArguments().first();
    Jobs jobs(fleet);
    jobs.setPollInterval(0);
    if (list) {
        refreshAll(fleet, err);
        const QDateTime now = QDateTime::currentDateTimeUtc();
        for (const Job& j : jobs.jobsOn(id))
            out << j.id << "  " << j.summary(now) << "  then " << afterName(j.spec.after) << '\n';
        return 0;
    }
    const std::optional<Instance> inst = runningInstance(fleet, id, err);
    if (!inst)
        return kExitError;
    if (wait) {
        const QList<Job> all = jobs.jobsOn(id);
        const auto it =
            std::find_if(all.begin(), all.end(), [](const Job& j) { return !j.handled; });
        if (it == all.end())
            return fail(err, makeError(ErrorCode::NotFound,
                                       QStringLiteral("No job waits for its end on %1 (see job "
                                                      "%1 --list).")
                                           .arg(id)));
        return waitForJob(fleet, jobs, *it, out, err);
    }
    JobSpec spec;
    spec.instanceId = id;
    spec.command = command.join(QLatin1Char(' ')); // as ssh joins them
    spec.workDir = p.value(QStringLiteral("cwd"));
    spec.outputs = p.value(QStringLiteral("outputs"));
    spec.downloadDir = p.isSet(QStringLiteral("to"))
                           ? QFileInfo(p.value(QStringLiteral("to"))).absoluteFilePath()
                           : QString();
    spec.after = *after;
    spec.countdownSeconds = countdown;
    Result<Job> started = awaitResult<Job>(
        [&](Callback<Job> done) { jobs.start(spec, [done](Result<Job> r) { done(r); }); });
    if (!started.ok())
        return fail(err, started.error());
    err << "gpudeck-cli: job " << started->id << " started on " << inst->name
        << " (its output: ~/.gpudeck/jobs/" << started->id << "/output.log there)\n";
    err.flush();
    if (p.isSet(QStringLiteral("detach"))) {
        out << started->id << '\n';
        err << "gpudeck-cli: GPUDeck's window ends it as chosen (then " << afterName(spec.after)
            << "), or run: gpudeck-cli job " << id << " --wait\n";
        return 0;
    }
    return waitForJob(fleet, jobs, started.value(), out, err);
}

int cmdForgetHostKey(Fleet& fleet, const QStringList& args, QTextStream& out, QTextStream& err)
{
    QCommandLineParser p;
    p.addOption({QStringLiteral("yes"),
                 QStringLiteral("Confirm: you know why the key changed; forget the old one.")});
    p.addPositionalArgument(QStringLiteral("ID"), QStringLiteral("Instance id."));
    if (!parse(p, QStringLiteral("forget-host-key"), args, err))
        return kExitUsage;
    if (p.positionalArguments().size() != 1)
        return usage(err, QStringLiteral("usage: forget-host-key ID [--yes]"));
    const std::optional<Instance> inst =
        runningInstance(fleet, p.positionalArguments().first(), err);
    if (!inst)
        return kExitError;
    if (!p.isSet(QStringLiteral("yes"))) {
        const Result<int> probe =
            runRemote(endpointFor(*inst, fleet.keyPathFor(*inst), fleet.paths()),
                      QStringLiteral("true"), {}, ssh::HostKeyPolicy::Strict);
        if (probe.ok() || probe.error().code != ErrorCode::HostKeyChanged) {
            out << "The host key of " << inst->id
                << " has not changed; there is nothing to forget.\n";
            return probe.ok() ? 0 : fail(err, probe.error());
        }
        err << probe.error().message << '\n'
            << "gpudeck-cli: only if you know why it changed, run `gpudeck-cli forget-host-key "
            << inst->id << " --yes`, then connect with --accept-new after checking the new key "
            << "with the machine's owner or console.\n";
        return kExitUsage;
    }
    const Result<int> removed = forgetHostKey(*inst, fleet.paths());
    if (!removed.ok())
        return fail(err, removed.error());
    out << "Forgot " << removed.value() << " recorded key(s) of " << inst->id << " (" << inst->host
        << ':' << inst->sshPort << ").\n";
    return 0;
}

// stop ID / start ID: one machine powered off or on through its provider.
int cmdPower(Fleet& fleet, bool on, const QStringList& args, QTextStream& out, QTextStream& err)
{
    const QString name = on ? QStringLiteral("start") : QStringLiteral("stop");
    QCommandLineParser p;
    p.addOption({QStringLiteral("json"), QStringLiteral("JSON output.")});
    if (on)
        p.addOption({QStringLiteral("wait"), QStringLiteral("Wait until SSH answers.")});
    p.addPositionalArgument(QStringLiteral("ID"), QStringLiteral("Instance id."));
    if (!parse(p, name, args, err))
        return kExitUsage;
    if (p.positionalArguments().size() != 1)
        return usage(err, QStringLiteral("usage: %1 ID").arg(name));
    const QString id = p.positionalArguments().first();
    refreshAll(fleet, err);
    Result<Instance> r = awaitResult<Instance>([&](Callback<Instance> done) {
        if (on)
            fleet.start(id, done);
        else
            fleet.stop(id, done);
    });
    if (!r.ok())
        return fail(err, r.error());
    Instance inst = r.value();
    if (on && p.isSet(QStringLiteral("wait"))) {
        Result<Instance> ready = awaitResult<Instance>(
            [&](Callback<Instance> done) { fleet.waitUntilReady(id, kReadyTimeoutMs, done); });
        if (!ready.ok())
            return fail(err, ready.error());
        inst = ready.value();
        err << "SSH ready at " << inst.user << '@' << inst.host << ':' << inst.sshPort << ".\n";
    } else if (!on) {
        const Provider* provider = fleet.provider(inst.provider);
        err << (stopEndsBilling(inst)
                    ? QStringLiteral("Stopped: nothing bills while it is stopped.")
                    : stoppedBillingNote(inst, provider ? provider->displayName() : inst.provider))
            << '\n';
    }
    if (p.isSet(QStringLiteral("json")))
        out << json(instanceJson(fleet, inst));
    else
        out << inst.id << ' ' << statusName(inst.status) << '\n';
    return 0;
}

int cmdAllowSsh(Fleet& fleet, const QStringList& args, QTextStream& out, QTextStream& err)
{
    if (args.size() != 1 || args.first().startsWith(QLatin1Char('-')))
        return usage(err, QStringLiteral("usage: allow-ssh ID"));
    refreshAll(fleet, err);
    Result<QString> r = awaitResult<QString>(
        [&](Callback<QString> done) { fleet.allowSshFromHere(args.first(), done); });
    if (!r.ok())
        return fail(err, r.error());
    out << r.value() << '\n';
    return 0;
}

int cmdDestroy(Fleet& fleet, const QStringList& args, QTextStream& out, QTextStream& err)
{
    QCommandLineParser p;
    p.addOption(
        {QStringLiteral("yes"), QStringLiteral("Confirm: the machine and its disk are deleted.")});
    p.addOption({QStringLiteral("json"), QStringLiteral("JSON output.")});
    p.addPositionalArgument(QStringLiteral("ID"), QStringLiteral("Instance id."));
    if (!parse(p, QStringLiteral("destroy"), args, err))
        return kExitUsage;
    if (p.positionalArguments().size() != 1)
        return usage(err, QStringLiteral("usage: destroy ID --yes"));
    if (!p.isSet(QStringLiteral("yes"))) {
        err << "gpudeck-cli: destroy deletes the machine and everything on its disk; add --yes to "
               "confirm\n";
        return kExitUsage;
    }
    const QString id = p.positionalArguments().first();
    refreshAll(fleet, err);
    Result<Recap> recap =
        awaitResult<Recap>([&](Callback<Recap> done) { fleet.destroy(id, done); });
    if (!recap.ok())
        return fail(err, recap.error());
    if (p.isSet(QStringLiteral("json")))
        out << json(recap->toJson());
    else
        printRecap(recap.value(), out);
    return 0;
}

int cmdLedger(Fleet& fleet, const QStringList& args, QTextStream& out, QTextStream& err)
{
    QCommandLineParser p;
    p.addOption({QStringLiteral("json"), QStringLiteral("JSON output.")});
    p.addOption(
        {QStringLiteral("csv"), QStringLiteral("Write CSV to FILE."), QStringLiteral("FILE")});
    if (!parse(p, QStringLiteral("ledger"), args, err))
        return kExitUsage;
    if (p.isSet(QStringLiteral("csv"))) {
        Result<void> written = fleet.ledger().exportCsv(p.value(QStringLiteral("csv")));
        return written.ok() ? 0 : fail(err, written.error());
    }
    Result<QList<Recap>> recaps = fleet.ledger().all();
    if (!recaps.ok())
        return fail(err, recaps.error());
    if (p.isSet(QStringLiteral("json"))) {
        QJsonArray a;
        for (const Recap& r : recaps.value())
            a.append(r.toJson());
        out << json(a);
        return 0;
    }
    qint64 total = 0;
    for (const Recap& r : recaps.value()) {
        out << r.destroyedAt.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm")) << "  "
            << padded(r.instance.id, 14) << padded(r.instance.name, 20)
            << padded(formatDuration(r.cost.wallSeconds), 14) << formatCents(r.cost.totalCents())
            << '\n';
        total += r.cost.totalCents();
    }
    out << "Total: " << formatCents(total) << '\n';
    return 0;
}

int cmdCost(Fleet& fleet, const QStringList& args, QTextStream& out, QTextStream& err)
{
    QCommandLineParser p;
    p.addOption({QStringLiteral("since"),
                 QStringLiteral("Only machines destroyed on or after DATE."),
                 QStringLiteral("DATE")});
    p.addOption({QStringLiteral("json"), QStringLiteral("JSON output.")});
    if (!parse(p, QStringLiteral("cost"), args, err))
        return kExitUsage;
    QDate since;
    if (p.isSet(QStringLiteral("since"))) {
        since = QDate::fromString(p.value(QStringLiteral("since")), Qt::ISODate);
        if (!since.isValid())
            return usage(err, QStringLiteral("--since needs a date like 2026-11-30"));
    }
    Result<QList<Recap>> recaps = fleet.ledger().all();
    if (!recaps.ok())
        return fail(err, recaps.error());
    const CostReport report = costReport(recaps.value(), since);
    // What the machines still running have cost so far: not in the ledger until destroyed.
    const QList<Error> errors = refreshAll(fleet, err);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    qint64 runningCents = 0;
    int running = 0;
    for (const Instance& i : fleet.instances()) {
        if (i.status == InstanceStatus::Destroyed)
            continue;
        runningCents += costOf(i, now).totalCents();
        ++running;
    }
    if (p.isSet(QStringLiteral("json"))) {
        QJsonObject o = report.toJson();
        o.insert(QStringLiteral("since"),
                 since.isValid() ? since.toString(Qt::ISODate) : QJsonValue(QJsonValue::Null));
        o.insert(QStringLiteral("not_destroyed"),
                 QJsonObject{{QStringLiteral("machines"), running},
                             {QStringLiteral("cost_so_far_usd"), centsToUsd(runningCents)}});
        out << json(o);
        return errors.isEmpty() ? 0 : kExitError;
    }
    const auto table = [&](const QString& title, const QList<CostReport::Row>& rows) {
        out << title << '\n';
        for (const CostReport::Row& r : rows)
            out << "  " << padded(r.key, 32) << padded(QString::number(r.machines), 5)
                << padded(formatDuration(r.billedSeconds), 14) << formatCents(r.totalCents())
                << '\n';
        if (rows.isEmpty())
            out << "  (nothing destroyed yet)\n";
    };
    out << "Destroyed machines"
        << (since.isValid() ? QStringLiteral(" since ") + since.toString(Qt::ISODate) : QString())
        << ": " << report.machines << ", " << formatCents(report.totalCents)
        << " (an estimate from each provider's billing rule; the invoice decides)\n";
    table(QStringLiteral("By day:"), report.byDay);
    table(QStringLiteral("By provider:"), report.byProvider);
    table(QStringLiteral("By instance:"), report.byInstance);
    out << "Not destroyed: " << running << " machine(s), " << formatCents(runningCents)
        << " so far, still counting\n";
    return errors.isEmpty() ? 0 : kExitError;
}

} // namespace

int run(const QStringList& args, QTextStream& out, QTextStream& err)
{
    if (args.isEmpty() || args.first() == QLatin1String("--help") ||
        args.first() == QLatin1String("-h") || args.first() == QLatin1String("help")) {
        out << kUsage;
        return args.isEmpty() ? kExitUsage : 0;
    }
    if (args.first() == QLatin1String("--version")) {
        out << "gpudeck-cli " << GPUDECK_VERSION << '\n';
        return 0;
    }
    const QString command = args.first();
    QStringList rest = args.mid(1);
    static const QStringList known{
        QStringLiteral("plans"),          QStringLiteral("ls"),        QStringLiteral("launch"),
        QStringLiteral("exec"),           QStringLiteral("job"),       QStringLiteral("stop"),
        QStringLiteral("start"),          QStringLiteral("allow-ssh"), QStringLiteral("destroy"),
        QStringLiteral("ledger"),         QStringLiteral("cost"),      QStringLiteral("ssh"),
        QStringLiteral("hosts"),          QStringLiteral("parse-smi"), QStringLiteral("parse-log"),
        QStringLiteral("watch"),          QStringLiteral("put"),       QStringLiteral("get"),
        QStringLiteral("forget-host-key")};
    if (!known.contains(command))
        return usage(err, QStringLiteral("unknown command \"%1\"").arg(command));
    if (command == QLatin1String("parse-smi"))
        return parseSmi(rest, out, err); // reads a local file: no fleet to open
    if (command == QLatin1String("parse-log"))
        return parseLog(rest, out, err);

    Fleet fleet(AppPaths::standard());
    Result<void> opened = fleet.open();
    if (!opened.ok())
        return fail(err, opened.error());
    // Cloud tokens come from each provider's conventional environment variable (LINODE_TOKEN,
    // DIGITALOCEAN_TOKEN, ...); the window also reads the keychain.
    SecretStore secrets;
    Accounts accounts(fleet, secrets);
    accounts.load({}, Accounts::Keychain::Skip);
    for (const QString& interrupted : fleet.interruptedLaunches())
        err << "gpudeck-cli: warning: a launch was interrupted before its answer arrived ("
            << interrupted << "); check `gpudeck-cli ls` for a machine you did not expect.\n";

    // Commands that name an instance take --provider too: only that cloud is asked.
    static const QStringList byId = {QStringLiteral("exec"),
                                     QStringLiteral("job"),
                                     QStringLiteral("stop"),
                                     QStringLiteral("start"),
                                     QStringLiteral("ssh"),
                                     QStringLiteral("put"),
                                     QStringLiteral("get"),
                                     QStringLiteral("watch"),
                                     QStringLiteral("allow-ssh"),
                                     QStringLiteral("destroy"),
                                     QStringLiteral("forget-host-key")};
    if (byId.contains(command)) {
        const std::optional<QString> only = takeProvider(rest);
        if (only && !fleet.provider(*only))
            return usage(err, QStringLiteral("unknown provider \"%1\"").arg(*only));
        if (only)
            fleet.restrictTo(*only);
    }

    int rc = kExitUsage;
    if (command == QLatin1String("plans"))
        rc = cmdPlans(fleet, rest, out, err);
    else if (command == QLatin1String("ls"))
        rc = cmdLs(fleet, rest, out, err);
    else if (command == QLatin1String("launch"))
        rc = cmdLaunch(fleet, rest, out, err);
    else if (command == QLatin1String("exec"))
        rc = cmdExec(fleet, rest, err);
    else if (command == QLatin1String("job"))
        rc = cmdJob(fleet, rest, out, err);
    else if (command == QLatin1String("stop") || command == QLatin1String("start"))
        rc = cmdPower(fleet, command == QLatin1String("start"), rest, out, err);
    else if (command == QLatin1String("allow-ssh"))
        rc = cmdAllowSsh(fleet, rest, out, err);
    else if (command == QLatin1String("destroy"))
        rc = cmdDestroy(fleet, rest, out, err);
    else if (command == QLatin1String("put"))
        rc = put(fleet, rest, out, err);
    else if (command == QLatin1String("get"))
        rc = get(fleet, rest, out, err);
    else if (command == QLatin1String("watch"))
        rc = cmdWatch(fleet, rest, out, err);
    else if (command == QLatin1String("ssh"))
        rc = cmdSsh(fleet, rest, err);
    else if (command == QLatin1String("hosts"))
        rc = cmdHosts(fleet, rest, out, err);
    else if (command == QLatin1String("ledger"))
        rc = cmdLedger(fleet, rest, out, err);
    else if (command == QLatin1String("cost"))
        rc = cmdCost(fleet, rest, out, err);
    else if (command == QLatin1String("forget-host-key"))
        rc = cmdForgetHostKey(fleet, rest, out, err);
    out.flush();
    err.flush();
    return rc;
}

} // namespace gpudeck::cli
