// Soak: several Sandbox machines streaming GPU metrics and a terminal printing, for a long time,
// with the process's memory sampled as it goes, then everything destroyed. Says whether memory
// levels off and what is given back.
//
// Each sample line: minutes elapsed, RSS (/proc/self/status), heap bytes in use and heap bytes
// the allocator holds (mallinfo2: in use vs. kept from the system), the bytes the monitors' time
// series hold (TimeSeries::memoryBytes), and the terminal's scrollback lines.
//
// Time is accelerated where that shows the same thing: the monitors sample every --interval-ms
// (the app: 2000), the terminal prints --lines-per-second, and the scrollback limit is
// --scrollback lines (the app: 10,000) so the cap is reached within the run.
//
// --window runs the same inside the app's main window: each machine's workspace tab is open on
// its Monitor page (the window's own monitors, at the app's rate, with their charts), so the
// chart series, the instance list and the status bar are measured too.
//
//   QT_QPA_PLATFORM=offscreen gpudeck-bench-soak [--machines 4] [--minutes 60] [--window]
//       [--interval-ms 2000] [--lines-per-second 5] [--scrollback 10000] [--sample-seconds 60]
//       [--no-teardown]
#include "await.h"
#include "fleet.h"
#include "gpumonitor.h"
#include "instanceworkspace.h"
#include "logging.h"
#include "mainwindow.h"
#include "monitorhub.h"
#include "monitorpage.h"
#include "registry.h"
#include "remote.h"
#include "resources.h"
#include "settings.h"
#include "shellsession.h"
#include "terminalsurface.h"
#include "terminalview.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFile>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTextStream>
#include <QTimer>

#include <malloc.h>

#include <memory>
#include <vector>

using namespace gpudeck;

namespace {

qint64 rssKiB()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray& line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.simplified().split(' ').value(1).toLongLong();
    }
    return -1;
}

double mib(double bytes)
{
    return bytes / (1024.0 * 1024.0);
}

} // namespace

