// Cold start to the first painted main window, and resident memory once idle.
//
// Runs `gpudeck` N times (fresh XDG folders each run, so no warm caches of ours), timing from
// process start to the window's first paint (reported by the app when GPUDECK_BENCH_STARTUP is
// set), then reading VmRSS after an idle period. The baseline uses the same probe
// (ui/startupprobe). For scale it does the same with an empty QMainWindow in this very program
// (--baseline child mode): the cost of Qt itself.
//
//   gpudeck-bench-startup [--runs N] [--idle-ms MS]
#include "startupprobe.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFile>
#include <QMainWindow>
#include <QProcess>
#include <QTemporaryDir>
#include <QTextStream>
#include <QTimer>

#include <algorithm>
#include <cstdio>

namespace {

struct Sample {
    double firstPaintMs = 0;
    double rssMb = 0;
};

int baselineChild(int argc, char* argv[], int idleMs)
{
    QApplication app(argc, argv);
    QMainWindow w;
    w.resize(1180, 720);
    w.installEventFilter(new gpudeck::StartupProbe(idleMs, &w));
    w.show();
    return app.exec();
}

bool runOnce(const QString& program, const QStringList& args, int idleMs, Sample& out)
{
    QTemporaryDir home;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char* v : {"XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"})
        env.insert(QString::fromLatin1(v), home.path() + QLatin1Char('/') + QString::fromLatin1(v));
    env.insert(QStringLiteral("GPUDECK_BENCH_STARTUP"), QString::number(idleMs));
    QProcess p;
    p.setProcessEnvironment(env);
    p.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    QElapsedTimer t;
    t.start();
    p.start(program, args);
    if (!p.waitForStarted(10000))
        return false;
    QByteArray seen;
    while (!seen.contains("first-paint\n")) {
        if (!p.waitForReadyRead(20000))
            return false;
        seen += p.readAllStandardOutput();
    }
    out.firstPaintMs = static_cast<double>(t.nsecsElapsed()) / 1e6;
    if (!p.waitForFinished(idleMs + 20000))
        return false;
    seen += p.readAllStandardOutput();
    for (const QByteArray& line : seen.split('\n')) {
        if (line.startsWith("VmRSS:"))
            out.rssMb = line.split(' ').value(1).toDouble() / 1024.0;
    }
    return true;
}

void report(QTextStream& out, const QString& what, QList<Sample> samples)
{
    auto median = [](QList<double> v) {
        std::sort(v.begin(), v.end());
        return v.isEmpty() ? 0.0 : v.at(v.size() / 2);
    };
    QList<double> paint;
    QList<double> rss;
    for (const Sample& s : samples) {
        paint << s.firstPaintMs;
        rss << s.rssMb;
    }
    out << QStringLiteral("| %1 | %2 | %3 | %4 | %5 |\n")
               .arg(what)
               .arg(samples.size())
               .arg(median(paint), 0, 'f', 0)
               .arg(*std::min_element(paint.begin(), paint.end()), 0, 'f', 0)
               .arg(median(rss), 0, 'f', 1);
}

} // namespace

int main(int argc, char* argv[])
{
    for (int i = 1; i < argc; ++i) {
        if (qstrcmp(argv[i], "--baseline-child") == 0)
            return baselineChild(argc, argv, qEnvironmentVariableIntValue("GPUDECK_BENCH_STARTUP"));
    }
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption({QStringLiteral("runs"), QStringLiteral("Runs of each program."),
                      QStringLiteral("N"), QStringLiteral("10")});
    parser.addOption({QStringLiteral("idle-ms"), QStringLiteral("Idle time before reading memory."),
                      QStringLiteral("MS"), QStringLiteral("2000")});
    parser.process(app);
    const int runs = parser.value(QStringLiteral("runs")).toInt();
    const int idle = parser.value(QStringLiteral("idle-ms")).toInt();
    const QString dir = QCoreApplication::applicationDirPath();

    QTextStream out(stdout);
    out << "| program | runs | first paint, median (ms) | first paint, best (ms) | idle RSS, "
           "median (MB) |\n"
        << "|---|---|---|---|---|\n";
    const struct {
        QString name;
        QString program;
        QStringList args;
    } programs[] = {
        {QStringLiteral("empty Qt QMainWindow (baseline)"),
         QCoreApplication::applicationFilePath(),
         {QStringLiteral("--baseline-child")}},
        {QStringLiteral("gpudeck"), dir + QStringLiteral("/gpudeck"), {}},
    };
    for (const auto& prog : programs) {
        QList<Sample> samples;
        for (int i = 0; i < runs; ++i) {
            Sample s;
            if (!runOnce(prog.program, prog.args, idle, s)) {
                QTextStream(stderr) << "run of " << prog.program << " failed\n";
                return 1;
            }
            samples << s;
        }
        report(out, prog.name, samples);
        out.flush();
    }
    return 0;
}
