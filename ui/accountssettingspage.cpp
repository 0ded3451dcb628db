#include "accountssettingspage.h"

#include "accounts.h"

#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QScrollArea>
#include <QVBoxLayout>

namespace gpudeck {

namespace {

// Where a user makes the credential, and what it looks like.
struct Hint {
    QString where;
    QString placeholder;
};

Hint hintFor(const QString& providerId)
{
    if (providerId == QLatin1String("linode"))
        return {QObject::tr("Cloud Manager → My Profile → API Tokens: a personal access token "
                            "with read/write access to Linodes."),
                QObject::tr("Personal access token")};
    if (providerId == QLatin1String("lambda"))
        return {QObject::tr("Lambda Cloud dashboard → API keys → Generate API key."),
                QObject::tr("API key")};
    if (providerId == QLatin1String("runpod"))
        return {QObject::tr("RunPod console → Settings → API Keys (read/write)."),
                QObject::tr("API key")};
    if (providerId == QLatin1String("aws"))
        return {QObject::tr("IAM → Users → Security credentials → Create access key, with EC2 "
                            "permissions. Paste it as ACCESS_KEY_ID:SECRET_ACCESS_KEY. Without "
                            "one, GPUDeck uses AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or "
                            "~/.aws/credentials, as the AWS CLI does."),
                QStringLiteral("ACCESS_KEY_ID:SECRET_ACCESS_KEY")};
    return {QObject::tr("The provider's console, under API tokens or keys."),
            QObject::tr("API token")};
}

} // namespace

AccountsSettingsPage::AccountsSettingsPage(Accounts& accounts, QWidget* parent)
    : SettingsPage(parent)
    , m_accounts(accounts)
{
    setObjectName(QStringLiteral("accountsPage"));
    auto* intro = new QLabel(
        tr("A token is checked with its provider and then kept in the system keychain, never in "
           "a file. The provider's environment variable, when set, wins over it (gpudeck-cli "
           "reads tokens from there). The Sandbox needs no account."),
        this);
    intro->setWordWrap(true);

    auto* list = new QWidget;
    auto* rows = new QVBoxLayout(list);
    for (const Accounts::Status& s : m_accounts.statuses()) {
        const QString id = s.providerId;
        const Hint hint = hintFor(id);
        auto* box = new QGroupBox(s.displayName, list);
        box->setObjectName(QStringLiteral("account_") + id);
        Row row;
        row.status = new QLabel(box);
        row.status->setObjectName(QStringLiteral("accountStatus_") + id);
        row.status->setWordWrap(true);
        row.status->setTextInteractionFlags(Qt::TextSelectableByMouse);
        row.token = new QLineEdit(box);
        row.token->setObjectName(QStringLiteral("accountToken_") + id);
        row.token->setEchoMode(QLineEdit::Password);
        row.token->setPlaceholderText(hint.placeholder);
        row.token->setAccessibleName(tr("%1 token").arg(s.displayName));
        row.token->setClearButtonEnabled(true);
        row.save = new QPushButton(tr("Save and check"), box);
        row.save->setObjectName(QStringLiteral("accountSave_") + id);
        row.save->setAccessibleName(tr("Save and check the %1 token").arg(s.displayName));
        row.check = new QPushButton(tr("Check"), box);
        row.check->setObjectName(QStringLiteral("accountCheck_") + id);
        row.check->setAccessibleName(tr("Check the %1 account").arg(s.displayName));
        row.remove = new QPushButton(tr("Remove"), box);
        row.remove->setObjectName(QStringLiteral("accountRemove_") + id);
        row.remove->setAccessibleName(tr("Remove the saved %1 token").arg(s.displayName));
        auto* where = new QLabel(hint.where, box);
        where->setWordWrap(true);
        where->setEnabled(false); // secondary text

        auto* line = new QHBoxLayout;
        line->addWidget(row.token, 1);
        line->addWidget(row.save);
        line->addWidget(row.check);
        line->addWidget(row.remove);
        auto* v = new QVBoxLayout(box);
        v->addWidget(row.status);
        v->addLayout(line);
        v->addWidget(where);
        rows->addWidget(box);
        m_rows.insert(id, row);

        QPointer<AccountsSettingsPage> self(this);
        connect(row.token, &QLineEdit::returnPressed, row.save, &QPushButton::click);
        connect(row.save, &QPushButton::clicked, this, [this, self, id] {
            const Row r = m_rows.value(id);
            setBusy(id, true);
            r.status->setText(tr("Checking the token with the provider…"));
            m_accounts.save(id, r.token->text(), [self, id](Result<QString> who) {
                if (!self)
                    return;
                self->setBusy(id, false);
                if (who.ok()) {
                    self->m_rows.value(id).token->clear();
                    self->showStatus(id, who.value().isEmpty()
                                             ? tr("Saved and checked.")
                                             : tr("Saved and checked: %1.").arg(who.value()));
                } else {
                    self->showStatus(id, who.error().message);
                }
            });
        });
        connect(row.check, &QPushButton::clicked, this, [this, self, id] {
            setBusy(id, true);
            m_rows.value(id).status->setText(tr("Checking…"));
            m_accounts.check(id, [self, id](Result<QString> who) {
                if (!self)
                    return;
                self->setBusy(id, false);
                self->showStatus(id, who.ok() ? tr("The provider accepts it: %1.").arg(who.value())
                                              : who.error().message);
            });
        });
        connect(row.remove, &QPushButton::clicked, this, [this, self, id] {
            setBusy(id, true);
            m_accounts.remove(id, [self, id](Result<void> r) {
                if (!self)
                    return;
                self->setBusy(id, false);
                self->showStatus(id, r.ok() ? tr("Removed from the keychain.") : r.error().message);
            });
        });
        showStatus(id);
    }
    rows->addStretch(1);
    auto* scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff); // the boxes wrap their text
    scroll->setWidget(list);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(intro);
    layout->addWidget(scroll, 1);
    connect(&m_accounts, &Accounts::changed, this, [this](const QString& id) { showStatus(id); });
}

