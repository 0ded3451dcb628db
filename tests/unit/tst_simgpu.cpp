// gpudeck-simgpu, the Sandbox's simulated GPU. It runs as a child process, as it does behind a
// Sandbox SSH session, and its output is held against real nvidia-smi captures and real Keras
// logs from ../shared (read in place).
#include "testenv.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

namespace {

struct Run {
    int exitCode = -1;
    QProcess::ExitStatus status = QProcess::CrashExit;
    QByteArray out;
    QByteArray err;

    [[nodiscard]] QStringList lines() const
    {
        QStringList l = QString::fromUtf8(out).split(QLatin1Char('\n'));
        if (!l.isEmpty() && l.last().isEmpty())
            l.removeLast();
        return l;
    }
};

QString rstrip(const QString& s)
{
    qsizetype n = s.size();
    while (n > 0 && s.at(n - 1).isSpace())
        --n;
    return s.left(n);
}

QStringList readLines(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QStringList lines = QString::fromUtf8(f.readAll()).split(QLatin1Char('\n'));
    if (!lines.isEmpty() && lines.last().isEmpty())
        lines.removeLast();
    return lines;
}

// From the first "+---" line at or after `from` to the border closing the process box.
QStringList tableAt(const QStringList& lines, qsizetype from = 0)
{
    qsizetype start = from;
    while (start < lines.size() && !lines.at(start).startsWith(QLatin1String("+---")))
        ++start;
    qsizetype i = start;
    while (i < lines.size() && !lines.at(i).startsWith(QLatin1String("| Processes:")))
        ++i;
    ++i;
    while (i < lines.size() && !lines.at(i).startsWith(QLatin1String("+---")))
        ++i;
    return i < lines.size() ? lines.mid(start, i - start + 1) : QStringList();
}

// The lines of a capture section, which starts after the "# $ <command>" banner and its
// closing "####" rule.
QStringList captureSection(const QStringList& lines, const QString& commandPrefix,
                           int occurrence = 0)
{
    for (qsizetype i = 0; i < lines.size(); ++i) {
        if (!lines.at(i).startsWith(QLatin1String("# $ ") + commandPrefix) || occurrence-- > 0)
            continue;
        QStringList body;
        for (qsizetype j = i + 2;
             j < lines.size() && !lines.at(j).startsWith(QLatin1String("####")); ++j)
            body << lines.at(j);
        while (!body.isEmpty() && body.last().isEmpty())
            body.removeLast();
        return body;
    }
    return {};
}

// A table line reduced to its frame: numbers blanked (right-aligned numbers keep their unit
// in place) and PCI bus ids masked, so a simulated line equals the real one exactly when
// every border, label, unit and alignment does.
QString frame(QString line)
{
    static const QRegularExpression busId(
        QStringLiteral("[0-9A-F]{8}:[0-9A-F]{2}:[0-9A-F]{2}\\.[0-9]"));
    static const QRegularExpression digit(QStringLiteral("[0-9]"));
    line.replace(busId, QStringLiteral("BUSID"));
    line.replace(digit, QStringLiteral(" "));
    return line;
}

// A CSV value's shape: decimals keep their count, other digits and hex letters collapse to
// 'h', so "69.85 W" and "357.12 W" agree while "69.85" (no unit) or "69.9 W" would not.
QString shape(QString value)
{
    static const QRegularExpression decimals(QStringLiteral("\\.(\\d+)"));
    static const QRegularExpression hex(QStringLiteral("[0-9A-Fa-f]+"));
    QString out;
    qsizetype last = 0;
    for (auto it = decimals.globalMatch(value); it.hasNext();) {
        const auto m = it.next();
        out += value.mid(last, m.capturedStart() - last) + QLatin1Char('.') +
               QString(m.capturedLength(1), QLatin1Char('#'));
        last = m.capturedEnd();
    }
    out += value.mid(last);
    return out.replace(hex, QStringLiteral("h"));
}

QStringList csvCells(const QString& line)
{
    return line.split(QStringLiteral(", "));
}

const char* const kH100Conf = "model=NVIDIA H100 80GB HBM3\nmemory_mib=81559\npower_limit_w=700\n"
                              "driver=590.48.01\ncuda=13.1\n";
const char* const kH100Capture =
    "nvidia_gpu_exporter/captures__linux-x86_64__nvidia-h100-80gb-hbm3__590.48.01.txt";

// Driver 535.129.03 on an A100-SXM4-40GB, idle, as published in a public training log: the
// 89-column layout of 535-545, of which ../shared holds no capture.
const char* const kTable535[] = {
    "+---------------------------------------------------------------------------------------+",
    "| NVIDIA-SMI 535.129.03             Driver Version: 535.129.03   CUDA Version: 12.2     |",
    "|-----------------------------------------+----------------------+----------------------+",
    "| GPU  Name                 Persistence-M | Bus-Id        Disp.A | Volatile Uncorr. ECC |",
    "| Fan  Temp   Perf          Pwr:Usage/Cap |         Memory-Usage | GPU-Util  Compute M. |",
    "|                                         |                      |               MIG M. |",
    "|=========================================+======================+======================|",
    "|   0  NVIDIA A100-SXM4-40GB          On  | 00000000:07:00.0 Off |                    0 |",
    "| N/A   33C    P0              47W / 400W |      4MiB / 40960MiB |      0%      Default |",
    "|                                         |                      |             Disabled |",
    "+-----------------------------------------+----------------------+----------------------+",
    "                                                                                         ",
    "+---------------------------------------------------------------------------------------+",
    "| Processes:                                                                            |",
    "|  GPU   GI   CI        PID   Type   Process name                            GPU Memory |",
    "|        ID   ID                                                             Usage      |",
    "|=======================================================================================|",
    "|  No running processes found                                                           |",
    "+---------------------------------------------------------------------------------------+",
};

// Keras 2 `model.fit(verbose=1)` end-of-epoch line.
const QRegularExpression& kerasLine()
{
    static const QRegularExpression re(QStringLiteral(
        "^(\\d+)/(\\d+) \\[=+\\] - \\d+s \\d+(ms|us)/step - loss: [0-9.]+ - accuracy: [0-9.]+"
        " - val_loss: [0-9.]+ - val_accuracy: [0-9.]+$"));
    return re;
}

} // namespace

