#include "mainwindow.h"

#include "accounts.h"
#include "addhostdialog.h"
#include "billing.h"
#include "billingguard.h"
#include "catalogpage.h"
#include "downloadfirstdialog.h"
#include "fleet.h"
#include "guardcontroller.h"
#include "instancelistmodel.h"
#include "instanceworkspace.h"
#include "launchdialog.h"
#include "meter.h"
#include "monitorhub.h"
#include "monitorpage.h"
#include "overviewpage.h"
#include "prompter.h"
#include "recapdialog.h"
#include "secretstore.h"
#include "settings.h"
#include "settingsdialog.h"
#include "statusicons.h"
#include "terminaltabs.h"
#include "transferqueue.h"
#include "watchdog.h"
#include "welcomedialog.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QFontDatabase>
#include <QLabel>
#include <QListView>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QSplitter>
#include <QStandardPaths>
#include <QStatusBar>
#include <QSystemTrayIcon>
#include <QTabBar>
#include <QTabWidget>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

namespace gpudeck {

MainWindow::MainWindow(Fleet& fleet, Settings& settings, QWidget* parent)
    : QMainWindow(parent)
    , m_fleet(fleet)
    , m_settings(settings)
{
    setObjectName(QStringLiteral("mainWindow"));
    m_monitors = new MonitorHub(m_fleet, this);
    m_secrets = new SecretStore(this);
    m_accounts = new Accounts(m_fleet, *m_secrets, this);
    m_transfers = new TransferQueue(this);
    m_transfers->setMaxParallel(m_settings.transferConcurrency());
    setWindowTitle(QStringLiteral("GPUDeck"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/gpudeck.svg")));

    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("workspaceTabs"));
    // Instance tabs get their own neutral close button (addWorkspaceTab); the catalog stays.
    m_tabs->setDocumentMode(true);
    m_catalog = new CatalogPage(m_tabs);
    m_tabs->addTab(m_catalog, QIcon(QStringLiteral(":/icons/provider.svg")), tr("Catalog"));
    connect(m_catalog, &CatalogPage::launchRequested, this, &MainWindow::showLaunchDialog);
    for (Provider* p : m_fleet.providers())
        m_catalog->setProvider(p->id(), p->displayName(),
                               p->capabilities().launch ? QString() : p->noLaunchNote());

    buildSidebar();
    buildActions();
    buildStatusBar();
    buildTray();
    m_guard = new GuardController(m_fleet, *m_monitors, *m_transfers, *this, m_tray);
    m_guard->guard().setDefaultPolicy(m_settings.guardDefaults());

    if (!restoreGeometry(m_settings.windowGeometry()))
        resize(1180, 720);
    restoreState(m_settings.windowState());
    m_catalog->restoreHeaderState(m_settings.catalogHeaderState());

    connect(&m_fleet, &Fleet::instancesChanged, this, &MainWindow::instancesChanged);
    connect(&m_fleet, &Fleet::timelineChanged, this, [this](const QString& id) {
        if (auto w = m_workspaces.value(id))
            w->refresh();
    });
    connect(&m_fleet, &Fleet::providerError, this,
            [this](const QString& provider, const QString& msg) {
                statusBar()->showMessage(tr("%1: %2").arg(provider, msg), 15000);
            });
    // Costs and uptimes tick once a second; nothing else is repainted by it.
    m_tick.setInterval(1000);
    connect(&m_tick, &QTimer::timeout, this, &MainWindow::tick);
    m_tick.start();

    loadCatalog();
    instancesChanged();
    // Find every instance on every provider now, including ones launched elsewhere, and keep
    // the list fresh while the window is open.
    m_fleet.refresh();
    m_fleet.setAutoRefresh(true);
    // Cloud accounts come from the environment and the keychain (a moment later): with one,
    // a provider has more plans and machines to show. A token saved or removed in Settings
    // does the same.
    QPointer<MainWindow> self(this);
    m_accounts->load([self] {
        if (!self)
            return;
        self->m_accountsLoaded = true;
        bool any = false;
        for (const Accounts::Status& s : self->m_accounts->statuses())
            any = any || s.source != Accounts::Source::None;
        if (any) {
            self->loadCatalog();
            self->m_fleet.refresh();
        }
    });
    connect(m_accounts, &Accounts::changed, this, [this] {
        if (!m_accountsLoaded)
            return;
        loadCatalog();
        m_fleet.refresh();
    });
}

MainWindow::~MainWindow() = default;

void MainWindow::buildSidebar()
{
    auto* side = new QWidget(this);
    side->setObjectName(QStringLiteral("sidebar"));
    auto* providersTitle = new QLabel(tr("<b>Providers</b>"), side);
    m_providers = new QListWidget(side);
    m_providers->setObjectName(QStringLiteral("providerList"));
    m_providers->setAccessibleName(tr("Providers"));
    for (Provider* p : m_fleet.providers()) {
        auto* item = new QListWidgetItem(providerIcon(p->id()),
                                         p->capabilities().launch
                                             ? p->displayName()
                                             : tr("%1 (no launch)").arg(p->displayName()),
                                         m_providers);
        item->setToolTip(p->guardNote());
        item->setData(Qt::UserRole, p->id());
    }
    m_providers->setMaximumHeight(m_providers->sizeHintForRow(0) * (m_providers->count() + 1) + 8);
    auto* instancesTitle = new QLabel(tr("<b>Instances</b>"), side);
    m_instanceModel = new InstanceListModel(m_fleet, m_monitors, m_meterClock, this);
    m_instances = new QListView(side);
    m_instances->setObjectName(QStringLiteral("instanceList"));
    m_instances->setAccessibleName(tr("Instances"));
    m_instances->setModel(m_instanceModel);
    m_instances->setIconSize(QSize(12, 12));
    m_instances->setSpacing(2);
    connect(m_instances, &QListView::activated, this, [this](const QModelIndex& i) {
        openWorkspace(i.data(InstanceListModel::InstanceIdRole).toString());
    });
    connect(m_instances, &QListView::clicked, this, [this](const QModelIndex& i) {
        openWorkspace(i.data(InstanceListModel::InstanceIdRole).toString());
    });
    m_instances->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_instances, &QListView::customContextMenuRequested, this,
            [this](const QPoint& at) { showInstanceMenu(m_instances->indexAt(at), at); });

    auto* layout = new QVBoxLayout(side);
    layout->setContentsMargins(6, 6, 0, 6);
    layout->addWidget(providersTitle);
    layout->addWidget(m_providers);
    layout->addWidget(instancesTitle);
    layout->addWidget(m_instances, 1);

    auto* split = new QSplitter(this);
    split->setObjectName(QStringLiteral("mainSplitter"));
    split->addWidget(side);
    split->addWidget(m_tabs);
    // Names and costs stay readable in a small window: the sidebar keeps its width (it can be
    // dragged closed, not squeezed) and the tabs take what is left.
    side->setMinimumWidth(190);
    split->setStretchFactor(0, 0);
    split->setStretchFactor(1, 1);
    split->setCollapsible(0, true);
    split->setCollapsible(1, false);
    split->setSizes({260, 920});
    setCentralWidget(split);
}

void MainWindow::buildActions()
{
    auto* launch = new QAction(QIcon(QStringLiteral(":/icons/launch.svg")), tr("&Launch…"), this);
    launch->setObjectName(QStringLiteral("launchAction"));
    launch->setShortcut(QKeySequence::New);
    launch->setToolTip(tr("Launch a machine from the selected plan (Ctrl+N)"));
    connect(launch, &QAction::triggered, this, [this] {
        const auto [provider, plan] = m_catalog->selectedPlan();
        showLaunchDialog(provider, plan);
    });
    m_destroyAction =
        new QAction(QIcon(QStringLiteral(":/icons/destroy.svg")), tr("&Destroy…"), this);
    m_destroyAction->setObjectName(QStringLiteral("destroyAction"));
    m_destroyAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Delete));
    m_destroyAction->setToolTip(tr("Destroy the selected instance (Ctrl+Del)"));
    connect(m_destroyAction, &QAction::triggered, this, [this] {
        const QString id = selectedInstanceId();
        if (!id.isEmpty())
            destroyInstance(id);
    });
    auto* addHost =
        new QAction(QIcon(QStringLiteral(":/icons/provider.svg")), tr("Add SSH &host…"), this);
    addHost->setObjectName(QStringLiteral("addHostAction"));
    addHost->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_H));
    addHost->setToolTip(tr("Add one of your own machines, reached over SSH (Ctrl+Shift+H)"));
    connect(addHost, &QAction::triggered, this, &MainWindow::showAddHostDialog);
    auto* refresh = new QAction(QIcon(QStringLiteral(":/icons/refresh.svg")), tr("&Refresh"), this);
    refresh->setObjectName(QStringLiteral("refreshAction"));
    refresh->setShortcut(QKeySequence::Refresh);
    connect(refresh, &QAction::triggered, this, [this] {
        loadCatalog();
        m_fleet.refresh();
    });
    auto* settings = new QAction(tr("&Settings…"), this);
    settings->setObjectName(QStringLiteral("settingsAction"));
    settings->setShortcut(QKeySequence::Preferences);
    if (settings->shortcut().isEmpty())
        settings->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Comma));
    connect(settings, &QAction::triggered, this, [this] { showSettings(); });
    auto* closeTab = new QAction(tr("&Close Tab"), this);
    closeTab->setObjectName(QStringLiteral("closeTabAction"));
    closeTab->setShortcut(QKeySequence::Close);
    connect(closeTab, &QAction::triggered, this, [this] {
        closeWorkspaceTab(qobject_cast<InstanceWorkspace*>(m_tabs->currentWidget()));
    });
    auto* quit = new QAction(tr("&Quit"), this);
    quit->setShortcut(QKeySequence::Quit);
    connect(quit, &QAction::triggered, this, &QWidget::close);

    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(refresh);
    file->addAction(settings);
    file->addAction(closeTab);
    file->addSeparator();
    file->addAction(quit);
    QMenu* instance = menuBar()->addMenu(tr("&Instance"));
    instance->addAction(launch);
    instance->addAction(addHost);
    instance->addAction(m_destroyAction);
    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&Welcome"), this, &MainWindow::showWelcome)
        ->setObjectName(QStringLiteral("welcomeAction"));
    help->addAction(tr("&About GPUDeck"), this, [this] {
        QMessageBox::about(this, tr("About GPUDeck"),
                           tr("<b>GPUDeck %1</b><p>Rent cloud GPUs by the hour without forgetting "
                              "them.</p>")
                               .arg(QStringLiteral(GPUDECK_VERSION)));
    });

    QToolBar* bar = addToolBar(tr("Main"));
    bar->setObjectName(QStringLiteral("mainToolBar"));
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    bar->setMovable(false);
    bar->addAction(launch);
    bar->addAction(addHost);
    bar->addAction(m_destroyAction);
    bar->addAction(refresh);
}

