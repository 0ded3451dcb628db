#include "settingsdialog.h"

#include "accountssettingspage.h"
#include "generalsettingspage.h"
#include "guardsettingspage.h"
#include "settingspage.h"

#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QListWidget>
#include <QPushButton>
#include <QStackedWidget>
#include <QVBoxLayout>

namespace gpudeck {

SettingsPage::~SettingsPage() = default;

SettingsDialog::SettingsDialog(Fleet& fleet, Settings& settings, Accounts& accounts,
                               QWidget* parent)
    : QDialog(parent)
{
    Q_UNUSED(fleet) // for pages that talk to providers
    setObjectName(QStringLiteral("settingsDialog"));
    setWindowTitle(tr("Settings"));
    m_list = new QListWidget(this);
    m_list->setObjectName(QStringLiteral("settingsPageList"));
    m_list->setAccessibleName(tr("Settings pages"));
    m_list->setIconSize(QSize(16, 16));
    m_list->setMaximumWidth(180);
    m_stack = new QStackedWidget(this);
    connect(m_list, &QListWidget::currentRowChanged, m_stack, &QStackedWidget::setCurrentIndex);

    // One line per page.
    addPage(tr("Accounts"), QIcon(QStringLiteral(":/icons/provider.svg")),
            new AccountsSettingsPage(accounts, this));
    addPage(tr("Guard"), QIcon(QStringLiteral(":/icons/guard.svg")),
            new GuardSettingsPage(settings, this));
    addPage(tr("General"), QIcon(QStringLiteral(":/icons/terminal.svg")),
            new GeneralSettingsPage(settings, this));

    auto* buttons = new QDialogButtonBox(
        QDialogButtonBox::Ok | QDialogButtonBox::Apply | QDialogButtonBox::Cancel, this);
    buttons->setObjectName(QStringLiteral("settingsButtons"));
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        apply();
        accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(buttons->button(QDialogButtonBox::Apply), &QPushButton::clicked, this,
            &SettingsDialog::apply);

    auto* body = new QHBoxLayout;
    body->addWidget(m_list);
    body->addWidget(m_stack, 1);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(body, 1);
    layout->addWidget(buttons);
    m_list->setCurrentRow(0);
    resize(800, 500);
}

void SettingsDialog::addPage(const QString& title, const QIcon& icon, SettingsPage* page)
{
    auto* item = new QListWidgetItem(icon, title, m_list);
    item->setData(Qt::UserRole, page->objectName());
    m_stack->addWidget(page);
    m_pages << page;
}

void SettingsDialog::showPage(const QString& name)
{
    for (int i = 0; i < m_pages.size(); ++i) {
        if (m_pages[i]->objectName() == name)
            m_list->setCurrentRow(i);
    }
}

void SettingsDialog::apply()
{
    for (SettingsPage* p : m_pages)
        p->apply();
    emit applied();
}

} // namespace gpudeck