class TestSimGpu final : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void cleanup();

    void queryHeaderMatchesCapture_data();
    void queryHeaderMatchesCapture();
    void fullFieldListMatchesCapture();
    void queryValueShapesMatchCapture_data();
    void queryValueShapesMatchCapture();
    void queryValuesInRange();
    void queryFormats_data();
    void queryFormats();
    void computeAppsIdleIsHeaderOnly();
    void unknownFieldFails_data();
    void unknownFieldFails();
    void badOptionFails_data();
    void badOptionFails();
    void badConfigFails_data();
    void badConfigFails();
    void selectGpuById();
    void listAndVersion();
    void dispatchBySubcommand();

    void tableMatchesCapture_data();
    void tableMatchesCapture();
    void table535Layout();
    void busyTableMatchesCapture();

    void trainingLoadsTheGpus();
    void trainingStopsCleanlyOnTerm();
    void trainingIsDeterministic();
    void staleStateIsIdle();
    void loopMsStreamsUntilKilled_data();
    void loopMsStreamsUntilKilled();

private:
    [[nodiscard]] QString tool(const char* name) const;
    [[nodiscard]] Run run(const QString& program, const QStringList& args, int timeoutMs = 10000);
    [[nodiscard]] Run smi(const QStringList& args) { return run(tool("nvidia-smi"), args); }
    void writeConf(const QByteArray& text);
    [[nodiscard]] QString capturePath(const QString& relative) const;
    [[nodiscard]] QString statePath() const
    {
        return m_sandbox->path() + QStringLiteral("/run/train.state");
    }
    void compareTables(const QStringList& real, const QStringList& sim, bool realIsTrimmed);

    QString m_program;
    QString m_captures; // empty when ../shared is absent
    std::unique_ptr<QTemporaryDir> m_sandbox;
    QProcessEnvironment m_env;
};

QString TestSimGpu::tool(const char* name) const
{
    return m_sandbox->path() + QStringLiteral("/bin/") + QLatin1String(name);
}

Run TestSimGpu::run(const QString& program, const QStringList& args, int timeoutMs)
{
    QProcess p;
    p.setProcessEnvironment(m_env);
    p.start(program, args);
    Run r;
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        return r;
    }
    r.exitCode = p.exitCode();
    r.status = p.exitStatus();
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

void TestSimGpu::writeConf(const QByteArray& text)
{
    QFile f(m_sandbox->path() + QStringLiteral("/gpu.conf"));
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(f.write(text), text.size());
}

QString TestSimGpu::capturePath(const QString& relative) const
{
    return m_captures + QLatin1Char('/') + relative;
}

void TestSimGpu::initTestCase()
{
    m_program = gpudeck::test::binDir() + QStringLiteral("/gpudeck-simgpu");
    QVERIFY2(QFileInfo(m_program).isExecutable(),
             qPrintable(m_program + QStringLiteral(" is not built")));
    const QString shared = gpudeck::test::sharedDir();
    if (!shared.isEmpty() && QFileInfo(shared + QStringLiteral("/realdata/nvidia-smi")).isDir())
        m_captures = shared + QStringLiteral("/realdata/nvidia-smi");
}

// Every test gets a fresh instance folder laid out like a Sandbox machine's: gpu.conf (when
// the test writes one), run/, and bin/ with the two symlinks.
void TestSimGpu::init()
{
    m_sandbox = std::make_unique<QTemporaryDir>();
    QVERIFY(m_sandbox->isValid());
    const QString bin = m_sandbox->path() + QStringLiteral("/bin");
    QVERIFY(QDir().mkpath(bin));
    QVERIFY(QFile::link(m_program, bin + QStringLiteral("/nvidia-smi")));
    QVERIFY(QFile::link(m_program, bin + QStringLiteral("/gpudeck-demo-train")));
    m_env = QProcessEnvironment::systemEnvironment();
    m_env.insert(QStringLiteral("GPUDECK_SANDBOX_DIR"), m_sandbox->path());
    m_env.insert(QStringLiteral("HOME"), m_sandbox->path());
    m_env.insert(QStringLiteral("PATH"),
                 bin + QLatin1Char(':') + m_env.value(QStringLiteral("PATH")));
}

void TestSimGpu::cleanup()
{
    m_sandbox.reset();
}

void TestSimGpu::queryHeaderMatchesCapture_data()
{
    QTest::addColumn<QString>("asked");
    QTest::addColumn<QString>("canonical");
    QTest::newRow("identity") << QStringLiteral("index,name,uuid,pci.bus_id,driver_version,pstate")
                              << QStringLiteral("index,name,uuid,pci.bus_id,driver_version,pstate");
    QTest::newRow("load") << QStringLiteral("temperature.gpu,utilization.gpu,utilization.memory")
                          << QStringLiteral("temperature.gpu,utilization.gpu,utilization.memory");
    QTest::newRow("memory")
        << QStringLiteral("memory.total,memory.used,memory.free,memory.reserved")
        << QStringLiteral("memory.total,memory.used,memory.free,memory.reserved");
    QTest::newRow("power") << QStringLiteral("power.draw,power.limit,enforced.power.limit")
                           << QStringLiteral("power.draw,power.limit,enforced.power.limit");
    QTest::newRow("clock aliases")
        << QStringLiteral("clocks.sm,clocks.max.sm,clocks.mem,clocks.gr")
        << QStringLiteral("clocks.current.sm,clocks.max.sm,"
                          "clocks.current.memory,clocks.current.graphics");
    QTest::newRow("name aliases") << QStringLiteral("gpu_name,gpu_uuid,gpu_bus_id")
                                  << QStringLiteral("name,uuid,pci.bus_id");
    QTest::newRow("misc")
        << QStringLiteral("fan.speed,timestamp,count,compute_mode,persistence_mode")
        << QStringLiteral("fan.speed,timestamp,count,compute_mode,persistence_mode");
}

