#include "reconciledialog.h"

#include "billingguard.h"
#include "clock.h"
#include "fleet.h"
#include "reconcile.h"

#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPointer>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace gpudeck {

ReconcileDialog::ReconcileDialog(Fleet& fleet, BillingGuard& guard, QWidget* parent)
    : QDialog(parent)
    , m_fleet(fleet)
    , m_guard(guard)
{
    setObjectName(QStringLiteral("reconcileDialog"));
    setWindowTitle(tr("Unguarded machines"));
    setModal(false);
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("reconcileSummary"));
    m_summary->setWordWrap(true);
    m_table = new QTableWidget(this);
    m_table->setObjectName(QStringLiteral("unguardedTable"));
    m_table->setAccessibleName(tr("Machines GPUDeck does not guard"));
    m_table->setColumnCount(7);
    m_table->setHorizontalHeaderLabels({tr("Machine"), tr("Provider"), tr("Found"),
                                        tr("Cost so far"), tr("Bills now"), tr("What happened"),
                                        QString()});
    m_table->horizontalHeader()->setSectionResizeMode(5, QHeaderView::Stretch);
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setWordWrap(true);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::close);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_summary);
    layout->addWidget(m_table, 1);
    layout->addWidget(buttons);
    connect(&m_fleet, &Fleet::instancesChanged, this, &ReconcileDialog::refresh);
    connect(&m_guard, &BillingGuard::changed, this, &ReconcileDialog::refresh);
    refresh();
    resize(980, 320);
}

int ReconcileDialog::rows() const
{
    return m_table->rowCount();
}

void ReconcileDialog::refresh()
{
    const QList<UnguardedMachine> found = unguardedMachines(m_fleet, m_guard, m_guard.clock());
    qint64 cents = 0;
    double rate = 0;
    // Replaced cell widgets are deleted later; hide them now so none is painted meanwhile.
    for (int row = 0; row < m_table->rowCount(); ++row) {
        if (QWidget* old = m_table->cellWidget(row, 6))
            old->hide();
    }
    m_table->setRowCount(static_cast<int>(found.size()));
    for (int row = 0; row < found.size(); ++row) {
        const UnguardedMachine& m = found.at(row);
        cents += m.costSoFarCents;
        rate += m.ratePerHourUsd;
        const Provider* p = m_fleet.provider(m.instance.provider);
        const QStringList cells{m.instance.name.isEmpty() ? m.instance.id : m.instance.name,
                                p ? p->displayName() : m.instance.provider,
                                m.originText(),
                                formatCents(m.costSoFarCents),
                                formatHourly(m.ratePerHourUsd),
                                m.note};
        for (int c = 0; c < cells.size(); ++c)
            m_table->setItem(row, c, new QTableWidgetItem(cells.at(c)));
        auto* actions = new QWidget; // setCellWidget takes it; no stray child at the origin
        auto* h = new QHBoxLayout(actions);
        h->setContentsMargins(2, 0, 2, 0);
        auto* adopt = new QPushButton(tr("Adopt"), actions);
        adopt->setObjectName(QStringLiteral("adoptButton_") + m.instance.id);
        adopt->setToolTip(tr("Guard it from now on with your default policy"));
        auto* destroy = new QPushButton(tr("Destroy"), actions);
        destroy->setObjectName(QStringLiteral("destroyButton_") + m.instance.id);
        destroy->setEnabled(p && p->capabilities().destroy);
        h->addWidget(adopt);
        h->addWidget(destroy);
        m_table->setCellWidget(row, 6, actions);
        const QString id = m.instance.id;
        connect(adopt, &QPushButton::clicked, this, [this, id] { m_guard.guard(id); });
        QPointer<QPushButton> button(destroy);
        connect(destroy, &QPushButton::clicked, this, [this, id, button] {
            if (button) {
                button->setEnabled(false);
                button->setText(tr("Destroying…"));
            }
            m_fleet.destroy(id, [](Result<Recap>) {});
        });
    }
    m_table->resizeColumnsToContents();
    m_table->resizeRowsToContents();
    m_summary->setText(
        found.isEmpty()
            ? tr("Every machine on your accounts is guarded.")
            : tr("%n machine(s) run without the guard: %1 so far, billing %2 now (estimates "
                 "from the launch-time price and each provider's billing rule).",
                 nullptr, static_cast<int>(found.size()))
                  .arg(formatCents(cents), formatHourly(rate)));
}

} // namespace gpudeck
