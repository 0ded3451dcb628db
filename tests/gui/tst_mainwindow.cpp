// The skeleton flow in the real main window: catalog -> launch dialog -> running instance with
// SSH ready -> destroy (confirmed) -> recap, on a real Sandbox machine.
#include "catalogmodel.h"
#include "clock.h"
#include "filespage.h"
#include "fleet.h"
#include "guitestmain.h"
#include "instancelistmodel.h"
#include "instanceworkspace.h"
#include "launchdialog.h"
#include "ledger.h"
#include "mainwindow.h"
#include "meter.h"
#include "monitorpage.h"
#include "prompter.h"
#include "remote.h"
#include "resources.h"
#include "settings.h"
#include "terminalpane.h"
#include "terminalsurface.h"
#include "terminaltabs.h"
#include "terminalview.h"
#include "testenv.h"
#include "theme.h"
#include "transferqueue.h"

#include <QAbstractButton>
#include <QAbstractItemModelTester>
#include <QAction>
#include <QChartView>
#include <QCheckBox>
#include <QComboBox>
#include <QCryptographicHash>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QListView>
#include <QListWidget>
#include <QMimeData>
#include <QPushButton>
#include <QScrollBar>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QToolButton>

#include <limits>

using namespace gpudeck;

class TestMainWindow final : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void cleanup();
    void launchFromCatalogThenDestroyShowsRecap();
    void cancelledDestroyKeepsTheMachine();
    void catalogFilters();
    void sshHostFromDialogAsksForHostKey();
    void monitorShowsGpusAndTraining();
    void filesTabDropUploadsAndDownloads();
    void geometryIsRemembered();
    void closingATabKeepsTerminalsRunning();
    void machineDestroyedElsewhereClosesItsTab();
    void settingsApplyToOpenTerminalsAndTransfers();
    void addHostKeyLabelHasABuddy();
    void welcomeOnceThenTrySandbox();
    void everyControlHasAnAccessibleName();
    void launchDialogTabReachesLaunch();
    void launchDialogOffersSpot();
    void launchDialogRegionsImagesDisk();
    void costTicksTheSameInListAndOverview();
    void catalogKeepsPlanColumnAndEmptiedVramMeansAny();

private:
    void screenshot(QWidget* w, const QString& name);
    // Launches through the catalog and the dialog; sets *id (test fails otherwise).
    void launchViaDialog(const QString& planId, const QString& name, QString* id);

    std::unique_ptr<test::IsolatedEnvironment> m_env;
    std::unique_ptr<Fleet> m_fleet;
    std::unique_ptr<Settings> m_settings;
    std::unique_ptr<MainWindow> m_window;
    ManualClock m_meterClock; // outlives every window that reads it
};

// Rows of the Sandbox's plans among every provider's.
static int sandboxRows(QTableView* view)
{
    int n = 0;
    for (int r = 0; r < view->model()->rowCount(); ++r)
        n += view->model()->index(r, 0).data(CatalogModel::ProviderIdRole).toString() ==
             QLatin1String("sandbox");
    return n;
}

void TestMainWindow::initTestCase()
{
    initResources();
    Prompter::instance().setScripted(true);
}

void TestMainWindow::init()
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
}

void TestMainWindow::cleanup()
{
    Prompter::instance().queueAnswer(true); // "destroy the Sandbox machines and quit?"
    m_window->close();
    QTRY_VERIFY_WITH_TIMEOUT(!m_window->isVisible(), 20000);
    m_window.reset();
    m_settings.reset();
    m_fleet.reset();
    m_env.reset();
}

void TestMainWindow::screenshot(QWidget* w, const QString& name)
{
    const QString dir = qEnvironmentVariable("GPUDECK_SCREENSHOT_DIR");
    if (dir.isEmpty())
        return;
    QDir().mkpath(dir);
    QVERIFY(w->grab().save(dir + QLatin1Char('/') + name));
}

void TestMainWindow::launchViaDialog(const QString& planId, const QString& name, QString* id)
{
    auto* view = m_window->findChild<QTableView*>(QStringLiteral("catalogView"));
    QVERIFY(view);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->catalogComplete(), 30000);
    for (int row = 0; row < view->model()->rowCount(); ++row) {
        const QModelIndex i = view->model()->index(row, 0);
        if (i.data(CatalogModel::PlanIdRole).toString() == planId)
            view->selectRow(row);
    }
    auto* launch = m_window->findChild<QPushButton*>(QStringLiteral("catalogLaunchButton"));
    QVERIFY(launch && launch->isEnabled());
    QTest::mouseClick(launch, Qt::LeftButton);
    QDialog* dialog = nullptr;
    QTRY_VERIFY_WITH_TIMEOUT(dialog = m_window->findChild<QDialog*>(QStringLiteral("launchDialog")),
                             2000);
    auto* nameEdit = dialog->findChild<QLineEdit*>(QStringLiteral("nameEdit"));
    QTest::keyClicks(nameEdit, name);
    auto* confirm = dialog->findChild<QPushButton*>(QStringLiteral("confirmLaunchButton"));
    // Clicking twice must not launch twice.
    QTest::mouseClick(confirm, Qt::LeftButton);
    QTest::mouseClick(confirm, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!(*id =
                                   [&] {
                                       for (const Instance& i : m_fleet->instances())
                                           if (i.name == name)
                                               return i.id;
                                       return QString();
                                   }())
                                  .isEmpty(),
                             10000);
}