// The header names the canonical property whatever alias was asked for, with the unit the
// real tool prints.
void TestSimGpu::queryHeaderMatchesCapture()
{
    QFETCH(QString, asked);
    QFETCH(QString, canonical);
    if (m_captures.isEmpty())
        QSKIP(
            "The shared nvidia-smi captures are absent (GPUDECK_SHARED_DIR/realdata/nvidia-smi).");
    const QStringList section = captureSection(readLines(capturePath(QLatin1String(kH100Capture))),
                                               QStringLiteral("nvidia-smi --query-gpu="));
    QVERIFY(section.size() >= 2);
    QHash<QString, QString> realHeader;
    for (const QString& token : csvCells(section.first()))
        realHeader.insert(token.section(QLatin1Char(' '), 0, 0), token);
    QStringList expected;
    for (const QString& name : canonical.split(QLatin1Char(','))) {
        QVERIFY2(realHeader.contains(name), qPrintable(name));
        expected << realHeader.value(name);
    }

    const Run r = smi({QStringLiteral("--query-gpu=") + asked, QStringLiteral("--format=csv")});
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.lines().size(), 2);
    QCOMPARE(r.lines().first(), expected.join(QStringLiteral(", ")));
}

// The whole property list of driver 590 (212 properties) gives the captured header verbatim.
void TestSimGpu::fullFieldListMatchesCapture()
{
    if (m_captures.isEmpty())
        QSKIP(
            "The shared nvidia-smi captures are absent (GPUDECK_SHARED_DIR/realdata/nvidia-smi).");
    const QStringList lines = readLines(capturePath(QLatin1String(kH100Capture)));
    QString command;
    for (const QString& line : lines) {
        if (line.startsWith(QLatin1String("# $ nvidia-smi --query-gpu="))) {
            command = line;
            break;
        }
    }
    static const QRegularExpression fieldsRe(QStringLiteral("--query-gpu=(\\S+)"));
    const QString fields = fieldsRe.match(command).captured(1);
    QVERIFY(fields.count(QLatin1Char(',')) > 200);
    const QStringList section = captureSection(lines, QStringLiteral("nvidia-smi --query-gpu="));

    writeConf(kH100Conf);
    const Run r = smi({QStringLiteral("--query-gpu=") + fields, QStringLiteral("--format=csv")});
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.lines().size(), 2);
    QCOMPARE(r.lines().at(0), section.at(0));
    QCOMPARE(csvCells(r.lines().at(1)).size(), csvCells(section.at(1)).size());
}

void TestSimGpu::queryValueShapesMatchCapture_data()
{
    QTest::addColumn<QString>("field");
    for (const char* f : {"index",
                          "name",
                          "uuid",
                          "pci.bus_id",
                          "driver_version",
                          "pstate",
                          "temperature.gpu",
                          "utilization.gpu",
                          "utilization.memory",
                          "memory.total",
                          "memory.used",
                          "memory.free",
                          "memory.reserved",
                          "power.draw",
                          "power.limit",
                          "enforced.power.limit",
                          "clocks.current.sm",
                          "clocks.max.sm",
                          "clocks.current.memory",
                          "fan.speed",
                          "timestamp",
                          "count",
                          "compute_mode",
                          "persistence_mode",
                          "pci.device_id",
                          "compute_cap",
                          "temperature.memory"})
        QTest::newRow(f) << QString::fromLatin1(f);
}

// Each value has the shape of the captured H100's: units, decimals, [N/A] for the fan of a
// datacenter board.
void TestSimGpu::queryValueShapesMatchCapture()
{
    QFETCH(QString, field);
    if (m_captures.isEmpty())
        QSKIP(
            "The shared nvidia-smi captures are absent (GPUDECK_SHARED_DIR/realdata/nvidia-smi).");
    const QStringList section = captureSection(readLines(capturePath(QLatin1String(kH100Capture))),
                                               QStringLiteral("nvidia-smi --query-gpu="));
    QVERIFY(section.size() >= 2);
    const QStringList header = csvCells(section.at(0));
    qsizetype column = -1;
    for (qsizetype i = 0; i < header.size(); ++i) {
        if (header.at(i).section(QLatin1Char(' '), 0, 0) == field)
            column = i;
    }
    QVERIFY(column >= 0);
    const QString real = csvCells(section.at(1)).at(column);

    writeConf(kH100Conf);
    const Run r =
        smi({QStringLiteral("--query-gpu=") + field, QStringLiteral("--format=csv,noheader")});
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.lines().size(), 1);
    QCOMPARE(shape(r.lines().first()), shape(real));
}

