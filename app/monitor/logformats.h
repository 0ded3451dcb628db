#pragma once

// Internal to gpudeck_monitor: the per-format parsers behind LogParser, and what they share.

#include "epoch.h"

#include <QByteArrayView>
#include <QDateTime>
#include <QList>
#include <QRegularExpression>
#include <QString>

#include <memory>
#include <optional>

namespace gpudeck::monitor::detail {

// One format's reader. LogParser hands it clean lines: no terminator, no ANSI escapes, no
// backspaces. It keeps the runs and says when they changed.
class FormatParser {
public:
    virtual ~FormatParser() = default;
    FormatParser(const FormatParser&) = delete;
    FormatParser& operator=(const FormatParser&) = delete;

    virtual void line(QByteArrayView line) = 0;
    virtual void finish() {}

    [[nodiscard]] LogFormat format() const { return m_format; }
    [[nodiscard]] const QList<Run>& runs() const { return m_runs; }
    void setReceivedAt(const QDateTime& at) { m_receivedAt = at; }
    [[nodiscard]] bool takeChanged()
    {
        const bool c = m_changed;
        m_changed = false;
        return c;
    }
    [[nodiscard]] const QString& problem() const { return m_problem; }

protected:
    explicit FormatParser(LogFormat format)
        : m_format(format)
    {}

    [[nodiscard]] bool hasRun() const { return !m_runs.isEmpty(); }
    // The run being written; creates the first one on demand.
    Run& currentRun();
    // Starts a new run (named `name`, else "run N") unless the current one has no epoch yet.
    Run& startRun(const QString& name = {});
    [[nodiscard]] Epoch* lastEpoch();
    // Appends an epoch to the current run and returns it.
    Epoch& appendEpoch(int number);
    // The epoch `number` of the current run, appended if it is not the last one.
    Epoch& epochNumbered(int number);
    void markComplete(Epoch& e);
    void touched() { m_changed = true; }
    void setProblem(QString p) { m_problem = std::move(p); }

    LogFormat m_format;
    QList<Run> m_runs;
    QDateTime m_receivedAt;
    bool m_changed = false;
    QString m_problem;
};

[[nodiscard]] std::unique_ptr<FormatParser> makeKerasParser();
[[nodiscard]] std::unique_ptr<FormatParser> makePyTorchParser();
[[nodiscard]] std::unique_ptr<FormatParser> makeEpochCsvParser();
[[nodiscard]] std::unique_ptr<FormatParser> makeYoloParser();
[[nodiscard]] std::unique_ptr<FormatParser> makeHuggingFaceParser();
[[nodiscard]] std::unique_ptr<FormatParser> makeFastAiParser();
[[nodiscard]] std::unique_ptr<FormatParser> makeJsonLinesParser();
[[nodiscard]] std::unique_ptr<FormatParser> makeRegexParser(const QRegularExpression& re);
[[nodiscard]] std::unique_ptr<FormatParser> makeParser(LogFormat format);

// The format a single line proves, if any ("Epoch 3/10" proves Keras, a CSV header with an
// "epoch" column a metrics CSV, ...).
[[nodiscard]] std::optional<LogFormat> detectLine(QByteArrayView line);

// --- small readers shared by the formats ---

[[nodiscard]] QByteArrayView trimmedView(QByteArrayView v);
// A whole token as a number: "0.7645", "8159520618.2209", "6.0306e-05", "nan", "-inf",
// "Infinity", "+1.5". nullopt for anything else (including "No log", "#na#").
[[nodiscard]] std::optional<double> parseDouble(QByteArrayView v);
// "02:38", "1:24:58", "2:01:44.85", "242s", "713us", "1ms", "1.5 s" -> seconds.
[[nodiscard]] std::optional<double> parseDuration(QByteArrayView v);
[[nodiscard]] std::optional<int> parseInt(QByteArrayView v);
// Comma split with trimmed cells (metrics CSVs never quote numbers; quoted names are unquoted).
[[nodiscard]] QList<QByteArrayView> splitComma(QByteArrayView line);
// Whitespace split.
[[nodiscard]] QList<QByteArrayView> splitSpace(QByteArrayView line);
// ceil() of a fractional epoch as logged by Hugging Face (0.5 -> 1, 1.0 -> 1, 0 -> 0).
[[nodiscard]] int epochGroup(double epoch);

} // namespace gpudeck::monitor::detail
