#include "terminaltabs.h"

#include "terminalpane.h"
#include "terminalview.h"

#include <QAction>
#include <QTabWidget>
#include <QToolButton>
#include <QVBoxLayout>

namespace gpudeck {

TerminalTabs::TerminalTabs(Fleet& fleet, QString instanceId, QWidget* parent)
    : QWidget(parent)
    , m_fleet(fleet)
    , m_instanceId(std::move(instanceId))
{
    setObjectName(QStringLiteral("terminalTabs"));
    m_tabs = new QTabWidget(this);
    m_tabs->setTabsClosable(true);
    m_tabs->setMovable(true);
    m_tabs->setDocumentMode(true);
    auto* add = new QToolButton(m_tabs);
    add->setObjectName(QStringLiteral("newTerminalButton"));
    add->setText(QStringLiteral("+"));
    add->setToolTip(tr("New terminal (Ctrl+Shift+T)"));
    add->setAutoRaise(true);
    m_tabs->setCornerWidget(add, Qt::TopRightCorner);
    auto* newTerminal = new QAction(tr("New terminal"), this);
    newTerminal->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_T));
    newTerminal->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    addAction(newTerminal);
    connect(newTerminal, &QAction::triggered, this, &TerminalTabs::openTerminal);
    connect(add, &QToolButton::clicked, this, &TerminalTabs::openTerminal);
    connect(m_tabs, &QTabWidget::tabCloseRequested, this,
            [this](int index) { delete m_tabs->widget(index); });
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_tabs);
}

TerminalPane* TerminalTabs::openTerminal()
{
    auto* pane = new TerminalPane(m_fleet, m_instanceId, m_tabs);
    if (m_profile)
        pane->setProfile(*m_profile);
    const QString label = tr("Terminal %1").arg(++m_opened);
    const int index = m_tabs->addTab(pane, QIcon(QStringLiteral(":/icons/terminal.svg")), label);
    connect(pane->view(), &terminal::TerminalView::typed, this, &TerminalTabs::typed);
    connect(pane, &TerminalPane::titleChanged, this, [this, pane, label](const QString& title) {
        const int i = m_tabs->indexOf(pane);
        if (i >= 0)
            m_tabs->setTabText(i, title.isEmpty() ? label : title.left(40));
    });
    m_tabs->setCurrentIndex(index);
    pane->setFocus();
    return pane;
}

int TerminalTabs::count() const
{
    return m_tabs->count();
}

TerminalPane* TerminalTabs::terminal(int index) const
{
    return qobject_cast<TerminalPane*>(m_tabs->widget(index));
}

void TerminalTabs::endSessions(const QString& why)
{
    for (int i = 0; i < count(); ++i)
        terminal(i)->endSession(why);
}

void TerminalTabs::setProfile(const TerminalProfile& profile)
{
    m_profile = profile;
    for (int i = 0; i < count(); ++i)
        terminal(i)->setProfile(profile);
}

} // namespace gpudeck
