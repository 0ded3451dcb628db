// nvidia-smi parsers against every capture in ../shared/realdata/nvidia-smi, plus the quirks each
// one carries, broken inputs, and the incremental CSV stream.
#include "gpusample.h"
#include "smicapture.h"
#include "smicsv.h"
#include "smiquerytext.h"
#include "smitable.h"
#include "smixml.h"
#include "testenv.h"

#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

using namespace gpudeck::monitor;
using gpudeck::Result;
using gpudeck::test::readFile;

namespace {

QString realdata(const QString& shared)
{
    return shared + QStringLiteral("/realdata/nvidia-smi/");
}

struct Expected {
    const char* file;
    int gpus;
    qint64 memoryMiB; // sum of memory.total over the GPUs; 0 where the output does not say
    int processes;    // of the section the capture reports them from
};

// Expected values come from the files, not from the parsers. How each was obtained:
//  - XML, -q text and table files: recounted below by independentCount() (plain regular
//    expressions over the text) and also written here; the two must agree.
//  - CSV files and multi-section captures: read by hand (the memory.total cell of the query CSV;
//    processes: the rows of the --query-compute-apps section that follows the first --query-gpu
//    section, i.e. the idle state), e.g. `grep -c GPU- FILE`, `cut -d, -f7 FILE`.
//  - processes of -q text and XML files: `grep -c 'Process ID'`, <process_info> in <processes>.
// The -q XML files of Telegraf and Microsoft PAI announce more <attached_gpus> than they hold:
// their projects trimmed them; the document itself is whole.
const Expected kExpected[] = {
    {"gpustat_old_test_fixture/query-compute-apps_noheader_nounits.csv", 0, 0, 6},
    {"gpustat_old_test_fixture/query-gpu_noheader_nounits.csv", 3, 3 * 12287, 0},
    {"leptonai_gpud/nvidia-smi-query.535.129.03.out.0.valid.a10", 1, 23028, 0},
    {"leptonai_gpud/nvidia-smi-query.535.154.05.out.0.valid", 8, 8 * 24564, 7},
    {"leptonai_gpud/nvidia-smi-query.535.154.05.out.0.valid.4090", 8, 8 * 24564, 8},
    {"leptonai_gpud/nvidia-smi-query.535.154.05.out.1.valid", 8, 8 * 24564, 2},
    {"leptonai_gpud/nvidia-smi-query.535.154.05.out.2.valid", 8, 8 * 24564, 2},
    {"leptonai_gpud/nvidia-smi-query.535.154.05.out.3.valid", 8, 8 * 24564, 3},
    {"leptonai_gpud/nvidia-smi-query.535.161.08.out.0.valid", 8, 8 * 81559, 0},
    {"leptonai_gpud/nvidia-smi-query.535.183.01.out.0.valid", 8, 8 * 81559, 1},
    {"leptonai_gpud/nvidia-smi.525.125.06.out.0.valid", 1, 23028, 0},
    {"leptonai_gpud/nvidia-smi.550.90.07.out.0.valid", 8, 8 * 81559, 0},
    {"leptonai_gpud/nvidia-smi.nvlink.status.a100", 8, 0, 0},
    {"microsoft_pai/nvidia_smi_out_of_order.xml", 4, 4 * 11441, 2},
    {"microsoft_pai/nvidia_smi_outdated_gpu.xml", 1, 0, 0},
    {"microsoft_pai/nvidia_smi_retired_pages.xml", 1, 32480, 0},
    {"microsoft_pai/nvidia_smi_sample.xml", 2, 8112 + 8114, 4},
    {"microsoft_pai/nvidia_smi_sample_ecc_unsupported.xml", 2, 2 * 10989, 0},
    {"nvidia_gpu_exporter/captures__linux-x86_64__nvidia-geforce-rtx-2080-super__595.71.05.txt", 1,
     8192, 0},
    {"nvidia_gpu_exporter/captures__linux-x86_64__nvidia-geforce-rtx-2080-super__610.57.04.txt", 1,
     8192, 0},
    {"nvidia_gpu_exporter/captures__linux-x86_64__nvidia-geforce-rtx-4080-super__595.71.05.txt", 1,
     16376, 1},
    {"nvidia_gpu_exporter/captures__linux-x86_64__nvidia-h100-80gb-hbm3__590.48.01.txt", 1, 81559,
     0},
    {"nvidia_gpu_exporter/captures__linux-x86_64__nvidia-h100-mig__590.48.01.txt", 1, 81559, 0},
    {"nvidia_gpu_exporter/captures__linux-x86_64__nvidia-h200__590.48.01.txt", 1, 143771, 0},
    {"nvidia_gpu_exporter/captures__windows-x86_64__nvidia-geforce-rtx-2080-super__591.86.txt", 1,
     8192, 10},
    {"nvidia_gpu_exporter/captures__windows-x86_64__nvidia-geforce-rtx-2080-super__610.62.txt", 1,
     8192, 19},
    {"nvidia_gpu_exporter/exporter_testdata_query.txt", 2, 0, 0},
    {"nvidia_gpu_exporter/old_samples__output_ubuntu_20.04_v465.27.txt", 1, 7979, 0},
    {"nvidia_gpu_exporter/old_samples__output_win10_v466.63.txt", 1, 8192, 0},
    {"nvidia_gpu_exporter/old_samples__sample-output_win_471.11.csv", 1, 8192, 0},
    {"telegraf/a100-sxm4-v12.xml", 1, 81920, 0},
    {"telegraf/gtx-1070-ti.xml", 1, 4096, 0},
    {"telegraf/gtx-1660-ti.xml", 1, 5912, 0},
    {"telegraf/quadro-p2000-v12.xml", 1, 5120, 0},
    {"telegraf/quadro-p400.xml", 1, 1998, 0},
    {"telegraf/rtx-3060-v12.xml", 1, 12288, 0},
    {"telegraf/rtx-3080-v12.xml", 1, 10240, 5},
    {"telegraf/rtx-3080-v13.xml", 1, 10240, 0},
    {"telegraf/rtx-3090-v12.xml", 1, 24576, 0},
    {"telegraf/tesla-t4.xml", 1, 15360, 2},
    {"telegraf_old_csv_fixture/query-gpu_noheader_nounits__not_supported_variant.csv", 1, 11264, 0},
    {"telegraf_old_csv_fixture/query-gpu_noheader_nounits__rtx2080ti.csv", 1, 11264, 0},
    {"telegraf_old_csv_fixture/query-gpu_noheader_nounits__unknown_error_variant.csv", 1, 11264, 0},
    {"thamada_nvidia-smi_tables/A100SXMx4__nvidia-smi_table.txt", 4, 4 * 81920, 0},
    {"thamada_nvidia-smi_tables/A40x10__nvidia-smi_table.txt", 10, 10 * 46068, 0},
    {"thamada_nvidia-smi_tables/H100NVLx2__nvidia-smi_table.txt", 2, 2 * 95830, 0},
    {"thamada_nvidia-smi_tables/H100SXMx8__nvidia-smi_table.txt", 8, 8 * 81559, 0},
    {"thamada_nvidia-smi_tables/L40S__nvidia-smi_table.txt", 1, 46068, 0},
    {"thamada_nvidia-smi_tables/L4__nvidia-smi_table.txt", 1, 23034, 0},
    {"thamada_nvidia-smi_tables/RTX2000Ada__nvidia-smi_table.txt", 1, 16380, 0},
    {"thamada_nvidia-smi_tables/RTX3090__nvidia-smi_table.txt", 2, 2 * 24576, 0},
    {"thamada_nvidia-smi_tables/RTX4000Ada__nvidia-smi_table.txt", 1, 20475, 0},
    {"thamada_nvidia-smi_tables/RTX4060Ti__nvidia-smi_table.txt", 2, 2 * 16380, 0},
    {"thamada_nvidia-smi_tables/RTX4090__nvidia-smi_table.txt", 8, 8 * 24564, 0},
    {"thamada_nvidia-smi_tables/RTX6000Ada_x8__nvidia-smi_table.txt", 8, 8 * 49140, 0},
};

// Deliberately broken inputs in realdata: they must give an error.
const char* const kBroken[] = {
    // `nvidia-smi -q` cut off inside the first of 8 GPUs (leptonai's own "invalid" fixture).
    "leptonai_gpud/nvidia-smi-query.535.183.01.out.0.invalid",
};

// An independent count for single-format files: GPU count and memory total by plain regexes,
// sharing no code with the parsers. -1 when the file is not of a kind it knows.
std::pair<int, qint64> independentCount(const QString& file, const QString& text)
{
    int gpus = 0;
    qint64 memory = 0;
    if (file.endsWith(QLatin1String(".xml"))) {
        static const QRegularExpression gpu(QStringLiteral("<gpu id="));
        static const QRegularExpression mig(QStringLiteral("<mig_devices>.*?</mig_devices>"),
                                            QRegularExpression::DotMatchesEverythingOption);
        static const QRegularExpression fb(
            QStringLiteral("<fb_memory_usage>\\s*<total>(\\d+) MiB"));
        gpus = static_cast<int>(text.count(gpu));
        QString outer = text;
        outer.remove(mig);
        for (auto it = fb.globalMatch(outer); it.hasNext();)
            memory += it.next().captured(1).toLongLong();
        return {gpus, memory};
    }
    if (file.contains(QLatin1String("nvidia-smi-query"))) {
        static const QRegularExpression gpu(QStringLiteral("^GPU [0-9A-F]{8}:"),
                                            QRegularExpression::MultilineOption);
        static const QRegularExpression fb(
            QStringLiteral("^    FB Memory Usage\\n        Total\\s+: (\\d+) MiB"),
            QRegularExpression::MultilineOption);
        gpus = static_cast<int>(text.count(gpu));
        for (auto it = fb.globalMatch(text); it.hasNext();)
            memory += it.next().captured(1).toLongLong();
        return {gpus, memory};
    }
    if (file.contains(QLatin1String("nvidia-smi_table")) ||
        file.contains(QLatin1String("nvidia-smi.5"))) {
        // The second row of each GPU block: "| N/A   25C   P0   59W / 500W |  1MiB /  81920MiB |"
        static const QRegularExpression row(
            QStringLiteral("^\\|\\s*\\S+\\s+\\d+C\\s+P\\d+.*?\\|\\s*\\d+MiB /\\s*(\\d+)MiB"),
            QRegularExpression::MultilineOption);
        for (auto it = row.globalMatch(text); it.hasNext();) {
            ++gpus;
            memory += it.next().captured(1).toLongLong();
        }
        return {gpus, memory};
    }
    return {-1, -1};
}

QByteArray tableOf(const QByteArray& capture, int nth)
{
    // The nth default table of a capture file, for the table-level checks.
    qsizetype at = -1;
    for (int i = 0; i <= nth; ++i)
        at = capture.indexOf("| NVIDIA-SMI ", at + 1);
    const qsizetype start = capture.lastIndexOf("+---", at);
    const qsizetype end = capture.indexOf("\n\n\n", at);
    return capture.mid(start, end - start);
}

} // namespace

