#pragma once

#include "terminalpane.h"

#include <QWidget>

#include <optional>

class QTabWidget;

namespace gpudeck {

class Fleet;

// Several terminals on one instance, as tabs; "+" (Ctrl+Shift+T) opens another.
class TerminalTabs final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TerminalTabs)
public:
    TerminalTabs(Fleet& fleet, QString instanceId, QWidget* parent = nullptr);

    TerminalPane* openTerminal();
    [[nodiscard]] int count() const;
    [[nodiscard]] TerminalPane* terminal(int index) const;
    // Applies to the open terminals and to those opened later.
    void setProfile(const TerminalProfile& profile);
    // Ends every terminal's session (see TerminalPane::endSession).
    void endSessions(const QString& why);

signals:
    // Input typed into any of the terminals.
    void typed();

private:
    Fleet& m_fleet;
    QString m_instanceId;
    QTabWidget* m_tabs = nullptr;
    int m_opened = 0;
    std::optional<TerminalProfile> m_profile;
};

} // namespace gpudeck
