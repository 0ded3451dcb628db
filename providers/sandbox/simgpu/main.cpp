// gpudeck-simgpu: the simulated GPU of a GPUDeck Sandbox instance. One executable answers as
// `nvidia-smi` and as `gpudeck-demo-train` (chosen by the name it is started under, or by its
// first argument), so the instance's bin folder only needs two symlinks.

#include "demotrain.h"
#include "smi.h"
#include "util.h"

#include <string>
#include <vector>

#include <unistd.h>

#ifndef GPUDECK_VERSION
#define GPUDECK_VERSION "dev"
#endif

namespace {

std::string baseName(const std::string& path)
{
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

} // namespace

int main(int argc, char** argv)
{
    using namespace gpudeck::simgpu;

    std::vector<std::string> args(argv + 1, argv + argc);
    const std::string argv0 = argc > 0 ? argv[0] : "gpudeck-simgpu";
    std::string personality = baseName(argv0);
    std::string processName = argv0;
    if (personality != "nvidia-smi" && personality != "gpudeck-demo-train" && !args.empty() &&
        (args.front() == "nvidia-smi" || args.front() == "gpudeck-demo-train")) {
        personality = args.front();
        args.erase(args.begin());
    }

    if (personality == "nvidia-smi") {
        return runNvidiaSmi(args);
    }
    if (personality == "gpudeck-demo-train") {
        return runDemoTrain(args, processName);
    }
    if (args.size() == 1 && args.front() == "--version") {
        (void)writeAll(STDOUT_FILENO, "gpudeck-simgpu " GPUDECK_VERSION "\n");
        return exitcode::Success;
    }
    (void)writeAll(STDERR_FILENO,
                   "usage: gpudeck-simgpu nvidia-smi [ARGS...]\n"
                   "       gpudeck-simgpu gpudeck-demo-train [ARGS...]\n"
                   "or start it through a symlink named nvidia-smi or gpudeck-demo-train.\n");
    return exitcode::InvalidArgument;
}
