#include "jobdialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace gpudeck {

JobDialog::JobDialog(const QString& instanceId, const QString& machineName, bool canDestroy,
                     bool canStop, const QString& machineNote, QWidget* parent)
    : QDialog(parent)
    , m_instanceId(instanceId)
{
    setObjectName(QStringLiteral("jobDialog"));
    setWindowTitle(tr("Run a job on %1").arg(machineName));

    m_command = new QPlainTextEdit(this);
    m_command->setObjectName(QStringLiteral("jobCommandEdit"));
    m_command->setAccessibleName(tr("Command"));
    m_command->setPlaceholderText(tr("python train.py --epochs 20"));
    m_command->setTabChangesFocus(true);
    m_command->setFixedHeight(m_command->fontMetrics().lineSpacing() * 4 + 12);
    m_workDir = new QLineEdit(this);
    m_workDir->setObjectName(QStringLiteral("jobWorkDirEdit"));
    m_workDir->setPlaceholderText(tr("home folder"));
    m_outputs = new QLineEdit(this);
    m_outputs->setObjectName(QStringLiteral("jobOutputsEdit"));
    m_outputs->setPlaceholderText(tr("none — e.g. outputs (relative to the home folder)"));
    m_downloadDir = new QLineEdit(this);
    m_downloadDir->setObjectName(QStringLiteral("jobDownloadDirEdit"));
    m_downloadDir->setText(QDir::home().filePath(QStringLiteral("GPUDeck/") + machineName));
    m_after = new QComboBox(this);
    m_after->setObjectName(QStringLiteral("jobAfterCombo"));
    if (canDestroy)
        m_after->addItem(tr("Destroy the machine"), static_cast<int>(JobSpec::After::Destroy));
    if (canStop)
        m_after->addItem(tr("Stop the machine"), static_cast<int>(JobSpec::After::Stop));
    m_after->addItem(tr("Keep it running (only tell me)"), static_cast<int>(JobSpec::After::Keep));
    m_countdown = new QSpinBox(this);
    m_countdown->setObjectName(QStringLiteral("jobCountdownSpin"));
    m_countdown->setRange(0, 3600);
    m_countdown->setValue(60);
    m_countdown->setSuffix(tr(" s"));
    m_countdown->setSpecialValueText(tr("at once"));

    auto* form = new QFormLayout;
    form->addRow(tr("&Command:"), m_command);
    form->addRow(tr("&Working folder:"), m_workDir);
    form->addRow(tr("&Outputs to download:"), m_outputs);
    form->addRow(tr("Download &into:"), m_downloadDir);
    form->addRow(tr("When it &ends:"), m_after);
    form->addRow(tr("After a &countdown of:"), m_countdown);

    auto* note = new QLabel(
        tr("The command runs detached on the machine (bash, from a file: type it as you would "
           "in a terminal). It keeps running if GPUDeck closes or the connection drops; its end "
           "is handled the next time GPUDeck runs. Success or failure, the outputs are "
           "downloaded and verified first; if that fails the machine is kept. %1")
            .arg(machineNote),
        this);
    note->setObjectName(QStringLiteral("jobNote"));
    note->setWordWrap(true);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    m_run = buttons->addButton(tr("&Run job"), QDialogButtonBox::AcceptRole);
    m_run->setObjectName(QStringLiteral("jobRunButton"));
    m_run->setDefault(true);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_command, &QPlainTextEdit::textChanged, this, &JobDialog::validate);
    connect(m_outputs, &QLineEdit::textChanged, this, &JobDialog::validate);
    connect(m_downloadDir, &QLineEdit::textChanged, this, &JobDialog::validate);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(note);
    layout->addWidget(buttons);
    resize(560, sizeHint().height());
    validate();
}

void JobDialog::validate()
{
    const bool outputsNeedDir =
        !m_outputs->text().trimmed().isEmpty() && m_downloadDir->text().trimmed().isEmpty();
    m_run->setEnabled(!m_command->toPlainText().trimmed().isEmpty() && !outputsNeedDir);
    m_run->setToolTip(outputsNeedDir ? tr("Say where the outputs go on this computer.")
                                     : QString());
}

JobSpec JobDialog::spec() const
{
    JobSpec s;
    s.instanceId = m_instanceId;
    s.command = m_command->toPlainText().trimmed();
    s.workDir = m_workDir->text().trimmed();
    s.outputs = m_outputs->text().trimmed();
    s.downloadDir = m_downloadDir->text().trimmed();
    s.after = static_cast<JobSpec::After>(m_after->currentData().toInt());
    s.countdownSeconds = m_countdown->value();
    return s;
}

} // namespace gpudeck