// Four GPUs, idle: one row each, numbers that add up.
void TestSimGpu::queryValuesInRange()
{
    writeConf("count=4\n");
    const Run r = smi({QStringLiteral("--query-gpu=index,uuid,utilization.gpu,memory.total,"
                                      "memory.used,memory.free,temperature.gpu,power.draw,"
                                      "power.limit,clocks.sm,clocks.max.sm,pstate"),
                       QStringLiteral("--format=csv,noheader,nounits")});
    QCOMPARE(r.exitCode, 0);
    const QStringList rows = r.lines();
    QCOMPARE(rows.size(), 4);
    QSet<QString> uuids;
    for (int i = 0; i < rows.size(); ++i) {
        const QStringList c = csvCells(rows.at(i));
        QCOMPARE(c.size(), 12);
        QCOMPARE(c.at(0), QString::number(i));
        uuids.insert(c.at(1));
        bool ok[10] = {};
        const int util = c.at(2).toInt(&ok[0]);
        const int total = c.at(3).toInt(&ok[1]);
        const int used = c.at(4).toInt(&ok[2]);
        const int free = c.at(5).toInt(&ok[3]);
        const int temp = c.at(6).toInt(&ok[4]);
        const double power = c.at(7).toDouble(&ok[5]);
        const double limit = c.at(8).toDouble(&ok[6]);
        const int sm = c.at(9).toInt(&ok[7]);
        const int maxSm = c.at(10).toInt(&ok[8]);
        for (int k = 0; k < 9; ++k)
            QVERIFY2(ok[k], qPrintable(rows.at(i)));
        QCOMPARE(util, 0);
        QCOMPARE(total, 81920);
        QVERIFY(used >= 0 && used < 1024);
        QVERIFY(free > 80000 && used + free <= total);
        QVERIFY2(temp >= 25 && temp <= 45, qPrintable(rows.at(i)));
        QCOMPARE(limit, 400.0);
        QVERIFY2(power > 30 && power < 100, qPrintable(rows.at(i)));
        QVERIFY(sm > 0 && sm < maxSm);
        QCOMPARE(maxSm, 1410);
        QCOMPARE(c.at(11), QStringLiteral("P0"));
    }
    QCOMPARE(uuids.size(), 4);
}

void TestSimGpu::queryFormats_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<bool>("header");
    QTest::addColumn<QString>("memoryCell");
    const QString units = QStringLiteral("^\\d+ MiB$");
    const QString bare = QStringLiteral("^\\d+$");
    QTest::newRow("csv") << QStringList{QStringLiteral("--query-gpu=index,memory.used"),
                                        QStringLiteral("--format=csv")}
                         << true << units;
    QTest::newRow("csv,noheader") << QStringList{QStringLiteral("--query-gpu=index,memory.used"),
                                                 QStringLiteral("--format=csv,noheader")}
                                  << false << units;
    QTest::newRow("csv,noheader,nounits")
        << QStringList{QStringLiteral("--query-gpu=index,memory.used"),
                       QStringLiteral("--format=csv,noheader,nounits")}
        << false << bare;
    QTest::newRow("telegraf order") << QStringList{QStringLiteral("--format=noheader,nounits,csv"),
                                                   QStringLiteral("--query-gpu=index,memory.used")}
                                    << false << bare;
    QTest::newRow("spaced options")
        << QStringList{QStringLiteral("--query-gpu"), QStringLiteral("index,memory.used"),
                       QStringLiteral("--format"), QStringLiteral("csv,nounits")}
        << true << bare;
}

void TestSimGpu::queryFormats()
{
    QFETCH(QStringList, args);
    QFETCH(bool, header);
    QFETCH(QString, memoryCell);
    writeConf("count=2\n");
    const Run r = smi(args);
    QCOMPARE(r.exitCode, 0);
    QStringList rows = r.lines();
    QCOMPARE(rows.size(), header ? 3 : 2);
    if (header) {
        // The unit stays in the header even with nounits, as on the real tool.
        QCOMPARE(rows.takeFirst(), QStringLiteral("index, memory.used [MiB]"));
    }
    for (int i = 0; i < rows.size(); ++i) {
        const QStringList c = csvCells(rows.at(i));
        QCOMPARE(c.size(), 2);
        QCOMPARE(c.at(0), QString::number(i));
        QVERIFY2(QRegularExpression(memoryCell).match(c.at(1)).hasMatch(), qPrintable(c.at(1)));
    }
}

void TestSimGpu::computeAppsIdleIsHeaderOnly()
{
    const Run r = smi({QStringLiteral("--query-compute-apps=pid,process_name,used_memory"),
                       QStringLiteral("--format=csv")});
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.lines(), QStringList{QStringLiteral("pid, process_name, used_gpu_memory [MiB]")});
    const Run bare =
        smi({QStringLiteral("--query-compute-apps=pid"), QStringLiteral("--format=csv,noheader")});
    QCOMPARE(bare.exitCode, 0);
    QVERIFY(bare.out.isEmpty());
}

void TestSimGpu::unknownFieldFails_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<QString>("field");
    QTest::newRow("gpu") << QStringLiteral("--query-gpu=index,cuda_version")
                         << QStringLiteral("cuda_version");
    QTest::newRow("typo") << QStringLiteral("--query-gpu=memory.usedd")
                          << QStringLiteral("memory.usedd");
    QTest::newRow("compute apps") << QStringLiteral("--query-compute-apps=pid,gpu_util")
                                  << QStringLiteral("gpu_util");
}

// nvidia-smi answers an unknown property on stdout and exits with 2 (invalid argument).
void TestSimGpu::unknownFieldFails()
{
    QFETCH(QString, query);
    QFETCH(QString, field);
    const Run r = smi({query, QStringLiteral("--format=csv")});
    QCOMPARE(r.status, QProcess::NormalExit);
    QCOMPARE(r.exitCode, 2);
    QCOMPARE(r.lines().value(0),
             QStringLiteral("Field \"%1\" is not a valid field to query.").arg(field));
}

void TestSimGpu::badOptionFails_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    QTest::newRow("unknown")
        << QStringList{QStringLiteral("--bogus")}
        << QStringLiteral(
               "ERROR: Option --bogus is not recognized. Please run 'nvidia-smi -h' for help.");
    QTest::newRow("glued -lms")
        << QStringList{QStringLiteral("-lms100")}
        << QStringLiteral(
               "ERROR: Option -lms100 is not recognized. Please run 'nvidia-smi -h' for help.");
    QTest::newRow("missing value")
        << QStringList{QStringLiteral("-l")}
        << QStringLiteral(
               "ERROR: Option -l is missing its value. Please run 'nvidia-smi -h' for help.");
    QTest::newRow("no format")
        << QStringList{QStringLiteral("--query-gpu=index")}
        << QStringLiteral("\"--format=\" switch is missing. Please run 'nvidia-smi -h' for help.");
}

