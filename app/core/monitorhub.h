#pragma once

#include <QObject>

#include <map>
#include <memory>

namespace gpudeck {

class Fleet;
class GpuMonitor;

// One GpuMonitor per running instance: started by itself for machines a provider launched
// (once SSH answers, so their host key is trusted), on request for the user's own hosts, and
// stopped when the machine stops or goes away. The Monitor tab, the instance list's compact
// overview (and the billing guard) all read the same monitor.
class MonitorHub final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MonitorHub)
public:
    explicit MonitorHub(Fleet& fleet, QObject* parent = nullptr);
    ~MonitorHub() override;

    // The instance's monitor, started if need be; null when it is not running.
    GpuMonitor* monitor(const QString& instanceId);
    [[nodiscard]] GpuMonitor* existing(const QString& instanceId) const;
    // One line for lists: "GPU 94 % · 71 °C" (mean utilisation, hottest GPU), or why not.
    [[nodiscard]] QString summary(const QString& instanceId) const;

signals:
    void updated(const QString& instanceId);
    void cpuLoad(const QString& instanceId, double load1);

private:
    void sync();

    Fleet& m_fleet;
    std::map<QString, std::unique_ptr<GpuMonitor>> m_monitors;
};

} // namespace gpudeck
