#pragma once

#include "util.h"

#include <optional>
#include <string>
#include <vector>

namespace gpudeck::simgpu {

struct SmiOptions {
    enum class Mode { Table, QueryGpu, QueryComputeApps, List, Version, Help };
    Mode mode = Mode::Table;
    std::string fieldList;
    std::optional<std::string> format;
    std::optional<double> intervalS; // -l / -lms: sample until interrupted
    std::optional<std::string> ids;  // -i: indices, UUIDs or bus ids, comma separated
};

[[nodiscard]] Result<SmiOptions> parseSmiArgs(const std::vector<std::string>& args);

// The nvidia-smi front end; returns the process exit status.
[[nodiscard]] int runNvidiaSmi(const std::vector<std::string>& args);

} // namespace gpudeck::simgpu
