#include "timeseries.h"

#include <cmath>
#include <limits>

namespace gpudeck {

TimeSeries::TimeSeries()
    : TimeSeries(Options{})
{}

TimeSeries::TimeSeries(Options options)
    : m_options(options)
{}

qint64 TimeSeries::firstTime() const
{
    if (!m_buckets.empty())
        return m_buckets.front().t;
    return m_recent.empty() ? 0 : m_recent.front().t;
}

qint64 TimeSeries::lastTime() const
{
    if (!m_recent.empty())
        return m_recent.back().t;
    return m_buckets.empty() ? 0 : m_buckets.back().t;
}

double TimeSeries::lastValue() const
{
    if (!m_recent.empty())
        return m_recent.back().v;
    return m_buckets.empty() ? std::nan("") : m_buckets.back().mean;
}

void TimeSeries::append(qint64 timeMs, double value)
{
    if (!m_recent.empty() && timeMs < m_recent.back().t)
        return;
    m_recent.push_back({timeMs, static_cast<float>(value)});
    fold(timeMs);
}

void TimeSeries::fold(qint64 now)
{
    // Samples leaving the recent window go into their time bucket.
    while (!m_recent.empty() && m_recent.front().t < now - m_options.recentMs) {
        const Sample s = m_recent.front();
        m_recent.pop_front();
        const qint64 start = s.t - (s.t % m_options.bucketMs);
        if (std::isnan(s.v))
            continue; // a gap (e.g. [N/A]) stays a gap
        if (m_buckets.empty() || m_buckets.back().t != start) {
            m_buckets.push_back({start, s.v, s.v, s.v, 1});
        } else {
            Bucket& b = m_buckets.back();
            b.mean += (s.v - b.mean) / static_cast<float>(b.n + 1);
            b.min = std::min(b.min, s.v);
            b.max = std::max(b.max, s.v);
            ++b.n;
        }
    }
    while (!m_buckets.empty() && m_buckets.front().t < now - m_options.keepMs)
        m_buckets.pop_front();
}

QList<QPointF> TimeSeries::points(qint64 fromMs, qint64 toMs, int maxPoints) const
{
    QList<QPointF> raw;
    for (const Bucket& b : m_buckets) {
        if (b.t < fromMs || b.t > toMs)
            continue;
        // A bucket shows its extremes, so a short spike survives folding.
        if (b.n > 1 && b.max != b.min) {
            const qint64 half = m_options.bucketMs / 2;
            raw << QPointF(static_cast<double>(b.t), b.min)
                << QPointF(static_cast<double>(b.t + half), b.max);
        } else {
            raw << QPointF(static_cast<double>(b.t), b.mean);
        }
    }
    for (const Sample& s : m_recent) {
        if (s.t >= fromMs && s.t <= toMs && !std::isnan(s.v))
            raw << QPointF(static_cast<double>(s.t), s.v);
    }
    return lttb(raw, maxPoints);
}

size_t TimeSeries::memoryBytes() const
{
    // std::deque allocates in blocks; count what the elements need plus one block of slack.
    return m_recent.size() * sizeof(Sample) + m_buckets.size() * sizeof(Bucket) + 2 * 512;
}

QList<QPointF> lttb(const QList<QPointF>& data, int threshold)
{
    const qsizetype n = data.size();
    if (threshold >= n || threshold < 3)
        return threshold < 3 && n > threshold && threshold > 0 ? data.mid(0, threshold) : data;
    QList<QPointF> out;
    out.reserve(threshold);
    const double every = static_cast<double>(n - 2) / (threshold - 2);
    qsizetype a = 0;
    out << data.at(0);
    for (int i = 0; i < threshold - 2; ++i) {
        // The average of the next bucket is the third corner of the triangle.
        qsizetype avgStart = static_cast<qsizetype>(std::floor((i + 1) * every)) + 1;
        qsizetype avgEnd =
            std::min<qsizetype>(static_cast<qsizetype>(std::floor((i + 2) * every)) + 1, n);
        double avgX = 0;
        double avgY = 0;
        for (qsizetype j = avgStart; j < avgEnd; ++j) {
            avgX += data.at(j).x();
            avgY += data.at(j).y();
        }
        const double count = static_cast<double>(std::max<qsizetype>(avgEnd - avgStart, 1));
        avgX /= count;
        avgY /= count;
        // Pick the point of this bucket that makes the largest triangle with the last pick.
        const qsizetype start = static_cast<qsizetype>(std::floor(i * every)) + 1;
        const qsizetype end = static_cast<qsizetype>(std::floor((i + 1) * every)) + 1;
        const QPointF pa = data.at(a);
        double best = -1;
        qsizetype pick = start;
        for (qsizetype j = start; j < end && j < n; ++j) {
            const double area = std::abs((pa.x() - avgX) * (data.at(j).y() - pa.y()) -
                                         (pa.x() - data.at(j).x()) * (avgY - pa.y()));
            if (area > best) {
                best = area;
                pick = j;
            }
        }
        out << data.at(pick);
        a = pick;
    }
    out << data.at(n - 1);
    return out;
}

} // namespace gpudeck
