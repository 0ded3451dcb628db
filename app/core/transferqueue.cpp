#include "transferqueue.h"

#include "fleet.h"
#include "handoff.h"
#include "remote.h"
#include "remotepath.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QTimer>

#include <deque>
#include <thread>

Q_LOGGING_CATEGORY(lcQueue, "gpudeck.transfer.queue")

namespace gpudeck {

namespace {

// Speed is averaged over this window: long enough to smooth the bursts of a window-limited
// stream, short enough to follow a link that slows down.
constexpr qint64 kSpeedWindowMs = 5000;
// Pauses before the automatic retries: a blip is over in seconds, a reboot takes a minute.
constexpr int kRetryDelayMs[TransferQueue::kAutoRetries] = {2000, 5000, 15000};

} // namespace

// The running side of one attempt of an item. Owned by the queue (UI thread); the worker
// thread reads the flags only.
struct TransferQueue::Job {
    quint64 run = 0;
    std::atomic_bool cancel{false};
    std::atomic_bool discard{false};
    std::thread thread;
    QElapsedTimer clock;
    std::deque<std::pair<qint64, qint64>> samples; // (ms, bytes moved)
    ssh::TransferProgress::Phase phase = ssh::TransferProgress::Phase::Preparing;
};

QString TransferItem::name() const
{
    const ssh::TransferSpec& s = request.spec;
    if (!s.targetName.isEmpty())
        return s.targetName;
    return s.direction == ssh::TransferDirection::Upload ? QFileInfo(s.source).fileName()
                                                         : ssh::remoteBaseName(s.source);
}

bool TransferItem::isFinished() const
{
    return state == State::Done || state == State::Skipped || state == State::Failed ||
           state == State::Cancelled;
}

bool TransferItem::isActive() const
{
    return state == State::Connecting || state == State::Running;
}

TransferQueue::TransferQueue(QObject* parent)
    : QObject(parent)
{
    m_retryTimer.setSingleShot(true);
    m_retryTimer.setTimerType(Qt::PreciseTimer);
    connect(&m_retryTimer, &QTimer::timeout, this, &TransferQueue::startNext);
}

TransferQueue::~TransferQueue()
{
    for (const std::shared_ptr<Job>& job : std::as_const(m_jobs))
        job->cancel = true;
    for (const std::shared_ptr<Job>& job : std::as_const(m_jobs)) {
        if (job->thread.joinable())
            job->thread.join();
    }
}

TransferRequest TransferQueue::requestFor(const Fleet& fleet, const Instance& instance,
                                          ssh::TransferSpec spec)
{
    TransferRequest r;
    r.instanceId = instance.id;
    r.endpoint = endpointFor(instance, fleet.keyPathFor(instance), fleet.paths());
    r.spec = std::move(spec);
    return r;
}

quint64 TransferQueue::add(TransferRequest request)
{
    TransferItem item;
    item.id = m_nextId++;
    item.request = std::move(request);
    item.queuedAt = QDateTime::currentDateTimeUtc();
    m_order << item.id;
    const quint64 id = item.id;
    m_items.insert(id, item);
    qCInfo(lcQueue).noquote() << "queued" << id << item.name();
    emit itemAdded(id);
    emit totalsChanged();
    startNext();
    return id;
}

quint64 TransferQueue::upload(const Fleet& fleet, const Instance& instance,
                              const QString& localPath, const QString& remoteDir)
{
    ssh::TransferSpec spec;
    spec.direction = ssh::TransferDirection::Upload;
    spec.source = localPath;
    spec.destinationDir = remoteDir;
    return add(requestFor(fleet, instance, spec));
}

quint64 TransferQueue::download(const Fleet& fleet, const Instance& instance,
                                const QString& remotePath, const QString& localDir)
{
    ssh::TransferSpec spec;
    spec.direction = ssh::TransferDirection::Download;
    spec.source = remotePath;
    spec.destinationDir = localDir;
    return add(requestFor(fleet, instance, spec));
}

quint64 TransferQueue::downloadThen(const Fleet& fleet, const Instance& instance,
                                    const QString& remotePath, const QString& localDir,
                                    Callback<ssh::TransferOutcome> done)
{
    ssh::TransferSpec spec;
    spec.direction = ssh::TransferDirection::Download;
    spec.source = remotePath;
    spec.destinationDir = localDir;
    spec.verify = true; // the machine's copy is gone after the destroy
    return addThen(requestFor(fleet, instance, spec), std::move(done));
}

quint64 TransferQueue::addThen(TransferRequest request, Callback<ssh::TransferOutcome> done)
{
    // Registered before add(), which may start the item at once.
    const quint64 id = m_nextId;
    m_then.insert(id, std::move(done));
    const quint64 added = add(std::move(request));
    Q_ASSERT(added == id);
    return added;
}

const TransferItem* TransferQueue::item(quint64 id) const
{
    const auto it = m_items.constFind(id);
    return it == m_items.constEnd() ? nullptr : &it.value();
}

int TransferQueue::activeCount() const
{
    return static_cast<int>(m_jobs.size());
}

void TransferQueue::setMaxParallel(int n)
{
    m_maxParallel = std::max(1, n);
    startNext();
}

void TransferQueue::startNext()
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QDateTime nextRetry;
    for (const quint64 id : std::as_const(m_order)) {
        TransferItem& item = m_items[id];
        if (item.state != TransferItem::State::Queued || m_jobs.contains(id))
            continue;
        if (item.retryAt.isValid() && item.retryAt > now) {
            if (!nextRetry.isValid() || item.retryAt < nextRetry)
                nextRetry = item.retryAt;
            continue;
        }
        if (activeCount() < m_maxParallel)
            launch(item);
    }
    if (nextRetry.isValid())
        m_retryTimer.start(static_cast<int>(std::max<qint64>(0, now.msecsTo(nextRetry))) + 1);
}

