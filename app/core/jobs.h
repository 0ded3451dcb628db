#pragma once

#include "result.h"

#include <QDateTime>
#include <QHash>
#include <QObject>
#include <QTimer>

#include <functional>
#include <optional>

namespace gpudeck {

class BillingGuard;
class Fleet;

// Job mode: a command started detached on a machine (it survives disconnects and restarts of
// GPUDeck), its exit status recorded on the machine; when it ends, what the user chose happens
// through the billing guard (BillingGuard::jobEnded): download the outputs (verified) → destroy
// or stop → recap, after a countdown the user can cancel.
struct JobSpec {
    enum class After { Destroy, Stop, Keep };
    QString instanceId;
    QString command;     // as the user typed it; run by bash (else sh) from a file, never parsed
                         // by the login shell
    QString workDir;     // on the machine; empty: the home folder
    QString outputs;     // folder on the machine downloaded when the job ends; empty: none
    QString downloadDir; // where the outputs go on this computer
    After after = After::Destroy;
    qint64 countdownSeconds = 60; // between the end of the job and the action
};

struct Job {
    enum class State {
        Starting,
        Running,
        Succeeded, // exit status 0
        Failed,    // another exit status
        Lost,      // its process is gone without an exit status (machine rebooted or stopped)
    };
    QString id; // unique, also the folder name on the machine (~/.gpudeck/jobs/ID)
    JobSpec spec;
    State state = State::Starting;
    std::optional<int> exitCode;
    QDateTime startedAt;
    QDateTime endedAt;
    QString outputTail;   // the last lines the command printed
    QString message;      // why it could not be started or checked
    bool handled = false; // its end was handed to the guard (or the CLI) already

    [[nodiscard]] bool ended() const
    {
        return state == State::Succeeded || state == State::Failed || state == State::Lost;
    }
    // "python train.py — running for 12 min", "… — exit status 1", for the Overview.
    [[nodiscard]] QString summary(const QDateTime& now) const;
};

[[nodiscard]] QString afterName(JobSpec::After a); // "destroy", "stop", "keep"
[[nodiscard]] std::optional<JobSpec::After> afterFromName(const QString& name);

// The remote commands (each built with ssh::remoteCommand: the job's text travels as an
// argument, is written to a file and run by bash or sh from there).
[[nodiscard]] QString jobStartCommand(const QString& jobId, const JobSpec& spec);
// Prints "running", "exited N", "lost" or "absent", then the tail of the job's output.
[[nodiscard]] QString jobStatusCommand(const QString& jobId);
// Ends the job's whole process group.
[[nodiscard]] QString jobCancelCommand(const QString& jobId);

struct JobStatus {
    Job::State state = Job::State::Lost;
    std::optional<int> exitCode;
    bool absent = false;
    QString tail;
};
[[nodiscard]] JobStatus parseJobStatus(const QByteArray& output);

// The jobs GPUDeck started, kept in its database (table jobs) so a restarted GPUDeck, or a
// gpudeck-cli started later, picks them up. Polls every running job's status over SSH (on the
// thread pool) and announces each end once.
class Jobs final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Jobs)
public:
    explicit Jobs(Fleet& fleet, QObject* parent = nullptr);
    ~Jobs() override;

    void start(const JobSpec& spec, std::function<void(Result<Job>)> done);
    void cancel(const QString& jobId, std::function<void(Result<void>)> done = {});
    // Checks every job not known to have ended now (the timer does this every interval).
    void poll();
    void setPollInterval(int ms);
    // The guard (or the CLI) took care of the end: it is not announced again after a restart.
    void markHandled(const QString& jobId);

    [[nodiscard]] std::optional<Job> job(const QString& jobId) const;
    // Newest first.
    [[nodiscard]] QList<Job> jobsOn(const QString& instanceId) const;
    [[nodiscard]] bool running(const QString& instanceId) const;

signals:
    void changed(const gpudeck::Job& job);
    // Once per job, also for a job that ended while GPUDeck was closed.
    void ended(const gpudeck::Job& job);

private:
    void load();
    void save(const Job& job);
    void check(const Job& job);
    void update(const QString& jobId, const JobStatus& status);

    Fleet& m_fleet;
    QHash<QString, Job> m_jobs;
    QHash<QString, bool> m_checking;
    QTimer m_timer;
};

// The one way a job's end reaches the guard, for the window and gpudeck-cli alike: a running job
// keeps its machine busy (never idle), and each job's end becomes the guard's countdown to the
// action the job was started with (marked handled, so it is not announced twice).
void handJobsToGuard(Jobs& jobs, BillingGuard& guard);

// "Job `python train.py` finished (exit status 0)"
[[nodiscard]] QString jobEndText(const Job& job);

} // namespace gpudeck
