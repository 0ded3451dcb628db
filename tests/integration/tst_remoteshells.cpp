// GPUDeck's remote commands against every login shell a machine may give its user: bash, dash,
// zsh, fish and tcsh. A Sandbox machine (a real sshd) runs each command as `SHELL -c COMMAND`,
// exactly like sshd, with the shell chosen by GPUDECK_SANDBOX_LOGIN_SHELL. Files with hostile
// names go up and come back through gpudeck-cli, a training log with such a name is followed,
// the GPU monitor streams; nothing in a name may run, the bytes must arrive intact, and nothing
// the app started may outlive its connection.
#include "await.h"
#include "fleet.h"
#include "gpumonitor.h"
#include "remote.h"
#include "testenv.h"
#include "trainingmonitor.h"

#include <QDirIterator>
#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace gpudeck;

namespace {

struct Run {
    int code = -1;
    QByteArray out;
    QByteArray err;
};

Run cli(const QStringList& args, int timeoutMs = 60000)
{
    QProcess p;
    p.setProgram(test::binDir() + QStringLiteral("/gpudeck-cli"));
    p.setArguments(args);
    p.start();
    Run r;
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        r.err = "timed out";
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

// Names that mean something to at least one of the shells. Each would create a file named
// PWNED (or print) if any shell parsed it.
const QStringList& hostileNames()
{
    static const QStringList names = {
        QStringLiteral("x\\'$(touch PWNED)\\'"), // the review's fish exploit
        QStringLiteral("it's"),
        QStringLiteral("'; touch PWNED; '"),
        QStringLiteral("\"; touch PWNED; \""),
        QStringLiteral("$(touch PWNED)"),
        QStringLiteral("`touch PWNED`"),
        QStringLiteral("a\\b\\"),
        QStringLiteral("\\'"),
        QStringLiteral("-rf"),
        QStringLiteral("--help"),
        QStringLiteral("!! %1 *?[a] {a,b} ~x $HOME ${HOME} #c"),
        QStringLiteral("(touch PWNED); touch PWNED & touch PWNED | cat > PWNED"),
        QStringLiteral("données 训练 \u2028"),
    };
    return names;
}

QStringList filesNamed(const QString& root, const QString& name)
{
    QStringList found;
    QDirIterator it(root, QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString p = it.next();
        if (it.fileName() == name)
            found << p;
    }
    return found;
}

// Processes whose environment says they belong to this Sandbox machine's sessions.
QList<qint64> sessionProcesses(const QString& machineDir)
{
    const QByteArray marker = "GPUDECK_SANDBOX_DIR=" + QFile::encodeName(machineDir);
    QList<qint64> pids;
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs);
    for (const QString& e : entries) {
        bool ok = false;
        const qint64 pid = e.toLongLong(&ok);
        if (!ok)
            continue;
        QFile env(QStringLiteral("/proc/%1/environ").arg(pid));
        if (!env.open(QIODevice::ReadOnly))
            continue;
        if (env.readAll().split('\0').contains(marker))
            pids << pid;
    }
    return pids;
}

QString describe(const QList<qint64>& pids)
{
    QStringList out;
    for (qint64 pid : pids) {
        QFile cmd(QStringLiteral("/proc/%1/cmdline").arg(pid));
        if (cmd.open(QIODevice::ReadOnly))
            out << QString::number(pid) + QLatin1Char(' ') +
                       QString::fromUtf8(cmd.readAll().replace('\0', ' '));
    }
    return out.join(QStringLiteral("; "));
}

} // namespace

class TestRemoteShells final : public QObject {
    Q_OBJECT
private slots:
    void everyShell_data();
    void everyShell();

private:
    int run(const QString& command, QByteArray* out = nullptr);
    ssh::Endpoint endpoint() const
    {
        return endpointFor(m_machine, m_fleet->keyPathFor(m_machine), m_fleet->paths());
    }

    std::unique_ptr<Fleet> m_fleet;
    Instance m_machine;
};

int TestRemoteShells::run(const QString& command, QByteArray* out)
{
    const Result<int> rc = runRemote(endpoint(), command, [out](const QByteArray& d, bool err) {
        if (out && !err)
            *out += d;
    });
    return rc.ok() ? rc.value() : -1;
}

