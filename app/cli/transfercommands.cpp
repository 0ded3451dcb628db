#include "transfercommands.h"

#include "await.h"
#include "fleet.h"
#include "transferqueue.h"

#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFileInfo>
#include <QTextStream>
#include <QTimer>

#include <cstdio>
#include <sys/ioctl.h>
#include <unistd.h>

namespace gpudeck::cli {

namespace {

constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
// The progress bar redraws at most this often: smooth to read, cheap on a slow terminal.
constexpr int kRedrawMs = 100;

const char* const kPutUsage =
    "usage: put ID LOCAL... REMOTE_DIR [--conflict resume|overwrite|skip|rename] [--verify]\n"
    "           [--parallel N] [--streams N] [--sftp] [--accept-new]";
const char* const kGetUsage =
    "usage: get ID REMOTE... LOCAL_DIR [--conflict resume|overwrite|skip|rename] [--verify]\n"
    "           [--parallel N] [--streams N] [--sftp] [--accept-new]";

int usage(QTextStream& err, const QString& problem, const char* text)
{
    if (!problem.isEmpty())
        err << "gpudeck-cli: " << problem << '\n';
    err << text << '\n'
        << "  --conflict P  when the name exists: resume (default: finish partial transfers,\n"
           "                skip what is up to date), overwrite, skip, rename (keep both)\n"
           "  --verify      compare SHA-256 checksums of both sides afterwards\n"
           "  --parallel N  items at once (default 3)\n"
           "  --streams N   SSH channels per large upload (default 4)\n"
           "  --sftp        plain SFTP only (for servers that run no commands)\n"
           "  --accept-new  record an unknown host key\n";
    err.flush();
    return kExitUsage;
}

QString humanBytes(double bytes)
{
    const char* units[] = {"B", "kB", "MB", "GB", "TB"};
    int u = 0;
    while (bytes >= 1000 && u < 4) {
        bytes /= 1000;
        ++u;
    }
    return QStringLiteral("%1 %2").arg(bytes, 0, 'f', u == 0 ? 0 : 1).arg(QLatin1String(units[u]));
}

QString humanDuration(qint64 seconds)
{
    if (seconds < 0)
        return QStringLiteral("--:--");
    if (seconds >= 3600)
        return QStringLiteral("%1:%2:%3")
            .arg(seconds / 3600)
            .arg((seconds / 60) % 60, 2, 10, QLatin1Char('0'))
            .arg(seconds % 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1:%2").arg(seconds / 60).arg(seconds % 60, 2, 10, QLatin1Char('0'));
}

int terminalWidth()
{
    winsize ws{};
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
        return ws.ws_col;
    return 80;
}

int transfer(Fleet& fleet, const QStringList& args, QTextStream& out, QTextStream& err,
             ssh::TransferDirection direction)
{
    const bool upload = direction == ssh::TransferDirection::Upload;
    const char* usageText = upload ? kPutUsage : kGetUsage;
    QCommandLineParser p;
    p.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    p.addOption({QStringLiteral("conflict"), QStringLiteral("Conflict policy."),
                 QStringLiteral("P"), QStringLiteral("resume")});
    p.addOption({QStringLiteral("verify"), QStringLiteral("Compare checksums.")});
    p.addOption({QStringLiteral("parallel"), QStringLiteral("Items at once."), QStringLiteral("N"),
                 QString::number(TransferQueue::kDefaultParallel)});
    p.addOption({QStringLiteral("streams"), QStringLiteral("Channels per upload."),
                 QStringLiteral("N"), QStringLiteral("4")});
    p.addOption({QStringLiteral("sftp"), QStringLiteral("Plain SFTP only.")});
    p.addOption(
        {QStringLiteral("compress"), QStringLiteral("Compress the connection (slow links).")});
    p.addOption({QStringLiteral("accept-new"), QStringLiteral("Record an unknown host key.")});
    if (!p.parse(QStringList{QStringLiteral("gpudeck-cli")} + args))
        return usage(err, p.errorText(), usageText);
    const QStringList pos = p.positionalArguments();
    if (pos.size() < 3)
        return usage(err, {}, usageText);
    const std::optional<ssh::ConflictPolicy> policy =
        ssh::conflictPolicyFromName(p.value(QStringLiteral("conflict")));
    if (!policy)
        return usage(err,
                     QStringLiteral("unknown conflict policy \"%1\"")
                         .arg(p.value(QStringLiteral("conflict"))),
                     usageText);
    bool okParallel = false;
    bool okStreams = false;
    const int parallel = p.value(QStringLiteral("parallel")).toInt(&okParallel);
    const int streams = p.value(QStringLiteral("streams")).toInt(&okStreams);
    if (!okParallel || parallel < 1 || !okStreams || streams < 1 || streams > 16)
        return usage(err, QStringLiteral("--parallel needs 1 or more, --streams 1 to 16"),
                     usageText);

    const QString id = pos.first();
    const QStringList sources = pos.mid(1, pos.size() - 2);
    const QString destination = pos.last();

    const QList<Error> errors = awaitResult<QList<Error>>([&](Callback<QList<Error>> done) {
                                    fleet.refresh([done](QList<Error> e) { done(e); });
                                }).value();
    const std::optional<Instance> inst = fleet.find(id);
    if (!inst) {
        for (const Error& e : errors)
            err << "gpudeck-cli: " << e.message << '\n';
        err << "gpudeck-cli: No instance " << id
            << ". Run `gpudeck-cli ls` to see your instances.\n";
        err.flush();
        return kExitFailed;
    }
    if (inst->status != InstanceStatus::Running) {
        err << "gpudeck-cli: " << id << " is " << statusName(inst->status)
            << ", not running; start it first.\n";
        err.flush();
        return kExitFailed;
    }

    TransferQueue queue;
    queue.setMaxParallel(parallel);
    int failedEarly = 0;
    for (const QString& source : sources) {
        if (upload && !QFileInfo::exists(source) && !QFileInfo(source).isSymLink()) {
            err << "gpudeck-cli: " << source << ": no such file or folder\n";
            ++failedEarly;
            continue;
        }
        ssh::TransferSpec spec;
        spec.direction = direction;
        spec.source = source;
        spec.destinationDir = destination;
        spec.conflict = *policy;
        spec.verify = p.isSet(QStringLiteral("verify"));
        spec.streams = streams;
        spec.route =
            p.isSet(QStringLiteral("sftp")) ? ssh::TransferRoute::Sftp : ssh::TransferRoute::Auto;
        TransferRequest request = TransferQueue::requestFor(fleet, *inst, spec);
        request.endpoint.compression = p.isSet(QStringLiteral("compress"));
        request.hostKeyPolicy = p.isSet(QStringLiteral("accept-new"))
                                    ? ssh::HostKeyPolicy::AcceptNew
                                    : ssh::HostKeyPolicy::Strict;
        queue.add(request);
    }

    const bool tty = ::isatty(STDERR_FILENO) == 1;
    QElapsedTimer clock;
    clock.start();
    auto allFinished = [&] {
        for (const quint64 i : queue.ids()) {
            if (!queue.item(i)->isFinished())
                return false;
        }
        return true;
    };
    auto draw = [&] {
        const TransferQueue::Totals t = queue.totals();
        const int width = terminalWidth();
        const double fraction =
            t.bytesTotal > 0 ? static_cast<double>(t.bytesDone) / static_cast<double>(t.bytesTotal)
                             : 0;
        QString current;
        for (const quint64 i : queue.ids()) {
            const TransferItem* item = queue.item(i);
            if (item->isActive()) {
                current = item->progress.currentFile.isEmpty() ? item->name()
                                                               : item->progress.currentFile;
                break;
            }
        }
        const QString stats = QStringLiteral(" %1% %2/%3 %4/s ETA %5 %6/%7 ")
                                  .arg(static_cast<int>(fraction * 100), 3)
                                  .arg(humanBytes(static_cast<double>(t.bytesDone)),
                                       humanBytes(static_cast<double>(t.bytesTotal)),
                                       humanBytes(t.bytesPerSecond), humanDuration(t.etaSeconds))
                                  .arg(t.done + t.failed)
                                  .arg(queue.ids().size());
        const int barWidth =
            std::max(10, std::min(30, width - static_cast<int>(stats.size()) - 20));
        const int filled = static_cast<int>(fraction * barWidth);
        QString line = QLatin1Char('[') + QString(filled, QLatin1Char('#')) +
                       QString(barWidth - filled, QLatin1Char('-')) + QLatin1Char(']') + stats +
                       current;
        line = line.left(width - 1);
        err << '\r' << line.leftJustified(width - 1);
        err.flush();
    };
    if (!allFinished()) {
        QEventLoop loop;
        QObject::connect(&queue, &TransferQueue::itemFinished, &loop, [&] {
            if (allFinished())
                loop.quit();
        });
        QTimer redraw;
        if (tty) {
            QObject::connect(&redraw, &QTimer::timeout, &loop, draw);
            redraw.start(kRedrawMs);
        }
        loop.exec();
        if (tty) {
            draw();
            err << '\n';
        }
    }

    int failed = failedEarly;
    qint64 moved = 0;
    for (const quint64 i : queue.ids()) {
        const TransferItem* item = queue.item(i);
        moved += item->outcome.bytes;
        switch (item->state) {
        case TransferItem::State::Done:
            out << (upload ? "uploaded " : "downloaded ") << item->request.spec.source << " -> "
                << item->outcome.target << (item->outcome.verified ? " (verified)" : "")
                << (item->outcome.resumed ? " (resumed)" : "") << '\n';
            break;
        case TransferItem::State::Skipped:
            out << "skipped " << item->request.spec.source << " (" << item->outcome.target
                << " is already there)\n";
            break;
        default:
            ++failed;
            err << "gpudeck-cli: failed: " << item->request.spec.source << ": "
                << (item->error ? item->error->message : QStringLiteral("stopped")) << '\n';
            break;
        }
    }
    const double seconds = static_cast<double>(clock.elapsed()) / 1000.0;
    out << humanBytes(static_cast<double>(moved)) << " in " << QString::number(seconds, 'f', 1)
        << " s";
    if (seconds > 0 && moved > 0)
        out << " (" << humanBytes(static_cast<double>(moved) / seconds) << "/s)";
    out << "; " << (queue.ids().size() + failedEarly - failed) << " of "
        << (queue.ids().size() + failedEarly) << " item(s) done\n";
    out.flush();
    err.flush();
    return failed > 0 ? kExitFailed : 0;
}

} // namespace

int put(Fleet& fleet, const QStringList& args, QTextStream& out, QTextStream& err)
{
    return transfer(fleet, args, out, err, ssh::TransferDirection::Upload);
}

int get(Fleet& fleet, const QStringList& args, QTextStream& out, QTextStream& err)
{
    return transfer(fleet, args, out, err, ssh::TransferDirection::Download);
}

} // namespace gpudeck::cli
