// gpudeck-cli end to end, as a script would use it: the real binary, a real Sandbox machine
// (a real sshd), the simulated nvidia-smi over real SSH, destroy with recap, nothing left.
#include "sandbox/processes.h"
#include "sandbox/sandboxmachine.h"
#include "testenv.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
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

QStringList words(const char* line)
{
    return QString::fromLatin1(line).split(QLatin1Char(' '), Qt::SkipEmptyParts);
}

} // namespace

class TestCli final : public QObject {
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void plansJson();
    void launchExecDestroy();
    void sshHostsAndHostKeys();
    void usageErrors_data();
    void usageErrors();
    void destroyUnknownInstance();
    void jobDetachedThenWaitedEndsTheMachine();

private:
    std::unique_ptr<test::IsolatedEnvironment> m_env;
};

void TestCli::init()
{
    m_env = std::make_unique<test::IsolatedEnvironment>();
}

void TestCli::cleanup()
{
    const Run ls = cli({QStringLiteral("ls"), QStringLiteral("--json")});
    for (const QJsonValue& v : QJsonDocument::fromJson(ls.out).array())
        cli({QStringLiteral("destroy"), v[QStringLiteral("id")].toString(),
             QStringLiteral("--yes")});
    m_env.reset();
}

void TestCli::plansJson()
{
    const Run r = cli({QStringLiteral("plans"), QStringLiteral("--provider"),
                       QStringLiteral("sandbox"), QStringLiteral("--json")});
    QCOMPARE(r.code, 0);
    const QJsonArray plans = QJsonDocument::fromJson(r.out).array();
    QVERIFY(plans.size() >= 2);
    QSet<QString> granularities;
    for (const QJsonValue& v : plans) {
        const QJsonObject p = v.toObject();
        QCOMPARE(p[QStringLiteral("provider")].toString(), QStringLiteral("sandbox"));
        QVERIFY(p[QStringLiteral("price_hourly_usd")].toDouble() > 0);
        QVERIFY(p[QStringLiteral("gpu_count")].toInt() >= 1);
        QVERIFY(p[QStringLiteral("name")].toString().contains(QLatin1String("Sandbox")));
        granularities << p[QStringLiteral("billing")][QStringLiteral("granularity")].toString();
    }
    // Both billing rules are on offer, so the guard and the recap can be exercised.
    QCOMPARE(granularities, QSet<QString>({QStringLiteral("second"), QStringLiteral("hour")}));
}