void TestRemoteShells::everyShell_data()
{
    QTest::addColumn<QString>("shell");
    // A command only that shell answers this way.
    QTest::addColumn<QString>("probe");
    QTest::addColumn<QByteArray>("answer");
    QTest::newRow("bash") << QStringLiteral("bash") << QStringLiteral("echo ${BASH_VERSION:+bash}")
                          << QByteArray("bash");
    QTest::newRow("dash") << QStringLiteral("dash")
                          << QStringLiteral("echo ${BASH_VERSION-${ZSH_VERSION-dash}}")
                          << QByteArray("dash");
    QTest::newRow("zsh") << QStringLiteral("zsh") << QStringLiteral("echo ${ZSH_VERSION:+zsh}")
                         << QByteArray("zsh");
    QTest::newRow("fish") << QStringLiteral("fish")
                          << QStringLiteral("set -q FISH_VERSION; and echo fish")
                          << QByteArray("fish");
    QTest::newRow("tcsh") << QStringLiteral("tcsh") << QStringLiteral("echo $?tcsh$?version")
                          << QByteArray("11");
}

void TestRemoteShells::everyShell()
{
    QFETCH(QString, shell);
    QFETCH(QString, probe);
    QFETCH(QByteArray, answer);
    const QString shellPath = QStandardPaths::findExecutable(shell);
    if (shellPath.isEmpty())
        QSKIP(qPrintable(shell + QStringLiteral(" is not installed; install the test packages "
                                                "(scripts/deps.sh --test) to test that shell.")));

    test::IsolatedEnvironment env;
    qputenv("GPUDECK_SANDBOX_LOGIN_SHELL", QFile::encodeName(shellPath));
    m_fleet = std::make_unique<Fleet>(AppPaths::standard());
    QVERIFY(m_fleet->open().ok());
    LaunchRequest req;
    req.planId = QStringLiteral("l4-2x");
    req.name = QStringLiteral("shell-") + shell;
    Result<Instance> ready = awaitResult<Instance>([&](Callback<Instance> done) {
        m_fleet->launchAndWait(QStringLiteral("sandbox"), req, 30000, done);
    });
    qunsetenv("GPUDECK_SANDBOX_LOGIN_SHELL");
    QVERIFY2(ready.ok(), qPrintable(ready.ok() ? QString() : ready.error().message));
    m_machine = ready.value();
    const QString id = m_machine.id;
    auto destroy = qScopeGuard([&] {
        (void)awaitResult<Recap>([&](Callback<Recap> done) { m_fleet->destroy(id, done); });
        m_fleet.reset();
    });

    // The machine really runs commands with that shell.
    QByteArray said;
    QCOMPARE(run(probe, &said), 0);
    QCOMPARE(said.trimmed(), answer);
    QByteArray pwd;
    QCOMPARE(run(QStringLiteral("pwd"), &pwd), 0);
    const QString home = QString::fromUtf8(pwd.trimmed());
    QVERIFY(QFileInfo(home).isDir());
    const QString machineDir = QFileInfo(home).path();

    // Upload: one file at a time (dd streams, checksums) and as a folder (tar), into a folder
    // whose own name is hostile too.
    QTemporaryDir local;
    const QString src = local.filePath(QStringLiteral("src"));
    QVERIFY(QDir().mkpath(src));
    QHash<QString, QByteArray> content;
    int n = 0;
    for (const QString& name : hostileNames()) {
        QByteArray bytes = name.toUtf8() + '\n';
        for (int i = 0; i < 4000 + 997 * n; ++i)
            bytes += static_cast<char>((i * 31 + n) & 0xff);
        ++n;
        QFile f(src + QLatin1Char('/') + name);
        QVERIFY2(f.open(QIODevice::WriteOnly), qPrintable(name));
        QVERIFY(f.write(bytes) == bytes.size());
        content.insert(name, bytes);
    }
    const QString remoteDir = QStringLiteral("up $(touch PWNED) '\\");
    // GPUDeck refuses names with control characters (a newline) before anything is sent; the
    // command line itself carries them intact (tst_remotecommand).
    {
        const QString name = QStringLiteral("line\nbreak; touch PWNED");
        QFile f(src + QLatin1Char('/') + name);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("x");
        f.close();
        const Run refused = cli({QStringLiteral("put"), id, f.fileName(), remoteDir});
        QVERIFY2(refused.code != 0 && refused.err.contains("control characters"),
                 refused.err.constData());
        QVERIFY(f.remove());
    }
    for (const QString& name : hostileNames()) {
        const Run r = cli({QStringLiteral("put"), id, src + QLatin1Char('/') + name, remoteDir,
                           QStringLiteral("--verify")});
        QVERIFY2(r.code == 0, qPrintable(name + QStringLiteral(": ") + QString::fromUtf8(r.err)));
    }
    Run r =
        cli({QStringLiteral("put"), id, src, QStringLiteral("tree"), QStringLiteral("--verify")});
    QVERIFY2(r.code == 0, r.err.constData());
    for (const QString& name : hostileNames()) {
        const QStringList copies = {home + QLatin1Char('/') + remoteDir + QLatin1Char('/') + name,
                                    home + QStringLiteral("/tree/src/") + name};
        for (const QString& there : copies) {
            QFile f(there);
            QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(there));
            QVERIFY2(f.readAll() == content.value(name), qPrintable(there));
        }
    }

    // Download them again, one by one (cat streams) and as a folder (tar).
    const QString back = local.filePath(QStringLiteral("back"));
    for (const QString& name : hostileNames()) {
        r = cli({QStringLiteral("get"), id, remoteDir + QLatin1Char('/') + name, back,
                 QStringLiteral("--verify")});
        QVERIFY2(r.code == 0, qPrintable(name + QStringLiteral(": ") + QString::fromUtf8(r.err)));
        QFile f(back + QLatin1Char('/') + name);
        QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(name));
        QVERIFY2(f.readAll() == content.value(name), qPrintable(name));
    }
    r = cli({QStringLiteral("get"), id, QStringLiteral("tree/src"),
             local.filePath(QStringLiteral("backtree"))});
    QVERIFY2(r.code == 0, r.err.constData());
    for (const QString& name : hostileNames()) {
        QFile f(local.filePath(QStringLiteral("backtree/src/")) + name);
        QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(name));
        QVERIFY2(f.readAll() == content.value(name), qPrintable(name));
    }

    // A training log with a hostile name is followed (tail -F), "~/" meaning the home folder.
    const QString logName = QStringLiteral("x\\'$(touch PWNED)\\' `touch PWNED`.log");
    QVERIFY(QDir().mkpath(home + QStringLiteral("/logs")));
    {
        QFile log(home + QStringLiteral("/logs/") + logName);
        QVERIFY(log.open(QIODevice::WriteOnly));
        log.write(
            "Epoch 1/2\n10/10 [==============================] - 1s 1ms/step - loss: 0.5000\n"
            "Epoch 2/2\n10/10 [==============================] - 1s 1ms/step - loss: 0.2500\n");
    }
    TrainingMonitor training(endpoint(), QStringLiteral("~/logs/") + logName);
    // The GPU monitor's metrics stream and its processes loop.
    GpuMonitor gpus(endpoint(), 200, 1);
    QSignalSpy processes(&gpus, &GpuMonitor::processesChanged);
    training.start();
    gpus.start();
    QTRY_VERIFY_WITH_TIMEOUT(!training.runs().isEmpty() &&
                                 training.runs().last().epochs.size() == 2 &&
                                 training.runs().last().epochs.last().complete,
                             15000);
    QCOMPARE(training.runs().last().epochs.last().metrics.value(QStringLiteral("loss")), 0.25);
    QTRY_COMPARE_WITH_TIMEOUT(gpus.state(), GpuMonitor::State::Streaming, 15000);
    QTRY_VERIFY_WITH_TIMEOUT(gpus.samplesReceived() >= 4, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(processes.count() >= 2, 10000);
    training.stop();
    gpus.stop();

    // Nothing ran: no PWNED anywhere on the machine or here.
    QCOMPARE(filesNamed(machineDir, QStringLiteral("PWNED")), QStringList());
    QCOMPARE(filesNamed(local.path(), QStringLiteral("PWNED")), QStringList());
    QVERIFY(!QFileInfo::exists(QStringLiteral("PWNED")));

    // Nothing the app started outlives its connection: after the monitors stopped and three
    // `gpudeck-cli watch` runs, no process of this machine's sessions is left.
    for (int i = 0; i < 3; ++i) {
        r = cli({QStringLiteral("watch"), id, QStringLiteral("--json"), QStringLiteral("--count"),
                 QStringLiteral("1"), QStringLiteral("--interval"), QStringLiteral("200")});
        QVERIFY2(r.code == 0, r.err.constData());
    }
    QTRY_VERIFY2_WITH_TIMEOUT(sessionProcesses(machineDir).isEmpty(),
                              qPrintable(describe(sessionProcesses(machineDir))), 10000);
}

QTEST_GUILESS_MAIN(TestRemoteShells)
#include "tst_remoteshells.moc"
