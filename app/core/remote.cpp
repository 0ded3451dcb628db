#include "remote.h"

#include "handoff.h"
#include "knownhosts.h"
#include "paths.h"
#include "remotecommand.h"

#include <QPointer>
#include <QScopeGuard>
#include <QThreadPool>

#include <openssl/crypto.h>

namespace gpudeck {

ssh::Endpoint endpointFor(const Instance& instance, const QString& keyPath, const AppPaths& paths)
{
    ssh::Endpoint ep;
    ep.host = instance.host;
    ep.port = instance.sshPort;
    ep.user = instance.user;
    ep.identityFile = keyPath;
    ep.knownHostsFile = paths.knownHosts();
    ep.expectedHostKeySha256 = instance.hostKeySha256;
    ep.useSshConfig = instance.viaSshConfig;
    // Machines a provider launched carry the key GPUDeck authorised on them: offer only that
    // one, so a crowded ssh-agent cannot exhaust the server's MaxAuthTries first. The user's
    // own hosts get the agent and their keys too.
    ep.identitiesOnly = !keyPath.isEmpty() && instance.identityFile.isEmpty();
    return ep;
}

Result<int> runRemote(const ssh::Endpoint& endpoint, const QString& command,
                      const ssh::Session::OutputFn& output, ssh::HostKeyPolicy policy,
                      const std::atomic_bool* cancel, QDeadlineTimer deadline, ssh::Asker* asker)
{
    // Runs last, after the session below is gone: frees the OpenSSL state libssh made on this
    // thread. Pool threads (most callers) are not joined the pthread way at exit, so a pool
    // thread still ending its life while OpenSSL's atexit cleanup runs freed that state twice
    // (a rare double free in nptl_deallocate_tsd under ASan; OpenSSL issue 6214). Freed here,
    // nothing is left for the thread's exit; the next connection on the thread makes it again.
    const auto releaseCrypto = qScopeGuard([] { OPENSSL_thread_stop(); });
    ssh::Session session;
    Result<void> connected = session.connect(endpoint, policy, asker);
    if (!connected.ok())
        return connected.error();
    // The line goes to the login shell as `ssh host COMMAND` would send it: that is what a person
    // typing `gpudeck-cli exec ID -- CMD` means. GPUDeck's own commands never come this way with
    // data in them (they use remoteCommand() with arguments).
    return session.exec(
        ssh::remoteCommand(QStringLiteral("exec \"${SHELL:-/bin/sh}\" -c \"$1\""), {command}),
        output, cancel, deadline);
}

void runRemoteAsync(QObject* context, const ssh::Endpoint& endpoint, const QString& command,
                    int timeoutMs, std::function<void(Result<QByteArray>)> done)
{
    QPointer<QObject> guard(context);
    QThreadPool::globalInstance()->start([guard, endpoint, command, timeoutMs,
                                          done = std::move(done)] {
        QByteArray out;
        Result<int> r = runRemote(
            endpoint, command, [&out](const QByteArray& b, bool) { out += b; },
            ssh::HostKeyPolicy::Strict, nullptr, QDeadlineTimer(timeoutMs));
        Result<QByteArray> result =
            !r.ok() ? Result<QByteArray>(r.error())
            : r.value() != 0
                ? Result<QByteArray>(makeError(ErrorCode::ProviderFailure,
                                               QStringLiteral("exit status %1 on the machine: %2")
                                                   .arg(r.value())
                                                   .arg(QString::fromUtf8(out).trimmed())))
                : Result<QByteArray>(out);
        postTo(guard, [done, result] { done(result); });
    });
}

Result<int> forgetHostKey(const Instance& instance, const AppPaths& paths)
{
    const ssh::Endpoint ep = endpointFor(instance, QString(), paths);
    return ssh::forgetHost(ep.knownHostsFile, ep.host, ep.port);
}

} // namespace gpudeck