void TestSimGpu::badOptionFails()
{
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    const Run r = smi(args);
    QCOMPARE(r.exitCode, 2);
    QCOMPARE(r.lines().value(0), message);
}

void TestSimGpu::badConfigFails_data()
{
    QTest::addColumn<QByteArray>("conf");
    QTest::addColumn<QString>("expected");
    QTest::newRow("count too high") << QByteArray("model=NVIDIA A100-SXM4-80GB\ncount=9\n")
                                    << QStringLiteral("gpu.conf:2: invalid count=\"9\"");
    QTest::newRow("count not a number")
        << QByteArray("count=two\n") << QStringLiteral("gpu.conf:1: invalid count");
    QTest::newRow("tiny memory") << QByteArray("memory_mib=12\n")
                                 << QStringLiteral("invalid memory_mib");
    QTest::newRow("old driver") << QByteArray("driver=470.82.01\n")
                                << QStringLiteral("invalid driver");
    QTest::newRow("comma in model") << QByteArray("model=a,b\n") << QStringLiteral("invalid model");
    QTest::newRow("unknown key") << QByteArray("# comment\ncolour=green\n")
                                 << QStringLiteral("gpu.conf:2: unknown key \"colour\"");
    QTest::newRow("no equals") << QByteArray("count\n") << QStringLiteral("expected key=value");
}

void TestSimGpu::badConfigFails()
{
    QFETCH(QByteArray, conf);
    QFETCH(QString, expected);
    writeConf(conf);
    const Run r = smi({});
    QCOMPARE(r.exitCode, 255);
    QVERIFY(r.out.isEmpty());
    QVERIFY2(QString::fromUtf8(r.err).contains(expected), r.err.constData());
}

void TestSimGpu::selectGpuById()
{
    writeConf("count=3\n");
    const Run all =
        smi({QStringLiteral("--query-gpu=index,uuid"), QStringLiteral("--format=csv,noheader")});
    QCOMPARE(all.lines().size(), 3);
    const QString uuid2 = csvCells(all.lines().at(2)).at(1);
    const Run some =
        smi({QStringLiteral("-i"), QStringLiteral("1,") + uuid2,
             QStringLiteral("--query-gpu=index"), QStringLiteral("--format=csv,noheader")});
    QCOMPARE(some.exitCode, 0);
    QCOMPARE(some.lines(), (QStringList{QStringLiteral("1"), QStringLiteral("2")}));
    const Run none = smi({QStringLiteral("--id=7"), QStringLiteral("--query-gpu=index"),
                          QStringLiteral("--format=csv")});
    QCOMPARE(none.exitCode, 6);
    QCOMPARE(none.lines().value(0), QStringLiteral("No devices were found"));
}

void TestSimGpu::listAndVersion()
{
    writeConf("count=2\n");
    const Run list = smi({QStringLiteral("-L")});
    QCOMPARE(list.exitCode, 0);
    QCOMPARE(list.lines().size(), 2);
    static const QRegularExpression listRe(
        QStringLiteral("^GPU (\\d): NVIDIA A100-SXM4-80GB \\(UUID: "
                       "GPU-[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}\\)$"));
    for (int i = 0; i < 2; ++i) {
        const auto m = listRe.match(list.lines().at(i));
        QVERIFY2(m.hasMatch(), qPrintable(list.lines().at(i)));
        QCOMPARE(m.captured(1).toInt(), i);
    }

    const Run version = smi({QStringLiteral("--version")});
    QCOMPARE(version.exitCode, 0);
    QCOMPARE(version.lines(), (QStringList{QStringLiteral("NVIDIA-SMI version  : 535.129.03"),
                                           QStringLiteral("NVML version        : 535.129"),
                                           QStringLiteral("DRIVER version      : 535.129.03"),
                                           QStringLiteral("CUDA Version        : 12.2")}));
    if (m_captures.isEmpty())
        QSKIP(
            "The shared nvidia-smi captures are absent (GPUDECK_SHARED_DIR/realdata/nvidia-smi).");
    writeConf(kH100Conf);
    QCOMPARE(smi({QStringLiteral("--version")}).lines(),
             captureSection(readLines(capturePath(QLatin1String(kH100Capture))),
                            QStringLiteral("nvidia-smi --version")));
}

// One executable, two names: through the symlinks or with the name as first argument.
void TestSimGpu::dispatchBySubcommand()
{
    const Run viaLink = smi({QStringLiteral("-L")});
    const Run viaArg = run(m_program, {QStringLiteral("nvidia-smi"), QStringLiteral("-L")});
    QCOMPARE(viaArg.exitCode, 0);
    QCOMPARE(viaArg.out, viaLink.out);
    QVERIFY(viaArg.out.startsWith("GPU 0: "));
    const Run bare = run(m_program, {});
    QCOMPARE(bare.exitCode, 2);
    QVERIFY(bare.err.contains("usage"));
}

void TestSimGpu::compareTables(const QStringList& real, const QStringList& sim, bool realIsTrimmed)
{
    QVERIFY2(!real.isEmpty(), "no table in the capture");
    QCOMPARE(sim.size(), real.size());
    for (qsizetype i = 0; i < real.size(); ++i) {
        const QString r = frame(real.at(i));
        const QString s = frame(sim.at(i));
        if (realIsTrimmed)
            QCOMPARE(rstrip(s), r);
        else
            QCOMPARE(s, r);
    }
}

