// Training log parsers against every log in ../shared/realdata/training-logs, the quirks each
// one carries, the formats with no real file there (YOLO, JSON Lines, Hugging Face log dicts,
// fastai v2, a user regex; built from the formats' documented shapes), broken inputs, and the
// incremental feed (chunks, \r progress bars, ANSI escapes).
#include "epoch.h"
#include "logparser.h"
#include "progress.h"
#include "testenv.h"

#include <QDirIterator>
#include <QFile>
#include <QRandomGenerator>
#include <QSet>
#include <QTest>

#include <cmath>

using namespace gpudeck::monitor;
using gpudeck::Result;
using gpudeck::test::readFile;

namespace {

QString realdata(const QString& shared)
{
    return shared + QStringLiteral("/realdata/training-logs/");
}

struct Expected {
    const char* file;
    LogFormat format;
    int runs;
    int completeEpochs;   // over all runs
    const char* lastLoss; // training loss of the last complete epoch of the last run that has
                          // one, as printed in the file ("nan" allowed); nullptr: no such epoch
};

// Values read from the files themselves, not from the parsers. How:
//  - Keras: complete epochs = result lines (" - loss: " without "ETA", steps done == total),
//    runs = "Epoch 1/" lines plus the "<<2367 more lines>>" gap (a fit we cannot join to the one
//    before), last loss = the "loss:" of the last result line (`grep`, `tail`).
//  - fastai: rows under an "epoch train_loss ..." header (`grep -c`), runs = headers; qrnn-ru.md
//    has 6 rows (epochs 5-10) pasted without a header, which cannot be named and are not counted.
//  - PyTorch: "====> Epoch N Average train loss" lines; runs: the counter restarts once.
//  - Lightning: distinct epoch values (`cut -d, -f2 | sort -u`), the last row's train_disc_loss.
//  - Hugging Face: trainer_state.json log_history grouped by ceil(epoch) with Python; the "*****
//    train metrics *****" blocks; the notebook tables' <td> rows, plus one run per empty table
//    (an Optuna trial stopped before its first evaluation) of which one finished its epoch.
// Each was cross-checked with a short Python script (regular expressions, csv, json modules).
const Expected kExpected[] = {
    {"fastai/ulmfit-multilingual__results_logs__Training_qrnn_on_ML.txt", LogFormat::FastAi, 17,
     161, "0.018704"},
    {"fastai/ulmfit-multilingual__results_logs__fastai.errors.txt", LogFormat::FastAi, 1, 11,
     "0.021245"},
    {"fastai/ulmfit-multilingual__results_logs__qrnn-ru.md", LogFormat::FastAi, 7, 64, "2.687201"},
    {"hf-transformers/cse5525-research-project__results_conll__shuffle.md", LogFormat::HuggingFace,
     3, 3, "0.0621"},
    {"hf-transformers/hf-notebooks__text_classification__cell63__trainer_notebook_output.html",
     LogFormat::HuggingFace, 1, 5, "0.123922"},
    {"hf-transformers/hf-notebooks__text_classification__cell78__trainer_notebook_output.html",
     LogFormat::HuggingFace, 10, 14, "0.526511"},
    {"hf-transformers/hf-notebooks__text_classification__cell82__trainer_notebook_output.html",
     LogFormat::HuggingFace, 1, 2, "0.428433"},
    {"hf-transformers/trainer_state_viz__trainer_state.json", LogFormat::HuggingFace, 1, 31,
     "0.0549"},
    {"keras/CNN-for-handwritten-kanji__model30x30_training_log__keras1_verbose2.log",
     LogFormat::Keras, 4, 66, "0.0538"},
    {"keras/CNN-for-handwritten-kanji__model_for_augmented_dataset_training_log__keras1_verbose2."
     "log",
     LogFormat::Keras, 3, 25, "0.0134"},
    {"keras/CNN-for-handwritten-kanji__model_training_log__keras1_verbose2.log", LogFormat::Keras,
     4, 66, "0.0455"},
    {"keras/handson-ml2__10_neural_nets_with_keras__cell122__exploding_loss_30ep.log",
     LogFormat::Keras, 1, 30, "1.3583"},
    {"keras/handson-ml2__10_neural_nets_with_keras__cell135__randomizedsearchcv_many_fits.log",
     LogFormat::Keras, 2, 35, "0.3058"},
    {"keras/handson-ml2__10_neural_nets_with_keras__cell179__mnist_earlystopping_100ep.log",
     LogFormat::Keras, 1, 28, "4.2216e-05"},
    {"keras/handson-ml2__10_neural_nets_with_keras__cell57__fashion_mnist_mlp_30ep.log",
     LogFormat::Keras, 1, 30, "0.2252"},
    {"keras/handson-ml2__10_neural_nets_with_keras__cell90__multi_output_model_20ep.log",
     LogFormat::Keras, 1, 20, "0.4589"},
    {"keras/handson-ml2__11_training_deep_neural_networks__cell124__lr_scheduler_exponential_25ep."
     "log",
     LogFormat::Keras, 1, 25, "0.1308"},
    {"keras/handson-ml2__11_training_deep_neural_networks__cell139__reduce_lr_on_plateau_25ep.log",
     LogFormat::Keras, 1, 25, "0.0683"},
    {"keras/handson-ml2__11_training_deep_neural_networks__cell155__short_2ep.log",
     LogFormat::Keras, 1, 2, "0.7280"},
    {"keras/handson-ml3__15_processing_sequences_using_rnns_and_cnns__cell151__huge_steps_107813_"
     "topk_metric.log",
     LogFormat::Keras, 1, 2, "2.7176"},
    {"keras/handson-ml3__16_nlp_with_rnns_and_attention__cell32__interleaved_tf_INFO_lines.log",
     LogFormat::Keras, 1, 10, "1.2436"},
    {"keras/keras-io__mnist_convnet__interrupted_mid_epoch12.log", LogFormat::Keras, 1, 11,
     "0.0406"},
    {"keras/keras-io__mnist_moe__keras3_inprogress_lines_EXCERPT.txt", LogFormat::Keras, 1, 0,
     nullptr},
    {"lightning/genrisk__lightning_logs_version_0__metrics.csv", LogFormat::Lightning, 1, 80,
     "nan"},
    {"lightning/genrisk__lightning_logs_version_2__metrics.csv", LogFormat::Lightning, 1, 80,
     "11.515928268432617"},
    {"pytorch-plain/CS4782-5782FinalDeliverable__results__train_resnet110_log.md",
     LogFormat::PyTorch, 2, 1000, "0.0114"},
};

const Epoch* lastCompleteEpoch(const QList<Run>& runs)
{
    for (auto r = runs.crbegin(); r != runs.crend(); ++r) {
        if (const Epoch* e = r->lastComplete())
            return e;
    }
    return nullptr;
}

bool sameNumber(double a, double b)
{
    if (std::isnan(a) || std::isnan(b))
        return std::isnan(a) && std::isnan(b);
    return a == b || qFuzzyCompare(a, b);
}

// The parse must not depend on how the bytes arrive.
void compareRuns(const QList<Run>& a, const QList<Run>& b)
{
    QCOMPARE(a.size(), b.size());
    for (qsizetype r = 0; r < a.size(); ++r) {
        QCOMPARE(a[r].epochs.size(), b[r].epochs.size());
        QCOMPARE(a[r].name, b[r].name);
        for (qsizetype i = 0; i < a[r].epochs.size(); ++i) {
            const Epoch& x = a[r].epochs[i];
            const Epoch& y = b[r].epochs[i];
            QCOMPARE(x.number, y.number);
            QCOMPARE(x.complete, y.complete);
            QCOMPARE(x.total, y.total);
            QCOMPARE(x.metrics.keys(), y.metrics.keys());
            for (const QString& k : x.metrics.keys())
                QVERIFY2(sameNumber(x.metrics.value(k), y.metrics.value(k)), qPrintable(k));
            QCOMPARE(x.durationSeconds.has_value(), y.durationSeconds.has_value());
        }
    }
}

QList<Run> parseOk(const QByteArray& text, LogFormat format = LogFormat::Unknown)
{
    const Result<QList<Run>> r = parseLog(text, format);
    if (!r.ok())
        qWarning("%s", qPrintable(r.error().message));
    return r.ok() ? r.value() : QList<Run>();
}

} // namespace

