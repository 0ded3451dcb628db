// What the log format parsers share: the run/epoch bookkeeping of FormatParser, number and
// duration readers, and the per-line format detection.
#include "logformats.h"
#include "numbers.h"

#include "loosejson.h"

#include <charconv>
#include <cmath>
#include <limits>

namespace gpudeck::monitor::detail {

Run& FormatParser::currentRun()
{
    if (m_runs.isEmpty())
        return startRun();
    return m_runs.last();
}

Run& FormatParser::startRun(const QString& name)
{
    if (!m_runs.isEmpty() && m_runs.last().epochs.isEmpty()) {
        if (!name.isEmpty())
            m_runs.last().name = name;
        return m_runs.last();
    }
    if (!m_runs.isEmpty())
        m_runs.last().finished = true;
    Run r;
    r.format = m_format;
    r.name = name.isEmpty() ? QStringLiteral("run %1").arg(m_runs.size() + 1) : name;
    m_runs.append(std::move(r));
    touched();
    return m_runs.last();
}

Epoch* FormatParser::lastEpoch()
{
    if (m_runs.isEmpty() || m_runs.last().epochs.isEmpty())
        return nullptr;
    return &m_runs.last().epochs.last();
}

Epoch& FormatParser::appendEpoch(int number)
{
    Run& run = currentRun();
    Epoch e;
    e.number = number;
    run.epochs.append(std::move(e));
    touched();
    return run.epochs.last();
}

Epoch& FormatParser::epochNumbered(int number)
{
    Epoch* last = lastEpoch();
    if (last && last->number == number)
        return *last;
    return appendEpoch(number);
}

void FormatParser::markComplete(Epoch& e)
{
    if (e.complete)
        return;
    e.complete = true;
    if (m_receivedAt.isValid())
        e.observedAt = m_receivedAt;
    touched();
}

QByteArrayView trimmedView(QByteArrayView v)
{
    auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!v.isEmpty() && space(v.front()))
        v = v.sliced(1);
    while (!v.isEmpty() && space(v.back()))
        v.chop(1);
    return v;
}

std::optional<double> parseDouble(QByteArrayView v)
{
    v = trimmedView(v);
    if (v.startsWith('+'))
        v = v.sliced(1);
    if (v.isEmpty())
        return std::nullopt;
    // Python prints NaN/inf as nan/inf, json.dump as NaN/Infinity; from_chars reads all of them
    // but also "infinity" and "nan(...)", which is fine.
    double out = 0;
    const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec == std::errc::result_out_of_range) {
        // 1e999: a diverged run; keep it as the infinity it stands for.
        const bool negative = v.startsWith('-');
        return negative ? -std::numeric_limits<double>::infinity()
                        : std::numeric_limits<double>::infinity();
    }
    if (ec != std::errc() || ptr != v.data() + v.size())
        return std::nullopt;
    return out;
}

std::optional<int> parseInt(QByteArrayView v)
{
    v = trimmedView(v);
    int out = 0;
    if (v.isEmpty())
        return std::nullopt;
    const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec != std::errc() || ptr != v.data() + v.size())
        return std::nullopt;
    return out;
}

std::optional<double> parseDuration(QByteArrayView v)
{
    v = trimmedView(v);
    if (v.isEmpty())
        return std::nullopt;
    if (v.contains(':')) {
        // [h:]mm:ss[.ff]
        double total = 0;
        qsizetype start = 0;
        int parts = 0;
        for (qsizetype i = 0; i <= v.size(); ++i) {
            if (i == v.size() || v[i] == ':') {
                const auto part = parseDouble(v.sliced(start, i - start));
                if (!part || *part < 0)
                    return std::nullopt;
                total = total * 60 + *part;
                start = i + 1;
                ++parts;
            }
        }
        if (parts < 2 || parts > 3)
            return std::nullopt;
        return total;
    }
    struct Unit {
        const char* suffix;
        double seconds;
    };
    static constexpr Unit kUnits[] = {{"us", 1e-6}, {"\xc2\xb5s", 1e-6}, {"ms", 1e-3}, {"min", 60},
                                      {"s", 1},     {"m", 60},           {"h", 3600}};
    for (const Unit& u : kUnits) {
        const QByteArrayView suffix(u.suffix);
        if (v.endsWith(suffix)) {
            const auto n = parseDouble(v.first(v.size() - suffix.size()));
            if (n && std::isfinite(*n) && *n >= 0)
                return *n * u.seconds;
            return std::nullopt;
        }
    }
    return std::nullopt;
}

QList<QByteArrayView> splitComma(QByteArrayView line)
{
    QList<QByteArrayView> cells;
    qsizetype start = 0;
    for (qsizetype i = 0; i <= line.size(); ++i) {
        if (i == line.size() || line[i] == ',') {
            QByteArrayView c = trimmedView(line.sliced(start, i - start));
            if (c.size() >= 2 && c.front() == '"' && c.back() == '"')
                c = c.sliced(1, c.size() - 2);
            cells.append(c);
            start = i + 1;
        }
    }
    return cells;
}

QList<QByteArrayView> splitSpace(QByteArrayView line)
{
    QList<QByteArrayView> out;
    qsizetype i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t'))
            ++i;
        const qsizetype begin = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t')
            ++i;
        if (i > begin)
            out.append(line.sliced(begin, i - begin));
    }
    return out;
}

