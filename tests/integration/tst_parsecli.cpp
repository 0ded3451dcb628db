// gpudeck-cli parse-smi / parse-log as a script uses them: the real binary on real captures and
// logs, JSON and human output, exit codes 0 / 1 (unreadable, not recognised) / 2 (usage).
#include "testenv.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

namespace {

struct Run {
    int code = -1;
    QByteArray out;
    QByteArray err;
};

Run cli(const QStringList& args, const QByteArray& stdinData = {})
{
    QProcess p;
    p.setProgram(gpudeck::test::binDir() + QStringLiteral("/gpudeck-cli"));
    p.setArguments(args);
    p.start();
    if (!stdinData.isEmpty())
        p.write(stdinData);
    p.closeWriteChannel();
    Run r;
    if (!p.waitForFinished(60000)) {
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

QString writeTemp(const QTemporaryDir& dir, const char* name, const QByteArray& content)
{
    const QString path = dir.filePath(QString::fromLatin1(name));
    QFile f(path);
    if (f.open(QIODevice::WriteOnly))
        f.write(content);
    return path;
}

} // namespace

class TestParseCli final : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void smiJson();
    void smiHuman();
    void smiNoheaderWithFields();
    void smiFromStdin();
    void smiErrors_data();
    void smiErrors();
    void logJson();
    void logHumanWithEta();
    void logForcedFormatAndRegex();
    void logErrors_data();
    void logErrors();

private:
    QTemporaryDir m_dir;
};

void TestParseCli::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY2(QFile::exists(gpudeck::test::binDir() + QStringLiteral("/gpudeck-cli")),
             "gpudeck-cli is built next to the tests (GPUDECK_BIN_DIR)");
}

void TestParseCli::smiJson()
{
    GPUDECK_REQUIRE_SHARED(shared);
    // 8x H100 default table, driver 550: 8 GPUs of 81559 MiB (read off the file).
    const Run r = cli({QStringLiteral("parse-smi"),
                       shared + QStringLiteral("/realdata/nvidia-smi/leptonai_gpud/"
                                               "nvidia-smi.550.90.07.out.0.valid"),
                       QStringLiteral("--json")});
    QCOMPARE(r.code, 0);
    const QJsonObject o = QJsonDocument::fromJson(r.out).object();
    QCOMPARE(o.value(QStringLiteral("gpu_count")).toInt(), 8);
    QCOMPARE(o.value(QStringLiteral("memory_total_mib")).toInteger(), 8 * 81559);
    QCOMPARE(o.value(QStringLiteral("driver_version")).toString(), QStringLiteral("550.90.07"));
    const QJsonObject gpu = o.value(QStringLiteral("gpus")).toArray().at(7).toObject();
    QCOMPARE(gpu.value(QStringLiteral("index")).toInt(), 7);
    QCOMPARE(gpu.value(QStringLiteral("bus_id")).toString(), QStringLiteral("00000000:DB:00.0"));
    QCOMPARE(gpu.value(QStringLiteral("power_limit_w")).toDouble(), 700.0);
    // Absent values are null, with the reason nvidia-smi gave.
    QVERIFY(gpu.value(QStringLiteral("fan_percent")).isNull());
    QCOMPARE(gpu.value(QStringLiteral("absent")).toObject().value(QStringLiteral("fan_percent")),
             QJsonValue(QStringLiteral("[N/A]")));
    QCOMPARE(o.value(QStringLiteral("sections"))
                 .toArray()
                 .first()
                 .toObject()
                 .value(QStringLiteral("kind")),
             QJsonValue(QStringLiteral("table")));
}

void TestParseCli::smiHuman()
{
    GPUDECK_REQUIRE_SHARED(shared);
    const Run r = cli({QStringLiteral("parse-smi"),
                       shared + QStringLiteral("/realdata/nvidia-smi/nvidia_gpu_exporter/"
                                               "captures__linux-x86_64__nvidia-h100-mig__590.48."
                                               "01.txt")});
    QCOMPARE(r.code, 0);
    const QString out = QString::fromUtf8(r.out);
    QVERIFY2(out.contains(QLatin1String("NVIDIA H100 80GB HBM3")), r.out.constData());
    QVERIFY(out.contains(QLatin1String("MIG 0 3g.40gb")));
    QVERIFY(out.contains(QLatin1String("Total: 1 GPU(s), 81559 MiB")));
}

