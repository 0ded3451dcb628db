#include "guardpolicyeditor.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>
#include <QVBoxLayout>

#include <cmath>

namespace gpudeck {

namespace {

QSpinBox* spin(QWidget* parent, const char* name, const QString& accessible, int max,
               const QString& suffix, const QString& offText)
{
    auto* s = new QSpinBox(parent);
    s->setObjectName(QString::fromLatin1(name));
    s->setAccessibleName(accessible);
    s->setRange(0, max);
    s->setSuffix(suffix);
    if (!offText.isEmpty())
        s->setSpecialValueText(offText); // shown at 0
    return s;
}

} // namespace

GuardPolicyEditor::GuardPolicyEditor(bool perMachine, QWidget* parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("guardPolicyEditor"));
    m_idle = spin(this, "guardIdleMinutes", tr("Idle timeout in minutes"), 24 * 60, tr(" min"),
                  tr("Off"));
    m_lifetime = spin(this, "guardLifetimeHours", tr("Maximum lifetime in hours"), 24 * 60,
                      tr(" h"), tr("No limit"));
    m_budget = new QDoubleSpinBox(this);
    m_budget->setObjectName(QStringLiteral("guardBudget"));
    m_budget->setAccessibleName(tr("Budget cap per machine in dollars"));
    m_budget->setRange(0, 100'000);
    m_budget->setDecimals(2);
    m_budget->setPrefix(QStringLiteral("$"));
    m_budget->setSpecialValueText(tr("No cap"));
    m_countdown = spin(this, "guardCountdownMinutes", tr("Countdown in minutes"), 60, tr(" min"),
                       tr("Act at once"));
    m_gpuIdle =
        spin(this, "guardGpuIdlePercent", tr("GPU idle threshold in percent"), 50, tr(" %"), {});
    m_gpuIdle->setMinimum(1);
    m_action = new QComboBox(this);
    m_action->setObjectName(QStringLiteral("guardAction"));
    m_action->setAccessibleName(tr("What the guard does at zero"));
    m_action->addItem(tr("Stop where that ends the billing, otherwise destroy"),
                      static_cast<int>(GuardPolicy::Action::Stop));
    m_action->addItem(tr("Destroy"), static_cast<int>(GuardPolicy::Action::Destroy));

    auto* limits = new QGroupBox(tr("When to warn"), this);
    auto* lform = new QFormLayout(limits);
    lform->addRow(tr("&Idle for:"), m_idle);
    lform->addRow(tr("&Running longer than:"), m_lifetime);
    lform->addRow(tr("&Costing more than:"), m_budget);
    lform->addRow(tr("&GPUs count as idle below:"), m_gpuIdle);
    auto* idleNote = new QLabel(
        tr("Idle means every GPU below the threshold, a low CPU load, no terminal input, no "
           "transfer, no job and no training progress for that long."),
        limits);
    idleNote->setWordWrap(true);
    lform->addRow(idleNote);

    auto* then = new QGroupBox(tr("Then"), this);
    auto* tform = new QFormLayout(then);
    tform->addRow(tr("Count &down for:"), m_countdown);
    tform->addRow(tr("At &zero:"), m_action);
    if (perMachine) {
        m_results = new QLineEdit(then);
        m_results->setObjectName(QStringLiteral("guardResultsFolder"));
        m_results->setPlaceholderText(tr("none (a folder on the machine, e.g. ~/outputs)"));
        m_downloadDir = new QLineEdit(then);
        m_downloadDir->setObjectName(QStringLiteral("guardDownloadDir"));
        m_downloadDir->setPlaceholderText(tr("your home folder"));
        tform->addRow(tr("Download &first:"), m_results);
        tform->addRow(tr("&Into:"), m_downloadDir);
    }
    auto* actionNote = new QLabel(
        tr("Stopping ends the billing only on some providers (see README, Providers); where a "
           "stopped machine still bills, the guard destroys it, after downloading the results "
           "folder (verified; if that fails the machine is kept). The countdown always lets you "
           "keep it."),
        then);
    actionNote->setWordWrap(true);
    tform->addRow(actionNote);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(limits);
    layout->addWidget(then);
}

void GuardPolicyEditor::setPolicy(const GuardPolicy& p)
{
    m_base = p;
    m_idle->setValue(static_cast<int>((p.idleTimeoutSeconds + 59) / 60));
    m_lifetime->setValue(static_cast<int>((p.maxLifetimeSeconds + 3599) / 3600));
    m_budget->setValue(static_cast<double>(p.budgetCapCents) / 100.0);
    m_countdown->setValue(static_cast<int>((p.countdownSeconds + 59) / 60));
    m_gpuIdle->setValue(static_cast<int>(std::lround(p.gpuIdlePercent)));
    m_action->setCurrentIndex(m_action->findData(static_cast<int>(p.action)));
    if (m_results)
        m_results->setText(p.resultsFolder);
    if (m_downloadDir)
        m_downloadDir->setText(p.downloadDir);
}

GuardPolicy GuardPolicyEditor::policy() const
{
    GuardPolicy p = m_base;
    // A value the form shows rounded (a policy in seconds, from a test or a demo) is kept as it
    // was unless the user changed it.
    const auto minutes = [](qint64 seconds) { return (seconds + 59) / 60; };
    if (m_idle->value() != minutes(p.idleTimeoutSeconds))
        p.idleTimeoutSeconds = qint64(m_idle->value()) * 60;
    if (m_lifetime->value() != (p.maxLifetimeSeconds + 3599) / 3600)
        p.maxLifetimeSeconds = qint64(m_lifetime->value()) * 3600;
    p.budgetCapCents = std::llround(m_budget->value() * 100.0);
    if (m_countdown->value() != minutes(p.countdownSeconds))
        p.countdownSeconds = qint64(m_countdown->value()) * 60;
    if (m_gpuIdle->value() != std::lround(p.gpuIdlePercent))
        p.gpuIdlePercent = m_gpuIdle->value();
    p.action = static_cast<GuardPolicy::Action>(m_action->currentData().toInt());
    if (m_results)
        p.resultsFolder = m_results->text().trimmed();
    if (m_downloadDir)
        p.downloadDir = m_downloadDir->text().trimmed();
    return p;
}

} // namespace gpudeck
