#include "trainstate.h"

#include "util.h"

#include <cerrno>
#include <csignal>
#include <map>

#include <sys/types.h>

namespace gpudeck::simgpu {

namespace {

std::map<std::string, std::string> parseKeyValues(std::string_view text)
{
    std::map<std::string, std::string> values;
    for (const auto& line : split(text, '\n')) {
        const auto eq = line.find('=');
        if (eq != std::string::npos) {
            values[trim(line.substr(0, eq))] = trim(line.substr(eq + 1));
        }
    }
    return values;
}

std::string formatTime(double t)
{
    return formatFixed(t, 3);
}

} // namespace

std::string trainStatePath(const std::string& runDirectory)
{
    return runDirectory + "/train.state";
}

std::string lastRunPath(const std::string& runDirectory)
{
    return runDirectory + "/train.last";
}

std::string serializeTrainState(const TrainState& state)
{
    return "pid=" + std::to_string(state.pid) + "\nstart=" + formatTime(state.startTime) +
           "\nproc_start=" + std::to_string(state.procStart) + "\nname=" + state.processName +
           "\nepochs=" + std::to_string(state.epochs) + "\nsteps=" + std::to_string(state.steps) +
           "\nstep_ms=" + std::to_string(state.stepMs) + "\nepoch=" + std::to_string(state.epoch) +
           "\nseed=" + std::to_string(state.seed) + "\n";
}

std::optional<TrainState> parseTrainState(std::string_view text)
{
    const auto values = parseKeyValues(text);
    const auto get = [&](const char* key) -> std::string {
        const auto it = values.find(key);
        return it == values.end() ? std::string() : it->second;
    };
    const auto pid = parseInt(get("pid"));
    const auto start = parseDouble(get("start"));
    if (!pid || *pid <= 0 || !start) {
        return std::nullopt;
    }
    TrainState state;
    state.pid = static_cast<long>(*pid);
    state.startTime = *start;
    state.procStart = static_cast<unsigned long long>(parseInt(get("proc_start")).value_or(0));
    state.processName = get("name");
    state.epochs = static_cast<int>(parseInt(get("epochs")).value_or(0));
    state.steps = static_cast<int>(parseInt(get("steps")).value_or(0));
    state.stepMs = static_cast<int>(parseInt(get("step_ms")).value_or(0));
    state.epoch = static_cast<int>(parseInt(get("epoch")).value_or(0));
    state.seed = parseUInt64(get("seed")).value_or(0);
    return state;
}

std::string serializeLastRun(const LastRun& run)
{
    return "start=" + formatTime(run.startTime) + "\nend=" + formatTime(run.endTime) + "\n";
}

std::optional<LastRun> parseLastRun(std::string_view text)
{
    const auto values = parseKeyValues(text);
    const auto startIt = values.find("start");
    const auto endIt = values.find("end");
    if (startIt == values.end() || endIt == values.end()) {
        return std::nullopt;
    }
    LastRun run;
    run.startTime = parseDouble(startIt->second).value_or(-1.0);
    run.endTime = parseDouble(endIt->second).value_or(-1.0);
    if (run.startTime < 0 || run.endTime < run.startTime) {
        return std::nullopt;
    }
    return run;
}

std::optional<unsigned long long> processStartTicks(long pid)
{
    const auto stat = readFile("/proc/" + std::to_string(pid) + "/stat");
    if (!stat) {
        return std::nullopt;
    }
    // The command name (field 2) may contain spaces and parentheses; fields after the last
    // ')' are plain numbers. starttime is field 22, i.e. the 20th after the ')'.
    const auto close = stat->rfind(')');
    if (close == std::string::npos) {
        return std::nullopt;
    }
    const auto fields = split(trim(std::string_view(*stat).substr(close + 1)), ' ');
    if (fields.size() < 20) {
        return std::nullopt;
    }
    const auto ticks = parseInt(fields[19]);
    if (!ticks || *ticks < 0) {
        return std::nullopt;
    }
    return static_cast<unsigned long long>(*ticks);
}

bool isProcessAlive(long pid, unsigned long long procStart)
{
    if (pid <= 0 || (::kill(static_cast<pid_t>(pid), 0) != 0 && errno != EPERM)) {
        return false;
    }
    const auto stat = readFile("/proc/" + std::to_string(pid) + "/stat");
    if (!stat) {
        // No procfs (or the process vanished in between): trust kill().
        return procStart == 0;
    }
    const auto close = stat->rfind(')');
    if (close != std::string::npos && close + 2 < stat->size() && (*stat)[close + 2] == 'Z') {
        return false; // finished, only waiting for its parent to reap it
    }
    return procStart == 0 || processStartTicks(pid) == procStart;
}

Activity readActivity(const std::string& runDirectory)
{
    Activity activity;
    const std::string statePath = trainStatePath(runDirectory);
    if (const auto text = readFile(statePath)) {
        if (const auto state = parseTrainState(*text)) {
            if (isProcessAlive(state->pid, state->procStart)) {
                activity.busy = true;
                activity.state = *state;
                return activity;
            }
            // Killed without a chance to clean up: the file's last update is the best
            // estimate of when the load stopped.
            if (const auto mtime = fileModifiedTime(statePath);
                mtime && *mtime >= state->startTime) {
                activity.lastRun = LastRun{state->startTime, *mtime};
            }
        }
    }
    if (const auto text = readFile(lastRunPath(runDirectory))) {
        if (const auto run = parseLastRun(*text);
            run && (!activity.lastRun || run->endTime > activity.lastRun->endTime)) {
            activity.lastRun = run;
        }
    }
    return activity;
}

} // namespace gpudeck::simgpu
