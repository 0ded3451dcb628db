#pragma once

#include <QWidget>

class QTabWidget;

namespace gpudeck {

class Fleet;
class TerminalPane;

// Several terminals on one instance, as tabs; "+" (Ctrl+Shift+T) opens another.
class TerminalTabs final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TerminalTabs)
public:
    TerminalTabs(Fleet& fleet, QString instanceId, QWidget* parent = nullptr);

    TerminalPane* openTerminal();
    [[nodiscard]] int count() const;
    [[nodiscard]] TerminalPane* terminal(int index) const;

private:
    Fleet& m_fleet;
    QString m_instanceId;
    QTabWidget* m_tabs = nullptr;
    int m_opened = 0;
};

} // namespace gpudeck