void MainWindow::buildStatusBar()
{
    m_burnRate = new QLabel(this);
    m_burnRate->setObjectName(QStringLiteral("burnRateLabel"));
    m_burnRate->setToolTip(tr("What your running machines cost per hour, together"));
    statusBar()->addPermanentWidget(m_burnRate);
}

void MainWindow::buildTray()
{
    if (!QSystemTrayIcon::isSystemTrayAvailable())
        return;
    m_tray = new QSystemTrayIcon(windowIcon(), this);
    auto* menu = new QMenu(this);
    menu->addAction(tr("Show GPUDeck"), this, [this] {
        showNormal();
        raise();
        activateWindow();
    });
    menu->addAction(tr("Quit"), this, &QWidget::close);
    m_tray->setContextMenu(menu);
    connect(m_tray, &QSystemTrayIcon::activated, this, [this](QSystemTrayIcon::ActivationReason r) {
        if (r == QSystemTrayIcon::Trigger) {
            showNormal();
            raise();
            activateWindow();
        }
    });
    m_tray->show();
}

void MainWindow::loadCatalog()
{
    QPointer<MainWindow> self(this);
    auto show = [self](QList<Plan> plans, QList<Error> errors) {
        if (!self)
            return;
        QStringList problems;
        for (const Error& e : errors)
            problems << e.message;
        self->m_catalog->setPlans(plans, problems);
    };
    m_catalogComplete = false;
    m_fleet.fetchCatalog(
        [self, show](QList<Plan> plans, QList<Error> errors) {
            show(plans, errors);
            if (self)
                self->m_catalogComplete = true;
        },
        show);
}