class TestLogParsers final : public QObject {
    Q_OBJECT
private slots:
    void realLogs_data();
    void realLogs();
    void everyRealLogCovered();
    void realLogsAnyChunking();
    void brokenInputs_data();
    void brokenInputs();
    void forcedWrongFormat();
    void kerasDetails();
    void kerasInterruptedAndKeras3();
    void kerasCarriageReturnsAndAnsi();
    void kerasElidedHeader();
    void kerasEvaluateAfterFit();
    void pytorchDetails();
    void lightningNanAndHuge();
    void huggingFaceState();
    void huggingFaceSummariesAndTables();
    void huggingFaceLogDicts();
    void fastaiDetails();
    void fastaiV2();
    void yoloV5AndV8();
    void jsonLines();
    void userRegex();
    void badRegex();
    void liveFeedTimesEpochs();
    void detectFormat_data();
    void detectFormat();
};

void TestLogParsers::realLogs_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("format");
    QTest::addColumn<int>("runs");
    QTest::addColumn<int>("complete");
    QTest::addColumn<QString>("lastLoss");
    for (const Expected& e : kExpected)
        QTest::newRow(e.file) << QString::fromLatin1(e.file) << static_cast<int>(e.format) << e.runs
                              << e.completeEpochs
                              << (e.lastLoss ? QString::fromLatin1(e.lastLoss) : QString());
}

void TestLogParsers::realLogs()
{
    GPUDECK_REQUIRE_SHARED(shared);
    QFETCH(QString, file);
    QFETCH(int, format);
    QFETCH(int, runs);
    QFETCH(int, complete);
    QFETCH(QString, lastLoss);
    const QByteArray data = readFile(realdata(shared) + file);
    QVERIFY(!data.isEmpty());
    QCOMPARE(static_cast<int>(detectLogFormat(data)), format);
    const Result<QList<Run>> parsed = parseLog(data);
    QVERIFY2(parsed.ok(), qPrintable(parsed.ok() ? QString() : parsed.error().message));
    QCOMPARE(parsed->size(), runs);
    int done = 0;
    for (const Run& r : parsed.value()) {
        QCOMPARE(static_cast<int>(r.format), format);
        done += r.completedEpochs();
        // Epoch numbers grow within a run (a restart is a new run).
        for (qsizetype i = 1; i < r.epochs.size(); ++i)
            QVERIFY2(r.epochs[i].number > r.epochs[i - 1].number, qPrintable(r.name));
    }
    QCOMPARE(done, complete);
    const Epoch* last = lastCompleteEpoch(parsed.value());
    if (lastLoss.isEmpty()) {
        QVERIFY(!last);
        return;
    }
    QVERIFY(last);
    const auto loss = primaryLoss(*last);
    QVERIFY2(loss.has_value(), "the last complete epoch has a training loss");
    const double expected = lastLoss == QLatin1String("nan") ? std::nan("") : lastLoss.toDouble();
    QVERIFY2(sameNumber(*loss, expected),
             qPrintable(QStringLiteral("%1 != %2").arg(*loss).arg(lastLoss)));
}

void TestLogParsers::everyRealLogCovered()
{
    GPUDECK_REQUIRE_SHARED(shared);
    QSet<QString> listed;
    for (const Expected& e : kExpected)
        listed.insert(QString::fromLatin1(e.file));
    const QString root = realdata(shared);
    QDirIterator it(root, QDir::Files, QDirIterator::Subdirectories);
    int seen = 0;
    while (it.hasNext()) {
        const QString rel = it.next().mid(root.size());
        ++seen;
        QVERIFY2(listed.remove(rel),
                 qPrintable(rel + QStringLiteral(" is in realdata but not checked by realLogs")));
    }
    QVERIFY2(listed.isEmpty(), qPrintable(QStringLiteral("listed but missing: ") +
                                          QStringList(listed.values()).join(QLatin1Char(' '))));
    QVERIFY(seen > 0);
}

void TestLogParsers::realLogsAnyChunking()
{
    // tail -F hands over arbitrary chunks: cut every real log into random pieces (and the
    // small ones byte by byte) and expect exactly the one-shot result.
    GPUDECK_REQUIRE_SHARED(shared);
    QRandomGenerator rng(1234);
    for (const Expected& e : kExpected) {
        const QByteArray data = readFile(realdata(shared) + QString::fromLatin1(e.file));
        const QList<Run> whole = parseOk(data);
        for (int pass = 0; pass < 2; ++pass) {
            LogParser p;
            qsizetype at = 0;
            while (at < data.size()) {
                const qsizetype n =
                    pass == 0 && data.size() < 8000 ? 1 : 1 + rng.bounded(pass == 0 ? 97 : 4096);
                (void)p.feed(QByteArrayView(data).sliced(at, std::min(n, data.size() - at)));
                at += n;
            }
            (void)p.finish();
            compareRuns(p.runs(), whole);
            if (QTest::currentTestFailed()) {
                qWarning("in %s", e.file);
                return;
            }
        }
    }
}

