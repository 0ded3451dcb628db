#pragma once

#include "sftpclient.h"

#include <QObject>

#include <functional>
#include <memory>

namespace gpudeck {

// The Files tab's view of one machine's file system: SFTP on its own connection and worker
// thread (one libssh session per thread). Requests queue up and run in order; each answer
// comes back as a callback on the owner's thread. Connects on first use and again after a
// dropped connection.
class RemoteBrowser final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RemoteBrowser)
public:
    explicit RemoteBrowser(ssh::Endpoint endpoint, QObject* parent = nullptr);
    ~RemoteBrowser() override;

    // `dir` may be "~" or "~/..."; the answer carries the absolute path that was listed.
    void list(const QString& dir,
              std::function<void(Result<QList<ssh::RemoteEntry>>, QString dir)> done);
    void mkdir(const QString& path, std::function<void(Result<void>)> done);
    void rename(const QString& from, const QString& to, std::function<void(Result<void>)> done);
    void remove(const QString& path, std::function<void(Result<void>)> done); // rm -r
    void chmod(const QString& path, int mode, std::function<void(Result<void>)> done);

private:
    struct Worker;
    // Runs `job` on the worker with an open SFTP client; `reply` gets its result here.
    template <typename T>
    void run(std::function<Result<T>(ssh::SftpClient&)> job, std::function<void(Result<T>)> reply);

    std::unique_ptr<Worker> m_worker;
};

} // namespace gpudeck