void MainWindow::instancesChanged()
{
    const QString selected = selectedInstanceId();
    m_instanceModel->reload();
    for (int row = 0; row < m_instanceModel->rowCount(); ++row) {
        const QModelIndex i = m_instanceModel->index(row);
        if (i.data(InstanceListModel::InstanceIdRole).toString() == selected)
            m_instances->setCurrentIndex(i);
    }
    for (auto it = m_workspaces.begin(); it != m_workspaces.end();) {
        // A machine that is gone (destroyed from the CLI, another window or the provider's
        // console) takes its workspace with it: its terminals must not keep reconnecting.
        if (it.value() && !m_fleet.find(it.key()) && !m_destroying.contains(it.key())) {
            statusBar()->showMessage(tr("%1 is gone; its tab was closed.").arg(it.key()), 10000);
            retireWorkspace(it.value());
            it = m_workspaces.erase(it);
            continue;
        }
        if (it.value())
            it.value()->refresh();
        ++it;
    }
    tick();
}

void MainWindow::setMeterSource(const Clock& clock)
{
    m_meterSource = &clock;
    tick();
}

void MainWindow::tick()
{
    m_meterClock.set(m_meterSource->now());
    m_instanceModel->tick();
    if (auto* w = qobject_cast<InstanceWorkspace*>(m_tabs->currentWidget()))
        w->refresh();
    const double rate = m_fleet.burnRateHourly();
    m_burnRate->setText(tr("Burning %1").arg(formatHourly(rate)));
    const std::optional<Instance> selected = m_fleet.find(selectedInstanceId());
    const Provider* selectedProvider = selected ? m_fleet.provider(selected->provider) : nullptr;
    m_destroyAction->setEnabled(selectedProvider && selectedProvider->capabilities().destroy);
}

