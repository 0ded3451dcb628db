// The billing guard's paths on the real main window: notification, tray, countdown dialog,
// Keep, the action at zero and its recap; the start-up check; the Costs view. Real Sandbox
// machines; the guard runs on an accelerated clock. GPUDECK_SCREENSHOT_DIR=<dir> saves the
// screenshots used in docs/GUARD.md.
#include "await.h"
#include "billingguard.h"
#include "clock.h"
#include "costsdialog.h"
#include "fleet.h"
#include "guardcontroller.h"
#include "guardcountdowndialog.h"
#include "guardpanel.h"
#include "guitestmain.h"
#include "instanceworkspace.h"
#include "jobs.h"
#include "ledger.h"
#include "mainwindow.h"
#include "overviewpage.h"
#include "prompter.h"
#include "reconciledialog.h"
#include "resources.h"
#include "sandbox/sandboxmachine.h"
#include "settings.h"
#include "shellsession.h"
#include "terminalpane.h"
#include "terminalsurface.h"
#include "terminalview.h"
#include "testenv.h"
#include "watchdog.h"

#include <QAction>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>

using namespace gpudeck;

class TestGuardWindow final : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void cleanup();
    void idleCountdownKeepThenDestroy();
    void startupCheckAdoptAndCosts();
    void defaultsFromSettings();
    void typingInATerminalIsActivity();
    void overviewPolicyWatchdogAndJob();
    void scenario2QuitAskedKeptThenWatchdogActs();

private:
    void screenshot(QWidget* w, const QString& name);
    Instance launch(const QString& plan, const QString& name);

    std::unique_ptr<test::IsolatedEnvironment> m_env;
    std::unique_ptr<Fleet> m_fleet;
    std::unique_ptr<Settings> m_settings;
    std::unique_ptr<MainWindow> m_window;
    std::unique_ptr<ManualClock> m_clock;
    GuardController* m_controller = nullptr;
};

void TestGuardWindow::initTestCase()
{
    initResources();
    Prompter::instance().setScripted(true);
}

void TestGuardWindow::init()
{
    Prompter::instance().clear();
    m_env = std::make_unique<test::IsolatedEnvironment>();
    m_fleet = std::make_unique<Fleet>(AppPaths::standard());
    QVERIFY(m_fleet->open().ok());
    m_settings = std::make_unique<Settings>(m_fleet->paths());
    m_window = std::make_unique<MainWindow>(*m_fleet, *m_settings);
    m_window->resize(1280, 760);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    m_controller = m_window->findChild<GuardController*>(QStringLiteral("guardController"));
    QVERIFY(m_controller);
    m_clock = std::make_unique<ManualClock>();
    m_controller->setClock(*m_clock);
    m_controller->guard().setTickInterval(0); // the test ticks after moving the clock
}

void TestGuardWindow::cleanup()
{
    Prompter::instance().queueAnswer(true); // "destroy the Sandbox machines and quit?"
    m_window->close();
    QTRY_VERIFY_WITH_TIMEOUT(!m_window->isVisible(), 20000);
    m_window.reset();
    m_settings.reset();
    m_fleet.reset();
    m_env.reset();
    m_clock.reset();
}

void TestGuardWindow::screenshot(QWidget* w, const QString& name)
{
    const QString dir = qEnvironmentVariable("GPUDECK_SCREENSHOT_DIR");
    if (dir.isEmpty())
        return;
    QDir().mkpath(dir);
    QVERIFY(w->grab().save(dir + QLatin1Char('/') + name));
}

Instance TestGuardWindow::launch(const QString& plan, const QString& name)
{
    LaunchRequest req;
    req.planId = plan;
    req.name = name;
    Result<Instance> r = awaitResult<Instance>([&](Callback<Instance> done) {
        m_fleet->launchAndWait(QStringLiteral("sandbox"), req, 30000, done);
    });
    if (!r.ok())
        qFatal("launch failed: %s", qPrintable(r.error().message));
    m_clock->set(QDateTime::currentDateTimeUtc());
    m_controller->guard().guard(r->id); // idle counts from "up and answering"
    return r.value();
}

