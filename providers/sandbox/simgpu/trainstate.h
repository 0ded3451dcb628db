#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gpudeck::simgpu {

// <run dir>/train.state, written by gpudeck-demo-train while it runs (key=value lines).
struct TrainState {
    long pid = 0;
    double startTime = 0;             // epoch seconds
    unsigned long long procStart = 0; // /proc/<pid>/stat starttime, 0 where /proc is absent
    std::string processName;
    int epochs = 0;
    int steps = 0;
    int stepMs = 0;
    int epoch = 0; // the epoch in progress, 1-based
    std::uint64_t seed = 0;
};

// <run dir>/train.last, left behind when a run ends so the GPUs can cool down gradually.
struct LastRun {
    double startTime = 0;
    double endTime = 0;
};

// Whether the GPUs are busy right now, derived from the two files above.
struct Activity {
    bool busy = false;
    TrainState state;               // valid when busy
    std::optional<LastRun> lastRun; // the most recent finished run, when idle
};

[[nodiscard]] std::string trainStatePath(const std::string& runDirectory);
[[nodiscard]] std::string lastRunPath(const std::string& runDirectory);

[[nodiscard]] std::string serializeTrainState(const TrainState& state);
[[nodiscard]] std::optional<TrainState> parseTrainState(std::string_view text);
[[nodiscard]] std::string serializeLastRun(const LastRun& run);
[[nodiscard]] std::optional<LastRun> parseLastRun(std::string_view text);

// /proc/<pid>/stat field 22; recorded so that a recycled pid is not mistaken for the trainer.
[[nodiscard]] std::optional<unsigned long long> processStartTicks(long pid);
[[nodiscard]] bool isProcessAlive(long pid, unsigned long long procStart);

[[nodiscard]] Activity readActivity(const std::string& runDirectory);

} // namespace gpudeck::simgpu
