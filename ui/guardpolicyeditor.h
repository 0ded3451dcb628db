#pragma once

#include "guardpolicy.h"

#include <QWidget>

class QComboBox;
class QDoubleSpinBox;
class QLineEdit;
class QSpinBox;

namespace gpudeck {

// The billing guard's policy as a form: idle timeout, maximum lifetime, budget cap, GPU idle
// threshold, the countdown and the action at zero; with `perMachine`, also the results folder
// downloaded before a destroy and where it goes. Settings → Guard (the default for machines
// guarded from now on) and the Overview's Policy… (one machine) both edit it here.
class GuardPolicyEditor final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(GuardPolicyEditor)
public:
    explicit GuardPolicyEditor(bool perMachine, QWidget* parent = nullptr);

    void setPolicy(const GuardPolicy& policy);
    // The form's values on top of what it was given (fields it does not show are kept).
    [[nodiscard]] GuardPolicy policy() const;

private:
    GuardPolicy m_base;
    QSpinBox* m_idle = nullptr;
    QSpinBox* m_lifetime = nullptr;
    QDoubleSpinBox* m_budget = nullptr;
    QSpinBox* m_countdown = nullptr;
    QSpinBox* m_gpuIdle = nullptr;
    QComboBox* m_action = nullptr;
    QLineEdit* m_results = nullptr;
    QLineEdit* m_downloadDir = nullptr;
};

} // namespace gpudeck
