#include "terminalsearchbar.h"

#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QToolButton>

namespace gpudeck::terminal {

TerminalSearchBar::TerminalSearchBar(QWidget* parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("terminalSearch"));
    setAutoFillBackground(true);
    setFocusPolicy(Qt::StrongFocus);

    m_field = new QLineEdit(this);
    m_field->setObjectName(QStringLiteral("terminalSearchField"));
    m_field->setPlaceholderText(tr("Find in terminal"));
    m_field->setClearButtonEnabled(true);
    m_field->setMinimumWidth(180);
    m_field->installEventFilter(this);
    setFocusProxy(m_field);

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("terminalSearchStatus"));
    m_status->setMinimumWidth(m_status->fontMetrics().horizontalAdvance(tr("No matches")));

    m_case = new QToolButton(this);
    m_case->setObjectName(QStringLiteral("terminalSearchCase"));
    m_case->setText(QStringLiteral("Aa"));
    m_case->setToolTip(tr("Match case"));
    m_case->setCheckable(true);
    m_case->setAutoRaise(true);

    auto* older = new QToolButton(this);
    older->setObjectName(QStringLiteral("terminalSearchOlder"));
    older->setArrowType(Qt::UpArrow);
    older->setToolTip(tr("Older match (Enter)"));
    older->setAutoRaise(true);
    auto* newer = new QToolButton(this);
    newer->setObjectName(QStringLiteral("terminalSearchNewer"));
    newer->setArrowType(Qt::DownArrow);
    newer->setToolTip(tr("Newer match (Shift+Enter)"));
    newer->setAutoRaise(true);
    auto* close = new QToolButton(this);
    close->setObjectName(QStringLiteral("terminalSearchClose"));
    close->setText(QStringLiteral("✕"));
    close->setToolTip(tr("Close (Escape)"));
    close->setAutoRaise(true);

    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(6, 4, 4, 4);
    layout->setSpacing(4);
    layout->addWidget(m_field);
    layout->addWidget(m_status);
    layout->addWidget(m_case);
    layout->addWidget(older);
    layout->addWidget(newer);
    layout->addWidget(close);

    connect(m_field, &QLineEdit::textChanged, this, &TerminalSearchBar::searchChanged);
    connect(m_case, &QToolButton::toggled, this, &TerminalSearchBar::searchChanged);
    connect(older, &QToolButton::clicked, this, &TerminalSearchBar::olderRequested);
    connect(newer, &QToolButton::clicked, this, &TerminalSearchBar::newerRequested);
    connect(close, &QToolButton::clicked, this, &TerminalSearchBar::closeRequested);
}

QString TerminalSearchBar::text() const
{
    return m_field->text();
}

Qt::CaseSensitivity TerminalSearchBar::caseSensitivity() const
{
    return m_case->isChecked() ? Qt::CaseSensitive : Qt::CaseInsensitive;
}

void TerminalSearchBar::setStatus(int current, int total)
{
    if (m_field->text().isEmpty())
        m_status->clear();
    else if (total == 0)
        m_status->setText(tr("No matches"));
    else
        m_status->setText(tr("%1 of %2").arg(current + 1).arg(total));
}

void TerminalSearchBar::focusField()
{
    m_field->setFocus(Qt::ShortcutFocusReason);
    m_field->selectAll();
}

bool TerminalSearchBar::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_field && event->type() == QEvent::KeyPress) {
        const auto* key = static_cast<QKeyEvent*>(event);
        switch (key->key()) {
        case Qt::Key_Return:
        case Qt::Key_Enter:
            if (key->modifiers() & Qt::ShiftModifier)
                emit newerRequested();
            else
                emit olderRequested();
            return true;
        case Qt::Key_Escape:
            emit closeRequested();
            return true;
        default:
            break;
        }
    }
    return QWidget::eventFilter(watched, event);
}

} // namespace gpudeck::terminal