void TransferQueue::launch(TransferItem& item)
{
    auto job = std::make_shared<Job>();
    job->run = m_nextRun++;
    job->clock.start();
    m_jobs.insert(item.id, job);
    item.state = TransferItem::State::Connecting;
    item.startedAt = QDateTime::currentDateTimeUtc();
    item.retryAt = {};
    item.error.reset();
    item.bytesPerSecond = 0;
    item.etaSeconds = -1;
    ++item.attempts;
    emit itemChanged(item.id);
    emit totalsChanged();

    const quint64 id = item.id;
    const quint64 run = job->run;
    const TransferRequest request = item.request;
    Job* raw = job.get();
    const QPointer<TransferQueue> self(this);
    job->thread = std::thread([this, self, id, run, request, raw] {
        auto post = [self](std::function<void()> fn) { postTo(self, std::move(fn)); };
        ssh::Session session;
        Result<void> connected = session.connect(request.endpoint, request.hostKeyPolicy);
        if (!connected.ok()) {
            Result<ssh::TransferOutcome> failed = connected.error();
            post([this, id, run, failed] { onFinished(id, run, failed); });
            return;
        }
        post([this, id, run] { onState(id, run, TransferItem::State::Running); });
        const Result<ssh::TransferOutcome> result = ssh::runTransfer(
            session, request.spec,
            [&](const ssh::TransferProgress& p) {
                post([this, id, run, p] { onProgress(id, run, p); });
            },
            &raw->cancel);
        if (!result.ok() && result.error().code == ErrorCode::Cancelled && raw->discard) {
            const Result<void> discarded = ssh::discardPartial(session, request.spec);
            if (!discarded.ok())
                qCWarning(lcQueue).noquote()
                    << "could not remove the partial data of" << id << discarded.error().message;
        }
        post([this, id, run, result] { onFinished(id, run, result); });
    });
}

void TransferQueue::onState(quint64 id, quint64 run, TransferItem::State state)
{
    const auto job = m_jobs.value(id);
    if (!job || job->run != run || !m_items.contains(id))
        return;
    TransferItem& item = m_items[id];
    if (item.isActive())
        item.state = state;
    emit itemChanged(id);
}

void TransferQueue::onProgress(quint64 id, quint64 run, const ssh::TransferProgress& progress)
{
    const auto job = m_jobs.value(id);
    if (!job || job->run != run || !m_items.contains(id))
        return;
    TransferItem& item = m_items[id];
    item.progress = progress;
    // Speed: bytes this run moved (not those found already there), over the last seconds.
    const qint64 now = job->clock.elapsed();
    if (progress.phase != job->phase) {
        job->phase = progress.phase;
        job->samples.clear();
    }
    job->samples.emplace_back(now, progress.bytesDone - progress.bytesExisting);
    while (job->samples.size() > 2 && now - job->samples.front().first > kSpeedWindowMs)
        job->samples.pop_front();
    if (progress.phase == ssh::TransferProgress::Phase::Transferring && job->samples.size() >= 2) {
        const auto& [t0, b0] = job->samples.front();
        const auto& [t1, b1] = job->samples.back();
        item.bytesPerSecond =
            t1 > t0 ? static_cast<double>(b1 - b0) * 1000.0 / static_cast<double>(t1 - t0) : 0;
    }
    if (item.bytesPerSecond > 0 && progress.bytesTotal >= 0)
        item.etaSeconds = static_cast<qint64>(
            static_cast<double>(std::max<qint64>(0, progress.bytesTotal - progress.bytesDone)) /
            item.bytesPerSecond);
    emit itemChanged(id);
    emit totalsChanged();
}

