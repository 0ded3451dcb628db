#pragma once

#include <QDialog>

class QDateTimeEdit;
class QLabel;
class QPushButton;

namespace gpudeck {

class BillingGuard;

// The guard's warning for one machine: what was reached, the live countdown, and the answers
// (Keep 1 h, Keep until…, Stop, Destroy now). Not modal: the rest of the window keeps working,
// and at zero the guard acts whether or not anyone looked.
class GuardCountdownDialog final : public QDialog {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(GuardCountdownDialog)
public:
    GuardCountdownDialog(BillingGuard& guard, const QString& instanceId, const QString& name,
                         QWidget* parent = nullptr);

    [[nodiscard]] const QString& instanceId() const { return m_instanceId; }
    // Reminder: said again, louder (the title and a bold line).
    void escalate(int level);
    void refresh();

private:
    BillingGuard& m_guard;
    QString m_instanceId;
    QString m_name;
    QLabel* m_text = nullptr;
    QLabel* m_left = nullptr;
    QLabel* m_note = nullptr;
    QDateTimeEdit* m_until = nullptr;
    QPushButton* m_stop = nullptr;
};

} // namespace gpudeck