class TestSmiParsers final : public QObject {
    Q_OBJECT
private slots:
    void realCaptures_data();
    void realCaptures();
    void everyRealFileCovered();
    void brokenRealFiles_data();
    void brokenRealFiles();
    void truncatedOrMangledNeverCrash();
    void brokenInputs_data();
    void brokenInputs();
    void csvAbsenceReasons();
    void csvUnitsInHeaderAndValues();
    void csvComputeApps();
    void csvStreamingAnyChunking();
    void csvStreamRejectsBadLines();
    void csvProcessNameWithCommas();
    void csvLargeStream();
    void tableQuirks();
    void tableWindowsProcesses();
    void tableMig();
    void tableTruncated();
    void tableOldLayouts();
    void xmlMigAndPower();
    void xmlPaddedValuesNoDoctype();
    void xmlTruncated();
    void queryTextDetails();
};

void TestSmiParsers::realCaptures_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("gpus");
    QTest::addColumn<qint64>("memory");
    QTest::addColumn<int>("processes");
    for (const Expected& e : kExpected)
        QTest::newRow(e.file) << QString::fromLatin1(e.file) << e.gpus << e.memoryMiB
                              << e.processes;
}

void TestSmiParsers::realCaptures()
{
    GPUDECK_REQUIRE_SHARED(shared);
    QFETCH(QString, file);
    QFETCH(int, gpus);
    QFETCH(qint64, memory);
    QFETCH(int, processes);
    const QByteArray data = readFile(realdata(shared) + file);
    QVERIFY2(!data.isEmpty(), qPrintable(file));

    const auto [independentGpus, independentMemory] =
        independentCount(file, QString::fromUtf8(data));
    if (independentGpus >= 0) {
        QCOMPARE(independentGpus, gpus);
        QCOMPARE(independentMemory, memory);
    }

    const Result<SmiCapture> cap = parseSmiCapture(data);
    QVERIFY2(cap.ok(), qPrintable(cap.ok() ? QString() : cap.error().message));
    QVERIFY(!cap->sections.isEmpty());
    const QList<GpuSample> found = cap->gpus();
    QCOMPARE(found.size(), gpus);
    qint64 total = 0;
    for (const GpuSample& g : found) {
        total += g.memoryTotalMiB.value_or(0);
        QVERIFY2(!g.name.isEmpty(), "every GPU has a name");
        if (g.memoryUsedMiB && g.memoryTotalMiB)
            QVERIFY(*g.memoryUsedMiB <= *g.memoryTotalMiB);
    }
    QCOMPARE(total, memory);
    QCOMPARE(cap->processes().size(), processes);
    // GPUs of one capture are distinct.
    QSet<QString> keys;
    for (const GpuSample& g : found)
        keys.insert(g.key());
    QCOMPARE(keys.size(), found.size());
}

