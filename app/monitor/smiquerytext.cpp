#include "smiquerytext.h"

#include "smivalue.h"

#include <QStringList>

namespace gpudeck::monitor {

using namespace detail;

namespace {

template <typename T> void setIfEmpty(Reading<T>& target, Reading<T> value)
{
    if (!target.has_value() && (value.has_value() || target.absence() == Absence::NotReported))
        target = std::move(value);
}

struct GpuState {
    GpuSample gpu;
    bool sawMemory = false;
    std::optional<GpuProcess> process;
};

void flushProcess(GpuState& s, QList<GpuProcess>& out)
{
    if (s.process && s.process->pid) {
        s.process->gpuIndex = s.gpu.index;
        s.process->gpuUuid = s.gpu.uuid;
        s.process->gpuBusId = s.gpu.busId;
        out.append(*s.process);
    }
    s.process.reset();
}

void applyProcess(GpuState& s, QList<GpuProcess>& out, const QString& key, QByteArrayView v)
{
    // Each process starts with "GPU instance ID" (MIG-era drivers) or "Process ID".
    if (key == QLatin1String("GPU instance ID") ||
        (key == QLatin1String("Process ID") && s.process && s.process->pid)) {
        flushProcess(s, out);
    }
    if (!s.process)
        s.process = GpuProcess();
    GpuProcess& p = *s.process;
    if (key == QLatin1String("GPU instance ID"))
        p.gpuInstanceId = intReading(v).optional();
    else if (key == QLatin1String("Compute instance ID"))
        p.computeInstanceId = intReading(v).optional();
    else if (key == QLatin1String("Process ID"))
        p.pid = parseInteger(v);
    else if (key == QLatin1String("Type"))
        p.type = toQString(v);
    else if (key == QLatin1String("Name"))
        p.name = toQString(v);
    else if (key == QLatin1String("Used GPU Memory"))
        p.usedMemoryMiB = mibReading(v);
}

void applyMig(MigDevice& m, const QString& rest, QByteArrayView v)
{
    if (rest == QLatin1String("Index"))
        m.migIndex = intReading(v).optional();
    else if (rest == QLatin1String("GPU Instance ID"))
        m.gpuInstanceId = intReading(v).optional();
    else if (rest == QLatin1String("Compute Instance ID"))
        m.computeInstanceId = intReading(v).optional();
    else if (rest == QLatin1String("Device Attributes/Shared/Multiprocessor count"))
        m.smCount = intReading(v);
    else if (rest == QLatin1String("Shared FB Memory Usage/Total") ||
             rest == QLatin1String("FB Memory Usage/Total"))
        m.memoryTotalMiB = mibReading(v);
    else if (rest == QLatin1String("Shared FB Memory Usage/Used") ||
             rest == QLatin1String("FB Memory Usage/Used"))
        m.memoryUsedMiB = mibReading(v);
}

void applyGpu(GpuState& s, QList<GpuProcess>& processes, const QString& path, QByteArrayView v)
{
    GpuSample& g = s.gpu;
    if (path.startsWith(QLatin1String("Processes/"))) {
        applyProcess(s, processes, path.section(QLatin1Char('/'), -1), v);
        return;
    }
    if (path.startsWith(QLatin1String("MIG Device/"))) {
        if (!g.migDevices.isEmpty())
            applyMig(g.migDevices.last(), path.mid(11), v);
        return;
    }
    if (path == QLatin1String("Product Name"))
        g.name = toQString(v);
    else if (path == QLatin1String("GPU UUID"))
        g.uuid = toQString(v);
    else if (path == QLatin1String("PCI/Bus Id"))
        g.busId = toQString(v);
    else if (path == QLatin1String("FB Memory Usage/Total")) {
        g.memoryTotalMiB = mibReading(v);
        s.sawMemory = true;
    } else if (path == QLatin1String("FB Memory Usage/Used"))
        g.memoryUsedMiB = mibReading(v);
    else if (path.compare(QLatin1String("Utilization/Gpu"), Qt::CaseInsensitive) == 0)
        g.utilizationGpuPercent = numberReading(v);
    else if (path == QLatin1String("Utilization/Memory"))
        g.utilizationMemoryPercent = numberReading(v);
    else if (path == QLatin1String("Temperature/GPU Current Temp"))
        g.temperatureC = numberReading(v);
    else if (path == QLatin1String("Temperature/Memory Current Temp"))
        g.memoryTemperatureC = numberReading(v);
    else if (path == QLatin1String("GPU Power Readings/Power Draw") ||
             path == QLatin1String("GPU Power Readings/Instantaneous Power Draw") ||
             path == QLatin1String("GPU Power Readings/Average Power Draw") ||
             path == QLatin1String("Power Readings/Power Draw"))
        setIfEmpty(g.powerDrawW, numberReading(v));
    else if (path == QLatin1String("GPU Power Readings/Current Power Limit") ||
             path == QLatin1String("GPU Power Readings/Enforced Power Limit") ||
             path == QLatin1String("Power Readings/Power Limit") ||
             path == QLatin1String("Power Readings/Enforced Power Limit"))
        setIfEmpty(g.powerLimitW, numberReading(v));
    else if (path == QLatin1String("Clocks/SM"))
        g.smClockMHz = numberReading(v);
    else if (path == QLatin1String("Clocks/Graphics"))
        g.graphicsClockMHz = numberReading(v);
    else if (path == QLatin1String("Clocks/Memory"))
        g.memoryClockMHz = numberReading(v);
    else if (path == QLatin1String("Performance State"))
        g.pstate = textReading(v);
    else if (path == QLatin1String("Fan Speed"))
        g.fanPercent = numberReading(v);
    else if (path == QLatin1String("Driver Model/Current") && !absenceOf(v))
        g.driverModel = toQString(v);
    else if (path == QLatin1String("Persistence Mode") && !absenceOf(v))
        g.persistence = toQString(v);
    else if (path == QLatin1String("Compute Mode") && !absenceOf(v))
        g.computeMode = toQString(v);
    else if (path == QLatin1String("MIG Mode/Current"))
        g.mig = parseEnabled(v);
}

bool isGpuHeader(QByteArrayView t)
{
    // "GPU 00000000:07:00.0"
    if (!t.startsWith("GPU ") || t.contains(" : "))
        return false;
    const QByteArrayView id = trimmed(t.sliced(4));
    return id.count(':') >= 1 && id.contains('.') && !id.contains(' ');
}

} // namespace

bool isSmiQueryTextBanner(QByteArrayView line)
{
    return trimmed(line) == "==============NVSMI LOG==============";
}

Result<SmiSnapshot> parseSmiQueryText(QByteArrayView text)
{
    SmiSnapshot snap;
    bool sawBanner = false;
    std::optional<GpuState> current;
    QStringList stack; // keys by indentation level; level 0 is the GPU line
    qsizetype start = 0;

    auto finishGpu = [&] {
        if (!current)
            return;
        flushProcess(*current, snap.processes);
        current->gpu.driverVersion = snap.driverVersion;
        current->gpu.timestamp = snap.timestamp;
        snap.gpus.append(current->gpu);
    };

    for (qsizetype i = 0; i <= text.size(); ++i) {
        if (i < text.size() && text[i] != '\n')
            continue;
        QByteArrayView line = text.sliced(start, i - start);
        start = i + 1;
        if (line.endsWith('\r'))
            line.chop(1);
        const QByteArrayView t = trimmed(line);
        if (t.isEmpty())
            continue;
        if (isSmiQueryTextBanner(t)) {
            if (sawBanner && current)
                break; // a second log: one snapshot per call
            sawBanner = true;
            continue;
        }
        if (!sawBanner)
            continue;
        qsizetype indent = 0;
        while (indent < line.size() && line[indent] == ' ')
            ++indent;
        const auto level = static_cast<int>(indent / 4);
        if (level == 0 && isGpuHeader(t)) {
            finishGpu();
            current = GpuState();
            current->gpu.index = static_cast<int>(snap.gpus.size());
            current->gpu.busId = toQString(trimmed(t.sliced(4)));
            stack = {QStringLiteral("GPU")};
            continue;
        }
        const qsizetype colon = t.indexOf(':');
        const QString key = toQString(trimmed(colon < 0 ? t : t.first(colon)));
        const QByteArrayView value = colon < 0 ? QByteArrayView() : trimmed(t.sliced(colon + 1));
        if (level == 0 || !current) {
            if (key == QLatin1String("Driver Version")) {
                // "610.62 [Deprecated; will be removed in CUDA 14.0. Use KMD Version instead]"
                const qsizetype space = value.indexOf(' ');
                snap.driverVersion = toQString(space < 0 ? value : value.first(space));
            } else if (key == QLatin1String("KMD Version") && snap.driverVersion.isEmpty()) {
                snap.driverVersion = toQString(value);
            } else if (key == QLatin1String("CUDA Version")) {
                const qsizetype space = value.indexOf(' ');
                snap.cudaVersion = toQString(space < 0 ? value : value.first(space));
            } else if (key == QLatin1String("Timestamp")) {
                snap.timestamp = parseCTimestamp(value);
            } else if (key == QLatin1String("Attached GPUs")) {
                if (const auto n = parseInteger(value))
                    snap.attachedGpus = static_cast<int>(*n);
            }
            continue;
        }
        while (stack.size() > level)
            stack.removeLast();
        while (stack.size() < level)
            stack.append(QString()); // a deeper indent than expected: keep the levels aligned
        stack.append(key);
        QString path;
        for (qsizetype k = 1; k < stack.size(); ++k) {
            if (!path.isEmpty())
                path += QLatin1Char('/');
            path += stack[k];
        }
        if (colon < 0) {
            if (level == 1 && key == QLatin1String("MIG Device")) {
                MigDevice m;
                m.gpuIndex = current->gpu.index;
                current->gpu.migDevices.append(m);
            }
            continue;
        }
        applyGpu(*current, snap.processes, path, value);
    }
    finishGpu();

    if (!sawBanner)
        return makeError(ErrorCode::InvalidInput,
                         QStringLiteral("Not `nvidia-smi -q` output: no \"NVSMI LOG\" banner."));
    if (snap.gpus.isEmpty())
        return makeError(ErrorCode::InvalidInput,
                         QStringLiteral("The `nvidia-smi -q` output lists no GPU."));
    if (snap.attachedGpus && *snap.attachedGpus > snap.gpus.size())
        return makeError(ErrorCode::InvalidInput,
                         QStringLiteral("The `nvidia-smi -q` output announces %1 GPUs but holds "
                                        "%2: it was cut off.")
                             .arg(*snap.attachedGpus)
                             .arg(snap.gpus.size()));
    if (current && !current->sawMemory)
        return makeError(ErrorCode::InvalidInput,
                         QStringLiteral("The `nvidia-smi -q` output stops before the memory of GPU "
                                        "%1: it was cut off.")
                             .arg(current->gpu.busId));
    return snap;
}

} // namespace gpudeck::monitor
