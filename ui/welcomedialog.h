#pragma once

#include <QDialog>

namespace gpudeck {

class Fleet;

// Shown at the first start (and from Help): try the Sandbox now, or add a provider account;
// and, per provider, what the billing guard does there and what it cannot do.
class WelcomeDialog final : public QDialog {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WelcomeDialog)
public:
    explicit WelcomeDialog(const Fleet& fleet, QWidget* parent = nullptr);

signals:
    void trySandboxRequested();
    void addAccountRequested();
};

} // namespace gpudeck
