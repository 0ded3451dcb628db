#pragma once

#include "types.h"

namespace gpudeck::sandbox {

// The Sandbox price list: real GPU types at plausible prices, clearly labelled Sandbox. Each
// plan carries one of two billing rules so the guard and the recap can be exercised.
[[nodiscard]] QList<Plan> plans();
[[nodiscard]] QList<Region> regions();
[[nodiscard]] QList<Image> images();
// The GPU as the simulated nvidia-smi presents it (gpu.conf keys).
struct SimulatedGpu {
    QString model;
    int memoryMib = 0;
    int powerLimitW = 0;
    int maxSmClockMhz = 0;
};
[[nodiscard]] SimulatedGpu simulatedGpu(const Plan& plan);

} // namespace gpudeck::sandbox