void TestSmiParsers::everyRealFileCovered()
{
    GPUDECK_REQUIRE_SHARED(shared);
    QSet<QString> listed;
    for (const Expected& e : kExpected)
        listed.insert(QString::fromLatin1(e.file));
    for (const char* b : kBroken)
        listed.insert(QString::fromLatin1(b));
    const QString root = realdata(shared);
    QDirIterator it(root, QDir::Files, QDirIterator::Subdirectories);
    int seen = 0;
    while (it.hasNext()) {
        const QString rel = it.next().mid(root.size());
        ++seen;
        QVERIFY2(listed.contains(rel),
                 qPrintable(QStringLiteral("%1 is in realdata but neither parsed by "
                                           "realCaptures nor listed as broken")
                                .arg(rel)));
        listed.remove(rel);
    }
    QVERIFY2(listed.isEmpty(), qPrintable(QStringLiteral("listed but missing: ") +
                                          QStringList(listed.values()).join(QLatin1Char(' '))));
    QVERIFY(seen > 0);
}

void TestSmiParsers::brokenRealFiles_data()
{
    QTest::addColumn<QString>("file");
    for (const char* b : kBroken)
        QTest::newRow(b) << QString::fromLatin1(b);
}

void TestSmiParsers::brokenRealFiles()
{
    GPUDECK_REQUIRE_SHARED(shared);
    QFETCH(QString, file);
    const QByteArray data = readFile(realdata(shared) + file);
    QVERIFY(!data.isEmpty());
    const Result<SmiCapture> cap = parseSmiCapture(data);
    QVERIFY(!cap.ok());
    QCOMPARE(cap.error().code, gpudeck::ErrorCode::InvalidInput);
    QVERIFY2(cap.error().message.contains(QLatin1String("cut off")),
             qPrintable(cap.error().message));
}

void TestSmiParsers::truncatedOrMangledNeverCrash()
{
    // Every real file cut at many points, and with bytes flipped: an answer (ok or error),
    // never a crash or a hang. Under the asan preset this also checks memory safety.
    GPUDECK_REQUIRE_SHARED(shared);
    QRandomGenerator rng(20240611);
    QDirIterator it(realdata(shared), QDir::Files, QDirIterator::Subdirectories);
    int parsed = 0;
    while (it.hasNext()) {
        const QByteArray data = readFile(it.next());
        for (int i = 1; i <= 24; ++i) {
            const qsizetype cut = data.size() * i / 25;
            (void)parseSmiCapture(QByteArrayView(data).first(cut));
            QByteArray mangled = data.first(cut);
            for (int k = 0; k < 8 && !mangled.isEmpty(); ++k)
                mangled[rng.bounded(static_cast<int>(mangled.size()))] =
                    static_cast<char>(rng.bounded(256));
            (void)parseSmiCapture(mangled);
            ++parsed;
        }
    }
    QVERIFY(parsed > 0);
}

void TestSmiParsers::brokenInputs_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("blank lines") << QByteArray("\n\n   \n");
    QTest::newRow("garbage") << QByteArray("lorem ipsum dolor sit amet\nconsectetur, adipiscing\n");
    QTest::newRow("binary") << QByteArray("\x7f"
                                          "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0",
                                          16);
    QTest::newRow("random bytes") << [] {
        QByteArray b(4096, '\0');
        QRandomGenerator rng(7);
        for (char& c : b)
            c = static_cast<char>(rng.bounded(256));
        return b;
    }();
    QTest::newRow("csv header, bad rows")
        << QByteArray("index, name, memory.total [MiB]\n0, A100, 81920 MiB\nthis is not a row\n");
    QTest::newRow("xml cut") << QByteArray(
        "<?xml version=\"1.0\" ?>\n<nvidia_smi_log>\n<gpu id=\"00000000:01:00.0\">\n"
        "<product_name>Tesla T4</product_name>\n<fb_memory_usage>\n<total>15360 MiB");
    QTest::newRow("xml without gpu") << QByteArray("<nvidia_smi_log></nvidia_smi_log>\n");
    QTest::newRow("other xml") << QByteArray("<?xml version=\"1.0\"?><html><body/></html>\n");
    QTest::newRow("table cut in a gpu block") << QByteArray(
        "+-----------------------------------------------------------------------------+\n"
        "| NVIDIA-SMI 525.125.06   Driver Version: 525.125.06   CUDA Version: 12.0     |\n"
        "|-------------------------------+----------------------+----------------------+\n"
        "| GPU  Name        Persistence-M| Bus-Id        Disp.A | Volatile Uncorr. ECC |\n"
        "| Fan  Temp  Perf  Pwr:Usage/Cap|         Memory-Usage | GPU-Util  Compute M. |\n"
        "|===============================+======================+======================|\n"
        "|   0  NVIDIA GeForce ...  Off  | 00000000:01:00.0 Off |                    0 |\n");
    QTest::newRow("table banner only") << QByteArray(
        "| NVIDIA-SMI 525.125.06   Driver Version: 525.125.06   CUDA Version: 12.0     |\n");
    QTest::newRow("-q banner only") << QByteArray("==============NVSMI LOG==============\n\n");
}