int main(int argc, char* argv[])
{
    QApplication app(argc, argv);
    initResources();
    installDefaultLogRules();
    QCommandLineParser parser;
    parser.addHelpOption();
    auto option = [&](const char* name, const char* help, const char* def) {
        parser.addOption(
            {QLatin1String(name), QLatin1String(help), QStringLiteral("N"), QLatin1String(def)});
    };
    option("machines", "Sandbox machines streaming metrics.", "4");
    option("minutes", "How long to run.", "60");
    option("interval-ms", "Metric sampling interval (the app: 2000).", "2000");
    option("lines-per-second", "Lines the terminal prints per second.", "5");
    option("scrollback", "Terminal scrollback limit in lines (the app: 10000).", "10000");
    option("sample-seconds", "Seconds between memory samples.", "60");
    parser.addOption(
        {QStringLiteral("window"),
         QStringLiteral("Run inside the main window, each machine's Monitor tab open.")});
    parser.addOption(
        {QStringLiteral("no-teardown"),
         QStringLiteral("Exit right after the last sample, freeing nothing: under a heap profiler "
                        "(heaptrack) what is still held at exit is what the run accumulated.")});
    parser.process(app);
    const bool inWindow = parser.isSet(QStringLiteral("window"));
    auto value = [&](const char* name) { return parser.value(QLatin1String(name)).toInt(); };
    const int machines = value("machines");
    const int minutes = value("minutes");
    const int intervalMs = value("interval-ms");
    const int linesPerSecond = value("lines-per-second");
    const int sampleSeconds = value("sample-seconds");
    QTextStream out(stdout);
    QTextStream err(stderr);

    QTemporaryDir home;
    for (const char* v : {"XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"})
        qputenv(v, QFile::encodeName(home.path() + QLatin1Char('/') + QLatin1String(v)));
    // Only the Sandbox's machines: every cloud API points at a closed loopback port (the
    // window's catalog asks every provider), unless the environment already says otherwise.
    ProviderRegistry::builtin().redirectApis("http://127.0.0.1:9");
    Fleet fleet(AppPaths::standard());
    if (!fleet.open().ok())
        return 1;

    std::vector<Instance> launched;
    std::vector<std::unique_ptr<GpuMonitor>> monitors;
    for (int i = 0; i < machines; ++i) {
        LaunchRequest req;
        req.planId = QStringLiteral("a100-1x");
        req.name = QStringLiteral("soak-%1").arg(i);
        Result<Instance> m = awaitResult<Instance>([&](Callback<Instance> done) {
            fleet.launchAndWait(QStringLiteral("sandbox"), req, 120000, done);
        });
        if (!m.ok()) {
            err << m.error().message << '\n';
            return 1;
        }
        launched.push_back(m.value());
        if (inWindow)
            continue; // the window's own monitors, below
        monitors.push_back(std::make_unique<GpuMonitor>(
            endpointFor(m.value(), fleet.keyPathFor(m.value()), fleet.paths()), intervalMs));
        monitors.back()->start();
    }

    // The window, with every machine's workspace open on its Monitor page.
    std::unique_ptr<Settings> settings;
    std::unique_ptr<MainWindow> window;
    MonitorHub* hub = nullptr;
    if (inWindow) {
        settings = std::make_unique<Settings>(fleet.paths());
        window = std::make_unique<MainWindow>(fleet, *settings);
        window->resize(1280, 800);
        window->show();
        hub = window->findChild<MonitorHub*>();
        for (const Instance& m : launched) {
            InstanceWorkspace* w = window->openWorkspace(m.id);
            if (auto* tabs = w ? w->findChild<QTabWidget*>() : nullptr)
                tabs->setCurrentWidget(w->monitor());
        }
    }

    // The terminal as the app has it: shell session -> surface -> view, on the first machine.
    auto surface = std::make_unique<terminal::TerminalSurface>(120, 40);
    surface->setScrollbackLimit(value("scrollback"));
    auto view = std::make_unique<terminal::TerminalView>(surface.get());
    view->resize(1000, 700);
    view->show();
    std::unique_ptr<ssh::ShellSession> shell = fleet.openShell(launched.front(), 120, 40);
    QObject::connect(shell.get(), &ssh::ShellSession::data, view.get(), [&](const QByteArray& b) {
        surface->feed(b);
        shell->consumed(b.size());
    });
    QObject::connect(surface.get(), &terminal::TerminalSurface::output, shell.get(),
                     &ssh::ShellSession::write);
    bool printing = false;
    QObject::connect(shell.get(), &ssh::ShellSession::stateChanged, view.get(),
                     [&](ssh::ShellSession::State s, const QString&) {
                         if (s != ssh::ShellSession::State::Connected || printing)
                             return;
                         printing = true;
                         // A training script's progress: a counter, a timestamp, some text.
                         const double pause = 1.0 / std::max(1, linesPerSecond);
                         shell->write(QStringLiteral("i=0; while :; do i=$((i+1)); echo \"step "
                                                     "$i $(date +%T.%N) loss=0.$i lr=3e-4 "
                                                     "throughput=1234.5 samples/s\"; sleep %1; "
                                                     "done\n")
                                          .arg(pause, 0, 'f', 3)
                                          .toUtf8());
                     });
    shell->start();

    QElapsedTimer clock;
    clock.start();
    out << "| minutes | RSS (MiB) | heap in use (MiB) | heap held (MiB) | time series (MiB) | "
           "samples | scrollback lines |\n|---|---|---|---|---|---|---|\n";
    auto sample = [&](const QString& label) {
        const struct mallinfo2 mi = mallinfo2();
        size_t series = 0;
        qint64 samples = 0;
        std::vector<const GpuMonitor*> all;
        for (const auto& m : monitors)
            all.push_back(m.get());
        if (hub) {
            for (const Instance& i : launched) {
                if (const GpuMonitor* m = hub->existing(i.id))
                    all.push_back(m);
            }
        }
        for (const GpuMonitor* m : all) {
            samples += m->samplesReceived();
            for (const GpuTrack& t : m->gpus())
                series += t.utilization.memoryBytes() + t.memoryPercent.memoryBytes() +
                          t.temperature.memoryBytes() + t.powerW.memoryBytes() +
                          t.smClockMHz.memoryBytes();
        }
        out << "| " << label << " | " << QString::number(mib(rssKiB() * 1024.0), 'f', 1) << " | "
            << QString::number(mib(static_cast<double>(mi.uordblks)), 'f', 1) << " | "
            << QString::number(mib(static_cast<double>(mi.arena + mi.hblkhd)), 'f', 1) << " | "
            << QString::number(mib(static_cast<double>(series)), 'f', 2) << " | " << samples
            << " | " << (surface ? surface->scrollbackLines() : 0) << " |\n";
        out.flush();
    };
    sample(QStringLiteral("0"));
    QTimer every;
    QObject::connect(&every, &QTimer::timeout, [&] {
        sample(QString::number(static_cast<double>(clock.elapsed()) / 60000.0, 'f', 1));
        if (clock.elapsed() >= qint64(minutes) * 60000)
            QCoreApplication::exit(0); // not quit(): that closes the window, which asks first
    });
    every.start(sampleSeconds * 1000);
    app.exec();
    if (parser.isSet(QStringLiteral("no-teardown")))
        std::exit(0);

    // Tear down as the app does when the machines are destroyed: terminal, monitors, machines.
    shell->write("\x03");
    shell->stop();
    shell.reset();
    view.reset();
    surface.reset();
    monitors.clear();
    window.reset();
    hub = nullptr;
    for (const Instance& m : launched) {
        (void)awaitResult<Recap>([&](Callback<Recap> done) { fleet.destroy(m.id, done); });
    }
    sample(QStringLiteral("destroyed"));
    malloc_trim(0);
    sample(QStringLiteral("after malloc_trim"));
    return 0;
}
