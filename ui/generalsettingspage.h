#pragma once

#include "settingspage.h"

class QComboBox;
class QFontComboBox;
class QSpinBox;

namespace gpudeck {

class Settings;

// Terminal font and scrollback, and how many transfers run at once.
class GeneralSettingsPage final : public SettingsPage {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(GeneralSettingsPage)
public:
    explicit GeneralSettingsPage(Settings& settings, QWidget* parent = nullptr);

    void apply() override;

private:
    Settings& m_settings;
    QFontComboBox* m_font = nullptr;
    QSpinBox* m_fontSize = nullptr;
    QSpinBox* m_scrollback = nullptr;
    QSpinBox* m_concurrency = nullptr;
    QComboBox* m_theme = nullptr;
};

} // namespace gpudeck
