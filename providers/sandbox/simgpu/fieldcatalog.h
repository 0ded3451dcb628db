#pragma once

#include <string_view>

namespace gpudeck::simgpu {

// One property accepted by --query-gpu / --query-compute-apps. The CSV header always names
// the canonical spelling, whichever alias was asked for, followed by " [unit]" when the
// property has one.
struct FieldSpec {
    std::string_view name;
    std::string_view alias;
    std::string_view unit;
};

[[nodiscard]] const FieldSpec* findGpuField(std::string_view name);
[[nodiscard]] const FieldSpec* findComputeAppField(std::string_view name);

} // namespace gpudeck::simgpu
