// JSON Lines: one object per line with an "epoch" key, as custom loggers write them:
//   {"epoch": 1, "loss": 0.52, "val_loss": 0.61, "epoch_time": 12.3}
// Numbers are metrics; "epoch" numbers the epoch (0-based logs are shifted to 1-based; a
// fractional epoch falls into the epoch it is part of); "total_epochs"/"epochs" give the plan;
// "epoch_time"/"duration" are the epoch's seconds, "elapsed"/"time"/"timestamp" a clock (Unix
// seconds or ISO date) from which durations are derived. Several lines of one epoch (a train and
// a validation line) merge. Lines without "epoch" are skipped.
#include "logformats.h"

#include "loosejson.h"

#include <cmath>

namespace gpudeck::monitor::detail {

namespace {

bool isDurationKey(QStringView k)
{
    return k == u"epoch_time" || k == u"duration" || k == u"epoch_duration" ||
           k == u"epoch_seconds" || k == u"time_per_epoch" || k == u"seconds";
}

bool isClockKey(QStringView k)
{
    return k == u"elapsed" || k == u"elapsed_time" || k == u"time" || k == u"timestamp" ||
           k == u"wall_time" || k == u"walltime";
}

class JsonLinesParser final : public FormatParser {
public:
    JsonLinesParser()
        : FormatParser(LogFormat::JsonLines)
    {}

    void line(QByteArrayView raw) override
    {
        const QByteArrayView t = trimmedView(raw);
        if (!t.startsWith('{') || !t.endsWith('}'))
            return;
        const auto v = parseLooseJson(t);
        if (!v || !v->isObject())
            return;
        const LooseValue* epochValue = v->member(u"epoch");
        if (!epochValue || !epochValue->isNumber())
            return;
        const double raw0 = epochValue->number;
        if (!m_offset)
            m_offset = raw0 == 0 ? 1 : 0;
        const bool fractional = raw0 != static_cast<double>(static_cast<qint64>(raw0));
        const int number = fractional ? epochGroup(raw0) : static_cast<int>(raw0) + *m_offset;
        Epoch* last = lastEpoch();
        if (last && number < last->number) {
            startRun();
            m_clockStart.reset();
            m_offset = raw0 == 0 ? 1 : 0;
        } else if (last && number > last->number) {
            markComplete(*last);
        }
        Epoch& e = epochNumbered(number);
        for (size_t i = 0; i < v->keys.size(); ++i) {
            const QString& key = v->keys[i];
            const LooseValue& item = v->items[i];
            if (key == QLatin1String("epoch"))
                continue;
            if (key == QLatin1String("total_epochs") || key == QLatin1String("epochs") ||
                key == QLatin1String("num_epochs")) {
                if (item.isNumber())
                    e.total = static_cast<int>(item.number);
                continue;
            }
            if (key == QLatin1String("step") || key == QLatin1String("steps")) {
                if (item.isNumber())
                    e.stepsDone = static_cast<qint64>(item.number);
                continue;
            }
            if (isDurationKey(key) && item.isNumber()) {
                e.durationSeconds = item.number;
                continue;
            }
            if (isClockKey(key)) {
                std::optional<double> clock;
                if (item.isNumber())
                    clock = item.number;
                else if (item.type == LooseValue::Type::String) {
                    const QDateTime when = QDateTime::fromString(item.string, Qt::ISODateWithMs);
                    if (when.isValid())
                        clock = static_cast<double>(when.toMSecsSinceEpoch()) / 1000.0;
                }
                if (clock) {
                    // A clock that starts near 0 is time since the start; otherwise keep the
                    // first reading as the origin.
                    if (!m_clockStart)
                        m_clockStart = *clock > 1e6 ? *clock : 0.0;
                    e.elapsedSeconds = *clock - *m_clockStart;
                }
                continue;
            }
            if (item.isNumber())
                e.metrics.insert(key, item.number);
        }
        if (!fractional || std::abs(raw0 - number) < 1e-9)
            markComplete(e);
        touched();
    }

private:
    std::optional<int> m_offset;
    std::optional<double> m_clockStart;
};

} // namespace

std::unique_ptr<FormatParser> makeJsonLinesParser()
{
    return std::make_unique<JsonLinesParser>();
}

} // namespace gpudeck::monitor::detail
