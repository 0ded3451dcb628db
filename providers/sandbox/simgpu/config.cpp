#include "config.h"

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <vector>

namespace gpudeck::simgpu {

namespace {

Error lineError(const std::string& origin, int line, const std::string& text)
{
    return Error{exitcode::OtherError,
                 "gpudeck-simgpu: " + origin + ":" + std::to_string(line) + ": " + text};
}

// Dotted numeric versions only ("535.129.03", "591.86", "12.2"): they end up inside the
// fixed-width banner and in parsers that split on dots.
bool isVersion(std::string_view text, int minParts, int maxParts)
{
    const auto parts = split(text, '.');
    if (static_cast<int>(parts.size()) < minParts || static_cast<int>(parts.size()) > maxParts) {
        return false;
    }
    for (const auto& part : parts) {
        if (part.empty() || part.size() > 4 || !parseInt(part) || part.front() == '-' ||
            part.front() == '+') {
            return false;
        }
    }
    return true;
}

bool parseBool(std::string_view text, bool& out)
{
    const std::string lower = toLower(text);
    if (lower == "on" || lower == "yes" || lower == "true" || lower == "1" || lower == "enabled") {
        out = true;
        return true;
    }
    if (lower == "off" || lower == "no" || lower == "false" || lower == "0" ||
        lower == "disabled") {
        out = false;
        return true;
    }
    return false;
}

std::optional<std::uint64_t> parsePciId(std::string_view text)
{
    if (startsWith(text, "0x") || startsWith(text, "0X")) {
        text.remove_prefix(2);
    }
    if (text.empty() || text.size() > 8) {
        return std::nullopt;
    }
    std::uint64_t value = 0;
    for (const char c : text) {
        int digit = 0;
        if (c >= '0' && c <= '9') {
            digit = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            digit = c - 'a' + 10;
        } else if (c >= 'A' && c <= 'F') {
            digit = c - 'A' + 10;
        } else {
            return std::nullopt;
        }
        value = value * 16 + static_cast<std::uint64_t>(digit);
    }
    return value;
}

std::optional<Error> applyEntry(GpuConfig& config, const std::string& origin, int line,
                                const std::string& key, const std::string& value)
{
    const auto bad = [&](const std::string& expected) {
        return lineError(origin, line,
                         "invalid " + key + "=\"" + value + "\" (expected " + expected + ")");
    };
    const auto intIn = [&](long long lo, long long hi) -> std::optional<long long> {
        const auto v = parseInt(value);
        if (!v || *v < lo || *v > hi) {
            return std::nullopt;
        }
        return v;
    };

    if (key == "model") {
        // The name lands in CSV output, so a comma would shift every later column.
        if (value.empty() || value.size() > 96 || value.find(',') != std::string::npos) {
            return bad("a product name of 1-96 characters without commas");
        }
        config.model = value;
    } else if (key == "count") {
        const auto v = intIn(1, 8);
        if (!v) {
            return bad("an integer from 1 to 8");
        }
        config.count = static_cast<int>(*v);
    } else if (key == "memory_mib") {
        const auto v = intIn(1024, 1048576);
        if (!v) {
            return bad("an integer from 1024 to 1048576");
        }
        config.memoryMiB = *v;
    } else if (key == "power_limit_w") {
        const auto v = parseDouble(value);
        if (!v || *v < 10.0 || *v > 2000.0) {
            return bad("watts from 10 to 2000");
        }
        config.powerLimitW = *v;
    } else if (key == "max_sm_clock_mhz") {
        const auto v = intIn(100, 5000);
        if (!v) {
            return bad("an integer from 100 to 5000");
        }
        config.maxSmClockMHz = static_cast<int>(*v);
    } else if (key == "idle_sm_clock_mhz") {
        const auto v = intIn(1, 5000);
        if (!v) {
            return bad("an integer from 1 to 5000");
        }
        config.idleSmClockMHz = static_cast<int>(*v);
    } else if (key == "mem_clock_mhz") {
        const auto v = intIn(100, 20000);
        if (!v) {
            return bad("an integer from 100 to 20000");
        }
        config.memClockMHz = static_cast<int>(*v);
    } else if (key == "driver") {
        // The table layouts reproduced here are those of drivers 535 and later.
        if (!isVersion(value, 2, 3) || (parseInt(split(value, '.').front()).value_or(0) < 535)) {
            return bad("a driver version such as 535.129.03, 535 or later");
        }
        config.driver = value;
    } else if (key == "cuda") {
        if (!isVersion(value, 2, 2)) {
            return bad("a CUDA version such as 12.2");
        }
        config.cuda = value;
    } else if (key == "idle_pstate") {
        const auto n =
            value.size() >= 2 && value[0] == 'P' ? parseInt(value.substr(1)) : std::nullopt;
        if (!n || *n < 0 || *n > 15) {
            return bad("a performance state P0 to P15");
        }
        config.idlePstate = value;
    } else if (key == "compute_cap") {
        if (!isVersion(value, 2, 2)) {
            return bad("a compute capability such as 8.0");
        }
        config.computeCap = value;
    } else if (key == "vbios") {
        if (value.empty() || value.size() > 32 || value.find(',') != std::string::npos) {
            return bad("a VBIOS version such as 92.00.45.00.06");
        }
        config.vbios = value;
    } else if (key == "pci_device_id" || key == "pci_sub_device_id") {
        const auto v = parsePciId(value);
        if (!v) {
            return bad("a 32-bit hex id such as 0x20B210DE");
        }
        (key == "pci_device_id" ? config.pciDeviceId : config.pciSubDeviceId) = *v;
    } else if (key == "persistence" || key == "fan" || key == "mig") {
        bool flag = false;
        if (!parseBool(value, flag)) {
            return bad("on or off");
        }
        if (key == "persistence") {
            config.persistence = flag;
        } else if (key == "fan") {
            config.hasFan = flag;
        } else {
            config.migCapable = flag;
        }
    } else if (key == "ecc") {
        const std::string lower = toLower(value);
        if (lower == "on" || lower == "enabled") {
            config.ecc = EccMode::Enabled;
        } else if (lower == "off" || lower == "disabled") {
            config.ecc = EccMode::Disabled;
        } else if (lower == "na" || lower == "n/a" || lower == "none") {
            config.ecc = EccMode::NotSupported;
        } else {
            return bad("on, off or na");
        }
    } else if (key == "seed") {
        if (value.empty()) {
            return bad("any non-empty text");
        }
        config.seed = hashString(value);
    } else {
        return lineError(origin, line, "unknown key \"" + key + "\"");
    }
    return std::nullopt;
}

void applyModelPreset(GpuConfig& config)
{
    // Only what gpu.conf leaves out is taken from here; figures are those the real boards
    // report (nvidia-smi -q of each model).
    const auto has = [&](const char* part) { return config.model.find(part) != std::string::npos; };
    const auto datacenter = [&](long long memoryMiB, double powerW, int maxSm, int idleSm,
                                int memClock, const char* cap, std::uint64_t deviceId) {
        config.memoryMiB = memoryMiB;
        config.powerLimitW = powerW;
        config.maxSmClockMHz = maxSm;
        config.idleSmClockMHz = idleSm;
        config.memClockMHz = memClock;
        config.computeCap = cap;
        config.pciDeviceId = deviceId;
    };
    if (has("H200")) {
        datacenter(143771, 700, 1980, 345, 3201, "9.0", 0x233510DE);
    } else if (has("H100")) {
        datacenter(81559, 700, 1980, 345, 2619, "9.0", 0x233010DE);
    } else if (has("A100")) {
        if (has("40GB")) {
            config.memoryMiB = 40960;
            config.pciDeviceId = 0x20B010DE;
        }
    } else if (has("L40S")) {
        datacenter(46068, 350, 2520, 210, 9001, "8.9", 0x26B910DE);
        config.migCapable = false;
    } else if (has("L4")) {
        datacenter(23034, 72, 2040, 210, 6251, "8.9", 0x27B810DE);
        config.migCapable = false;
        config.idlePstate = "P8";
    } else if (has("A10")) {
        datacenter(23028, 150, 1695, 210, 6251, "8.6", 0x223610DE);
        config.migCapable = false;
        config.idlePstate = "P8";
    } else if (has("T4")) {
        datacenter(15360, 70, 1590, 300, 5000, "7.5", 0x1EB810DE);
        config.migCapable = false;
        config.idlePstate = "P8";
    } else if (has("GeForce") || has("RTX")) {
        config.migCapable = false;
        config.hasFan = true;
        config.ecc = EccMode::NotSupported;
        config.idlePstate = "P8";
    }
}

} // namespace

int GpuConfig::driverMajor() const
{
    return static_cast<int>(parseInt(split(driver, '.').front()).value_or(0));
}

std::string sandboxDir()
{
    if (const char* dir = std::getenv("GPUDECK_SANDBOX_DIR"); dir && *dir) {
        return dir;
    }
    const char* home = std::getenv("HOME");
    return std::string(home && *home ? home : "/tmp") + "/.gpudeck-sim";
}

std::string runDir()
{
    return sandboxDir() + "/run";
}

Result<GpuConfig> loadConfig(const std::string& sandboxDirectory)
{
    // Without a seed line every instance still gets its own UUIDs and jitter, because the
    // instance directory differs.
    const std::uint64_t defaultSeed = hashString(sandboxDirectory);
    const std::string path = sandboxDirectory + "/gpu.conf";
    const auto text = readFile(path);
    if (!text) {
        GpuConfig config;
        config.seed = defaultSeed;
        return config;
    }
    return parseConfig(*text, path, defaultSeed);
}

Result<GpuConfig> parseConfig(std::string_view text, const std::string& origin,
                              std::uint64_t defaultSeed)
{
    struct Entry {
        int line;
        std::string key;
        std::string value;
    };
    std::vector<Entry> entries;
    int lineNumber = 0;
    for (const auto& rawLine : split(text, '\n')) {
        ++lineNumber;
        const std::string line = trim(rawLine);
        if (line.empty() || line.front() == '#') {
            continue;
        }
        const auto eq = line.find('=');
        if (eq == std::string::npos) {
            return lineError(origin, lineNumber, "expected key=value, got \"" + line + "\"");
        }
        entries.push_back({lineNumber, trim(std::string_view(line).substr(0, eq)),
                           trim(std::string_view(line).substr(eq + 1))});
    }

    GpuConfig config;
    config.seed = defaultSeed;
    // The model decides the defaults of everything else, so it is applied first.
    std::stable_partition(entries.begin(), entries.end(),
                          [](const Entry& e) { return e.key == "model"; });
    bool presetApplied = false;
    for (const Entry& entry : entries) {
        if (!presetApplied && entry.key != "model") {
            applyModelPreset(config);
            presetApplied = true;
        }
        if (auto error = applyEntry(config, origin, entry.line, entry.key, entry.value)) {
            return *error;
        }
    }
    if (!presetApplied) {
        applyModelPreset(config);
    }
    return config;
}

} // namespace gpudeck::simgpu
