// Keystroke-to-echo latency in GPUDeck's terminal against a local sshd (a Sandbox machine),
// idle and while a second terminal in the same window is flooded, next to OpenSSH's `ssh -tt`
// to the same server.
//
// A sample: write one character at the shell prompt, wait until its echo reaches the UI thread
// (GPUDeck: worker thread, queued signal, terminal surface and view; OpenSSH: its stdout pipe),
// then erase it with a backspace and wait for that echo too, then pause 10 ms.
//
//   QT_QPA_PLATFORM=offscreen gpudeck-bench-echo [--samples N]
#include "await.h"
#include "fleet.h"
#include "logging.h"
#include "remote.h"
#include "shellsession.h"
#include "terminalsurface.h"
#include "terminalview.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QProcess>
#include <QTemporaryDir>
#include <QTextStream>
#include <QThread>

#include <algorithm>

using namespace gpudeck;

namespace {

// The end of a shell prompt: "$ " for users, "# " for root.
bool hasPrompt(const QByteArray& b)
{
    return b.contains("$ ") || b.contains("# ");
}

struct Stats {
    QList<double> ms;
    [[nodiscard]] double quantile(double q) const
    {
        QList<double> v = ms;
        std::sort(v.begin(), v.end());
        if (v.isEmpty())
            return 0;
        return v.at(std::min<qsizetype>(v.size() - 1,
                                        static_cast<qsizetype>(q * static_cast<double>(v.size()))));
    }
};

// Runs the event loop until `done` holds or `ms` pass.
bool waitFor(const std::function<bool()>& done, int ms)
{
    QElapsedTimer t;
    t.start();
    while (!done()) {
        if (t.elapsed() > ms)
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 2);
    }
    return true;
}

// One terminal as the app has it: a shell session feeding a surface shown in a view.
struct Terminal {
    std::unique_ptr<terminal::TerminalSurface> surface;
    std::unique_ptr<terminal::TerminalView> view;
    std::unique_ptr<ssh::ShellSession> shell;
    QByteArray recent;
    qint64 received = 0;
    bool connected = false;

    Terminal(Fleet& fleet, const Instance& machine)
        : surface(std::make_unique<terminal::TerminalSurface>(120, 40))
        , view(std::make_unique<terminal::TerminalView>(surface.get()))
        , shell(fleet.openShell(machine, 120, 40))
    {
        view->resize(1000, 700);
        view->show();
        QObject::connect(shell.get(), &ssh::ShellSession::data, view.get(),
                         [this](const QByteArray& b) {
                             surface->feed(b);
                             shell->consumed(b.size());
                             received += b.size();
                             recent += b;
                             if (recent.size() > 8192)
                                 recent = recent.right(1024);
                         });
        QObject::connect(surface.get(), &terminal::TerminalSurface::output, shell.get(),
                         &ssh::ShellSession::write);
        QObject::connect(shell.get(), &ssh::ShellSession::stateChanged, view.get(),
                         [this](ssh::ShellSession::State s, const QString&) {
                             connected = s == ssh::ShellSession::State::Connected;
                         });
        shell->start();
    }
    ~Terminal() { shell->stop(); }
};

template <typename Write, typename Seen, typename Clear>
Stats measure(int samples, Write write, Seen seen, Clear clear)
{
    Stats s;
    for (int i = 0; i < samples; ++i) {
        clear();
        QElapsedTimer timer;
        timer.start();
        write(QByteArray("x"));
        if (!waitFor([&] { return seen('x'); }, 5000))
            break;
        s.ms << static_cast<double>(timer.nsecsElapsed()) / 1e6;
        clear();
        write(QByteArray("\x7f"));
        waitFor([&] { return seen('\b'); }, 5000);
        waitFor([] { return false; }, 10);
    }
    return s;
}

QString row(const QString& what, const Stats& s)
{
    return QStringLiteral("| %1 | %2 | %3 | %4 | %5 |\n")
        .arg(what)
        .arg(s.ms.size())
        .arg(s.quantile(0.5), 0, 'f', 2)
        .arg(s.quantile(0.95), 0, 'f', 2)
        .arg(s.quantile(1.0), 0, 'f', 2);
}

} // namespace

