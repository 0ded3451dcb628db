#include "recapdialog.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QVBoxLayout>

namespace gpudeck {

RecapDialog::RecapDialog(const Recap& r, const QString& note, QWidget* parent)
    : QDialog(parent)
{
    setObjectName(QStringLiteral("recapDialog"));
    setAttribute(Qt::WA_DeleteOnClose);
    setWindowTitle(tr("Cost recap — %1").arg(r.instance.name));

    auto value = [this](const char* name, const QString& text) {
        auto* l = new QLabel(text, this);
        l->setObjectName(QString::fromLatin1(name));
        l->setTextInteractionFlags(Qt::TextSelectableByMouse);
        return l;
    };
    auto* heading = new QLabel(tr("<b>%1</b> (%2, %3 on %4) is destroyed; the provider confirmed "
                                  "it is gone.")
                                   .arg(r.instance.name.toHtmlEscaped(), r.instance.id,
                                        r.instance.planId, r.instance.provider),
                               this);
    heading->setWordWrap(true);
    QLabel* before = nullptr;
    if (!note.isEmpty()) {
        before = value("recapNote", note);
        before->setWordWrap(true);
    }
    auto* form = new QFormLayout;
    form->addRow(tr("Wall time:"), value("recapWall", formatDuration(r.cost.wallSeconds)));
    form->addRow(tr("Running time:"), value("recapRunning", formatDuration(r.cost.runningSeconds)));
    form->addRow(tr("Billed time:"),
                 value("recapBilled", tr("%1 (%2)").arg(formatDuration(r.cost.billedSeconds),
                                                        r.instance.billing.describe())));
    form->addRow(tr("Rate:"), value("recapRate", formatHourly(r.instance.priceHourly)));
    form->addRow(tr("Compute:"), value("recapCompute", formatCents(r.cost.computeCents)));
    form->addRow(tr("Storage:"), value("recapStorage", formatCents(r.cost.storageCents)));
    QLabel* total = value("recapTotal", formatCents(r.cost.totalCents()));
    QFont bold = total->font();
    bold.setBold(true);
    total->setFont(bold);
    form->addRow(tr("Total:"), total);
    auto* estimate =
        new QLabel(tr("An estimate from the launch-time price and the provider's billing "
                      "rule; saved in the ledger."),
                   this);
    estimate->setWordWrap(true);
    estimate->setForegroundRole(QPalette::PlaceholderText);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::close);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(heading);
    if (before)
        layout->addWidget(before);
    layout->addLayout(form);
    layout->addWidget(estimate);
    layout->addWidget(buttons);
}

} // namespace gpudeck
