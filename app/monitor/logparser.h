#pragma once

#include "epoch.h"
#include "result.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QDateTime>
#include <QList>

#include <memory>

namespace gpudeck::monitor {

namespace detail {
class FormatParser;
} // namespace detail

// Reads a training log incrementally (`tail -F` over SSH hands over arbitrary chunks) or in
// one go. Lines may end in \n, \r\n or a bare \r (tqdm and Keras redraw progress bars with \r;
// each redraw is read as a line), backspaces and ANSI colour/cursor escapes are dropped, and a
// partial line waits for its end. With LogFormat::Unknown the format is detected from the first
// lines that only one format prints (and those lines are then read by that format's parser).
//
// Runs: a new run starts when the epoch counter goes back (RandomizedSearchCV, a second fit,
// hyper-parameter trials), or at a format's own boundary (a new fastai table, a Keras "Train on"
// line, a new notebook table). An epoch the log stops inside stays with complete == false.
class LogParser final {
public:
    explicit LogParser(LogFormat format = LogFormat::Unknown);
    // A user-defined format: one regular expression per line with named groups. "epoch" is
    // required; "total", "step", "steps", "duration" (seconds) and "elapsed" are understood;
    // every other named group is a metric of that name.
    [[nodiscard]] static Result<LogParser> withRegex(const QString& pattern);
    ~LogParser();
    LogParser(LogParser&&) noexcept;
    LogParser& operator=(LogParser&&) noexcept;
    Q_DISABLE_COPY(LogParser)

    // Returns true when runs() changed. `receivedAt` stamps epochs finished by this chunk
    // (Epoch::observedAt), for logs that print no times.
    bool feed(QByteArrayView chunk, const QDateTime& receivedAt = {});
    // End of input: reads a last line without newline and closes formats read as a whole
    // (trainer_state.json).
    bool finish(const QDateTime& receivedAt = {});

    [[nodiscard]] LogFormat format() const; // Unknown until detected
    [[nodiscard]] const QList<Run>& runs() const;
    [[nodiscard]] qint64 linesRead() const { return m_lines; }
    // A problem worth telling the user (an invalid trainer_state.json); empty when none.
    [[nodiscard]] QString problem() const;

private:
    void line(QByteArrayView raw);
    void dispatch(QByteArrayView clean);
    void adopt(LogFormat format);

    std::unique_ptr<detail::FormatParser> m_parser;
    QList<QByteArray> m_undetected; // lines kept until the format is known
    qsizetype m_undetectedBytes = 0;
    QByteArray m_partial;
    bool m_lastWasCr = false;
    qint64 m_lines = 0;
    QDateTime m_receivedAt;
    bool m_changed = false;
    QList<Run> m_noRuns;
};

// Detects the format of a whole log (or its beginning). Unknown when nothing fits.
[[nodiscard]] LogFormat detectLogFormat(QByteArrayView text);

// One-shot parse. With Unknown the format is detected; an unrecognised format, or a log in
// which the format finds no epoch at all, is an error that says what was expected.
[[nodiscard]] Result<QList<Run>> parseLog(QByteArrayView text,
                                          LogFormat format = LogFormat::Unknown);
[[nodiscard]] Result<QList<Run>> parseLogWithRegex(QByteArrayView text, const QString& pattern);

} // namespace gpudeck::monitor
