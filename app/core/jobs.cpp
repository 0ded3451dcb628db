#include "jobs.h"

#include "billing.h"
#include "billingguard.h"
#include "database.h"
#include "fleet.h"
#include "remote.h"
#include "remotecommand.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QPointer>
#include <QRandomGenerator>
#include <QSqlError>
#include <QSqlQuery>

Q_LOGGING_CATEGORY(lcJobs, "gpudeck.jobs")

namespace gpudeck {

namespace {

constexpr int kPollMs = 15 * 1000;
constexpr int kCommandTimeoutMs = 30 * 1000;

// The job runs in its own session (setsid: no terminal, no hang-up when the SSH connection
// goes), from a file holding the user's text, by bash where there is one (what people write
// job lines for), else sh. The wrapper records the exit status atomically (written, then
// renamed) before it ends, so "pid gone, no exit file" means the process was killed.
// clang-format off
const char* const kStartScript = R"SH(set -e
d="$HOME/.gpudeck/jobs/$1"
mkdir -p "$d"
printf '%s\n' "$2" > "$d/command"
cd "$HOME"
if [ -n "$3" ]; then cd "$3"; fi
run=sh
if command -v bash >/dev/null 2>&1; then run=bash; fi
date -u +%s > "$d/started"
setsid nohup sh -c 'd=$1; shift; "$@" > "$d/output.log" 2>&1 < /dev/null; echo $? > "$d/exit.tmp"; mv "$d/exit.tmp" "$d/exit"' gpudeck-job "$d" "$run" "$d/command" < /dev/null > /dev/null 2>&1 &
echo $! > "$d/pid"
echo started
)SH";

const char* const kStatusScript = R"SH(d="$HOME/.gpudeck/jobs/$1"
if [ ! -d "$d" ]; then echo absent; exit 0; fi
if [ -f "$d/pid" ] && kill -0 "$(cat "$d/pid")" 2>/dev/null; then echo running
elif [ -f "$d/exit" ]; then echo "exited $(cat "$d/exit")"
else echo lost; fi
tail -n 20 "$d/output.log" 2>/dev/null || true
)SH";

const char* const kCancelScript = R"SH(d="$HOME/.gpudeck/jobs/$1"
[ -f "$d/pid" ] || { echo "no such job" >&2; exit 1; }
pid=$(cat "$d/pid")
kill -s TERM -- "-$pid" 2>/dev/null || kill -s TERM "$pid" 2>/dev/null || true
echo cancelled
)SH";
// clang-format on

QString stateName(Job::State s)
{
    switch (s) {
    case Job::State::Starting:
        return QStringLiteral("starting");
    case Job::State::Running:
        return QStringLiteral("running");
    case Job::State::Succeeded:
        return QStringLiteral("succeeded");
    case Job::State::Failed:
        return QStringLiteral("failed");
    case Job::State::Lost:
        return QStringLiteral("lost");
    }
    return {};
}

Job::State stateFromName(const QString& s)
{
    for (Job::State st : {Job::State::Starting, Job::State::Running, Job::State::Succeeded,
                          Job::State::Failed, Job::State::Lost}) {
        if (stateName(st) == s)
            return st;
    }
    return Job::State::Lost;
}

QJsonObject specJson(const JobSpec& s)
{
    return {{QStringLiteral("command"), s.command},
            {QStringLiteral("work_dir"), s.workDir},
            {QStringLiteral("outputs"), s.outputs},
            {QStringLiteral("download_dir"), s.downloadDir},
            {QStringLiteral("after"), afterName(s.after)},
            {QStringLiteral("countdown_seconds"), s.countdownSeconds}};
}

JobSpec specFrom(const QString& instanceId, const QJsonObject& o)
{
    JobSpec s;
    s.instanceId = instanceId;
    s.command = o.value(QStringLiteral("command")).toString();
    s.workDir = o.value(QStringLiteral("work_dir")).toString();
    s.outputs = o.value(QStringLiteral("outputs")).toString();
    s.downloadDir = o.value(QStringLiteral("download_dir")).toString();
    s.after =
        afterFromName(o.value(QStringLiteral("after")).toString()).value_or(JobSpec::After::Keep);
    s.countdownSeconds = o.value(QStringLiteral("countdown_seconds")).toInteger(s.countdownSeconds);
    return s;
}

// How a job is named in messages: its first line, shortened.
QString commandLabel(const QString& command)
{
    return command.section(QLatin1Char('\n'), 0, 0).left(60);
}