void TestGuardWindow::idleCountdownKeepThenDestroy()
{
    const Instance inst = launch(QStringLiteral("l4-2x"), QStringLiteral("train-box"));
    BillingGuard& guard = m_controller->guard();
    QVERIFY(guard.isGuarded(inst.id));
    // The watchdog went on at the first SSH connection (Sandbox: the machine's own power off).
    QTRY_VERIFY_WITH_TIMEOUT(m_controller->watchdogs().installed(inst.id), 20000);

    m_clock->advance(30 * 60);
    guard.tick();
    QTRY_VERIFY(m_controller->countdownDialog(inst.id) &&
                m_controller->countdownDialog(inst.id)->isVisible());
    GuardCountdownDialog* dialog = m_controller->countdownDialog(inst.id);
    QCOMPARE(dialog->findChild<QLabel*>(QStringLiteral("guardCountdownText"))->text(),
             QStringLiteral("GPU idle for 30 min 00 s at $1.13/h — destroying in 5:00"));
    QCOMPARE(m_controller->notifications().last(),
             QStringLiteral("Billing guard: GPU idle for 30 min 00 s at $1.13/h — destroying in "
                            "5:00"));
    // The rest of the window still works (not modal).
    QVERIFY(!dialog->isModal());
    m_clock->advance(29);
    guard.tick();
    QCOMPARE(dialog->findChild<QLabel*>(QStringLiteral("guardSecondsLeft"))->text(),
             QStringLiteral("4:31"));
    screenshot(dialog, QStringLiteral("guard-countdown.png"));
    // The status bar and tray tooltip carry today's and this month's spend, as estimates.
    QVERIFY(m_window->findChild<QLabel*>(QStringLiteral("guardSpendLabel"))
                ->text()
                .endsWith(QStringLiteral("(estimate)")));

    // Keep 1 h: the dialog goes, nothing happens for the hour.
    dialog->findChild<QPushButton*>(QStringLiteral("keepHourButton"))->click();
    QTRY_VERIFY(!m_controller->countdownDialog(inst.id));
    m_clock->advance(3600);
    guard.tick();
    QVERIFY(!m_controller->countdownDialog(inst.id));
    // Idle for another 30 min after the keep: warned again; ignored: reminded; at zero: gone.
    m_clock->advance(30 * 60);
    guard.tick();
    QTRY_VERIFY(m_controller->countdownDialog(inst.id));
    m_clock->advance(150);
    guard.tick();
    QVERIFY(m_controller->notifications().last().startsWith(
        QStringLiteral("Billing guard — reminder: ")));
    QVERIFY(
        m_controller->countdownDialog(inst.id)->windowTitle().contains(QStringLiteral("reminder")));
    m_clock->advance(150);
    guard.tick();
    QTRY_VERIFY_WITH_TIMEOUT(!m_fleet->find(inst.id), 20000);
    QTRY_VERIFY(m_controller->notifications().last().startsWith(
        QStringLiteral("Destroyed by the guard: train-box was destroyed; it cost $0.02.")));
    QTRY_VERIFY(m_window->findChild<QDialog*>(QStringLiteral("recapDialog")));
}