void TestLogParsers::brokenInputs_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("blank") << QByteArray("\n\r\n   \n");
    QTest::newRow("prose") << QByteArray(
        "Dear diary,\ntoday I trained nothing.\nepoch? what epoch\n");
    QTest::newRow("binary") << QByteArrayLiteral("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10");
    QTest::newRow("random") << [] {
        QByteArray b(65536, '\0');
        QRandomGenerator rng(99);
        for (char& c : b)
            c = static_cast<char>(rng.bounded(256));
        return b;
    }();
    QTest::newRow("json without log_history") << QByteArray("{\n  \"a\": 1,\n  \"b\": [1, 2]\n}\n");
    QTest::newRow("json cut") << QByteArray(
        "{\n  \"log_history\": [\n    {\"epoch\": 1.0, \"loss\": 0.5");
    QTest::newRow("csv header only, no epoch") << QByteArray("step,loss\n1,0.5\n2,0.4\n");
}

void TestLogParsers::brokenInputs()
{
    QFETCH(QByteArray, input);
    const Result<QList<Run>> r = parseLog(input);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, gpudeck::ErrorCode::InvalidInput);
    QVERIFY(!r.error().message.isEmpty());
    // Every forced format must also answer, not crash.
    for (LogFormat f :
         {LogFormat::Keras, LogFormat::PyTorch, LogFormat::Lightning, LogFormat::HuggingFace,
          LogFormat::FastAi, LogFormat::Yolo, LogFormat::JsonLines})
        (void)parseLog(input, f);
}

void TestLogParsers::forcedWrongFormat()
{
    GPUDECK_REQUIRE_SHARED(shared);
    const QByteArray keras = readFile(
        realdata(shared) +
        QStringLiteral(
            "keras/handson-ml2__11_training_deep_neural_networks__cell155__short_2ep.log"));
    const Result<QList<Run>> r = parseLog(keras, LogFormat::FastAi);
    QVERIFY(!r.ok());
    QVERIFY2(r.error().message.contains(QLatin1String("No epoch")), qPrintable(r.error().message));
    QVERIFY(parseLog(keras, LogFormat::Keras).ok());
}

void TestLogParsers::kerasDetails()
{
    GPUDECK_REQUIRE_SHARED(shared);
    // Keras 2 with us/step: "0s 713us/step" over 363 steps is 0.259 s, not 0 s.
    const QList<Run> exploding = parseOk(readFile(
        realdata(shared) +
        QStringLiteral(
            "keras/handson-ml2__10_neural_nets_with_keras__cell122__exploding_loss_30ep.log")));
    const Epoch& e2 = exploding.first().epochs[1];
    QCOMPARE(e2.number, 2);
    QCOMPARE(e2.total, std::optional<int>(30));
    QCOMPARE(e2.metrics.value(QStringLiteral("loss")), 8159520618.2209);
    QVERIFY(qFuzzyCompare(*e2.durationSeconds, 363 * 713e-6));
    QCOMPARE(e2.stepsDone, std::optional<qint64>(363));
    QCOMPARE(exploding.first().epochs[0].durationSeconds, std::optional<double>(1.0)); // "1s"

    // Keras 1 verbose=2: "242s - loss: ..."; early stopping ends a run.
    const QList<Run> kanji = parseOk(readFile(
        realdata(shared) +
        QStringLiteral(
            "keras/CNN-for-handwritten-kanji__model30x30_training_log__keras1_verbose2.log")));
    QCOMPARE(kanji[0].epochs.first().durationSeconds, std::optional<double>(242.0));
    QCOMPARE(kanji[0].epochs.first().metrics.value(QStringLiteral("val_acc")), 0.5812);
    QCOMPARE(kanji[0].epochs.size(), 21); // its result comes after "Epoch 00020: early stopping"
    QCOMPARE(kanji[0].epochs.last().metrics.value(QStringLiteral("loss")), 0.4791);
    QVERIFY(kanji[0].finished);
    QCOMPARE(kanji[2].plannedEpochs(), std::optional<int>(21));

    // Multi-output names and a 107,813-step epoch with a long metric name.
    const QList<Run> multi = parseOk(readFile(
        realdata(shared) +
        QStringLiteral(
            "keras/handson-ml2__10_neural_nets_with_keras__cell90__multi_output_model_20ep.log")));
    QCOMPARE(multi.first().epochs.last().metrics.value(QStringLiteral("val_aux_output_loss")),
             1.0118);
    const QList<Run> huge = parseOk(readFile(
        realdata(shared) +
        QStringLiteral("keras/handson-ml3__15_processing_sequences_using_rnns_and_cnns__cell151__"
                       "huge_steps_107813_topk_metric.log")));
    QCOMPARE(huge.first().epochs.last().stepsTotal, std::optional<qint64>(107813));
    QCOMPARE(huge.first().epochs.last().durationSeconds, std::optional<double>(3975.0));
    QVERIFY(huge.first().epochs.last().metrics.contains(
        QStringLiteral("sparse_top_k_categorical_accuracy")));
    // INFO:tensorflow lines between header and result change nothing.
    const QList<Run> info = parseOk(readFile(
        realdata(shared) +
        QStringLiteral(
            "keras/"
            "handson-ml3__16_nlp_with_rnns_and_attention__cell32__interleaved_tf_INFO_lines.log")));
    QCOMPARE(info.first().epochs.size(), 10);
    QCOMPARE(info.first().epochs[5].durationSeconds, std::optional<double>(1386.0));
}