void AccountsSettingsPage::showStatus(const QString& providerId, const QString& outcome)
{
    if (!m_rows.contains(providerId))
        return;
    Row& stored = m_rows[providerId];
    if (!outcome.isNull())
        stored.outcome = outcome;
    const Row row = stored;
    const Accounts::Status s = m_accounts.status(providerId);
    QString text;
    switch (s.source) {
    case Accounts::Source::Environment:
        text = tr("In use: the token in %1 (environment). Unset it to use one saved here.")
                   .arg(QString::fromLatin1(s.variable));
        break;
    case Accounts::Source::Keychain:
        text = tr("In use: the token saved in the system keychain.");
        break;
    case Accounts::Source::Provider:
        text = tr("In use: credentials %1 found itself (its environment variables or "
                  "configuration file).")
                   .arg(s.displayName);
        break;
    case Accounts::Source::None:
        text = tr("No account: the catalog shows what needs none; launching needs a token.");
        break;
    }
    if (!s.problem.isEmpty())
        text += QLatin1Char(' ') + s.problem;
    if (!row.outcome.isEmpty())
        text = row.outcome + QLatin1Char('\n') + text;
    row.status->setText(text);
    const bool fromEnvironment = s.source == Accounts::Source::Environment;
    row.token->setEnabled(!fromEnvironment);
    row.save->setEnabled(!fromEnvironment);
    row.check->setEnabled(s.source != Accounts::Source::None);
    row.remove->setEnabled(s.source == Accounts::Source::Keychain);
}

void AccountsSettingsPage::setBusy(const QString& providerId, bool busy)
{
    if (busy && m_rows.contains(providerId))
        m_rows[providerId].outcome.clear(); // a new action: the last one's message goes
    const Row row = m_rows.value(providerId);
    for (QWidget* w : {static_cast<QWidget*>(row.token), static_cast<QWidget*>(row.save),
                       static_cast<QWidget*>(row.check), static_cast<QWidget*>(row.remove)})
        w->setEnabled(!busy);
}

} // namespace gpudeck
