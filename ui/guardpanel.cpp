#include "guardpanel.h"

#include "billingguard.h"
#include "fleet.h"
#include "guardpolicyeditor.h"
#include "jobdialog.h"
#include "jobs.h"
#include "meter.h"
#include "prompter.h"
#include "watchdog.h"

#include <QDialog>
#include <QDialogButtonBox>
#include <QGridLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace gpudeck {

GuardPanel::GuardPanel(Fleet& fleet, BillingGuard& guard, Watchdogs& watchdogs, Jobs& jobs,
                       QString instanceId, QWidget* parent)
    : QGroupBox(tr("Billing guard"), parent)
    , m_fleet(fleet)
    , m_guard(guard)
    , m_watchdogs(watchdogs)
    , m_jobs(jobs)
    , m_id(std::move(instanceId))
{
    setObjectName(QStringLiteral("guardPanel"));
    const auto label = [this](const char* name) {
        auto* l = new QLabel(this);
        l->setObjectName(QString::fromLatin1(name));
        l->setWordWrap(true);
        l->setTextInteractionFlags(Qt::TextSelectableByMouse);
        return l;
    };
    m_state = label("guardStateLabel");
    m_policy = label("guardPolicyLabel");
    m_watchdog = label("watchdogLabel");
    m_job = label("jobLabel");

    m_adopt = new QPushButton(tr("&Guard it"), this);
    m_adopt->setObjectName(QStringLiteral("guardAdoptButton"));
    connect(m_adopt, &QPushButton::clicked, this, [this] {
        m_guard.guard(m_id);
        refresh();
    });
    m_editPolicy = new QPushButton(tr("&Policy…"), this);
    m_editPolicy->setObjectName(QStringLiteral("guardPolicyButton"));
    m_editPolicy->setToolTip(tr("This machine's idle timeout, lifetime, budget and action"));
    connect(m_editPolicy, &QPushButton::clicked, this, &GuardPanel::editPolicy);

    m_watchdogButton = new QPushButton(this);
    m_watchdogButton->setObjectName(QStringLiteral("watchdogButton"));
    connect(m_watchdogButton, &QPushButton::clicked, this, [this] {
        const std::optional<Instance> i = m_fleet.find(m_id);
        if (!i)
            return;
        if (m_watchdogs.installed(m_id)) {
            m_watchdogStatus = tr("Removing…");
            m_watchdogs.remove(*i);
        } else {
            m_watchdogStatus = tr("Installing…");
            m_watchdogs.install(*i);
        }
        refresh();
    });

    m_runJob = new QPushButton(tr("Run &job…"), this);
    m_runJob->setObjectName(QStringLiteral("runJobButton"));
    m_runJob->setToolTip(tr("Run a command detached on the machine; when it ends, download its "
                            "outputs and destroy or stop the machine"));
    connect(m_runJob, &QPushButton::clicked, this, &GuardPanel::runJob);
    m_cancelJob = new QPushButton(tr("Cancel job"), this);
    m_cancelJob->setObjectName(QStringLiteral("cancelJobButton"));
    connect(m_cancelJob, &QPushButton::clicked, this, [this] {
        const QList<Job> jobs = m_jobs.jobsOn(m_id);
        if (jobs.isEmpty() || jobs.first().ended())
            return;
        if (!Prompter::instance().confirm(
                this, tr("Cancel job"),
                tr("End the job `%1` on the machine now? What it has written so far stays; what "
                   "was chosen for its end (download, destroy or stop) then follows.")
                    .arg(jobs.first().spec.command.left(80)),
                tr("End the job")))
            return;
        m_jobs.cancel(jobs.first().id, [self = QPointer<GuardPanel>(this)](Result<void> r) {
            if (self && !r.ok())
                emit self->statusMessage(tr("Could not cancel the job: %1").arg(r.error().message));
        });
    });

    auto* grid = new QGridLayout(this);
    grid->addWidget(m_state, 0, 0);
    grid->addWidget(m_adopt, 0, 1);
    grid->addWidget(m_policy, 1, 0);
    grid->addWidget(m_editPolicy, 1, 1);
    grid->addWidget(m_watchdog, 2, 0);
    grid->addWidget(m_watchdogButton, 2, 1);
    grid->addWidget(m_job, 3, 0);
    auto* jobButtons = new QVBoxLayout;
    jobButtons->addWidget(m_runJob);
    jobButtons->addWidget(m_cancelJob);
    grid->addLayout(jobButtons, 3, 1);
    grid->setColumnStretch(0, 1);

    connect(&m_guard, &BillingGuard::changed, this, [this](const QString& id) {
        if (id == m_id)
            refresh();
    });
    connect(&m_watchdogs, &Watchdogs::installedChanged, this,
            [this](const QString& id, bool, const QString& message) {
                if (id != m_id)
                    return;
                m_watchdogStatus = message;
                refresh();
            });
    connect(&m_watchdogs, &Watchdogs::failed, this, [this](const QString& id, const QString& m) {
        if (id != m_id)
            return;
        m_watchdogStatus = m;
        refresh();
    });
    connect(&m_jobs, &Jobs::changed, this, [this](const Job& j) {
        if (j.spec.instanceId == m_id)
            refresh();
    });
    connect(&m_timer, &QTimer::timeout, this, &GuardPanel::refresh);
    m_timer.start(1000);
    refresh();
}

