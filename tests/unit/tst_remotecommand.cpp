// The one way GPUDeck builds a remote command line, run here through each login shell the way
// sshd runs it (`SHELL -c LINE`, in a session of its own): arguments arrive byte for byte
// whatever they hold, nothing in them runs, and a command that lives until its channel closes
// ends with everything it started when its stdin closes.
#include "remotecommand.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

using namespace gpudeck::ssh;

namespace {

const QStringList kShells = {QStringLiteral("bash"), QStringLiteral("dash"), QStringLiteral("zsh"),
                             QStringLiteral("fish"), QStringLiteral("tcsh")};

QList<QByteArray> hostileArguments()
{
    return {
        QByteArray("x\\'$(touch PWNED)\\'"),
        QByteArray("it's"),
        QByteArray("'; touch PWNED; '"),
        QByteArray("\"; touch PWNED; \""),
        QByteArray("$(touch PWNED)"),
        QByteArray("`touch PWNED`"),
        QByteArray("a\\b\\"),
        QByteArray("\\"),
        QByteArray("line\nbreak; touch PWNED\n\n"),
        QByteArray("-rf"),
        QByteArray("!! %1 *?[a] {a,b} ~x $HOME ${HOME} #c"),
        QByteArray("\xff\xfe invalid \xc3( UTF-8 \x80"),
        QByteArray("données 训练"),
        QByteArray(),
        QByteArray(" "),
        QByteArray("=cat"), // zsh expands a word that starts with '='
        QByteArray(4000, 'x') + "'",
    };
}

// Processes of group `pgid` that still run. Whatever the command started outlives its leader
// only as a zombie until this machine's init reaps it (seconds, on some containers' init); a
// zombie runs nothing and costs nothing, so it does not count.
int runningInGroup(qint64 pgid)
{
    int running = 0;
    for (const QString& name :
         QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile stat(QStringLiteral("/proc/%1/stat").arg(name));
        if (!stat.open(QIODevice::ReadOnly))
            continue;
        const QByteArray s = stat.readAll();
        // After "PID (comm) ": state, ppid, pgrp, ...
        const QList<QByteArray> fields = s.mid(s.lastIndexOf(')') + 2).split(' ');
        if (fields.size() > 2 && fields.at(2).toLongLong() == pgid && fields.at(0) != "Z")
            ++running;
    }
    return running;
}

// Runs `line` as sshd would: the shell with -c, in a new session, stdin from a pipe.
struct LoginShell {
    QProcess p;
    LoginShell(const QString& shell, const QString& line, const QString& dir)
    {
        p.setChildProcessModifier([] { ::setsid(); });
        p.setWorkingDirectory(dir);
        p.start(shell, {QStringLiteral("-c"), line});
    }
};

} // namespace

class TestRemoteCommand final : public QObject {
    Q_OBJECT
private slots:
    void argumentsArriveIntact_data();
    void argumentsArriveIntact();
    void scriptIsNotParsedByTheLoginShell_data();
    void scriptIsNotParsedByTheLoginShell();
    void onlyBuiltLinesPass();
    void endsWhenTheChannelCloses_data();
    void endsWhenTheChannelCloses();
    void pathArguments();
};

void TestRemoteCommand::argumentsArriveIntact_data()
{
    QTest::addColumn<QString>("shell");
    for (const QString& s : kShells)
        QTest::newRow(qPrintable(s)) << s;
}

void TestRemoteCommand::argumentsArriveIntact()
{
    QFETCH(QString, shell);
    const QString path = QStandardPaths::findExecutable(shell);
    if (path.isEmpty())
        QSKIP(qPrintable(shell + QStringLiteral(" is not installed (scripts/deps.sh --test)")));
    QTemporaryDir dir;
    const QList<QByteArray> args = hostileArguments();
    LoginShell sh(path, remoteCommand(QStringLiteral("printf '%s\\0' \"$#\" \"$@\""), args),
                  dir.path());
    sh.p.closeWriteChannel();
    QVERIFY(sh.p.waitForFinished(20000));
    QCOMPARE(sh.p.readAllStandardError(), QByteArray());
    QCOMPARE(sh.p.exitCode(), 0);
    QList<QByteArray> got = sh.p.readAllStandardOutput().split('\0');
    QCOMPARE(got.takeLast(), QByteArray());
    QCOMPARE(got.takeFirst(), QByteArray::number(args.size()));
    QCOMPARE(got, args);
    QVERIFY(!QFileInfo::exists(dir.filePath(QStringLiteral("PWNED"))));
}

void TestRemoteCommand::scriptIsNotParsedByTheLoginShell_data()
{
    argumentsArriveIntact_data();
}