void TestSmiParsers::brokenInputs()
{
    QFETCH(QByteArray, input);
    const Result<SmiCapture> cap = parseSmiCapture(input);
    QVERIFY(!cap.ok());
    QCOMPARE(cap.error().code, gpudeck::ErrorCode::InvalidInput);
    QVERIFY(!cap.error().message.isEmpty());
}

void TestSmiParsers::csvAbsenceReasons()
{
    GPUDECK_REQUIRE_SHARED(shared);
    // Telegraf's field list for these fixtures (plugins/inputs/nvidia_smi, CSV era): fan.speed
    // is the first column. The same row with 41, [Not Supported] and [Unknown Error] in it.
    struct Row {
        const char* file;
        std::optional<double> fan;
        Absence why;
    };
    const Row rows[] = {
        {"telegraf_old_csv_fixture/query-gpu_noheader_nounits__rtx2080ti.csv", 41.0,
         Absence::NotReported},
        {"telegraf_old_csv_fixture/query-gpu_noheader_nounits__not_supported_variant.csv",
         std::nullopt, Absence::NotSupported},
        {"telegraf_old_csv_fixture/query-gpu_noheader_nounits__unknown_error_variant.csv",
         std::nullopt, Absence::UnknownError},
    };
    for (const Row& r : rows) {
        const Result<SmiCapture> cap =
            parseSmiCapture(readFile(realdata(shared) + QString::fromLatin1(r.file)));
        QVERIFY(cap.ok());
        QCOMPARE(cap->sections.first().csvLayout, QStringLiteral("telegraf nvidia_smi (CSV era)"));
        const GpuSample g = cap->gpus().first();
        QCOMPARE(g.fanPercent.optional(), r.fan);
        if (!r.fan)
            QCOMPARE(g.fanPercent.absence(), r.why);
        QCOMPARE(g.name, QStringLiteral("GeForce RTX 2080 Ti"));
        QCOMPARE(g.memoryUsedMiB.value_or(-1), 1074);
        QCOMPARE(g.pstate.value_or(QString()), QStringLiteral("P8"));
        QCOMPARE(g.powerDrawW.value_or(-1), 24.33);
        QCOMPARE(g.smClockMHz.value_or(-1), 300.0);
        QCOMPARE(g.memoryClockMHz.value_or(-1), 405.0);
    }
    // gpustat's fixture: GPU 2 cannot report utilisation.
    const Result<SmiCapture> gpustat = parseSmiCapture(
        readFile(realdata(shared) +
                 QStringLiteral("gpustat_old_test_fixture/query-gpu_noheader_nounits.csv")));
    QVERIFY(gpustat.ok());
    const QList<GpuSample> g = gpustat->gpus();
    QCOMPARE(g[0].utilizationGpuPercent.value_or(-1), 76.0);
    QVERIFY(!g[2].utilizationGpuPercent.has_value());
    QCOMPARE(g[2].utilizationGpuPercent.absence(), Absence::NotSupported);
    QCOMPARE(g[2].temperatureC.value_or(-1), 71.0);
}

void TestSmiParsers::csvUnitsInHeaderAndValues()
{
    GPUDECK_REQUIRE_SHARED(shared);
    const Result<SmiSnapshot> s = parseSmiCsv(readFile(
        realdata(shared) + QStringLiteral("nvidia_gpu_exporter/exporter_testdata_query.txt")));
    QVERIFY(s.ok());
    QCOMPARE(s->gpus.size(), 2);
    const GpuSample& g = s->gpus[0];
    QCOMPARE(g.fanPercent.value_or(-1), 38.0);       // "38 %" under "fan.speed [%]"
    QCOMPARE(g.memoryUsedMiB.value_or(-1), 575);     // "575 MiB" under "memory.used [MiB]"
    QCOMPARE(g.driverModel, QStringLiteral("WDDM")); // Windows
    QCOMPARE(g.busId, QStringLiteral("00000000:01:00.0"));
    QCOMPARE(g.index.value_or(-1), 0);
    QCOMPARE(s->gpus[1].index.value_or(-1), 1);
    QCOMPARE(s->gpus[1].name, QStringLiteral("Some Other GPU"));
    QVERIFY(!g.memoryTotalMiB.has_value());
    QCOMPARE(g.memoryTotalMiB.absence(), Absence::NotReported); // not queried

    // A timestamp column, and [Requested functionality has been deprecated] (driver 590+).
    const Result<SmiSnapshot> t = parseSmiCsv(
        "timestamp, index, display_mode, fan.speed [%], memory.total [MiB]\n"
        "2026/07/14 09:00:27.792, 0, [Requested functionality has been deprecated], [N/A], "
        "81559 MiB\n");
    QVERIFY(t.ok());
    QCOMPARE(t->gpus[0].timestamp, QDateTime(QDate(2026, 7, 14), QTime(9, 0, 27, 792)));
    QCOMPARE(t->gpus[0].fanPercent.absence(), Absence::NotAvailable);
    QCOMPARE(t->gpus[0].memoryTotalMiB.value_or(-1), 81559);
}

void TestSmiParsers::csvComputeApps()
{
    GPUDECK_REQUIRE_SHARED(shared);
    const Result<SmiCapture> cap = parseSmiCapture(readFile(
        realdata(shared) +
        QStringLiteral("gpustat_old_test_fixture/query-compute-apps_noheader_nounits.csv")));
    QVERIFY(cap.ok());
    const QList<GpuProcess> p = cap->processes();
    QCOMPARE(p.size(), 6);
    QCOMPARE(p[0].gpuUuid, QStringLiteral("GPU-10fb0fbd-2696-43f3-467f-d280d906a107"));
    QCOMPARE(p[0].pid.value_or(-1), 48448);
    QCOMPARE(p[0].usedMemoryMiB.value_or(-1), 4000);
    QVERIFY(!p[5].pid);
    QCOMPARE(p[5].usedMemoryMiB.absence(), Absence::NotSupported);
}

