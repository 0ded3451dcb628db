#include "logparser.h"

#include "logformats.h"

#include <utility>

namespace gpudeck::monitor {

using namespace detail;

namespace {

// Until the format is known, lines are kept to be replayed; a log that names its format late
// (a long preamble of warnings) still fits, a binary blob cannot exhaust memory.
constexpr qsizetype kMaxUndetectedBytes = 8 << 20;
// tqdm redraws with \r, so a "line" is short; anything longer is not a log line.
constexpr qsizetype kMaxLineBytes = 4 << 20;

// Drops ANSI escape sequences (colours, cursor moves) and backspaces (Keras redraws with \b).
// Returns `raw` itself when there is nothing to drop, as is usual.
QByteArrayView cleanLine(QByteArrayView raw, QByteArray& storage)
{
    bool dirty = false;
    for (char c : raw) {
        if (c == '\x1b' || c == '\b') {
            dirty = true;
            break;
        }
    }
    if (!dirty)
        return raw;
    storage.clear();
    storage.reserve(raw.size());
    for (qsizetype i = 0; i < raw.size(); ++i) {
        const char c = raw[i];
        if (c == '\b')
            continue;
        if (c != '\x1b') {
            storage.append(c);
            continue;
        }
        if (i + 1 >= raw.size())
            break;
        const char kind = raw[i + 1];
        if (kind == '[') { // CSI: parameters, then a final byte in 0x40..0x7e
            i += 2;
            while (i < raw.size() && !(raw[i] >= 0x40 && raw[i] <= 0x7e))
                ++i;
        } else if (kind == ']') { // OSC: until BEL or ESC backslash
            i += 2;
            while (i < raw.size() && raw[i] != '\a' &&
                   !(raw[i] == '\x1b' && i + 1 < raw.size() && raw[i + 1] == '\\'))
                ++i;
            if (i < raw.size() && raw[i] == '\x1b')
                ++i;
        } else {
            ++i; // a two-byte escape
        }
    }
    return storage;
}

} // namespace

LogParser::LogParser(LogFormat format)
    : m_parser(makeParser(format))
{}

Result<LogParser> LogParser::withRegex(const QString& pattern)
{
    QRegularExpression re(pattern);
    if (!re.isValid())
        return makeError(ErrorCode::InvalidInput,
                         QStringLiteral("The regular expression is not valid: %1 (at offset %2).")
                             .arg(re.errorString())
                             .arg(re.patternErrorOffset()));
    if (!re.namedCaptureGroups().contains(QStringLiteral("epoch")))
        return makeError(
            ErrorCode::InvalidInput,
            QStringLiteral("The regular expression needs a named group for the epoch "
                           "number, e.g. \"Epoch (?<epoch>\\\\d+) loss=(?<loss>\\\\S+)\"."));
    LogParser p(LogFormat::Regex);
    p.m_parser = makeRegexParser(re);
    return p;
}

LogParser::~LogParser() = default;
LogParser::LogParser(LogParser&&) noexcept = default;
LogParser& LogParser::operator=(LogParser&&) noexcept = default;

LogFormat LogParser::format() const
{
    return m_parser ? m_parser->format() : LogFormat::Unknown;
}

const QList<Run>& LogParser::runs() const
{
    return m_parser ? m_parser->runs() : m_noRuns;
}

QString LogParser::problem() const
{
    return m_parser ? m_parser->problem() : QString();
}

bool LogParser::feed(QByteArrayView chunk, const QDateTime& receivedAt)
{
    m_receivedAt = receivedAt;
    if (m_parser)
        m_parser->setReceivedAt(receivedAt);
    qsizetype start = 0;
    for (qsizetype i = 0; i < chunk.size(); ++i) {
        const char c = chunk[i];
        if (c != '\n' && c != '\r')
            continue;
        const bool crlf = c == '\n' && m_lastWasCr && i == start && m_partial.isEmpty();
        m_lastWasCr = c == '\r';
        if (crlf) { // the \n of a \r\n split across the previous line end
            start = i + 1;
            continue;
        }
        const QByteArrayView piece = chunk.sliced(start, i - start);
        if (!m_partial.isEmpty()) {
            m_partial.append(piece);
            line(m_partial);
            m_partial.clear();
        } else {
            line(piece);
        }
        start = i + 1;
    }
    if (start < chunk.size()) {
        m_lastWasCr = false;
        m_partial.append(chunk.sliced(start));
        if (m_partial.size() > kMaxLineBytes)
            m_partial.clear();
    }
    bool changed = m_changed;
    m_changed = false;
    if (m_parser)
        changed = m_parser->takeChanged() || changed;
    return changed;
}

bool LogParser::finish(const QDateTime& receivedAt)
{
    m_receivedAt = receivedAt;
    if (m_parser)
        m_parser->setReceivedAt(receivedAt);
    if (!m_partial.isEmpty()) {
        line(m_partial);
        m_partial.clear();
    }
    if (m_parser)
        m_parser->finish();
    bool changed = m_changed;
    m_changed = false;
    if (m_parser)
        changed = m_parser->takeChanged() || changed;
    return changed;
}

void LogParser::line(QByteArrayView raw)
{
    ++m_lines;
    if (raw.contains('\0'))
        return; // binary noise, not a log line
    QByteArray storage;
    dispatch(cleanLine(raw, storage));
}

void LogParser::dispatch(QByteArrayView clean)
{
    if (m_parser) {
        m_parser->line(clean);
        return;
    }
    if (const auto found = detectLine(clean)) {
        adopt(*found);
        m_parser->line(clean);
        return;
    }
    m_undetected.append(clean.toByteArray());
    m_undetectedBytes += clean.size();
    while (m_undetectedBytes > kMaxUndetectedBytes && !m_undetected.isEmpty()) {
        m_undetectedBytes -= m_undetected.first().size();
        m_undetected.removeFirst();
    }
}

void LogParser::adopt(LogFormat format)
{
    m_parser = makeParser(format);
    m_parser->setReceivedAt(m_receivedAt);
    const QList<QByteArray> earlier = std::exchange(m_undetected, {});
    m_undetectedBytes = 0;
    for (const QByteArray& l : earlier)
        m_parser->line(l);
    m_changed = true;
}

LogFormat detectLogFormat(QByteArrayView text)
{
    LogParser p;
    // Detection needs lines only; feeding whole is simplest and still linear.
    (void)p.feed(text);
    (void)p.finish();
    return p.format();
}

namespace {

Result<QList<Run>> finishParse(LogParser& p, QByteArrayView text, LogFormat requested)
{
    (void)p.feed(text);
    (void)p.finish();
    if (p.format() == LogFormat::Unknown) {
        QStringList names;
        for (LogFormat f :
             {LogFormat::Keras, LogFormat::PyTorch, LogFormat::Lightning, LogFormat::HuggingFace,
              LogFormat::FastAi, LogFormat::Yolo, LogFormat::JsonLines})
            names.append(logFormatTitle(f));
        return makeError(ErrorCode::InvalidInput,
                         QStringLiteral("Training log format not recognised. Expected one of: "
                                        "%1. Force a format with --format NAME (keras, pytorch, "
                                        "lightning, hf, fastai, yolo, jsonl) or describe the "
                                        "lines with --regex.")
                             .arg(names.join(QStringLiteral("; "))));
    }
    if (!p.problem().isEmpty())
        return makeError(ErrorCode::InvalidInput, p.problem());
    bool anyEpoch = false;
    for (const Run& r : p.runs())
        anyEpoch = anyEpoch || !r.epochs.isEmpty();
    if (!anyEpoch)
        return makeError(ErrorCode::InvalidInput,
                         QStringLiteral("No epoch found in this log read as %1%2.")
                             .arg(logFormatTitle(p.format()))
                             .arg(requested == LogFormat::Unknown
                                      ? QStringLiteral(" (detected); force another format with "
                                                       "--format NAME")
                                      : QString()));
    return p.runs();
}

} // namespace

Result<QList<Run>> parseLog(QByteArrayView text, LogFormat format)
{
    if (format == LogFormat::Regex)
        return makeError(ErrorCode::InvalidInput,
                         QStringLiteral("The regex format needs a pattern (--regex)."));
    LogParser p(format);
    return finishParse(p, text, format);
}

Result<QList<Run>> parseLogWithRegex(QByteArrayView text, const QString& pattern)
{
    Result<LogParser> p = LogParser::withRegex(pattern);
    if (!p.ok())
        return p.error();
    return finishParse(p.value(), text, LogFormat::Regex);
}

} // namespace gpudeck::monitor