int main(int argc, char* argv[])
{
    QApplication app(argc, argv);
    installDefaultLogRules();
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption({QStringLiteral("samples"), QStringLiteral("Keystrokes per scenario."),
                      QStringLiteral("N"), QStringLiteral("200")});
    parser.process(app);
    const int samples = parser.value(QStringLiteral("samples")).toInt();
    QTextStream out(stdout);
    QTextStream err(stderr);

    QTemporaryDir home;
    for (const char* v : {"XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"})
        qputenv(v, QFile::encodeName(home.path() + QLatin1Char('/') + QLatin1String(v)));
    Fleet fleet(AppPaths::standard());
    if (!fleet.open().ok())
        return 1;
    LaunchRequest req;
    req.planId = QStringLiteral("t4-1x");
    req.name = QStringLiteral("echo-bench");
    Result<Instance> machine = awaitResult<Instance>([&](Callback<Instance> done) {
        fleet.launchAndWait(QStringLiteral("sandbox"), req, 60000, done);
    });
    if (!machine.ok()) {
        err << machine.error().message << '\n';
        return 1;
    }

    out << "| terminal | samples | echo median (ms) | p95 (ms) | max (ms) "
           "|\n|---|---|---|---|---|\n";
    {
        Terminal typing(fleet, machine.value());
        if (!waitFor([&] { return typing.connected; }, 20000) ||
            !waitFor([&] { return hasPrompt(typing.recent); }, 10000))
            return 1;
        auto write = [&](const QByteArray& b) { typing.shell->write(b); };
        auto seen = [&](char c) { return typing.recent.contains(c); };
        auto clear = [&] { typing.recent.clear(); };
        out << row(QStringLiteral("GPUDeck, idle"), measure(samples, write, seen, clear));
        out.flush();

        Terminal flood(fleet, machine.value());
        waitFor([&] { return flood.connected && hasPrompt(flood.recent); }, 20000);
        flood.shell->write("base64 /dev/urandom\n");
        waitFor([&] { return flood.received > (4 << 20); }, 20000);
        const qint64 before = flood.received;
        QElapsedTimer t;
        t.start();
        const Stats busy = measure(samples, write, seen, clear);
        const double floodMBps = static_cast<double>(flood.received - before) / (1 << 20) /
                                 (static_cast<double>(t.elapsed()) / 1000.0);
        out << row(QStringLiteral("GPUDeck, while another terminal shows `base64 /dev/urandom` "
                                  "(%1 MB/s rendered)")
                       .arg(floodMBps, 0, 'f', 1),
                   busy);
        out.flush();
        flood.shell->write("\x03");
    }

    // OpenSSH's client over the same server, as a user's own terminal would run it.
    QProcess ssh;
    const Instance& m = machine.value();
    ssh.start(QStringLiteral("ssh"),
              {QStringLiteral("-tt"), QStringLiteral("-i"), fleet.keyPathFor(m),
               QStringLiteral("-p"), QString::number(m.sshPort), QStringLiteral("-o"),
               QStringLiteral("UserKnownHostsFile=") + fleet.paths().knownHosts(),
               QStringLiteral("-o"), QStringLiteral("StrictHostKeyChecking=yes"),
               QStringLiteral("-o"), QStringLiteral("IdentitiesOnly=yes"),
               m.user + QStringLiteral("@") + m.host});
    QByteArray sshSeen;
    QObject::connect(&ssh, &QProcess::readyReadStandardOutput, &ssh,
                     [&] { sshSeen += ssh.readAllStandardOutput(); });
    if (waitFor([&] { return hasPrompt(sshSeen); }, 20000)) {
        out << row(QStringLiteral("OpenSSH `ssh -tt`, idle"),
                   measure(
                       samples, [&](const QByteArray& b) { ssh.write(b); },
                       [&](char c) { return sshSeen.contains(c); }, [&] { sshSeen.clear(); }));
    } else {
        err << "OpenSSH session did not start: " << ssh.readAllStandardError() << '\n';
    }
    ssh.write("exit\n");
    ssh.waitForFinished(5000);

    (void)awaitResult<Recap>([&](Callback<Recap> done) { fleet.destroy(m.id, done); });
    return 0;
}
