#include "welcomedialog.h"

#include "fleet.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
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

    // A rich-text table in a label wraps each note to the dialog's width (a table widget
    // would size its rows before it knows its column widths).
    QString rows;
    for (const Provider* p : fleet.providers())
        rows += QStringLiteral("<tr><td style='padding:4px 12px 4px 0'><b>%1</b></td>"
                               "<td style='padding:4px 0'>%2</td></tr>")
                    .arg(p->displayName().toHtmlEscaped(), p->guardNote().toHtmlEscaped());
    auto* table = new QLabel(QStringLiteral("<table>%1</table>").arg(rows), this);
    table->setObjectName(QStringLiteral("welcomeGuardTable"));
    table->setAccessibleName(tr("What the guard does per provider"));
    table->setTextFormat(Qt::RichText);
    table->setWordWrap(true);
    table->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    auto* scroll = new QScrollArea(this);
    scroll->setWidget(table);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);

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
    layout->addWidget(scroll, 1);
    layout->addWidget(buttons);
    resize(720, 480);
}

} // namespace gpudeck
