#pragma once

#include "result.h"
#include "sshsession.h"
#include "types.h"

#include <QObject>

#include <functional>

namespace gpudeck {

struct AppPaths;

// How to reach an instance over SSH with GPUDeck's key and known_hosts.
[[nodiscard]] ssh::Endpoint endpointFor(const Instance& instance, const QString& keyPath,
                                        const AppPaths& paths);

// Runs one command line in the instance's login shell, as `ssh host COMMAND` does, and returns
// its exit status. Only for lines a person typed (gpudeck-cli exec) or fixed ones without data:
// GPUDeck's own commands pass paths and text as arguments through ssh::remoteCommand(). Blocking:
// call it from a worker thread in the GUI. The host key must match what the provider reported, or
// be known, or (with AcceptNew) is recorded; with Ask, `asker` is asked.
[[nodiscard]] Result<int> runRemote(
    const ssh::Endpoint& endpoint, const QString& command, const ssh::Session::OutputFn& output,
    ssh::HostKeyPolicy policy = ssh::HostKeyPolicy::Strict,
    const std::atomic_bool* cancel = nullptr,
    QDeadlineTimer deadline = QDeadlineTimer(QDeadlineTimer::Forever), ssh::Asker* asker = nullptr);

// Runs a line ssh::remoteCommand() built on the thread pool (host key Strict, `timeoutMs` at most)
// and calls `done` on `context`'s thread, unless `context` is gone by then: with what it
// printed, or an error (also for a non-zero exit status, with what it printed).
void runRemoteAsync(QObject* context, const ssh::Endpoint& endpoint, const QString& command,
                    int timeoutMs, std::function<void(Result<QByteArray>)> done);

// Removes what GPUDeck's known_hosts records for the instance's address, so the next connection
// sees its key as new (and asks, unless a provider vouches for it). Only after the user said,
// twice, that they know why the key changed. Returns how many entries were removed.
[[nodiscard]] Result<int> forgetHostKey(const Instance& instance, const AppPaths& paths);

} // namespace gpudeck
