#pragma once

#include "result.h"
#include "sshsession.h"
#include "types.h"

namespace gpudeck {

struct AppPaths;

// How to reach an instance over SSH with GPUDeck's key and known_hosts.
[[nodiscard]] ssh::Endpoint endpointFor(const Instance& instance, const QString& keyPath,
                                        const AppPaths& paths);

// Runs one command on an instance and returns its exit status. Blocking: call it from a
// worker thread in the GUI. The host key must match what the provider reported, or be known,
// or (with AcceptNew) is recorded.
[[nodiscard]] Result<int>
runRemote(const ssh::Endpoint& endpoint, const QString& command,
          const ssh::Session::OutputFn& output,
          ssh::HostKeyPolicy policy = ssh::HostKeyPolicy::Strict,
          const std::atomic_bool* cancel = nullptr,
          QDeadlineTimer deadline = QDeadlineTimer(QDeadlineTimer::Forever));

} // namespace gpudeck