void TestLogParsers::kerasInterruptedAndKeras3()
{
    GPUDECK_REQUIRE_SHARED(shared);
    const QList<Run> cut = parseOk(
        readFile(realdata(shared) +
                 QStringLiteral("keras/keras-io__mnist_convnet__interrupted_mid_epoch12.log")));
    const Epoch& running = cut.first().epochs.last();
    QCOMPARE(running.number, 12);
    QVERIFY(!running.complete);
    QCOMPARE(running.stepsDone, std::optional<qint64>(237));
    QCOMPARE(running.stepsTotal, std::optional<qint64>(422));
    QCOMPARE(running.metrics.value(QStringLiteral("loss")), 0.0398);
    QVERIFY(!running.durationSeconds); // "ETA: 7s" is not a duration
    QVERIFY(!cut.first().finished);

    const QList<Run> k3 = parseOk(
        readFile(realdata(shared) +
                 QStringLiteral("keras/keras-io__mnist_moe__keras3_inprogress_lines_EXCERPT.txt")));
    QCOMPARE(k3.size(), 1);
    const Epoch& e = k3.first().epochs.first();
    QCOMPARE(e.number, 1);
    QCOMPARE(e.total, std::optional<int>(20));
    QVERIFY(!e.complete);
    QCOMPARE(e.stepsDone, std::optional<qint64>(12));
    QCOMPARE(e.stepsTotal, std::optional<qint64>(469));
    QCOMPARE(e.metrics.value(QStringLiteral("moe_loss")), 32.0082);
    QCOMPARE(primaryLoss(e), std::optional<double>(0.1));
    QVERIFY(!e.durationSeconds);

    // A Keras 3 epoch that finishes: its last line (done == total) completes it.
    const QList<Run> done = parseOk(
        "Epoch 1/2\n"
        "  12/469 \xe2\x94\x81\xe2\x94\x81\xe2\x94\x81 7s 17ms/step - accuracy: 0.2438 - loss: "
        "0.1\n"
        "469/469 \xe2\x94\x81\xe2\x94\x81\xe2\x94\x81 0s 10ms/step - accuracy: 0.90 - loss: 0.3\n"
        "469/469 \xe2\x94\x81\xe2\x94\x81\xe2\x94\x81 9s 11ms/step - accuracy: 0.91 - loss: 0.29 - "
        "val_accuracy: 0.95 - val_loss: 0.2\n"
        "Epoch 2/2\n");
    QCOMPARE(done.first().epochs.size(), 2);
    QVERIFY(done.first().epochs[0].complete);
    QCOMPARE(done.first().epochs[0].durationSeconds, std::optional<double>(9.0));
    QCOMPARE(done.first().epochs[0].metrics.value(QStringLiteral("val_loss")), 0.2);
    QVERIFY(!done.first().epochs[1].complete);
}

void TestLogParsers::kerasCarriageReturnsAndAnsi()
{
    // Keras 2 on a terminal redraws its bar with backspaces and \r; Windows adds \r\n; colours
    // wrap some lines. Fed in awkward chunks it must read like the clean log.
    const QByteArray raw =
        "\x1b[1mEpoch 1/2\x1b[0m\r\n"
        "  1/100 [..............................] - ETA: 50s - loss: 0.9000"
        "\b\b\b\b\b\b\b\b\b\b\b\b\b\b\b\b\b\b\b\b\r"
        " 50/100 [==============>...............] - ETA: 2s - loss: 0.7000"
        "\b\b\b\b\b\b\b\b\b\b\b\b\b\b\b\b\b\b\b\b\r"
        "100/100 [==============================] - 5s 50ms/step - loss: 0.5000 - "
        "val_loss: 0.6000\r\n"
        "Epoch 2/2\n"
        " 30/100 [========>.....................] - ETA: 3s - loss: 0.4000\r";
    const QList<Run> whole = parseOk(raw);
    QCOMPARE(whole.size(), 1);
    QCOMPARE(whole.first().epochs.size(), 2);
    const Epoch& one = whole.first().epochs[0];
    QVERIFY(one.complete);
    QCOMPARE(one.metrics.value(QStringLiteral("loss")), 0.5);
    QCOMPARE(one.metrics.value(QStringLiteral("val_loss")), 0.6);
    QCOMPARE(one.durationSeconds, std::optional<double>(5.0));
    const Epoch& two = whole.first().epochs[1];
    QVERIFY(!two.complete);
    QCOMPARE(two.stepsDone, std::optional<qint64>(30));
    QCOMPARE(two.metrics.value(QStringLiteral("loss")), 0.4);

    for (int chunk = 1; chunk < 9; ++chunk) {
        LogParser p;
        for (qsizetype at = 0; at < raw.size(); at += chunk)
            (void)p.feed(
                QByteArrayView(raw).sliced(at, std::min<qsizetype>(chunk, raw.size() - at)));
        // The last progress line ends in \r: it is read without waiting for finish().
        QCOMPARE(p.runs().first().epochs.size(), 2);
        QCOMPARE(p.runs().first().epochs[1].stepsDone, std::optional<qint64>(30));
        (void)p.finish();
        compareRuns(p.runs(), whole);
    }
}

void TestLogParsers::kerasElidedHeader()
{
    GPUDECK_REQUIRE_SHARED(shared);
    // After "<<2367 more lines>>" a result line arrives without its "Epoch 11/100" header; the
    // next header ("Epoch 12/100") tells which epoch it was.
    const QList<Run> runs = parseOk(readFile(
        realdata(shared) +
        QStringLiteral(
            "keras/"
            "handson-ml2__10_neural_nets_with_keras__cell135__randomizedsearchcv_many_fits.log")));
    QCOMPARE(runs.size(), 2);
    QCOMPARE(runs[0].epochs.size(), 17);
    QCOMPARE(runs[1].epochs.first().number, 11);
    QCOMPARE(runs[1].epochs.first().total, std::optional<int>(100));
    QCOMPARE(runs[1].epochs.first().metrics.value(QStringLiteral("val_loss")), 0.5455);
    QCOMPARE(runs[1].epochs.last().number, 28);
    QVERIFY(runs[0].finished);
}

void TestLogParsers::kerasEvaluateAfterFit()
{
    // model.evaluate() after fit() prints a result line with no "Epoch N/M" header above it
    // (here first in progress, then final): it is not epoch 4 of 3, and it does not overwrite
    // the last epoch's training loss with the test loss.
    const QByteArray log("Epoch 1/3\n"
                         "1875/1875 [==============================] - 3s 1ms/step - loss: 0.5000 "
                         "- accuracy: 0.8200\n"
                         "Epoch 2/3\n"
                         "1875/1875 [==============================] - 3s 1ms/step - loss: 0.4000 "
                         "- accuracy: 0.8600\n"
                         "Epoch 3/3\n"
                         "1875/1875 [==============================] - 3s 1ms/step - loss: 0.3000 "
                         "- accuracy: 0.8900\n"
                         " 120/313 [==========>...................] - ETA: 0s - loss: 0.3900 - "
                         "accuracy: 0.8700\n"
                         "313/313 [==============================] - 0s 1ms/step - loss: 0.3500 - "
                         "accuracy: 0.8750\n");
    const QList<Run> runs = parseOk(log, LogFormat::Keras);
    QCOMPARE(runs.size(), 1);
    QCOMPARE(runs[0].epochs.size(), 3);
    const Epoch& last = runs[0].epochs.last();
    QCOMPARE(last.number, 3);
    QVERIFY(last.complete);
    QCOMPARE(last.metrics.value(QStringLiteral("loss")), 0.3);
    QCOMPARE(last.stepsTotal, std::optional<qint64>(1875));
    // Keras 3's bar after the last epoch reads the same.
    const QByteArray k3(
        "Epoch 2/2\n"
        "469/469 \xe2\x94\x81\xe2\x94\x81 5s 10ms/step - accuracy: 0.9 - loss: 0.25\n"
        "313/313 \xe2\x94\x81\xe2\x94\x81 1s 2ms/step - accuracy: 0.8 - loss: 0.5\n");
    const QList<Run> k3runs = parseOk(k3, LogFormat::Keras);
    QCOMPARE(k3runs.size(), 1);
    QCOMPARE(k3runs[0].epochs.size(), 1);
    QCOMPARE(k3runs[0].epochs.last().metrics.value(QStringLiteral("loss")), 0.25);
}