void TestSmiParsers::csvStreamingAnyChunking()
{
    // What the lead's stream looks like: noheader, nounits, -lms, 2 GPUs per tick.
    const QByteArray fields = streamingQueryFields();
    QByteArray stream;
    for (int tick = 0; tick < 50; ++tick) {
        for (int gpu = 0; gpu < 2; ++gpu) {
            stream += QStringLiteral("2026/07/14 09:00:%1.%2, %3, GPU-0000000%3-aaaa-bbbb-cccc-"
                                     "dddddddddddd, NVIDIA H100 80GB HBM3, 00000000:0%3:00.0, %4, "
                                     "3, %5, 81559, 45, 312.50, 700.00, 1980, 2619, P0, [N/A]")
                          .arg(tick / 10 + 10)
                          .arg(tick % 10 * 100, 3, 10, QLatin1Char('0'))
                          .arg(gpu)
                          .arg(tick % 101)
                          .arg(1000 + tick)
                          .toUtf8();
            stream += tick % 3 == 0 ? "\r\n" : "\n"; // CRLF from a PTY must not matter
        }
    }
    const Result<SmiSnapshot> whole = parseSmiCsv(stream, fields);
    QVERIFY(whole.ok());
    QCOMPARE(whole->gpus.size(), 100);

    for (int chunk : {1, 2, 3, 7, 64, 1000}) {
        SmiCsvParser p = SmiCsvParser::withFields(fields);
        QList<GpuSample> got;
        for (qsizetype at = 0; at < stream.size(); at += chunk) {
            const SmiCsvBatch b = p.feed(
                QByteArrayView(stream).sliced(at, std::min<qsizetype>(chunk, stream.size() - at)));
            QCOMPARE(b.rejectedLines, 0);
            got += b.gpus;
        }
        got += p.finish().gpus;
        QCOMPARE(got.size(), whole->gpus.size());
        for (qsizetype i = 0; i < got.size(); ++i) {
            QCOMPARE(got[i].index, whole->gpus[i].index);
            QCOMPARE(got[i].memoryUsedMiB.optional(), whole->gpus[i].memoryUsedMiB.optional());
            QCOMPARE(got[i].timestamp, whole->gpus[i].timestamp);
        }
    }
    QVERIFY(
        streamingCommand(1000).endsWith(QLatin1String("--format=csv,noheader,nounits -lms 1000")));
    const GpuSample& last = whole->gpus.last();
    QCOMPARE(last.index.value_or(-1), 1);
    QCOMPARE(last.memoryUsedMiB.value_or(-1), 1049);
    QCOMPARE(last.utilizationGpuPercent.value_or(-1), 49.0);
    QCOMPARE(last.powerDrawW.value_or(-1), 312.5);
    QCOMPARE(last.smClockMHz.value_or(-1), 1980.0);
    QCOMPARE(last.fanPercent.absence(), Absence::NotAvailable);
    QCOMPARE(last.timestamp, QDateTime(QDate(2026, 7, 14), QTime(9, 0, 14, 900)));
}

void TestSmiParsers::csvStreamRejectsBadLines()
{
    // A stream must survive a bad line (a driver message, a half line after a reconnect).
    SmiCsvParser p = SmiCsvParser::withFields("index,memory.used,memory.total");
    SmiCsvBatch b = p.feed("0, 10, 100\nFailed to initialize NVML: Driver/library version "
                           "mismatch\n1, 20, 100\n2, 30\n");
    QCOMPARE(b.gpus.size(), 2);
    QCOMPARE(b.rejectedLines, 2);
    QVERIFY(!b.lastProblem.isEmpty());
    b = p.feed("3, 40, 100");
    QCOMPARE(b.gpus.size(), 0); // no newline yet
    b = p.finish();
    QCOMPARE(b.gpus.size(), 1);
    QCOMPARE(b.gpus[0].memoryUsedMiB.value_or(-1), 40);

    // With a header expected, rows before it are rejected and the header still taken.
    SmiCsvParser h;
    b = h.feed("0, 1\nindex, memory.used [MiB]\n0, 12 MiB\n");
    QCOMPARE(b.rejectedLines, 1);
    QCOMPARE(b.gpus.size(), 1);
    QCOMPARE(b.gpus[0].memoryUsedMiB.value_or(-1), 12);
}

void TestSmiParsers::csvProcessNameWithCommas()
{
    const Result<SmiSnapshot> s =
        parseSmiCsv("gpu_uuid, pid, process_name, used_gpu_memory [MiB]\n"
                    "GPU-1, 42, /usr/bin/python3 train.py --layers=1,2,3, 1024 MiB\n"
                    "GPU-1, 43, C:\\Program Files (x86)\\App\\app.exe, [N/A]\n");
    QVERIFY(s.ok());
    QCOMPARE(s->processes.size(), 2);
    QCOMPARE(s->processes[0].name, QStringLiteral("/usr/bin/python3 train.py --layers=1,2,3"));
    QCOMPARE(s->processes[0].usedMemoryMiB.value_or(-1), 1024);
    QCOMPARE(s->processes[1].name, QStringLiteral("C:\\Program Files (x86)\\App\\app.exe"));
    QCOMPARE(s->processes[1].usedMemoryMiB.absence(), Absence::NotAvailable);
}

void TestSmiParsers::csvLargeStream()
{
    // An hour of 1 Hz samples of 8 GPUs (a day is 24 times this): parsed in a blink, no regex
    // per line. The time is printed, not asserted, so a loaded CI machine cannot fail it.
    QByteArray line = "2026/07/14 09:00:00.000, 3, GPU-00000003-aaaa-bbbb-cccc-dddddddddddd, "
                      "NVIDIA H100 80GB HBM3, 00000000:03:00.0, 97, 40, 60123, 81559, 61, "
                      "650.25, 700.00, 1980, 2619, P0, [N/A]\n";
    QByteArray stream;
    stream.reserve(line.size() * 3600 * 8);
    for (int i = 0; i < 3600 * 8; ++i)
        stream += line;
    QElapsedTimer timer;
    timer.start();
    SmiCsvParser p = SmiCsvParser::withFields(streamingQueryFields());
    qsizetype samples = 0;
    for (qsizetype at = 0; at < stream.size(); at += 4096)
        samples +=
            p.feed(QByteArrayView(stream).sliced(at, std::min<qsizetype>(4096, stream.size() - at)))
                .gpus.size();
    samples += p.finish().gpus.size();
    QCOMPARE(samples, 3600 * 8);
    qInfo("28800 CSV samples parsed in %lld ms", static_cast<long long>(timer.elapsed()));
}

