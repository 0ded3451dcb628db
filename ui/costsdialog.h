#pragma once

#include <QDialog>

class QLabel;
class QTabWidget;

namespace gpudeck {

class Fleet;

// The ledger: what finished machines cost, by day, by provider and by machine, with CSV export.
class CostsDialog final : public QDialog {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CostsDialog)
public:
    explicit CostsDialog(Fleet& fleet, QWidget* parent = nullptr);
    void refresh();
    // Writes the ledger as CSV; the error message, or empty on success.
    [[nodiscard]] QString exportCsv(const QString& path);

private:
    Fleet& m_fleet;
    QLabel* m_total = nullptr;
    QTabWidget* m_tabs = nullptr;
};

} // namespace gpudeck
