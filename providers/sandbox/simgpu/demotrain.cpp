#include "demotrain.h"

#include "config.h"
#include "trainstate.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

namespace gpudeck::simgpu {

namespace {

volatile std::sig_atomic_t g_stopSignal = 0;

void requestStop(int signal)
{
    g_stopSignal = signal;
}

constexpr int BarWidth = 30;               // keras.utils.Progbar default width
constexpr double ProgressIntervalS = 0.05; // Progbar default refresh interval
constexpr double InitialLoss = 0.6931;     // binary cross-entropy of a coin flip, ln 2

Error argError(const std::string& text)
{
    return Error{exitcode::InvalidArgument,
                 "gpudeck-demo-train: " + text +
                     "\nusage: gpudeck-demo-train [--epochs N] [--steps S] [--step-ms MS] "
                     "[--log FILE] [--seed N]\n"};
}

double clampd(double v, double lo, double hi)
{
    return std::min(std::max(v, lo), hi);
}

// A plausible binary classifier: loss falls from ln 2 towards a floor, accuracy follows it,
// both with batch-to-batch noise; fully determined by the seed.
class LossModel {
public:
    LossModel(std::uint64_t seed, int totalSteps)
        : m_seed(mix64(seed))
        , m_tau(std::max(1.0, totalSteps / 4.0))
        , m_start(InitialLoss + 0.004 * gaussian(m_seed, 0, 100))
        , m_floor(0.10 + 0.08 * unit01(m_seed, 0, 101))
    {}

    double base(int step) const { return m_floor + (m_start - m_floor) * std::exp(-step / m_tau); }
    double stepLoss(int step) const
    {
        return base(step) * (1.0 + 0.06 * gaussian(m_seed, static_cast<std::uint64_t>(step), 1));
    }
    double stepAccuracy(int step) const
    {
        return clampd(accuracyFor(base(step)) +
                          0.015 * gaussian(m_seed, static_cast<std::uint64_t>(step), 2),
                      0.0, 1.0);
    }
    double valLoss(int epoch, int lastStep) const
    {
        return base(lastStep) *
               (1.04 + 0.03 * gaussian(m_seed, static_cast<std::uint64_t>(epoch), 3));
    }
    double valAccuracy(int epoch, double valLossValue) const
    {
        return clampd(accuracyFor(valLossValue) +
                          0.005 * gaussian(m_seed, static_cast<std::uint64_t>(epoch), 4),
                      0.0, 1.0);
    }

private:
    static double accuracyFor(double loss)
    {
        return 0.5 + 0.5 * std::pow(clampd(1.0 - loss / InitialLoss, 0.0, 1.0), 0.6);
    }

    std::uint64_t m_seed;
    double m_tau;
    double m_start;
    double m_floor;
};

Result<int> intOption(const std::string& name, const std::string& value, int lo, int hi)
{
    const auto n = parseInt(value);
    if (!n || *n < lo || *n > hi) {
        return argError("invalid value for " + name + ": \"" + value + "\" (expected " +
                        std::to_string(lo) + "-" + std::to_string(hi) + ")");
    }
    return static_cast<int>(*n);
}

// Output goes to stdout and, line by line, to the --log file; a vanished reader must not stop
// the job, so write failures are ignored.
class Output {
public:
    explicit Output(int logFd)
        : m_logFd(logFd)
        , m_tty(::isatty(STDOUT_FILENO) == 1)
    {}

    bool tty() const { return m_tty; }

    void line(const std::string& text)
    {
        (void)writeAll(STDOUT_FILENO, text + "\n");
        if (m_logFd >= 0) {
            (void)writeAll(m_logFd, text + "\n");
        }
    }
    void terminalOnly(const std::string& text) { (void)writeAll(STDOUT_FILENO, text); }

private:
    int m_logFd;
    bool m_tty;
};

class StateFile {
public:
    StateFile(std::string runDirectory, TrainState state)
        : m_runDir(std::move(runDirectory))
        , m_state(std::move(state))
    {}

