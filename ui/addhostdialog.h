#pragma once

#include <QDialog>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace gpudeck {

class Fleet;

// Adds one of the user's own machines (provider "ssh"): an alias from ~/.ssh/config, or host,
// port, user and key by hand, with an optional amortised hourly cost.
class AddHostDialog final : public QDialog {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AddHostDialog)
public:
    AddHostDialog(Fleet& fleet, QWidget* parent = nullptr);

signals:
    void hostAdded(const QString& name);

private:
    void aliasChanged();
    void add();

    Fleet& m_fleet;
    QComboBox* m_alias = nullptr;
    QLineEdit* m_name = nullptr;
    QLineEdit* m_host = nullptr;
    QSpinBox* m_port = nullptr;
    QLineEdit* m_user = nullptr;
    QLineEdit* m_key = nullptr;
    QDoubleSpinBox* m_hourly = nullptr;
    QLabel* m_problem = nullptr;
};

} // namespace gpudeck
