#include "smitable.h"

#include <cmath>
#include <ctime>

namespace gpudeck::simgpu {

namespace {

// Column widths measured on real output (see tests/unit/tst_simgpu.cpp for the captures
// they are checked against).
struct Widths {
    std::size_t table;       // full line, borders included
    std::size_t middle;      // Bus-Id / Memory-Usage cell
    std::size_t usage;       // "  47W" part before " / "
    std::size_t cap;         // "400W" part after " / "
    std::size_t memUsed;     // "      4MiB"
    std::size_t memTotal;    // "40960MiB"
    std::size_t busPad;      // spaces before the bus id
    std::size_t pid;         // process list PID column
    std::size_t processName; // process list name column; longer names keep their tail
    std::size_t processMem;  // process list memory column
};

constexpr std::size_t LeftCell = 41;
constexpr std::size_t RightCell = 22;
// The spacer line between the GPU boxes and the process box kept its 89 columns when the
// table grew to 91 (545 -> 550), until 580 dropped the spaces altogether.
constexpr std::size_t SpacerWidth = 89;

Widths widthsFor(TableLayout layout)
{
    switch (layout) {
    case TableLayout::Driver535:
        return {89, 22, 17, 4, 10, 8, 1, 10, 38, 12};
    case TableLayout::Driver550:
        return {91, 24, 16, 5, 11, 9, 3, 10, 38, 14};
    case TableLayout::Driver570:
    case TableLayout::Driver580:
    case TableLayout::Driver600:
        break;
    }
    return {91, 24, 16, 5, 11, 9, 3, 16, 32, 14};
}

std::string repeat(char c, std::size_t n)
{
    return std::string(n, c);
}

std::string row(const std::string& left, const std::string& middle, const std::string& right)
{
    return "|" + left + "|" + middle + "|" + right + "|\n";
}

std::string rule(char leftEdge, char fill, char rightEdge, const Widths& w)
{
    return std::string(1, leftEdge) + repeat(fill, LeftCell) + "+" + repeat(fill, w.middle) + "+" +
           repeat(fill, RightCell) + std::string(1, rightEdge) + "\n";
}

std::string fullRule(char edge, char fill, const Widths& w)
{
    return std::string(1, edge) + repeat(fill, w.table - 2) + std::string(1, edge) + "\n";
}

std::string boxLine(const std::string& text, const Widths& w)
{
    return "|" + padRight(text, w.table - 2) + "|\n";
}

// Product names wider than the cell keep their first 24 characters and gain "...", e.g.
// "NVIDIA RTX 6000 Ada Gene...".
std::string tableName(const std::string& name)
{
    return name.size() > 27 ? name.substr(0, 24) + "..." : name;
}

std::string processName(const std::string& name, std::size_t width)
{
    return name.size() > width ? "..." + name.substr(name.size() - (width - 3)) : name;
}

std::string eccCell(const GpuConfig& config)
{
    switch (config.ecc) {
    case EccMode::Enabled:
        return "0";
    case EccMode::Disabled:
        return "Off";
    case EccMode::NotSupported:
        break;
    }
    return "N/A";
}

std::string banner(const GpuConfig& config, TableLayout layout, const Widths& w)
{
    std::string text = " NVIDIA-SMI " + padRight(config.driver, 23);
    if (layout == TableLayout::Driver600) {
        text += "KMD Version: " + padRight(config.driver, 14) + "CUDA UMD Version: " + config.cuda;
    } else {
        text += "Driver Version: " + padRight(config.driver, w.table == 89 ? 13 : 15) +
                "CUDA Version: " + config.cuda;
    }
    return boxLine(text, w);
}

} // namespace

TableLayout layoutForDriver(int driverMajor)
{
    if (driverMajor >= 600) {
        return TableLayout::Driver600;
    }
    if (driverMajor >= 580) {
        return TableLayout::Driver580;
    }
    if (driverMajor >= 570) {
        return TableLayout::Driver570;
    }
    return driverMajor >= 550 ? TableLayout::Driver550 : TableLayout::Driver535;
}

std::string tableTimestamp(double epochSeconds)
{
    const auto seconds = static_cast<time_t>(std::floor(epochSeconds));
    tm local{};
    localtime_r(&seconds, &local);
    char buffer[64];
    const std::size_t n = std::strftime(buffer, sizeof buffer, "%a %b %e %H:%M:%S %Y", &local);
    return std::string(buffer, n);
}

std::string renderTable(const GpuConfig& config, const Snapshot& snapshot,
                        const std::vector<int>& gpuIndices)
{
    const TableLayout layout = layoutForDriver(config.driverMajor());
    const Widths w = widthsFor(layout);
    const bool plusUnderBanner =
        layout == TableLayout::Driver580 || layout == TableLayout::Driver600;
    const std::string blankMiddle = repeat(' ', w.middle);

    // The real tool pads the timestamp line with seven spaces.
    std::string out = tableTimestamp(snapshot.time) + "       \n";
    out += fullRule('+', '-', w);
    out += banner(config, layout, w);
    // Until 580 the rule under the banner starts with '|' but still ends with '+'.
    out += rule(plusUnderBanner ? '+' : '|', '-', '+', w);
    out += row(" GPU  Name                 Persistence-M ",
               padRight(" Bus-Id", w.middle - 7) + "Disp.A ", " Volatile Uncorr. ECC ");
    out += row(" Fan  Temp   Perf          Pwr:Usage/Cap ", padLeft("Memory-Usage ", w.middle),
               " GPU-Util  Compute M. ");
    out += row(repeat(' ', LeftCell), blankMiddle, "               MIG M. ");
    out += rule('|', '=', '|', w);

    for (const int index : gpuIndices) {
        const GpuSample& gpu = snapshot.gpus.at(static_cast<std::size_t>(index));
        out +=
            row(padLeft(std::to_string(index), 4) + "  " + padRight(tableName(config.model), 30) +
                    " " + padRight(config.persistence ? "On" : "Off", 3) + " ",
                repeat(' ', w.busPad) + gpu.id.busId + " Off ", padLeft(eccCell(config), 21) + " ");
        const std::string fan = gpu.fanPercent ? std::to_string(*gpu.fanPercent) + "%" : "N/A";
        out += row(padLeft(fan, 4) + padLeft(std::to_string(gpu.temperatureC) + "C", 6) +
                       padLeft(gpu.pstate, 6) +
                       padLeft(std::to_string(std::lround(gpu.powerDrawW)) + "W", w.usage) + " / " +
                       padLeft(std::to_string(std::lround(config.powerLimitW)) + "W", w.cap) + " ",
                   padLeft(std::to_string(gpu.memUsedMiB) + "MiB", w.memUsed) + " / " +
                       padLeft(std::to_string(gpu.memTotalMiB) + "MiB", w.memTotal) + " ",
                   padLeft(std::to_string(gpu.utilGpu) + "%", 8) + padLeft("Default", 13) + " ");
        out += row(repeat(' ', LeftCell), blankMiddle,
                   padLeft(config.migCapable ? "Disabled" : "N/A", 21) + " ");
        out += rule('+', '-', '+', w);
    }

    out += plusUnderBanner ? std::string("\n") : repeat(' ', SpacerWidth) + "\n";
    out += fullRule('+', '-', w);
    out += boxLine(" Processes:", w);
    const std::size_t memColumn = w.table - 2 - 11; // where "GPU Memory |" starts
    out +=
        boxLine(padRight("  GPU   GI   CI" + padLeft("PID", w.pid + 1) + "   Type   Process name",
                         memColumn) +
                    "GPU Memory ",
                w);
    out += boxLine(padRight("        ID   ID", memColumn) + "Usage", w);
    out += fullRule('|', '=', w);

    bool any = false;
    for (const int index : gpuIndices) {
        for (const GpuProcess& process : snapshot.processes) {
            if (process.gpuIndex != index) {
                continue;
            }
            any = true;
            out += "|" + padLeft(std::to_string(index), 5) + padLeft("N/A", 6) + padLeft("N/A", 5) +
                   padLeft(std::to_string(process.pid), w.pid) + padLeft("C", 7) + "   " +
                   padRight(processName(process.name, w.processName), w.processName) +
                   padLeft(std::to_string(process.usedMiB) + "MiB", w.processMem) + " |\n";
        }
    }
    if (!any) {
        out += boxLine("  No running processes found", w);
    }
    out += fullRule('+', '-', w);
    return out;
}

} // namespace gpudeck::simgpu