QString newJobId()
{
    return QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd-HHmmss-")) +
           QString::number(QRandomGenerator::global()->bounded(0x10000u), 16)
               .rightJustified(4, QLatin1Char('0'));
}

} // namespace

QString afterName(JobSpec::After a)
{
    switch (a) {
    case JobSpec::After::Destroy:
        return QStringLiteral("destroy");
    case JobSpec::After::Stop:
        return QStringLiteral("stop");
    case JobSpec::After::Keep:
        return QStringLiteral("keep");
    }
    return {};
}

std::optional<JobSpec::After> afterFromName(const QString& name)
{
    for (JobSpec::After a : {JobSpec::After::Destroy, JobSpec::After::Stop, JobSpec::After::Keep}) {
        if (afterName(a) == name)
            return a;
    }
    return std::nullopt;
}

QString Job::summary(const QDateTime& now) const
{
    const QString cmd = commandLabel(spec.command);
    switch (state) {
    case State::Starting:
        return QStringLiteral("%1 — starting").arg(cmd);
    case State::Running:
        return QStringLiteral("%1 — running for %2")
            .arg(cmd, formatDuration(startedAt.isValid() ? startedAt.secsTo(now) : 0));
    case State::Succeeded:
        return QStringLiteral("%1 — finished (exit status 0) after %2")
            .arg(cmd, formatDuration(startedAt.secsTo(endedAt)));
    case State::Failed:
        return QStringLiteral("%1 — failed (exit status %2) after %3")
            .arg(cmd)
            .arg(exitCode.value_or(-1))
            .arg(formatDuration(startedAt.secsTo(endedAt)));
    case State::Lost:
        return QStringLiteral("%1 — ended without an exit status (the machine was stopped or "
                              "rebooted, or the process was killed)")
            .arg(cmd);
    }
    return {};
}

QString jobStartCommand(const QString& jobId, const JobSpec& spec)
{
    return ssh::remoteCommand(
        QString::fromLatin1(kStartScript),
        QStringList{jobId, spec.command,
                    spec.workDir.isEmpty() ? QString() : ssh::pathArgument(spec.workDir)});
}

QString jobStatusCommand(const QString& jobId)
{
    return ssh::remoteCommand(QString::fromLatin1(kStatusScript), QStringList{jobId});
}

QString jobCancelCommand(const QString& jobId)
{
    return ssh::remoteCommand(QString::fromLatin1(kCancelScript), QStringList{jobId});
}

JobStatus parseJobStatus(const QByteArray& output)
{
    JobStatus s;
    const qsizetype nl = output.indexOf('\n');
    const QString first = QString::fromUtf8(nl < 0 ? output : output.left(nl)).trimmed();
    s.tail = nl < 0 ? QString() : QString::fromUtf8(output.mid(nl + 1));
    if (first == QLatin1String("running")) {
        s.state = Job::State::Running;
    } else if (first.startsWith(QLatin1String("exited "))) {
        bool ok = false;
        const int code = first.mid(7).trimmed().toInt(&ok);
        if (ok) {
            s.exitCode = code;
            s.state = code == 0 ? Job::State::Succeeded : Job::State::Failed;
        }
    } else if (first == QLatin1String("absent")) {
        s.absent = true;
    }
    return s;
}

Jobs::Jobs(Fleet& fleet, QObject* parent)
    : QObject(parent)
    , m_fleet(fleet)
{
    load();
    connect(&m_timer, &QTimer::timeout, this, &Jobs::poll);
    m_timer.start(kPollMs);
}

Jobs::~Jobs() = default;

void Jobs::setPollInterval(int ms)
{
    if (ms <= 0)
        m_timer.stop();
    else
        m_timer.start(ms);
}

void Jobs::load()
{
    QSqlQuery q(m_fleet.database().connection());
    if (!q.exec(QStringLiteral("SELECT id, instance_id, spec, state, exit_code, started_at, "
                               "ended_at, handled, tail FROM jobs"))) {
        qCWarning(lcJobs) << "could not read the jobs:" << q.lastError().text();
        return;
    }
    while (q.next()) {
        Job j;
        j.id = q.value(0).toString();
        j.spec = specFrom(q.value(1).toString(),
                          QJsonDocument::fromJson(q.value(2).toByteArray()).object());
        j.state = stateFromName(q.value(3).toString());
        if (!q.value(4).isNull())
            j.exitCode = q.value(4).toInt();
        j.startedAt = QDateTime::fromString(q.value(5).toString(), Qt::ISODate);
        j.endedAt = QDateTime::fromString(q.value(6).toString(), Qt::ISODate);
        j.handled = q.value(7).toBool();
        j.outputTail = q.value(8).toString();
        m_jobs.insert(j.id, j);
    }
}