void TestSmiParsers::tableQuirks()
{
    GPUDECK_REQUIRE_SHARED(shared);
    // Driver 525: the fan reads ERR!, the name is cut to "NVIDIA GeForce ...".
    const Result<SmiSnapshot> s = parseSmiTable(readFile(
        realdata(shared) + QStringLiteral("leptonai_gpud/nvidia-smi.525.125.06.out.0.valid")));
    QVERIFY(s.ok());
    const GpuSample& g = s->gpus.first();
    QCOMPARE(g.driverVersion, QStringLiteral("525.125.06"));
    QCOMPARE(s->cudaVersion, QStringLiteral("12.0"));
    QCOMPARE(g.name, QStringLiteral("NVIDIA GeForce ..."));
    QVERIFY(g.nameTruncated);
    QVERIFY(!g.fanPercent.has_value());
    QCOMPARE(g.fanPercent.absence(), Absence::Error);
    QCOMPARE(g.temperatureC.value_or(-1), 38.0);
    QCOMPARE(g.pstate.value_or(QString()), QStringLiteral("P5"));
    QCOMPARE(g.powerDrawW.value_or(-1), 49.0);
    QCOMPARE(g.powerLimitW.value_or(-1), 450.0);
    QCOMPARE(g.memoryUsedMiB.value_or(-1), 2021);
    QCOMPARE(g.memoryTotalMiB.value_or(-1), 23028);
    QCOMPARE(g.utilizationGpuPercent.value_or(-1), 0.0);
    QCOMPARE(g.computeMode, QStringLiteral("E. Process"));
    QCOMPARE(g.persistence, QStringLiteral("Off"));
    QCOMPARE(g.busId, QStringLiteral("00000000:01:00.0"));

    // Driver 550, 8 GPUs, "N/A" fans, timestamp line above the table.
    const Result<SmiSnapshot> h = parseSmiTable(readFile(
        realdata(shared) + QStringLiteral("leptonai_gpud/nvidia-smi.550.90.07.out.0.valid")));
    QVERIFY(h.ok());
    QCOMPARE(h->gpus.size(), 8);
    QCOMPARE(h->timestamp, QDateTime(QDate(2025, 1, 20), QTime(10, 18, 26)));
    QCOMPARE(h->gpus[7].index.value_or(-1), 7);
    QCOMPARE(h->gpus[7].busId, QStringLiteral("00000000:DB:00.0"));
    QCOMPARE(h->gpus[7].fanPercent.absence(), Absence::NotAvailable);
    QCOMPARE(h->gpus[7].mig, std::optional<bool>(false));
}

void TestSmiParsers::tableWindowsProcesses()
{
    GPUDECK_REQUIRE_SHARED(shared);
    const QByteArray capture = readFile(
        realdata(shared) + QStringLiteral("nvidia_gpu_exporter/"
                                          "captures__windows-x86_64__nvidia-geforce-rtx-2080-"
                                          "super__610.62.txt"));
    const Result<SmiSnapshot> s = parseSmiTable(tableOf(capture, 1)); // the loaded state
    QVERIFY2(s.ok(), qPrintable(s.ok() ? QString() : s.error().message));
    const GpuSample& g = s->gpus.first();
    QCOMPARE(g.driverModel, QStringLiteral("WDDM")); // "Driver-Model" column, not persistence
    QVERIFY(g.persistence.isEmpty());
    QCOMPARE(g.driverVersion, QStringLiteral("610.62")); // "KMD Version:" since driver 610
    QCOMPARE(s->cudaVersion, QStringLiteral("13.3"));    // "CUDA UMD Version:"
    QCOMPARE(g.name, QStringLiteral("NVIDIA GeForce RTX 2080 ..."));
    QCOMPARE(s->processes.size(), 21);
    const GpuProcess& dwm = s->processes[0];
    QCOMPARE(dwm.name, QStringLiteral("C:\\Windows\\System32\\dwm.exe"));
    QCOMPARE(dwm.type, QStringLiteral("C+G"));
    QCOMPARE(dwm.pid.value_or(-1), 2140);
    QVERIFY(!dwm.gpuInstanceId);
    QCOMPARE(dwm.usedMemoryMiB.absence(), Absence::NotAvailable);
    const GpuProcess& ffmpeg = s->processes[2];
    QCOMPARE(ffmpeg.name, QStringLiteral("...1.1-full_build\\bin\\ffmpeg.exe"));
    QVERIFY(ffmpeg.nameTruncated);
    QCOMPARE(ffmpeg.type, QStringLiteral("C"));
    const GpuProcess& overlay = s->processes[10];
    QCOMPARE(overlay.name, QStringLiteral("...IA App\\CEF\\NVIDIA Overlay.exe")); // a space inside
}

void TestSmiParsers::tableMig()
{
    GPUDECK_REQUIRE_SHARED(shared);
    const QByteArray capture =
        readFile(realdata(shared) +
                 QStringLiteral(
                     "nvidia_gpu_exporter/captures__linux-x86_64__nvidia-h100-mig__590.48.01.txt"));
    const Result<SmiSnapshot> s = parseSmiTable(tableOf(capture, 1));
    QVERIFY(s.ok());
    const GpuSample& g = s->gpus.first();
    QCOMPARE(g.mig, std::optional<bool>(true));
    QVERIFY(!g.utilizationGpuPercent.has_value()); // N/A in MIG mode
    QCOMPARE(g.migDevices.size(), 4);
    QCOMPARE(g.migDevices[0].gpuInstanceId.value_or(-1), 2);
    QCOMPARE(g.migDevices[0].memoryTotalMiB.value_or(-1), 40448);
    QCOMPARE(g.migDevices[0].smCount.value_or(-1), 60);
    QCOMPARE(g.migDevices[3].migIndex.value_or(-1), 3);
    QCOMPARE(g.migDevices[3].memoryTotalMiB.value_or(-1), 9984);
    QCOMPARE(s->processes.size(), 3);
    QCOMPARE(s->processes[0].gpuInstanceId.value_or(-1), 2);
    QCOMPARE(s->processes[2].name, QStringLiteral("./gpu_burn"));

    // The capture as a whole: MIG sizes from the table, profiles and uuids from -L.
    const Result<SmiCapture> cap = parseSmiCapture(capture);
    QVERIFY(cap.ok());
    const QList<MigDevice> migs = cap->gpus().first().migDevices;
    QCOMPARE(migs.size(), 4);
    QCOMPARE(migs[0].profile, QStringLiteral("3g.40gb"));
    QCOMPARE(migs[0].uuid, QStringLiteral("MIG-00000000-0000-0000-0000-000000000000"));
    QCOMPARE(migs[0].memoryTotalMiB.value_or(-1), 40448);
}