void TestLogParsers::pytorchDetails()
{
    GPUDECK_REQUIRE_SHARED(shared);
    const QList<Run> runs = parseOk(readFile(
        realdata(shared) +
        QStringLiteral(
            "pytorch-plain/CS4782-5782FinalDeliverable__results__train_resnet110_log.md")));
    QCOMPARE(runs.size(), 2);
    QCOMPARE(runs[0].name, QStringLiteral("Training baseline ResNet"));
    QCOMPARE(runs[1].name, QStringLiteral("Training stochastic\u2010depth ResNetDrop"));
    QCOMPARE(runs[0].epochs.size(), 500);
    const Epoch& first = runs[0].epochs.first();
    QCOMPARE(first.metrics.value(QStringLiteral("loss")), 2.3434); // the average, not a batch
    QCOMPARE(first.metrics.value(QStringLiteral("val_loss")), 1.9504);
    QCOMPARE(first.metrics.value(QStringLiteral("val_acc")), 22.94);
    QCOMPARE(first.metrics.value(QStringLiteral("test_loss")), 1.9552);
    QCOMPARE(first.stepsTotal, std::optional<qint64>(45000));
    QCOMPARE(first.stepsDone, std::optional<qint64>(45000));
    QVERIFY(!first.total);
    QCOMPARE(runs[1].epochs.last().metrics.value(QStringLiteral("test_acc")), 94.47);

    // The MNIST example's shape: batches, then "Test set: Average loss ..., Accuracy: a/b (p%)".
    const QList<Run> mnist =
        parseOk("Train Epoch: 1 [0/60000 (0%)]\tLoss: 2.300000\n"
                "Train Epoch: 1 [59520/60000 (99%)]\tLoss: 0.040000\n\n"
                "Test set: Average loss: 0.0500, Accuracy: 9837/10000 (98%)\n\n"
                "Train Epoch: 2 [0/60000 (0%)]\tLoss: 0.100000\n");
    QCOMPARE(mnist.first().epochs.size(), 2);
    QVERIFY(mnist.first().epochs[0].complete);
    QCOMPARE(mnist.first().epochs[0].metrics.value(QStringLiteral("test_loss")), 0.05);
    QCOMPARE(mnist.first().epochs[0].metrics.value(QStringLiteral("test_accuracy")), 98.37);
    QVERIFY(!mnist.first().epochs[1].complete);
    QCOMPARE(mnist.first().epochs[1].stepsDone, std::optional<qint64>(0));
}

void TestLogParsers::lightningNanAndHuge()
{
    GPUDECK_REQUIRE_SHARED(shared);
    const QList<Run> runs = parseOk(
        readFile(realdata(shared) +
                 QStringLiteral("lightning/genrisk__lightning_logs_version_0__metrics.csv")));
    const Run& r = runs.first();
    QCOMPARE(r.epochs.size(), 80);
    QCOMPARE(r.epochs.first().number, 1); // epoch 0 in the file
    QCOMPARE(r.epochs.last().number, 80);
    // Epoch 0 logged 1.6226933508321501e+24 at step 0 and nan at its last step.
    QVERIFY(std::isnan(r.epochs.first().metrics.value(QStringLiteral("train_disc_loss"))));
    QVERIFY(std::isnan(r.epochs.first().metrics.value(QStringLiteral("train_gen_loss"))));
    QCOMPARE(r.epochs.first().stepsDone, std::optional<qint64>(3));
    QCOMPARE(primaryLossName(r.epochs.first()), QStringLiteral("train_disc_loss"));

    // Sparse rows: train and validation rows of one epoch merge; "nan" is a value, empty is not.
    const QList<Run> sparse = parseOk("epoch,step,train_loss,val_loss,val_acc\n"
                                      "0,49,0.9,,\n"
                                      "0,99,0.8,,\n"
                                      "0,99,,0.85,0.6\n"
                                      "1,149,inf,,\n"
                                      "1,199,nan,,\n"
                                      "1,199,,0.7,0.7\n");
    QCOMPARE(sparse.first().epochs.size(), 2);
    // Numbers past any integer in the epoch and step columns (fuzz_logparser: 2e84 reached an
    // undefined double-to-integer conversion): such a row is no epoch, such a step no count.
    const QList<Run> absurd = parseOk("step,epoch,loss\n"
                                      "2e84,0,0.5\n"
                                      "3,1e300,0.4\n"
                                      "4,1,0.3\n");
    QCOMPARE(absurd.first().epochs.size(), 2);
    QCOMPARE(absurd.first().epochs.first().stepsDone, std::optional<qint64>());
    QCOMPARE(absurd.first().epochs.last().stepsDone, std::optional<qint64>(4));
    const Epoch& e0 = sparse.first().epochs[0];
    QCOMPARE(e0.metrics.value(QStringLiteral("train_loss")), 0.8);
    QCOMPARE(e0.metrics.value(QStringLiteral("val_loss")), 0.85);
    QVERIFY(e0.complete);
    QVERIFY(std::isnan(sparse.first().epochs[1].metrics.value(QStringLiteral("train_loss"))));
    QCOMPARE(sparse.first().epochs[1].metrics.value(QStringLiteral("val_acc")), 0.7);
}