void Jobs::save(const Job& j)
{
    QSqlQuery q(m_fleet.database().connection());
    q.prepare(QStringLiteral("INSERT OR REPLACE INTO jobs (id, instance_id, spec, state, "
                             "exit_code, started_at, ended_at, handled, tail) "
                             "VALUES (?,?,?,?,?,?,?,?,?)"));
    q.addBindValue(j.id);
    q.addBindValue(j.spec.instanceId);
    q.addBindValue(QJsonDocument(specJson(j.spec)).toJson(QJsonDocument::Compact));
    q.addBindValue(stateName(j.state));
    q.addBindValue(j.exitCode ? QVariant(*j.exitCode) : QVariant());
    q.addBindValue(j.startedAt.toString(Qt::ISODate));
    q.addBindValue(j.endedAt.isValid() ? j.endedAt.toString(Qt::ISODate) : QString());
    q.addBindValue(j.handled ? 1 : 0);
    q.addBindValue(j.outputTail);
    if (!q.exec())
        qCWarning(lcJobs) << "could not save job" << j.id << q.lastError().text();
}

void Jobs::start(const JobSpec& spec, std::function<void(Result<Job>)> done)
{
    const std::optional<Instance> inst = m_fleet.find(spec.instanceId);
    if (!inst || inst->status != InstanceStatus::Running || inst->host.isEmpty()) {
        done(makeError(ErrorCode::InvalidInput,
                       QStringLiteral("The machine is not running, so no job can start on it.")));
        return;
    }
    if (spec.command.trimmed().isEmpty()) {
        done(makeError(ErrorCode::InvalidInput, QStringLiteral("Type the command the job runs.")));
        return;
    }
    Job j;
    j.id = newJobId();
    j.spec = spec;
    j.startedAt = QDateTime::currentDateTimeUtc();
    // Recorded before it is sent: a GPUDeck that dies in between finds it at the next start
    // (its status then says whether it really started).
    m_jobs.insert(j.id, j);
    save(j);
    QPointer<Jobs> self(this);
    const QString id = j.id;
    runRemoteAsync(
        this, endpointFor(*inst, m_fleet.keyPathFor(*inst), m_fleet.paths()),
        jobStartCommand(id, spec), kCommandTimeoutMs, [self, id, done](Result<QByteArray> r) {
            if (!self)
                return;
            auto it = self->m_jobs.find(id);
            if (it == self->m_jobs.end())
                return;
            if (!r.ok() || !r->contains("started")) {
                const Error e =
                    r.ok()
                        ? makeError(ErrorCode::ProviderFailure,
                                    QStringLiteral("The job did not start: %1")
                                        .arg(QString::fromUtf8(r.value()).trimmed()))
                        : makeError(
                              r.error().code,
                              QStringLiteral("The job did not start: %1").arg(r.error().message));
                QSqlQuery q(self->m_fleet.database().connection());
                q.prepare(QStringLiteral("DELETE FROM jobs WHERE id = ?"));
                q.addBindValue(id);
                q.exec();
                self->m_jobs.erase(it);
                done(e);
                return;
            }
            it->state = Job::State::Running;
            self->save(*it);
            const Job job = *it;
            emit self->changed(job);
            done(job);
        });
}

void Jobs::cancel(const QString& jobId, std::function<void(Result<void>)> done)
{
    const std::optional<Job> j = job(jobId);
    const std::optional<Instance> inst = j ? m_fleet.find(j->spec.instanceId) : std::nullopt;
    if (!inst) {
        if (done)
            done(makeError(ErrorCode::NotFound, QStringLiteral("No such job or machine.")));
        return;
    }
    runRemoteAsync(this, endpointFor(*inst, m_fleet.keyPathFor(*inst), m_fleet.paths()),
                   jobCancelCommand(jobId), kCommandTimeoutMs,
                   [self = QPointer<Jobs>(this), jobId, done](Result<QByteArray> r) {
                       if (self && r.ok())
                           self->poll();
                       if (done)
                           done(r.ok() ? Result<void>() : Result<void>(r.error()));
                   });
}

void Jobs::poll()
{
    for (const Job& j : std::as_const(m_jobs)) {
        if (!j.ended())
            check(j);
        else if (!j.handled)
            emit ended(j); // ended while nobody listened (an earlier session): say it now
    }
}

