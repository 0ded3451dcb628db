#pragma once

#include "settingspage.h"

namespace gpudeck {

class GuardPolicyEditor;
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
    GuardPolicyEditor* m_editor = nullptr;
};

} // namespace gpudeck
