#include "instanceworkspace.h"

#include "clock.h"
#include "filespage.h"
#include "fleet.h"
#include "meter.h"
#include "monitorpage.h"
#include "overviewpage.h"
#include "prompter.h"
#include "terminalpane.h"
#include "terminaltabs.h"

#include <QLabel>
#include <QPointer>
#include <QTabWidget>
#include <QVBoxLayout>

namespace gpudeck {

InstanceWorkspace::InstanceWorkspace(Fleet& fleet, MonitorHub* monitors, TransferQueue* transfers,
                                     QString instanceId, const Clock& meterClock, QWidget* parent)
    : QWidget(parent)
    , m_fleet(fleet)
    , m_meterClock(meterClock)
    , m_id(std::move(instanceId))
{
    setObjectName(QStringLiteral("workspace-") + m_id);
    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("instanceTabs"));
    m_tabs->setDocumentMode(true);
    m_overview = new OverviewPage(m_tabs);
    m_tabs->addTab(m_overview, QIcon(QStringLiteral(":/icons/overview.svg")), tr("Overview"));
    m_terminals = new TerminalTabs(m_fleet, m_id, m_tabs);
    m_tabs->addTab(m_terminals, QIcon(QStringLiteral(":/icons/terminal.svg")), tr("Terminal"));
    m_files = new FilesPage(m_fleet, transfers, m_id, m_tabs);
    m_tabs->addTab(m_files, QIcon(QStringLiteral(":/icons/files.svg")), tr("Files"));
    m_monitor = new MonitorPage(m_fleet, monitors, m_id, m_tabs);
    m_tabs->addTab(m_monitor, QIcon(QStringLiteral(":/icons/monitor.svg")), tr("Monitor"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_tabs);
    // The first terminal opens when the tab is first shown; more with "+".
    connect(m_tabs, &QTabWidget::currentChanged, this, [this] {
        if (m_tabs->currentWidget() == m_terminals && m_terminals->count() == 0)
            m_terminals->openTerminal();
    });
    connect(m_overview, &OverviewPage::openTerminalRequested, this,
            &InstanceWorkspace::openTerminal);
    connect(m_overview, &OverviewPage::destroyRequested, this,
            [this] { emit destroyRequested(m_id); });
    connect(m_overview, &OverviewPage::stopRequested, this, [this] { power(false); });
    connect(m_overview, &OverviewPage::startRequested, this, [this] { power(true); });
    connect(m_overview, &OverviewPage::allowSshRequested, this, [this] {
        QPointer<InstanceWorkspace> self(this);
        m_fleet.allowSshFromHere(m_id, [self](Result<QString> r) {
            if (!self)
                return;
            if (!r.ok())
                Prompter::instance().showError(self, tr("Allow SSH"), r.error());
            else
                emit self->statusMessage(r.value());
        });
    });
    connect(m_overview, &OverviewPage::statusMessage, this, &InstanceWorkspace::statusMessage);
    connect(m_overview, &OverviewPage::removeHostRequested, this,
            [this] { emit removeHostRequested(m_id); });
    refresh();
}

void InstanceWorkspace::refresh()
{
    const std::optional<Instance> i = m_fleet.find(m_id);
    if (!i)
        return;
    const QString key = m_fleet.keyPathFor(*i);
    const Provider* p = m_fleet.provider(i->provider);
    m_overview->show(*i, m_fleet.timeline(*i), key, p && p->capabilities().destroy,
                     p && p->capabilities().stopStart, p && p->capabilities().sshFirewall,
                     m_meterClock.now());
}

void InstanceWorkspace::power(bool on)
{
    const std::optional<Instance> i = m_fleet.find(m_id);
    const Provider* p = i ? m_fleet.provider(i->provider) : nullptr;
    if (!i || !p)
        return;
    if (!on) {
        // What stopping saves (or does not) is said before, not after.
        const QString billing = stopEndsBilling(*i) ? tr("Nothing bills while it is stopped.")
                                                    : stoppedBillingNote(*i, p->displayName());
        if (!Prompter::instance().confirm(
                this, tr("Stop %1").arg(i->name),
                tr("Stop %1? Programs running on it end; its disk is kept. %2")
                    .arg(i->name, billing),
                tr("Stop")))
            return;
    }
    emit statusMessage(on ? tr("Starting %1…").arg(i->name) : tr("Stopping %1…").arg(i->name));
    QPointer<InstanceWorkspace> self(this);
    const auto done = [self, on](Result<Instance> r) {
        if (!self)
            return;
        if (!r.ok()) {
            Prompter::instance().showError(self, on ? tr("Start") : tr("Stop"), r.error());
            return;
        }
        emit self->statusMessage(on ? tr("%1 is starting; SSH is checked again.").arg(r->name)
                                    : tr("%1 is stopped.").arg(r->name));
        self->refresh();
    };
    if (on)
        m_fleet.start(m_id, done);
    else
        m_fleet.stop(m_id, done);
}

TerminalPane* InstanceWorkspace::openTerminal()
{
    // Showing the tab opens the first terminal by itself; only ask for more after that.
    const bool hadOne = m_terminals->count() > 0;
    m_tabs->setCurrentWidget(m_terminals);
    TerminalPane* pane = hadOne || m_terminals->count() == 0 ? m_terminals->openTerminal()
                                                             : m_terminals->terminal(0);
    return pane;
}

void InstanceWorkspace::showFiles()
{
    m_tabs->setCurrentWidget(m_files);
}

TerminalTabs* InstanceWorkspace::terminals() const
{
    return m_terminals;
}

void InstanceWorkspace::setDestroying(bool destroying)
{
    m_overview->setDestroying(destroying);
    // The machine's SSH server is about to go: a terminal that noticed would try to reconnect
    // to a machine that no longer exists. Ended now; if the destroy fails, Reconnect is there.
    if (destroying)
        m_terminals->endSessions(tr("Session closed: the machine is being destroyed."));
}

} // namespace gpudeck