void TestSmiParsers::tableTruncated()
{
    GPUDECK_REQUIRE_SHARED(shared);
    const QByteArray full =
        readFile(realdata(shared) +
                 QStringLiteral("thamada_nvidia-smi_tables/A40x10__nvidia-smi_table.txt"));
    // Cut after the first row of GPU 5's block: a block with one of its rows is an error.
    const qsizetype gpu5 = full.indexOf("|   5  NVIDIA A40");
    QVERIFY(gpu5 > 0);
    const qsizetype cut = full.indexOf('\n', gpu5) + 1;
    const Result<SmiSnapshot> s = parseSmiTable(QByteArrayView(full).first(cut));
    QVERIFY(!s.ok());
    QVERIFY(s.error().message.contains(QLatin1String("cut off")));
}

void TestSmiParsers::tableOldLayouts()
{
    // No capture in realdata predates driver 450; this is the layout of drivers 410-440 as
    // NVIDIA's documentation shows it: no MIG row, "TCC/WDDM" on Windows, no GI/CI columns.
    const Result<SmiSnapshot> s = parseSmiTable(
        "Thu Mar 28 11:11:11 2019\n"
        "+-----------------------------------------------------------------------------+\n"
        "| NVIDIA-SMI 418.43       Driver Version: 418.43       CUDA Version: 10.1     |\n"
        "|-------------------------------+----------------------+----------------------+\n"
        "| GPU  Name            TCC/WDDM | Bus-Id        Disp.A | Volatile Uncorr. ECC |\n"
        "| Fan  Temp  Perf  Pwr:Usage/Cap|         Memory-Usage | GPU-Util  Compute M. |\n"
        "|===============================+======================+======================|\n"
        "|   0  GeForce GTX 1080   WDDM  | 00000000:01:00.0  On |                  N/A |\n"
        "| 27%   35C    P8     9W / 180W |    459MiB /  8192MiB |      2%      Default |\n"
        "+-------------------------------+----------------------+----------------------+\n"
        "|   1  Tesla V100-SXM2...  TCC  | 00000000:02:00.0 Off |                    0 |\n"
        "| N/A   42C    P0    38W / 300W |      0MiB / 16130MiB |      0%      Default |\n"
        "+-------------------------------+----------------------+----------------------+\n"
        "\n"
        "+-----------------------------------------------------------------------------+\n"
        "| Processes:                                                       GPU Memory |\n"
        "|  GPU       PID   Type   Process name                             Usage      |\n"
        "|=============================================================================|\n"
        "|    0      1234    C+G   C:\\Program Files\\App\\app.exe               N/A      |\n"
        "|    1      5678      C   python                                      1000MiB |\n"
        "+-----------------------------------------------------------------------------+\n");
    QVERIFY(s.ok());
    QCOMPARE(s->gpus.size(), 2);
    QCOMPARE(s->gpus[0].driverModel, QStringLiteral("WDDM"));
    QCOMPARE(s->gpus[1].driverModel, QStringLiteral("TCC"));
    QCOMPARE(s->gpus[1].name, QStringLiteral("Tesla V100-SXM2..."));
    QCOMPARE(s->gpus[0].fanPercent.value_or(-1), 27.0);
    QVERIFY(!s->gpus[0].mig);
    QCOMPARE(s->processes.size(), 2);
    QCOMPARE(s->processes[0].name, QStringLiteral("C:\\Program Files\\App\\app.exe"));
    QCOMPARE(s->processes[0].pid.value_or(-1), 1234);
    QCOMPARE(s->processes[1].gpuIndex.value_or(-1), 1);
    QCOMPARE(s->processes[1].usedMemoryMiB.value_or(-1), 1000);
}

