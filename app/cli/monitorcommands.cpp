#include "monitorcommands.h"

#include "logparser.h"
#include "progress.h"
#include "smicapture.h"

#include <QCommandLineParser>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTextStream>

#include <cmath>

namespace gpudeck::cli {

using namespace gpudeck::monitor;

namespace {

constexpr int kExitError = 1;
constexpr int kExitUsage = 2;
// Captures and logs are text; a bigger file is the wrong file (a checkpoint, a dataset).
constexpr qint64 kMaxInputBytes = 512LL << 20;

int usage(QTextStream& err, const QString& command, const QString& problem)
{
    err << "gpudeck-cli " << command << ": " << problem << "\n";
    if (command == QLatin1String("parse-smi"))
        err << "usage: gpudeck-cli parse-smi FILE [--fields LIST] [--json]\n";
    else
        err << "usage: gpudeck-cli parse-log FILE [--format "
               "auto|keras|pytorch|lightning|hf|fastai|yolo|jsonl] [--regex RE] "
               "[--rate USD_PER_HOUR] [--json]\n";
    err.flush();
    return kExitUsage;
}

bool parseArgs(QCommandLineParser& p, const QString& command, const QStringList& args,
               QTextStream& err)
{
    p.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    p.addPositionalArgument(QStringLiteral("FILE"), QStringLiteral("The file, or - for stdin."));
    if (!p.parse(QStringList{QStringLiteral("gpudeck-cli ") + command} + args)) {
        usage(err, command, p.errorText());
        return false;
    }
    if (p.positionalArguments().size() != 1) {
        usage(err, command, QStringLiteral("give exactly one FILE"));
        return false;
    }
    return true;
}

std::optional<QByteArray> readInput(const QString& path, const QString& command, QTextStream& err)
{
    QFile f;
    const bool ok = path == QLatin1String("-") ? f.open(stdin, QIODevice::ReadOnly)
                                               : (f.setFileName(path), f.open(QIODevice::ReadOnly));
    if (!ok) {
        err << "gpudeck-cli " << command << ": cannot read " << path << ": " << f.errorString()
            << "\n";
        err.flush();
        return std::nullopt;
    }
    QByteArray data = f.read(kMaxInputBytes + 1);
    if (data.size() > kMaxInputBytes) {
        err << "gpudeck-cli " << command << ": " << path
            << " is larger than 512 MiB; this is not a capture or a log.\n";
        err.flush();
        return std::nullopt;
    }
    return data;
}

QString jsonText(const QJsonObject& o)
{
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Indented));
}

// JSON has no NaN or infinity: those travel as the strings "nan", "inf", "-inf".
QJsonValue number(double v)
{
    if (std::isnan(v))
        return QStringLiteral("nan");
    if (std::isinf(v))
        return v > 0 ? QStringLiteral("inf") : QStringLiteral("-inf");
    return v;
}

template <typename T> QJsonValue optionalJson(const std::optional<T>& v)
{
    if (!v)
        return QJsonValue::Null;
    if constexpr (std::is_same_v<T, QString>)
        return *v;
    else
        return number(static_cast<double>(*v));
}

QString text(double v, int precision = 6)
{
    if (std::isnan(v))
        return QStringLiteral("nan");
    if (std::isinf(v))
        return v > 0 ? QStringLiteral("inf") : QStringLiteral("-inf");
    return QString::number(v, 'g', precision);
}

template <typename T> QString readingText(const Reading<T>& r, const QString& unit = {})
{
    if (!r.has_value())
        return r.absence() == Absence::NotReported
                   ? QStringLiteral("-")
                   : absenceText(r.absence()).remove(QLatin1Char('[')).remove(QLatin1Char(']'));
    if constexpr (std::is_same_v<T, QString>)
        return *r;
    else
        return text(static_cast<double>(*r)) + unit;
}

QString padded(const QString& s, int width)
{
    return s.leftJustified(width, QLatin1Char(' '), false) + QLatin1Char(' ');
}

// --- parse-smi ---

template <typename T>
void putReading(QJsonObject& o, QJsonObject& absent, const char* key, const Reading<T>& r)
{
    const QString k = QString::fromLatin1(key);
    o.insert(k, optionalJson(r.optional()));
    if (!r.has_value() && r.absence() != Absence::NotReported)
        absent.insert(k, absenceText(r.absence()));
}

