#pragma once

#include "gpusample.h"
#include "remotestream.h"
#include "smicsv.h"
#include "timeseries.h"

#include <QObject>

#include <deque>
#include <memory>
#include <optional>

namespace gpudeck {

// The history of one GPU, as charts and alerts need it.
struct GpuTrack {
    QString key; // uuid (or bus id, or index): stable across samples
    int index = 0;
    QString name;
    qint64 memoryTotalMiB = 0;
    double powerLimitW = 0;
    TimeSeries utilization;   // %
    TimeSeries memoryPercent; // used of total, %
    TimeSeries temperature;   // °C
    TimeSeries powerW;
    TimeSeries smClockMHz;
    monitor::GpuSample last;
};

// Live GPU metrics of one instance: ONE long-lived SSH exec channel streams
// `nvidia-smi --query-gpu=... -lms N` (never a process per sample); processes come from
// `--query-compute-apps` every 10 s on a second channel. Streams restart after failures; when
// the machine has no NVIDIA driver, it says so and stops.
class GpuMonitor final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(GpuMonitor)
public:
    enum class State { Starting, Streaming, Reconnecting, NoDriver, Failed, Stopped };
    Q_ENUM(State)

    // Samples every `intervalMs`; the process list every `processIntervalSeconds`.
    GpuMonitor(const ssh::Endpoint& endpoint, int intervalMs, int processIntervalSeconds = 10,
               QObject* parent = nullptr);
    ~GpuMonitor() override;

    void start();
    void stop();

    [[nodiscard]] State state() const { return m_state; }
    [[nodiscard]] const QString& message() const { return m_message; }
    [[nodiscard]] const std::deque<GpuTrack>& gpus() const { return m_gpus; }
    [[nodiscard]] const QList<monitor::GpuProcess>& processes() const { return m_processes; }
    [[nodiscard]] qint64 samplesReceived() const { return m_samples; }
    // The machine's 1-minute load average (from /proc/loadavg, read with the process list);
    // nullopt until the first reading, or where the machine has none.
    [[nodiscard]] std::optional<double> cpuLoad1() const { return m_cpuLoad1; }
    // The samples of the latest batch (what `updated` announced).
    [[nodiscard]] const QList<monitor::GpuSample>& lastBatch() const { return m_lastBatch; }

    // Records samples taken at `timeMs` (ms since the epoch). The stream calls this; so can
    // tests and benchmarks.
    void addSamples(const QList<monitor::GpuSample>& samples, qint64 timeMs);

signals:
    // New samples arrived (charts redraw on their own timer, not per signal).
    void updated();
    void processesChanged();
    void cpuLoadChanged(double load1);
    void stateChanged(gpudeck::GpuMonitor::State state, const QString& message);

private:
    void setState(State state, const QString& message);
    void metricsExited(int status);
    void startMetrics();

    ssh::Endpoint m_endpoint;
    int m_intervalMs;
    int m_processIntervalSeconds;
    std::unique_ptr<ssh::RemoteStream> m_metrics;
    std::unique_ptr<ssh::RemoteStream> m_processStream;
    monitor::SmiCsvParser m_parser;
    monitor::SmiCsvParser m_processParser;
    QByteArray m_processBuffer;
    QByteArray m_errorTail;
    std::deque<GpuTrack> m_gpus;
    QList<monitor::GpuProcess> m_processes;
    QList<monitor::GpuSample> m_lastBatch;
    State m_state = State::Stopped;
    QString m_message;
    qint64 m_samples = 0;
    std::optional<double> m_cpuLoad1;
    int m_restarts = 0;
};

} // namespace gpudeck
