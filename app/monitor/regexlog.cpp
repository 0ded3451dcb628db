// A user-defined format: one regular expression, matched against every line. Named groups:
//   epoch (required), total, step + steps (progress inside the epoch), duration (seconds, or
//   "1:02", "350ms"), elapsed (seconds since the start); every other named group is a metric.
// Without step groups a matching line is an epoch's result and completes it; with them, an epoch
// completes when its steps are all done or the next epoch starts.
#include "logformats.h"

namespace gpudeck::monitor::detail {

namespace {

class RegexParser final : public FormatParser {
public:
    explicit RegexParser(const QRegularExpression& re)
        : FormatParser(LogFormat::Regex)
        , m_re(re)
    {
        for (const QString& name : m_re.namedCaptureGroups()) {
            if (name.isEmpty())
                continue;
            if (name == QLatin1String("step") || name == QLatin1String("steps"))
                m_progressLines = true;
            else if (name != QLatin1String("epoch") && name != QLatin1String("total") &&
                     name != QLatin1String("duration") && name != QLatin1String("elapsed"))
                m_metrics.append(name);
        }
    }

    void line(QByteArrayView raw) override
    {
        const QString text = QString::fromUtf8(raw);
        const QRegularExpressionMatch m = m_re.match(text);
        if (!m.hasMatch())
            return;
        const auto number = parseInt(m.captured(u"epoch").toUtf8());
        if (!number)
            return;
        Epoch* last = lastEpoch();
        if (last && *number < last->number)
            startRun();
        else if (last && *number > last->number)
            markComplete(*last);
        Epoch& e = epochNumbered(*number);
        if (const auto total = parseInt(m.captured(u"total").toUtf8()))
            e.total = *total;
        if (const QString d = m.captured(u"duration"); !d.isEmpty()) {
            const QByteArray bytes = d.toUtf8();
            e.durationSeconds = parseDouble(bytes) ? parseDouble(bytes) : parseDuration(bytes);
        }
        if (const auto elapsed = parseDouble(m.captured(u"elapsed").toUtf8()))
            e.elapsedSeconds = elapsed;
        const auto step = parseDouble(m.captured(u"step").toUtf8());
        const auto steps = parseDouble(m.captured(u"steps").toUtf8());
        if (step)
            e.stepsDone = static_cast<qint64>(*step);
        if (steps)
            e.stepsTotal = static_cast<qint64>(*steps);
        for (const QString& name : m_metrics) {
            if (const auto v = parseDouble(m.captured(name).toUtf8()))
                e.metrics.insert(name, *v);
        }
        touched();
        if (!m_progressLines || (step && steps && *step >= *steps))
            markComplete(e);
    }

private:
    QRegularExpression m_re;
    QStringList m_metrics;
    bool m_progressLines = false;
};

} // namespace

std::unique_ptr<FormatParser> makeRegexParser(const QRegularExpression& re)
{
    return std::make_unique<RegexParser>(re);
}

} // namespace gpudeck::monitor::detail
