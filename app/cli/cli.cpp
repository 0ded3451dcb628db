#include "cli.h"

#include "await.h"
#include "billing.h"
#include "fleet.h"
#include "ledger.h"
#include "remote.h"

#include <QCommandLineParser>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTextStream>

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
    "  ls [--json]                          your instances, with host, port, user and key\n"
    "  launch --provider P --plan ID [--region R] [--name N] [--wait] [--json]\n"
    "                                       launch one machine (never sent twice)\n"
    "  exec ID -- CMD...                    run a command over SSH; exits with its status\n"
    "  destroy ID --yes [--json]            destroy, wait for the provider to confirm, print\n"
    "                                       the cost recap\n"
    "  ledger [--json] [--csv FILE]         every recap so far\n"
    "\n"
    "Providers: sandbox (built in, no account needed).\n"
    "State lives in the XDG folders ($XDG_CONFIG_HOME, $XDG_DATA_HOME, $XDG_STATE_HOME,\n"
    "$XDG_CACHE_HOME under gpudeck/); the GUI sees the same instances.\n";

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
    fleet.fetchCatalog([&](QList<Plan> got, QList<Error> errs) {
        plans = std::move(got);
        errors = std::move(errs);
        loop.quit();
    });
    loop.exec();
    for (const Error& e : errors)
        err << "gpudeck-cli: " << e.message << '\n';
    if (!only.isEmpty())
        plans.removeIf([&](const Plan& pl) { return pl.provider != only; });
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
    return errors.isEmpty() ? 0 : kExitError;
}

int cmdLs(Fleet& fleet, const QStringList& args, QTextStream& out, QTextStream& err)
{
    QCommandLineParser p;
    p.addOption({QStringLiteral("json"), QStringLiteral("JSON output.")});
    if (!parse(p, QStringLiteral("ls"), args, err))
        return kExitUsage;
    const QList<Error> errors = refreshAll(fleet, err);
    if (p.isSet(QStringLiteral("json"))) {
        QJsonArray a;
        for (const Instance& i : fleet.instances())
            a.append(instanceJson(fleet, i));
        out << json(a);
    } else {
        out << padded(QStringLiteral("ID"), 14) << padded(QStringLiteral("NAME"), 20)
            << padded(QStringLiteral("STATUS"), 13) << padded(QStringLiteral("SSH"), 36)
            << padded(QStringLiteral("RATE"), 10) << QStringLiteral("COST SO FAR") << '\n';
        const QDateTime now = QDateTime::currentDateTimeUtc();
        for (const Instance& i : fleet.instances()) {
            out << padded(i.id, 14) << padded(i.name, 20) << padded(statusName(i.status), 13)
                << padded(QStringLiteral("%1@%2:%3").arg(i.user, i.host).arg(i.sshPort), 36)
                << padded(formatHourly(i.priceHourly), 10)
                << formatCents(costOf(i, now).totalCents()) << '\n';
        }
        if (fleet.instances().isEmpty())
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

int cmdExec(Fleet& fleet, const QStringList& args, QTextStream& err)
{
    const qsizetype dashes = args.indexOf(QStringLiteral("--"));
    if (args.isEmpty() || dashes != 1 || dashes + 1 >= args.size())
        return usage(err, QStringLiteral("usage: exec ID -- CMD..."));
    const QString id = args.first();
    const QString command = args.mid(dashes + 1).join(QLatin1Char(' ')); // as ssh joins them
    refreshAll(fleet, err);
    const std::optional<Instance> inst = fleet.find(id);
    if (!inst)
        return fail(err, makeError(ErrorCode::NotFound,
                                   QStringLiteral("No instance %1. Run `gpudeck-cli ls` to see "
                                                  "your instances.")
                                       .arg(id)));
    if (inst->status != InstanceStatus::Running)
        return fail(err, makeError(ErrorCode::Conflict,
                                   QStringLiteral("%1 is %2, not running; wait for it (launch "
                                                  "--wait) or start it.")
                                       .arg(id, statusName(inst->status))));
    err.flush();
    Result<int> status =
        runRemote(endpointFor(*inst, fleet.keyPathFor(*inst), fleet.paths()), command,
                  [](const QByteArray& data, bool isStderr) {
                      std::FILE* f = isStderr ? stderr : stdout;
                      std::fwrite(data.constData(), 1, static_cast<size_t>(data.size()), f);
                      std::fflush(f);
                  });
    if (!status.ok())
        return fail(err, status.error());
    return status.value();
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
    const QStringList rest = args.mid(1);
    static const QStringList known{QStringLiteral("plans"),   QStringLiteral("ls"),
                                   QStringLiteral("launch"),  QStringLiteral("exec"),
                                   QStringLiteral("destroy"), QStringLiteral("ledger")};
    if (!known.contains(command))
        return usage(err, QStringLiteral("unknown command \"%1\"").arg(command));

    Fleet fleet(AppPaths::standard());
    Result<void> opened = fleet.open();
    if (!opened.ok())
        return fail(err, opened.error());
    for (const QString& interrupted : fleet.interruptedLaunches())
        err << "gpudeck-cli: warning: a launch was interrupted before its answer arrived ("
            << interrupted << "); check `gpudeck-cli ls` for a machine you did not expect.\n";

    int rc = kExitUsage;
    if (command == QLatin1String("plans"))
        rc = cmdPlans(fleet, rest, out, err);
    else if (command == QLatin1String("ls"))
        rc = cmdLs(fleet, rest, out, err);
    else if (command == QLatin1String("launch"))
        rc = cmdLaunch(fleet, rest, out, err);
    else if (command == QLatin1String("exec"))
        rc = cmdExec(fleet, rest, err);
    else if (command == QLatin1String("destroy"))
        rc = cmdDestroy(fleet, rest, out, err);
    else if (command == QLatin1String("ledger"))
        rc = cmdLedger(fleet, rest, out, err);
    out.flush();
    err.flush();
    return rc;
}

} // namespace gpudeck::cli
