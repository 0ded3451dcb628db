#include "gpumonitor.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QTimer>

#include <cmath>

Q_LOGGING_CATEGORY(lcMonitor, "gpudeck.monitor")

namespace gpudeck {

namespace {

const QByteArray kProcessFields = "pid,process_name,used_memory,gpu_uuid";
const QByteArray kProcessEnd = "#gpudeck-end";
const QByteArray kLoadLine = "#gpudeck-load ";

// What nvidia-smi prints when the driver is missing or broken, in its own words.
bool saysNoDriver(const QByteArray& text)
{
    return text.contains("couldn't communicate with the NVIDIA driver") ||
           text.contains("No devices were found") ||
           text.contains("NVML: Driver/library version mismatch");
}

} // namespace

GpuMonitor::GpuMonitor(const ssh::Endpoint& endpoint, int intervalMs, int processIntervalSeconds,
                       QObject* parent)
    : QObject(parent)
    , m_endpoint(endpoint)
    , m_intervalMs(intervalMs)
    , m_processIntervalSeconds(std::max(1, processIntervalSeconds))
    , m_parser(monitor::SmiCsvParser::withFields(monitor::streamingQueryFields()))
    , m_processParser(monitor::SmiCsvParser::withFields(kProcessFields))
{}

GpuMonitor::~GpuMonitor()
{
    stop();
}

void GpuMonitor::setState(State state, const QString& message)
{
    if (state == m_state && message == m_message)
        return;
    m_state = state;
    m_message = message;
    emit stateChanged(state, message);
}

void GpuMonitor::start()
{
    startMetrics();
    // A POSIX sh loop: RemoteStream runs it with /bin/sh whatever the login shell is, and ends
    // it (sleep included) when the connection closes. Each round starts with the CPU load
    // (the billing guard's "low CPU load"; a Sandbox machine names its simulated load file in
    // GPUDECK_LOADAVG), then the processes on the GPUs.
    m_processStream = std::make_unique<ssh::RemoteStream>(
        m_endpoint,
        QStringLiteral(
            "while :; do echo \"%4$(cat \"${GPUDECK_LOADAVG:-/proc/loadavg}\" 2>/dev/null)\"; "
            "nvidia-smi --query-compute-apps=%1 --format=csv,noheader,nounits "
            "2>/dev/null; echo '%2'; sleep %3; done")
            .arg(QString::fromLatin1(kProcessFields), QString::fromLatin1(kProcessEnd))
            .arg(m_processIntervalSeconds)
            .arg(QString::fromLatin1(kLoadLine)));
    connect(m_processStream.get(), &ssh::RemoteStream::output, this,
            [this](const QByteArray& bytes) {
                m_processBuffer += bytes;
                qsizetype end;
                while ((end = m_processBuffer.indexOf(kProcessEnd)) >= 0) {
                    QByteArray block = m_processBuffer.left(end);
                    m_processBuffer.remove(0, end + kProcessEnd.size());
                    block = block.trimmed();
                    if (block.startsWith(kLoadLine)) {
                        const qsizetype nl = block.indexOf('\n');
                        const QByteArray load =
                            block.mid(kLoadLine.size(), nl < 0 ? -1 : nl - kLoadLine.size());
                        block = nl < 0 ? QByteArray() : block.mid(nl + 1);
                        bool ok = false;
                        const double load1 = load.simplified().split(' ').value(0).toDouble(&ok);
                        if (ok && std::isfinite(load1) && load1 >= 0) {
                            m_cpuLoad1 = load1;
                            emit cpuLoadChanged(load1);
                        }
                    }
                    monitor::SmiCsvBatch batch = m_processParser.feed(block);
                    const monitor::SmiCsvBatch tail = m_processParser.finish();
                    batch.processes += tail.processes;
                    m_processes = batch.processes;
                    emit processesChanged();
                }
            });
    m_processStream->start();
}

void GpuMonitor::startMetrics()
{
    m_metrics =
        std::make_unique<ssh::RemoteStream>(m_endpoint, monitor::streamingCommand(m_intervalMs));
    connect(m_metrics.get(), &ssh::RemoteStream::output, this, [this](const QByteArray& bytes) {
        const monitor::SmiCsvBatch batch = m_parser.feed(bytes);
        if (!batch.gpus.isEmpty()) {
            if (m_state != State::Streaming)
                setState(State::Streaming,
                         tr("Streaming nvidia-smi every %1 ms.").arg(m_intervalMs));
            m_restarts = 0;
            addSamples(batch.gpus, QDateTime::currentMSecsSinceEpoch());
        }
        if (!batch.isEmpty())
            return;
        m_errorTail = QByteArray(m_errorTail + bytes).right(4096);
    });
    connect(m_metrics.get(), &ssh::RemoteStream::errorOutput, this,
            [this](const QByteArray& bytes) {
                m_errorTail = QByteArray(m_errorTail + bytes).right(4096);
            });
    connect(m_metrics.get(), &ssh::RemoteStream::stateChanged, this,
            [this](ssh::RemoteStream::State s, const QString& message) {
                switch (s) {
                case ssh::RemoteStream::State::Connecting:
                    setState(State::Starting, message);
                    break;
                case ssh::RemoteStream::State::Reconnecting:
                    setState(State::Reconnecting, message);
                    break;
                case ssh::RemoteStream::State::Failed:
                    setState(State::Failed, message);
                    break;
                default:
                    break;
                }
            });
    connect(m_metrics.get(), &ssh::RemoteStream::exited, this, &GpuMonitor::metricsExited);
    m_errorTail.clear();
    m_metrics->start();
}

void GpuMonitor::metricsExited(int status)
{
    if (status == 127 || saysNoDriver(m_errorTail)) {
        const QString said =
            QString::fromUtf8(m_errorTail).trimmed().section(QLatin1Char('\n'), 0, 0);
        setState(State::NoDriver,
                 status == 127
                     ? tr("nvidia-smi is not installed on this machine, so it has no NVIDIA driver "
                          "(or no GPU). Launch it with a CUDA-ready image to use its GPUs.")
                     : tr("nvidia-smi cannot reach the NVIDIA driver (%1). Use a CUDA-ready image, "
                          "or install the driver and reboot the machine.")
                           .arg(said));
        return;
    }
    // nvidia-smi -lms does not end on its own: restart it, slower each time, up to a minute.
    const int delay = std::min(60, 2 << std::min(m_restarts++, 5));
    qCWarning(lcMonitor) << "nvidia-smi stream ended with" << status << "; restarting in" << delay
                         << "s";
    setState(
        State::Reconnecting,
        tr("nvidia-smi stopped (exit status %1). Restarting it in %2 s.").arg(status).arg(delay));
    QTimer::singleShot(delay * 1000, this, [this] {
        if (m_state == State::Reconnecting)
            startMetrics();
    });
}

void GpuMonitor::stop()
{
    if (m_metrics)
        m_metrics->stop();
    if (m_processStream)
        m_processStream->stop();
    m_metrics.reset();
    m_processStream.reset();
    setState(State::Stopped, tr("Stopped."));
}

void GpuMonitor::addSamples(const QList<monitor::GpuSample>& samples, qint64 timeMs)
{
    m_lastBatch = samples;
    for (const monitor::GpuSample& s : samples) {
        const QString key = s.key();
        auto it = std::find_if(m_gpus.begin(), m_gpus.end(),
                               [&](const GpuTrack& t) { return t.key == key; });
        if (it == m_gpus.end()) {
            m_gpus.emplace_back();
            it = std::prev(m_gpus.end());
            it->key = key;
            it->index = s.index.value_or(static_cast<int>(m_gpus.size()) - 1);
            std::sort(m_gpus.begin(), m_gpus.end(),
                      [](const GpuTrack& a, const GpuTrack& b) { return a.index < b.index; });
            it = std::find_if(m_gpus.begin(), m_gpus.end(),
                              [&](const GpuTrack& t) { return t.key == key; });
        }
        GpuTrack& t = *it;
        t.name = s.name;
        const double nan = std::numeric_limits<double>::quiet_NaN();
        if (s.memoryTotalMiB)
            t.memoryTotalMiB = *s.memoryTotalMiB;
        if (s.powerLimitW)
            t.powerLimitW = *s.powerLimitW;
        t.utilization.append(timeMs, s.utilizationGpuPercent.value_or(nan));
        t.memoryPercent.append(timeMs, s.memoryUsedMiB && t.memoryTotalMiB > 0
                                           ? 100.0 * static_cast<double>(*s.memoryUsedMiB) /
                                                 static_cast<double>(t.memoryTotalMiB)
                                           : nan);
        t.temperature.append(timeMs, s.temperatureC.value_or(nan));
        t.powerW.append(timeMs, s.powerDrawW.value_or(nan));
        t.smClockMHz.append(timeMs, s.smClockMHz.value_or(nan));
        t.last = s;
        ++m_samples;
    }
    emit updated();
}

} // namespace gpudeck