void TransferQueue::onFinished(quint64 id, quint64 run, const Result<ssh::TransferOutcome>& result)
{
    const auto job = m_jobs.value(id);
    if (!job || job->run != run)
        return;
    if (job->thread.joinable())
        job->thread.join(); // it posted this as its last act
    m_jobs.remove(id);
    if (!m_items.contains(id))
        return;
    TransferItem& item = m_items[id];
    item.finishedAt = QDateTime::currentDateTimeUtc();
    item.bytesPerSecond = 0;
    item.etaSeconds = -1;
    if (result.ok()) {
        item.autoRetries = 0;
        item.outcome = result.value();
        item.state = result->skipped ? TransferItem::State::Skipped : TransferItem::State::Done;
        if (item.progress.bytesTotal >= 0)
            item.progress.bytesDone = item.progress.bytesTotal;
        qCInfo(lcQueue).noquote() << "finished" << id << item.name() << "->" << result->target;
    } else if (result.error().code == ErrorCode::Cancelled) {
        item.state = job->discard ? TransferItem::State::Cancelled : TransferItem::State::Paused;
        qCInfo(lcQueue).noquote() << (job->discard ? "cancelled" : "paused") << id << item.name();
    } else if ((result.error().code == ErrorCode::Network ||
                result.error().code == ErrorCode::Timeout) &&
               item.autoRetries < kAutoRetries) {
        // The connection dropped: try again by itself, continuing from what arrived.
        const int delay = kRetryDelayMs[item.autoRetries++];
        requeue(item);
        item.error = result.error();
        item.retryAt = QDateTime::currentDateTimeUtc().addMSecs(delay);
        qCInfo(lcQueue).noquote() << "connection of" << id << item.name() << "dropped; retry"
                                  << item.autoRetries << "in" << delay << "ms";
        emit itemChanged(id);
        emit totalsChanged();
        startNext();
        return;
    } else {
        item.state = TransferItem::State::Failed;
        item.error = result.error();
        qCWarning(lcQueue).noquote()
            << "failed" << id << item.name() << result.error().message << result.error().detail;
    }
    emit itemChanged(id);
    emit itemFinished(id);
    emit totalsChanged();
    if (item.isFinished()) {
        const auto then = m_then.constFind(id);
        if (then != m_then.constEnd()) {
            const Callback<ssh::TransferOutcome> done = then.value();
            m_then.remove(id);
            done(result.ok() || result.error().code != ErrorCode::Cancelled
                     ? result
                     : Result<ssh::TransferOutcome>(makeError(
                           ErrorCode::Cancelled, QStringLiteral("The download was cancelled."))));
        }
    }
    startNext();
}

void TransferQueue::stop(quint64 id, bool discard)
{
    if (!m_items.contains(id))
        return;
    TransferItem& item = m_items[id];
    const auto job = m_jobs.value(id);
    if (job) {
        job->discard = discard;
        job->cancel = true; // the worker ends soon and onFinished() sets the state
        return;
    }
    if (item.state == TransferItem::State::Queued ||
        (discard && item.state == TransferItem::State::Paused) ||
        (discard && item.state == TransferItem::State::Failed)) {
        item.state = discard ? TransferItem::State::Cancelled : TransferItem::State::Paused;
        item.finishedAt = QDateTime::currentDateTimeUtc();
        if (discard && item.attempts > 0) {
            // A paused or failed item left partial data; a short run removes it.
            auto cleanup = std::make_shared<Job>();
            cleanup->run = m_nextRun++;
            cleanup->discard = true;
            cleanup->cancel = true;
            m_jobs.insert(id, cleanup);
            const TransferRequest request = item.request;
            const quint64 run = cleanup->run;
            const QPointer<TransferQueue> self(this);
            cleanup->thread = std::thread([this, self, id, run, request] {
                ssh::Session session;
                if (session.connect(request.endpoint, request.hostKeyPolicy).ok())
                    (void)ssh::discardPartial(session, request.spec);
                postTo(self, [this, id, run] {
                    const auto j = m_jobs.value(id);
                    if (!j || j->run != run)
                        return;
                    j->thread.join();
                    m_jobs.remove(id);
                    startNext();
                });
            });
        }
        emit itemChanged(id);
        emit itemFinished(id);
        emit totalsChanged();
        if (discard) {
            const auto then = m_then.constFind(id);
            if (then != m_then.constEnd()) {
                const Callback<ssh::TransferOutcome> done = then.value();
                m_then.remove(id);
                done(
                    makeError(ErrorCode::Cancelled, QStringLiteral("The download was cancelled.")));
            }
        }
    }
}