QJsonObject migJson(const MigDevice& m)
{
    QJsonObject o;
    QJsonObject absent;
    o.insert(QStringLiteral("gpu_index"), optionalJson(m.gpuIndex));
    o.insert(QStringLiteral("mig_index"), optionalJson(m.migIndex));
    o.insert(QStringLiteral("gpu_instance_id"), optionalJson(m.gpuInstanceId));
    o.insert(QStringLiteral("compute_instance_id"), optionalJson(m.computeInstanceId));
    o.insert(QStringLiteral("profile"), m.profile);
    o.insert(QStringLiteral("uuid"), m.uuid);
    putReading(o, absent, "sm_count", m.smCount);
    putReading(o, absent, "memory_used_mib", m.memoryUsedMiB);
    putReading(o, absent, "memory_total_mib", m.memoryTotalMiB);
    if (!absent.isEmpty())
        o.insert(QStringLiteral("absent"), absent);
    return o;
}

QJsonObject gpuJson(const GpuSample& g)
{
    QJsonObject o;
    QJsonObject absent;
    o.insert(QStringLiteral("index"), optionalJson(g.index));
    o.insert(QStringLiteral("uuid"), g.uuid);
    o.insert(QStringLiteral("name"), g.name);
    o.insert(QStringLiteral("name_truncated"), g.nameTruncated);
    o.insert(QStringLiteral("bus_id"), g.busId);
    o.insert(QStringLiteral("timestamp"), g.timestamp.isValid()
                                              ? QJsonValue(g.timestamp.toString(Qt::ISODateWithMs))
                                              : QJsonValue(QJsonValue::Null));
    putReading(o, absent, "utilization_gpu_percent", g.utilizationGpuPercent);
    putReading(o, absent, "utilization_memory_percent", g.utilizationMemoryPercent);
    putReading(o, absent, "memory_used_mib", g.memoryUsedMiB);
    putReading(o, absent, "memory_total_mib", g.memoryTotalMiB);
    putReading(o, absent, "temperature_c", g.temperatureC);
    putReading(o, absent, "memory_temperature_c", g.memoryTemperatureC);
    putReading(o, absent, "power_draw_w", g.powerDrawW);
    putReading(o, absent, "power_limit_w", g.powerLimitW);
    putReading(o, absent, "sm_clock_mhz", g.smClockMHz);
    putReading(o, absent, "graphics_clock_mhz", g.graphicsClockMHz);
    putReading(o, absent, "memory_clock_mhz", g.memoryClockMHz);
    putReading(o, absent, "pstate", g.pstate);
    putReading(o, absent, "fan_percent", g.fanPercent);
    o.insert(QStringLiteral("driver_version"), g.driverVersion);
    o.insert(QStringLiteral("driver_model"), g.driverModel);
    o.insert(QStringLiteral("persistence_mode"), g.persistence);
    o.insert(QStringLiteral("compute_mode"), g.computeMode);
    o.insert(QStringLiteral("mig_mode"), g.mig ? QJsonValue(*g.mig) : QJsonValue::Null);
    QJsonArray migs;
    for (const MigDevice& m : g.migDevices)
        migs.append(migJson(m));
    o.insert(QStringLiteral("mig_devices"), migs);
    o.insert(QStringLiteral("absent"), absent);
    return o;
}

QJsonObject processJson(const GpuProcess& p)
{
    QJsonObject o;
    QJsonObject absent;
    o.insert(QStringLiteral("gpu_index"), optionalJson(p.gpuIndex));
    o.insert(QStringLiteral("gpu_uuid"), p.gpuUuid);
    o.insert(QStringLiteral("gpu_bus_id"), p.gpuBusId);
    o.insert(QStringLiteral("gpu_instance_id"), optionalJson(p.gpuInstanceId));
    o.insert(QStringLiteral("compute_instance_id"), optionalJson(p.computeInstanceId));
    o.insert(QStringLiteral("pid"), optionalJson(p.pid));
    o.insert(QStringLiteral("type"), p.type);
    o.insert(QStringLiteral("name"), p.name);
    o.insert(QStringLiteral("name_truncated"), p.nameTruncated);
    putReading(o, absent, "used_memory_mib", p.usedMemoryMiB);
    o.insert(QStringLiteral("absent"), absent);
    return o;
}