void TestMainWindow::launchFromCatalogThenDestroyShowsRecap()
{
    auto* view = m_window->findChild<QTableView*>(QStringLiteral("catalogView"));
    QVERIFY(view);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->catalogComplete(), 30000);
    QCOMPARE(sandboxRows(view), 6);

    // The dialog shows the price per hour and for N hours before anything is sent.
    for (int row = 0; row < view->model()->rowCount(); ++row) {
        if (view->model()->index(row, 0).data(CatalogModel::PlanIdRole) == QStringLiteral("l4-2x"))
            view->selectRow(row);
    }
    QTest::mouseClick(m_window->findChild<QPushButton*>(QStringLiteral("catalogLaunchButton")),
                      Qt::LeftButton);
    QDialog* dialog = nullptr;
    QTRY_VERIFY(dialog = m_window->findChild<QDialog*>(QStringLiteral("launchDialog")));
    auto* hours = dialog->findChild<QSpinBox*>(QStringLiteral("hoursSpin"));
    hours->setValue(10);
    const QString price = dialog->findChild<QLabel*>(QStringLiteral("priceLabel"))->text();
    // $1.10/h plus 250 GB of disk at $0.10/GB-month: the one rate the Overview shows later.
    QVERIFY2(price.contains(QLatin1String("$1.10/h")) && price.contains(QLatin1String("$1.13/h")) &&
                 price.contains(QLatin1String("$11.34")),
             qPrintable(price));
    dialog->reject();
    QTRY_VERIFY(!m_window->findChild<QDialog*>(QStringLiteral("launchDialog")));
    QVERIFY(m_fleet->instances().isEmpty());

    QString id;
    launchViaDialog(QStringLiteral("l4-2x"), QStringLiteral("bert-finetune"), &id);
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(m_fleet->instances().size(), 1);

    // The workspace opens and follows the launch to "SSH ready".
    auto* tabs = m_window->findChild<QTabWidget*>(QStringLiteral("workspaceTabs"));
    QWidget* workspace = m_window->findChild<QWidget*>(QStringLiteral("workspace-") + id);
    QVERIFY(workspace);
    QCOMPARE(tabs->currentWidget(), workspace);
    auto* status = workspace->findChild<QLabel*>(QStringLiteral("overviewStatus"));
    QTRY_VERIFY_WITH_TIMEOUT(status->text().contains(QLatin1String("SSH ready")), 30000);
    const Instance inst = *m_fleet->find(id);
    QCOMPARE(workspace->findChild<QLabel*>(QStringLiteral("overviewAddress"))->text(),
             QStringLiteral("127.0.0.1:%1").arg(inst.sshPort));
    QCOMPARE(workspace->findChild<QLabel*>(QStringLiteral("overviewUser"))->text(), inst.user);
    QVERIFY(workspace->findChild<QLabel*>(QStringLiteral("overviewCost"))
                ->text()
                .startsWith(QLatin1String("$0.0")));
    QVERIFY(workspace->findChild<QLabel*>(QStringLiteral("overviewSshCommand"))
                ->text()
                .contains(QStringLiteral("-p %1").arg(inst.sshPort)));

    // A real terminal: type into the widget, read the screen; a second one with "+"; the
    // remote PTY follows the widget's size.
    QTest::mouseClick(workspace->findChild<QPushButton*>(QStringLiteral("openTerminalButton")),
                      Qt::LeftButton);
    auto* terminals = workspace->findChild<TerminalTabs*>(QStringLiteral("terminalTabs"));
    QVERIFY(terminals);
    QCOMPARE(terminals->count(), 1);
    TerminalPane* pane = terminals->terminal(0);
    QTRY_COMPARE_WITH_TIMEOUT(pane->state(), ssh::ShellSession::State::Connected, 15000);
    QTest::keyClicks(pane->view(), QStringLiteral("echo hi-$((6*7)); stty size"));
    QTest::keyClick(pane->view(), Qt::Key_Return);
    auto screenText = [](terminal::TerminalSurface* s) {
        QString all;
        for (int r = 0; r < s->rows(); ++r)
            all += s->lineText(r) + QLatin1Char('\n');
        return all;
    };
    QTRY_VERIFY_WITH_TIMEOUT(screenText(pane->surface()).contains(QLatin1String("hi-42")), 10000);
    const QString size =
        QStringLiteral("%1 %2").arg(pane->surface()->rows()).arg(pane->surface()->cols());
    QTRY_VERIFY_WITH_TIMEOUT(screenText(pane->surface()).contains(size), 10000);
    QVERIFY(pane->surface()->cols() > 40 && pane->surface()->rows() > 10);
    screenshot(m_window.get(), QStringLiteral("terminal.png"));
    QTest::mouseClick(workspace->findChild<QToolButton*>(QStringLiteral("newTerminalButton")),
                      Qt::LeftButton);
    QCOMPARE(terminals->count(), 2);
    QTRY_COMPARE_WITH_TIMEOUT(terminals->terminal(1)->state(), ssh::ShellSession::State::Connected,
                              15000);
    // Full-screen programs: the terminal switches to the alternate screen and back.
    TerminalPane* second = terminals->terminal(1);
    const bool haveVim = !QStandardPaths::findExecutable(QStringLiteral("vim")).isEmpty();
    QTest::keyClicks(second->view(), haveVim ? QStringLiteral("vim README.txt")
                                             : QStringLiteral("less README.txt"));
    QTest::keyClick(second->view(), Qt::Key_Return);
    QTRY_VERIFY_WITH_TIMEOUT(second->surface()->altScreenActive(), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(screenText(second->surface()).contains(QLatin1String("simulated")),
                             10000);
    QTest::qWait(300);
    screenshot(m_window.get(), QStringLiteral("terminal-vim.png"));
    if (haveVim) {
        QTest::keyClick(second->view(), Qt::Key_Escape);
        QTest::keyClicks(second->view(), QStringLiteral(":q!"));
    } else {
        QTest::keyClicks(second->view(), QStringLiteral("q"));
    }
    QTest::keyClick(second->view(), Qt::Key_Return);
    QTRY_VERIFY_WITH_TIMEOUT(!second->surface()->altScreenActive(), 10000);
    if (!QStandardPaths::findExecutable(QStringLiteral("htop")).isEmpty() &&
        !qEnvironmentVariableIsEmpty("GPUDECK_SCREENSHOT_DIR")) {
        QTest::keyClicks(second->view(), QStringLiteral("htop"));
        QTest::keyClick(second->view(), Qt::Key_Return);
        QTRY_VERIFY_WITH_TIMEOUT(second->surface()->altScreenActive(), 10000);
        QTest::qWait(1500);
        screenshot(m_window.get(), QStringLiteral("terminal-htop.png"));
        QTest::keyClicks(second->view(), QStringLiteral("q"));
        QTRY_VERIFY_WITH_TIMEOUT(!second->surface()->altScreenActive(), 10000);
    }
    workspace->findChild<QTabWidget*>(QStringLiteral("instanceTabs"))->setCurrentIndex(0);

    // The sidebar lists it with status and cost; the status bar shows the burn rate.
    auto* list = m_window->findChild<QListView*>(QStringLiteral("instanceList"));
    QCOMPARE(list->model()->rowCount(), 1);
    QVERIFY(list->model()->index(0, 0).data().toString().contains(QLatin1String("Running")));
    // One rate everywhere: the plan's $1.10/h plus its disk, as the recap charges it.
    const QString rate = formatHourly(hourlyRate(*m_fleet->find(id)).totalUsd());
    QVERIFY(rate != QLatin1String("$1.10/h"));
    QTRY_COMPARE(m_window->findChild<QLabel*>(QStringLiteral("burnRateLabel"))->text(),
                 QStringLiteral("Burning %1").arg(rate));
    QTest::qWait(1200); // let the meter tick once, for the screenshot
    screenshot(m_window.get(), QStringLiteral("main-window-running.png"));

    // Destroy: the confirmation names what is lost; the recap comes after the provider confirms.
    // Nothing may try to reach the machine while and after it goes (terminals reconnecting,
    // monitors restarting): count the "refused" messages the SSH layer logs.
    static int refusals = 0;
    refusals = 0;
    static QtMessageHandler previous = nullptr;
    previous = qInstallMessageHandler(
        [](QtMsgType type, const QMessageLogContext& ctx, const QString& msg) {
            if (msg.contains(QLatin1String("refused the SSH connection")))
                ++refusals;
            previous(type, ctx, msg);
        });
    Prompter::instance().queueChoice(0); // "Destroy"
    QSignalSpy recapShown(m_window.get(), &MainWindow::recapShown);
    QTest::mouseClick(workspace->findChild<QPushButton*>(QStringLiteral("destroyButton")),
                      Qt::LeftButton);
    QVERIFY(Prompter::instance().questionsAsked().last().contains(
        QLatin1String("everything on its disk")));
    QTRY_COMPARE_WITH_TIMEOUT(recapShown.size(), 1, 20000);
    QTest::qWait(3000);
    qInstallMessageHandler(previous);
    QCOMPARE(refusals, 0);
    QDialog* recap = m_window->findChild<QDialog*>(QStringLiteral("recapDialog"));
    QVERIFY(recap);
    QCOMPARE(recap->findChild<QLabel*>(QStringLiteral("recapRate"))->text(),
             QStringLiteral("$1.10/h"));
    QVERIFY(recap->findChild<QLabel*>(QStringLiteral("recapBilled"))
                ->text()
                .startsWith(QLatin1String("1 min 00 s")));
    QCOMPARE(recap->findChild<QLabel*>(QStringLiteral("recapCompute"))->text(),
             QStringLiteral("$0.02"));
    QCOMPARE(recap->findChild<QLabel*>(QStringLiteral("recapTotal"))->text(),
             QStringLiteral("$0.02"));
    screenshot(recap, QStringLiteral("recap.png"));
    QVERIFY(Prompter::instance().errorsShown().isEmpty());
    QCOMPARE(m_fleet->ledger().all()->size(), 1);
    QVERIFY(m_fleet->instances().isEmpty());
    QCOMPARE(list->model()->rowCount(), 0);
    QVERIFY(!m_window->findChild<QWidget*>(QStringLiteral("workspace-") + id));
    QVERIFY(!QFileInfo::exists(m_env->stateDir() + QStringLiteral("/sandbox/") + id));
    recap->close();
}

void TestMainWindow::cancelledDestroyKeepsTheMachine()
{
    QString id;
    launchViaDialog(QStringLiteral("t4-1x"), QStringLiteral("keep-me"), &id);
    if (QTest::currentTestFailed())
        return;
    const qsizetype asked = Prompter::instance().questionsAsked().size();
    Prompter::instance().queueChoice(-1); // dismissed
    m_window->destroyInstance(id);
    // The question was asked (and answered by the dismissal)...
    QCOMPARE(Prompter::instance().questionsAsked().size(), asked + 1);
    QVERIFY(Prompter::instance().questionsAsked().last().contains(
        QLatin1String("everything on its disk")));
    QSignalSpy recapShown(m_window.get(), &MainWindow::recapShown);
    // ... and no destroy began: one that begins says so in the status bar at once, before the
    // provider is asked, and a Sandbox destroy ends with the machine gone and a recap within
    // a second or two (the test above); watch long enough for any of it to show.
    QElapsedTimer watched;
    watched.start();
    while (watched.elapsed() < 4000) {
        QVERIFY(!m_window->statusBar()->currentMessage().contains(QLatin1String("Destroying")));
        QVERIFY(m_fleet->find(id));
        QCOMPARE(recapShown.size(), 0);
        QTest::qWait(50);
    }
    QCOMPARE(m_fleet->ledger().all()->size(), 0);
    // Quitting with a Sandbox machine asks, then destroys it (cleanup() answers yes).
}