void TransferQueue::pause(quint64 id)
{
    stop(id, false);
}

void TransferQueue::cancel(quint64 id)
{
    stop(id, true);
}

void TransferQueue::requeue(TransferItem& item)
{
    ssh::TransferSpec& spec = item.request.spec;
    // Continue from what arrived; an item Rename put under a new name keeps that name.
    if (spec.conflict == ssh::ConflictPolicy::Rename && !item.progress.target.isEmpty())
        spec.targetName = spec.direction == ssh::TransferDirection::Upload
                              ? ssh::remoteBaseName(item.progress.target)
                              : QFileInfo(item.progress.target).fileName();
    if (spec.conflict != ssh::ConflictPolicy::Skip)
        spec.conflict = ssh::ConflictPolicy::Resume;
    item.state = TransferItem::State::Queued;
    item.error.reset();
    item.retryAt = {};
    item.finishedAt = {};
    emit itemChanged(item.id);
    emit totalsChanged();
}

void TransferQueue::resume(quint64 id)
{
    if (!m_items.contains(id))
        return;
    TransferItem& item = m_items[id];
    if (item.state != TransferItem::State::Paused)
        return;
    item.autoRetries = 0;
    requeue(item);
    startNext();
}

void TransferQueue::retry(quint64 id)
{
    if (!m_items.contains(id))
        return;
    TransferItem& item = m_items[id];
    if (item.state != TransferItem::State::Failed && item.state != TransferItem::State::Cancelled &&
        item.state != TransferItem::State::Paused)
        return;
    if (m_jobs.contains(id))
        return; // still cleaning up
    item.autoRetries = 0;
    requeue(item);
    startNext();
}

void TransferQueue::pauseAll()
{
    for (const quint64 id : std::as_const(m_order))
        pause(id);
}

void TransferQueue::resumeAll()
{
    for (const quint64 id : std::as_const(m_order))
        resume(id);
}

void TransferQueue::cancelAll()
{
    for (const quint64 id : std::as_const(m_order)) {
        if (!m_items.value(id).isFinished())
            cancel(id);
    }
}

void TransferQueue::retryFailed()
{
    for (const quint64 id : std::as_const(m_order)) {
        if (m_items.value(id).state == TransferItem::State::Failed)
            retry(id);
    }
}

void TransferQueue::remove(quint64 id)
{
    if (!m_items.contains(id) || !m_items.value(id).isFinished() || m_jobs.contains(id))
        return;
    m_items.remove(id);
    m_order.removeAll(id);
    emit itemRemoved(id);
    emit totalsChanged();
}

void TransferQueue::clearFinished()
{
    const QList<quint64> ids = m_order;
    for (const quint64 id : ids)
        remove(id);
}

TransferQueue::Totals TransferQueue::totals() const
{
    Totals t;
    for (const quint64 id : m_order) {
        const TransferItem& item = m_items[id];
        switch (item.state) {
        case TransferItem::State::Queued:
            ++t.queued;
            break;
        case TransferItem::State::Connecting:
        case TransferItem::State::Running:
            ++t.active;
            break;
        case TransferItem::State::Paused:
            ++t.paused;
            break;
        case TransferItem::State::Done:
        case TransferItem::State::Skipped:
            ++t.done;
            break;
        case TransferItem::State::Failed:
            ++t.failed;
            break;
        case TransferItem::State::Cancelled:
            continue;
        }
        if (item.progress.bytesTotal >= 0) {
            t.bytesTotal += item.progress.bytesTotal;
            t.bytesDone += item.progress.bytesDone;
        }
        t.bytesPerSecond += item.bytesPerSecond;
    }
    if (t.bytesPerSecond > 0)
        t.etaSeconds =
            static_cast<qint64>(static_cast<double>(t.bytesTotal - t.bytesDone) / t.bytesPerSecond);
    return t;
}

} // namespace gpudeck
