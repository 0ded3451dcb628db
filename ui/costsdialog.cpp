#include "costsdialog.h"

#include "costreport.h"
#include "fleet.h"
#include "ledger.h"

#include <QDialogButtonBox>
#include <QFileDialog>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

namespace gpudeck {

namespace {

QTableWidget* table(const QString& name, const QString& keyTitle,
                    const QList<CostReport::Row>& rows, QWidget* parent)
{
    auto* t = new QTableWidget(static_cast<int>(rows.size()), 6, parent);
    t->setObjectName(name);
    t->setHorizontalHeaderLabels({keyTitle, QObject::tr("Machines"), QObject::tr("Billed time"),
                                  QObject::tr("Compute"), QObject::tr("Storage"),
                                  QObject::tr("Total")});
    t->verticalHeader()->hide();
    t->setEditTriggers(QAbstractItemView::NoEditTriggers);
    t->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    for (int r = 0; r < rows.size(); ++r) {
        const CostReport::Row& row = rows.at(r);
        const QStringList cells{row.key,
                                QString::number(row.machines),
                                formatDuration(row.billedSeconds),
                                formatCents(row.computeCents),
                                formatCents(row.storageCents),
                                formatCents(row.totalCents())};
        for (int c = 0; c < cells.size(); ++c) {
            auto* item = new QTableWidgetItem(cells.at(c));
            if (c > 0)
                item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            t->setItem(r, c, item);
        }
    }
    return t;
}

} // namespace

CostsDialog::CostsDialog(Fleet& fleet, QWidget* parent)
    : QDialog(parent)
    , m_fleet(fleet)
{
    setObjectName(QStringLiteral("costsDialog"));
    setWindowTitle(tr("Costs"));
    m_total = new QLabel(this);
    m_total->setObjectName(QStringLiteral("costsTotal"));
    m_total->setWordWrap(true);
    m_tabs = new QTabWidget(this);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    auto* exportButton = buttons->addButton(tr("Export CSV…"), QDialogButtonBox::ActionRole);
    exportButton->setObjectName(QStringLiteral("exportCsvButton"));
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::close);
    connect(exportButton, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Export the cost history"),
            QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation) +
                QStringLiteral("/gpudeck-costs.csv"),
            tr("CSV files (*.csv)"));
        if (path.isEmpty())
            return;
        const QString error = exportCsv(path);
        if (!error.isEmpty())
            QMessageBox::warning(this, tr("Export failed"), error);
    });
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_total);
    layout->addWidget(m_tabs, 1);
    layout->addWidget(buttons);
    refresh();
    resize(760, 420);
}

void CostsDialog::refresh()
{
    const Result<QList<Recap>> recaps = m_fleet.ledger().all();
    if (!recaps.ok()) {
        m_total->setText(recaps.error().message);
        return;
    }
    const CostReport report = costReport(recaps.value());
    m_total->setText(tr("%n machine(s) destroyed, %1 in total (estimates from the launch-time "
                        "price and each provider's billing rule).",
                        nullptr, report.machines)
                         .arg(formatCents(report.totalCents)));
    while (m_tabs->count() > 0) {
        QWidget* w = m_tabs->widget(0);
        m_tabs->removeTab(0);
        delete w;
    }
    m_tabs->addTab(table(QStringLiteral("costsByDay"), tr("Day"), report.byDay, m_tabs),
                   tr("By day"));
    m_tabs->addTab(
        table(QStringLiteral("costsByProvider"), tr("Provider"), report.byProvider, m_tabs),
        tr("By provider"));
    m_tabs->addTab(
        table(QStringLiteral("costsByInstance"), tr("Machine"), report.byInstance, m_tabs),
        tr("By machine"));
}

QString CostsDialog::exportCsv(const QString& path)
{
    const Result<void> written = m_fleet.ledger().exportCsv(path);
    return written.ok() ? QString() : written.error().message;
}

} // namespace gpudeck
