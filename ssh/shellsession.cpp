#include "shellsession.h"

#include "handoff.h"

#include <QElapsedTimer>
#include <QLoggingCategory>

#include <libssh/libssh.h>

#include <condition_variable>
#include <fcntl.h>
#include <mutex>
#include <poll.h>
#include <thread>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcShell, "gpudeck.ssh.shell")

namespace gpudeck::ssh {

namespace {

// Stop reading from the network while this much output waits for the terminal. Everything
// queued for the UI thread is parsed before a keystroke's echo from another terminal can be
// shown, so this bounds echo latency during a flood: 128 KiB is about 10 ms of terminal
// parsing, and still four 32 KiB reads in flight, enough to keep a flood at full speed.
constexpr qint64 kMaxUnconsumed = 128 << 10;
// libssh channel reads come in packets of at most 32 KiB of payload.
constexpr int kReadChunk = 32768;

struct ChannelDeleter {
    void operator()(ssh_channel c) const
    {
        if (ssh_channel_is_open(c))
            ssh_channel_close(c);
        ssh_channel_free(c);
    }
};
using ChannelPtr = std::unique_ptr<std::remove_pointer_t<ssh_channel>, ChannelDeleter>;

} // namespace

struct ShellSession::Worker final : public Asker {
    const QPointer<ShellSession> owner; // made on the owner's thread, with the worker
    Options opt;
    std::thread thread;
    std::mutex mu;
    std::condition_variable cv;
    QByteArray pendingWrite;
    bool resizePending = false;
    bool stopping = false;
    std::optional<bool> hostKeyAnswer;
    std::optional<std::optional<QString>> promptAnswer;
    std::atomic<qint64> unconsumed{0};
    int wake[2] = {-1, -1};

    Worker(ShellSession* session, Options o)
        : owner(session)
        , opt(std::move(o))
    {
        if (::pipe2(wake, O_NONBLOCK | O_CLOEXEC) != 0)
            wake[0] = wake[1] = -1;
    }

    ~Worker() override
    {
        for (int fd : wake) {
            if (fd >= 0)
                ::close(fd);
        }
    }

    void poke()
    {
        if (wake[1] >= 0) {
            const char c = 1;
            (void)!::write(wake[1], &c, 1);
        }
    }

    void drainWake()
    {
        char buf[64];
        while (wake[0] >= 0 && ::read(wake[0], buf, sizeof buf) > 0) {
        }
    }

    bool isStopping()
    {
        std::lock_guard lock(mu);
        return stopping;
    }

    // The owner's signals are emitted on its thread, handed over by postTo (see handoff.h), and
    // only while it exists.
    void toOwner(std::function<void(ShellSession*)> fn)
    {
        postTo(owner, [q = owner, fn = std::move(fn)] { fn(q.data()); });
    }

    void setState(State s, const QString& message)
    {
        qCInfo(lcShell).noquote() << opt.endpoint.describe() << s << message;
        toOwner([s, message](ShellSession* q) { emit q->stateChanged(s, message); });
    }

