#pragma once

#include <QDialog>

class QLabel;
class QTableWidget;

namespace gpudeck {

class BillingGuard;
class Fleet;

// The start-up check: every machine on every account that no guard watches (launched elsewhere,
// or left from an earlier session), with what it cost so far and bills now, one click from
// Adopt (guard it) or Destroy.
class ReconcileDialog final : public QDialog {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ReconcileDialog)
public:
    ReconcileDialog(Fleet& fleet, BillingGuard& guard, QWidget* parent = nullptr);
    void refresh();
    [[nodiscard]] int rows() const;

private:
    Fleet& m_fleet;
    BillingGuard& m_guard;
    QLabel* m_summary = nullptr;
    QTableWidget* m_table = nullptr;
};

} // namespace gpudeck
