#pragma once

#include <QObject>

namespace gpudeck {

// For bench/startup: installed on a window, prints "first-paint" on stdout at its first paint,
// then, after `idleMs` of idling, its resident memory (VmRSS, VmHWM) and quits the application.
// The benchmark installs the same probe on its empty baseline window, so both are measured
// alike.
class StartupProbe final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StartupProbe)
public:
    explicit StartupProbe(int idleMs, QObject* parent = nullptr);
    // GPUDECK_BENCH_STARTUP=<idle ms> in the environment turns the probe on.
    [[nodiscard]] static bool requested(int* idleMs);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    int m_idleMs;
    bool m_painted = false;
};

} // namespace gpudeck