void TestLogParsers::huggingFaceState()
{
    GPUDECK_REQUIRE_SHARED(shared);
    const QList<Run> runs =
        parseOk(readFile(realdata(shared) +
                         QStringLiteral("hf-transformers/trainer_state_viz__trainer_state.json")));
    const Run& r = runs.first();
    QCOMPARE(r.epochs.size(), 31);
    QCOMPARE(r.epochs.first().number, 0); // six evaluations before training
    QCOMPARE(r.epochs.first().metrics.value(QStringLiteral("eval_g5_loss")), 3.7603373527526855);
    QVERIFY(!primaryLoss(r.epochs.first()));
    QCOMPARE(r.plannedEpochs(), std::optional<int>(30));
    const Epoch& last = r.epochs.last();
    QCOMPARE(last.number, 30);
    QCOMPARE(last.metrics.value(QStringLiteral("grad_norm")), 1.7071932554244995);
    QCOMPARE(last.metrics.value(QStringLiteral("eval_g5_loss")), 4.835134983062744);
    QCOMPARE(last.metrics.size(), 3 + 6 * 5);

    // NaN and Infinity, as Python's json.dump writes them for a diverged run.
    const QList<Run> diverged = parseOk("{\n  \"epoch\": 2.0,\n  \"log_history\": [\n"
                                        "    {\"epoch\": 1.0, \"loss\": NaN, \"step\": 10},\n"
                                        "    {\"epoch\": 2.0, \"loss\": Infinity, \"step\": 20}\n"
                                        "  ],\n  \"num_train_epochs\": 3\n}\n");
    QCOMPARE(diverged.first().epochs.size(), 2);
    QVERIFY(std::isnan(*primaryLoss(diverged.first().epochs[0])));
    QVERIFY(std::isinf(*primaryLoss(diverged.first().epochs[1])));
    QCOMPARE(diverged.first().plannedEpochs(), std::optional<int>(3));
}

void TestLogParsers::huggingFaceSummariesAndTables()
{
    GPUDECK_REQUIRE_SHARED(shared);
    const QList<Run> shuffle = parseOk(readFile(
        realdata(shared) +
        QStringLiteral("hf-transformers/cse5525-research-project__results_conll__shuffle.md")));
    QCOMPARE(shuffle.size(), 3);
    const Epoch& e = shuffle[0].epochs.first();
    QCOMPARE(e.number, 30);
    QCOMPARE(e.metrics.value(QStringLiteral("train_loss")), 0.0549);
    QCOMPARE(e.metrics.value(QStringLiteral("eval_f1")), 0.959);
    QCOMPARE(e.metrics.value(QStringLiteral("predict_loss")), 0.1613);
    QCOMPARE(e.metrics.value(QStringLiteral("best_epoch")), 23.0);
    QCOMPARE(e.metrics.value(QStringLiteral("eval_runtime")), 42.21); // "0:00:42.21"
    QCOMPARE(shuffle[0].totalSeconds, std::optional<double>(2 * 3600 + 60 + 44.85));
    QVERIFY(shuffle[0].finished);

    const QList<Run> table = parseOk(readFile(
        realdata(shared) +
        QStringLiteral("hf-transformers/"
                       "hf-notebooks__text_classification__cell82__trainer_notebook_output.html")));
    const Run& r = table.first();
    QCOMPARE(r.totalSeconds, std::optional<double>(22.0)); // "[536/536 00:22, Epoch 2/2]"
    QCOMPARE(r.plannedEpochs(), std::optional<int>(2));
    QVERIFY(!r.epochs[0].metrics.contains(QStringLiteral("Training Loss"))); // "No log"
    QCOMPARE(r.epochs[0].metrics.value(QStringLiteral("Validation Loss")), 0.467531);
    QCOMPARE(r.epochs[1].metrics.value(QStringLiteral("Matthews Correlation")), 0.521516);

    // Hyper-parameter search: a run per trial; pruned ones stop inside their first epoch.
    const QList<Run> search = parseOk(readFile(
        realdata(shared) +
        QStringLiteral("hf-transformers/"
                       "hf-notebooks__text_classification__cell78__trainer_notebook_output.html")));
    const Run& pruned = search[5];
    QCOMPARE(pruned.epochs.size(), 1);
    QVERIFY(!pruned.epochs.first().complete);
    QCOMPARE(pruned.plannedEpochs(), std::optional<int>(3));
    QCOMPARE(pruned.epochs.first().stepsDone, std::optional<qint64>(530));
    QCOMPARE(pruned.epochs.first().stepsTotal, std::optional<qint64>(535));
    QVERIFY(pruned.finished);
}

void TestLogParsers::huggingFaceLogDicts()
{
    // The Trainer's console: a banner, tqdm bars redrawn with \r (and colour), log dicts with
    // fractional epochs, nan, and the final train_runtime dict.
    const QByteArray log =
        "***** Running training *****\n"
        "  Num examples = 8551\n"
        "  Num Epochs = 3\n"
        "  0%|          | 0/804 [00:00<?, ?it/s]\r  1%|          | 5/804 [00:01<03:10, 4.2it/s]\r"
        "{'loss': 0.6931, 'learning_rate': 4.5e-05, 'epoch': 0.5}\n"
        " 33%|\xe2\x96\x88\xe2\x96\x88\xe2\x96\x88      | 268/804 [01:00<02:00, 4.4it/s]\r"
        "\x1b[A{'eval_loss': 0.61, 'eval_matthews_correlation': 0.3, 'epoch': 1.0}\n"
        "{'loss': nan, 'learning_rate': 2.5e-05, 'epoch': 1.49}\n"
        "{'eval_loss': 0.58, 'epoch': 2.0}\n"
        "{'loss': 0.41, 'learning_rate': 5e-06, 'epoch': 2.99}\n"
        "{'eval_loss': 0.55, 'epoch': 3.0}\n"
        "{'train_runtime': 180.5, 'train_samples_per_second': 142.1, 'train_loss': 0.45, "
        "'epoch': 3.0}\n"
        "100%|\xe2\x96\x88\xe2\x96\x88\xe2\x96\x88\xe2\x96\x88\xe2\x96\x88\xe2\x96\x88| 804/804 "
        "[03:00<00:00, 4.4it/s]\n";
    QCOMPARE(detectLogFormat(log), LogFormat::HuggingFace);
    const QList<Run> runs = parseOk(log);
    QCOMPARE(runs.size(), 1);
    const Run& r = runs.first();
    QCOMPARE(r.epochs.size(), 3);
    QCOMPARE(r.plannedEpochs(), std::optional<int>(3));
    QCOMPARE(r.epochs[0].metrics.value(QStringLiteral("loss")), 0.6931);
    QCOMPARE(r.epochs[0].metrics.value(QStringLiteral("eval_loss")), 0.61);
    QVERIFY(r.epochs[0].complete);
    QVERIFY(std::isnan(r.epochs[1].metrics.value(QStringLiteral("loss"))));
    QCOMPARE(r.epochs[2].metrics.value(QStringLiteral("train_loss")), 0.45);
    QCOMPARE(r.totalSeconds, std::optional<double>(180.5));
    QVERIFY(r.finished);
    QVERIFY(!r.epochs[2].metrics.contains(QStringLiteral("train_runtime")));
}

