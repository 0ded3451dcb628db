// Every cloud provider end to end through the real main window: the plan in the catalog →
// the launch dialog (its region picked) → running with "SSH ready" → a terminal on the machine
// (its unknown host key asked about and accepted) → destroy → the recap. Each provider is its
// stateful fake on loopback, its machine a real sshd (test/support/cloudfixture).
#include "catalogmodel.h"
#include "cloudfixture.h"
#include "fleet.h"
#include "guitestmain.h"
#include "ledger.h"
#include "mainwindow.h"
#include "prompter.h"
#include "resources.h"
#include "settings.h"
#include "terminalpane.h"
#include "terminalsurface.h"
#include "terminaltabs.h"
#include "terminalview.h"
#include "testenv.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialog>
#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableView>
#include <QtTest>

#include <pwd.h>
#include <unistd.h>

using namespace gpudeck;

class TestCloudWindow final : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void launchTerminalDestroy_data();
    void launchTerminalDestroy();
    void cleanupTestCase();

private:
    std::unique_ptr<test::IsolatedEnvironment> m_env;
    std::unique_ptr<test::CloudFixture> m_cloud;
};

void TestCloudWindow::initTestCase()
{
    initResources();
    Prompter::instance().setScripted(true);
    m_env = std::make_unique<test::IsolatedEnvironment>();
    // Opening the state makes the app's key, which the "cloud" machine then carries.
    Fleet first(AppPaths::standard());
    QVERIFY(first.open().ok());
    const QString appKey =
        QString::fromUtf8(test::readFile(AppPaths::standard().appKey() + QStringLiteral(".pub")))
            .trimmed();
    // Not tst_cloude2e's 127.0.0.22: the two may run at the same time.
    m_cloud = std::make_unique<test::CloudFixture>(QStringLiteral("127.0.0.23"));
    QVERIFY2(m_cloud->startMachine(m_env->path() + QStringLiteral("/cloud-machines"),
                                   test::binDir(), appKey),
             qPrintable(m_cloud->error()));
}

void TestCloudWindow::cleanupTestCase()
{
    m_cloud.reset();
    m_env.reset();
}

void TestCloudWindow::launchTerminalDestroy_data()
{
    QTest::addColumn<QString>("provider");
    QTest::addColumn<QString>("plan");
    QTest::addColumn<QString>("region");
    QTest::addColumn<bool>("spot");
    QTest::addColumn<bool>("stopStart"); // Stop… and Start in the Overview, SSH ready again
    QTest::newRow("lambda") << QStringLiteral("lambda") << QStringLiteral("gpu_1x_a10")
                            << QStringLiteral("us-west-1") << false << false;
    QTest::newRow("runpod") << QStringLiteral("runpod")
                            << QStringLiteral("NVIDIA GeForce RTX 4090|1")
                            << QStringLiteral("US-KS-2") << false << false;
    QTest::newRow("vast") << QStringLiteral("vast") << QStringLiteral("RTX 4090|1")
                          << QStringLiteral("US") << false << false;
    QTest::newRow("linode") << QStringLiteral("linode") << QStringLiteral("g1-gpu-rtx6000-1")
                            << QStringLiteral("us-ord") << false << false;
    QTest::newRow("digitalocean") << QStringLiteral("digitalocean")
                                  << QStringLiteral("gpu-h100x1-80gb") << QStringLiteral("nyc2")
                                  << false << false;
    QTest::newRow("aws") << QStringLiteral("aws") << QStringLiteral("g4dn.xlarge")
                         << QStringLiteral("us-east-1") << false << true;
    QTest::newRow("aws spot") << QStringLiteral("aws") << QStringLiteral("g4dn.xlarge")
                              << QStringLiteral("us-east-1") << true << false;
    QTest::newRow("gce") << QStringLiteral("gce")
                         << QStringLiteral("n1-standard-8+1xnvidia-tesla-t4")
                         << QStringLiteral("us-central1-a") << false << true;
    QTest::newRow("gce spot") << QStringLiteral("gce")
                              << QStringLiteral("n1-standard-8+1xnvidia-tesla-t4")
                              << QStringLiteral("us-central1-a") << true << false;
}