void TestParseCli::smiNoheaderWithFields()
{
    const QString file = writeTemp(m_dir, "stream.csv", "0, 10, 100\n1, 20, 200\n");
    Run r = cli({QStringLiteral("parse-smi"), file, QStringLiteral("--json")});
    QCOMPARE(r.code, 1); // bare numbers fit no known layout
    QVERIFY(r.err.contains("--fields"));
    r = cli({QStringLiteral("parse-smi"), file, QStringLiteral("--fields"),
             QStringLiteral("index,memory.used,memory.total"), QStringLiteral("--json")});
    QCOMPARE(r.code, 0);
    const QJsonObject o = QJsonDocument::fromJson(r.out).object();
    QCOMPARE(o.value(QStringLiteral("gpu_count")).toInt(), 2);
    QCOMPARE(o.value(QStringLiteral("memory_total_mib")).toInteger(), 300);
}

void TestParseCli::smiFromStdin()
{
    const Run r = cli({QStringLiteral("parse-smi"), QStringLiteral("-"), QStringLiteral("--json")},
                      "index, name, memory.total [MiB]\n0, Tesla T4, 15360 MiB\n");
    QCOMPARE(r.code, 0);
    QCOMPARE(QJsonDocument::fromJson(r.out).object().value(QStringLiteral("gpu_count")).toInt(), 1);
}

void TestParseCli::smiErrors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QByteArray>("content"); // written to a file that replaces "FILE"
    QTest::addColumn<int>("code");
    QTest::addColumn<QByteArray>("says");
    QTest::newRow("no file") << QStringList{} << QByteArray() << 2 << QByteArray("FILE");
    QTest::newRow("two files") << QStringList{QStringLiteral("a"), QStringLiteral("b")}
                               << QByteArray() << 2 << QByteArray("FILE");
    QTest::newRow("bad option") << QStringList{QStringLiteral("FILE"), QStringLiteral("--nope")}
                                << QByteArray("x") << 2 << QByteArray("nope");
    QTest::newRow("missing") << QStringList{QStringLiteral("/nonexistent/capture.txt")}
                             << QByteArray() << 1 << QByteArray("cannot read");
    QTest::newRow("garbage") << QStringList{QStringLiteral("FILE")}
                             << QByteArray("hello world\nnothing to see\n") << 1
                             << QByteArray("Expected");
    QTest::newRow("binary") << QStringList{QStringLiteral("FILE")}
                            << QByteArray("\0\1\2\3\xff\xfe", 6) << 1 << QByteArray("binary");
    QTest::newRow("truncated -q") << QStringList{QStringLiteral("FILE")}
                                  << QByteArray("==============NVSMI LOG==============\n\n"
                                                "Attached GPUs : 2\nGPU 00000000:01:00.0\n"
                                                "    Product Name : NVIDIA A10\n")
                                  << 1 << QByteArray("cut off");
}

void TestParseCli::smiErrors()
{
    QFETCH(QStringList, args);
    QFETCH(QByteArray, content);
    QFETCH(int, code);
    QFETCH(QByteArray, says);
    const qsizetype at = args.indexOf(QStringLiteral("FILE"));
    if (at >= 0)
        args[at] = writeTemp(m_dir, "input.txt", content);
    const Run r = cli(QStringList{QStringLiteral("parse-smi")} + args);
    QCOMPARE(r.code, code);
    QVERIFY2(r.err.contains(says), r.err.constData());
    QVERIFY(r.out.isEmpty());
}

