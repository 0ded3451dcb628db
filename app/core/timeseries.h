#pragma once

#include <QList>
#include <QPointF>

#include <deque>
#include <vector>

namespace gpudeck {

// One metric over time (a GPU's utilisation, a training loss...), kept in bounded memory for
// runs of days: the recent window at full rate, older samples folded into fixed buckets that
// keep their mean, minimum and maximum (so a spike an hour ago still shows). Charts ask for at
// most N points over a time range and get a Largest-Triangle-Three-Buckets selection, which
// keeps the shape (peaks and dips) that naive decimation loses.
class TimeSeries final {
public:
    struct Options {
        qint64 recentMs = 15 * 60 * 1000;       // full rate for the last 15 minutes
        qint64 bucketMs = 10 * 1000;            // then one bucket per 10 s: 8,640 a day
        qint64 keepMs = 7LL * 24 * 3600 * 1000; // and nothing older than a week
    };

    TimeSeries();
    explicit TimeSeries(Options options);

    // Samples come in time order; one older than the last is ignored (clock steps back).
    void append(qint64 timeMs, double value);
    [[nodiscard]] bool isEmpty() const { return m_recent.empty() && m_buckets.empty(); }
    [[nodiscard]] qint64 firstTime() const;
    [[nodiscard]] qint64 lastTime() const;
    [[nodiscard]] double lastValue() const;
    // Points (x = time in ms, y = value) within [fromMs, toMs], at most maxPoints of them.
    [[nodiscard]] QList<QPointF> points(qint64 fromMs, qint64 toMs, int maxPoints) const;
    // Heap bytes held, for the benchmark and for sanity checks.
    [[nodiscard]] size_t memoryBytes() const;
    [[nodiscard]] size_t sampleCount() const { return m_recent.size() + m_buckets.size(); }

private:
    struct Sample {
        qint64 t;
        float v;
    };
    struct Bucket {
        qint64 t; // bucket start
        float mean;
        float min;
        float max;
        quint32 n;
    };
    void fold(qint64 now);

    Options m_options;
    std::deque<Sample> m_recent;
    std::deque<Bucket> m_buckets;
};

// Largest-Triangle-Three-Buckets (Steinarsson 2013): picks `threshold` of `data`'s points that
// keep its visual shape. Data must be sorted by x. Fewer points than the threshold pass
// unchanged.
[[nodiscard]] QList<QPointF> lttb(const QList<QPointF>& data, int threshold);

} // namespace gpudeck
