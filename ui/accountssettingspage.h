#pragma once

#include "settingspage.h"

#include <QHash>

class QLabel;
class QLineEdit;
class QPushButton;

namespace gpudeck {

class Accounts;

// Settings → Accounts: one box per cloud provider that takes an account. A token pasted here is
// checked with the provider and, if it is taken, saved in the system keychain at once (nothing
// waits for OK); Remove forgets it. Says where the credential in use comes from (environment,
// keychain, the provider's own configuration) and where to create a token.
class AccountsSettingsPage final : public SettingsPage {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AccountsSettingsPage)
public:
    explicit AccountsSettingsPage(Accounts& accounts, QWidget* parent = nullptr);

    void apply() override {}

private:
    struct Row {
        QLabel* status = nullptr;
        QLineEdit* token = nullptr;
        QPushButton* save = nullptr;
        QPushButton* check = nullptr;
        QPushButton* remove = nullptr;
        QString outcome; // what the last Save/Check/Remove said; kept until the next one
    };
    void showStatus(const QString& providerId, const QString& outcome = {});
    void setBusy(const QString& providerId, bool busy);

    Accounts& m_accounts;
    QHash<QString, Row> m_rows;
};

} // namespace gpudeck
