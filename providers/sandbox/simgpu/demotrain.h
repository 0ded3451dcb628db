#pragma once

#include "util.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gpudeck::simgpu {

struct TrainOptions {
    int epochs = 20;
    int steps = 200;
    int stepMs = 40;
    std::optional<std::string> logPath;
    std::uint64_t seed = 42;
};

[[nodiscard]] Result<TrainOptions> parseTrainArgs(const std::vector<std::string>& args);

// Keras 2 Progbar pieces, reproduced to the character so that log parsers written against
// real `model.fit(verbose=1)` output read the demo job too.
[[nodiscard]] std::string kerasBar(int current, int target);
[[nodiscard]] std::string kerasMetric(double value);
[[nodiscard]] std::string kerasTimePerStep(double seconds);
[[nodiscard]] std::string kerasEta(double seconds);

// gpudeck-demo-train: a fake training job that loads the simulated GPUs while it runs.
[[nodiscard]] int runDemoTrain(const std::vector<std::string>& args, const std::string& argv0);

} // namespace gpudeck::simgpu