QString MainWindow::selectedInstanceId() const
{
    if (auto* w = qobject_cast<InstanceWorkspace*>(m_tabs->currentWidget()))
        return w->instanceId();
    const QModelIndex i = m_instances->currentIndex();
    return i.isValid() ? i.data(InstanceListModel::InstanceIdRole).toString() : QString();
}

InstanceWorkspace* MainWindow::openWorkspace(const QString& instanceId)
{
    if (instanceId.isEmpty() || !m_fleet.find(instanceId))
        return nullptr;
    InstanceWorkspace* w = m_workspaces.value(instanceId);
    if (!w) {
        w = new InstanceWorkspace(m_fleet, m_monitors, m_transfers, instanceId, m_meterClock,
                                  m_tabs);
        connect(w, &InstanceWorkspace::destroyRequested, this, &MainWindow::destroyInstance);
        connect(w, &InstanceWorkspace::removeHostRequested, this, &MainWindow::removeHost);
        connect(w, &InstanceWorkspace::statusMessage, this,
                [this](const QString& m) { statusBar()->showMessage(m, 5000); });
        const std::optional<Instance> i = m_fleet.find(instanceId);
        w->terminals()->setProfile(terminalProfile());
        // What the user does in the workspace keeps the guard's idle clock at zero.
        connect(w->terminals(), &TerminalTabs::typed, this, [this, instanceId] {
            m_guard->guard().noteActivity(instanceId, BillingGuard::Activity::Keystroke);
        });
        connect(w->monitor(), &MonitorPage::trainingProgressed, this, [this, instanceId] {
            m_guard->guard().noteActivity(instanceId, BillingGuard::Activity::Epoch);
        });
        w->overview()->setGuardPanel(m_guard->createPanel(instanceId, w));
        m_workspaces.insert(instanceId, w);
    }
    if (m_tabs->indexOf(w) < 0)
        addWorkspaceTab(w);
    m_tabs->setCurrentWidget(w);
    return w;
}