void TestCli::launchExecDestroy()
{
    Run r = cli({QStringLiteral("launch"), QStringLiteral("--provider"), QStringLiteral("sandbox"),
                 QStringLiteral("--plan"), QStringLiteral("a100-1x"), QStringLiteral("--name"),
                 QStringLiteral("cli-test"), QStringLiteral("--wait"), QStringLiteral("--json")});
    QVERIFY2(r.code == 0, r.err.constData());
    const QJsonObject launched = QJsonDocument::fromJson(r.out).object();
    const QString id = launched[QStringLiteral("id")].toString();
    QVERIFY(id.startsWith(QLatin1String("sbx-")));
    QCOMPARE(launched[QStringLiteral("status")].toString(), QStringLiteral("running"));
    QVERIFY(r.err.contains("SSH ready after"));

    // ls --json tells a script everything it needs to connect by itself.
    r = cli({QStringLiteral("ls"), QStringLiteral("--json")});
    QCOMPARE(r.code, 0);
    const QJsonArray all = QJsonDocument::fromJson(r.out).array();
    QCOMPARE(all.size(), 1);
    const QJsonObject inst = all.first().toObject();
    QCOMPARE(inst[QStringLiteral("id")].toString(), id);
    QCOMPARE(inst[QStringLiteral("host")].toString(), QStringLiteral("127.0.0.1"));
    QVERIFY(inst[QStringLiteral("port")].toInt() > 1024);
    QVERIFY(!inst[QStringLiteral("user")].toString().isEmpty());
    const QString key = inst[QStringLiteral("key_path")].toString();
    QVERIFY(key.startsWith(m_env->path()));
    QVERIFY(QFileInfo::exists(key));
    QCOMPARE(QFileInfo(key).permissions() &
                 (QFile::ReadGroup | QFile::ReadOther | QFile::WriteOther),
             QFile::Permissions());

    // --provider on a command that names an instance: only that provider is asked.
    r = cli({QStringLiteral("exec"), QStringLiteral("--provider"), QStringLiteral("linode"), id,
             QStringLiteral("--"), QStringLiteral("true")});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains(QByteArray("No instance " + id.toUtf8())), r.err.constData());
    r = cli({QStringLiteral("exec"), QStringLiteral("--provider=sandbox"), id, QStringLiteral("--"),
             QStringLiteral("nvidia-smi"), QStringLiteral("--query-gpu=name,memory.total"),
             QStringLiteral("--format=csv")});
    QVERIFY2(r.code == 0, r.err.constData());
    QCOMPARE(r.out, QByteArray("name, memory.total [MiB]\nNVIDIA A100-SXM4-80GB, 81920 MiB\n"));

    r = cli({QStringLiteral("exec"), id, QStringLiteral("--"), QStringLiteral("exit 42")});
    QCOMPARE(r.code, 42);

    // put/get, over a compressed connection too, with the bytes checked.
    QTemporaryDir local;
    QFile csv(local.filePath(QStringLiteral("metrics.csv")));
    QVERIFY(csv.open(QIODevice::WriteOnly));
    for (int i = 0; i < 50000; ++i)
        csv.write(QStringLiteral("%1,0.%2,0.%3\n").arg(i).arg(i % 997).arg(i % 101).toUtf8());
    csv.close();
    r = cli({QStringLiteral("put"), id, csv.fileName(), QStringLiteral("up"),
             QStringLiteral("--compress"), QStringLiteral("--verify")});
    QVERIFY2(r.code == 0, r.err.constData());
    r = cli({QStringLiteral("get"), id, QStringLiteral("up/metrics.csv"),
             local.filePath(QStringLiteral("back")), QStringLiteral("--compress")});
    QVERIFY2(r.code == 0, r.err.constData());
    QFile back(local.filePath(QStringLiteral("back/metrics.csv")));
    QVERIFY(back.open(QIODevice::ReadOnly) && csv.open(QIODevice::ReadOnly));
    QCOMPARE(back.readAll(), csv.readAll());
    r = cli({QStringLiteral("get"), id, QStringLiteral("no/such/file"), local.path()});
    QCOMPARE(r.code, 1);

    // watch streams parsed samples of every GPU.
    r = cli({QStringLiteral("watch"), id, QStringLiteral("--json"), QStringLiteral("--count"),
             QStringLiteral("2"), QStringLiteral("--interval"), QStringLiteral("200")});
    QVERIFY2(r.code == 0, r.err.constData());
    const QList<QByteArray> samples = r.out.trimmed().split('\n');
    QVERIFY(samples.size() >= 2);
    for (const QByteArray& line : samples) {
        const QJsonObject s = QJsonDocument::fromJson(line).object();
        QCOMPARE(s[QStringLiteral("index")].toInt(), 0);
        QCOMPARE(s[QStringLiteral("name")].toString(), QStringLiteral("NVIDIA A100-SXM4-80GB"));
        QCOMPARE(s[QStringLiteral("memory_total_mib")].toInt(), 81920);
        QVERIFY(s[QStringLiteral("utilization_gpu_percent")].isDouble());
    }

    // The same sshd is reachable with plain OpenSSH and the key from ls --json.
    QProcess ssh;
    ssh.start(QStringLiteral("ssh"),
              {QStringLiteral("-i"), key, QStringLiteral("-p"),
               QString::number(inst[QStringLiteral("port")].toInt()), QStringLiteral("-o"),
               QStringLiteral("StrictHostKeyChecking=no"), QStringLiteral("-o"),
               QStringLiteral("UserKnownHostsFile=/dev/null"), QStringLiteral("-o"),
               QStringLiteral("BatchMode=yes"), QStringLiteral("-o"),
               QStringLiteral("LogLevel=ERROR"),
               inst[QStringLiteral("user")].toString() + QStringLiteral("@127.0.0.1"),
               QStringLiteral("nvidia-smi -L")});
    QVERIFY(ssh.waitForFinished(30000));
    QCOMPARE(ssh.exitCode(), 0);
    QVERIFY(ssh.readAllStandardOutput().startsWith("GPU 0: NVIDIA A100-SXM4-80GB (UUID: GPU-"));

    r = cli({QStringLiteral("destroy"), id, QStringLiteral("--yes"), QStringLiteral("--json")});
    QVERIFY2(r.code == 0, r.err.constData());
    const QJsonObject recap = QJsonDocument::fromJson(r.out).object();
    for (const char* field : {"wall_seconds", "billed_seconds", "price_hourly_usd", "compute_usd",
                              "storage_usd", "total_usd"})
        QVERIFY2(recap.contains(QLatin1String(field)), field);
    QCOMPARE(recap[QStringLiteral("price_hourly_usd")].toDouble(), 1.29);
    QCOMPARE(recap[QStringLiteral("billed_seconds")].toInt(), 60);
    QCOMPARE(recap[QStringLiteral("compute_usd")].toDouble(), 0.02); // 1.29 $/h * 60 s = 2.15 cents
    QCOMPARE(recap[QStringLiteral("total_usd")].toDouble(),
             recap[QStringLiteral("compute_usd")].toDouble() +
                 recap[QStringLiteral("storage_usd")].toDouble());

    // Nothing is left: no process of the machine, no folder, no instance.
    const QString dir = m_env->stateDir() + QStringLiteral("/sandbox/") + id;
    QVERIFY(!QFileInfo::exists(dir));
    QCOMPARE(sandbox::machineProcesses({sandbox::SandboxStore::tagFor(id), dir}).size(), 0);
    r = cli({QStringLiteral("ls"), QStringLiteral("--json")});
    QCOMPARE(QJsonDocument::fromJson(r.out).array().size(), 0);
    r = cli({QStringLiteral("ledger"), QStringLiteral("--json")});
    QCOMPARE(QJsonDocument::fromJson(r.out).array().size(), 1);
    const double recapUsd =
        QJsonDocument::fromJson(r.out).array().first()[QStringLiteral("total_usd")].toDouble();

    // cost: the ledger by day, provider and instance, and nothing left running.
    r = cli({QStringLiteral("cost"), QStringLiteral("--json")});
    QVERIFY2(r.code == 0, r.err.constData());
    const QJsonObject cost = QJsonDocument::fromJson(r.out).object();
    QCOMPARE(cost[QStringLiteral("machines")].toInt(), 1);
    QCOMPARE(cost[QStringLiteral("total_usd")].toDouble(), recapUsd);
    QCOMPARE(cost[QStringLiteral("by_provider")][0][QStringLiteral("key")].toString(),
             QStringLiteral("sandbox"));
    QCOMPARE(cost[QStringLiteral("by_day")].toArray().size(), 1);
    QCOMPARE(cost[QStringLiteral("not_destroyed")][QStringLiteral("machines")].toInt(), 0);
    QVERIFY(cost[QStringLiteral("estimate")].toBool());
    r = cli({QStringLiteral("cost"), QStringLiteral("--since"), QStringLiteral("2999-01-01"),
             QStringLiteral("--json")});
    QCOMPARE(QJsonDocument::fromJson(r.out).object()[QStringLiteral("machines")].toInt(), 0);
    r = cli({QStringLiteral("cost")});
    QVERIFY2(r.code == 0 && r.out.contains("By provider:") && r.out.contains("sandbox") &&
                 r.out.contains("estimate"),
             r.out.constData());
}