void TestSmiParsers::xmlMigAndPower()
{
    GPUDECK_REQUIRE_SHARED(shared);
    const Result<SmiSnapshot> a100 =
        parseSmiXml(readFile(realdata(shared) + QStringLiteral("telegraf/a100-sxm4-v12.xml")));
    QVERIFY(a100.ok());
    const GpuSample& g = a100->gpus.first();
    QCOMPARE(g.mig, std::optional<bool>(true));
    QCOMPARE(g.migDevices.size(), 4);
    QCOMPARE(g.migDevices[2].gpuInstanceId.value_or(-1), 5);
    QCOMPARE(g.migDevices[2].memoryTotalMiB.value_or(-1), 19968);
    QCOMPARE(g.migDevices[2].smCount.value_or(-1), 14);
    QCOMPARE(g.memoryTotalMiB.value_or(-1), 81920); // the GPU's, not a MIG device's
    QCOMPARE(g.powerDrawW.value_or(-1), 67.03);     // gpu_power_readings/power_draw (v12)
    QCOMPARE(g.powerLimitW.value_or(-1), 500.0);    // current_power_limit
    QCOMPARE(a100->attachedGpus.value_or(-1), 4);
    QCOMPARE(a100->warnings.size(), 1); // 4 announced, 1 kept by Telegraf

    // v13: average_power_draw and instant_power_draw; the average is what power.draw reports.
    const Result<SmiSnapshot> v13 =
        parseSmiXml(readFile(realdata(shared) + QStringLiteral("telegraf/rtx-3080-v13.xml")));
    QVERIFY(v13.ok());
    QCOMPARE(v13->gpus.first().powerDrawW.value_or(-1), 139.62);
    QCOMPARE(v13->gpus.first().utilizationGpuPercent.value_or(-1), 65.0);

    // Driver 384, DTD v9: power_readings/power_limit; processes; GT 730 with utilisation N/A.
    const Result<SmiSnapshot> old = parseSmiXml(
        readFile(realdata(shared) + QStringLiteral("microsoft_pai/nvidia_smi_sample.xml")));
    QVERIFY(old.ok());
    QCOMPARE(old->gpus[0].powerLimitW.value_or(-1), 180.0);
    QCOMPARE(old->gpus[0].fanPercent.value_or(-1), 41.0);
    QCOMPARE(old->processes.size(), 4);
    const Result<SmiSnapshot> gt730 = parseSmiXml(
        readFile(realdata(shared) + QStringLiteral("microsoft_pai/nvidia_smi_outdated_gpu.xml")));
    QVERIFY(gt730.ok());
    QCOMPARE(gt730->gpus[0].utilizationGpuPercent.absence(), Absence::NotAvailable);
    QCOMPARE(gt730->gpus[0].memoryTotalMiB.absence(), Absence::NotReported);

    // Minor numbers out of PCI order: index is nvidia-smi's (document) order.
    const Result<SmiSnapshot> ooo = parseSmiXml(
        readFile(realdata(shared) + QStringLiteral("microsoft_pai/nvidia_smi_out_of_order.xml")));
    QVERIFY(ooo.ok());
    QCOMPARE(ooo->gpus[3].index.value_or(-1), 3);
    QCOMPARE(ooo->gpus[3].busId, QStringLiteral("0000F8D6:00:00.0"));
}

void TestSmiParsers::xmlPaddedValuesNoDoctype()
{
    const Result<SmiSnapshot> s = parseSmiXml(
        "<?xml version=\"1.0\" ?>\n<nvidia_smi_log>\n"
        "  <attached_gpus>1</attached_gpus>\n"
        "  <gpu id=\"0000:01:00.0\">\n"
        "    <product_name> Tesla K80 </product_name>\n"
        "    <fan_speed> 40 % </fan_speed>\n"
        "    <fb_memory_usage><total> 11441 MiB </total><used>\n 0 MiB\n</used></fb_memory_usage>\n"
        "    <power_readings><power_draw> [Not Supported] </power_draw></power_readings>\n"
        "  </gpu>\n</nvidia_smi_log>\n");
    QVERIFY(s.ok());
    const GpuSample& g = s->gpus.first();
    QCOMPARE(g.name, QStringLiteral("Tesla K80"));
    QCOMPARE(g.fanPercent.value_or(-1), 40.0);
    QCOMPARE(g.memoryTotalMiB.value_or(-1), 11441);
    QCOMPARE(g.memoryUsedMiB.value_or(-1), 0);
    QCOMPARE(g.powerDrawW.absence(), Absence::NotSupported);
    QCOMPARE(normalizedBusId(g.busId), normalizedBusId(u"00000000:01:00.0"));
}

void TestSmiParsers::xmlTruncated()
{
    GPUDECK_REQUIRE_SHARED(shared);
    const QByteArray full =
        readFile(realdata(shared) + QStringLiteral("telegraf/rtx-3090-v12.xml"));
    const Result<SmiSnapshot> s = parseSmiXml(QByteArrayView(full).first(full.size() / 2));
    QVERIFY(!s.ok());
    QVERIFY2(s.error().message.contains(QLatin1String("cut off")), qPrintable(s.error().message));
}

void TestSmiParsers::queryTextDetails()
{
    GPUDECK_REQUIRE_SHARED(shared);
    const Result<SmiSnapshot> s = parseSmiQueryText(
        readFile(realdata(shared) +
                 QStringLiteral("leptonai_gpud/nvidia-smi-query.535.129.03.out.0.valid.a10")));
    QVERIFY(s.ok());
    const GpuSample& g = s->gpus.first();
    QCOMPARE(g.name, QStringLiteral("NVIDIA A10"));
    QCOMPARE(g.uuid, QStringLiteral("GPU-73d12ef7-f589-f867-4259-c7090ab44736"));
    QCOMPARE(g.busId, QStringLiteral("00000000:07:00.0"));
    QCOMPARE(g.memoryUsedMiB.value_or(-1), 4);
    QCOMPARE(g.temperatureC.value_or(-1), 33.0);
    QCOMPARE(g.powerDrawW.value_or(-1), 43.89);
    QCOMPARE(g.powerLimitW.value_or(-1), 150.0);
    QCOMPARE(g.smClockMHz.value_or(-1), 225.0);
    QCOMPARE(g.fanPercent.value_or(-1), 0.0);
    QCOMPARE(g.pstate.value_or(QString()), QStringLiteral("P8"));
    QCOMPARE(s->driverVersion, QStringLiteral("535.129.03"));

    // MIG devices and processes of the -q section of the MIG capture (the loaded state).
    const QByteArray capture =
        readFile(realdata(shared) +
                 QStringLiteral(
                     "nvidia_gpu_exporter/captures__linux-x86_64__nvidia-h100-mig__590.48.01.txt"));
    const qsizetype second =
        capture.indexOf("==============NVSMI LOG", capture.indexOf("==============NVSMI LOG") + 1);
    const Result<SmiSnapshot> mig = parseSmiQueryText(
        QByteArrayView(capture).sliced(second, capture.indexOf("#####", second) - second));
    QVERIFY(mig.ok());
    QCOMPARE(mig->gpus.first().migDevices.size(), 4);
    QCOMPARE(mig->gpus.first().migDevices[0].memoryUsedMiB.value_or(-1), 11091);
    QCOMPARE(mig->gpus.first().powerDrawW.value_or(-1), 432.21);
    QCOMPARE(mig->processes.size(), 3);
    QCOMPARE(mig->processes[2].pid.value_or(-1), 21198);
    QCOMPARE(mig->processes[2].usedMemoryMiB.value_or(-1), 7484);
    QCOMPARE(mig->processes[2].gpuInstanceId.value_or(-1), 2);
}

QTEST_GUILESS_MAIN(TestSmiParsers)
#include "tst_smiparsers.moc"
