#pragma once

#include "processes.h"
#include "result.h"
#include "types.h"

#include <QString>

class QLockFile;

#include <mutex>

namespace gpudeck::sandbox {

struct Timing {
    int provisionMs = 1500; // requested -> booting
    int bootMs = 1500;      // booting -> sshd listening
    int destroyMs = 800;    // destroying -> gone
    // How long past its boot deadline a machine whose server is gone counts as stale (removed
    // at the next start) rather than still booting.
    int staleMs = 30000;
    // GPUDECK_SANDBOX_PROVISION_MS / _BOOT_MS / _DESTROY_MS / _STALE_MS override the defaults
    // (tests, demos).
    static Timing fromEnvironment();
};

// The Sandbox "cloud": one folder per machine under `root`, each running a real, unprivileged
// OpenSSH sshd on 127.0.0.1. Every call blocks briefly (files, ssh-keygen, /proc) and is safe
// to make from several threads and processes at once: changes happen under a lock file. The
// provider calls these from a worker thread.
class SandboxStore final {
public:
    SandboxStore(QString root, QString helperDir, Timing timing);

    [[nodiscard]] Result<QList<Instance>> list();
    [[nodiscard]] Result<Instance> get(const QString& id);
    [[nodiscard]] Result<Instance> launch(const LaunchRequest& request);
    [[nodiscard]] Result<Instance> stop(const QString& id);
    [[nodiscard]] Result<Instance> start(const QString& id);
    [[nodiscard]] Result<void> destroy(const QString& id);

    // Removes machines a crash or reboot left behind: folders without a record, half-finished
    // destroys, and machines whose server is gone. Returns the ids removed.
    QStringList cleanupStale();
    // The same, once per store: the provider calls it before its first operation.
    void cleanupStaleOnce();

    // The tag carried by every process of this machine (see processes.h).
    [[nodiscard]] static QString tagFor(const QString& id);
    [[nodiscard]] QString machineDir(const QString& id) const;
    // How to find every process of a machine (see processes.h).
    [[nodiscard]] MachineIdentity identityOf(const QString& id) const;

private:
    struct Record;
    [[nodiscard]] Result<Record> readRecord(const QString& id) const;
    // Takes the store's lock (held while `lock` lives) and reads the record of `id`.
    [[nodiscard]] Result<Record> lockAndRead(QLockFile& lock, const QString& id) const;
    [[nodiscard]] QString lockPath() const;
    [[nodiscard]] Result<void> writeRecord(const Record& record) const;
    [[nodiscard]] Instance describe(const Record& record) const;
    [[nodiscard]] Result<void> startServer(const Record& record, int delayMs) const;
    [[nodiscard]] Result<void> prepareMachine(const QString& dir, const Plan& plan,
                                              const LaunchRequest& request, int port) const;
    void removeMachine(const QString& id) const;

    QString m_root;
    QString m_helperDir;
    Timing m_timing;
    std::once_flag m_cleaned;
};

} // namespace gpudeck::sandbox
