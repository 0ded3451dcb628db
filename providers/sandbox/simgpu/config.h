#pragma once

#include "util.h"

#include <cstdint>
#include <string>

namespace gpudeck::simgpu {

enum class EccMode { Enabled, Disabled, NotSupported };

// What the Sandbox provider writes to <instance dir>/gpu.conf. Defaults describe one
// A100-SXM4-80GB on driver 535.129.03 / CUDA 12.2, the most common rented card of that era.
struct GpuConfig {
    std::string model = "NVIDIA A100-SXM4-80GB";
    int count = 1;
    long long memoryMiB = 81920;
    double powerLimitW = 400.0;
    int maxSmClockMHz = 1410;
    int idleSmClockMHz = 210;
    int memClockMHz = 1593;
    std::string driver = "535.129.03";
    std::string cuda = "12.2";
    std::string idlePstate = "P0";
    std::string computeCap = "8.0";
    std::string vbios = "92.00.45.00.06";
    std::uint64_t pciDeviceId = 0x20B210DE;
    std::uint64_t pciSubDeviceId = 0x147F10DE;
    bool persistence = true;
    bool hasFan = false;
    bool migCapable = true;
    EccMode ecc = EccMode::Enabled;
    std::uint64_t seed = 0;

    [[nodiscard]] int driverMajor() const;
};

// $GPUDECK_SANDBOX_DIR, or ~/.gpudeck-sim when a command runs outside a Sandbox instance.
[[nodiscard]] std::string sandboxDir();
[[nodiscard]] std::string runDir();

// Reads <sandbox dir>/gpu.conf; a missing file means all defaults, a bad line is an error
// naming the file, line and accepted range.
[[nodiscard]] Result<GpuConfig> loadConfig(const std::string& sandboxDirectory);
[[nodiscard]] Result<GpuConfig> parseConfig(std::string_view text, const std::string& origin,
                                            std::uint64_t defaultSeed);

} // namespace gpudeck::simgpu
