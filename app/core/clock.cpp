#include "clock.h"

namespace gpudeck {

Clock::~Clock() = default;

Clock& Clock::system()
{
    static SystemClock clock;
    return clock;
}

QDateTime SystemClock::now() const
{
    return QDateTime::currentDateTimeUtc();
}

ManualClock::ManualClock()
    : m_now(QDateTime::currentDateTimeUtc())
{}

ManualClock::ManualClock(QDateTime start)
    : m_now(start.toUTC())
{}

} // namespace gpudeck
