#pragma once

#include "result.h"

#include <QList>
#include <QStringList>

#include <optional>

class QWidget;

namespace gpudeck {

// The one place the UI asks the user a blocking question or reports an error in a dialog.
// Tests switch it to scripted mode: questions take the next queued answer (and fail loudly
// when none is queued), errors are recorded instead of shown.
class Prompter final {
public:
    static Prompter& instance();

    [[nodiscard]] bool confirm(QWidget* parent, const QString& title, const QString& text,
                               const QString& acceptLabel);
    void showError(QWidget* parent, const QString& title, const Error& error);
    // One of several answers (buttons, the first is the default); -1 when dismissed.
    [[nodiscard]] int choose(QWidget* parent, const QString& title, const QString& text,
                             const QStringList& answers);
    // A line of text (a password when !echo); nullopt when cancelled.
    [[nodiscard]] std::optional<QString> askText(QWidget* parent, const QString& title,
                                                 const QString& prompt, bool echo);

    // For tests.
    void setScripted(bool scripted) { m_scripted = scripted; }
    void queueAnswer(bool answer) { m_answers << answer; }
    void queueText(const std::optional<QString>& text) { m_texts << text; }
    void queueChoice(int choice) { m_choices << choice; }
    [[nodiscard]] const QStringList& questionsAsked() const { return m_questions; }
    [[nodiscard]] const QStringList& errorsShown() const { return m_errors; }
    void clear();

private:
    Prompter() = default;
    bool m_scripted = false;
    QList<bool> m_answers;
    QList<std::optional<QString>> m_texts;
    QList<int> m_choices;
    QStringList m_questions;
    QStringList m_errors;
};

} // namespace gpudeck