void TestParseCli::logJson()
{
    GPUDECK_REQUIRE_SHARED(shared);
    // 30 epochs, the last "loss: 1.3583", 363 steps each (read off the file).
    const Run r = cli({QStringLiteral("parse-log"),
                       shared + QStringLiteral("/realdata/training-logs/keras/handson-ml2__10_"
                                               "neural_nets_with_keras__cell122__exploding_loss_"
                                               "30ep.log"),
                       QStringLiteral("--json")});
    QCOMPARE(r.code, 0);
    const QJsonObject o = QJsonDocument::fromJson(r.out).object();
    QCOMPARE(o.value(QStringLiteral("format")).toString(), QStringLiteral("keras"));
    const QJsonObject run = o.value(QStringLiteral("runs")).toArray().first().toObject();
    const QJsonArray epochs = run.value(QStringLiteral("epochs")).toArray();
    QCOMPARE(epochs.size(), 30);
    const QJsonObject last = epochs.last().toObject();
    QCOMPARE(last.value(QStringLiteral("number")).toInt(), 30);
    QCOMPARE(last.value(QStringLiteral("total")).toInt(), 30);
    QCOMPARE(last.value(QStringLiteral("complete")).toBool(), true);
    QCOMPARE(
        last.value(QStringLiteral("metrics")).toObject().value(QStringLiteral("loss")).toDouble(),
        1.3583);
    QCOMPARE(last.value(QStringLiteral("loss")).toDouble(), 1.3583);
    QCOMPARE(last.value(QStringLiteral("steps_total")).toInt(), 363);
    QVERIFY(last.value(QStringLiteral("duration_seconds")).toDouble() > 0);
    QCOMPARE(run.value(QStringLiteral("completed_epochs")).toInt(), 30);

    // NaN travels as a string.
    const Run nan = cli({QStringLiteral("parse-log"),
                         shared + QStringLiteral("/realdata/training-logs/lightning/genrisk__"
                                                 "lightning_logs_version_0__metrics.csv"),
                         QStringLiteral("--json")});
    QCOMPARE(nan.code, 0);
    const QJsonObject lastNan = QJsonDocument::fromJson(nan.out)
                                    .object()
                                    .value(QStringLiteral("runs"))
                                    .toArray()
                                    .first()
                                    .toObject()
                                    .value(QStringLiteral("epochs"))
                                    .toArray()
                                    .last()
                                    .toObject();
    QCOMPARE(lastNan.value(QStringLiteral("loss")), QJsonValue(QStringLiteral("nan")));
}

void TestParseCli::logHumanWithEta()
{
    GPUDECK_REQUIRE_SHARED(shared);
    const Run r = cli({QStringLiteral("parse-log"),
                       shared + QStringLiteral("/realdata/training-logs/keras/keras-io__mnist_"
                                               "convnet__interrupted_mid_epoch12.log"),
                       QStringLiteral("--rate"), QStringLiteral("2.00")});
    QCOMPARE(r.code, 0);
    const QString out = QString::fromUtf8(r.out);
    QVERIFY2(out.contains(QLatin1String("12/15*")), r.out.constData());
    QVERIFY(out.contains(QLatin1String("237/422 steps")));
    QVERIFY(out.contains(QLatin1String("ETA:")));
    QVERIFY(out.contains(QLatin1String("at $2.00/h")));

    const Run json = cli({QStringLiteral("parse-log"),
                          shared + QStringLiteral("/realdata/training-logs/keras/keras-io__mnist_"
                                                  "convnet__interrupted_mid_epoch12.log"),
                          QStringLiteral("--rate"), QStringLiteral("2"), QStringLiteral("--json")});
    const QJsonObject eta = QJsonDocument::fromJson(json.out)
                                .object()
                                .value(QStringLiteral("runs"))
                                .toArray()
                                .first()
                                .toObject()
                                .value(QStringLiteral("eta"))
                                .toObject();
    QCOMPARE(eta.value(QStringLiteral("completed_epochs")).toInt(), 11);
    QCOMPARE(eta.value(QStringLiteral("total_epochs")).toInt(), 15);
    const double remaining = eta.value(QStringLiteral("remaining_seconds")).toDouble();
    QVERIFY(remaining > 0);
    QCOMPARE(eta.value(QStringLiteral("projected_cost_usd")).toDouble(), remaining / 3600.0 * 2);
}

