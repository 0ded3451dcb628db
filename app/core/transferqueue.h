#pragma once

#include "provider.h"
#include "sshsession.h"
#include "transfer.h"

#include <QDateTime>
#include <QHash>
#include <QObject>
#include <QTimer>

#include <memory>
#include <optional>

namespace gpudeck {

class Fleet;

// One transfer to queue: which machine, how to reach it, and what to move.
struct TransferRequest {
    QString instanceId; // the machine, for the UI (the Files tab, the destroy flow)
    ssh::Endpoint endpoint;
    ssh::HostKeyPolicy hostKeyPolicy = ssh::HostKeyPolicy::Strict;
    ssh::TransferSpec spec;
};

// An item of the queue as the UI shows it.
struct TransferItem {
    enum class State {
        Queued,     // waiting for a free slot (or, with retryAt set, to try again)
        Connecting, // opening its SSH connection
        Running,    // moving bytes (see progress.phase)
        Paused,     // stopped by the user; the partial data is kept for resume()
        Done,
        Skipped,   // nothing to do (ConflictPolicy::Skip, or already there and up to date)
        Failed,    // see error; retry() continues from what arrived
        Cancelled, // stopped by the user; partial data removed
    };

    quint64 id = 0;
    TransferRequest request;
    State state = State::Queued;
    ssh::TransferProgress progress; // bytes and files done and total, phase, current file
    double bytesPerSecond = 0;      // moving average over the last few seconds
    qint64 etaSeconds = -1;         // -1 while unknown
    std::optional<Error> error;     // why it failed (Failed)
    ssh::TransferOutcome outcome;   // Done and Skipped
    QDateTime queuedAt;
    QDateTime startedAt; // of the latest attempt
    QDateTime finishedAt;
    int attempts = 0;
    // After a dropped connection the item is queued again by itself (a few times, with
    // growing pauses) and continues from what arrived: when it will try, and how often it has.
    QDateTime retryAt;
    int autoRetries = 0;

    // The file or folder name to show.
    [[nodiscard]] QString name() const;
    [[nodiscard]] bool isFinished() const;
    [[nodiscard]] bool isActive() const; // Connecting or Running
};

// The transfer queue of the application: items run on worker threads, each with its own SSH
// session (one libssh session per thread), at most maxParallel() at once, in the order they
// were added. It lives on the UI thread and reports through signals; nothing here blocks.
//
// Pause stops an item and keeps what arrived; resume() queues it again and it continues from
// there. Cancel stops it and removes its partial data. Retry queues a failed or cancelled item
// again (a failed one continues from what arrived). An item whose connection dropped is retried
// by itself after 2, 5 and 15 s before it counts as failed.
class TransferQueue final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TransferQueue)
public:
    // Three at once: enough to keep a link busy while one item is between files or finishing,
    // few enough that each gets a useful share and the server's MaxSessions is not reached.
    static constexpr int kDefaultParallel = 3;
    // Automatic retries after a dropped connection (a Wi-Fi hiccup, a NAT timeout, a reboot).
    static constexpr int kAutoRetries = 3;

    explicit TransferQueue(QObject* parent = nullptr);
    // Stops every running item (keeping its partial data) and waits for its thread.
    ~TransferQueue() override;

    // How to reach `instance` with GPUDeck's key and known_hosts, for `spec`.
    [[nodiscard]] static TransferRequest requestFor(const Fleet& fleet, const Instance& instance,
                                                    ssh::TransferSpec spec);

    quint64 add(TransferRequest request);
    quint64 upload(const Fleet& fleet, const Instance& instance, const QString& localPath,
                   const QString& remoteDir);
    quint64 download(const Fleet& fleet, const Instance& instance, const QString& remotePath,
                     const QString& localDir);

    // "Download this folder before destroying": queues the download (so it shows with
    // progress and can be cancelled) and calls `done` once it has ended: the outcome when it
    // completed, else the error (ErrorCode::Cancelled when the user cancelled it). Destroy only
    // on success. Always checked with SHA-256 against the machine's copy: after the destroy
    // there is no second chance. Returns the item's id.
    quint64 downloadThen(const Fleet& fleet, const Instance& instance, const QString& remotePath,
                         const QString& localDir, Callback<ssh::TransferOutcome> done);
    // The same for any request.
    quint64 addThen(TransferRequest request, Callback<ssh::TransferOutcome> done);

    void pause(quint64 id);
    void resume(quint64 id);
    void cancel(quint64 id);
    void retry(quint64 id);
    void pauseAll();
    void resumeAll();
    void cancelAll();
    void retryFailed();
    // Forgets a finished item.
    void remove(quint64 id);
    void clearFinished();

    void setMaxParallel(int n);
    [[nodiscard]] int maxParallel() const { return m_maxParallel; }

    [[nodiscard]] QList<quint64> ids() const { return m_order; }
    [[nodiscard]] const TransferItem* item(quint64 id) const;

    struct Totals {
        qint64 bytesDone = 0;
        qint64 bytesTotal = 0; // of items whose size is known
        double bytesPerSecond = 0;
        qint64 etaSeconds = -1;
        int queued = 0;
        int active = 0;
        int paused = 0;
        int done = 0;
        int failed = 0;
    };
    // Over the items not yet finished, plus those done since the last clearFinished().
    [[nodiscard]] Totals totals() const;

signals:
    void itemAdded(quint64 id);
    // State or progress changed (progress at most about 10 times a second per item).
    void itemChanged(quint64 id);
    // Done, Skipped, Failed, Cancelled (and Paused, which also ends its run).
    void itemFinished(quint64 id);
    void itemRemoved(quint64 id);
    void totalsChanged();

private:
    struct Job;
    void startNext();
    void launch(TransferItem& item);
    void onProgress(quint64 id, quint64 run, const ssh::TransferProgress& progress);
    void onState(quint64 id, quint64 run, TransferItem::State state);
    void onFinished(quint64 id, quint64 run, const Result<ssh::TransferOutcome>& result);
    void stop(quint64 id, bool discard);
    void requeue(TransferItem& item);
    [[nodiscard]] int activeCount() const;

    QList<quint64> m_order;
    QHash<quint64, TransferItem> m_items;
    QHash<quint64, std::shared_ptr<Job>> m_jobs;
    QHash<quint64, Callback<ssh::TransferOutcome>> m_then;
    quint64 m_nextId = 1;
    quint64 m_nextRun = 1;
    int m_maxParallel = kDefaultParallel;
    QTimer m_retryTimer; // wakes startNext() for the next item waiting to retry
};

} // namespace gpudeck