    // Waits (interruptibly) for `ms`; false when stopping.
    bool sleepFor(int ms)
    {
        std::unique_lock lock(mu);
        cv.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stopping; });
        return !stopping;
    }

    bool acceptHostKey(const QString& where, const QString& fingerprint) override
    {
        {
            std::lock_guard lock(mu);
            hostKeyAnswer.reset();
        }
        toOwner(
            [where, fingerprint](ShellSession* q) { emit q->hostKeyQuestion(where, fingerprint); });
        std::unique_lock lock(mu);
        cv.wait(lock, [this] { return stopping || hostKeyAnswer.has_value(); });
        return !stopping && hostKeyAnswer.value_or(false);
    }

    std::optional<QString> answer(const QString& title, const QString& prompt, bool echo) override
    {
        {
            std::lock_guard lock(mu);
            promptAnswer.reset();
        }
        toOwner([title, prompt, echo](ShellSession* q) {
            emit q->promptRequested(title, prompt, echo);
        });
        std::unique_lock lock(mu);
        cv.wait(lock, [this] { return stopping || promptAnswer.has_value(); });
        if (stopping)
            return std::nullopt;
        return *promptAnswer;
    }

    // Runs one shell until it ends (true: ended by itself or stopped) or the connection drops
    // (false: reconnect).
    bool runShell(Session& session, bool reconnected)
    {
        ssh_session s = session.handle();
        ChannelPtr ch(ssh_channel_new(s));
        int cols = 0;
        int rows = 0;
        {
            std::lock_guard lock(mu);
            cols = opt.cols;
            rows = opt.rows;
            resizePending = false;
        }
        if (!ch || ssh_channel_open_session(ch.get()) != SSH_OK ||
            ssh_channel_request_pty_size(ch.get(), opt.term.constData(), cols, rows) != SSH_OK ||
            ssh_channel_request_shell(ch.get()) != SSH_OK) {
            const Error e = session.sshError(
                ErrorCode::Ssh, QStringLiteral("%1 would not open a shell.").arg(session.where()));
            setState(State::Failed, e.message);
            return true;
        }
        setState(State::Connected,
                 reconnected ? QStringLiteral("Reconnected to %1. This is a new shell: programs "
                                              "that ran in the old one were ended with it, "
                                              "unless they run under tmux, screen or nohup.")
                                   .arg(session.where())
                             : QStringLiteral("Connected to %1.").arg(session.where()));

        QElapsedTimer sinceKeepalive;
        sinceKeepalive.start();
        char buf[kReadChunk];
        for (;;) {
            QByteArray toWrite;
            bool resize = false;
            {
                std::lock_guard lock(mu);
                if (stopping)
                    return true;
                toWrite.swap(pendingWrite);
                resize = resizePending;
                resizePending = false;
                cols = opt.cols;
                rows = opt.rows;
            }
            if (resize)
                ssh_channel_change_pty_size(ch.get(), cols, rows);
            for (qsizetype off = 0; off < toWrite.size();) {
                const int n = ssh_channel_write(ch.get(), toWrite.constData() + off,
                                                static_cast<uint32_t>(toWrite.size() - off));
                if (n == SSH_ERROR)
                    return false;
                off += n;
            }
            bool got = false;
            if (unconsumed.load() < kMaxUnconsumed) {
                for (int isStderr : {0, 1}) {
                    const int n = ssh_channel_read_nonblocking(ch.get(), buf, sizeof buf, isStderr);
                    if (n == SSH_ERROR)
                        return false;
                    if (n > 0) {
                        got = true;
                        unconsumed += n;
                        toOwner(
                            [bytes = QByteArray(buf, n)](ShellSession* q) { emit q->data(bytes); });
                    }
                }
            }
            if (!ssh_is_connected(s))
                return false;
            if (!got && (ssh_channel_is_eof(ch.get()) || ssh_channel_is_closed(ch.get()))) {
                // The shell ended by itself: report its exit status, do not reconnect.
                const int status = ssh_channel_get_exit_status(ch.get());
                if (!ssh_is_connected(s))
                    return false;
                setState(State::Closed,
                         QStringLiteral("The shell ended (exit status %1). Open a new terminal "
                                        "to continue.")
                             .arg(status));
                toOwner([status](ShellSession* q) { emit q->finished(status); });
                return true;
            }
            if (got)
                continue; // more may be buffered: read again before sleeping
            if (sinceKeepalive.elapsed() >= opt.keepaliveSeconds * 1000) {
                if (ssh_send_ignore(s, "") != SSH_OK)
                    return false;
                sinceKeepalive.restart();
            }
            pollfd fds[2] = {{ssh_get_fd(s), POLLIN, 0}, {wake[0], POLLIN, 0}};
            // While the terminal is behind, only wait for our own wake-ups (consumed/write).
            const bool paused = unconsumed.load() >= kMaxUnconsumed;
            ::poll(paused ? fds + 1 : fds, paused ? 1 : 2, 200);
            drainWake();
        }
    }

    void run()
    {
        int attempt = 0;
        bool everConnected = false;
        while (!isStopping()) {
            setState(everConnected ? State::Reconnecting : State::Connecting,
                     QStringLiteral("Connecting to %1…").arg(opt.endpoint.describe()));
            Session session;
            const Result<void> connected = session.connect(opt.endpoint, opt.policy, this);
            if (isStopping())
                break;
            if (!connected.ok()) {
                const ErrorCode code = connected.error().code;
                const bool transient = code == ErrorCode::Network || code == ErrorCode::Timeout;
                if (code == ErrorCode::HostKeyChanged) {
                    toOwner([where = session.where(), known = session.knownFingerprint(),
                             server = session.serverFingerprint()](ShellSession* q) {
                        emit q->hostKeyChanged(where, known, server);
                    });
                }
                if (!transient || !opt.reconnect) {
                    setState(State::Failed, connected.error().message);
                    return;
                }
                const int delay = std::min(1 << std::min(attempt, 5), opt.maxReconnectDelaySeconds);
                ++attempt;
                setState(State::Reconnecting,
                         QStringLiteral("%1 Trying again in %2 s (attempt %3).")
                             .arg(connected.error().message)
                             .arg(delay)
                             .arg(attempt));
                if (!sleepFor(delay * 1000))
                    break;
                continue;
            }
            const bool ended = runShell(session, everConnected);
            everConnected = true;
            attempt = 0;
            unconsumed = 0;
            if (ended || !opt.reconnect) {
                if (!ended)
                    setState(State::Failed,
                             QStringLiteral("The connection to %1 dropped.").arg(session.where()));
                return;
            }
            setState(
                State::Reconnecting,
                QStringLiteral("The connection to %1 dropped; reconnecting…").arg(session.where()));
        }
        setState(State::Closed, QStringLiteral("Disconnected."));
    }
};