void TestSimGpu::tableMatchesCapture_data()
{
    QTest::addColumn<QString>("capture");
    QTest::addColumn<QString>("marker"); // the table follows this line; empty: the whole file
    QTest::addColumn<bool>("trimmed");   // the capture lost its trailing spaces
    QTest::addColumn<QByteArray>("conf");
    QTest::newRow("550.90.07 8x H100")
        << QStringLiteral("leptonai_gpud/nvidia-smi.550.90.07.out.0.valid") << QString() << true
        << QByteArray("model=NVIDIA H100 80GB HBM3\ncount=8\ndriver=550.90.07\ncuda=12.4\n");
    QTest::newRow("555.42.02 4x A100")
        << QStringLiteral("thamada_nvidia-smi_tables/A100SXMx4__nvidia-smi_table.txt") << QString()
        << false << QByteArray("count=4\npower_limit_w=500\ndriver=555.42.02\ncuda=12.5\n");
    QTest::newRow("560.35.03 2x RTX 3090")
        << QStringLiteral("thamada_nvidia-smi_tables/RTX3090__nvidia-smi_table.txt") << QString()
        << false
        << QByteArray(
               "model=NVIDIA GeForce RTX 3090\ncount=2\nmemory_mib=24576\npower_limit_w=350\n"
               "driver=560.35.03\ncuda=12.6\n");
    // A 30-character name: the table keeps 24 characters and adds "...".
    QTest::newRow("550.127.05 8x RTX 6000 Ada")
        << QStringLiteral("thamada_nvidia-smi_tables/RTX6000Ada_x8__nvidia-smi_table.txt")
        << QString() << false
        << QByteArray("model=NVIDIA RTX 6000 Ada Generation\ncount=8\nmemory_mib=49140\n"
                      "power_limit_w=300\necc=off\ndriver=550.127.05\ncuda=12.4\n");
    QTest::newRow("565.57.01 8x H100")
        << QStringLiteral("thamada_nvidia-smi_tables/H100SXMx8__nvidia-smi_table.txt") << QString()
        << false
        << QByteArray("model=NVIDIA H100 80GB HBM3\ncount=8\ndriver=565.57.01\ncuda=12.7\n");
    QTest::newRow("590.48.01 H100")
        << QString::fromLatin1(kH100Capture)
        << QStringLiteral("# idle :: nvidia-smi (default table)") << false << QByteArray(kH100Conf);
}

// The idle summary table, frame for frame: borders, labels, column widths, units and
// alignment are those the real driver of the same branch prints.
void TestSimGpu::tableMatchesCapture()
{
    QFETCH(QString, capture);
    QFETCH(QString, marker);
    QFETCH(bool, trimmed);
    QFETCH(QByteArray, conf);
    if (m_captures.isEmpty())
        QSKIP(
            "The shared nvidia-smi captures are absent (GPUDECK_SHARED_DIR/realdata/nvidia-smi).");
    const QStringList lines = readLines(capturePath(capture));
    const qsizetype from = marker.isEmpty() ? 0 : lines.indexOf(marker);
    QVERIFY(from >= 0);
    const QStringList real = tableAt(lines, from);

    writeConf(conf);
    const Run r = smi({});
    QCOMPARE(r.exitCode, 0);
    static const QRegularExpression stamp(
        QStringLiteral("^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} [ 1-3]\\d "
                       "\\d\\d:\\d\\d:\\d\\d \\d{4}       $"));
    QVERIFY2(stamp.match(r.lines().value(0)).hasMatch(), qPrintable(r.lines().value(0)));
    compareTables(real, tableAt(r.lines()), trimmed);
}

// Driver 535 (the Sandbox default) has the narrower 89-column layout.
void TestSimGpu::table535Layout()
{
    writeConf("model=NVIDIA A100-SXM4-40GB\n");
    const Run r = smi({});
    QCOMPARE(r.exitCode, 0);
    QStringList real;
    for (const char* line : kTable535)
        real << QString::fromLatin1(line);
    compareTables(real, tableAt(r.lines()), false);
    QCOMPARE(r.lines().at(2), real.at(1)); // the banner, digits included
}

// Busy: the summary and the process list against the captured H100 under load.
void TestSimGpu::busyTableMatchesCapture()
{
    if (m_captures.isEmpty())
        QSKIP(
            "The shared nvidia-smi captures are absent (GPUDECK_SHARED_DIR/realdata/nvidia-smi).");
    const QStringList lines = readLines(capturePath(QLatin1String(kH100Capture)));
    const QStringList real =
        tableAt(lines, lines.indexOf(QStringLiteral("# load :: nvidia-smi (default table)")));
    QVERIFY(real.size() > 20);

    // This test process plays the training job: alive, and recorded as such.
    writeConf(kH100Conf);
    QVERIFY(QDir().mkpath(m_sandbox->path() + QStringLiteral("/run")));
    QFile state(statePath());
    QVERIFY(state.open(QIODevice::WriteOnly));
    state.write(QStringLiteral("pid=%1\nstart=%2\nname=./gpu_burn\n")
                    .arg(QCoreApplication::applicationPid())
                    .arg(QDateTime::currentMSecsSinceEpoch() / 1000.0 - 30.0, 0, 'f', 3)
                    .toUtf8());
    state.close();

    const Run r = smi({});
    QCOMPARE(r.exitCode, 0);
    const QStringList sim = tableAt(r.lines());
    const qsizetype rows =
        real.indexOf(real.filter(QRegularExpression(QStringLiteral("^\\|=+\\|$"))).value(0)) + 1;
    QVERIFY(rows > 10);
    // Everything up to the first process row, frame for frame.
    compareTables(real.mid(0, rows), sim.mid(0, rows), false);
    // The process row: same frame as the capture's row for ./gpu_burn, busy numbers.
    const QString realRow = real.filter(QStringLiteral("./gpu_burn")).value(0);
    const QString simRow = sim.value(rows);
    QVERIFY(!realRow.isEmpty());
    QCOMPARE(frame(simRow), frame(realRow));
    QCOMPARE(sim.value(rows + 1), real.last());
    const QStringList cells = sim.at(8).split(QLatin1Char('|'));
    static const QRegularExpression util(QStringLiteral("^\\s+(\\d+)%\\s+Default $"));
    const auto m = util.match(cells.value(3));
    QVERIFY2(m.hasMatch() && m.captured(1).toInt() >= 90, qPrintable(sim.at(8)));
}

