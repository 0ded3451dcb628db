#include "welcomedialog.h"

#include "fleet.h"

#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace gpudeck {

WelcomeDialog::WelcomeDialog(const Fleet& fleet, QWidget* parent)
    : QDialog(parent)
{
    setObjectName(QStringLiteral("welcomeDialog"));
    setWindowTitle(tr("Welcome to GPUDeck"));
    auto* intro = new QLabel(
        tr("<h3>Rent GPUs by the hour without forgetting them</h3>"
           "<p>Compare plans, launch a machine, work on it in a terminal, move files, watch its "
           "GPUs, and destroy it with a cost recap. The <b>Sandbox</b> runs real SSH machines on "
           "this computer with a simulated GPU and costs nothing: try every step there first. "
           "Cloud accounts are added in Settings; their tokens stay in your system keychain.</p>"
           "<p>What the billing guard can do depends on the provider:</p>"),
        this);
    intro->setWordWrap(true);
    intro->setTextFormat(Qt::RichText);

    auto* table = new QTableWidget(0, 2, this);
    table->setObjectName(QStringLiteral("welcomeGuardTable"));
    table->setAccessibleName(tr("What the guard does per provider"));
    table->setHorizontalHeaderLabels({tr("Provider"), tr("What GPUDeck guards there")});
    table->verticalHeader()->hide();
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setSelectionMode(QAbstractItemView::NoSelection);
    table->setWordWrap(true);
    table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    table->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
    for (const Provider* p : fleet.providers()) {
        const int row = table->rowCount();
        table->insertRow(row);
        table->setItem(row, 0, new QTableWidgetItem(p->displayName()));
        table->setItem(row, 1, new QTableWidgetItem(p->guardNote()));
    }
    table->resizeRowsToContents();

    auto* buttons = new QDialogButtonBox(this);
    QPushButton* sandbox =
        buttons->addButton(tr("&Try the Sandbox now"), QDialogButtonBox::AcceptRole);
    sandbox->setObjectName(QStringLiteral("welcomeTrySandbox"));
    sandbox->setDefault(true);
    QPushButton* account =
        buttons->addButton(tr("&Add a provider account…"), QDialogButtonBox::ActionRole);
    account->setObjectName(QStringLiteral("welcomeAddAccount"));
    QPushButton* close = buttons->addButton(QDialogButtonBox::Close);
    close->setObjectName(QStringLiteral("welcomeClose"));
    connect(sandbox, &QPushButton::clicked, this, [this] {
        accept();
        emit trySandboxRequested();
    });
    connect(account, &QPushButton::clicked, this, [this] {
        accept();
        emit addAccountRequested();
    });
    connect(close, &QPushButton::clicked, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addWidget(table, 1);
    layout->addWidget(buttons);
    resize(720, 480);
}

} // namespace gpudeck