void GuardPanel::refresh()
{
    const std::optional<Instance> inst = m_fleet.find(m_id);
    const Provider* p = inst ? m_fleet.provider(inst->provider) : nullptr;
    if (!inst || !p) {
        setEnabled(false);
        return;
    }
    const bool running = inst->status == InstanceStatus::Running;
    const bool guarded = m_guard.isGuarded(m_id);
    const QString countdown = m_guard.countdownText(m_id);
    m_state->setText(!guarded              ? tr("Not guarded: nothing warns you when it idles.")
                     : countdown.isEmpty() ? tr("Guarded — %1").arg(m_guard.stateText(m_id))
                                           : tr("Guarded — %1").arg(countdown));
    m_adopt->setVisible(!guarded);
    const GuardWatch* w = m_guard.watch(m_id);
    m_policy->setText(tr("Policy: %1").arg((w ? w->policy : m_guard.defaultPolicy()).describe()));
    m_editPolicy->setEnabled(guarded);

    const WatchdogSupport support = watchdogSupport(*p, *inst);
    QString wd = support.note;
    if (support.installable) {
        const bool installed = m_watchdogs.installed(m_id);
        if (!m_statusAsked && running && !installed && m_fleet.timeline(*inst).sshReady.isValid()) {
            m_statusAsked = true; // one from an earlier session counts
            m_watchdogs.checkStatus(*inst);
        }
        wd += QStringLiteral("\n") +
              (m_watchdogStatus.isEmpty()
                   ? (installed ? tr("Watchdog installed.")
                                : tr("Not installed: it goes on at the first connection to a "
                                     "guarded machine."))
                   : m_watchdogStatus);
        m_watchdogButton->setText(installed ? tr("&Remove watchdog") : tr("&Install watchdog"));
        m_watchdogButton->setEnabled(running);
    }
    m_watchdogButton->setVisible(support.installable);
    m_watchdog->setText(wd);

    const QList<Job> jobs = m_jobs.jobsOn(m_id);
    const bool jobRunning = !jobs.isEmpty() && !jobs.first().ended();
    m_job->setText(jobs.isEmpty() ? tr("No job. Run job… starts a command that outlives "
                                       "GPUDeck and ends the machine when it is done.")
                                  : tr("Job: %1 — then %2")
                                        .arg(jobs.first().summary(QDateTime::currentDateTimeUtc()),
                                             afterName(jobs.first().spec.after)));
    m_runJob->setEnabled(running && !jobRunning);
    m_cancelJob->setVisible(jobRunning);
    setEnabled(true);
}

void GuardPanel::editPolicy()
{
    const GuardWatch* w = m_guard.watch(m_id);
    if (!w)
        return;
    // Window-modal and not exec(): the window keeps running (the guard's countdowns too).
    auto* d = new QDialog(this);
    d->setAttribute(Qt::WA_DeleteOnClose);
    d->setObjectName(QStringLiteral("guardPolicyDialog"));
    const std::optional<Instance> inst = m_fleet.find(m_id);
    d->setWindowTitle(tr("Guard policy for %1").arg(inst ? inst->name : m_id));
    auto* editor = new GuardPolicyEditor(true, d);
    editor->setPolicy(w->policy);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, d);
    connect(buttons, &QDialogButtonBox::accepted, d, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, d, &QDialog::reject);
    auto* layout = new QVBoxLayout(d);
    layout->addWidget(editor);
    layout->addWidget(buttons);
    connect(d, &QDialog::accepted, this, [this, editor] {
        if (!m_guard.isGuarded(m_id))
            return;
        m_guard.setPolicy(m_id, editor->policy());
        emit statusMessage(tr("Guard policy changed for this machine."));
        refresh();
    });
    d->open();
}

void GuardPanel::runJob()
{
    const std::optional<Instance> inst = m_fleet.find(m_id);
    const Provider* p = inst ? m_fleet.provider(inst->provider) : nullptr;
    if (!inst || !p)
        return;
    const bool canStop = p->capabilities().stopStart && stopEndsComputeBilling(*inst);
    auto* d = new JobDialog(m_id, inst->name, p->capabilities().destroy, canStop,
                            watchdogSupport(*p, *inst).note, this);
    d->setAttribute(Qt::WA_DeleteOnClose);
    connect(d, &QDialog::accepted, this, [this, d] {
        const JobSpec spec = d->spec();
        const std::optional<Instance> i = m_fleet.find(m_id);
        if (!i)
            return;
        if (!m_guard.isGuarded(m_id))
            m_guard.guard(m_id);
        emit statusMessage(tr("Starting the job on %1…").arg(i->name));
        m_jobs.start(spec, [self = QPointer<GuardPanel>(this)](Result<Job> r) {
            if (!self)
                return;
            if (!r.ok()) {
                Prompter::instance().showError(self, tr("Run job"), r.error());
                return;
            }
            emit self->statusMessage(tr("Job started: %1").arg(r->spec.command.left(80)));
            self->refresh();
        });
    });
    d->open();
}

} // namespace gpudeck
