#pragma once

#include "jobs.h"

#include <QDialog>

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QSpinBox;

namespace gpudeck {

// "Run job": the command, where it runs, the outputs to download when it ends, and what then
// happens to the machine (destroy, stop, keep) after a countdown the user can cancel.
class JobDialog final : public QDialog {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(JobDialog)
public:
    // `machineNote`: what stop/destroy and the watchdog mean on this machine's provider.
    JobDialog(const QString& instanceId, const QString& machineName, bool canDestroy, bool canStop,
              const QString& machineNote, QWidget* parent = nullptr);

    [[nodiscard]] JobSpec spec() const;

private:
    void validate();

    QString m_instanceId;
    QPlainTextEdit* m_command = nullptr;
    QLineEdit* m_workDir = nullptr;
    QLineEdit* m_outputs = nullptr;
    QLineEdit* m_downloadDir = nullptr;
    QComboBox* m_after = nullptr;
    QSpinBox* m_countdown = nullptr;
    QPushButton* m_run = nullptr;
};

} // namespace gpudeck