void printSmiHuman(const QString& path, const SmiCapture& cap, QTextStream& out)
{
    const QList<GpuSample> gpus = cap.gpus();
    const SmiSection* best = cap.bestSection();
    out << path << ": " << cap.sections.size() << " section(s):";
    for (const SmiSection& s : cap.sections)
        out << ' ' << sectionKindName(s.kind) << "@" << s.firstLine;
    out << '\n';
    if (!cap.driverVersion().isEmpty() || !cap.cudaVersion().isEmpty())
        out << "Driver "
            << (cap.driverVersion().isEmpty() ? QStringLiteral("?") : cap.driverVersion())
            << ", CUDA " << (cap.cudaVersion().isEmpty() ? QStringLiteral("?") : cap.cudaVersion())
            << '\n';
    if (best)
        out << "GPUs from the " << sectionKindName(best->kind) << " section at line "
            << best->firstLine << ":\n";
    out << padded(QStringLiteral("GPU"), 4) << padded(QStringLiteral("NAME"), 30)
        << padded(QStringLiteral("BUS ID"), 17) << padded(QStringLiteral("UTIL"), 6)
        << padded(QStringLiteral("MEMORY USED/TOTAL"), 22) << padded(QStringLiteral("TEMP"), 6)
        << padded(QStringLiteral("POWER/LIMIT"), 16) << padded(QStringLiteral("PSTATE"), 6)
        << QStringLiteral("FAN") << '\n';
    qint64 totalMemory = 0;
    for (const GpuSample& g : gpus) {
        totalMemory += g.memoryTotalMiB.value_or(0);
        out << padded(g.index ? QString::number(*g.index) : QStringLiteral("?"), 4)
            << padded(g.name, 30) << padded(g.busId, 17)
            << padded(readingText(g.utilizationGpuPercent, QStringLiteral("%")), 6)
            << padded(readingText(g.memoryUsedMiB) + QStringLiteral(" / ") +
                          readingText(g.memoryTotalMiB) + QStringLiteral(" MiB"),
                      22)
            << padded(readingText(g.temperatureC, QStringLiteral(" C")), 6)
            << padded(readingText(g.powerDrawW) + QStringLiteral(" / ") +
                          readingText(g.powerLimitW) + QStringLiteral(" W"),
                      16)
            << padded(readingText(g.pstate), 6) << readingText(g.fanPercent, QStringLiteral("%"))
            << '\n';
        for (const MigDevice& m : g.migDevices) {
            out << "    MIG " << (m.migIndex ? QString::number(*m.migIndex) : QStringLiteral("?"));
            if (!m.profile.isEmpty())
                out << ' ' << m.profile;
            if (m.gpuInstanceId)
                out << " GI " << *m.gpuInstanceId;
            if (m.computeInstanceId)
                out << " CI " << *m.computeInstanceId;
            if (m.memoryTotalMiB)
                out << ": " << readingText(m.memoryUsedMiB) << " / "
                    << readingText(m.memoryTotalMiB) << " MiB";
            if (m.smCount)
                out << ", " << *m.smCount << " SMs";
            out << '\n';
        }
    }
    const QList<GpuProcess> procs = cap.processes();
    if (!procs.isEmpty()) {
        out << "Processes:\n";
        for (const GpuProcess& p : procs) {
            out << "  GPU "
                << (p.gpuIndex ? QString::number(*p.gpuIndex)
                               : (p.gpuUuid.isEmpty() ? p.gpuBusId : p.gpuUuid))
                << "  PID " << (p.pid ? QString::number(*p.pid) : QStringLiteral("?")) << "  "
                << (p.type.isEmpty() ? QStringLiteral("-") : p.type) << "  " << p.name << "  "
                << readingText(p.usedMemoryMiB, QStringLiteral(" MiB")) << '\n';
        }
    }
    out << "Total: " << gpus.size() << " GPU(s), " << totalMemory << " MiB\n";
    for (const QString& w : cap.warnings)
        out << "Warning: " << w << '\n';
}

// --- parse-log ---

