#include "gpumodel.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace gpudeck::simgpu {

namespace {

// Noise channels: one per quantity so that, say, power and temperature do not wiggle in step.
enum Channel : std::uint64_t {
    IdleTemp = 10,
    HotTemp,
    PowerTarget,
    ClockOffset,
    MemoryShare,
    IdlePower,
    MemTempOffset,
    UtilNoise,
    UtilMemNoise,
    PowerNoise,
    TempNoise,
    ClockNoise,
    FanNoise,
    Uuid,
    Serial,
};

// Heating of an air/liquid-cooled datacenter board under full load settles over a few
// minutes; these constants put the knee of the curve at about a minute and a half.
constexpr double HeatTimeConstantS = 100.0;
constexpr double CoolTimeConstantS = 150.0;
// Power follows load within a couple of seconds.
constexpr double PowerRampS = 2.0;
// What a CUDA context costs on the device before the first tensor is allocated.
constexpr long long ContextFootprintMiB = 512;

// DGX A100 / HGX H100 boards enumerate their eight GPUs on these PCI buses.
constexpr int DgxBuses[8] = {0x07, 0x0F, 0x47, 0x4E, 0x87, 0x90, 0xB7, 0xBD};

double clampd(double v, double lo, double hi)
{
    return std::min(std::max(v, lo), hi);
}

// A little per-sample jitter on top of the slow wander, the way NVML readings flicker.
double wobble(std::uint64_t seed, Channel channel, int gpu, double t, double period)
{
    const std::uint64_t gpuSeed = mix64(seed ^ static_cast<std::uint64_t>(gpu + 1));
    const double slow = smoothNoise(gpuSeed, channel, t, period);
    const double fast =
        unit01(gpuSeed, channel, static_cast<std::uint64_t>(std::floor(t * 4.0))) * 2.0 - 1.0;
    return 0.7 * slow + 0.3 * fast;
}

double heatFraction(double elapsedS)
{
    return 1.0 - std::exp(-std::max(elapsedS, 0.0) / HeatTimeConstantS);
}

long long idleUsedMiB(int driverMajor)
{
    // What an idle, persistence-mode board reports as used: 4 MiB on 535/545, 1 MiB on
    // 550-565 and 0 MiB from 570 on, as in the captured tables of those drivers.
    if (driverMajor < 550) {
        return 4;
    }
    return driverMajor < 570 ? 1 : 0;
}

int pstateNumber(const std::string& pstate)
{
    return static_cast<int>(parseInt(std::string_view(pstate).substr(1)).value_or(0));
}

} // namespace

GpuIdentity gpuIdentity(const GpuConfig& config, int index)
{
    GpuIdentity id;
    id.index = index;
    id.pciBus = DgxBuses[index % 8];
    char busId[32];
    std::snprintf(busId, sizeof busId, "00000000:%02X:00.0", id.pciBus);
    id.busId = busId;

    const std::uint64_t a = mix64(config.seed ^ mix64(Uuid + static_cast<std::uint64_t>(index)));
    const std::uint64_t b = mix64(a ^ 0x5DEECE66DULL);
    char uuid[64];
    std::snprintf(uuid, sizeof uuid, "GPU-%08llx-%04llx-%04llx-%04llx-%012llx",
                  static_cast<unsigned long long>(a >> 32),
                  static_cast<unsigned long long>((a >> 16) & 0xFFFF),
                  static_cast<unsigned long long>(a & 0xFFFF),
                  static_cast<unsigned long long>(b >> 48),
                  static_cast<unsigned long long>(b & 0xFFFFFFFFFFFFULL));
    id.uuid = uuid;

    // Board serials are 13 decimal digits.
    const std::uint64_t serial =
        mix64(config.seed ^ mix64(Serial + static_cast<std::uint64_t>(index))) % 10000000000000ULL;
    char serialText[32];
    std::snprintf(serialText, sizeof serialText, "%013llu",
                  static_cast<unsigned long long>(serial));
    id.serial = serialText;
    return id;
}

