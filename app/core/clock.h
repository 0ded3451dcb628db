#pragma once

#include <QDateTime>

namespace gpudeck {

// The one time source of the billing guard: the cost meter, the idle policy and the countdown
// read it, so tests can run half an hour of idleness in a millisecond by advancing a
// ManualClock instead of sleeping.
class Clock {
public:
    Clock() = default;
    virtual ~Clock();
    Q_DISABLE_COPY_MOVE(Clock)
    [[nodiscard]] virtual QDateTime now() const = 0; // UTC

    // The wall clock, shared by the whole process.
    [[nodiscard]] static Clock& system();
};

class SystemClock final : public Clock {
public:
    [[nodiscard]] QDateTime now() const override;
};

// A clock that moves only when told to. Starts at the wall clock's time so that machines the
// Sandbox really launched (whose run intervals carry real times) are metered sensibly.
class ManualClock final : public Clock {
public:
    ManualClock();
    explicit ManualClock(QDateTime start);
    [[nodiscard]] QDateTime now() const override { return m_now; }
    void advance(qint64 seconds) { m_now = m_now.addSecs(seconds); }
    void advanceMs(qint64 ms) { m_now = m_now.addMSecs(ms); }
    void set(const QDateTime& t) { m_now = t.toUTC(); }

private:
    QDateTime m_now;
};

} // namespace gpudeck