void TestCloudWindow::launchTerminalDestroy()
{
    QFETCH(QString, provider);
    QFETCH(QString, plan);
    QFETCH(QString, region);
    QFETCH(bool, spot);
    QFETCH(bool, stopStart);
    if (!m_cloud->startProvider(provider))
        QSKIP(qPrintable(m_cloud->error()));
    Prompter::instance().clear();
    // The window of a user whose token for this cloud is in the environment.
    Fleet fleet(AppPaths::standard());
    QVERIFY(fleet.open().ok());
    Settings settings(fleet.paths());
    auto window = std::make_unique<MainWindow>(fleet, settings);
    const auto close = qScopeGuard([&] {
        Prompter::instance().queueAnswer(true);
        window->close();
        window.reset();
        m_cloud->stopProvider();
        QFile::remove(AppPaths::standard().knownHosts());
    });
    window->resize(1280, 760);
    window->show();
    QVERIFY(QTest::qWaitForWindowExposed(window.get()));

    // The plan, live from the provider's API.
    auto* view = window->findChild<QTableView*>(QStringLiteral("catalogView"));
    const auto rowOfPlan = [&] {
        for (int r = 0; r < view->model()->rowCount(); ++r) {
            const QModelIndex i = view->model()->index(r, 0);
            if (i.data(CatalogModel::ProviderIdRole).toString() == provider &&
                i.data(CatalogModel::PlanIdRole).toString() == plan)
                return r;
        }
        return -1;
    };
    // The catalog loads again once the account is read: wait for the row, not the first load.
    int row = -1;
    QTRY_VERIFY2_WITH_TIMEOUT((row = rowOfPlan()) >= 0, qPrintable(plan), 60000);
    view->selectRow(row);
    QTest::mouseClick(window->findChild<QPushButton*>(QStringLiteral("catalogLaunchButton")),
                      Qt::LeftButton);
    QDialog* dialog = nullptr;
    QTRY_VERIFY_WITH_TIMEOUT(dialog = window->findChild<QDialog*>(QStringLiteral("launchDialog")),
                             2000);
    auto* regions = dialog->findChild<QComboBox*>(QStringLiteral("regionCombo"));
    const int at = regions->findData(region);
    QVERIFY2(at >= 0, qPrintable(region));
    regions->setCurrentIndex(at);
    QTest::keyClicks(dialog->findChild<QLineEdit*>(QStringLiteral("nameEdit")),
                     QStringLiteral("cloud-e2e"));
    if (provider == QLatin1String("aws")) {
        // The AMI: deep-learning images, newest first (the failed one left out); the EBS size.
        auto* images = dialog->findChild<QComboBox*>(QStringLiteral("imageCombo"));
        QVERIFY(images->isEnabled());
        QCOMPARE(images->count(), 2);
        QCOMPARE(images->itemData(0).toString(), QStringLiteral("ami-newer-dl"));
        images->setCurrentIndex(1); // the older one, to see the choice reach the launch
        auto* disk = dialog->findChild<QSpinBox*>(QStringLiteral("diskSpin"));
        QVERIFY(disk && disk->isEnabled());
        disk->setValue(120);
        // The estimate charges the chosen EBS size: $0.526/h + 120 GB at $0.08/GB-month.
        QVERIFY2(dialog->findChild<QLabel*>(QStringLiteral("priceLabel"))
                     ->text()
                     .contains(QLatin1String("$0.013/h disk")),
                 qPrintable(dialog->findChild<QLabel*>(QStringLiteral("priceLabel"))->text()));
        const QString shots = qEnvironmentVariable("GPUDECK_SCREENSHOT_DIR");
        if (!shots.isEmpty() && !spot)
            QVERIFY(dialog->grab().save(shots + QStringLiteral("/launch-dialog-aws.png")));
    }
    if (spot) {
        auto* spotCheck = dialog->findChild<QCheckBox*>(QStringLiteral("spotCheck"));
        QVERIFY(spotCheck && spotCheck->isEnabled());
        spotCheck->setChecked(true);
    }
    QTest::mouseClick(dialog->findChild<QPushButton*>(QStringLiteral("confirmLaunchButton")),
                      Qt::LeftButton);
    QString id;
    QTRY_VERIFY_WITH_TIMEOUT(!(id =
                                   [&] {
                                       for (const Instance& i : fleet.instances())
                                           if (i.provider == provider)
                                               return i.id;
                                       return QString();
                                   }())
                                  .isEmpty(),
                             20000);
    QCOMPARE(m_cloud->server().count("POST", QString()) > 0, true);

    // The workspace follows the launch to "SSH ready" at the address the provider reports.
    QWidget* workspace = nullptr;
    QTRY_VERIFY_WITH_TIMEOUT(
        workspace = window->findChild<QWidget*>(QStringLiteral("workspace-") + id), 5000);
    auto* status = workspace->findChild<QLabel*>(QStringLiteral("overviewStatus"));
    QTRY_VERIFY_WITH_TIMEOUT(status->text().contains(QLatin1String("SSH ready")), 60000);
    QCOMPARE(workspace->findChild<QLabel*>(QStringLiteral("overviewAddress"))->text(),
             QStringLiteral("%1:%2").arg(m_cloud->sshHost()).arg(m_cloud->sshPort()));
    QCOMPARE(fleet.find(id)->region, region);

    // A terminal: the machine's key is unknown (the provider reports none), asked and accepted.
    // The sshd runs as this test's user; a provider whose login user is another one (Lambda's
    // "ubuntu") is refused there, and the terminal says to check the login user.
    const passwd* me = getpwuid(geteuid());
    const bool sameUser = me && fleet.find(id)->user == QString::fromLocal8Bit(me->pw_name);
    Prompter::instance().queueAnswer(true);
    QTest::mouseClick(workspace->findChild<QPushButton*>(QStringLiteral("openTerminalButton")),
                      Qt::LeftButton);
    auto* terminals = workspace->findChild<TerminalTabs*>(QStringLiteral("terminalTabs"));
    QVERIFY(terminals && terminals->count() == 1);
    TerminalPane* pane = terminals->terminal(0);
    auto screenText = [](terminal::TerminalSurface* s) {
        QString all;
        for (int r = 0; r < s->rows(); ++r)
            all += s->lineText(r) + QLatin1Char('\n');
        return all;
    };
    if (sameUser) {
        QTRY_COMPARE_WITH_TIMEOUT(pane->state(), ssh::ShellSession::State::Connected, 20000);
        QVERIFY(Prompter::instance()
                    .questionsAsked()
                    .join(QLatin1Char('\n'))
                    .contains(QLatin1String("SHA256:")));
        QTest::keyClicks(pane->view(), QStringLiteral("nvidia-smi -L"));
        QTest::keyClick(pane->view(), Qt::Key_Return);
        QTRY_VERIFY_WITH_TIMEOUT(
            screenText(pane->surface()).contains(QLatin1String("A100-SXM4-80GB")), 15000);
        if (provider == QLatin1String("digitalocean")) {
            QTest::qWait(300);
            const QString dir = qEnvironmentVariable("GPUDECK_SCREENSHOT_DIR");
            if (!dir.isEmpty())
                QVERIFY(window->grab().save(dir + QStringLiteral("/cloud-terminal.png")));
        }
    } else {
        auto* banner = pane->findChild<QLabel*>(QStringLiteral("terminalStatus"));
        QVERIFY(banner);
        QTRY_VERIFY_WITH_TIMEOUT(banner->text().contains(QLatin1String("login user")), 30000);
    }

    if (provider == QLatin1String("aws")) {
        bool chosen = false;
        for (const test::FakeHttpRequest& r : m_cloud->server().requests())
            chosen = chosen || (r.body.contains("Action=RunInstances") &&
                                r.body.contains("ImageId=ami-older-dl") &&
                                r.body.contains("Ebs.VolumeSize=120"));
        QVERIFY(chosen);
        QTRY_COMPARE_WITH_TIMEOUT(fleet.find(id)->diskGb, 120.0, 20000);
    }
    if (spot) { // sent as a spot request, and metered at the spot price the dialog showed
        bool asked = false;
        for (const test::FakeHttpRequest& r : m_cloud->server().requests())
            asked = asked || r.body.contains("InstanceMarketOptions.MarketType=spot") ||
                    r.body.contains("\"provisioningModel\":\"SPOT\"");
        QVERIFY(asked);
        const Plan p = [&] {
            for (const Plan& p : fleet.catalogs().value(provider).plans)
                if (p.id == plan)
                    return p;
            return Plan();
        }();
        QVERIFY(p.spotHourly);
        QCOMPARE(fleet.find(id)->priceHourly, *p.spotHourly);
    }
    if (provider == QLatin1String("aws")) // the probe found the login user this machine has
        QVERIFY2(sameUser, qPrintable(fleet.find(id)->user));
    if (stopStart) {
        // Stop… says what keeps billing before it stops; Start brings SSH back.
        auto* stopButton = workspace->findChild<QPushButton*>(QStringLiteral("stopButton"));
        auto* startButton = workspace->findChild<QPushButton*>(QStringLiteral("startButton"));
        auto* overview = workspace->findChild<QWidget*>(QStringLiteral("overviewPage"));
        auto* tabs = qobject_cast<QTabWidget*>(overview->parentWidget()->parentWidget());
        QVERIFY(tabs);
        tabs->setCurrentWidget(overview);
        QVERIFY(stopButton->isVisible() && stopButton->isEnabled() && !startButton->isVisible());
        Prompter::instance().queueAnswer(true);
        QTest::mouseClick(stopButton, Qt::LeftButton);
        QVERIFY2(
            Prompter::instance().questionsAsked().last().contains(QLatin1String("keeps billing")),
            qPrintable(Prompter::instance().questionsAsked().last()));
        QTRY_COMPARE_WITH_TIMEOUT(fleet.find(id)->status, InstanceStatus::Stopped, 30000);
        QTRY_VERIFY(startButton->isVisible() && !stopButton->isVisible());
        QTest::mouseClick(startButton, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(fleet.find(id)->status, InstanceStatus::Running, 30000);
        QTRY_VERIFY_WITH_TIMEOUT(status->text().contains(QLatin1String("SSH ready")), 60000);
        QVERIFY(stopButton->isVisible());
    }

    // Destroy: confirmed, then the recap once the provider says the machine is gone.
    Prompter::instance().queueChoice(0);
    QSignalSpy recapShown(window.get(), &MainWindow::recapShown);
    QTest::mouseClick(workspace->findChild<QPushButton*>(QStringLiteral("destroyButton")),
                      Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(recapShown.size(), 1, 30000);
    QDialog* recap = window->findChild<QDialog*>(QStringLiteral("recapDialog"));
    QVERIFY(recap);
    QVERIFY(recap->findChild<QLabel*>(QStringLiteral("recapTotal"))
                ->text()
                .startsWith(QLatin1Char('$')));
    QVERIFY(!fleet.find(id));
    QCOMPARE(fleet.ledger().all()->last().instance.id, id);
    recap->close();
}

GPUDECK_GUITEST_MAIN(TestCloudWindow)
#include "tst_cloudwindow.moc"
