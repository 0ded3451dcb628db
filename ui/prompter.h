#pragma once

#include "result.h"

#include <QList>
#include <QStringList>

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

    // For tests.
    void setScripted(bool scripted) { m_scripted = scripted; }
    void queueAnswer(bool answer) { m_answers << answer; }
    [[nodiscard]] const QStringList& questionsAsked() const { return m_questions; }
    [[nodiscard]] const QStringList& errorsShown() const { return m_errors; }
    void clear();

private:
    Prompter() = default;
    bool m_scripted = false;
    QList<bool> m_answers;
    QStringList m_questions;
    QStringList m_errors;
};

} // namespace gpudeck
