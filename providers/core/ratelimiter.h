#pragma once

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QString>

namespace gpudeck {

// A provider's documented request limits, kept on our side so we are not the reason for a 429.
// Each bucket ("default", "create", ...) allows `requests` per sliding `windowMs`. A request
// counts against "default" and, when it names one, its own bucket too (a Linode create counts
// against both the general limit and the 20-creates-per-15-s limit).
class RateLimiter final {
public:
    struct Limit {
        int requests = 0; // 0: no limit
        qint64 windowMs = 0;
    };

    void setLimit(const QString& bucket, Limit limit);
    [[nodiscard]] Limit limit(const QString& bucket) const { return m_limits.value(bucket); }
    // Milliseconds to wait before a request in `bucket` may go out (0: now).
    [[nodiscard]] qint64 delayMs(const QString& bucket, qint64 nowMs) const;
    // Records a request sent at `nowMs`.
    void record(const QString& bucket, qint64 nowMs);

private:
    [[nodiscard]] qint64 delayFor(const QString& bucket, qint64 nowMs) const;

    QHash<QString, Limit> m_limits;
    mutable QHash<QString, QList<qint64>> m_sent; // send times inside the window, oldest first
};

} // namespace gpudeck