QJsonObject epochJson(const Epoch& e, const std::optional<double>& derivedDuration)
{
    QJsonObject o;
    o.insert(QStringLiteral("number"), e.number);
    o.insert(QStringLiteral("total"), optionalJson(e.total));
    o.insert(QStringLiteral("complete"), e.complete);
    o.insert(QStringLiteral("duration_seconds"), optionalJson(derivedDuration));
    o.insert(QStringLiteral("elapsed_seconds"), optionalJson(e.elapsedSeconds));
    o.insert(QStringLiteral("steps_done"), optionalJson(e.stepsDone));
    o.insert(QStringLiteral("steps_total"), optionalJson(e.stepsTotal));
    QJsonObject metrics;
    for (auto it = e.metrics.cbegin(); it != e.metrics.cend(); ++it)
        metrics.insert(it.key(), number(it.value()));
    o.insert(QStringLiteral("metrics"), metrics);
    const auto loss = primaryLoss(e);
    o.insert(QStringLiteral("loss"), loss ? number(*loss) : QJsonValue(QJsonValue::Null));
    if (e.observedAt.isValid())
        o.insert(QStringLiteral("observed_at"), e.observedAt.toString(Qt::ISODateWithMs));
    return o;
}

QJsonObject etaJson(const EtaEstimate& eta, std::optional<double> rate)
{
    QJsonObject o;
    o.insert(QStringLiteral("completed_epochs"), eta.completedEpochs);
    o.insert(QStringLiteral("total_epochs"), optionalJson(eta.totalEpochs));
    o.insert(QStringLiteral("seconds_per_epoch"), optionalJson(eta.secondsPerEpoch));
    o.insert(QStringLiteral("remaining_epochs"), optionalJson(eta.remainingEpochs()));
    o.insert(QStringLiteral("remaining_seconds"), optionalJson(eta.remainingSeconds));
    if (rate) {
        o.insert(QStringLiteral("rate_usd_per_hour"), *rate);
        o.insert(QStringLiteral("projected_cost_usd"), optionalJson(projectedCostUsd(eta, *rate)));
    }
    return o;
}

QString durationText(double seconds)
{
    if (seconds < 60)
        return QString::number(seconds, 'f', seconds < 10 ? 2 : 1) + QStringLiteral(" s");
    const auto s = static_cast<qint64>(std::llround(seconds));
    if (s < 3600)
        return QStringLiteral("%1 min %2 s").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1 h %2 min")
        .arg(s / 3600)
        .arg((s % 3600) / 60, 2, 10, QLatin1Char('0'));
}

void printRunHuman(const Run& run, std::optional<double> rate, QTextStream& out)
{
    const auto planned = run.plannedEpochs();
    out << run.name << " (" << logFormatName(run.format) << "): " << run.epochs.size()
        << " epoch(s), " << run.completedEpochs() << " complete";
    if (planned)
        out << ", planned " << *planned;
    if (run.totalSeconds)
        out << ", total time " << durationText(*run.totalSeconds);
    if (run.finished)
        out << ", ended";
    out << '\n';
    // Columns: every metric the run logged, the training loss first.
    QStringList names;
    QSet<QString> seen;
    if (!run.epochs.isEmpty()) {
        if (const QString loss = primaryLossName(run.epochs.last()); !loss.isEmpty()) {
            names.append(loss);
            seen.insert(loss);
        }
    }
    for (const Epoch& e : run.epochs) {
        for (auto it = e.metrics.cbegin(); it != e.metrics.cend(); ++it) {
            if (!seen.contains(it.key())) {
                seen.insert(it.key());
                names.append(it.key());
            }
        }
    }
    const QList<std::optional<double>> durations = epochDurations(run);
    out << "  " << padded(QStringLiteral("EPOCH"), 9) << padded(QStringLiteral("TIME"), 11);
    for (const QString& n : names)
        out << padded(n, std::max<int>(10, static_cast<int>(n.size())));
    out << '\n';
    for (qsizetype i = 0; i < run.epochs.size(); ++i) {
        const Epoch& e = run.epochs[i];
        QString number = QString::number(e.number);
        if (e.total)
            number += QLatin1Char('/') + QString::number(*e.total);
        if (!e.complete)
            number += QLatin1Char('*');
        out << "  " << padded(number, 9)
            << padded(durations[i] ? durationText(*durations[i]) : QStringLiteral("-"), 11);
        for (const QString& n : names) {
            const int width = std::max<int>(10, static_cast<int>(n.size()));
            out << padded(e.metrics.contains(n) ? text(e.metrics.value(n)) : QStringLiteral("-"),
                          width);
        }
        out << '\n';
    }
    if (!run.epochs.isEmpty() && !run.epochs.last().complete) {
        const Epoch& e = run.epochs.last();
        out << "  * not complete (still running, or the log stops inside it)";
        if (e.stepsDone && e.stepsTotal)
            out << ": " << *e.stepsDone << "/" << *e.stepsTotal << " steps";
        out << '\n';
    }
    const EtaEstimate eta = estimateEta(run);
    if (eta.totalEpochs && !eta.finished()) {
        out << "  ETA: ";
        if (eta.remainingSeconds) {
            out << durationText(*eta.remainingSeconds) << " for " << text(*eta.remainingEpochs(), 3)
                << " epoch(s) at " << durationText(*eta.secondsPerEpoch) << " each";
            if (rate)
                if (const auto cost = projectedCostUsd(eta, *rate))
                    out << "; about $" << QString::number(*cost, 'f', 2) << " at $"
                        << QString::number(*rate, 'f', 2) << "/h";
        } else {
            out << "unknown (no epoch durations in this log)";
        }
        out << '\n';
    }
}

} // namespace

