#pragma once

#include "config.h"
#include "gpumodel.h"

#include <string>
#include <vector>

namespace gpudeck::simgpu {

// The default `nvidia-smi` summary changed shape several times; each layout is the one the
// configured driver branch prints.
enum class TableLayout {
    Driver535, // 535-545: 89 columns
    Driver550, // 550-565: 91 columns
    Driver570, // 570-575: wider PID column in the process list
    Driver580, // 580-599: "+---" under the banner, bare empty line between the boxes
    Driver600, // 600+: "KMD Version" / "CUDA UMD Version" in the banner
};

[[nodiscard]] TableLayout layoutForDriver(int driverMajor);

[[nodiscard]] std::string renderTable(const GpuConfig& config, const Snapshot& snapshot,
                                      const std::vector<int>& gpuIndices);

// "Tue Jul 14 08:12:38 2026", the asctime() shape that heads the table.
[[nodiscard]] std::string tableTimestamp(double epochSeconds);

} // namespace gpudeck::simgpu