void Jobs::check(const Job& j)
{
    if (m_checking.value(j.id))
        return;
    const std::optional<Instance> inst = m_fleet.find(j.spec.instanceId);
    if (!inst || inst->status != InstanceStatus::Running || inst->host.isEmpty())
        return; // a stopped machine's job is looked at when it runs again
    m_checking.insert(j.id, true);
    QPointer<Jobs> self(this);
    const QString id = j.id;
    runRemoteAsync(this, endpointFor(*inst, m_fleet.keyPathFor(*inst), m_fleet.paths()),
                   jobStatusCommand(id), kCommandTimeoutMs, [self, id](Result<QByteArray> r) {
                       if (!self)
                           return;
                       self->m_checking.remove(id);
                       if (!r.ok()) {
                           // Offline or the machine is busy: the next round tries again.
                           qCInfo(lcJobs) << id << "status not read:" << r.error().message;
                           return;
                       }
                       self->update(id, parseJobStatus(r.value()));
                   });
}

void Jobs::update(const QString& jobId, const JobStatus& status)
{
    auto it = m_jobs.find(jobId);
    if (it == m_jobs.end() || it->ended())
        return;
    if (status.absent && it->state == Job::State::Starting)
        return; // its start is still on the way
    it->outputTail = status.tail;
    const Job::State before = it->state;
    it->state = status.absent ? Job::State::Lost : status.state;
    it->exitCode = status.exitCode;
    if (it->ended())
        it->endedAt = QDateTime::currentDateTimeUtc();
    save(*it);
    const Job j = *it;
    emit changed(j);
    if (j.ended() && before != j.state && !j.handled) {
        qCInfo(lcJobs) << jobId << "ended:" << j.summary(j.endedAt);
        emit ended(j);
    }
}

void Jobs::markHandled(const QString& jobId)
{
    auto it = m_jobs.find(jobId);
    if (it == m_jobs.end())
        return;
    it->handled = true;
    save(*it);
}

std::optional<Job> Jobs::job(const QString& jobId) const
{
    const auto it = m_jobs.constFind(jobId);
    return it == m_jobs.constEnd() ? std::nullopt : std::optional<Job>(*it);
}

QList<Job> Jobs::jobsOn(const QString& instanceId) const
{
    QList<Job> out;
    for (const Job& j : m_jobs) {
        if (j.spec.instanceId == instanceId)
            out << j;
    }
    std::sort(out.begin(), out.end(),
              [](const Job& a, const Job& b) { return a.startedAt > b.startedAt; });
    return out;
}

bool Jobs::running(const QString& instanceId) const
{
    for (const Job& j : m_jobs) {
        if (j.spec.instanceId == instanceId && !j.ended())
            return true;
    }
    return false;
}

QString jobEndText(const Job& job)
{
    const QString cmd = commandLabel(job.spec.command);
    switch (job.state) {
    case Job::State::Succeeded:
        return QStringLiteral("Job `%1` finished (exit status 0)").arg(cmd);
    case Job::State::Failed:
        return QStringLiteral("Job `%1` failed (exit status %2)")
            .arg(cmd)
            .arg(job.exitCode.value_or(-1));
    case Job::State::Lost:
        return QStringLiteral("Job `%1` ended without an exit status").arg(cmd);
    default:
        return QStringLiteral("Job `%1` is running").arg(cmd);
    }
}

void handJobsToGuard(Jobs& jobs, BillingGuard& guard)
{
    QObject::connect(&jobs, &Jobs::changed, &guard, [&jobs, &guard](const Job& j) {
        guard.noteJobRunning(j.spec.instanceId, jobs.running(j.spec.instanceId));
    });
    QObject::connect(&jobs, &Jobs::ended, &guard, [&jobs, &guard](const Job& j) {
        if (j.handled)
            return;
        jobs.markHandled(j.id);
        std::optional<GuardPolicy::Action> action;
        if (j.spec.after == JobSpec::After::Destroy)
            action = GuardPolicy::Action::Destroy;
        else if (j.spec.after == JobSpec::After::Stop)
            action = GuardPolicy::Action::Stop;
        guard.jobEnded(j.spec.instanceId, jobEndText(j), action, j.spec.outputs, j.spec.downloadDir,
                       j.spec.countdownSeconds);
    });
    for (const QString& id : guard.guarded())
        guard.noteJobRunning(id, jobs.running(id));
}

} // namespace gpudeck
