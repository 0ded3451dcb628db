#pragma once

#include <QWidget>

class QLabel;
class QLineEdit;
class QToolButton;

namespace gpudeck::terminal {

// The find bar a TerminalView shows over its top-right corner (Ctrl+Shift+F). Only input and a
// status line: the view runs the search and moves between matches. Enter goes to the next
// older match, Shift+Enter to the newer one, Escape closes.
class TerminalSearchBar final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TerminalSearchBar)
public:
    explicit TerminalSearchBar(QWidget* parent = nullptr);

    [[nodiscard]] QString text() const;
    [[nodiscard]] Qt::CaseSensitivity caseSensitivity() const;
    // current is 0-based; total 0 shows "No matches" (or nothing while the field is empty).
    void setStatus(int current, int total);
    void focusField();

signals:
    void searchChanged();
    void olderRequested();
    void newerRequested();
    void closeRequested();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    QLineEdit* m_field = nullptr;
    QLabel* m_status = nullptr;
    QToolButton* m_case = nullptr;
};

} // namespace gpudeck::terminal
