#pragma once

#include "config.h"
#include "fieldcatalog.h"
#include "gpumodel.h"
#include "util.h"

#include <string>
#include <string_view>
#include <vector>

namespace gpudeck::simgpu {

enum class QueryKind { Gpu, ComputeApps };

struct CsvFormat {
    bool header = true;
    bool units = true;
};

// Splits "index,name,memory.used" and looks every name up; the first unknown one is
// reported the way nvidia-smi reports it.
[[nodiscard]] Result<std::vector<const FieldSpec*>> resolveFields(std::string_view list,
                                                                  QueryKind kind);

[[nodiscard]] std::string csvHeader(const std::vector<const FieldSpec*>& fields);

// One row per selected GPU (--query-gpu) or per process and GPU (--query-compute-apps).
[[nodiscard]] std::string csvRows(QueryKind kind, const std::vector<const FieldSpec*>& fields,
                                  const CsvFormat& format, const GpuConfig& config,
                                  const Snapshot& snapshot, const std::vector<int>& gpuIndices);

// "2026/07/14 08:12:38.696", local time, as in the timestamp property.
[[nodiscard]] std::string csvTimestamp(double epochSeconds);

} // namespace gpudeck::simgpu