void TestMainWindow::catalogFilters()
{
    auto* view = m_window->findChild<QTableView*>(QStringLiteral("catalogView"));
    // Other providers' plans (bundled catalogs) are listed too: count the Sandbox's six.
    QTRY_VERIFY_WITH_TIMEOUT(m_window->catalogComplete(), 30000);
    QCOMPARE(sandboxRows(view), 6);
    QAbstractItemModelTester tester(view->model(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    QTest::keyClicks(m_window->findChild<QLineEdit*>(QStringLiteral("catalogSearch")),
                     QStringLiteral("a100"));
    QCOMPARE(sandboxRows(view), 2);
    m_window->findChild<QLineEdit*>(QStringLiteral("catalogSearch"))->clear();
    auto* vram = m_window->findChild<QDoubleSpinBox*>(QStringLiteral("minVramSpin"));
    vram->setValue(24);
    QCOMPARE(sandboxRows(view), 5); // the 16 GB T4 is out
    auto* price = m_window->findChild<QDoubleSpinBox*>(QStringLiteral("maxPriceSpin"));
    price->setValue(1.0);
    QCOMPARE(sandboxRows(view), 1); // only the A10 (24 GB, $0.75/h)
    // Sorting by price is numeric: $23.92 sorts after $1.29.
    price->setValue(0);
    vram->setValue(0);
    view->sortByColumn(CatalogModel::PriceCol, Qt::DescendingOrder);
    QString firstSandbox;
    for (int r = 0; r < view->model()->rowCount() && firstSandbox.isEmpty(); ++r) {
        const QModelIndex i = view->model()->index(r, 0);
        if (i.data(CatalogModel::ProviderIdRole).toString() == QLatin1String("sandbox"))
            firstSandbox = i.data(CatalogModel::PlanIdRole).toString();
    }
    QCOMPARE(firstSandbox, QStringLiteral("h100-8x"));

    // No plan left: the count says so, and an empty state offers to reset the filters.
    auto* status = m_window->findChild<QLabel*>(QStringLiteral("catalogStatus"));
    const int all = view->model()->rowCount();
    vram->setValue(1000);
    QCOMPARE(view->model()->rowCount(), 0);
    QVERIFY2(status->text().startsWith(QStringLiteral("0 of %1 plans").arg(all)),
             qPrintable(status->text()));
    auto* empty = m_window->findChild<QWidget*>(QStringLiteral("catalogEmpty"));
    QVERIFY(empty->isVisible());
    QTest::mouseClick(m_window->findChild<QPushButton*>(QStringLiteral("catalogResetFilters")),
                      Qt::LeftButton);
    QCOMPARE(view->model()->rowCount(), all);
    QVERIFY(!empty->isVisible());
    QVERIFY(status->text().startsWith(QStringLiteral("%1 plans").arg(all)));

    // Tab leaves the table instead of walking its cells.
    view->setFocus();
    QTest::keyClick(view, Qt::Key_Tab);
    QVERIFY(!view->hasFocus());
    // Descending: plans priced otherwise than by the hour (Colab's months) first, then by price.
    double previous = std::numeric_limits<double>::max();
    for (int r = 0; r < view->model()->rowCount(); ++r) {
        const double p =
            view->model()->index(r, CatalogModel::PriceCol).data(CatalogModel::SortRole).toDouble();
        QVERIFY(p <= previous);
        previous = p;
    }
}

void TestMainWindow::sshHostFromDialogAsksForHostKey()
{
    // Any SSH server will do as "the user's own machine": use a Sandbox machine's sshd, under
    // a name GPUDeck has no host key for.
    QString machine;
    launchViaDialog(QStringLiteral("t4-1x"), QStringLiteral("server"), &machine);
    if (QTest::currentTestFailed())
        return;
    QTRY_VERIFY_WITH_TIMEOUT(m_fleet->timeline(*m_fleet->find(machine)).sshReady.isValid(), 15000);
    const Instance server = *m_fleet->find(machine);

    m_window->showAddHostDialog();
    QDialog* dialog = nullptr;
    QTRY_VERIFY(dialog = m_window->findChild<QDialog*>(QStringLiteral("addHostDialog")));
    QTest::keyClicks(dialog->findChild<QLineEdit*>(QStringLiteral("hostName")),
                     QStringLiteral("lab-box"));
    QTest::keyClicks(dialog->findChild<QLineEdit*>(QStringLiteral("hostAddress")),
                     QStringLiteral("localhost"));
    dialog->findChild<QSpinBox*>(QStringLiteral("hostPort"))->setValue(server.sshPort);
    QTest::keyClicks(dialog->findChild<QLineEdit*>(QStringLiteral("hostKey")),
                     m_fleet->keyPathFor(server));
    screenshot(dialog, QStringLiteral("add-host-dialog.png"));
    QTest::mouseClick(dialog->findChild<QPushButton*>(QStringLiteral("addHostButton")),
                      Qt::LeftButton);
    QWidget* workspace = nullptr;
    QTRY_VERIFY_WITH_TIMEOUT(
        workspace = m_window->findChild<QWidget*>(QStringLiteral("workspace-lab-box")), 5000);
    QVERIFY(!workspace->findChild<QPushButton*>(QStringLiteral("destroyButton"))->isVisible());
    QVERIFY(workspace->findChild<QPushButton*>(QStringLiteral("removeHostButton"))->isVisible());

    // First contact: the fingerprint is shown and must be accepted.
    Prompter::instance().queueAnswer(true);
    QTest::mouseClick(workspace->findChild<QPushButton*>(QStringLiteral("openTerminalButton")),
                      Qt::LeftButton);
    auto* terminals = workspace->findChild<TerminalTabs*>(QStringLiteral("terminalTabs"));
    QTRY_COMPARE_WITH_TIMEOUT(terminals->terminal(0)->state(), ssh::ShellSession::State::Connected,
                              15000);
    QVERIFY(Prompter::instance().questionsAsked().last().contains(server.hostKeySha256));

    Prompter::instance().queueAnswer(true);
    QTest::mouseClick(workspace->findChild<QPushButton*>(QStringLiteral("removeHostButton")),
                      Qt::LeftButton);
    QTRY_VERIFY(!m_window->findChild<QWidget*>(QStringLiteral("workspace-lab-box")));
    QVERIFY(!m_fleet->find(QStringLiteral("lab-box")));
}

void TestMainWindow::monitorShowsGpusAndTraining()
{
    QString id;
    launchViaDialog(QStringLiteral("l4-2x"), QStringLiteral("llm-train"), &id);
    if (QTest::currentTestFailed())
        return;
    QTRY_VERIFY_WITH_TIMEOUT(m_fleet->timeline(*m_fleet->find(id)).sshReady.isValid(), 15000);
    const Instance machine = *m_fleet->find(id);
    // The machine's demo training job, logging Keras-style epochs to ~/train.log.
    const Result<int> started =
        runRemote(endpointFor(machine, m_fleet->keyPathFor(machine), m_fleet->paths()),
                  QStringLiteral("nohup gpudeck-demo-train --epochs 12 --steps 10 "
                                 "--step-ms 60 --log ~/train.log >/dev/null 2>&1 &"),
                  {});
    QVERIFY(started.ok() && started.value() == 0);

    auto* workspace = qobject_cast<InstanceWorkspace*>(
        m_window->findChild<QWidget*>(QStringLiteral("workspace-") + id));
    QVERIFY(workspace);
    auto* tabs = workspace->findChild<QTabWidget*>(QStringLiteral("instanceTabs"));
    tabs->setCurrentWidget(workspace->monitor());
    auto* table = workspace->findChild<QTableWidget*>(QStringLiteral("gpuTable"));
    QTRY_COMPARE_WITH_TIMEOUT(table->rowCount(), 2, 15000);
    QTRY_VERIFY_WITH_TIMEOUT(
        table->item(0, 2) && table->item(0, 2)->text().endsWith(QLatin1String("%")), 10000);
    QCOMPARE(table->item(0, 1)->text(), QStringLiteral("NVIDIA L4"));
    auto* summary = workspace->findChild<QLabel*>(QStringLiteral("trainingSummary"));
    QTRY_VERIFY_WITH_TIMEOUT(summary->text().contains(QLatin1String("ETA")) ||
                                 summary->text().contains(QLatin1String("finished")),
                             20000);
    QVERIFY2(summary->text().contains(QLatin1String("of 12")), qPrintable(summary->text()));
    auto* util = workspace->findChild<QChartView*>(QStringLiteral("chartUtilization"));
    QTRY_VERIFY_WITH_TIMEOUT(
        util->chart()->series().size() == 2 &&
            static_cast<QLineSeries*>(util->chart()->series().first())->count() >= 3,
        10000);
    auto* loss = workspace->findChild<QChartView*>(QStringLiteral("chartTraining"));
    QTRY_VERIFY_WITH_TIMEOUT(
        !loss->chart()->series().isEmpty() &&
            static_cast<QLineSeries*>(loss->chart()->series().first())->count() >= 3,
        20000);
    // Every metric family can be charted per epoch: accuracy with val_accuracy too.
    auto* metric = workspace->findChild<QComboBox*>(QStringLiteral("trainingMetric"));
    QVERIFY(metric->findText(QStringLiteral("accuracy")) >= 0);
    QCOMPARE(metric->currentText(), QStringLiteral("loss"));
    metric->setCurrentIndex(metric->findText(QStringLiteral("accuracy")));
    QCOMPARE(loss->chart()->series().at(0)->name(), QStringLiteral("accuracy"));
    QCOMPARE(loss->chart()->series().at(1)->name(), QStringLiteral("val_accuracy"));
    metric->setCurrentIndex(0);

    // The instance list gives the compact overview: GPU utilisation and temperature.
    auto* list = m_window->findChild<QListView*>(QStringLiteral("instanceList"));
    QTRY_VERIFY2_WITH_TIMEOUT(
        list->model()->index(0, 0).data().toString().contains(QStringLiteral(" °C")),
        qPrintable(list->model()->index(0, 0).data().toString()), 10000);
    QVERIFY(list->model()->index(0, 0).data().toString().contains(QLatin1String("GPU ")));
    QTest::qWait(500);
    screenshot(m_window.get(), QStringLiteral("monitor.png"));
}

void TestMainWindow::filesTabDropUploadsAndDownloads()
{
    QString id;
    launchViaDialog(QStringLiteral("t4-1x"), QStringLiteral("data-box"), &id);
    if (QTest::currentTestFailed())
        return;
    QTRY_VERIFY_WITH_TIMEOUT(m_fleet->timeline(*m_fleet->find(id)).sshReady.isValid(), 15000);
    const Instance machine = *m_fleet->find(id);
    auto* workspace = qobject_cast<InstanceWorkspace*>(
        m_window->findChild<QWidget*>(QStringLiteral("workspace-") + id));
    workspace->findChild<QTabWidget*>(QStringLiteral("instanceTabs"))
        ->setCurrentWidget(workspace->files());
    auto* view = workspace->findChild<QTableView*>(QStringLiteral("remoteView"));
    auto* names = view;
    auto listed = [&](const QString& name) {
        for (int r = 0; r < names->model()->rowCount(); ++r)
            if (names->model()->index(r, 0).data().toString() == name)
                return true;
        return false;
    };
    // The machine's home is listed first.
    QTRY_VERIFY_WITH_TIMEOUT(listed(QStringLiteral("README.txt")), 15000);
    // A Sandbox machine's files are its home: shown as "~", and nothing above it (where its
    // host key lives) can be reached.
    auto* path = workspace->findChild<QLineEdit*>(QStringLiteral("remotePath"));
    QCOMPARE(path->text(), QStringLiteral("~"));
    QCOMPARE(workspace->files()->currentDir(),
             m_env->stateDir() + QStringLiteral("/sandbox/") + id + QStringLiteral("/home"));
    QVERIFY(!workspace->findChild<QToolButton*>(QStringLiteral("remoteUp"))->isEnabled());
    path->setText(m_env->stateDir() + QStringLiteral("/sandbox/") + id);
    QTest::keyClick(path, Qt::Key_Return);
    auto* filesStatus = workspace->findChild<QLabel*>(QStringLiteral("filesStatus"));
    QTRY_VERIFY(filesStatus->text().contains(QLatin1String("outside")));
    QVERIFY(!listed(QStringLiteral("ssh_host_ed25519_key")));
    QCOMPARE(path->text(), QStringLiteral("~"));
    // Nothing selected: nothing to download, rename, delete or pause.
    view->clearSelection();
    for (const char* name : {"downloadButton", "remoteRename", "remoteDelete", "remoteChmod",
                             "transferPause", "transferResume", "transferCancel", "transferRetry"})
        QVERIFY2(!workspace->findChild<QToolButton*>(QString::fromLatin1(name))->isEnabled(), name);
    for (int r = 0; r < view->model()->rowCount(); ++r) {
        if (view->model()->index(r, 0).data().toString() == QLatin1String("README.txt"))
            view->selectRow(r);
    }
    QVERIFY(workspace->findChild<QToolButton*>(QStringLiteral("remoteRename"))->isEnabled());
    QVERIFY(workspace->findChild<QToolButton*>(QStringLiteral("downloadButton"))->isEnabled());
    view->clearSelection();

    // A dataset folder and a file dropped from the desktop onto the list are uploaded.
    QTemporaryDir local;
    QDir().mkpath(local.filePath(QStringLiteral("dataset/images")));
    for (int i = 0; i < 20; ++i) {
        QFile f(local.filePath(QStringLiteral("dataset/images/img%1.bin").arg(i)));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray(8192, static_cast<char>('a' + i)));
    }
    QFile big(local.filePath(QStringLiteral("weights.bin")));
    QVERIFY(big.open(QIODevice::WriteOnly));
    for (int i = 0; i < 64; ++i)
        big.write(QByteArray(64 * 1024, static_cast<char>(i)));
    big.close();
    auto* mime = new QMimeData;
    mime->setUrls({QUrl::fromLocalFile(local.filePath(QStringLiteral("dataset"))),
                   QUrl::fromLocalFile(big.fileName())});
    const QPoint at = view->viewport()->rect().center();
    // Without a platform drag (offscreen) events start with IgnoreAction: set what a file
    // manager proposes.
    QDragEnterEvent enter(at, Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    enter.setDropAction(Qt::CopyAction);
    QApplication::sendEvent(view->viewport(), &enter);
    QDragMoveEvent move(at, Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    move.setDropAction(Qt::CopyAction);
    QApplication::sendEvent(view->viewport(), &move);
    QDropEvent drop(at, Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    drop.setDropAction(Qt::CopyAction);
    drop.ignore(); // as the platform delivers it: the view accepts what it takes
    QApplication::sendEvent(view->viewport(), &drop);
    // (Qt reports the synthesised events' acceptance inconsistently without a platform drag;
    // what counts is that the drop queued the uploads.)
    auto* transfers = workspace->findChild<QTableView*>(QStringLiteral("transferView"));
    QTRY_COMPARE_WITH_TIMEOUT(transfers->model()->rowCount(), 2, 15000);
    QTRY_VERIFY_WITH_TIMEOUT(
        listed(QStringLiteral("dataset")) && listed(QStringLiteral("weights.bin")), 30000);
    screenshot(m_window.get(), QStringLiteral("files.png"));
    QByteArray sums;
    const Result<int> rc =
        runRemote(endpointFor(machine, m_fleet->keyPathFor(machine), m_fleet->paths()),
                  QStringLiteral("ls dataset/images | wc -l; cat weights.bin | sha256sum"),
                  [&](const QByteArray& d, bool) { sums += d; });
    QVERIFY(rc.ok());
    big.open(QIODevice::ReadOnly);
    const QByteArray localSum =
        QCryptographicHash::hash(big.readAll(), QCryptographicHash::Sha256).toHex();
    QVERIFY2(sums.startsWith("20\n") && sums.contains(localSum), sums.constData());
    delete mime;

    // Dragging a remote item out to the desktop: the drag starts its download into a local
    // cache folder, and the drop target gets the URLs of what has arrived, at once (no nested
    // event loop that a paused download would never end).
    QModelIndex weights;
    for (int r = 0; r < view->model()->rowCount(); ++r) {
        if (view->model()->index(r, 0).data().toString() == QLatin1String("weights.bin"))
            weights = view->model()->index(r, 0);
    }
    std::unique_ptr<QMimeData> dragged(view->model()->mimeData({weights}));
    QVERIFY(dragged && dragged->hasUrls());
    QTRY_COMPARE_WITH_TIMEOUT(dragged->urls().size(), 1, 30000);
    const QList<QUrl> dropped = dragged->urls();
    QCOMPARE(dropped.size(), 1);
    QVERIFY(dropped.first().isLocalFile());
    QCOMPARE(QFileInfo(dropped.first().toLocalFile()).size(), 64 * 64 * 1024);
    // Dropping it back onto the list is refused (it would download to upload again).
    QVERIFY(!view->model()->canDropMimeData(dragged.get(), Qt::CopyAction, -1, -1, QModelIndex()));

    // A drop while the drag's download is paused returns at once, with nothing, and the page
    // says the download goes on (the nested event loop used before waited for it forever).
    auto* queue = m_window->findChild<TransferQueue*>();
    QVERIFY(queue);
    const auto pauseNew =
        connect(queue, &TransferQueue::itemAdded, queue, [queue](quint64 id) { queue->pause(id); });
    std::unique_ptr<QMimeData> paused(view->model()->mimeData({weights}));
    disconnect(pauseNew);
    QVERIFY(paused && paused->hasUrls());
    QElapsedTimer dropTime;
    dropTime.start();
    QVERIFY(paused->urls().isEmpty());
    QVERIFY2(dropTime.elapsed() < 2000, QByteArray::number(dropTime.elapsed()).constData());
    QVERIFY2(workspace->findChild<QLabel*>(QStringLiteral("filesStatus"))
                 ->text()
                 .contains(QLatin1String("had not arrived")),
             qPrintable(workspace->findChild<QLabel*>(QStringLiteral("filesStatus"))->text()));
    queue->cancelAll();

    // Download it back.
    QTemporaryDir back;
    workspace->files()->download(
        {workspace->files()->currentDir() + QStringLiteral("/weights.bin")}, back.path());
    QTRY_VERIFY_WITH_TIMEOUT(
        QFileInfo(back.filePath(QStringLiteral("weights.bin"))).size() == 64 * 64 * 1024, 30000);

    // New folder and delete (confirmed), through the scripted prompts.
    Prompter::instance().queueText(QStringLiteral("checkpoints"));
    QTest::mouseClick(workspace->findChild<QToolButton*>(QStringLiteral("remoteMkdir")),
                      Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(listed(QStringLiteral("checkpoints")), 10000);
    for (int r = 0; r < view->model()->rowCount(); ++r) {
        if (view->model()->index(r, 0).data().toString() == QLatin1String("checkpoints"))
            view->selectRow(r);
    }
    Prompter::instance().queueAnswer(true);
    QTest::mouseClick(workspace->findChild<QToolButton*>(QStringLiteral("remoteDelete")),
                      Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!listed(QStringLiteral("checkpoints")), 10000);

    // Destroy, downloading a results folder first: the machine goes only once it has arrived.
    QTemporaryDir saved;
    Prompter::instance().queueChoice(1); // "Download a folder first…"
    QSignalSpy recapShown(m_window.get(), &MainWindow::recapShown);
    m_window->destroyInstance(id);
    // The folder is picked in a remote folder list (SFTP, starting in the machine's home) and
    // the local folder in its own field; nothing is destroyed before a last confirmation.
    QDialog* pick = nullptr;
    QTRY_VERIFY((pick = m_window->findChild<QDialog*>(QStringLiteral("downloadFirstDialog"))));
    auto* folders = pick->findChild<QListWidget*>(QStringLiteral("downloadRemoteFolders"));
    QListWidgetItem* dataset = nullptr;
    QTRY_VERIFY_WITH_TIMEOUT((dataset = [&]() -> QListWidgetItem* {
                                 const auto found = folders->findItems(QStringLiteral("dataset"),
                                                                       Qt::MatchExactly);
                                 return found.isEmpty() ? nullptr : found.first();
                             }()),
                             10000);
    folders->setCurrentItem(dataset);
    QVERIFY(pick->findChild<QLineEdit*>(QStringLiteral("downloadRemotePath"))
                ->text()
                .endsWith(QLatin1String("/dataset")));
    pick->findChild<QLineEdit*>(QStringLiteral("downloadLocalDir"))->setText(saved.path());
    Prompter::instance().queueAnswer(true); // "Destroy" once it has arrived
    QTest::mouseClick(pick->findChild<QPushButton*>(QStringLiteral("downloadFirstOk")),
                      Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(recapShown.size(), 1, 30000);
    QCOMPARE(QDir(saved.filePath(QStringLiteral("dataset/images"))).entryList(QDir::Files).size(),
             20);
    QVERIFY(!m_fleet->find(id));
    QVERIFY(Prompter::instance().questionsAsked().last().contains(QLatin1String("Downloaded")));
    auto* recap = m_window->findChild<QDialog*>(QStringLiteral("recapDialog"));
    QVERIFY(recap);
    auto* note = recap->findChild<QLabel*>(QStringLiteral("recapNote"));
    QVERIFY(note);
    QVERIFY(note->text().contains(saved.path()));
    recap->close();
}

void TestMainWindow::geometryIsRemembered()
{
    m_window->resize(1000, 650);
    QTest::qWait(50);
    m_window->close();
    QTRY_VERIFY(!m_window->isVisible());
    MainWindow again(*m_fleet, *m_settings);
    QCOMPARE(again.size(), QSize(1000, 650));
    m_window->show();
}

void TestMainWindow::closingATabKeepsTerminalsRunning()
{
    QString id;
    launchViaDialog(QStringLiteral("t4-1x"), QStringLiteral("keep-shell"), &id);
    if (QTest::currentTestFailed())
        return;
    auto* tabs = m_window->findChild<QTabWidget*>(QStringLiteral("workspaceTabs"));
    auto* workspace = m_window->findChild<InstanceWorkspace*>(QStringLiteral("workspace-") + id);
    QVERIFY(workspace);
    auto* status = workspace->findChild<QLabel*>(QStringLiteral("overviewStatus"));
    QTRY_VERIFY_WITH_TIMEOUT(status->text().contains(QLatin1String("SSH ready")), 30000);
    TerminalPane* pane = workspace->openTerminal();
    QTRY_COMPARE_WITH_TIMEOUT(pane->state(), ssh::ShellSession::State::Connected, 15000);
    // A shell variable only this shell has: if the session were replaced, it would be gone.
    QTest::keyClicks(pane->view(), QStringLiteral("KEPT=$((40+2))"));
    QTest::keyClick(pane->view(), Qt::Key_Return);

    // The tab's close button is ours (neutral icon), and closing keeps the session.
    auto* close = m_window->findChild<QToolButton*>(QStringLiteral("closeTabButton-") + id);
    QVERIFY(close);
    QTest::mouseClick(close, Qt::LeftButton);
    QCOMPARE(tabs->indexOf(workspace), -1);
    QVERIFY(m_window->statusBar()->currentMessage().contains(QLatin1String("keep running")));
    QTest::qWait(500);
    QCOMPARE(pane->state(), ssh::ShellSession::State::Connected);

    // Opened again from the instance list: the same terminal, the same shell.
    auto* list = m_window->findChild<QListView*>(QStringLiteral("instanceList"));
    QTest::mouseClick(list->viewport(), Qt::LeftButton, {},
                      list->visualRect(list->model()->index(0, 0)).center());
    QCOMPARE(tabs->currentWidget(), workspace);
    QCOMPARE(workspace->terminals()->count(), 1);
    QCOMPARE(workspace->terminals()->terminal(0), pane);
    QTest::keyClicks(pane->view(), QStringLiteral("echo kept-$KEPT"));
    QTest::keyClick(pane->view(), Qt::Key_Return);
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            for (int r = 0; r < pane->surface()->rows(); ++r)
                if (pane->surface()->lineText(r).startsWith(QLatin1String("kept-42")))
                    return true;
            return false;
        }(),
        10000);
}

void TestMainWindow::machineDestroyedElsewhereClosesItsTab()
{
    QString id;
    launchViaDialog(QStringLiteral("t4-1x"), QStringLiteral("cli-victim"), &id);
    if (QTest::currentTestFailed())
        return;
    auto* workspace = m_window->findChild<InstanceWorkspace*>(QStringLiteral("workspace-") + id);
    QVERIFY(workspace);
    auto* status = workspace->findChild<QLabel*>(QStringLiteral("overviewStatus"));
    QTRY_VERIFY_WITH_TIMEOUT(status->text().contains(QLatin1String("SSH ready")), 30000);
    TerminalPane* pane = workspace->openTerminal();
    QTRY_COMPARE_WITH_TIMEOUT(pane->state(), ssh::ShellSession::State::Connected, 15000);

    // Another process (as gpudeck-cli destroy would) destroys it.
    Fleet other(AppPaths::standard());
    QVERIFY(other.open().ok());
    bool refreshed = false;
    other.refresh([&](QList<Error>) { refreshed = true; });
    QTRY_VERIFY(refreshed);
    bool destroyed = false;
    other.destroy(id, [&](Result<Recap> r) {
        QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().message));
        destroyed = true;
    });
    QTRY_VERIFY_WITH_TIMEOUT(destroyed, 20000);

    // The window notices at its next refresh and closes the tab: no terminal keeps retrying.
    QPointer<InstanceWorkspace> gone(workspace);
    QTRY_VERIFY_WITH_TIMEOUT(!gone, 20000);
    QVERIFY(!m_fleet->find(id));
}

void TestMainWindow::settingsApplyToOpenTerminalsAndTransfers()
{
    QString id;
    launchViaDialog(QStringLiteral("t4-1x"), QStringLiteral("settings-probe"), &id);
    if (QTest::currentTestFailed())
        return;
    auto* workspace = m_window->findChild<InstanceWorkspace*>(QStringLiteral("workspace-") + id);
    QVERIFY(workspace);
    auto* status = workspace->findChild<QLabel*>(QStringLiteral("overviewStatus"));
    QTRY_VERIFY_WITH_TIMEOUT(status->text().contains(QLatin1String("SSH ready")), 30000);
    TerminalPane* pane = workspace->openTerminal();
    QCOMPARE(pane->surface()->scrollbackLimit(), 10'000);

    auto* action = m_window->findChild<QAction*>(QStringLiteral("settingsAction"));
    QVERIFY(action);
    action->trigger();
    QDialog* dialog = nullptr;
    QTRY_VERIFY((dialog = m_window->findChild<QDialog*>(QStringLiteral("settingsDialog"))));
    screenshot(dialog, QStringLiteral("settings.png"));
    dialog->findChild<QSpinBox*>(QStringLiteral("terminalScrollbackBox"))->setValue(2500);
    dialog->findChild<QSpinBox*>(QStringLiteral("terminalFontSizeBox"))->setValue(15);
    dialog->findChild<QSpinBox*>(QStringLiteral("transferConcurrencyBox"))->setValue(5);
    auto* buttons = dialog->findChild<QDialogButtonBox*>(QStringLiteral("settingsButtons"));
    QTest::mouseClick(buttons->button(QDialogButtonBox::Ok), Qt::LeftButton);

    QCOMPARE(m_settings->terminalScrollback(), 2500);
    QCOMPARE(m_settings->transferConcurrency(), 5);
    QCOMPARE(pane->surface()->scrollbackLimit(), 2500);
    QCOMPARE(pane->view()->terminalFont().pointSize(), 15);
    QCOMPARE(m_window->findChild<TransferQueue*>()->maxParallel(), 5);
    QVERIFY(!isDarkPalette());

    // The dark theme applies at once to the open window, and "follow the system" undoes it.
    action->trigger();
    QTRY_VERIFY((dialog = m_window->findChild<QDialog*>(QStringLiteral("settingsDialog"))));
    auto* theme = dialog->findChild<QComboBox*>(QStringLiteral("themeBox"));
    theme->setCurrentIndex(theme->findData(QStringLiteral("dark")));
    buttons = dialog->findChild<QDialogButtonBox*>(QStringLiteral("settingsButtons"));
    QTest::mouseClick(buttons->button(QDialogButtonBox::Ok), Qt::LeftButton);
    QVERIFY(isDarkPalette());
    QCOMPARE(m_settings->theme(), QStringLiteral("dark"));
    workspace->findChild<QTabWidget*>(QStringLiteral("instanceTabs"))->setCurrentIndex(0);
    QTest::qWait(100);
    screenshot(m_window.get(), QStringLiteral("main-window-dark.png"));
    action->trigger();
    QTRY_VERIFY((dialog = m_window->findChild<QDialog*>(QStringLiteral("settingsDialog"))));
    theme = dialog->findChild<QComboBox*>(QStringLiteral("themeBox"));
    theme->setCurrentIndex(theme->findData(QStringLiteral("system")));
    buttons = dialog->findChild<QDialogButtonBox*>(QStringLiteral("settingsButtons"));
    QTest::mouseClick(buttons->button(QDialogButtonBox::Ok), Qt::LeftButton);
    QVERIFY(!isDarkPalette());
    // A terminal opened later gets them too.
    TerminalPane* later = workspace->openTerminal();
    QCOMPARE(later->surface()->scrollbackLimit(), 2500);
    QCOMPARE(later->view()->terminalFont().pointSize(), 15);
}

void TestMainWindow::addHostKeyLabelHasABuddy()
{
    m_window->showAddHostDialog();
    QDialog* dialog = nullptr;
    QTRY_VERIFY((dialog = m_window->findChild<QDialog*>(QStringLiteral("addHostDialog"))));
    auto* key = dialog->findChild<QLineEdit*>(QStringLiteral("hostKey"));
    QVERIFY(key);
    // Without a buddy QLabel shows "&Key:" literally; with one, "&" marks the mnemonic.
    bool found = false;
    for (QLabel* l : dialog->findChildren<QLabel*>()) {
        if (l->text() == QLatin1String("&Key:")) {
            QCOMPARE(l->buddy(), key);
            found = true;
        }
    }
    QVERIFY(found);
    dialog->reject();
}

void TestMainWindow::welcomeOnceThenTrySandbox()
{
    auto* view = m_window->findChild<QTableView*>(QStringLiteral("catalogView"));
    QTRY_VERIFY_WITH_TIMEOUT(view->model()->rowCount() > 0, 15000);
    m_window->showWelcomeIfFirstRun();
    QDialog* welcome = nullptr;
    QTRY_VERIFY((welcome = m_window->findChild<QDialog*>(QStringLiteral("welcomeDialog"))));
    // One row per provider, each saying what its guard can and cannot do.
    auto* table = welcome->findChild<QLabel*>(QStringLiteral("welcomeGuardTable"));
    for (const Provider* p : m_fleet->providers()) {
        QVERIFY(table->text().contains(p->displayName().toHtmlEscaped()));
        QVERIFY(table->text().contains(p->guardNote().toHtmlEscaped()));
    }
    screenshot(welcome, QStringLiteral("welcome.png"));
    QTest::mouseClick(welcome->findChild<QPushButton*>(QStringLiteral("welcomeTrySandbox")),
                      Qt::LeftButton);
    QDialog* launch = nullptr;
    QTRY_VERIFY((launch = m_window->findChild<QDialog*>(QStringLiteral("launchDialog"))));
    launch->reject();
    QTRY_VERIFY(!m_window->findChild<QDialog*>(QStringLiteral("welcomeDialog")));
    // Only the first start shows it.
    m_window->showWelcomeIfFirstRun();
    QTest::qWait(100);
    QVERIFY(!m_window->findChild<QDialog*>(QStringLiteral("welcomeDialog")));
    QVERIFY(m_settings->welcomeShown());
}

// What a screen reader would announce for a control: its accessible name, its own text or tool
// tip, or the text of the label that names it (a buddy or its form row).
static QString spokenName(QWidget* w)
{
    if (!w->accessibleName().isEmpty())
        return w->accessibleName();
    if (auto* b = qobject_cast<QAbstractButton*>(w)) {
        if (!b->text().isEmpty())
            return b->text();
    }
    if (!w->toolTip().isEmpty())
        return w->toolTip();
    for (QLabel* l : w->window()->findChildren<QLabel*>()) {
        if (l->buddy() == w)
            return l->text();
    }
    for (QWidget* p = w->parentWidget(); p; p = p->parentWidget()) {
        for (QFormLayout* f : p->findChildren<QFormLayout*>()) {
            if (auto* l = qobject_cast<QLabel*>(f->labelForField(w)))
                return l->text();
        }
    }
    return {};
}

static QStringList unnamedControls(QWidget* root)
{
    QStringList missing;
    for (QWidget* w : root->findChildren<QWidget*>()) {
        if (!w->isVisibleTo(root) || w->focusPolicy() == Qt::NoFocus)
            continue;
        const bool control = qobject_cast<QAbstractButton*>(w) || qobject_cast<QLineEdit*>(w) ||
                             qobject_cast<QComboBox*>(w) || qobject_cast<QAbstractSpinBox*>(w) ||
                             qobject_cast<QAbstractItemView*>(w);
        // Line edits inside spin boxes and combo boxes are named by their owner.
        if (!control || qobject_cast<QAbstractSpinBox*>(w->parentWidget()) ||
            qobject_cast<QComboBox*>(w->parentWidget()))
            continue;
        if (spokenName(w).isEmpty())
            missing << QStringLiteral("%1 (%2)").arg(
                w->objectName(), QString::fromLatin1(w->metaObject()->className()));
    }
    return missing;
}

void TestMainWindow::everyControlHasAnAccessibleName()
{
    QString id;
    launchViaDialog(QStringLiteral("t4-1x"), QStringLiteral("a11y"), &id);
    if (QTest::currentTestFailed())
        return;
    auto* workspace = m_window->findChild<InstanceWorkspace*>(QStringLiteral("workspace-") + id);
    QVERIFY(workspace);
    auto* status = workspace->findChild<QLabel*>(QStringLiteral("overviewStatus"));
    QTRY_VERIFY_WITH_TIMEOUT(status->text().contains(QLatin1String("SSH ready")), 30000);
    auto* tabs = workspace->findChild<QTabWidget*>(QStringLiteral("instanceTabs"));
    QStringList missing;
    for (int t = 0; t < tabs->count(); ++t) {
        tabs->setCurrentIndex(t);
        QTest::qWait(200);
        missing << unnamedControls(m_window.get());
    }
    m_window->showAddHostDialog();
    QDialog* dialog = nullptr;
    QTRY_VERIFY((dialog = m_window->findChild<QDialog*>(QStringLiteral("addHostDialog"))));
    missing << unnamedControls(dialog);
    dialog->reject();
    m_window->findChild<QAction*>(QStringLiteral("settingsAction"))->trigger();
    QTRY_VERIFY((dialog = m_window->findChild<QDialog*>(QStringLiteral("settingsDialog"))));
    missing << unnamedControls(dialog);
    dialog->reject();
    missing.removeDuplicates();
    QVERIFY2(missing.isEmpty(), qPrintable(missing.join(QStringLiteral(", "))));
}

// Opens the launch dialog on `planId` from the catalog; sets *dialog (test fails otherwise).
static void openLaunchDialog(MainWindow* window, const QString& planId, QDialog** dialog)
{
    auto* view = window->findChild<QTableView*>(QStringLiteral("catalogView"));
    for (int row = 0; row < view->model()->rowCount(); ++row) {
        if (view->model()->index(row, 0).data(CatalogModel::PlanIdRole) == planId)
            view->selectRow(row);
    }
    QTest::mouseClick(window->findChild<QPushButton*>(QStringLiteral("catalogLaunchButton")),
                      Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(
        (*dialog = window->findChild<QDialog*>(QStringLiteral("launchDialog"))) != nullptr, 2000);
}

void TestMainWindow::launchDialogTabReachesLaunch()
{
    QTRY_VERIFY_WITH_TIMEOUT(m_window->catalogComplete(), 30000);
    QDialog* dialog = nullptr;
    openLaunchDialog(m_window.get(), QStringLiteral("t4-1x"), &dialog);
    if (QTest::currentTestFailed())
        return;
    QVERIFY(QTest::qWaitForWindowActive(dialog));
    auto* first = dialog->findChild<QComboBox*>(QStringLiteral("planCombo"));
    first->setFocus(Qt::TabFocusReason);
    QTRY_COMPARE(QApplication::focusWidget(), first);
    // Tab walks the form in its order, the spot option included, to Launch, then Cancel, and
    // back to the first field: no widget traps it.
    QStringList walked;
    // The Sandbox's disk comes with the plan: its disk box is off and skipped.
    for (int i = 0; i < 8; ++i) {
        walked << QApplication::focusWidget()->objectName();
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
    }
    QCOMPARE(walked, (QStringList{QStringLiteral("planCombo"), QStringLiteral("regionCombo"),
                                  QStringLiteral("imageCombo"), QStringLiteral("spotCheck"),
                                  QStringLiteral("nameEdit"), QStringLiteral("hoursSpin"),
                                  QStringLiteral("confirmLaunchButton"), QString()}));
    QCOMPARE(QApplication::focusWidget(), first);
    // Shift+Tab goes back the same way.
    QTest::keyClick(first, Qt::Key_Backtab);
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Backtab);
    QCOMPARE(QApplication::focusWidget()->objectName(), QStringLiteral("confirmLaunchButton"));
    dialog->reject();
}

void TestMainWindow::launchDialogRegionsImagesDisk()
{
    // DigitalOcean without a token: its bundled, dated catalog fills the table and the dialog.
    QTRY_VERIFY_WITH_TIMEOUT(m_window->catalogComplete(), 30000);
    QDialog* dialog = nullptr;
    openLaunchDialog(m_window.get(), QStringLiteral("gpu-h100x1-80gb"), &dialog);
    if (QTest::currentTestFailed())
        return;
    auto* regions = dialog->findChild<QComboBox*>(QStringLiteral("regionCombo"));
    auto* images = dialog->findChild<QComboBox*>(QStringLiteral("imageCombo"));
    auto* disk = dialog->findChild<QSpinBox*>(QStringLiteral("diskSpin"));
    auto* diskNote = dialog->findChild<QLabel*>(QStringLiteral("diskNote"));
    QVERIFY(regions && images && disk && diskNote);
    QVERIFY2(regions->itemText(0).contains(QLatin1String("New York 2 (nyc2)")),
             qPrintable(regions->itemText(0)));
    QCOMPARE(regions->currentData().toString(), QStringLiteral("nyc2"));
    QCOMPARE(images->itemData(0).toString(), QStringLiteral("ai-ml-ready"));
    QVERIFY2(images->itemText(0).contains(QLatin1String("CUDA")), qPrintable(images->itemText(0)));
    QVERIFY(!disk->isEnabled()); // a Droplet's disk is its size's
    QVERIFY2(diskNote->text().contains(QLatin1String("720 GB")), qPrintable(diskNote->text()));
    auto* launch = qobject_cast<LaunchDialog*>(dialog);
    QVERIFY(launch);
    QCOMPARE(launch->providerId(), QStringLiteral("digitalocean"));
    screenshot(dialog, QStringLiteral("launch-dialog-digitalocean.png"));
    regions->setCurrentIndex(1);
    images->setCurrentIndex(1);
    const LaunchRequest chosen = launch->request();
    QCOMPARE(chosen.region, regions->itemData(1).toString());
    QCOMPARE(chosen.imageId, QStringLiteral("ubuntu-24-04-x64"));
    QCOMPARE(chosen.diskGb, 0.0);

    // RunPod lets the disk be chosen: the spin box is on and its value is sent.
    auto* plans = dialog->findChild<QComboBox*>(QStringLiteral("planCombo"));
    int runpod = -1;
    for (int i = 0; i < plans->count(); ++i)
        if (plans->itemData(i).toStringList().value(0) == QLatin1String("runpod"))
            runpod = i;
    QVERIFY(runpod >= 0);
    plans->setCurrentIndex(runpod);
    QVERIFY(disk->isEnabled());
    disk->setValue(120);
    QCOMPARE(launch->request().diskGb, 120.0);
    QVERIFY(images->itemText(0).contains(QLatin1String("CUDA")));
    dialog->reject();
}

void TestMainWindow::launchDialogOffersSpot()
{
    QTRY_VERIFY_WITH_TIMEOUT(m_window->catalogComplete(), 30000);
    QDialog* dialog = nullptr;
    openLaunchDialog(m_window.get(), QStringLiteral("t4-1x"), &dialog);
    if (QTest::currentTestFailed())
        return;
    auto* spot = dialog->findChild<QCheckBox*>(QStringLiteral("spotCheck"));
    auto* note = dialog->findChild<QLabel*>(QStringLiteral("spotNote"));
    auto* price = dialog->findChild<QLabel*>(QStringLiteral("priceLabel"));
    dialog->findChild<QSpinBox*>(QStringLiteral("hoursSpin"))->setValue(10);
    // On demand: $0.35/h plus 100 GB of disk at $0.10/GB-month ($0.0137/h); 10 h ≈ $3.64.
    QVERIFY(spot->isEnabled() && !spot->isChecked());
    QVERIFY2(spot->text().contains(QLatin1String("$0.110/h")), qPrintable(spot->text()));
    QVERIFY2(note->text().contains(QLatin1String("stopped by the provider")) &&
                 note->text().contains(QLatin1String("not refunded")),
             qPrintable(note->text()));
    QVERIFY2(price->text().contains(QLatin1String("$0.364/h")) &&
                 price->text().contains(QLatin1String("$3.64")),
             qPrintable(price->text()));
    // Spot: $0.11/h plus the same disk; 10 h ≈ $1.24. The keyboard ticks it.
    spot->setFocus();
    QTest::keyClick(spot, Qt::Key_Space);
    QVERIFY(spot->isChecked());
    QVERIFY2(price->text().contains(QLatin1String("$0.124/h")) &&
                 price->text().contains(QLatin1String("$1.24")) &&
                 price->text().contains(QLatin1String("spot")),
             qPrintable(price->text()));
    screenshot(dialog, QStringLiteral("launch-dialog.png"));

    // A plan without a spot price: the option is off and says why.
    auto* plans = dialog->findChild<QComboBox*>(QStringLiteral("planCombo"));
    for (int i = 0; i < plans->count(); ++i) {
        if (plans->itemData(i).toStringList() ==
            QStringList{QStringLiteral("sandbox"), QStringLiteral("a10-1x-hourly")})
            plans->setCurrentIndex(i);
    }
    QVERIFY(!spot->isEnabled() && !spot->isChecked());
    QVERIFY2(note->text().contains(QLatin1String("no spot price")), qPrintable(note->text()));
    QVERIFY(price->text().contains(QLatin1String("$0.750/h")));

    // Back to the T4, spot chosen: the machine is launched and billed at the spot price.
    for (int i = 0; i < plans->count(); ++i) {
        if (plans->itemData(i).toStringList() ==
            QStringList{QStringLiteral("sandbox"), QStringLiteral("t4-1x")})
            plans->setCurrentIndex(i);
    }
    QVERIFY(spot->isEnabled());
    spot->setChecked(true);
    QTest::keyClicks(dialog->findChild<QLineEdit*>(QStringLiteral("nameEdit")),
                     QStringLiteral("spot-one"));
    QTest::mouseClick(dialog->findChild<QPushButton*>(QStringLiteral("confirmLaunchButton")),
                      Qt::LeftButton);
    std::optional<Instance> launched;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            for (const Instance& i : m_fleet->instances())
                if (i.name == QLatin1String("spot-one"))
                    launched = i;
            return launched.has_value();
        }(),
        10000);
    QCOMPARE(launched->priceHourly, 0.11);
    QVERIFY(Prompter::instance().errorsShown().isEmpty());
}

void TestMainWindow::costTicksTheSameInListAndOverview()
{
    QString id;
    launchViaDialog(QStringLiteral("t4-1x"), QStringLiteral("meter"), &id);
    if (QTest::currentTestFailed())
        return;
    auto* workspace = m_window->findChild<InstanceWorkspace*>(QStringLiteral("workspace-") + id);
    QVERIFY(workspace);
    auto* cost = workspace->findChild<QLabel*>(QStringLiteral("overviewCost"));
    auto* list = m_window->findChild<QListView*>(QStringLiteral("instanceList"));
    const Instance inst = *m_fleet->find(id);
    // The meter's clock, moved by the test: two minutes after the launch.
    m_meterClock.set(inst.createdAt.addSecs(120));
    m_window->setMeterSource(m_meterClock);
    const auto overviewAmount = [&] { return cost->text().section(QLatin1Char(' '), 0, 0); };
    const auto listText = [&] { return list->model()->index(0, 0).data().toString(); };
    // 120 s at $0.35/h is $0.011667, 100 GB at $0.10/GB-month for 120 s is $0.000457: four
    // decimals, so the amount moves every second or so instead of once a cent (103 s).
    QCOMPARE(overviewAmount(), QStringLiteral("$0.0121"));
    QVERIFY2(listText().contains(QStringLiteral("· $0.0121")), qPrintable(listText()));
    // One second later the window's own timer (not the test) shows the next amount.
    m_meterClock.advance(1);
    QTRY_COMPARE_WITH_TIMEOUT(overviewAmount(), QStringLiteral("$0.0122"), 5000);
    QVERIFY2(listText().contains(QStringLiteral("· $0.0122")), qPrintable(listText()));
    // Whenever both are read together, they show the same amount.
    for (int step = 0; step < 3; ++step) {
        const QString before = overviewAmount();
        m_meterClock.advance(13);
        QTRY_VERIFY_WITH_TIMEOUT(overviewAmount() != before, 5000);
        QVERIFY2(listText().contains(QStringLiteral("· ") + overviewAmount()),
                 qPrintable(listText() + QStringLiteral(" vs ") + overviewAmount()));
    }
    QCOMPARE(overviewAmount(), formatCostSoFar(inst, inst.createdAt.addSecs(160)));
    m_window->setMeterSource(Clock::system());
}

void TestMainWindow::catalogKeepsPlanColumnAndEmptiedVramMeansAny()
{
    auto* view = m_window->findChild<QTableView*>(QStringLiteral("catalogView"));
    QTRY_VERIFY_WITH_TIMEOUT(m_window->catalogComplete(), 30000);
    QCOMPARE(m_window->size(), QSize(1280, 760));
    QTest::qWait(100);
    // At the default size the table scrolls sideways; scrolled to the end, the Plan column is
    // still there, over the first column, row for row.
    QScrollBar* sideways = view->horizontalScrollBar();
    QVERIFY2(sideways->maximum() > 0, "the catalog fits: nothing to check at this size");
    auto* frozen = m_window->findChild<QTableView*>(QStringLiteral("catalogFrozenPlanColumn"));
    QVERIFY(frozen);
    sideways->setValue(sideways->maximum());
    QTest::qWait(50);
    QVERIFY(view->columnViewportPosition(CatalogModel::PlanCol) < 0); // scrolled away below
    QVERIFY(frozen->isVisible());
    QCOMPARE(frozen->geometry().left(), view->frameWidth());
    QCOMPARE(frozen->width(), view->columnWidth(CatalogModel::PlanCol));
    QVERIFY(!frozen->isColumnHidden(CatalogModel::PlanCol));
    for (int c = 0; c < CatalogModel::ColumnCount; ++c)
        QCOMPARE(frozen->isColumnHidden(c), c != CatalogModel::PlanCol);
    QCOMPARE(frozen->model(), view->model());
    QCOMPARE(frozen->selectionModel(), view->selectionModel());
    // The last column is in view beside it, not under it.
    QVERIFY(view->columnViewportPosition(CatalogModel::FetchedCol) >= frozen->width());
    // Scrolling down moves both; a click on a frozen plan name selects its row.
    view->verticalScrollBar()->setValue(view->verticalScrollBar()->maximum());
    QCOMPARE(frozen->verticalScrollBar()->value(), view->verticalScrollBar()->value());
    const int lastRow = view->model()->rowCount() - 1;
    const QRect nameCell =
        frozen->visualRect(frozen->model()->index(lastRow, CatalogModel::PlanCol));
    QVERIFY(frozen->viewport()->rect().contains(nameCell.center()));
    QCOMPARE(view->rowAt(nameCell.center().y()), lastRow);
    QTest::mouseClick(frozen->viewport(), Qt::LeftButton, {}, nameCell.center());
    QCOMPARE(view->selectionModel()->selectedRows().value(0).row(), lastRow);
    QTest::qWait(100); // the selected plan's note takes its place under the table
    screenshot(m_window.get(), QStringLiteral("catalog.png"));
    // Sorting from the frozen header sorts the table.
    const QRect planHeader(frozen->horizontalHeader()->sectionViewportPosition(0), 0,
                           frozen->columnWidth(0), frozen->horizontalHeader()->height());
    QTest::mouseClick(frozen->horizontalHeader()->viewport(), Qt::LeftButton, {},
                      planHeader.center());
    QCOMPARE(view->horizontalHeader()->sortIndicatorSection(), int(CatalogModel::PlanCol));

    // VRAM typed with the keyboard, then emptied (Ctrl+A, Backspace): no minimum at once, the
    // box stays empty while focused, and shows "any" after.
    auto* vram = m_window->findChild<QDoubleSpinBox*>(QStringLiteral("minVramSpin"));
    m_window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
    vram->setFocus();
    QTRY_VERIFY(vram->hasFocus());
    QTest::keyClick(vram, Qt::Key_A, Qt::ControlModifier);
    QTest::keyClicks(vram, QStringLiteral("24"));
    QCOMPARE(vram->value(), 24.0);
    QCOMPARE(sandboxRows(view), 5); // the 16 GB T4 is out
    QTest::keyClick(vram, Qt::Key_A, Qt::ControlModifier);
    QTest::keyClick(vram, Qt::Key_Backspace);
    QCOMPARE(vram->value(), 0.0);
    QCOMPARE(sandboxRows(view), 6);
    QCOMPARE(vram->cleanText().trimmed(), QString());
    QTest::qWait(200);
    QCOMPARE(vram->cleanText().trimmed(), QString()); // not snapped back
    QTest::keyClick(vram, Qt::Key_Tab);               // focus leaves
    QVERIFY(!vram->hasFocus());
    QCOMPARE(vram->value(), 0.0);
    QCOMPARE(vram->text(), QStringLiteral("any"));
    QCOMPARE(sandboxRows(view), 6);
    // The price box behaves the same.
    auto* price = m_window->findChild<QDoubleSpinBox*>(QStringLiteral("maxPriceSpin"));
    price->setFocus();
    QTest::keyClick(price, Qt::Key_A, Qt::ControlModifier);
    QTest::keyClicks(price, QStringLiteral("1"));
    QCOMPARE(sandboxRows(view), 2); // T4 $0.35/h and A10 $0.75/h
    QTest::keyClick(price, Qt::Key_A, Qt::ControlModifier);
    QTest::keyClick(price, Qt::Key_Backspace);
    QCOMPARE(sandboxRows(view), 6);
    QTest::keyClick(price, Qt::Key_Return);
    QCOMPARE(price->text(), QStringLiteral("any"));
    QCOMPARE(sandboxRows(view), 6);
}

GPUDECK_GUITEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
