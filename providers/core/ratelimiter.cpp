#include "ratelimiter.h"

#include <algorithm>

namespace gpudeck {

namespace {
const QString kDefault = QStringLiteral("default");
}

void RateLimiter::setLimit(const QString& bucket, Limit limit)
{
    m_limits.insert(bucket, limit);
}

qint64 RateLimiter::delayFor(const QString& bucket, qint64 nowMs) const
{
    const Limit l = m_limits.value(bucket);
    if (l.requests <= 0)
        return 0;
    QList<qint64>& sent = m_sent[bucket];
    while (!sent.isEmpty() && sent.first() <= nowMs - l.windowMs)
        sent.removeFirst();
    if (sent.size() < l.requests)
        return 0;
    // The oldest of the last `requests` sends must leave the window first.
    return sent.at(sent.size() - l.requests) + l.windowMs - nowMs;
}

qint64 RateLimiter::delayMs(const QString& bucket, qint64 nowMs) const
{
    qint64 d = delayFor(kDefault, nowMs);
    if (!bucket.isEmpty() && bucket != kDefault)
        d = std::max(d, delayFor(bucket, nowMs));
    return std::max<qint64>(d, 0);
}

void RateLimiter::record(const QString& bucket, qint64 nowMs)
{
    // Only limited buckets keep times, so an unlimited client does not grow a list forever.
    if (m_limits.value(kDefault).requests > 0)
        m_sent[kDefault].append(nowMs);
    if (!bucket.isEmpty() && bucket != kDefault && m_limits.value(bucket).requests > 0)
        m_sent[bucket].append(nowMs);
}

} // namespace gpudeck
