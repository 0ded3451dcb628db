#include "smi.h"

#include "config.h"
#include "gpumodel.h"
#include "query.h"
#include "smitable.h"
#include "trainstate.h"

#include <csignal>

#include <unistd.h>

namespace gpudeck::simgpu {

namespace {

volatile std::sig_atomic_t g_stopRequested = 0;

void requestStop(int)
{
    g_stopRequested = 1;
}

void installLoopSignals()
{
    struct sigaction action {};
    action.sa_handler = requestStop;
    sigemptyset(&action.sa_mask);
    // No SA_RESTART: the sleep between samples must return early so that a kill is prompt.
    action.sa_flags = 0;
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGHUP, &action, nullptr);
}

const std::string HelpHint = " Please run 'nvidia-smi -h' for help.\n\n";

Error usageError(const std::string& text)
{
    return Error{exitcode::InvalidArgument, text + HelpHint, true};
}

Error unrecognized(const std::string& option)
{
    return usageError("ERROR: Option " + option + " is not recognized.");
}

struct ArgReader {
    const std::vector<std::string>& args;
    std::size_t pos = 0;

    // Value of an option spelled "--name=value", "--name value" or "-x value".
    Result<std::string> valueFor(const std::string& arg, const std::string& name)
    {
        if (arg.size() > name.size() && arg[name.size()] == '=') {
            return arg.substr(name.size() + 1);
        }
        if (pos + 1 >= args.size()) {
            return usageError("ERROR: Option " + name + " is missing its value.");
        }
        return args[++pos];
    }
};

bool matches(const std::string& arg, const std::string& name)
{
    return arg == name || (startsWith(arg, name + "=") && startsWith(name, "--"));
}

Result<double> parseInterval(const std::string& option, const std::string& value, double scale)
{
    const auto n = parseInt(value);
    if (!n || *n <= 0 || *n > 86400000) {
        return usageError("ERROR: Option " + option + " has an invalid value \"" + value + "\".");
    }
    return static_cast<double>(*n) * scale;
}

Result<CsvFormat> parseFormat(const std::string& text)
{
    CsvFormat format;
    bool csv = false;
    for (const auto& raw : split(text, ',')) {
        const std::string token = trim(raw);
        if (token == "csv") {
            csv = true;
        } else if (token == "noheader") {
            format.header = false;
        } else if (token == "nounits") {
            format.units = false;
        } else {
            return usageError("ERROR: Option --format has an invalid value \"" + text + "\".");
        }
    }
    if (!csv) {
        return usageError("ERROR: Option --format requires \"csv\".");
    }
    return format;
}

Result<std::vector<int>> selectGpus(const std::optional<std::string>& ids, const GpuConfig& config)
{
    std::vector<int> indices;
    if (!ids) {
        for (int i = 0; i < config.count; ++i) {
            indices.push_back(i);
        }
        return indices;
    }
    for (const auto& raw : split(*ids, ',')) {
        const std::string id = trim(raw);
        int found = -1;
        for (int i = 0; i < config.count && found < 0; ++i) {
            const GpuIdentity identity = gpuIdentity(config, i);
            if (parseInt(id) == i || id == identity.uuid ||
                toLower(id) == toLower(identity.busId) ||
                toLower(id) == toLower(identity.busId.substr(4))) {
                found = i;
            }
        }
        if (found < 0) {
            return Error{exitcode::NotFound, "No devices were found\n", true};
        }
        indices.push_back(found);
    }
    return indices;
}

std::string versionText(const GpuConfig& config)
{
    const auto parts = split(config.driver, '.');
    const std::string nvml = parts.size() >= 2 ? parts[0] + "." + parts[1] : config.driver;
    std::string text =
        "NVIDIA-SMI version  : " + config.driver + "\nNVML version        : " + nvml + "\n";
    if (config.driverMajor() >= 600) {
        return text + "DRIVER version      : Deprecated, see \"KMD version\" instead\n" +
               "CUDA version        : Deprecated, see \"CUDA UMD version\" instead\n" +
               "KMD version         : " + config.driver + "\nCUDA UMD version    : " + config.cuda +
               "\n";
    }
    return text + "DRIVER version      : " + config.driver +
           "\nCUDA Version        : " + config.cuda + "\n";
}

std::string helpText(const GpuConfig& config)
{
    return "NVIDIA System Management Interface -- v" + config.driver +
           "\n\n"
           "GPUDeck Sandbox simulation of nvidia-smi. Supported options:\n\n"
           "    -h,   --help                Print usage information and exit.\n"
           "          --version             Print version information and exit.\n"
           "    -L,   --list-gpus           Display a list of GPUs connected to the system.\n"
           "    <no arguments>              Show a summary of GPUs connected to the system.\n"
           "    -i,   --id=                 Target a specific GPU.\n"
           "    -l,   --loop=               Probe until Ctrl+C at specified second interval.\n"
           "    -lms, --loop-ms=            Probe until Ctrl+C at specified millisecond "
           "interval.\n"
           "    --query-gpu                 Information about GPU.\n"
           "    --query-compute-apps        List of currently active compute processes.\n"
           "    --format=                   csv[,noheader][,nounits]\n";
}

std::string listText(const GpuConfig& config)
{
    std::string text;
    for (int i = 0; i < config.count; ++i) {
        text += "GPU " + std::to_string(i) + ": " + config.model +
                " (UUID: " + gpuIdentity(config, i).uuid + ")\n";
    }
    return text;
}

int fail(const Error& error)
{
    (void)writeAll(error.onStdout ? STDOUT_FILENO : STDERR_FILENO, error.message);
    return error.exitCode;
}

} // namespace

