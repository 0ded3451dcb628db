#include "execchannel.h"

#include "remotecommand.h"
#include "transferlog.h"

#include <QDeadlineTimer>

#include <libssh/libssh.h>

#include <poll.h>

namespace gpudeck::ssh {

namespace {

// Enough of a command's stderr to explain a failure; a chatty command cannot fill memory.
constexpr qsizetype kMaxStderr = 64 << 10;
// Output finish() discards is kept up to this much: enough for a marker or a short answer.
constexpr qsizetype kMaxDiscardedKept = 4096;
// Opening channels waits at most this long for the server's answers.
constexpr int kStartTimeoutMs = 60000;

} // namespace

ExecChannel::ExecChannel(Session& session)
    : m_session(session)
{}

ExecChannel::~ExecChannel()
{
    if (m_channel) {
        if (ssh_channel_is_open(m_channel))
            ssh_channel_close(m_channel);
        ssh_channel_free(m_channel);
    }
}

Error ExecChannel::dropped() const
{
    return m_session.sshError(
        ErrorCode::Network,
        QStringLiteral("The connection to %1 dropped during the transfer. Resume it when the "
                       "machine is reachable again; what arrived is kept.")
            .arg(m_session.where()));
}

Result<void> ExecChannel::start(const QString& command)
{
    return startAll({this}, {command});
}

Result<void> ExecChannel::startAll(const std::vector<ExecChannel*>& channels,
                                   const QStringList& commands)
{
    if (channels.empty())
        return {};
    Session& session = channels.front()->m_session;
    ssh_session s = session.handle();
    if (!s || !session.isConnected())
        return makeError(ErrorCode::Network,
                         QStringLiteral("Not connected to %1.").arg(session.where()));
    for (const QString& command : commands) {
        if (!isRemoteCommand(command))
            return makeError(ErrorCode::Internal,
                             QStringLiteral("Refused to send a command line to %1 that was not "
                                            "built by remoteCommand(): %2")
                                 .arg(session.where(), command));
    }
    std::vector<int> stage(channels.size(), 0); // 0: opening, 1: exec sent, 2: running
    std::vector<QByteArray> utf8;
    for (size_t i = 0; i < channels.size(); ++i) {
        ExecChannel* c = channels[i];
        c->m_command = commands.at(static_cast<qsizetype>(i));
        utf8.push_back(c->m_command.toUtf8());
        c->m_channel = ssh_channel_new(s);
        if (!c->m_channel)
            return session.sshError(ErrorCode::Internal,
                                    QStringLiteral("Could not create an SSH channel."));
    }
    // Non-blocking, every request goes out before any answer is awaited.
    ssh_set_blocking(s, 0);
    const QDeadlineTimer deadline(kStartTimeoutMs);
    Result<void> result;
    for (;;) {
        bool allRunning = true;
        for (size_t i = 0; i < channels.size() && result.ok(); ++i) {
            ssh_channel ch = channels[i]->m_channel;
            if (stage[i] == 0) {
                const int rc = ssh_channel_open_session(ch);
                if (rc == SSH_OK)
                    stage[i] = 1;
                else if (rc == SSH_ERROR)
                    result = session.sshError(ErrorCode::Ssh,
                                              QStringLiteral("%1 would not open a channel for the "
                                                             "transfer.")
                                                  .arg(session.where()));
            }
            if (stage[i] == 1) {
                const int rc = ssh_channel_request_exec(ch, utf8[i].constData());
                if (rc == SSH_OK)
                    stage[i] = 2;
                else if (rc == SSH_ERROR)
                    result = session.sshError(
                        ErrorCode::Ssh,
                        QStringLiteral("%1 would not run a command (it may allow SFTP only).")
                            .arg(session.where()));
            }
            allRunning = allRunning && stage[i] == 2;
        }
        if (!result.ok() || allRunning)
            break;
        if (deadline.hasExpired()) {
            result = makeError(ErrorCode::Timeout, QStringLiteral("%1 did not answer within %2 s.")
                                                       .arg(session.where())
                                                       .arg(kStartTimeoutMs / 1000));
            break;
        }
        pollfd fd{ssh_get_fd(s), POLLIN, 0};
        ::poll(&fd, 1, 20);
    }
    ssh_set_blocking(s, 1);
    if (result.ok()) {
        for (ExecChannel* c : channels)
            qCDebug(lcTransfer).noquote() << "started:" << c->m_command;
    }
    return result;
}

quint32 ExecChannel::window() const
{
    return m_channel ? ssh_channel_window_size(m_channel) : 0;
}

Result<qint64> ExecChannel::write(const char* data, qint64 size)
{
    const qint64 n = std::min<qint64>(size, window());
    if (n <= 0)
        return qint64(0);
    if (ssh_channel_is_closed(m_channel) || ssh_channel_is_eof(m_channel))
        return makeError(ErrorCode::Ssh,
                         QStringLiteral("The remote command ended early (`%1`).").arg(m_command));
    const int rc = ssh_channel_write(m_channel, data, static_cast<uint32_t>(n));
    if (rc == SSH_ERROR)
        return dropped();
    return qint64(rc);
}

Result<void> ExecChannel::writeAll(const char* data, qint64 size, const std::atomic_bool* cancel)
{
    qint64 done = 0;
    while (done < size) {
        if (cancel && cancel->load())
            return makeError(ErrorCode::Cancelled, QStringLiteral("Cancelled."));
        Result<qint64> n = write(data + done, size - done);
        if (!n.ok())
            return n.error();
        done += n.value();
        if (n.value() == 0) {
            Result<void> waited = waitForActivity({this}, 100);
            if (!waited.ok())
                return waited;
            collectErrorOutput();
            if (ssh_channel_is_closed(m_channel))
                return makeError(ErrorCode::Ssh, QStringLiteral("The remote command ended early "
                                                                "(`%1`).")
                                                     .arg(m_command));
        }
    }
    return {};
}

Result<void> ExecChannel::closeInput()
{
    if (m_inputClosed || !m_channel)
        return {};
    m_inputClosed = true;
    if (ssh_channel_is_closed(m_channel))
        return {};
    if (ssh_channel_send_eof(m_channel) == SSH_ERROR)
        return dropped();
    return {};
}

Result<qint64> ExecChannel::read(char* buffer, qint64 size, int timeoutMs)
{
    const uint32_t want = static_cast<uint32_t>(std::min<qint64>(size, 1 << 30));
    const int n = ssh_channel_read_timeout(m_channel, buffer, want, 0, timeoutMs);
    if (n == SSH_ERROR)
        return dropped();
    return qint64(std::max(n, 0));
}

bool ExecChannel::atEnd() const
{
    return !m_channel || ssh_channel_is_eof(m_channel) || ssh_channel_is_closed(m_channel);
}

void ExecChannel::collectErrorOutput()
{
    if (!m_channel)
        return;
    char buf[4096];
    for (;;) {
        const int n = ssh_channel_read_nonblocking(m_channel, buf, sizeof buf, 1);
        if (n <= 0)
            break;
        m_stderr.append(buf, n);
    }
    if (m_stderr.size() > kMaxStderr)
        m_stderr = m_stderr.right(kMaxStderr);
}

Result<int> ExecChannel::finish(const std::atomic_bool* cancel)
{
    if (!m_channel)
        return makeError(ErrorCode::Internal, QStringLiteral("finish before start"));
    Result<void> eof = closeInput();
    if (!eof.ok())
        return eof.error();
    // 32 KiB: one SSH packet of payload; the output left here is discarded anyway.
    char buf[32768];
    while (!atEnd()) {
        if (cancel && cancel->load())
            return makeError(ErrorCode::Cancelled, QStringLiteral("Cancelled."));
        const int n = ssh_channel_read_timeout(m_channel, buf, sizeof buf, 0, 100);
        if (n == SSH_ERROR)
            return dropped();
        if (n > 0 && m_discarded.size() < kMaxDiscardedKept)
            m_discarded.append(buf, std::min<qsizetype>(n, kMaxDiscardedKept - m_discarded.size()));
        collectErrorOutput();
    }
    collectErrorOutput();
    const int status = ssh_channel_get_exit_status(m_channel);
    collectErrorOutput();
    if (status < 0) {
        if (!m_session.isConnected())
            return dropped();
        return m_session.sshError(ErrorCode::Ssh,
                                  QStringLiteral("%1 did not report how `%2` ended (it may have "
                                                 "been killed).")
                                      .arg(m_session.where(), m_command));
    }
    return status;
}

Result<void> ExecChannel::waitForActivity(const std::vector<ExecChannel*>& channels, int timeoutMs)
{
    if (channels.empty())
        return {};
    Session& session = channels.front()->m_session;
    if (!session.isConnected())
        return channels.front()->dropped();
    // libssh handles incoming packets only inside a read; a zero-timeout read of stderr on a
    // channel that has not ended handles everything that arrived (for every channel) without
    // waiting, and what it reads is stderr we keep anyway.
    auto pump = [&]() -> Result<void> {
        for (ExecChannel* c : channels) {
            if (c->atEnd())
                continue;
            char buf[4096];
            const int n = ssh_channel_read_timeout(c->m_channel, buf, sizeof buf, 1, 0);
            if (n == SSH_ERROR)
                return c->dropped();
            if (n > 0)
                c->m_stderr.append(buf, n);
            c->collectErrorOutput();
            return {};
        }
        return {};
    };
    Result<void> pumped = pump();
    if (!pumped.ok())
        return pumped;
    pollfd fd{ssh_get_fd(session.handle()), POLLIN, 0};
    if (::poll(&fd, 1, timeoutMs) > 0) {
        pumped = pump();
        if (!pumped.ok())
            return pumped;
    }
    for (ExecChannel* c : channels)
        c->collectErrorOutput();
    if (!session.isConnected())
        return channels.front()->dropped();
    return {};
}

} // namespace gpudeck::ssh