// The demo job loads every GPU while it runs and leaves them idle, and its state file gone,
// when it ends.
void TestSimGpu::trainingLoadsTheGpus()
{
    writeConf("count=2\n");
    const QString log = m_sandbox->path() + QStringLiteral("/train.log");
    QProcess train;
    train.setProcessEnvironment(m_env);
    train.start(tool("gpudeck-demo-train"),
                {QStringLiteral("--epochs"), QStringLiteral("2"), QStringLiteral("--steps"),
                 QStringLiteral("5"), QStringLiteral("--step-ms"), QStringLiteral("100"),
                 QStringLiteral("--log"), log});
    QVERIFY(train.waitForStarted());
    const qint64 pid = train.processId();
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(statePath()), 10000);

    const Run busy =
        smi({QStringLiteral("--query-gpu=index,utilization.gpu,memory.used,memory.total"),
             QStringLiteral("--format=csv,noheader,nounits")});
    const Run apps =
        smi({QStringLiteral("--query-compute-apps=pid,process_name,used_memory,gpu_uuid,"
                            "gpu_name,gpu_bus_id"),
             QStringLiteral("--format=csv,noheader,nounits")});
    const Run table = smi({});
    const bool stillRunning = train.state() != QProcess::NotRunning;
    QVERIFY(train.waitForFinished(10000));
    QCOMPARE(train.exitStatus(), QProcess::NormalExit);
    QCOMPARE(train.exitCode(), 0);
    QVERIFY2(stillRunning, "the training ended before the busy samples were taken");

    QCOMPARE(busy.lines().size(), 2);
    for (const QString& row : busy.lines()) {
        const QStringList c = csvCells(row);
        QVERIFY2(c.at(1).toInt() > 50, qPrintable(row));
        const double share = c.at(2).toDouble() / c.at(3).toDouble();
        QVERIFY2(share > 0.55 && share < 0.8, qPrintable(row));
    }
    QCOMPARE(apps.lines().size(), 2);
    for (int i = 0; i < 2; ++i) {
        const QStringList c = csvCells(apps.lines().at(i));
        QCOMPARE(c.size(), 6);
        QCOMPARE(c.at(0).toLongLong(), pid);
        QVERIFY2(c.at(1).endsWith(QLatin1String("gpudeck-demo-train")), qPrintable(c.at(1)));
        QVERIFY(c.at(2).toInt() > 1000);
        QCOMPARE(c.at(4), QStringLiteral("NVIDIA A100-SXM4-80GB"));
    }
    static const QRegularExpression processRow(QStringLiteral(
        "^\\|    ([01])   N/A  N/A +(\\d+) +C   .*gpudeck-demo-train +(\\d+)MiB \\|$"));
    const QStringList rows = table.lines().filter(processRow);
    QCOMPARE(rows.size(), 2);
    for (const QString& row : rows)
        QCOMPARE(row.size(), 89);
    QVERIFY(!table.out.contains("No running processes found"));

    // Finished: idle again, nothing listed, the state file removed.
    QVERIFY(!QFile::exists(statePath()));
    const Run idle = smi({QStringLiteral("--query-gpu=utilization.gpu"),
                          QStringLiteral("--format=csv,noheader,nounits")});
    QCOMPARE(idle.lines(), (QStringList{QStringLiteral("0"), QStringLiteral("0")}));
    QVERIFY(
        smi({QStringLiteral("--query-compute-apps=pid"), QStringLiteral("--format=csv,noheader")})
            .out.isEmpty());
    QVERIFY(smi({}).out.contains("|  No running processes found"));

    // Keras 2 verbose=1 output; the pattern is first checked against a real Keras log.
    const QString shared = gpudeck::test::sharedDir();
    if (!shared.isEmpty()) {
        const QStringList real = readLines(
            shared + QStringLiteral(
                         "/realdata/training-logs/keras/"
                         "handson-ml2__11_training_deep_neural_networks__cell155__short_2ep.log"));
        QCOMPARE(real.size(), 4);
        QVERIFY(kerasLine().match(real.at(1)).hasMatch());
        QVERIFY(kerasLine().match(real.at(3)).hasMatch());
    }
    const QStringList out = QString::fromUtf8(train.readAllStandardOutput())
                                .split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(out.size(), 4);
    QCOMPARE(out.at(0), QStringLiteral("Epoch 1/2"));
    QCOMPARE(out.at(2), QStringLiteral("Epoch 2/2"));
    for (int i : {1, 3}) {
        const auto m = kerasLine().match(out.at(i));
        QVERIFY2(m.hasMatch(), qPrintable(out.at(i)));
        QCOMPARE(m.captured(1), QStringLiteral("5"));
        QCOMPARE(m.captured(2), QStringLiteral("5"));
    }
    QCOMPARE(readLines(log), out);
}

void TestSimGpu::trainingStopsCleanlyOnTerm()
{
    QProcess train;
    train.setProcessEnvironment(m_env);
    train.start(tool("gpudeck-demo-train"), {QStringLiteral("--epochs"), QStringLiteral("50")});
    QVERIFY(train.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(statePath()), 10000);
    train.terminate();
    QVERIFY(train.waitForFinished(3000));
    QCOMPARE(train.exitStatus(), QProcess::NormalExit);
    QCOMPARE(train.exitCode(), 128 + 15);
    QVERIFY(!QFile::exists(statePath()));
    QVERIFY(QFile::exists(m_sandbox->path() + QStringLiteral("/run/train.last")));
}