void MainWindow::showInstanceMenu(const QModelIndex& index, const QPoint& at)
{
    const QString id = index.data(InstanceListModel::InstanceIdRole).toString();
    const std::optional<Instance> i = m_fleet.find(id);
    if (!i)
        return;
    const Provider* p = m_fleet.provider(i->provider);
    const bool running = i->status == InstanceStatus::Running;
    auto* menu = new QMenu(this);
    menu->setObjectName(QStringLiteral("instanceMenu"));
    menu->setAttribute(Qt::WA_DeleteOnClose);
    menu->addAction(QIcon(QStringLiteral(":/icons/overview.svg")), tr("&Open"), this,
                    [this, id] { openWorkspace(id); });
    menu->addAction(QIcon(QStringLiteral(":/icons/terminal.svg")), tr("Open &terminal"), this,
                    [this, id] {
                        if (auto* w = openWorkspace(id))
                            w->openTerminal();
                    })
        ->setEnabled(running);
    menu->addAction(QIcon(QStringLiteral(":/icons/files.svg")), tr("&Files"), this,
                    [this, id] {
                        if (auto* w = openWorkspace(id))
                            w->showFiles();
                    })
        ->setEnabled(running);
    menu->addAction(tr("Copy &ssh command"), this,
                    [this, inst = *i] {
                        QGuiApplication::clipboard()->setText(
                            sshCommandFor(inst, m_fleet.keyPathFor(inst)));
                        statusBar()->showMessage(tr("Copied the ssh command of %1").arg(inst.name),
                                                 5000);
                    })
        ->setEnabled(!i->host.isEmpty());
    menu->addSeparator();
    if (p && p->capabilities().destroy)
        menu->addAction(QIcon(QStringLiteral(":/icons/destroy.svg")), tr("&Destroy…"), this,
                        [this, id] { destroyInstance(id); });
    else if (i->provider == QLatin1String("ssh"))
        menu->addAction(tr("&Remove from GPUDeck…"), this, [this, id] { removeHost(id); });
    menu->popup(m_instances->viewport()->mapToGlobal(at));
}

void MainWindow::addWorkspaceTab(InstanceWorkspace* w)
{
    const std::optional<Instance> i = m_fleet.find(w->instanceId());
    const int index = m_tabs->addTab(w, QIcon(QStringLiteral(":/icons/overview.svg")),
                                     i ? i->name : w->instanceId());
    auto* close = new QToolButton(m_tabs->tabBar());
    close->setObjectName(QStringLiteral("closeTabButton-") + w->instanceId());
    close->setIcon(QIcon(QStringLiteral(":/icons/tab-close.svg")));
    close->setIconSize(QSize(12, 12));
    close->setAutoRaise(true);
    close->setFocusPolicy(Qt::NoFocus);
    close->setAccessibleName(tr("Close tab"));
    close->setToolTip(tr("Close this tab (Ctrl+W). Terminals, transfers and the machine keep "
                         "running; open it again from the instance list."));
    connect(close, &QToolButton::clicked, this,
            [this, w = QPointer<InstanceWorkspace>(w)] { closeWorkspaceTab(w); });
    m_tabs->tabBar()->setTabButton(index, QTabBar::RightSide, close);
}

void MainWindow::closeWorkspaceTab(InstanceWorkspace* w)
{
    const int index = w ? m_tabs->indexOf(w) : -1;
    if (index <= 0)
        return;
    // Only the tab goes: what runs in its terminals is the user's work, so the sessions stay
    // connected (hidden) until the machine is destroyed or the window closes.
    m_tabs->removeTab(index);
    w->hide();
    const int terminals = w->terminals()->count();
    if (terminals > 0)
        statusBar()->showMessage(
            tr("Closed the tab of %1; its %n terminal(s) keep running. Open it again from the "
               "instance list.",
               nullptr, terminals)
                .arg(w->instanceId()),
            8000);
}

void MainWindow::showLaunchDialog(const QString& providerId, const QString& planId)
{
    if (Provider* chosen = m_fleet.provider(providerId); chosen && !chosen->capabilities().launch) {
        // A plan listed for comparison only (Colab): say what to do instead.
        Prompter::instance().showError(this, tr("Launch"),
                                       makeError(ErrorCode::Unsupported, chosen->noLaunchNote()));
        return;
    }
    QList<Plan> launchable;
    for (const Plan& p : m_catalog->plans()) {
        Provider* provider = m_fleet.provider(p.provider);
        if (provider && provider->capabilities().launch)
            launchable << p;
    }
    if (launchable.isEmpty()) {
        Prompter::instance().showError(
            this, tr("Launch"),
            makeError(ErrorCode::Unsupported, tr("No configured provider can launch machines.")));
        return;
    }
    auto* dialog = new LaunchDialog(launchable, providerId, planId, m_fleet.providers(),
                                    m_fleet.catalogs(), m_settings.launchEstimateHours(), this);
    connect(dialog, &LaunchDialog::launchRequested, this,
            [this, dialog](const QString& provider, const LaunchRequest& request) {
                m_settings.setLaunchEstimateHours(dialog->estimateHours());
                statusBar()->showMessage(tr("Launching %1…").arg(request.name));
                QPointer<MainWindow> self(this);
                m_fleet.launch(provider, request, [self](Result<Instance> r) {
                    if (!self)
                        return;
                    if (!r.ok()) {
                        self->statusBar()->clearMessage();
                        Prompter::instance().showError(self, tr("Launch failed"), r.error());
                        return;
                    }
                    self->statusBar()->showMessage(tr("%1 launched; billing has started at %2")
                                                       .arg(r->name, formatHourly(r->priceHourly)),
                                                   10000);
                    self->openWorkspace(r->id);
                });
            });
    dialog->open();
}