void TestLogParsers::fastaiDetails()
{
    GPUDECK_REQUIRE_SHARED(shared);
    const QList<Run> runs = parseOk(readFile(
        realdata(shared) + QStringLiteral("fastai/ulmfit-multilingual__results_logs__qrnn-ru.md")));
    QCOMPARE(runs[0].epochs.size(), 1);
    QCOMPARE(runs[0].totalSeconds, std::optional<double>(2 * 60 + 46));         // "02:46"
    QCOMPARE(runs[1].totalSeconds, std::optional<double>(3600 + 24 * 60 + 58)); // "1:24:58"
    QCOMPARE(runs[1].epochs.size(), 20);
    QCOMPARE(runs[1].epochs[19].metrics.value(QStringLiteral("valid_loss")), 0.981201);
    QCOMPARE(runs[1].epochs[19].metrics.value(QStringLiteral("accuracy")), 0.780267);
    QVERIFY(runs[1].finished);
    // The headerless rows "5 2.869308 ..." at the top are skipped: no run starts at epoch 5.
    for (const Run& r : runs)
        QCOMPARE(r.epochs.first().number, 1);
}

void TestLogParsers::fastaiV2()
{
    // fastai v2 counts from 0, has a time column and "#na#" for values it could not compute.
    const QList<Run> runs = parseOk("epoch     train_loss  valid_loss  accuracy  time    \n"
                                    "0         0.912345    #na#        0.501000  00:12     \n"
                                    "1         0.612345    0.700000    0.701000  01:02     \n");
    QCOMPARE(runs.first().format, LogFormat::FastAi);
    const QList<Epoch>& e = runs.first().epochs;
    QCOMPARE(e.size(), 2);
    QCOMPARE(e[0].number, 1);
    QVERIFY(!e[0].metrics.contains(QStringLiteral("valid_loss")));
    QCOMPARE(e[0].durationSeconds, std::optional<double>(12.0));
    QCOMPARE(e[1].durationSeconds, std::optional<double>(62.0));
    QCOMPARE(e[1].metrics.value(QStringLiteral("train_loss")), 0.612345);
}

void TestLogParsers::yoloV5AndV8()
{
    // YOLOv5 pads its columns and counts epochs from 0.
    const QList<Run> v5 = parseOk(
        "               epoch,      train/box_loss,      train/obj_loss,      train/cls_loss,"
        "   metrics/precision,      metrics/recall,     metrics/mAP_0.5,metrics/mAP_0.5:0.95,"
        "        val/box_loss,        val/obj_loss,        val/cls_loss,               x/lr0,"
        "               x/lr1,               x/lr2\n"
        "                   0,             0.07348,            0.027402,            0.024853,"
        "             0.19604,             0.28257,             0.15346,            0.070484,"
        "             0.05201,            0.012026,            0.015556,            0.070024,"
        "           0.0033307,           0.0033307\n"
        "                   1,             0.05548,            0.024402,            0.014853,"
        "             0.29604,             0.38257,             0.25346,            0.120484,"
        "             0.04201,            0.011026,            0.012556,            0.040024,"
        "           0.0063307,           0.0063307\n");
    QCOMPARE(v5.first().format, LogFormat::Yolo);
    QCOMPARE(v5.first().epochs.size(), 2);
    QCOMPARE(v5.first().epochs[0].number, 1);
    QCOMPARE(v5.first().epochs[1].metrics.value(QStringLiteral("metrics/mAP_0.5:0.95")), 0.120484);
    QCOMPARE(primaryLossName(v5.first().epochs[1]), QStringLiteral("train/box_loss"));

    // Ultralytics counts from 1; "time" is seconds since the start; a resumed run repeats rows.
    const QList<Run> v8 =
        parseOk("epoch,time,train/box_loss,train/cls_loss,train/dfl_loss,metrics/precision(B),"
                "metrics/recall(B),metrics/mAP50(B),metrics/mAP50-95(B),val/box_loss,val/cls_loss,"
                "val/dfl_loss,lr/pg0,lr/pg1,lr/pg2\n"
                "1,30.5,1.5,1.9,1.2,0.6,0.4,0.43,0.32,0.97,1.44,1.08,0.067,0.00033,0.00033\n"
                "2,61.0,1.4,1.8,1.1,0.6,0.4,0.44,0.33,0.96,1.43,1.07,0.067,0.00033,0.00033\n"
                "3,92.0,1.3,1.7,1.0,0.6,0.4,0.45,0.34,0.95,1.42,1.06,0.067,0.00033,0.00033\n"
                "3,95.0,1.3,1.7,1.0,0.6,0.4,0.46,0.35,0.95,1.42,1.06,0.067,0.00033,0.00033\n"
                "4,127.0,1.2,1.6,0.9,0.6,0.4,0.47,0.36,0.94,1.41,1.05,0.067,0.00033,0.00033\n");
    const Run& r = v8.first();
    QCOMPARE(r.epochs.size(), 4);
    QCOMPARE(r.epochs[2].metrics.value(QStringLiteral("metrics/mAP50(B)")), 0.46); // resumed row
    const QList<std::optional<double>> d = epochDurations(r);
    QCOMPARE(d[0], std::optional<double>(30.5));
    QCOMPARE(d[1], std::optional<double>(30.5));
    QCOMPARE(d[3], std::optional<double>(32.0));
}

void TestLogParsers::jsonLines()
{
    const QByteArray log =
        "{\"epoch\": 0, \"split\": \"train\", \"loss\": 0.9, \"elapsed\": 10.0, \"epochs\": 3}\n"
        "{\"epoch\": 0, \"split\": \"val\", \"val_loss\": 0.95}\n"
        "not json at all\n"
        "{\"step\": 5, \"loss\": 0.1}\n"
        "{\"epoch\": 1, \"loss\": NaN, \"elapsed\": 22.5}\n"
        "{\"epoch\": 2, \"loss\": -Infinity, \"epoch_time\": 11.0}\n";
    QCOMPARE(detectLogFormat(log), LogFormat::JsonLines);
    const QList<Run> runs = parseOk(log);
    const QList<Epoch>& e = runs.first().epochs;
    QCOMPARE(e.size(), 3);
    QCOMPARE(e[0].number, 1);
    QCOMPARE(e[0].metrics.value(QStringLiteral("val_loss")), 0.95);
    QCOMPARE(e[0].total, std::optional<int>(3));
    QVERIFY(std::isnan(e[1].metrics.value(QStringLiteral("loss"))));
    QVERIFY(std::isinf(e[2].metrics.value(QStringLiteral("loss"))));
    const QList<std::optional<double>> d = epochDurations(runs.first());
    QCOMPARE(d[0], std::optional<double>(10.0));
    QCOMPARE(d[1], std::optional<double>(12.5));
    QCOMPARE(d[2], std::optional<double>(11.0));
}

