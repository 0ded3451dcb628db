#pragma once

#include "settingspage.h"

class QComboBox;
class QDoubleSpinBox;
class QSpinBox;

namespace gpudeck {

class Settings;

// Settings → Guard: the billing guard's policy for machines guarded from now on (idle timeout,
// maximum lifetime, budget cap, the countdown before acting, the GPU idle threshold, stop or
// destroy). Machines already guarded keep the policy they were guarded with.
class GuardSettingsPage final : public SettingsPage {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(GuardSettingsPage)
public:
    explicit GuardSettingsPage(Settings& settings, QWidget* parent = nullptr);

    void apply() override;

private:
    Settings& m_settings;
    QSpinBox* m_idle = nullptr;
    QSpinBox* m_lifetime = nullptr;
    QDoubleSpinBox* m_budget = nullptr;
    QSpinBox* m_countdown = nullptr;
    QSpinBox* m_gpuIdle = nullptr;
    QComboBox* m_action = nullptr;
};

} // namespace gpudeck