Result<SmiOptions> parseSmiArgs(const std::vector<std::string>& args)
{
    SmiOptions options;
    bool queryGiven = false;
    ArgReader reader{args};
    const auto setMode = [&](SmiOptions::Mode mode) -> std::optional<Error> {
        const bool isQuery =
            mode == SmiOptions::Mode::QueryGpu || mode == SmiOptions::Mode::QueryComputeApps;
        if (isQuery && queryGiven) {
            return Error{exitcode::InvalidArgument,
                         "Only one --query-* switch can be used at a time.\n", true};
        }
        queryGiven = queryGiven || isQuery;
        options.mode = mode;
        return std::nullopt;
    };

    for (; reader.pos < args.size(); ++reader.pos) {
        const std::string& arg = args[reader.pos];
        if (arg == "-h" || arg == "--help") {
            options.mode = SmiOptions::Mode::Help;
            return options;
        }
        if (arg == "--version") {
            options.mode = SmiOptions::Mode::Version;
            return options;
        }
        if (arg == "-L" || arg == "--list-gpus") {
            options.mode = SmiOptions::Mode::List;
        } else if (matches(arg, "--query-gpu") || matches(arg, "--query-compute-apps")) {
            const bool gpu = startsWith(arg, "--query-gpu");
            const std::string name = gpu ? "--query-gpu" : "--query-compute-apps";
            auto value = reader.valueFor(arg, name);
            if (!value.ok()) {
                return value.error();
            }
            if (trim(value.value()).empty()) {
                return usageError("ERROR: Option " + name + " is missing its value.");
            }
            if (auto error = setMode(gpu ? SmiOptions::Mode::QueryGpu
                                         : SmiOptions::Mode::QueryComputeApps)) {
                return *error;
            }
            options.fieldList = value.value();
        } else if (matches(arg, "--format")) {
            auto value = reader.valueFor(arg, "--format");
            if (!value.ok()) {
                return value.error();
            }
            options.format = value.value();
        } else if (arg == "-l" || matches(arg, "--loop")) {
            const std::string name = arg == "-l" ? "-l" : "--loop";
            auto value = reader.valueFor(arg, name);
            if (!value.ok()) {
                return value.error();
            }
            auto interval = parseInterval(name, value.value(), 1.0);
            if (!interval.ok()) {
                return interval.error();
            }
            options.intervalS = interval.value();
        } else if (arg == "-lms" || matches(arg, "--loop-ms")) {
            const std::string name = arg == "-lms" ? "-lms" : "--loop-ms";
            auto value = reader.valueFor(arg, name);
            if (!value.ok()) {
                return value.error();
            }
            auto interval = parseInterval(name, value.value(), 0.001);
            if (!interval.ok()) {
                return interval.error();
            }
            options.intervalS = interval.value();
        } else if (arg == "-i" || matches(arg, "--id")) {
            auto value = reader.valueFor(arg, arg == "-i" ? "-i" : "--id");
            if (!value.ok()) {
                return value.error();
            }
            options.ids = value.value();
        } else {
            return unrecognized(arg);
        }
    }

    const bool isQuery = options.mode == SmiOptions::Mode::QueryGpu ||
                         options.mode == SmiOptions::Mode::QueryComputeApps;
    if (isQuery && !options.format) {
        return usageError("\"--format=\" switch is missing.");
    }
    return options;
}