void TestCli::sshHostsAndHostKeys()
{
    Run r = cli(words("launch --provider sandbox --plan t4-1x --wait"));
    QVERIFY2(r.code == 0, r.err.constData());
    const QString machine = QString::fromUtf8(r.out.trimmed());
    r = cli(words("ls --json"));
    const QJsonObject inst = QJsonDocument::fromJson(r.out).array().first().toObject();
    const QString port = QString::number(inst[QStringLiteral("port")].toInt());
    const QString key = inst[QStringLiteral("key_path")].toString();

    // The same server added as the user's own host, under a name GPUDeck has never seen:
    // its host key is unknown, so commands refuse it until --accept-new records it.
    r = cli({QStringLiteral("hosts"), QStringLiteral("add"), QStringLiteral("box"),
             QStringLiteral("--host"), QStringLiteral("localhost"), QStringLiteral("--port"), port,
             QStringLiteral("--key"), key, QStringLiteral("--hourly"), QStringLiteral("0.25")});
    QVERIFY2(r.code == 0, r.err.constData());
    r = cli(words("ls --json"));
    QJsonObject box;
    for (const QJsonValue& v : QJsonDocument::fromJson(r.out).array())
        if (v[QStringLiteral("id")].toString() == QLatin1String("box"))
            box = v.toObject();
    QCOMPARE(box[QStringLiteral("provider")].toString(), QStringLiteral("ssh"));
    QCOMPARE(box[QStringLiteral("price_hourly_usd")].toDouble(), 0.25);
    QCOMPARE(box[QStringLiteral("key_path")].toString(), key);

    r = cli(words("exec box -- echo hello"));
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("not known yet") && r.err.contains("SHA256:"), r.err.constData());
    r = cli(words("exec box --accept-new -- echo hello"));
    QVERIFY2(r.code == 0, r.err.constData());
    QCOMPARE(r.out, QByteArray("hello\n"));
    r = cli(words("exec box -- echo again"));
    QCOMPARE(r.code, 0);

    // `ssh ID -- CMD` hands over to OpenSSH with GPUDeck's known_hosts and key.
    r = cli({QStringLiteral("ssh"), machine, QStringLiteral("--"), QStringLiteral("echo"),
             QStringLiteral("via-openssh")});
    QVERIFY2(r.code == 0, r.err.constData());
    QCOMPARE(r.out, QByteArray("via-openssh\n"));
    r = cli(words("ssh box -- exit 5"));
    QCOMPARE(r.code, 5);

    // Own hosts cannot be destroyed, only removed.
    r = cli(words("destroy box --yes"));
    QCOMPARE(r.code, 1);
    QVERIFY(r.err.contains("cannot be destroyed"));
    QCOMPARE(cli(words("hosts add box --host example.invalid")).code, 1); // duplicate name
    QCOMPARE(cli(words("hosts rm box")).code, 0);
    QCOMPARE(cli(words("hosts rm box")).code, 1);
    r = cli(words("hosts ls --json"));
    QCOMPARE(QJsonDocument::fromJson(r.out).array().size(), 0);
}

