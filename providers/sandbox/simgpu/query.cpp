#include "query.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <optional>

namespace gpudeck::simgpu {

namespace {

using Value = std::optional<std::string>;

std::string num(long long value)
{
    return std::to_string(value);
}

std::string watts(double value)
{
    return formatFixed(value, 2);
}

Value eccValue(const GpuConfig& config)
{
    switch (config.ecc) {
    case EccMode::Enabled:
        return "Enabled";
    case EccMode::Disabled:
        return "Disabled";
    case EccMode::NotSupported:
        break;
    }
    return std::nullopt;
}

// The value of one --query-gpu property without its unit; nullopt prints as [N/A].
Value gpuValue(std::string_view field, const GpuSample& gpu, const GpuConfig& config,
               const Snapshot& snapshot)
{
    const auto is = [&](std::string_view name) { return field == name; };
    const auto in = [&](std::string_view prefix) { return startsWith(field, prefix); };

    if (is("timestamp")) {
        return csvTimestamp(snapshot.time);
    }
    if (is("driver_version")) {
        return config.driver;
    }
    if (is("count")) {
        return num(config.count);
    }
    if (is("name")) {
        return config.model;
    }
    if (is("serial")) {
        return gpu.id.serial;
    }
    if (is("uuid")) {
        return gpu.id.uuid;
    }
    if (is("pci.bus_id")) {
        return gpu.id.busId;
    }
    if (is("pci.domain")) {
        return "0x0000";
    }
    if (is("pci.bus")) {
        return "0x" + formatHex(static_cast<std::uint64_t>(gpu.id.pciBus), 2);
    }
    if (is("pci.device")) {
        return "0x00";
    }
    if (is("pci.baseClass")) {
        return "0x3"; // 3D controller: datacenter boards have no display engine exposed
    }
    if (is("pci.subClass")) {
        return "0x2";
    }
    if (is("pci.device_id")) {
        return "0x" + formatHex(config.pciDeviceId, 8);
    }
    if (is("pci.sub_device_id")) {
        return "0x" + formatHex(config.pciSubDeviceId, 8);
    }
    if (in("pcie.link.gen.")) {
        return "4";
    }
    if (in("pcie.link.width.")) {
        return "16";
    }
    if (is("index")) {
        return num(gpu.id.index);
    }
    if (is("display_mode") || is("display_active")) {
        return "Disabled";
    }
    if (is("display_attached")) {
        return "No";
    }
    if (is("persistence_mode")) {
        return config.persistence ? "Enabled" : "Disabled";
    }
    if (is("accounting.mode")) {
        return "Disabled";
    }
    if (is("accounting.buffer_size")) {
        return "4000";
    }
    if (is("vbios_version")) {
        return config.vbios;
    }
    if (is("fan.speed")) {
        return gpu.fanPercent ? Value(num(*gpu.fanPercent)) : std::nullopt;
    }
    if (is("pstate")) {
        return gpu.pstate;
    }
    if (is("clocks_event_reasons.supported")) {
        return "0x00000000000001FF";
    }
    if (is("clocks_event_reasons.active")) {
        return gpu.busy ? "0x0000000000000000" : "0x0000000000000001";
    }
    if (is("clocks_event_reasons.gpu_idle")) {
        return gpu.busy ? "Not Active" : "Active";
    }
    if (in("clocks_event_reasons.")) {
        return "Not Active";
    }
    if (in("clocks_event_reasons_counters.")) {
        return "0";
    }
    if (is("memory.total")) {
        return num(gpu.memTotalMiB);
    }
    if (is("memory.reserved")) {
        return num(gpu.memReservedMiB);
    }
    if (is("memory.used")) {
        return num(gpu.memUsedMiB);
    }
    if (is("memory.free")) {
        return num(gpu.memFreeMiB);
    }
    if (is("compute_mode")) {
        return "Default";
    }
    if (is("compute_cap")) {
        return config.computeCap;
    }
    if (is("utilization.gpu")) {
        return num(gpu.utilGpu);
    }
    if (is("utilization.memory")) {
        return num(gpu.utilMemory);
    }
    if (in("utilization.") || in("encoder.stats.")) {
        return "0";
    }
    if (is("ecc.mode.current") || is("ecc.mode.pending")) {
        return eccValue(config);
    }
    if (in("ecc.errors.")) {
        return config.ecc == EccMode::Enabled ? Value("0") : std::nullopt;
    }
    if (is("remapped_rows.correctable") || is("remapped_rows.uncorrectable")) {
        return "0";
    }
    if (is("remapped_rows.pending") || is("remapped_rows.failure")) {
        return "No";
    }
    if (is("temperature.gpu")) {
        return num(gpu.temperatureC);
    }
    if (is("temperature.gpu.tlimit")) {
        // Headroom to the slowdown threshold, which sits near 87 C on A100/H100 boards.
        return num(std::max(0, 87 - gpu.temperatureC));
    }
    if (is("temperature.memory")) {
        return num(gpu.memoryTemperatureC);
    }
    if (is("power.management")) {
        return "Enabled";
    }
    if (is("power.draw") || is("power.draw.average")) {
        return watts(gpu.powerDrawW);
    }
    if (is("power.draw.instant")) {
        return watts(gpu.powerDrawInstantW);
    }
    if (is("power.limit") || is("enforced.power.limit") || is("power.default_limit") ||
        is("power.max_limit")) {
        return watts(config.powerLimitW);
    }
    if (is("power.min_limit")) {
        return watts(config.powerLimitW * 0.25);
    }
    if (is("clocks.current.graphics") || is("clocks.current.sm")) {
        return num(gpu.smClockMHz);
    }
    if (is("clocks.current.memory")) {
        return num(gpu.memClockMHz);
    }
    if (is("clocks.current.video")) {
        return num(gpu.videoClockMHz);
    }
    if (is("clocks.applications.graphics") || is("clocks.default_applications.graphics") ||
        is("clocks.max.graphics") || is("clocks.max.sm")) {
        return num(config.maxSmClockMHz);
    }
    if (is("clocks.applications.memory") || is("clocks.default_applications.memory") ||
        is("clocks.max.memory")) {
        return num(config.memClockMHz);
    }
    if (is("mig.mode.current") || is("mig.mode.pending")) {
        return config.migCapable ? Value("Disabled") : std::nullopt;
    }
    return std::nullopt;
}

Value computeAppValue(std::string_view field, const GpuProcess& process, const GpuSample& gpu,
                      const GpuConfig& config, const Snapshot& snapshot)
{
    if (field == "timestamp") {
        return csvTimestamp(snapshot.time);
    }
    if (field == "gpu_name") {
        return config.model;
    }
    if (field == "gpu_bus_id") {
        return gpu.id.busId;
    }
    if (field == "gpu_serial") {
        return gpu.id.serial;
    }
    if (field == "gpu_uuid") {
        return gpu.id.uuid;
    }
    if (field == "pid") {
        return num(process.pid);
    }
    if (field == "process_name") {
        return process.name;
    }
    if (field == "used_gpu_memory") {
        return num(process.usedMiB);
    }
    return std::nullopt;
}

std::string render(const Value& value, const FieldSpec& spec, const CsvFormat& format)
{
    if (!value) {
        return "[N/A]";
    }
    if (format.units && !spec.unit.empty()) {
        return *value + " " + std::string(spec.unit);
    }
    return *value;
}

} // namespace

Result<std::vector<const FieldSpec*>> resolveFields(std::string_view list, QueryKind kind)
{
    std::vector<const FieldSpec*> fields;
    for (const auto& raw : split(list, ',')) {
        const std::string name = trim(raw);
        const FieldSpec* spec =
            kind == QueryKind::Gpu ? findGpuField(name) : findComputeAppField(name);
        if (!spec) {
            return Error{exitcode::InvalidArgument,
                         "Field \"" + name + "\" is not a valid field to query.\n\n", true};
        }
        fields.push_back(spec);
    }
    return fields;
}

std::string csvHeader(const std::vector<const FieldSpec*>& fields)
{
    std::string line;
    for (const FieldSpec* field : fields) {
        if (!line.empty()) {
            line += ", ";
        }
        line += field->name;
        if (!field->unit.empty()) {
            line += " [" + std::string(field->unit) + "]";
        }
    }
    return line + "\n";
}

std::string csvRows(QueryKind kind, const std::vector<const FieldSpec*>& fields,
                    const CsvFormat& format, const GpuConfig& config, const Snapshot& snapshot,
                    const std::vector<int>& gpuIndices)
{
    std::string out;
    const auto emitRow = [&](const auto& valueOf) {
        std::string line;
        for (std::size_t i = 0; i < fields.size(); ++i) {
            if (i > 0) {
                line += ", ";
            }
            line += render(valueOf(fields[i]->name), *fields[i], format);
        }
        out += line + "\n";
    };
    for (const int index : gpuIndices) {
        const GpuSample& gpu = snapshot.gpus.at(static_cast<std::size_t>(index));
        if (kind == QueryKind::Gpu) {
            emitRow([&](std::string_view f) { return gpuValue(f, gpu, config, snapshot); });
            continue;
        }
        for (const GpuProcess& process : snapshot.processes) {
            if (process.gpuIndex == index) {
                emitRow([&](std::string_view f) {
                    return computeAppValue(f, process, gpu, config, snapshot);
                });
            }
        }
    }
    return out;
}

std::string csvTimestamp(double epochSeconds)
{
    const auto seconds = static_cast<time_t>(std::floor(epochSeconds));
    const int millis =
        std::min(999, static_cast<int>((epochSeconds - static_cast<double>(seconds)) * 1000.0));
    tm local{};
    localtime_r(&seconds, &local);
    char buffer[64];
    const std::size_t n = std::strftime(buffer, sizeof buffer, "%Y/%m/%d %H:%M:%S", &local);
    char millisText[16];
    std::snprintf(millisText, sizeof millisText, ".%03d", millis);
    return std::string(buffer, n) + millisText;
}

} // namespace gpudeck::simgpu
