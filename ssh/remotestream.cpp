#include "remotestream.h"

#include "handoff.h"
#include "remotecommand.h"

#include <condition_variable>
#include <mutex>
#include <thread>

namespace gpudeck::ssh {

struct RemoteStream::Worker {
    std::thread thread;
    std::mutex mu;
    std::condition_variable cv;
    std::atomic_bool stopping{false};

    // Waits `ms` unless stopped first; false when stopping.
    bool sleepFor(int ms)
    {
        std::unique_lock lock(mu);
        cv.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stopping.load(); });
        return !stopping;
    }
};

RemoteStream::RemoteStream(Endpoint endpoint, const QString& script, const QStringList& args,
                           QObject* parent)
    : QObject(parent)
    , m_endpoint(std::move(endpoint))
    , m_command(remoteCommand(script, args, RemoteLifetime::UntilChannelCloses))
    , m_worker(std::make_unique<Worker>())
{
    qRegisterMetaType<gpudeck::ssh::RemoteStream::State>();
}

RemoteStream::~RemoteStream()
{
    stop();
}

void RemoteStream::start()
{
    if (m_worker->thread.joinable())
        return;
    m_worker->stopping = false;
    Worker* w = m_worker.get();
    const Endpoint ep = m_endpoint;
    const QString command = m_command;
    // The worker only touches its copies; the signals of `this` are emitted on the owner's
    // thread, handed over by postTo (see handoff.h), and only while `this` exists. stop() (also
    // run by the destructor) joins the worker before `this` goes away.
    const QPointer<RemoteStream> owner(this);
    w->thread = std::thread([w, owner, ep, command] {
        auto state = [owner](State s, const QString& message) {
            postTo(owner, [owner, s, message] { emit owner->stateChanged(s, message); });
        };
        int attempt = 0;
        bool ran = false;
        while (!w->stopping) {
            state(ran ? State::Reconnecting : State::Connecting,
                  QStringLiteral("Connecting to %1…").arg(ep.describe()));
            Session session;
            // The host key must already be trusted (the provider's, or accepted in a terminal):
            // a background stream never asks.
            const Result<void> connected = session.connect(ep, HostKeyPolicy::Strict);
            if (w->stopping)
                break;
            if (!connected.ok()) {
                const ErrorCode code = connected.error().code;
                if (code != ErrorCode::Network && code != ErrorCode::Timeout) {
                    state(State::Failed, connected.error().message);
                    return;
                }
                const int delay = std::min(1 << std::min(attempt++, 5), 30);
                state(State::Reconnecting, QStringLiteral("%1 Trying again in %2 s.")
                                               .arg(connected.error().message)
                                               .arg(delay));
                if (!w->sleepFor(delay * 1000))
                    break;
                continue;
            }
            attempt = 0;
            ran = true;
            state(State::Running, QStringLiteral("Running on %1.").arg(session.where()));
            const Result<int> status = session.exec(
                command,
                [owner](const QByteArray& data, bool isStderr) {
                    postTo(owner, [owner, data, isStderr] {
                        if (isStderr)
                            emit owner->errorOutput(data);
                        else
                            emit owner->output(data);
                    });
                },
                &w->stopping);
            if (w->stopping)
                break;
            if (status.ok()) {
                state(State::Exited,
                      QStringLiteral("The command ended (exit status %1).").arg(status.value()));
                postTo(owner, [owner, code = status.value()] { emit owner->exited(code); });
                return;
            }
            state(State::Reconnecting, status.error().message);
            if (!w->sleepFor(1000))
                break;
        }
    });
}

void RemoteStream::stop()
{
    m_worker->stopping = true;
    m_worker->cv.notify_all();
    if (m_worker->thread.joinable())
        m_worker->thread.join();
}

} // namespace gpudeck::ssh