    bool write() { return writeFileAtomic(trainStatePath(m_runDir), serializeTrainState(m_state)); }
    void setEpoch(int epoch)
    {
        m_state.epoch = epoch;
        (void)write();
    }
    // Leaves train.last for the cool-down curve and drops train.state if it is still ours.
    void finish()
    {
        (void)writeFileAtomic(lastRunPath(m_runDir),
                              serializeLastRun(LastRun{m_state.startTime, nowEpochSeconds()}));
        const std::string path = trainStatePath(m_runDir);
        if (const auto text = readFile(path)) {
            if (const auto current = parseTrainState(*text);
                current && current->pid == m_state.pid) {
                ::unlink(path.c_str());
            }
        }
    }

private:
    std::string m_runDir;
    TrainState m_state;
};

std::string formatEpochSeconds(double seconds)
{
    return formatFixed(seconds, 0) + "s";
}

} // namespace

Result<TrainOptions> parseTrainArgs(const std::vector<std::string>& args)
{
    TrainOptions options;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        const auto eq = arg.find('=');
        const std::string name = startsWith(arg, "--") ? arg.substr(0, eq) : arg;
        const auto value = [&]() -> std::optional<std::string> {
            if (eq != std::string::npos && startsWith(arg, "--")) {
                return arg.substr(eq + 1);
            }
            if (i + 1 < args.size()) {
                return args[++i];
            }
            return std::nullopt;
        };
        if (name == "--epochs" || name == "--steps" || name == "--step-ms" || name == "--log" ||
            name == "--seed") {
            const auto v = value();
            if (!v) {
                return argError(name + " needs a value");
            }
            if (name == "--log") {
                if (v->empty()) {
                    return argError("--log needs a file name");
                }
                options.logPath = *v;
                continue;
            }
            if (name == "--seed") {
                const auto seed = parseUInt64(*v);
                if (!seed) {
                    return argError("invalid value for --seed: \"" + *v + "\"");
                }
                options.seed = *seed;
                continue;
            }
            // A minute per step and a hundred thousand epochs are far beyond any demo.
            const auto n = name == "--epochs"  ? intOption(name, *v, 1, 100000)
                           : name == "--steps" ? intOption(name, *v, 1, 10000000)
                                               : intOption(name, *v, 0, 60000);
            if (!n.ok()) {
                return n.error();
            }
            (name == "--epochs"  ? options.epochs
             : name == "--steps" ? options.steps
                                 : options.stepMs) = n.value();
        } else {
            return argError("unknown option \"" + arg + "\"");
        }
    }
    return options;
}

std::string kerasBar(int current, int target)
{
    const int digits = static_cast<int>(std::floor(std::log10(static_cast<double>(target)))) + 1;
    std::string bar = padLeft(std::to_string(current), static_cast<std::size_t>(digits)) + "/" +
                      std::to_string(target) + " [";
    const int progWidth = static_cast<int>(BarWidth * static_cast<double>(current) / target);
    if (progWidth > 0) {
        bar += std::string(static_cast<std::size_t>(progWidth - 1), '=');
        bar += current < target ? '>' : '=';
    }
    bar += std::string(static_cast<std::size_t>(BarWidth - progWidth), '.');
    return bar + "]";
}

std::string kerasMetric(double value)
{
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, std::abs(value) > 1e-3 ? "%.4f" : "%.4e", value);
    return buffer;
}

std::string kerasTimePerStep(double seconds)
{
    if (seconds >= 1.0 || seconds == 0.0) {
        return formatFixed(seconds, 0) + "s/step";
    }
    if (seconds >= 1e-3) {
        return formatFixed(seconds * 1e3, 0) + "ms/step";
    }
    return formatFixed(seconds * 1e6, 0) + "us/step";
}

std::string kerasEta(double seconds)
{
    const long eta = static_cast<long>(seconds);
    char buffer[64];
    if (eta > 3600) {
        std::snprintf(buffer, sizeof buffer, "%ld:%02ld:%02ld", eta / 3600, (eta % 3600) / 60,
                      eta % 60);
    } else if (eta > 60) {
        std::snprintf(buffer, sizeof buffer, "%ld:%02ld", eta / 60, eta % 60);
    } else {
        std::snprintf(buffer, sizeof buffer, "%lds", eta);
    }
    return buffer;
}