int parseSmi(const QStringList& args, QTextStream& out, QTextStream& err)
{
    const QString command = QStringLiteral("parse-smi");
    QCommandLineParser p;
    p.addOption({QStringLiteral("json"), QStringLiteral("JSON output.")});
    p.addOption({QStringLiteral("fields"),
                 QStringLiteral("Field order of noheader CSV lines (the --query-gpu list)."),
                 QStringLiteral("LIST")});
    if (!parseArgs(p, command, args, err))
        return kExitUsage;
    const QString path = p.positionalArguments().first();
    const std::optional<QByteArray> data = readInput(path, command, err);
    if (!data)
        return kExitError;
    SmiCaptureOptions options;
    options.csvFields = p.value(QStringLiteral("fields")).toUtf8();
    const Result<SmiCapture> cap = parseSmiCapture(*data, options);
    if (!cap.ok()) {
        err << "gpudeck-cli parse-smi: " << path << ": " << cap.error().message << '\n';
        err.flush();
        return kExitError;
    }
    if (p.isSet(QStringLiteral("json"))) {
        QJsonObject o;
        o.insert(QStringLiteral("file"), path);
        const QList<GpuSample> gpus = cap->gpus();
        qint64 totalMemory = 0;
        QJsonArray gpuArray;
        for (const GpuSample& g : gpus) {
            gpuArray.append(gpuJson(g));
            totalMemory += g.memoryTotalMiB.value_or(0);
        }
        o.insert(QStringLiteral("gpu_count"), gpus.size());
        o.insert(QStringLiteral("memory_total_mib"), totalMemory);
        const SmiSection* best = cap->bestSection();
        o.insert(QStringLiteral("driver_version"), cap->driverVersion());
        o.insert(QStringLiteral("cuda_version"), cap->cudaVersion());
        o.insert(QStringLiteral("best_section"),
                 best ? QJsonValue(sectionKindName(best->kind)) : QJsonValue(QJsonValue::Null));
        o.insert(QStringLiteral("gpus"), gpuArray);
        QJsonArray procs;
        for (const GpuProcess& proc : cap->processes())
            procs.append(processJson(proc));
        o.insert(QStringLiteral("processes"), procs);
        QJsonArray sections;
        for (const SmiSection& s : cap->sections) {
            QJsonObject so;
            so.insert(QStringLiteral("kind"), sectionKindName(s.kind));
            so.insert(QStringLiteral("line"), s.firstLine);
            so.insert(QStringLiteral("command"), s.command);
            so.insert(QStringLiteral("csv_layout"), s.csvLayout);
            so.insert(QStringLiteral("gpu_count"), s.snapshot.gpus.size());
            so.insert(QStringLiteral("process_count"), s.snapshot.processes.size());
            so.insert(QStringLiteral("memory_total_mib"), s.snapshot.memoryTotalMiB());
            sections.append(so);
        }
        o.insert(QStringLiteral("sections"), sections);
        o.insert(QStringLiteral("warnings"), QJsonArray::fromStringList(cap->warnings));
        out << jsonText(o);
    } else {
        printSmiHuman(path, cap.value(), out);
    }
    out.flush();
    return 0;
}

