#include "monitorhub.h"

#include "fleet.h"
#include "gpumonitor.h"
#include "remote.h"

#include <cmath>

namespace gpudeck {

namespace {

// One sample every 2 s is plenty for overviews and idle detection, and cheap over SSH; the
// Monitor tab shows the same stream.
constexpr int kIntervalMs = 2000;

} // namespace

MonitorHub::MonitorHub(Fleet& fleet, QObject* parent)
    : QObject(parent)
    , m_fleet(fleet)
{
    connect(&m_fleet, &Fleet::instancesChanged, this, &MonitorHub::sync);
    connect(&m_fleet, &Fleet::timelineChanged, this, &MonitorHub::sync);
}

MonitorHub::~MonitorHub() = default;

GpuMonitor* MonitorHub::existing(const QString& instanceId) const
{
    const auto it = m_monitors.find(instanceId);
    return it == m_monitors.end() ? nullptr : it->second.get();
}

GpuMonitor* MonitorHub::monitor(const QString& instanceId)
{
    if (GpuMonitor* m = existing(instanceId))
        return m;
    const std::optional<Instance> i = m_fleet.find(instanceId);
    if (!i || i->status != InstanceStatus::Running)
        return nullptr;
    auto m = std::make_unique<GpuMonitor>(endpointFor(*i, m_fleet.keyPathFor(*i), m_fleet.paths()),
                                          kIntervalMs);
    GpuMonitor* raw = m.get();
    connect(raw, &GpuMonitor::updated, this, [this, instanceId] { emit updated(instanceId); });
    connect(raw, &GpuMonitor::stateChanged, this, [this, instanceId] { emit updated(instanceId); });
    connect(raw, &GpuMonitor::cpuLoadChanged, this,
            [this, instanceId](double load1) { emit cpuLoad(instanceId, load1); });
    m_monitors.emplace(instanceId, std::move(m));
    raw->start();
    return raw;
}

void MonitorHub::sync()
{
    // Stop what no longer runs.
    for (auto it = m_monitors.begin(); it != m_monitors.end();) {
        const std::optional<Instance> i = m_fleet.find(it->first);
        if (!i || i->status != InstanceStatus::Running)
            it = m_monitors.erase(it);
        else
            ++it;
    }
    // Start machines a provider launched, once SSH answers.
    for (const Instance& i : m_fleet.instances()) {
        const Provider* p = m_fleet.provider(i.provider);
        if (i.status == InstanceStatus::Running && p && p->capabilities().launch &&
            m_fleet.timeline(i).sshReady.isValid() && !existing(i.id))
            monitor(i.id);
    }
}

QString MonitorHub::summary(const QString& instanceId) const
{
    const GpuMonitor* m = existing(instanceId);
    if (!m)
        return {};
    if (m->state() == GpuMonitor::State::NoDriver)
        return tr("no NVIDIA driver");
    const std::deque<GpuTrack>& gpus = m->gpus();
    if (gpus.empty())
        return {};
    double util = 0;
    double hottest = -1;
    int n = 0;
    for (const GpuTrack& t : gpus) {
        const double u = t.utilization.lastValue();
        if (!std::isnan(u)) {
            util += u;
            ++n;
        }
        const double c = t.temperature.lastValue();
        if (!std::isnan(c))
            hottest = std::max(hottest, c);
    }
    QString s = n > 0 ? tr("GPU %1 %").arg(util / n, 0, 'f', 0) : tr("GPU ?");
    if (hottest >= 0)
        s += tr(" · %1 °C").arg(hottest, 0, 'f', 0);
    return s;
}

} // namespace gpudeck