ShellSession::ShellSession(Options options, QObject* parent)
    : QObject(parent)
    , m_worker(std::make_unique<Worker>(this, std::move(options)))
{
    qRegisterMetaType<gpudeck::ssh::ShellSession::State>();
}

ShellSession::~ShellSession()
{
    stop();
}

void ShellSession::start()
{
    if (m_worker->thread.joinable())
        return;
    m_worker->thread = std::thread([w = m_worker.get()] { w->run(); });
}

void ShellSession::stop()
{
    {
        std::lock_guard lock(m_worker->mu);
        m_worker->stopping = true;
    }
    m_worker->cv.notify_all();
    m_worker->poke();
    if (m_worker->thread.joinable())
        m_worker->thread.join();
}

void ShellSession::write(const QByteArray& bytes)
{
    {
        std::lock_guard lock(m_worker->mu);
        m_worker->pendingWrite += bytes;
    }
    m_worker->poke();
}

void ShellSession::resize(int cols, int rows)
{
    {
        std::lock_guard lock(m_worker->mu);
        if (cols == m_worker->opt.cols && rows == m_worker->opt.rows)
            return;
        m_worker->opt.cols = cols;
        m_worker->opt.rows = rows;
        m_worker->resizePending = true;
    }
    m_worker->poke();
}

void ShellSession::consumed(qint64 bytes)
{
    const qint64 before = m_worker->unconsumed.fetch_sub(bytes);
    if (before >= kMaxUnconsumed && before - bytes < kMaxUnconsumed)
        m_worker->poke();
}

void ShellSession::answerHostKey(bool accept)
{
    {
        std::lock_guard lock(m_worker->mu);
        m_worker->hostKeyAnswer = accept;
    }
    m_worker->cv.notify_all();
}

void ShellSession::answerPrompt(const std::optional<QString>& answer)
{
    {
        std::lock_guard lock(m_worker->mu);
        m_worker->promptAnswer = answer;
    }
    m_worker->cv.notify_all();
}

} // namespace gpudeck::ssh
