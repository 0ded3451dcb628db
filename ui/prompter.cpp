#include "prompter.h"

#include <QInputDialog>
#include <QMessageBox>
#include <QPushButton>

namespace gpudeck {

Prompter& Prompter::instance()
{
    static Prompter p;
    return p;
}

void Prompter::clear()
{
    m_answers.clear();
    m_texts.clear();
    m_choices.clear();
    m_questions.clear();
    m_errors.clear();
}

bool Prompter::confirm(QWidget* parent, const QString& title, const QString& text,
                       const QString& acceptLabel)
{
    m_questions << text;
    if (m_scripted) {
        if (m_answers.isEmpty()) {
            qWarning("Prompter: unexpected question with no scripted answer: %s", qPrintable(text));
            return false;
        }
        return m_answers.takeFirst();
    }
    QMessageBox box(QMessageBox::Warning, title, text, QMessageBox::Cancel, parent);
    QPushButton* accept = box.addButton(acceptLabel, QMessageBox::DestructiveRole);
    box.setDefaultButton(QMessageBox::Cancel);
    box.exec();
    return box.clickedButton() == accept;
}

std::optional<QString> Prompter::askText(QWidget* parent, const QString& title,
                                         const QString& prompt, bool echo)
{
    m_questions << prompt;
    if (m_scripted) {
        if (m_texts.isEmpty()) {
            qWarning("Prompter: unexpected prompt with no scripted answer: %s", qPrintable(prompt));
            return std::nullopt;
        }
        return m_texts.takeFirst();
    }
    bool ok = false;
    const QString text = QInputDialog::getText(
        parent, title, prompt, echo ? QLineEdit::Normal : QLineEdit::Password, QString(), &ok);
    return ok ? std::optional<QString>(text) : std::nullopt;
}

int Prompter::choose(QWidget* parent, const QString& title, const QString& text,
                     const QStringList& answers)
{
    m_questions << text;
    if (m_scripted) {
        if (m_choices.isEmpty()) {
            qWarning("Prompter: unexpected choice with no scripted answer: %s", qPrintable(text));
            return -1;
        }
        return m_choices.takeFirst();
    }
    QMessageBox box(QMessageBox::Warning, title, text, QMessageBox::NoButton, parent);
    QList<QAbstractButton*> buttons;
    for (const QString& a : answers)
        buttons << box.addButton(a, buttons.isEmpty() ? QMessageBox::AcceptRole
                                                      : QMessageBox::ActionRole);
    box.addButton(QMessageBox::Cancel);
    box.setDefaultButton(QMessageBox::Cancel);
    box.exec();
    return static_cast<int>(buttons.indexOf(box.clickedButton()));
}

void Prompter::showError(QWidget* parent, const QString& title, const Error& error)
{
    m_errors << error.message;
    if (m_scripted)
        return;
    QMessageBox box(QMessageBox::Critical, title, error.message, QMessageBox::Ok, parent);
    if (!error.detail.isEmpty())
        box.setDetailedText(error.detail);
    box.exec();
}

} // namespace gpudeck