int epochGroup(double epoch)
{
    if (!(epoch > 0))
        return 0;
    // 1.0000001 from float accumulation is still the end of epoch 1. A number no epoch count
    // reaches (a damaged log) is no epoch.
    const std::optional<qint64> group = wholeNumber(std::ceil(epoch - 1e-6));
    return group && *group < std::numeric_limits<int>::max() ? static_cast<int>(*group) : 0;
}

namespace {

bool isKerasHeader(QByteArrayView t)
{
    // "Epoch 3/10"
    if (!t.startsWith("Epoch "))
        return false;
    const QByteArrayView rest = trimmedView(t.sliced(6));
    const qsizetype slash = rest.indexOf('/');
    return slash > 0 && parseInt(rest.first(slash)) && parseInt(rest.sliced(slash + 1));
}

bool isKerasProgress(QByteArrayView t)
{
    // "363/363 [=====...] - 1s ..." (Keras 2) or "  12/469 ━━━━ 7s ..." (Keras 3)
    const QList<QByteArrayView> tokens = splitSpace(t);
    if (tokens.size() < 2)
        return false;
    const qsizetype slash = tokens[0].indexOf('/');
    if (slash <= 0 || !parseInt(tokens[0].first(slash)) || !parseInt(tokens[0].sliced(slash + 1)))
        return false;
    return tokens[1].startsWith('[') || tokens[1].startsWith("\xe2\x94\x81") ||
           (tokens[1] == "-" && t.contains(" - loss: "));
}

bool isKeras1Result(QByteArrayView t)
{
    // "242s - loss: 3.6361 - acc: 0.2768"
    const qsizetype dash = t.indexOf(" - ");
    if (dash <= 0)
        return false;
    const auto seconds = parseDuration(t.first(dash));
    return seconds && t.sliced(dash + 3).contains(": ");
}

bool isCsvHeaderWithEpoch(QByteArrayView t, bool* yolo)
{
    // Padded YOLO headers hold spaces around names, never inside them (cells are trimmed).
    if (!t.contains(','))
        return false;
    const QList<QByteArrayView> cells = splitComma(t);
    if (cells.size() < 2)
        return false;
    bool epoch = false;
    bool yoloish = false;
    for (QByteArrayView c : cells) {
        if (c.isEmpty() || c.contains(' ') || c.contains('{') || c.contains('"') ||
            c.contains('\''))
            return false;
        if (parseDouble(c))
            return false; // a data row
        epoch = epoch || c == "epoch";
        yoloish = yoloish || c.contains("box_loss") || c.contains("obj_loss") ||
                  c.startsWith("metrics/mAP") || c == "x/lr0" || c == "lr/pg0";
    }
    if (yolo)
        *yolo = yoloish;
    return epoch;
}

bool isFastAiHeader(QByteArrayView t)
{
    if (t.contains(',') || t.contains('|'))
        return false;
    const QList<QByteArrayView> tokens = splitSpace(t);
    if (tokens.size() < 2 || tokens[0] != "epoch")
        return false;
    for (QByteArrayView tok : tokens) {
        if (tok == "train_loss" || tok == "valid_loss")
            return true;
    }
    return false;
}

bool isJsonLine(QByteArrayView t)
{
    if (!t.startsWith("{\"") || !t.endsWith('}') || !t.contains("\"epoch\""))
        return false;
    const auto v = parseLooseJson(t);
    return v && v->isObject() && v->member(u"epoch") && v->member(u"epoch")->isNumber();
}

bool isHuggingFaceLine(QByteArrayView t)
{
    if (t.startsWith("***** ") && t.endsWith(" *****") &&
        (t.contains("metrics") || t.contains("Running training")))
        return true;
    if (t.contains("<th>Training Loss</th>") || t.contains("<th>Validation Loss</th>"))
        return true;
    if (t.contains("\"log_history\""))
        return true;
    // {'loss': 0.6931, 'learning_rate': 5e-05, 'epoch': 0.5}
    const qsizetype brace = t.indexOf("{'");
    return brace >= 0 && t.contains("'epoch': ") && t.endsWith('}');
}

} // namespace

std::optional<LogFormat> detectLine(QByteArrayView line)
{
    const QByteArrayView t = trimmedView(line);
    if (t.isEmpty())
        return std::nullopt;
    if (isHuggingFaceLine(t))
        return LogFormat::HuggingFace;
    if ((t.startsWith("Train Epoch: ") && t.contains('[')) || t.startsWith("====> Epoch") ||
        t.startsWith("Test set: Average loss:"))
        return LogFormat::PyTorch;
    if (isKerasHeader(t) || isKerasProgress(t) || isKeras1Result(t))
        return LogFormat::Keras;
    if (isFastAiHeader(t))
        return LogFormat::FastAi;
    bool yolo = false;
    if (isCsvHeaderWithEpoch(t, &yolo))
        return yolo ? LogFormat::Yolo : LogFormat::Lightning;
    if (isJsonLine(t))
        return LogFormat::JsonLines;
    return std::nullopt;
}

std::unique_ptr<FormatParser> makeParser(LogFormat format)
{
    switch (format) {
    case LogFormat::Keras:
        return makeKerasParser();
    case LogFormat::PyTorch:
        return makePyTorchParser();
    case LogFormat::Lightning:
        return makeEpochCsvParser();
    case LogFormat::HuggingFace:
        return makeHuggingFaceParser();
    case LogFormat::FastAi:
        return makeFastAiParser();
    case LogFormat::Yolo:
        return makeYoloParser();
    case LogFormat::JsonLines:
        return makeJsonLinesParser();
    case LogFormat::Regex:
    case LogFormat::Unknown:
        break;
    }
    return nullptr;
}

} // namespace gpudeck::monitor::detail
