#pragma once

#include <QDialog>

class QListWidget;
class QStackedWidget;

namespace gpudeck {

class Accounts;
class Fleet;
class Settings;
class SettingsPage;

// Settings → one page per subject (Accounts, Guard, Terminal and transfers), a list on the left.
// Every page is added in the constructor, one line each. `applied` tells the window to pass the
// new values to what is already open (terminals, the transfer queue).
class SettingsDialog final : public QDialog {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SettingsDialog)
public:
    SettingsDialog(Fleet& fleet, Settings& settings, Accounts& accounts, QWidget* parent = nullptr);

    // Shows the page whose objectName is `name` (e.g. "accountsPage").
    void showPage(const QString& name);

signals:
    void applied();

private:
    void addPage(const QString& title, const QIcon& icon, SettingsPage* page);
    void apply();

    QListWidget* m_list = nullptr;
    QStackedWidget* m_stack = nullptr;
    QList<SettingsPage*> m_pages;
};

} // namespace gpudeck
