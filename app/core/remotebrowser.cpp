#include "remotebrowser.h"

#include "handoff.h"

#include <QPointer>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace gpudeck {

struct RemoteBrowser::Worker {
    ssh::Endpoint endpoint;
    std::thread thread;
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::function<void()>> jobs;
    bool stopping = false;
    // Owned and used by the worker thread only.
    std::unique_ptr<ssh::Session> session;
    std::unique_ptr<ssh::SftpClient> sftp;

    Result<void> ensureOpen()
    {
        if (sftp && sftp->isOpen() && session && session->isConnected())
            return {};
        sftp.reset();
        session = std::make_unique<ssh::Session>();
        Result<void> connected = session->connect(endpoint, ssh::HostKeyPolicy::Strict);
        if (!connected.ok())
            return connected;
        sftp = std::make_unique<ssh::SftpClient>(*session);
        return sftp->open();
    }

    void loop()
    {
        for (;;) {
            std::function<void()> job;
            {
                std::unique_lock lock(mu);
                cv.wait(lock, [this] { return stopping || !jobs.empty(); });
                if (stopping)
                    break;
                job = std::move(jobs.front());
                jobs.pop_front();
            }
            job();
        }
        sftp.reset();
        session.reset();
    }
};

RemoteBrowser::RemoteBrowser(ssh::Endpoint endpoint, QObject* parent)
    : QObject(parent)
    , m_worker(std::make_unique<Worker>())
{
    m_worker->endpoint = std::move(endpoint);
    m_worker->thread = std::thread([w = m_worker.get()] { w->loop(); });
}

RemoteBrowser::~RemoteBrowser()
{
    {
        std::lock_guard lock(m_worker->mu);
        m_worker->stopping = true;
    }
    m_worker->cv.notify_all();
    m_worker->thread.join();
}

template <typename T>
void RemoteBrowser::run(std::function<Result<T>(ssh::SftpClient&)> job,
                        std::function<void(Result<T>)> reply)
{
    QPointer<RemoteBrowser> self(this);
    Worker* w = m_worker.get();
    std::lock_guard lock(w->mu);
    w->jobs.push_back([w, self, job = std::move(job), reply = std::move(reply)]() mutable {
        Result<void> open = w->ensureOpen();
        Result<T> r = open.ok() ? job(*w->sftp) : Result<T>(open.error());
        // A dropped connection: reconnect once and try again.
        if (!r.ok() && (r.error().code == ErrorCode::Network || !w->session->isConnected())) {
            w->sftp.reset();
            open = w->ensureOpen();
            r = open.ok() ? job(*w->sftp) : Result<T>(open.error());
        }
        postTo(self,
               [reply = std::move(reply), r = std::move(r)]() mutable { reply(std::move(r)); });
    });
    w->cv.notify_one();
}

void RemoteBrowser::list(const QString& dir,
                         std::function<void(Result<QList<ssh::RemoteEntry>>, QString)> done)
{
    auto resolved = std::make_shared<QString>();
    run<QList<ssh::RemoteEntry>>(
        [dir, resolved](ssh::SftpClient& sftp) -> Result<QList<ssh::RemoteEntry>> {
            Result<QString> expanded = sftp.expand(dir);
            if (!expanded.ok())
                return expanded.error();
            Result<QString> real = sftp.realPath(expanded.value());
            *resolved = real.ok() ? real.value() : expanded.value();
            return sftp.list(*resolved, true);
        },
        [done = std::move(done), resolved](Result<QList<ssh::RemoteEntry>> r) {
            done(std::move(r), *resolved);
        });
}

void RemoteBrowser::mkdir(const QString& path, std::function<void(Result<void>)> done)
{
    run<void>([path](ssh::SftpClient& sftp) { return sftp.mkdir(path); }, std::move(done));
}

void RemoteBrowser::rename(const QString& from, const QString& to,
                           std::function<void(Result<void>)> done)
{
    run<void>([from, to](ssh::SftpClient& sftp) { return sftp.rename(from, to); }, std::move(done));
}

void RemoteBrowser::remove(const QString& path, std::function<void(Result<void>)> done)
{
    run<void>([path](ssh::SftpClient& sftp) { return sftp.removeRecursively(path); },
              std::move(done));
}

void RemoteBrowser::chmod(const QString& path, int mode, std::function<void(Result<void>)> done)
{
    run<void>([path, mode](ssh::SftpClient& sftp) { return sftp.chmod(path, mode); },
              std::move(done));
}

} // namespace gpudeck