void MainWindow::destroyInstance(const QString& requestedId)
{
    const QString instanceId = requestedId; // the asking workspace owns the original
    const std::optional<Instance> i = m_fleet.find(instanceId);
    if (!i || m_destroying.contains(instanceId))
        return;
    const QString question =
        tr("Destroy %1 (%2)?\n\nThe machine and everything on its disk are deleted for good: "
           "files in the home folder, checkpoints, installed packages. Download what you need "
           "first.\n\nIt has cost %3 so far at %4.")
            .arg(i->name, i->id,
                 formatCents(costOf(*i, QDateTime::currentDateTimeUtc()).totalCents()),
                 formatHourly(i->priceHourly));
    const int choice = Prompter::instance().choose(this, tr("Destroy machine"), question,
                                                   {tr("Destroy"), tr("Download a folder first…")});
    if (choice == 1) {
        downloadThenDestroy(*i);
        return;
    }
    if (choice != 0)
        return;
    destroyConfirmed(instanceId);
}

void MainWindow::downloadThenDestroy(const Instance& instance)
{
    auto* dialog = new DownloadFirstDialog(m_fleet, instance, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    const QString id = instance.id;
    connect(dialog, &QDialog::accepted, this, [this, dialog, id] {
        const std::optional<Instance> i = m_fleet.find(id);
        if (!i)
            return;
        const QString remote = dialog->remotePath();
        const QString localDir = dialog->localDir();
        statusBar()->showMessage(
            tr("Downloading %1 from %2; you are asked once more before it is destroyed…")
                .arg(remote, i->name));
        if (auto w = openWorkspace(id))
            w->showFiles();
        QPointer<MainWindow> self(this);
        m_transfers->downloadThen(
            m_fleet, *i, remote, localDir,
            [self, id, remote, localDir](Result<ssh::TransferOutcome> r) {
                if (!self)
                    return;
                self->statusBar()->clearMessage();
                if (!r.ok()) {
                    // Nothing is lost: the machine stays until its data is safe.
                    Error e = r.error();
                    e.message = tr("The download failed, so the machine was NOT destroyed: %1")
                                    .arg(e.message);
                    Prompter::instance().showError(self, tr("Destroy"), e);
                    return;
                }
                const std::optional<Instance> now = self->m_fleet.find(id);
                if (!now)
                    return;
                const QString arrived =
                    tr("Downloaded %1 from %2 into %3.").arg(remote, now->name, localDir);
                if (!Prompter::instance().confirm(
                        self, tr("Destroy machine"),
                        arrived + QStringLiteral("\n\n") +
                            tr("Destroy %1 now? Everything else on its disk is deleted for good.")
                                .arg(now->name),
                        tr("Destroy"))) {
                    self->statusBar()->showMessage(arrived + tr(" The machine keeps running."),
                                                   10000);
                    return;
                }
                self->m_recapNotes.insert(id, arrived);
                self->destroyConfirmed(id);
            });
    });
    dialog->open();
}

void MainWindow::destroyConfirmed(const QString& instanceId)
{
    const std::optional<Instance> i = m_fleet.find(instanceId);
    if (!i || m_destroying.contains(instanceId))
        return;
    m_destroying.insert(instanceId);
    if (auto w = m_workspaces.value(instanceId))
        w->setDestroying(true);
    statusBar()->showMessage(
        tr("Destroying %1; waiting for the provider to confirm…").arg(i->name));
    QPointer<MainWindow> self(this);
    m_fleet.destroy(instanceId, [self, instanceId](Result<Recap> r) {
        if (!self)
            return;
        self->m_destroying.remove(instanceId);
        if (!r.ok()) {
            if (auto w = self->m_workspaces.value(instanceId))
                w->setDestroying(false);
            self->statusBar()->clearMessage();
            Prompter::instance().showError(self, tr("Destroy failed"), r.error());
            return;
        }
        if (auto w = self->m_workspaces.take(instanceId))
            delete w.data();
        self->statusBar()->showMessage(
            tr("%1 destroyed; total %2").arg(r->instance.name, formatCents(r->cost.totalCents())),
            10000);
        self->showRecap(r.value(), self->m_recapNotes.take(instanceId));
    });
}

void MainWindow::showWelcomeIfFirstRun()
{
    if (m_settings.welcomeShown())
        return;
    m_settings.setWelcomeShown(true);
    showWelcome();
}

void MainWindow::showWelcome()
{
    auto* dialog = new WelcomeDialog(m_fleet, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &WelcomeDialog::trySandboxRequested, this, [this] {
        // The cheapest Sandbox plan, selected in the launch dialog.
        QString plan;
        double best = 0;
        for (const Plan& p : m_catalog->plans()) {
            if (p.provider == QLatin1String("sandbox") &&
                (plan.isEmpty() || p.onDemandHourly < best)) {
                plan = p.id;
                best = p.onDemandHourly;
            }
        }
        showLaunchDialog(QStringLiteral("sandbox"), plan);
    });
    connect(dialog, &WelcomeDialog::addAccountRequested, this,
            [this] { showSettings(QStringLiteral("accountsPage")); });
    dialog->open();
}

void MainWindow::showSettings(const QString& page)
{
    auto* dialog = new SettingsDialog(m_fleet, m_settings, *m_accounts, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    if (!page.isEmpty())
        dialog->showPage(page);
    connect(dialog, &SettingsDialog::applied, this, &MainWindow::applySettings);
    dialog->open();
}

TerminalProfile MainWindow::terminalProfile() const
{
    TerminalProfile p;
    p.font = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    if (!m_settings.terminalFontFamily().isEmpty())
        p.font.setFamily(m_settings.terminalFontFamily());
    if (m_settings.terminalFontSize() > 0)
        p.font.setPointSize(m_settings.terminalFontSize());
    p.scrollbackLines = m_settings.terminalScrollback();
    return p;
}

void MainWindow::applySettings()
{
    m_guard->guard().setDefaultPolicy(m_settings.guardDefaults());
    m_transfers->setMaxParallel(m_settings.transferConcurrency());
    const TerminalProfile profile = terminalProfile();
    for (const auto& w : std::as_const(m_workspaces)) {
        if (w)
            w->terminals()->setProfile(profile);
    }
}

void MainWindow::showAddHostDialog()
{
    auto* dialog = new AddHostDialog(m_fleet, this);
    connect(dialog, &AddHostDialog::hostAdded, this, [this](const QString& name) {
        statusBar()->showMessage(tr("Added %1").arg(name), 5000);
        // The list refresh is asynchronous; open the workspace once the host is listed.
        auto opener = std::make_shared<QMetaObject::Connection>();
        *opener = connect(&m_fleet, &Fleet::instancesChanged, this, [this, name, opener] {
            if (openWorkspace(name))
                disconnect(*opener);
        });
    });
    dialog->open();
}

void MainWindow::retireWorkspace(InstanceWorkspace* w)
{
    // Its sessions end now (nothing reconnects to a machine that is gone), its tab goes now;
    // the widget itself goes later: this may run inside one of its own signals (Remove host).
    w->terminals()->endSessions(tr("Session closed: the machine is gone."));
    const int tab = m_tabs->indexOf(w);
    if (tab >= 0)
        m_tabs->removeTab(tab);
    w->hide();
    w->deleteLater();
}

void MainWindow::removeHost(const QString& requestedId)
{
    // A copy: the workspace that asked (and owns the string) is retired on the way.
    const QString instanceId = requestedId;
    if (!Prompter::instance().confirm(
            this, tr("Remove host"),
            tr("Remove %1 from GPUDeck? The machine itself is not touched; you can add it again "
               "later.")
                .arg(instanceId),
            tr("Remove")))
        return;
    const Result<void> removed = m_fleet.removeSshHost(instanceId);
    if (!removed.ok()) {
        Prompter::instance().showError(this, tr("Remove host"), removed.error());
        return;
    }
    if (auto w = m_workspaces.take(instanceId))
        retireWorkspace(w.data());
}

void MainWindow::showRecap(const Recap& recap, const QString& note)
{
    if (m_quitting)
        return;
    auto* dialog = new RecapDialog(recap, note, this);
    dialog->show();
    emit recapShown(recap.instance.id);
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    m_settings.setWindowGeometry(saveGeometry());
    m_settings.setWindowState(saveState());
    m_settings.setCatalogHeaderState(m_catalog->headerState());
    if (m_readyToClose || m_quitting) {
        event->setAccepted(m_readyToClose);
        return;
    }
    // Sandbox machines are local test servers: destroyed on quit unless Settings say otherwise.
    QStringList sandboxes;
    QStringList billing;
    QStringList lines;
    for (const Instance& i : m_fleet.instances()) {
        if (i.status == InstanceStatus::Destroying)
            continue;
        if (i.provider == QLatin1String("sandbox") && m_settings.destroySandboxOnQuit()) {
            sandboxes << i.id;
            continue;
        }
        const Provider* p = m_fleet.provider(i.provider);
        const double rate = hourlyRate(i).totalUsd();
        if (!p || !p->capabilities().destroy || rate <= 0)
            continue;
        billing << i.id;
        lines << tr("• %1 — %2: %3").arg(i.name, formatHourly(rate), afterQuitNote(i, *p));
    }
    if (!billing.isEmpty()) {
        QString text = tr("%n machine(s) keep billing after GPUDeck quits:", nullptr,
                          static_cast<int>(billing.size())) +
                       QStringLiteral("\n") + lines.join(QLatin1Char('\n'));
        if (!sandboxes.isEmpty())
            text += QStringLiteral("\n\n") +
                    tr("Your Sandbox machines are destroyed either way (Settings → General).");
        const int choice = Prompter::instance().choose(
            this, tr("Quit GPUDeck"), text,
            {tr("Keep them running and quit"), tr("Destroy them and quit")}); // and Cancel
        event->ignore();
        if (choice == 0)
            quitDestroying(sandboxes);
        else if (choice == 1)
            quitDestroying(sandboxes + billing);
        return;
    }
    if (sandboxes.isEmpty()) {
        m_readyToClose = true;
        event->accept();
        return;
    }
    if (!Prompter::instance().confirm(
            this, tr("Quit GPUDeck"),
            (sandboxes.size() == 1
                 ? tr("Quitting destroys your Sandbox machine: it is a local test server that "
                      "stops with GPUDeck, and its files are deleted.")
                 : tr("Quitting destroys your %1 Sandbox machines: they are local test servers "
                      "that stop with GPUDeck, and their files are deleted.")
                       .arg(sandboxes.size())),
            tr("Destroy and quit"))) {
        event->ignore();
        return;
    }
    event->ignore();
    quitDestroying(sandboxes);
}

QString MainWindow::afterQuitNote(const Instance& i, const Provider& p) const
{
    const WatchdogSupport support = watchdogSupport(p, i);
    if (i.status != InstanceStatus::Running)
        return stoppedBillingNote(i, p.displayName());
    if (!support.installable)
        return tr("nothing stops it once GPUDeck is closed; it bills until you destroy it.");
    if (!m_guard->watchdogs().installed(i.id))
        return tr("its watchdog is not installed, so nothing stops it once GPUDeck is closed.");
    if (!support.endsBilling)
        return tr("its watchdog can power it off, but %1 bills a powered-off machine: it bills "
                  "until you destroy it.")
            .arg(p.displayName());
    return tr("its watchdog stops it once GPUDeck's heartbeat is missing and its GPUs are idle.");
}

void MainWindow::quitDestroying(const QStringList& ids)
{
    m_quitting = true;
    if (!ids.isEmpty())
        statusBar()->showMessage(
            tr("Destroying %n machine(s) before quitting…", nullptr, static_cast<int>(ids.size())));
    auto pending = std::make_shared<int>(0);
    QPointer<MainWindow> self(this);
    auto finishOne = [self, pending] {
        if (--*pending == 0 && self) {
            self->m_readyToClose = true;
            self->close();
        }
    };
    for (const QString& id : ids) {
        ++*pending;
        m_fleet.destroy(id, [finishOne](Result<Recap>) { finishOne(); });
    }
    if (*pending == 0) {
        // Called from closeEvent(): a close() inside it would be refused; close once it returned.
        m_readyToClose = true;
        QMetaObject::invokeMethod(this, &QWidget::close, Qt::QueuedConnection);
    }
}

} // namespace gpudeck