void TestGuardWindow::startupCheckAdoptAndCosts()
{
    // A machine created behind GPUDeck's back (straight in the Sandbox, like a console).
    sandbox::SandboxStore store(m_env->stateDir() + QStringLiteral("/sandbox"), test::binDir(),
                                sandbox::Timing::fromEnvironment());
    LaunchRequest req;
    req.planId = QStringLiteral("a100-1x-hourly");
    req.name = QStringLiteral("forgotten");
    req.sshPublicKeys = {QStringLiteral("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHx+console")};
    const Result<Instance> made = store.launch(req);
    QVERIFY(made.ok());
    (void)awaitResult<QList<Error>>([&](auto done) { m_fleet->refresh(done); });
    auto* dialog = m_window->findChild<ReconcileDialog*>(QStringLiteral("reconcileDialog"));
    QTRY_VERIFY(dialog && dialog->isVisible());
    QTRY_COMPARE(dialog->rows(), 1);
    QVERIFY(m_controller->notifications().contains(QStringLiteral(
        "Unguarded machines: 1 machine(s) on your accounts run without the guard.")));
    auto* table = dialog->findChild<QTableWidget*>(QStringLiteral("unguardedTable"));
    QCOMPARE(table->item(0, 2)->text(), QStringLiteral("not launched by GPUDeck"));
    QCOMPARE(table->item(0, 3)->text(), QStringLiteral("$1.19")); // hourly: the started hour
    screenshot(dialog, QStringLiteral("guard-reconcile.png"));
    dialog->findChild<QPushButton*>(QStringLiteral("adoptButton_") + made->id)->click();
    QVERIFY(m_controller->guard().isGuarded(made->id));
    QTRY_COMPARE(dialog->rows(), 0);

    // Destroyed machines go to the ledger; the Costs view sums them three ways.
    const Instance other = launch(QStringLiteral("t4-1x"), QStringLiteral("short-run"));
    for (const QString& id : {made->id, other.id})
        QVERIFY(awaitResult<Recap>([&](Callback<Recap> done) { m_fleet->destroy(id, done); }).ok());
    m_window->findChild<QAction*>(QStringLiteral("costsAction"))->trigger();
    auto* costs = m_window->findChild<CostsDialog*>(QStringLiteral("costsDialog"));
    QTRY_VERIFY(costs && costs->isVisible());
    QCOMPARE(costs->findChild<QTableWidget*>(QStringLiteral("costsByDay"))->rowCount(), 1);
    QCOMPARE(costs->findChild<QTableWidget*>(QStringLiteral("costsByInstance"))->rowCount(), 2);
    auto* byProvider = costs->findChild<QTableWidget*>(QStringLiteral("costsByProvider"));
    QCOMPARE(byProvider->rowCount(), 1);
    QCOMPARE(byProvider->item(0, 5)->text(), QStringLiteral("$1.20")); // $1.19 + $0.01
    screenshot(costs, QStringLiteral("guard-costs.png"));
    const QString csv = m_env->path() + QStringLiteral("/costs.csv");
    QCOMPARE(costs->exportCsv(csv), QString());
    QCOMPARE(test::readFile(csv).count('\n'), 3);
}

void TestGuardWindow::defaultsFromSettings()
{
    // Settings → Guard sets the policy of machines guarded from then on, and it is kept.
    m_window->findChild<QAction*>(QStringLiteral("settingsAction"))->trigger();
    QDialog* dialog = nullptr;
    QTRY_VERIFY((dialog = m_window->findChild<QDialog*>(QStringLiteral("settingsDialog"))) &&
                dialog->isVisible());
    auto* pages = dialog->findChild<QListWidget*>(QStringLiteral("settingsPageList"));
    QList<QListWidgetItem*> guardItem = pages->findItems(QStringLiteral("Guard"), Qt::MatchExactly);
    QCOMPARE(guardItem.size(), 1);
    pages->setCurrentItem(guardItem.first());
    QWidget* page = dialog->findChild<QWidget*>(QStringLiteral("guardPage"));
    QVERIFY(page && page->isVisible());
    auto* idle = page->findChild<QSpinBox*>(QStringLiteral("guardIdleMinutes"));
    QCOMPARE(idle->value(), 30); // the product's default
    idle->setValue(12);
    page->findChild<QSpinBox*>(QStringLiteral("guardLifetimeHours"))->setValue(3);
    page->findChild<QDoubleSpinBox*>(QStringLiteral("guardBudget"))->setValue(1.5);
    page->findChild<QSpinBox*>(QStringLiteral("guardCountdownMinutes"))->setValue(2);
    auto* action = page->findChild<QComboBox*>(QStringLiteral("guardAction"));
    action->setCurrentIndex(action->findData(static_cast<int>(GuardPolicy::Action::Stop)));
    screenshot(dialog, QStringLiteral("settings-guard.png"));
    auto* buttons = dialog->findChild<QDialogButtonBox*>(QStringLiteral("settingsButtons"));
    QTest::mouseClick(buttons->button(QDialogButtonBox::Apply), Qt::LeftButton);

    const GuardPolicy& d = m_controller->guard().defaultPolicy();
    QCOMPARE(d.idleTimeoutSeconds, 12 * 60);
    QCOMPARE(d.maxLifetimeSeconds, 3 * 3600);
    QCOMPARE(d.budgetCapCents, 150);
    QCOMPARE(d.countdownSeconds, 2 * 60);
    QCOMPARE(d.action, GuardPolicy::Action::Stop);
    // Kept for the next start.
    QCOMPARE(Settings(m_fleet->paths()).guardDefaults(), d);
    // A machine launched now is guarded with it.
    const Instance inst = launch(QStringLiteral("l4-2x"), QStringLiteral("after-settings"));
    QCOMPARE(m_controller->guard().watch(inst.id)->policy.idleTimeoutSeconds, 12 * 60);
    QCOMPARE(m_controller->guard().watch(inst.id)->policy.budgetCapCents, 150);
    dialog->close();
}