Snapshot takeSnapshot(const GpuConfig& config, const Activity& activity, double now)
{
    Snapshot snapshot;
    snapshot.time = now;
    const std::uint64_t s = config.seed;
    const double limit = config.powerLimitW;
    const int major = config.driverMajor();

    for (int g = 0; g < config.count; ++g) {
        GpuSample gpu;
        gpu.id = gpuIdentity(config, g);
        gpu.busy = activity.busy;
        gpu.memTotalMiB = config.memoryMiB;
        // The driver keeps roughly 0.6 % of the framebuffer for itself (479 MiB of 81559 MiB
        // on the captured H100).
        gpu.memReservedMiB = std::llround(static_cast<double>(config.memoryMiB) * 0.00587);

        const double idleTemp = 32.0 + 4.0 * unit01(s, IdleTemp, static_cast<std::uint64_t>(g));
        const double hotTemp = 75.0 + 5.0 * unit01(s, HotTemp, static_cast<std::uint64_t>(g));
        const double idlePower =
            limit * (0.14 + 0.02 * unit01(s, IdlePower, static_cast<std::uint64_t>(g)));
        const double tempNoise = wobble(s, TempNoise, g, now, 9.0);
        const double powerNoise = wobble(s, PowerNoise, g, now, 3.0);

        double temperature = idleTemp;
        double power = idlePower;
        if (activity.busy) {
            const double elapsed = std::max(0.0, now - activity.state.startTime);
            const double warm = heatFraction(elapsed);
            temperature = idleTemp + (hotTemp - idleTemp) * warm + 0.8 * tempNoise;

            gpu.utilGpu = static_cast<int>(
                clampd(std::lround(95.0 + 4.0 * wobble(s, UtilNoise, g, now, 7.0)), 90, 99));
            gpu.utilMemory = static_cast<int>(
                clampd(std::lround(45.0 + 12.0 * wobble(s, UtilMemNoise, g, now, 7.0)), 20, 80));

            const double target =
                limit * (0.90 + 0.05 * unit01(s, PowerTarget, static_cast<std::uint64_t>(g)));
            const double ramp = 1.0 - std::exp(-elapsed / PowerRampS);
            power = idlePower + (target - idlePower) * ramp + 0.02 * limit * powerNoise;
            // Boards never report more than their enforced limit for long; keep the sample under.
            power = clampd(power, idlePower * 0.9, limit - 0.5);

            // Boost clocks move in 15 MHz bins and sag a little as the board heats up.
            const double sag = 10.0 * unit01(s, ClockOffset, static_cast<std::uint64_t>(g)) +
                               25.0 * warm + 20.0 * std::abs(wobble(s, ClockNoise, g, now, 4.0));
            gpu.smClockMHz =
                std::max(config.idleSmClockMHz,
                         config.maxSmClockMHz - static_cast<int>(std::lround(sag / 15.0)) * 15);
            gpu.memClockMHz = config.memClockMHz;
            gpu.videoClockMHz = static_cast<int>(std::lround(config.maxSmClockMHz * 0.9));
            gpu.pstate = "P0";

            // The job's allocation is fixed for its lifetime: 60-75 % of the card, chosen per
            // run and per GPU, plus the CUDA context.
            const double share =
                0.60 + 0.15 * unit01(s ^ activity.state.seed, MemoryShare,
                                     static_cast<std::uint64_t>(g),
                                     static_cast<std::uint64_t>(activity.state.startTime));
            const long long footprint =
                std::llround(share * static_cast<double>(config.memoryMiB)) + ContextFootprintMiB;
            gpu.memUsedMiB = idleUsedMiB(major) + footprint;
            snapshot.processes.push_back(
                GpuProcess{g, activity.state.pid, activity.state.processName, footprint});
            if (config.hasFan) {
                gpu.fanPercent = static_cast<int>(
                    std::lround(30.0 + 45.0 * warm + 2.0 * wobble(s, FanNoise, g, now, 11.0)));
            }
        } else {
            if (activity.lastRun) {
                const double runLength = activity.lastRun->endTime - activity.lastRun->startTime;
                const double endTemp = idleTemp + (hotTemp - idleTemp) * heatFraction(runLength);
                const double sinceEnd = std::max(0.0, now - activity.lastRun->endTime);
                temperature += (endTemp - idleTemp) * std::exp(-sinceEnd / CoolTimeConstantS);
            }
            temperature += 0.4 * tempNoise;
            // Leakage: a hot idle board draws a few watts more than a cold one.
            power = idlePower + 0.25 * (temperature - idleTemp) + 0.006 * limit * powerNoise;
            gpu.utilGpu = 0;
            gpu.utilMemory = 0;
            gpu.smClockMHz = config.idleSmClockMHz;
            // Deep idle states (P8 and below) drop the memory clock to its floor.
            gpu.memClockMHz = pstateNumber(config.idlePstate) >= 8 ? 405 : config.memClockMHz;
            gpu.videoClockMHz = static_cast<int>(std::lround(config.idleSmClockMHz * 2.8));
            gpu.pstate = config.idlePstate;
            gpu.memUsedMiB = idleUsedMiB(major);
            if (config.hasFan) {
                gpu.fanPercent = 30;
            }
        }

        gpu.temperatureC = static_cast<int>(std::lround(temperature));
        gpu.memoryTemperatureC = static_cast<int>(std::lround(
            temperature + 3.0 + 4.0 * unit01(s, MemTempOffset, static_cast<std::uint64_t>(g))));
        gpu.powerDrawW = power;
        gpu.powerDrawInstantW =
            clampd(power + 0.01 * limit * wobble(s, PowerNoise, g, now, 0.5), 0.0, limit - 0.1);
        gpu.memFreeMiB = std::max(0LL, gpu.memTotalMiB - gpu.memReservedMiB - gpu.memUsedMiB);
        snapshot.gpus.push_back(std::move(gpu));
    }
    return snapshot;
}

} // namespace gpudeck::simgpu