void TestLogParsers::userRegex()
{
    const QString pattern = QStringLiteral(
        "^ep (?<epoch>\\d+)/(?<total>\\d+) \\| loss (?<loss>\\S+) \\| acc (?<acc>\\S+) \\| "
        "(?<duration>\\S+)$");
    const Result<QList<Run>> runs = parseLogWithRegex("hello\n"
                                                      "ep 1/4 | loss 0.90 | acc 0.50 | 12.5s\n"
                                                      "ep 2/4 | loss nan | acc 0.60 | 1:02\n"
                                                      "ep 1/2 | loss 0.80 | acc 0.40 | 10\n",
                                                      pattern);
    QVERIFY(runs.ok());
    QCOMPARE(runs->size(), 2); // the counter went back
    const Run& r = runs->first();
    QCOMPARE(r.format, LogFormat::Regex);
    QCOMPARE(r.plannedEpochs(), std::optional<int>(4));
    QCOMPARE(r.epochs[0].metrics.value(QStringLiteral("acc")), 0.5);
    QCOMPARE(r.epochs[0].durationSeconds, std::optional<double>(12.5));
    QCOMPARE(r.epochs[1].durationSeconds, std::optional<double>(62.0));
    QVERIFY(std::isnan(r.epochs[1].metrics.value(QStringLiteral("loss"))));
    QVERIFY(r.epochs[1].complete);
    QCOMPARE(runs->last().epochs[0].durationSeconds, std::optional<double>(10.0));
}

void TestLogParsers::badRegex()
{
    const Result<LogParser> invalid = LogParser::withRegex(QStringLiteral("(unclosed"));
    QVERIFY(!invalid.ok());
    const Result<LogParser> noEpoch = LogParser::withRegex(QStringLiteral("loss (?<loss>\\S+)"));
    QVERIFY(!noEpoch.ok());
    QVERIFY(noEpoch.error().message.contains(QLatin1String("epoch")));
    const Result<QList<Run>> nothing =
        parseLogWithRegex("no match here\n", QStringLiteral("(?<epoch>\\d+) done"));
    QVERIFY(!nothing.ok());
}

void TestLogParsers::liveFeedTimesEpochs()
{
    // PyTorch-style logs print no times: a live feed stamps each finished epoch with when it
    // arrived, and the ETA follows from that.
    LogParser p;
    const QDateTime t0(QDate(2026, 1, 1), QTime(10, 0), Qt::UTC);
    QVERIFY(p.feed("Epoch 1/4\n", t0));
    QVERIFY(!p.feed("", t0));
    (void)p.feed("10/10 [==============================] - loss: 0.9\nEpoch 2/4\n", t0.addSecs(60));
    (void)p.feed("10/10 [==============================] - loss: 0.8\nEpoch 3/4\n",
                 t0.addSecs(150));
    (void)p.feed(" 5/10 [==============>...............] - ETA: 40s - loss: 0.7", t0.addSecs(190));
    (void)p.feed("\r", t0.addSecs(195));
    const Run& r = p.runs().first();
    QCOMPARE(r.epochs[0].observedAt, t0.addSecs(60));
    QCOMPARE(r.epochs[1].observedAt, t0.addSecs(150));
    const QList<std::optional<double>> d = epochDurations(r);
    QVERIFY(!d[0]); // nothing before the first epoch's end to measure from
    QCOMPARE(d[1], std::optional<double>(90.0));
    const EtaEstimate eta = estimateEta(r);
    QCOMPARE(eta.completedEpochs, 2);
    QCOMPARE(eta.currentFraction, 0.5);
    QCOMPARE(eta.remainingSeconds, std::optional<double>(1.5 * 90.0));
}

void TestLogParsers::detectFormat_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<int>("format");
    QTest::newRow("keras header") << QByteArray("Epoch 1/10\n")
                                  << static_cast<int>(LogFormat::Keras);
    QTest::newRow("keras1 result")
        << QByteArray("224s - loss: 3.5 - acc: 0.3\n") << static_cast<int>(LogFormat::Keras);
    QTest::newRow("pytorch") << QByteArray("Train Epoch: 1 [0/60000 (0%)]\tLoss: 2.3\n")
                             << static_cast<int>(LogFormat::PyTorch);
    QTest::newRow("lightning") << QByteArray("epoch,step,train_loss\n0,1,0.5\n")
                               << static_cast<int>(LogFormat::Lightning);
    QTest::newRow("keras csvlogger")
        << QByteArray("epoch,loss,val_loss\n0,0.5,0.6\n") << static_cast<int>(LogFormat::Lightning);
    QTest::newRow("yolo") << QByteArray("epoch,train/box_loss,metrics/mAP50(B)\n1,0.5,0.2\n")
                          << static_cast<int>(LogFormat::Yolo);
    QTest::newRow("fastai") << QByteArray("epoch     train_loss  valid_loss  accuracy\n")
                            << static_cast<int>(LogFormat::FastAi);
    QTest::newRow("hf dict") << QByteArray("{'loss': 0.5, 'epoch': 0.1}\n")
                             << static_cast<int>(LogFormat::HuggingFace);
    QTest::newRow("jsonl") << QByteArray("{\"epoch\": 1, \"loss\": 0.5}\n")
                           << static_cast<int>(LogFormat::JsonLines);
    QTest::newRow("late signature")
        << QByteArray("warning: foo\n" + QByteArray(100000, 'x') + "\nEpoch 1/2\n")
        << static_cast<int>(LogFormat::Keras);
    QTest::newRow("nothing") << QByteArray("epoch is a word\n")
                             << static_cast<int>(LogFormat::Unknown);
}

void TestLogParsers::detectFormat()
{
    QFETCH(QByteArray, text);
    QFETCH(int, format);
    QCOMPARE(static_cast<int>(detectLogFormat(text)), format);
}

QTEST_GUILESS_MAIN(TestLogParsers)
#include "tst_logparsers.moc"