int runDemoTrain(const std::vector<std::string>& args, const std::string& argv0)
{
    for (const auto& arg : args) {
        if (arg == "-h" || arg == "--help") {
            (void)writeAll(STDOUT_FILENO,
                           "usage: gpudeck-demo-train [--epochs N (20)] [--steps S (200)] "
                           "[--step-ms MS (40)] [--log FILE] [--seed N (42)]\n"
                           "Prints Keras-style training progress and keeps the Sandbox's "
                           "simulated GPUs busy while it runs.\n");
            return exitcode::Success;
        }
    }
    auto parsed = parseTrainArgs(args);
    if (!parsed.ok()) {
        (void)writeAll(STDERR_FILENO, parsed.error().message);
        return parsed.error().exitCode;
    }
    const TrainOptions& options = parsed.value();

    const std::string runDirectory = runDir();
    if (!makeDirs(runDirectory)) {
        (void)writeAll(STDERR_FILENO, "gpudeck-demo-train: cannot create " + runDirectory + ": " +
                                          std::strerror(errno) + "\n");
        return 1;
    }
    if (const auto text = readFile(trainStatePath(runDirectory))) {
        if (const auto other = parseTrainState(*text);
            other && other->pid != ::getpid() && isProcessAlive(other->pid, other->procStart)) {
            (void)writeAll(STDERR_FILENO, "gpudeck-demo-train: another training run (pid " +
                                              std::to_string(other->pid) +
                                              ") is already using the GPUs of " + sandboxDir() +
                                              "\n");
            return 1;
        }
    }

    int logFd = -1;
    if (options.logPath) {
        logFd = ::open(options.logPath->c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (logFd < 0) {
            (void)writeAll(STDERR_FILENO, "gpudeck-demo-train: cannot open " + *options.logPath +
                                              ": " + std::strerror(errno) + "\n");
            return 1;
        }
    }

    struct sigaction action {};
    action.sa_handler = requestStop;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0; // no SA_RESTART: the step sleep must end early on a stop request
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGHUP, &action, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    TrainState state;
    state.pid = ::getpid();
    state.startTime = nowEpochSeconds();
    state.procStart = processStartTicks(state.pid).value_or(0);
    state.processName = argv0;
    state.epochs = options.epochs;
    state.steps = options.steps;
    state.stepMs = options.stepMs;
    state.epoch = 1;
    state.seed = options.seed;
    StateFile stateFile(runDirectory, state);
    if (!stateFile.write()) {
        (void)writeAll(STDERR_FILENO, "gpudeck-demo-train: cannot write " +
                                          trainStatePath(runDirectory) + ": " +
                                          std::strerror(errno) + "\n");
        return 1;
    }

    Output out(logFd);
    const LossModel model(options.seed, options.epochs * options.steps);
    const double stepS = options.stepMs / 1000.0;
    std::size_t shownWidth = 0; // Keras erases the previous progress line by its width

    for (int epoch = 1; epoch <= options.epochs && g_stopSignal == 0; ++epoch) {
        stateFile.setEpoch(epoch);
        out.line("Epoch " + std::to_string(epoch) + "/" + std::to_string(options.epochs));
        const double epochStart = monotonicSeconds();
        double lastShown = -1.0;
        double lossSum = 0;
        double accuracySum = 0;
        int done = 0;
        for (int step = 1; step <= options.steps; ++step) {
            const double deadline = epochStart + step * stepS;
            while (g_stopSignal == 0 && !sleepUntil(deadline)) {
            }
            if (g_stopSignal != 0) {
                break;
            }
            const int global = (epoch - 1) * options.steps + step - 1;
            lossSum += model.stepLoss(global);
            accuracySum += model.stepAccuracy(global);
            done = step;
            const double now = monotonicSeconds();
            if (out.tty() && step < options.steps && now - lastShown >= ProgressIntervalS) {
                lastShown = now;
                const double perStep = (now - epochStart) / step;
                const std::string text = kerasBar(step, options.steps) +
                                         " - ETA: " + kerasEta(perStep * (options.steps - step)) +
                                         " - loss: " + kerasMetric(lossSum / step) +
                                         " - accuracy: " + kerasMetric(accuracySum / step);
                std::string frame = std::string(shownWidth, '\b') + "\r" + text;
                if (shownWidth > text.size()) {
                    frame += std::string(shownWidth - text.size(), ' ');
                }
                shownWidth = text.size();
                out.terminalOnly(frame);
            }
        }
        if (g_stopSignal != 0) {
            if (out.tty() && shownWidth > 0) {
                out.terminalOnly("\n");
            }
            break;
        }
        const double elapsed = monotonicSeconds() - epochStart;
        const int lastStep = epoch * options.steps - 1;
        const double valLoss = model.valLoss(epoch, lastStep);
        const std::string text =
            kerasBar(done, options.steps) + " - " + formatEpochSeconds(elapsed) + " " +
            kerasTimePerStep(elapsed / done) + " - loss: " + kerasMetric(lossSum / done) +
            " - accuracy: " + kerasMetric(accuracySum / done) +
            " - val_loss: " + kerasMetric(valLoss) +
            " - val_accuracy: " + kerasMetric(model.valAccuracy(epoch, valLoss));
        if (out.tty() && shownWidth > 0) {
            std::string erase = std::string(shownWidth, '\b') + "\r";
            if (shownWidth > text.size()) {
                erase += std::string(shownWidth - text.size(), ' ') + "\r";
            }
            out.terminalOnly(erase);
        }
        shownWidth = 0;
        out.line(text);
    }

    stateFile.finish();
    if (logFd >= 0) {
        ::close(logFd);
    }
    return g_stopSignal != 0 ? 128 + g_stopSignal : exitcode::Success;
}

} // namespace gpudeck::simgpu