int runNvidiaSmi(const std::vector<std::string>& args)
{
    auto parsed = parseSmiArgs(args);
    if (!parsed.ok()) {
        return fail(parsed.error());
    }
    const SmiOptions& options = parsed.value();

    auto loaded = loadConfig(sandboxDir());
    if (!loaded.ok()) {
        return fail(loaded.error());
    }
    const GpuConfig& config = loaded.value();

    switch (options.mode) {
    case SmiOptions::Mode::Help:
        return writeAll(STDOUT_FILENO, helpText(config)) ? exitcode::Success : exitcode::OtherError;
    case SmiOptions::Mode::Version:
        return writeAll(STDOUT_FILENO, versionText(config)) ? exitcode::Success
                                                            : exitcode::OtherError;
    case SmiOptions::Mode::List:
        return writeAll(STDOUT_FILENO, listText(config)) ? exitcode::Success : exitcode::OtherError;
    case SmiOptions::Mode::Table:
    case SmiOptions::Mode::QueryGpu:
    case SmiOptions::Mode::QueryComputeApps:
        break;
    }

    auto gpus = selectGpus(options.ids, config);
    if (!gpus.ok()) {
        return fail(gpus.error());
    }
    const bool table = options.mode == SmiOptions::Mode::Table;
    const QueryKind kind =
        options.mode == SmiOptions::Mode::QueryGpu ? QueryKind::Gpu : QueryKind::ComputeApps;
    std::vector<const FieldSpec*> fields;
    CsvFormat format;
    if (!table) {
        auto resolved = resolveFields(options.fieldList, kind);
        if (!resolved.ok()) {
            return fail(resolved.error());
        }
        fields = resolved.value();
        auto parsedFormat = parseFormat(*options.format);
        if (!parsedFormat.ok()) {
            return fail(parsedFormat.error());
        }
        format = parsedFormat.value();
    }

    // A reader that goes away (head, a closed SSH channel) ends the loop through EPIPE.
    std::signal(SIGPIPE, SIG_IGN);
    if (options.intervalS) {
        installLoopSignals();
    }

    const std::string runDirectory = runDir();
    double deadline = monotonicSeconds();
    // In a loop the CSV header is printed once, above the first sample.
    bool headerPending = !table && format.header;
    while (g_stopRequested == 0) {
        const Activity activity = readActivity(runDirectory);
        const Snapshot snapshot = takeSnapshot(config, activity, nowEpochSeconds());
        std::string out;
        if (table) {
            out = renderTable(config, snapshot, gpus.value());
        } else {
            if (headerPending) {
                out = csvHeader(fields);
                headerPending = false;
            }
            out += csvRows(kind, fields, format, config, snapshot, gpus.value());
        }
        if (!writeAll(STDOUT_FILENO, out)) {
            return exitcode::Success;
        }
        if (!options.intervalS) {
            break;
        }
        deadline += *options.intervalS;
        // Skip sample slots missed while the machine was busy instead of bursting to catch up.
        const double now = monotonicSeconds();
        if (deadline < now) {
            deadline = now;
        }
        while (g_stopRequested == 0 && !sleepUntil(deadline)) {
        }
    }
    return exitcode::Success;
}

} // namespace gpudeck::simgpu