int parseLog(const QStringList& args, QTextStream& out, QTextStream& err)
{
    const QString command = QStringLiteral("parse-log");
    QCommandLineParser p;
    p.addOption({QStringLiteral("json"), QStringLiteral("JSON output.")});
    p.addOption({QStringLiteral("format"),
                 QStringLiteral("auto, keras, pytorch, lightning, hf, fastai, yolo or jsonl."),
                 QStringLiteral("NAME"), QStringLiteral("auto")});
    p.addOption({QStringLiteral("regex"),
                 QStringLiteral("A regular expression with named groups (epoch, metrics...)."),
                 QStringLiteral("RE")});
    p.addOption({QStringLiteral("rate"), QStringLiteral("Hourly price, for the cost to finish."),
                 QStringLiteral("USD_PER_HOUR")});
    if (!parseArgs(p, command, args, err))
        return kExitUsage;
    const std::optional<LogFormat> format = logFormatFromName(p.value(QStringLiteral("format")));
    if (!format)
        return usage(
            err, command,
            QStringLiteral("unknown format \"%1\"").arg(p.value(QStringLiteral("format"))));
    const bool regex = p.isSet(QStringLiteral("regex"));
    if (*format == LogFormat::Regex && !regex)
        return usage(err, command, QStringLiteral("--format regex needs --regex RE"));
    if (regex && *format != LogFormat::Unknown && *format != LogFormat::Regex)
        return usage(err, command,
                     QStringLiteral("--regex and --format %1 exclude each other")
                         .arg(p.value(QStringLiteral("format"))));
    std::optional<double> rate;
    if (p.isSet(QStringLiteral("rate"))) {
        bool ok = false;
        rate = p.value(QStringLiteral("rate")).toDouble(&ok);
        if (!ok || *rate < 0)
            return usage(err, command, QStringLiteral("--rate needs a price in USD per hour"));
    }
    const QString path = p.positionalArguments().first();
    const std::optional<QByteArray> data = readInput(path, command, err);
    if (!data)
        return kExitError;
    const Result<QList<Run>> runs = regex
                                        ? parseLogWithRegex(*data, p.value(QStringLiteral("regex")))
                                        : parseLog(*data, *format);
    if (!runs.ok()) {
        err << "gpudeck-cli parse-log: " << path << ": " << runs.error().message << '\n';
        err.flush();
        return runs.error().code == ErrorCode::InvalidInput && regex &&
                       runs.error().message.startsWith(QLatin1String("The regular expression"))
                   ? kExitUsage
                   : kExitError;
    }
    if (p.isSet(QStringLiteral("json"))) {
        QJsonObject o;
        o.insert(QStringLiteral("file"), path);
        o.insert(QStringLiteral("format"),
                 logFormatName(runs->isEmpty() ? LogFormat::Unknown : runs->first().format));
        QJsonArray runArray;
        for (const Run& r : runs.value()) {
            QJsonObject ro;
            ro.insert(QStringLiteral("name"), r.name);
            ro.insert(QStringLiteral("format"), logFormatName(r.format));
            ro.insert(QStringLiteral("planned_epochs"), optionalJson(r.plannedEpochs()));
            ro.insert(QStringLiteral("completed_epochs"), r.completedEpochs());
            ro.insert(QStringLiteral("total_seconds"), optionalJson(r.totalSeconds));
            ro.insert(QStringLiteral("ended"), r.finished);
            const QList<std::optional<double>> durations = epochDurations(r);
            QJsonArray epochs;
            for (qsizetype i = 0; i < r.epochs.size(); ++i)
                epochs.append(epochJson(r.epochs[i], durations[i]));
            ro.insert(QStringLiteral("epochs"), epochs);
            ro.insert(QStringLiteral("eta"), etaJson(estimateEta(r), rate));
            runArray.append(ro);
        }
        o.insert(QStringLiteral("runs"), runArray);
        out << jsonText(o);
    } else {
        out << path << ": " << runs->size() << " run(s), "
            << logFormatTitle(runs->isEmpty() ? LogFormat::Unknown : runs->first().format) << '\n';
        for (const Run& r : runs.value())
            printRunHuman(r, rate, out);
    }
    out.flush();
    return 0;
}

} // namespace gpudeck::cli