void TestParseCli::logForcedFormatAndRegex()
{
    const QString file =
        writeTemp(m_dir, "custom.log", "step 1 of 3: loss=0.5\nstep 2 of 3: loss=0.25\n");
    Run r = cli({QStringLiteral("parse-log"), file, QStringLiteral("--regex"),
                 QStringLiteral("step (?<epoch>\\d+) of (?<total>\\d+): loss=(?<loss>\\S+)"),
                 QStringLiteral("--json")});
    QCOMPARE(r.code, 0);
    const QJsonObject run = QJsonDocument::fromJson(r.out)
                                .object()
                                .value(QStringLiteral("runs"))
                                .toArray()
                                .first()
                                .toObject();
    QCOMPARE(run.value(QStringLiteral("format")).toString(), QStringLiteral("regex"));
    QCOMPARE(run.value(QStringLiteral("epochs")).toArray().size(), 2);
    QCOMPARE(run.value(QStringLiteral("planned_epochs")).toInt(), 3);

    const QString keras = writeTemp(m_dir, "k.log",
                                    "Epoch 1/1\n5/5 [==============================] - 1s "
                                    "20ms/step - loss: 0.4\n");
    r = cli(
        {QStringLiteral("parse-log"), keras, QStringLiteral("--format"), QStringLiteral("fastai")});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("No epoch"), r.err.constData());
    r = cli(
        {QStringLiteral("parse-log"), keras, QStringLiteral("--format"), QStringLiteral("keras")});
    QCOMPARE(r.code, 0);
}

void TestParseCli::logErrors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<int>("code");
    QTest::addColumn<QByteArray>("says");
    QTest::newRow("no file") << QStringList{} << QByteArray() << 2 << QByteArray("FILE");
    QTest::newRow("unknown format")
        << QStringList{QStringLiteral("FILE"), QStringLiteral("--format"), QStringLiteral("tf1")}
        << QByteArray("x") << 2 << QByteArray("unknown format");
    QTest::newRow("regex and format")
        << QStringList{QStringLiteral("FILE"), QStringLiteral("--format"), QStringLiteral("keras"),
                       QStringLiteral("--regex"), QStringLiteral("(?<epoch>\\d+)")}
        << QByteArray("x") << 2 << QByteArray("exclude");
    QTest::newRow("invalid regex")
        << QStringList{QStringLiteral("FILE"), QStringLiteral("--regex"), QStringLiteral("(")}
        << QByteArray("x") << 2 << QByteArray("not valid");
    QTest::newRow("bad rate") << QStringList{QStringLiteral("FILE"), QStringLiteral("--rate"),
                                             QStringLiteral("cheap")}
                              << QByteArray("x") << 2 << QByteArray("--rate");
    QTest::newRow("missing") << QStringList{QStringLiteral("/nonexistent/train.log")}
                             << QByteArray() << 1 << QByteArray("cannot read");
    QTest::newRow("not a log") << QStringList{QStringLiteral("FILE")}
                               << QByteArray("just some text\nwith two lines\n") << 1
                               << QByteArray("--format");
    QTest::newRow("empty") << QStringList{QStringLiteral("FILE")} << QByteArray() << 1
                           << QByteArray("not recognised");
}

void TestParseCli::logErrors()
{
    QFETCH(QStringList, args);
    QFETCH(QByteArray, content);
    QFETCH(int, code);
    QFETCH(QByteArray, says);
    const qsizetype at = args.indexOf(QStringLiteral("FILE"));
    if (at >= 0)
        args[at] = writeTemp(m_dir, "input.log", content);
    const Run r = cli(QStringList{QStringLiteral("parse-log")} + args);
    QCOMPARE(r.code, code);
    QVERIFY2(r.err.contains(says), r.err.constData());
}

QTEST_GUILESS_MAIN(TestParseCli)
#include "tst_parsecli.moc"