void TestSimGpu::trainingIsDeterministic()
{
    const QStringList args{QStringLiteral("--epochs"),  QStringLiteral("2"),
                           QStringLiteral("--steps"),   QStringLiteral("3"),
                           QStringLiteral("--step-ms"), QStringLiteral("5")};
    // The metrics, without the timings.
    const auto metrics = [](const Run& r) {
        QStringList m;
        for (const QString& line : r.lines())
            m << line.section(QStringLiteral(" - loss: "), 1);
        return m;
    };
    const Run a = run(tool("gpudeck-demo-train"),
                      args + QStringList{QStringLiteral("--seed"), QStringLiteral("7")});
    const Run b = run(tool("gpudeck-demo-train"),
                      args + QStringList{QStringLiteral("--seed"), QStringLiteral("7")});
    const Run c = run(tool("gpudeck-demo-train"),
                      args + QStringList{QStringLiteral("--seed"), QStringLiteral("8")});
    QCOMPARE(a.exitCode, 0);
    QCOMPARE(metrics(a).size(), 4);
    QCOMPARE(metrics(a), metrics(b));
    QVERIFY(metrics(a) != metrics(c));
    // A plausible learning curve: the second epoch's loss is lower.
    const double first = metrics(a).at(1).section(QLatin1Char(' '), 0, 0).toDouble();
    const double second = metrics(a).at(3).section(QLatin1Char(' '), 0, 0).toDouble();
    QVERIFY2(first > second && second > 0, qPrintable(a.lines().join(QLatin1Char('\n'))));
}

// A state file whose pid now belongs to another process (or to none) does not make the GPUs
// busy: the recorded process start time has to match too.
void TestSimGpu::staleStateIsIdle()
{
    QVERIFY(QDir().mkpath(m_sandbox->path() + QStringLiteral("/run")));
    const auto writeState = [this](qint64 pid, const QString& procStart) {
        QFile state(statePath());
        QVERIFY(state.open(QIODevice::WriteOnly | QIODevice::Truncate));
        state.write(QStringLiteral("pid=%1\nstart=%2\nproc_start=%3\nname=python\n")
                        .arg(pid)
                        .arg(QDateTime::currentMSecsSinceEpoch() / 1000.0 - 5.0, 0, 'f', 3)
                        .arg(procStart)
                        .toUtf8());
    };
    const QStringList query{QStringLiteral("--query-gpu=utilization.gpu"),
                            QStringLiteral("--format=csv,noheader,nounits")};

    // This test process, with its real start time: busy.
    QFile self(QStringLiteral("/proc/self/stat"));
    QVERIFY(self.open(QIODevice::ReadOnly));
    const QByteArray stat = self.readAll();
    const QList<QByteArray> fields = stat.mid(stat.lastIndexOf(')') + 2).split(' ');
    QVERIFY(fields.size() > 20);
    writeState(QCoreApplication::applicationPid(), QString::fromLatin1(fields.at(19)));
    QVERIFY(smi(query).lines().value(0).toInt() > 50);

    // Same pid, another start time (a recycled pid): idle.
    writeState(QCoreApplication::applicationPid(), QStringLiteral("1"));
    QCOMPARE(smi(query).lines(), QStringList{QStringLiteral("0")});

    // A process that has exited: idle.
    QProcess gone;
    gone.start(QStringLiteral("/bin/true"), {});
    QVERIFY(gone.waitForStarted());
    const qint64 gonePid = gone.processId();
    QVERIFY(gone.waitForFinished());
    writeState(gonePid, QStringLiteral("0"));
    QCOMPARE(smi(query).lines(), QStringList{QStringLiteral("0")});
}

void TestSimGpu::loopMsStreamsUntilKilled_data()
{
    QTest::addColumn<QString>("format");
    QTest::addColumn<int>("headers");
    QTest::newRow("csv") << QStringLiteral("csv") << 1;
    QTest::newRow("csv,noheader") << QStringLiteral("csv,noheader") << 0;
}

// -lms samples every 100 ms, prints the header once and stops cleanly on SIGTERM.
void TestSimGpu::loopMsStreamsUntilKilled()
{
    QFETCH(QString, format);
    QFETCH(int, headers);
    QProcess loop;
    loop.setProcessEnvironment(m_env);
    QElapsedTimer timer;
    loop.start(tool("nvidia-smi"), {QStringLiteral("--query-gpu=timestamp,index,utilization.gpu"),
                                    QStringLiteral("--format=") + format, QStringLiteral("-lms"),
                                    QStringLiteral("100")});
    QVERIFY(loop.waitForStarted());
    timer.start();
    QByteArray out;
    while (timer.elapsed() < 550 && loop.state() == QProcess::Running) {
        loop.waitForReadyRead(50);
        out += loop.readAllStandardOutput();
    }
    QCOMPARE(loop.state(), QProcess::Running);
    loop.terminate();
    QVERIFY(loop.waitForFinished(2000));
    QCOMPARE(loop.exitStatus(), QProcess::NormalExit);
    QCOMPARE(loop.exitCode(), 0);

    const QStringList lines = QString::fromUtf8(out).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.filter(QStringLiteral("timestamp, index")).size(), headers);
    if (headers)
        QVERIFY(lines.first().startsWith(QLatin1String("timestamp, index")));
    const QStringList samples =
        lines.filter(QRegularExpression(QStringLiteral("^\\d{4}/\\d\\d/\\d\\d ")));
    QVERIFY2(samples.size() >= 3, qPrintable(QString::number(samples.size())));
    QVERIFY2(samples.size() <= 8, qPrintable(QString::number(samples.size())));
    QCOMPARE(samples.size() + headers, lines.size());
}

QTEST_GUILESS_MAIN(TestSimGpu)
#include "tst_simgpu.moc"