void TestGuardWindow::typingInATerminalIsActivity()
{
    // Keys typed into the machine's terminal keep the idle clock at zero: a user at work in a
    // shell is not idle, whatever the GPUs do.
    const Instance inst = launch(QStringLiteral("l4-2x"), QStringLiteral("typing-box"));
    BillingGuard& guard = m_controller->guard();
    InstanceWorkspace* workspace = m_window->openWorkspace(inst.id);
    QVERIFY(workspace);
    TerminalPane* pane = workspace->openTerminal();
    QTRY_COMPARE_WITH_TIMEOUT(pane->state(), ssh::ShellSession::State::Connected, 15000);
    m_clock->advance(20 * 60);
    guard.tick();
    QCOMPARE(guard.idleSeconds(inst.id), 20 * 60);
    QTest::keyClick(pane->view(), Qt::Key_A);
    QCOMPARE(guard.idleSeconds(inst.id), 0);
    QCOMPARE(guard.watch(inst.id)->lastActivityWhat, QStringLiteral("keystroke"));
    // The terminal's own answers (a cursor report the remote side asked for) are not activity.
    m_clock->advance(60);
    pane->view()->surface()->feed("\x1b[6n");
    QCOMPARE(guard.idleSeconds(inst.id), 60);
}

void TestGuardWindow::overviewPolicyWatchdogAndJob()
{
    // The guard's part of the Overview: the machine's own policy, its watchdog (visible,
    // removable, installable again) and job mode, all through the real widgets.
    const Instance inst = launch(QStringLiteral("l4-2x"), QStringLiteral("job-box"));
    BillingGuard& guard = m_controller->guard();
    InstanceWorkspace* workspace = m_window->openWorkspace(inst.id);
    QVERIFY(workspace);
    auto* panel = workspace->findChild<GuardPanel*>(QStringLiteral("guardPanel"));
    QVERIFY(panel && panel->isVisible());
    auto* state = panel->findChild<QLabel*>(QStringLiteral("guardStateLabel"));
    QVERIFY2(state->text().startsWith(QStringLiteral("Guarded — idle")), qPrintable(state->text()));
    QCOMPARE(panel->findChild<QLabel*>(QStringLiteral("guardPolicyLabel"))->text(),
             QStringLiteral("Policy: idle 30 min 00 s · no lifetime limit · no budget cap → "
                            "destroy after 5 min 00 s"));

    // Watchdog: installed at the first connection, said so; removed and installed again.
    QTRY_VERIFY_WITH_TIMEOUT(m_controller->watchdogs().installed(inst.id), 20000);
    auto* watchdog = panel->findChild<QLabel*>(QStringLiteral("watchdogLabel"));
    auto* watchdogButton = panel->findChild<QPushButton*>(QStringLiteral("watchdogButton"));
    // Said by the install, or by the status the panel asked the machine for (one from an earlier
    // session counts), whichever answered last.
    QTRY_VERIFY(watchdog->text().contains(QStringLiteral("Watchdog installed.")) ||
                watchdog->text().contains(QStringLiteral("Watchdog running.")));
    QVERIFY(watchdog->text().startsWith(QStringLiteral("On-instance watchdog: if GPUDeck stops")));
    QCOMPARE(watchdogButton->text(), QStringLiteral("&Remove watchdog"));
    watchdogButton->click();
    QTRY_VERIFY_WITH_TIMEOUT(watchdog->text().endsWith(QStringLiteral("Watchdog removed.")), 20000);
    QVERIFY(!m_controller->watchdogs().installed(inst.id));
    QCOMPARE(watchdogButton->text(), QStringLiteral("&Install watchdog"));
    watchdogButton->click();
    QTRY_VERIFY_WITH_TIMEOUT(m_controller->watchdogs().installed(inst.id), 20000);

    // Policy…: this machine only.
    panel->findChild<QPushButton*>(QStringLiteral("guardPolicyButton"))->click();
    QDialog* policy = nullptr;
    QTRY_VERIFY((policy = panel->findChild<QDialog*>(QStringLiteral("guardPolicyDialog"))) &&
                policy->isVisible());
    policy->findChild<QSpinBox*>(QStringLiteral("guardIdleMinutes"))->setValue(10);
    policy->findChild<QDoubleSpinBox*>(QStringLiteral("guardBudget"))->setValue(2.5);
    policy->findChild<QLineEdit*>(QStringLiteral("guardResultsFolder"))
        ->setText(QStringLiteral("checkpoints"));
    screenshot(policy, QStringLiteral("guard-policy.png"));
    policy->accept();
    QCOMPARE(guard.watch(inst.id)->policy.idleTimeoutSeconds, 10 * 60);
    QCOMPARE(guard.watch(inst.id)->policy.budgetCapCents, 250);
    QCOMPARE(guard.watch(inst.id)->policy.resultsFolder, QStringLiteral("checkpoints"));
    QCOMPARE(guard.defaultPolicy().idleTimeoutSeconds, 30 * 60); // the default is untouched
    QVERIFY(panel->findChild<QLabel*>(QStringLiteral("guardPolicyLabel"))
                ->text()
                .contains(QStringLiteral("idle 10 min 00 s · no lifetime limit · budget $2.50")));

    // Run job…: it runs, the machine is busy meanwhile; at its end the countdown dialog says
    // so; at zero the outputs are downloaded and the machine destroyed, with the recap.
    m_controller->jobs().setPollInterval(300);
    panel->findChild<QPushButton*>(QStringLiteral("runJobButton"))->click();
    QDialog* job = nullptr;
    QTRY_VERIFY((job = panel->findChild<QDialog*>(QStringLiteral("jobDialog"))) &&
                job->isVisible());
    auto* run = job->findChild<QPushButton*>(QStringLiteral("jobRunButton"));
    QVERIFY(!run->isEnabled()); // no command yet
    job->findChild<QPlainTextEdit*>(QStringLiteral("jobCommandEdit"))
        ->setPlainText(QStringLiteral("mkdir -p out && echo 'accuracy 0.93' > out/metrics.txt\n"
                                      "sleep 2"));
    job->findChild<QLineEdit*>(QStringLiteral("jobOutputsEdit"))->setText(QStringLiteral("out"));
    const QString downloads = m_env->path() + QStringLiteral("/from-job");
    job->findChild<QLineEdit*>(QStringLiteral("jobDownloadDirEdit"))->setText(downloads);
    job->findChild<QSpinBox*>(QStringLiteral("jobCountdownSpin"))->setValue(30);
    QVERIFY(run->isEnabled());
    screenshot(job, QStringLiteral("job-dialog.png"));
    QTest::mouseClick(run, Qt::LeftButton);
    auto* jobLabel = panel->findChild<QLabel*>(QStringLiteral("jobLabel"));
    QTRY_VERIFY_WITH_TIMEOUT(jobLabel->text().contains(QStringLiteral("running for")), 20000);
    QTRY_VERIFY(guard.watch(inst.id)->jobRunning);
    QVERIFY(panel->findChild<QPushButton*>(QStringLiteral("cancelJobButton"))->isVisible());
    screenshot(workspace, QStringLiteral("overview-guard.png"));
    QTRY_VERIFY_WITH_TIMEOUT(m_controller->countdownDialog(inst.id) &&
                                 m_controller->countdownDialog(inst.id)->isVisible(),
                             20000);
    GuardCountdownDialog* dialog = m_controller->countdownDialog(inst.id);
    const QString text = dialog->findChild<QLabel*>(QStringLiteral("guardCountdownText"))->text();
    QVERIFY2(text.startsWith(QStringLiteral("Job `mkdir -p out && echo 'accuracy 0.93' > "
                                            "out/metrics.txt` finished (exit status 0) — "
                                            "destroying in 0:30")),
             qPrintable(text));
    QVERIFY(jobLabel->text().contains(QStringLiteral("finished (exit status 0)")));
    screenshot(dialog, QStringLiteral("job-countdown.png"));
    m_clock->advance(30);
    guard.tick();
    QTRY_VERIFY_WITH_TIMEOUT(!m_fleet->find(inst.id), 30000);
    QCOMPARE(test::readFile(downloads + QStringLiteral("/out/metrics.txt")),
             QByteArray("accuracy 0.93\n"));
    QTRY_VERIFY(m_window->findChild<QDialog*>(QStringLiteral("recapDialog")));
}

