#include "smixml.h"

#include "smivalue.h"

#include <QStringList>
#include <QXmlStreamReader>

namespace gpudeck::monitor {

using namespace detail;

namespace {

template <typename T> void setIfEmpty(Reading<T>& target, Reading<T> value)
{
    if (!target.has_value() && (value.has_value() || target.absence() == Absence::NotReported))
        target = std::move(value);
}

// Element path below <gpu>, joined with '/', e.g. "fb_memory_usage/total".
QString joined(const QStringList& path, qsizetype from)
{
    QString s;
    for (qsizetype i = from; i < path.size(); ++i) {
        if (!s.isEmpty())
            s += QLatin1Char('/');
        s += path[i];
    }
    return s;
}

void applyGpuValue(GpuSample& g, const QString& path, QByteArrayView v)
{
    if (path == QLatin1String("product_name"))
        g.name = toQString(trimmed(v));
    else if (path == QLatin1String("uuid"))
        g.uuid = toQString(trimmed(v));
    else if (path == QLatin1String("pci/pci_bus_id"))
        g.busId = toQString(trimmed(v));
    else if (path == QLatin1String("fb_memory_usage/total"))
        setIfEmpty(g.memoryTotalMiB, mibReading(v));
    else if (path == QLatin1String("fb_memory_usage/used"))
        setIfEmpty(g.memoryUsedMiB, mibReading(v));
    else if (path == QLatin1String("utilization/gpu_util"))
        setIfEmpty(g.utilizationGpuPercent, numberReading(v));
    else if (path == QLatin1String("utilization/memory_util"))
        setIfEmpty(g.utilizationMemoryPercent, numberReading(v));
    else if (path == QLatin1String("temperature/gpu_temp"))
        setIfEmpty(g.temperatureC, numberReading(v));
    else if (path == QLatin1String("temperature/memory_temp"))
        setIfEmpty(g.memoryTemperatureC, numberReading(v));
    else if (path == QLatin1String("power_readings/power_draw") ||
             path == QLatin1String("gpu_power_readings/power_draw") ||
             path == QLatin1String("gpu_power_readings/instant_power_draw") ||
             path == QLatin1String("gpu_power_readings/average_power_draw"))
        setIfEmpty(g.powerDrawW, numberReading(v));
    else if (path == QLatin1String("power_readings/power_limit") ||
             path == QLatin1String("power_readings/enforced_power_limit") ||
             path == QLatin1String("gpu_power_readings/current_power_limit") ||
             path == QLatin1String("gpu_power_readings/enforced_power_limit"))
        setIfEmpty(g.powerLimitW, numberReading(v));
    else if (path == QLatin1String("clocks/sm_clock"))
        setIfEmpty(g.smClockMHz, numberReading(v));
    else if (path == QLatin1String("clocks/graphics_clock"))
        setIfEmpty(g.graphicsClockMHz, numberReading(v));
    else if (path == QLatin1String("clocks/mem_clock"))
        setIfEmpty(g.memoryClockMHz, numberReading(v));
    else if (path == QLatin1String("performance_state"))
        g.pstate = textReading(v);
    else if (path == QLatin1String("fan_speed"))
        setIfEmpty(g.fanPercent, numberReading(v));
    else if (path == QLatin1String("driver_model/current_dm") && !absenceOf(v))
        g.driverModel = toQString(trimmed(v));
    else if (path == QLatin1String("persistence_mode") && !absenceOf(v))
        g.persistence = toQString(trimmed(v));
    else if (path == QLatin1String("compute_mode") && !absenceOf(v))
        g.computeMode = toQString(trimmed(v));
    else if (path == QLatin1String("mig_mode/current_mig"))
        g.mig = parseEnabled(v);
}

void applyMigValue(MigDevice& m, const QString& path, QByteArrayView v)
{
    if (path == QLatin1String("index"))
        m.migIndex = intReading(v).optional();
    else if (path == QLatin1String("gpu_instance_id"))
        m.gpuInstanceId = intReading(v).optional();
    else if (path == QLatin1String("compute_instance_id"))
        m.computeInstanceId = intReading(v).optional();
    else if (path == QLatin1String("device_attributes/shared/multiprocessor_count"))
        m.smCount = intReading(v);
    else if (path == QLatin1String("fb_memory_usage/total"))
        m.memoryTotalMiB = mibReading(v);
    else if (path == QLatin1String("fb_memory_usage/used"))
        m.memoryUsedMiB = mibReading(v);
}

void applyProcessValue(GpuProcess& p, const QString& path, QByteArrayView v)
{
    if (path == QLatin1String("pid"))
        p.pid = parseInteger(v);
    else if (path == QLatin1String("type"))
        p.type = toQString(trimmed(v));
    else if (path == QLatin1String("process_name"))
        p.name = toQString(trimmed(v));
    else if (path == QLatin1String("used_memory"))
        p.usedMemoryMiB = mibReading(v);
    else if (path == QLatin1String("gpu_instance_id"))
        p.gpuInstanceId = intReading(v).optional();
    else if (path == QLatin1String("compute_instance_id"))
        p.computeInstanceId = intReading(v).optional();
}

} // namespace

Result<SmiSnapshot> parseSmiXml(QByteArrayView xml)
{
    // Qt 6.4 has no QByteArrayView constructor; one copy of a few KiB per snapshot.
    QXmlStreamReader reader(xml.toByteArray());
    SmiSnapshot snap;
    QStringList path; // element names from the root
    bool sawRoot = false;
    GpuSample gpu;
    bool inGpu = false;
    qsizetype gpuDepth = 0;
    MigDevice mig;
    bool inMig = false;
    qsizetype migDepth = 0;
    GpuProcess proc;
    bool inProc = false;
    qsizetype procDepth = 0;
    QByteArray text;

    while (!reader.atEnd()) {
        switch (reader.readNext()) {
        case QXmlStreamReader::StartElement: {
            const QString name = reader.name().toString();
            path.append(name);
            text.clear();
            if (path.size() == 1) {
                if (name != QLatin1String("nvidia_smi_log"))
                    return makeError(ErrorCode::InvalidInput,
                                     QStringLiteral("Not `nvidia-smi -q -x` output: the root "
                                                    "element is <%1>, expected <nvidia_smi_log>.")
                                         .arg(name));
                sawRoot = true;
            } else if (path.size() == 2 && name == QLatin1String("gpu")) {
                gpu = GpuSample();
                gpu.index = static_cast<int>(snap.gpus.size());
                gpu.busId = reader.attributes().value(QLatin1String("id")).toString();
                inGpu = true;
                gpuDepth = path.size();
            } else if (inGpu && name == QLatin1String("mig_device")) {
                mig = MigDevice();
                mig.gpuIndex = gpu.index;
                inMig = true;
                migDepth = path.size();
            } else if (inGpu && name == QLatin1String("process_info") &&
                       path.value(path.size() - 2) == QLatin1String("processes")) {
                proc = GpuProcess();
                proc.gpuIndex = gpu.index;
                inProc = true;
                procDepth = path.size();
            }
            break;
        }
        case QXmlStreamReader::Characters:
            text += reader.text().toUtf8();
            break;
        case QXmlStreamReader::EndElement: {
            const QString name = path.isEmpty() ? QString() : path.last();
            if (inProc && path.size() == procDepth) {
                proc.gpuUuid = gpu.uuid;
                proc.gpuBusId = gpu.busId;
                snap.processes.append(proc);
                inProc = false;
            } else if (inProc) {
                applyProcessValue(proc, joined(path, procDepth), text);
            } else if (inMig && path.size() == migDepth) {
                gpu.migDevices.append(mig);
                inMig = false;
            } else if (inMig) {
                applyMigValue(mig, joined(path, migDepth), text);
            } else if (inGpu && path.size() == gpuDepth) {
                gpu.driverVersion = snap.driverVersion;
                gpu.timestamp = snap.timestamp;
                snap.gpus.append(gpu);
                inGpu = false;
            } else if (inGpu) {
                applyGpuValue(gpu, joined(path, gpuDepth), text);
            } else if (path.size() == 2) {
                if (name == QLatin1String("driver_version"))
                    snap.driverVersion = toQString(trimmed(text));
                else if (name == QLatin1String("cuda_version"))
                    snap.cudaVersion = toQString(trimmed(text));
                else if (name == QLatin1String("timestamp"))
                    snap.timestamp = parseCTimestamp(text);
                else if (name == QLatin1String("attached_gpus"))
                    if (const auto n = parseInteger(text))
                        snap.attachedGpus = static_cast<int>(*n);
            }
            text.clear();
            if (!path.isEmpty())
                path.removeLast();
            break;
        }
        default:
            break;
        }
    }
    if (reader.hasError()) {
        const bool truncated = reader.error() == QXmlStreamReader::PrematureEndOfDocumentError;
        return makeError(ErrorCode::InvalidInput,
                         truncated ? QStringLiteral("The `nvidia-smi -q -x` output ends early "
                                                    "(line %1): it was cut off.")
                                         .arg(reader.lineNumber())
                                   : QStringLiteral("Not well-formed `nvidia-smi -q -x` output: "
                                                    "%1 at line %2.")
                                         .arg(reader.errorString())
                                         .arg(reader.lineNumber()));
    }
    if (!sawRoot)
        return makeError(ErrorCode::InvalidInput,
                         QStringLiteral("Not `nvidia-smi -q -x` output: no <nvidia_smi_log>."));
    if (snap.gpus.isEmpty())
        return makeError(ErrorCode::InvalidInput,
                         QStringLiteral("The `nvidia-smi -q -x` output lists no GPU."));
    // The document closed properly, so GPUs missing against <attached_gpus> were left out on
    // purpose (test fixtures trimmed to one GPU, as in Telegraf's and Microsoft PAI's), not cut.
    if (snap.attachedGpus && *snap.attachedGpus != snap.gpus.size())
        snap.warnings.append(QStringLiteral("<attached_gpus> says %1 but the document lists %2 "
                                            "GPU(s).")
                                 .arg(*snap.attachedGpus)
                                 .arg(snap.gpus.size()));
    return snap;
}

} // namespace gpudeck::monitor