void TestRemoteCommand::scriptIsNotParsedByTheLoginShell()
{
    QFETCH(QString, shell);
    const QString path = QStandardPaths::findExecutable(shell);
    if (path.isEmpty())
        QSKIP(qPrintable(shell + QStringLiteral(" is not installed (scripts/deps.sh --test)")));
    // POSIX sh that fish and tcsh cannot read: loops, redirections, arithmetic, quotes.
    QTemporaryDir dir;
    LoginShell sh(path,
                  remoteCommand(QStringLiteral("i=0; while [ $i -lt 3 ]; do i=$((i+1)); "
                                               "printf '%s ' \"$i\"; done 2>/dev/null; "
                                               "echo \"'$1'\" >&2; exit 7"),
                                QStringList{QStringLiteral("a'b")}),
                  dir.path());
    sh.p.closeWriteChannel();
    QVERIFY(sh.p.waitForFinished(20000));
    QCOMPARE(sh.p.readAllStandardOutput(), QByteArray("1 2 3 "));
    QCOMPARE(sh.p.readAllStandardError(), QByteArray("'a'b'\n"));
    QCOMPARE(sh.p.exitCode(), 7);
}

void TestRemoteCommand::onlyBuiltLinesPass()
{
    const QString built =
        remoteCommand(QStringLiteral("exec cat < \"$1\""), QStringList{QStringLiteral("a b'c")});
    QVERIFY(isRemoteCommand(built));
    QVERIFY(isRemoteCommand(remoteCommand(QStringLiteral("true"))));
    QVERIFY(isRemoteCommand(remoteCommand(QStringLiteral("true"), QStringList{QString()})));
    for (const QChar c : built.section(QStringLiteral("gpudeck"), 1))
        QVERIFY2(c.isLetterOrNumber() || QStringLiteral(" +/=").contains(c), qPrintable(built));
    QVERIFY(!isRemoteCommand(QStringLiteral("true")));
    QVERIFY(!isRemoteCommand(QString(built + QStringLiteral(" x;id"))));
    QVERIFY(!isRemoteCommand(QString(built + QStringLiteral(" $(id)"))));
    QVERIFY(!isRemoteCommand(QStringLiteral("sh -c 'cat < '\\''a'\\'''")));
    QString tampered = built;
    tampered.insert(tampered.indexOf(QLatin1String(" | base64")), QLatin1Char('\''));
    QVERIFY(!isRemoteCommand(tampered));
}

void TestRemoteCommand::endsWhenTheChannelCloses_data()
{
    argumentsArriveIntact_data();
}

void TestRemoteCommand::endsWhenTheChannelCloses()
{
    QFETCH(QString, shell);
    const QString path = QStandardPaths::findExecutable(shell);
    if (path.isEmpty())
        QSKIP(qPrintable(shell + QStringLiteral(" is not installed (scripts/deps.sh --test)")));
    QTemporaryDir dir;
    // The GPU monitor's shape: a loop that sleeps for an hour between writes.
    LoginShell sh(path,
                  remoteCommand(QStringLiteral("while :; do echo $$ > pid; echo tick; sleep 3600; "
                                               "done"),
                                QList<QByteArray>(), RemoteLifetime::UntilChannelCloses),
                  dir.path());
    QVERIFY(sh.p.waitForReadyRead(20000));
    QCOMPARE(sh.p.readAllStandardOutput(), QByteArray("tick\n"));
    const qint64 group = sh.p.processId(); // the session (and group) leader
    QTRY_VERIFY(QFileInfo::exists(dir.filePath(QStringLiteral("pid"))));
    QVERIFY(runningInGroup(group) >= 2); // the shell and the loop, at least
    sh.p.closeWriteChannel();            // what sshd does when the channel closes
    QVERIFY(sh.p.waitForFinished(10000));
    // Nothing of its group still runs (the sleep included).
    QTRY_COMPARE_WITH_TIMEOUT(runningInGroup(group), 0, 5000);

    // A command that ends by itself ends the same, with its exit status.
    LoginShell done(path,
                    remoteCommand(QStringLiteral("printf '%s' \"$1\"; exit 3"),
                                  QStringList{QStringLiteral("a'b")},
                                  RemoteLifetime::UntilChannelCloses),
                    dir.path());
    QVERIFY(done.p.waitForFinished(10000));
    QCOMPARE(done.p.readAllStandardOutput(), QByteArray("a'b"));
    QCOMPARE(done.p.exitCode(), 3);
}

void TestRemoteCommand::pathArguments()
{
    QCOMPARE(pathArgument(QStringLiteral("-rf")), QStringLiteral("./-rf"));
    QCOMPARE(pathArgument(QStringLiteral("/-rf")), QStringLiteral("/-rf"));
    QCOMPARE(pathArgument(QStringLiteral("a b")), QStringLiteral("a b"));
}

QTEST_GUILESS_MAIN(TestRemoteCommand)
#include "tst_remotecommand.moc"