void TestGuardWindow::scenario2QuitAskedKeptThenWatchdogActs()
{
    // The app closed normally with a machine running: asked on quit, with what will (or will
    // not) stop each billing machine; kept: the window goes, its heartbeats stop, and the
    // watchdog on the machine powers it off within its timeout.
    m_settings->setDestroySandboxOnQuit(false); // a Sandbox machine that outlives the app
    m_controller->watchdogs().setStaleSeconds(3);
    m_controller->watchdogs().setCheckSeconds(1);
    m_controller->watchdogs().setHeartbeatInterval(500);
    const Instance inst = launch(QStringLiteral("t4-1x"), QStringLiteral("kept-box"));
    QTRY_VERIFY_WITH_TIMEOUT(m_controller->watchdogs().installed(inst.id), 20000);

    Prompter::instance().queueChoice(0); // "Keep them running and quit"
    const QDateTime quitAt = QDateTime::currentDateTimeUtc();
    m_window->close();
    QTRY_VERIFY_WITH_TIMEOUT(!m_window->isVisible(), 10000);
    const QString asked = Prompter::instance().questionsAsked().last();
    QVERIFY2(asked.contains(QStringLiteral("1 machine(s) keep billing after GPUDeck quits:\n"
                                           "• kept-box — $0.364/h: its watchdog stops it once "
                                           "GPUDeck's heartbeat is missing and its GPUs are "
                                           "idle.")),
             qPrintable(asked));
    QVERIFY(m_fleet->find(inst.id)); // kept, not destroyed
    m_window.reset();                // the app is gone: no more heartbeats

    const sandbox::SandboxStore store(m_env->stateDir() + QStringLiteral("/sandbox"),
                                      test::binDir(), sandbox::Timing::fromEnvironment());
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(store.machineDir(inst.id) + QStringLiteral("/poweroff")),
                             20000);
    QVERIFY(quitAt.secsTo(QDateTime::currentDateTimeUtc()) <= 12);
    (void)awaitResult<QList<Error>>([&](auto done) { m_fleet->refresh(done); });
    QCOMPARE(m_fleet->find(inst.id)->status, InstanceStatus::Stopped);
    QVERIFY(m_fleet->find(inst.id)->statusDetail.startsWith(
        QStringLiteral("Powered off from inside the machine")));

    // The next start lists it, unguarded, with what happened (the start-up check).
    m_window = std::make_unique<MainWindow>(*m_fleet, *m_settings);
    m_window->show();
    auto* dialog = m_window->findChild<ReconcileDialog*>(QStringLiteral("reconcileDialog"));
    QTRY_VERIFY_WITH_TIMEOUT(
        (dialog = m_window->findChild<ReconcileDialog*>(QStringLiteral("reconcileDialog"))) &&
            dialog->rows() == 1,
        20000);
    Prompter::instance().queueChoice(1); // cleanup: "Destroy them and quit"
}

GPUDECK_GUITEST_MAIN(TestGuardWindow)
#include "tst_guardwindow.moc"
