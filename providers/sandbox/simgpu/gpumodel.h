#pragma once

#include "config.h"
#include "trainstate.h"

#include <optional>
#include <string>
#include <vector>

namespace gpudeck::simgpu {

struct GpuIdentity {
    int index = 0;
    int pciBus = 0;
    std::string uuid;
    std::string busId; // "00000000:07:00.0"
    std::string serial;
};

struct GpuSample {
    GpuIdentity id;
    bool busy = false;
    int utilGpu = 0;
    int utilMemory = 0;
    long long memTotalMiB = 0;
    long long memReservedMiB = 0;
    long long memUsedMiB = 0;
    long long memFreeMiB = 0;
    double powerDrawW = 0;
    double powerDrawInstantW = 0;
    int temperatureC = 0;
    int memoryTemperatureC = 0;
    int smClockMHz = 0;
    int memClockMHz = 0;
    int videoClockMHz = 0;
    std::string pstate;
    std::optional<int> fanPercent;
};

struct GpuProcess {
    int gpuIndex = 0;
    long pid = 0;
    std::string name;
    long long usedMiB = 0;
};

// Everything one invocation reports, computed once so that every field and row agrees.
struct Snapshot {
    double time = 0; // epoch seconds
    std::vector<GpuSample> gpus;
    std::vector<GpuProcess> processes;
};

[[nodiscard]] GpuIdentity gpuIdentity(const GpuConfig& config, int index);
[[nodiscard]] Snapshot takeSnapshot(const GpuConfig& config, const Activity& activity, double now);

} // namespace gpudeck::simgpu
