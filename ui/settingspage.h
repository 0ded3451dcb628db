#pragma once

#include <QWidget>

namespace gpudeck {

// One page of the Settings dialog. Pages edit their own copy of what they show and write it in
// apply(), which the dialog calls when the user presses OK or Apply; pages that act at once
// (an account added to the keychain) may do nothing there.
class SettingsPage : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SettingsPage)
public:
    using QWidget::QWidget;
    ~SettingsPage() override;

    virtual void apply() = 0;
};

} // namespace gpudeck