void TestCli::usageErrors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    QTest::newRow("no command") << QStringList() << QStringLiteral("Usage: gpudeck-cli");
    QTest::newRow("unknown command") << words("fly") << QStringLiteral("unknown command \"fly\"");
    QTest::newRow("launch without plan") << words("launch --provider sandbox")
                                         << QStringLiteral("launch needs --provider and --plan");
    QTest::newRow("unknown provider")
        << words("plans --provider nimbus") << QStringLiteral("unknown provider \"nimbus\"");
    QTest::newRow("destroy without --yes")
        << words("destroy sbx-00000000") << QStringLiteral("add --yes");
    QTest::newRow("exec without command")
        << words("exec sbx-00000000") << QStringLiteral("exec ID [--accept-new] -- CMD");
    QTest::newRow("unknown plan") << words("launch --provider sandbox --plan x")
                                  << QStringLiteral("The Sandbox has no plan \"x\"");
    QTest::newRow("unknown provider for an id")
        << words("exec --provider nimbus sbx-00000000 -- true")
        << QStringLiteral("unknown provider \"nimbus\"");
    QTest::newRow("bad disk") << words("launch --provider sandbox --plan a100-1x --disk lots")
                              << QStringLiteral("--disk needs a size in GB");
    QTest::newRow("disk fixed by the plan")
        << words("launch --provider linode --plan g1-gpu-rtx6000-1 --disk 100")
        << QStringLiteral("On Linode the disk comes with the plan");
    QTest::newRow("cost bad date")
        << words("cost --since yesterday") << QStringLiteral("--since needs a date");
    QTest::newRow("job without command")
        << words("job sbx-00000000") << QStringLiteral("usage: job ID [options] -- CMD");
    QTest::newRow("job bad then") << words("job sbx-00000000 --then later -- true")
                                  << QStringLiteral("--then takes destroy, stop or keep");
    QTest::newRow("job outputs without to") << words("job sbx-00000000 --outputs out -- true")
                                            << QStringLiteral("--outputs and --to go together");
    QTest::newRow("hosts add without host")
        << words("hosts add box") << QStringLiteral("hosts add needs --host");
    QTest::newRow("hosts bad port") << words("hosts add box --host h --port 99999")
                                    << QStringLiteral("Port 99999 is not between 1 and 65535");
}

