#pragma once

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QString>

#include <optional>

namespace gpudeck::monitor {

enum class LogFormat {
    Unknown,     // auto-detect (as a request) / not recognised (as a result)
    Keras,       // model.fit output, Keras 1 (verbose=2), 2 and 3
    PyTorch,     // pytorch/examples style: "Train Epoch: N [x/y (p%)]\tLoss: v", "====> ..."
    Lightning,   // CSVLogger metrics.csv (and any CSV with an "epoch" column, e.g. Keras CSVLogger)
    HuggingFace, // Trainer log dicts, "***** train metrics *****", notebook tables,
                 // trainer_state.json
    FastAi,      // fastai console tables ("epoch train_loss valid_loss ...")
    Yolo,        // YOLOv5 and Ultralytics (v8+) results.csv
    JsonLines,   // one JSON object per line with an "epoch" key
    Regex,       // a user-defined regular expression with named groups
};

[[nodiscard]] QString logFormatName(LogFormat format); // "keras", "pytorch", ... ("auto")
[[nodiscard]] std::optional<LogFormat> logFormatFromName(QStringView name);
[[nodiscard]] QString logFormatTitle(LogFormat format); // "Keras fit output", ...

struct Epoch {
    // 1-based, as users count ("Epoch 3/10" is 3), whatever the log's own base: Lightning,
    // fastai v2 and YOLOv5 count from 0 and are shifted. 0 is an evaluation before the first
    // epoch (Hugging Face logs one at step 0).
    int number = 0;
    std::optional<int> total; // epochs planned for the run, when the log says
    // By name as the log prints them ("val_loss", "Training Loss", "metrics/mAP50(B)"); NaN and
    // infinities are kept as such. An interrupted epoch holds the last running values.
    QMap<QString, double> metrics;
    std::optional<double> durationSeconds; // this epoch's own time, when the log prints it
    std::optional<double> elapsedSeconds;  // time since the run started, at this epoch's end
    std::optional<qint64> stepsDone;       // batches (or samples) done, and planned
    std::optional<qint64> stepsTotal;
    bool complete = false; // false: still running, or the log stops inside it
    // When a live feed delivered this epoch's last line (set only when the caller passes a
    // receive time to LogParser::feed); lets progress.h time epochs of logs without durations.
    QDateTime observedAt;
};

struct Run {
    QString name; // "run 1", or what the log calls it (a trial, a ">>> Training ..." banner)
    LogFormat format = LogFormat::Unknown;
    QList<Epoch> epochs;
    std::optional<double> totalSeconds; // the run's own report ("Total time: 02:38", train_runtime)
    // The log says this training is over: a later run began, early stopping, a final summary.
    bool finished = false;

    [[nodiscard]] int completedEpochs() const;
    [[nodiscard]] std::optional<int> plannedEpochs() const; // the last epoch's total
    [[nodiscard]] const Epoch* lastComplete() const;
};

// The training loss of an epoch: "loss", "train_loss", "Training Loss", "train/loss"... else the
// first metric with "loss" in its name that is not a validation/test one, else any "loss".
[[nodiscard]] std::optional<double> primaryLoss(const Epoch& epoch);
[[nodiscard]] QString primaryLossName(const Epoch& epoch);

} // namespace gpudeck::monitor
