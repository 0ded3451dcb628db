#include "addhostdialog.h"

#include "fleet.h"
#include "sshhost/sshhostprovider.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace gpudeck {

AddHostDialog::AddHostDialog(Fleet& fleet, QWidget* parent)
    : QDialog(parent)
    , m_fleet(fleet)
{
    setObjectName(QStringLiteral("addHostDialog"));
    setWindowTitle(tr("Add an SSH host"));
    setAttribute(Qt::WA_DeleteOnClose);

    m_alias = new QComboBox(this);
    m_alias->setObjectName(QStringLiteral("sshConfigAlias"));
    m_alias->addItem(tr("(enter by hand)"));
    for (const QString& a : m_fleet.sshConfigAliases())
        m_alias->addItem(a, a);
    m_name = new QLineEdit(this);
    m_name->setObjectName(QStringLiteral("hostName"));
    m_name->setPlaceholderText(tr("e.g. lab-gpu"));
    m_host = new QLineEdit(this);
    m_host->setObjectName(QStringLiteral("hostAddress"));
    m_host->setPlaceholderText(tr("name or address"));
    m_port = new QSpinBox(this);
    m_port->setObjectName(QStringLiteral("hostPort"));
    m_port->setRange(1, 65535);
    m_port->setValue(22);
    m_user = new QLineEdit(this);
    m_user->setObjectName(QStringLiteral("hostUser"));
    m_user->setPlaceholderText(tr("your local user name"));
    m_key = new QLineEdit(this);
    m_key->setObjectName(QStringLiteral("hostKey"));
    m_key->setPlaceholderText(tr("ssh-agent and ~/.ssh keys"));
    m_key->setAccessibleName(tr("Private key file"));
    auto* browse = new QPushButton(tr("&Browse…"), this);
    browse->setObjectName(QStringLiteral("hostKeyBrowse"));
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString f = QFileDialog::getOpenFileName(this, tr("Private key"),
                                                       QDir::homePath() + QStringLiteral("/.ssh"));
        if (!f.isEmpty())
            m_key->setText(f);
    });
    auto* keyRow = new QHBoxLayout;
    keyRow->addWidget(m_key, 1);
    keyRow->addWidget(browse);
    m_hourly = new QDoubleSpinBox(this);
    m_hourly->setObjectName(QStringLiteral("hostHourly"));
    m_hourly->setRange(0, 1000);
    m_hourly->setDecimals(3);
    m_hourly->setPrefix(QStringLiteral("$"));
    m_hourly->setSuffix(tr("/h"));
    m_hourly->setToolTip(tr("What the machine costs you per hour (power, hardware spread over "
                            "its life), counted in cost views; 0 to leave it out."));
    m_problem = new QLabel(this);
    m_problem->setObjectName(QStringLiteral("addHostProblem"));
    m_problem->setWordWrap(true);
    m_problem->hide();

    auto* form = new QFormLayout;
    form->addRow(tr("From ~/.ssh/config:"), m_alias);
    form->addRow(tr("&Name in GPUDeck:"), m_name);
    form->addRow(tr("&Host:"), m_host);
    form->addRow(tr("&Port:"), m_port);
    form->addRow(tr("&User:"), m_user);
    // A row made of a layout gets no buddy from QFormLayout, which would show "&Key:" as is.
    auto* keyLabel = new QLabel(tr("&Key:"), this);
    keyLabel->setBuddy(m_key);
    form->addRow(keyLabel, keyRow);
    form->addRow(tr("Cost:"), m_hourly);
    auto* note = new QLabel(tr("GPUDeck never starts, stops or deletes your own machines. The "
                               "first connection shows the host key's fingerprint for you to "
                               "check."),
                            this);
    note->setWordWrap(true);
    note->setForegroundRole(QPalette::PlaceholderText);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    QPushButton* add = buttons->addButton(tr("&Add"), QDialogButtonBox::AcceptRole);
    add->setObjectName(QStringLiteral("addHostButton"));
    add->setDefault(true);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(buttons, &QDialogButtonBox::accepted, this, &AddHostDialog::add);
    connect(m_alias, &QComboBox::currentIndexChanged, this, &AddHostDialog::aliasChanged);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(note);
    layout->addWidget(m_problem);
    layout->addWidget(buttons);
}

void AddHostDialog::aliasChanged()
{
    const QString alias = m_alias->currentData().toString();
    const bool manual = alias.isEmpty();
    // With an alias, ~/.ssh/config decides address, port, user and key.
    for (QWidget* w : {static_cast<QWidget*>(m_host), static_cast<QWidget*>(m_port),
                       static_cast<QWidget*>(m_user), static_cast<QWidget*>(m_key)})
        w->setEnabled(manual);
    if (!manual) {
        m_host->setText(alias);
        if (m_name->text().isEmpty())
            m_name->setText(alias);
    }
}

void AddHostDialog::add()
{
    SshHost h;
    h.name = m_name->text().trimmed();
    h.viaSshConfig = !m_alias->currentData().toString().isEmpty();
    h.host = h.viaSshConfig ? m_alias->currentData().toString() : m_host->text().trimmed();
    h.port = h.viaSshConfig ? 22 : m_port->value();
    h.user = h.viaSshConfig ? QString() : m_user->text().trimmed();
    h.keyFile = h.viaSshConfig ? QString() : m_key->text().trimmed();
    h.hourlyUsd = m_hourly->value();
    if (!h.viaSshConfig && h.host.isEmpty()) {
        m_problem->setText(tr("Enter the host's name or address, or pick an alias."));
        m_problem->show();
        return;
    }
    const Result<void> added = m_fleet.addSshHost(h);
    if (!added.ok()) {
        m_problem->setText(added.error().message);
        m_problem->show();
        return;
    }
    emit hostAdded(h.name);
    accept();
}

} // namespace gpudeck