void TestCli::usageErrors()
{
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    const Run r = cli(args);
    QCOMPARE(r.code, 2);
    QVERIFY2(QString::fromUtf8(r.err + r.out).contains(message),
             QByteArray(r.err + r.out).constData());
}

void TestCli::destroyUnknownInstance()
{
    const Run r =
        cli({QStringLiteral("destroy"), QStringLiteral("sbx-00000000"), QStringLiteral("--yes")});
    QCOMPARE(r.code, 1);
    QVERIFY(r.err.contains("No instance sbx-00000000"));
}

void TestCli::jobDetachedThenWaitedEndsTheMachine()
{
    // gpudeck-cli job --detach starts the job and returns; the job runs on without it; a later
    // `job --wait` (another process) picks it up from the database, waits for its end, downloads
    // the outputs, destroys the machine after the countdown and prints the recap; it exits with
    // the job's own status.
    Run r = cli({QStringLiteral("launch"), QStringLiteral("--provider"), QStringLiteral("sandbox"),
                 QStringLiteral("--plan"), QStringLiteral("t4-1x"), QStringLiteral("--name"),
                 QStringLiteral("job-box"), QStringLiteral("--wait"), QStringLiteral("--json")});
    QVERIFY2(r.code == 0, r.err.constData());
    const QString id = QJsonDocument::fromJson(r.out).object()[QStringLiteral("id")].toString();
    const QString to = m_env->path() + QStringLiteral("/outputs");
    r = cli({QStringLiteral("job"), id, QStringLiteral("--outputs"), QStringLiteral("out"),
             QStringLiteral("--to"), to, QStringLiteral("--countdown"), QStringLiteral("1"),
             QStringLiteral("--detach"), QStringLiteral("--"), QStringLiteral("mkdir -p out;"),
             QStringLiteral("echo \"$((6 * 7))\" > out/answer.txt; sleep 2; exit 4")});
    QVERIFY2(r.code == 0, r.err.constData());
    const QString jobId = QString::fromUtf8(r.out).trimmed();
    QVERIFY(
        QString::fromUtf8(r.err).contains(QStringLiteral("job %1 started on job-box").arg(jobId)));

    r = cli({QStringLiteral("job"), id, QStringLiteral("--list")});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains(jobId.toUtf8()) && r.out.contains("then destroy"), r.out.constData());

    r = cli({QStringLiteral("job"), id, QStringLiteral("--wait")});
    QVERIFY2(r.code == 4, r.err.constData()); // the job's exit status
    QVERIFY2(r.err.contains("failed (exit status 4) — destroying in 0:01"), r.err.constData());
    QVERIFY(r.err.contains("Downloading out from job-box before destroying it"));
    QVERIFY2(QString::fromUtf8(r.out).startsWith(QStringLiteral("Destroyed %1 (job-box)").arg(id)),
             r.out.constData());
    QCOMPARE(test::readFile(to + QStringLiteral("/out/answer.txt")), QByteArray("42\n"));
    r = cli({QStringLiteral("ls"), QStringLiteral("--json")});
    QCOMPARE(QJsonDocument::fromJson(r.out).array().size(), 0);
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
