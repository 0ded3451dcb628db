#include "guardsettingspage.h"

#include "settings.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
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

GuardSettingsPage::GuardSettingsPage(Settings& settings, QWidget* parent)
    : SettingsPage(parent)
    , m_settings(settings)
{
    setObjectName(QStringLiteral("guardPage"));
    const GuardPolicy p = m_settings.guardDefaults();

    m_idle = spin(this, "guardIdleMinutes", tr("Idle timeout in minutes"), 24 * 60, tr(" min"),
                  tr("Off"));
    m_idle->setValue(static_cast<int>((p.idleTimeoutSeconds + 59) / 60));
    m_lifetime = spin(this, "guardLifetimeHours", tr("Maximum lifetime in hours"), 24 * 60,
                      tr(" h"), tr("No limit"));
    m_lifetime->setValue(static_cast<int>((p.maxLifetimeSeconds + 3599) / 3600));
    m_budget = new QDoubleSpinBox(this);
    m_budget->setObjectName(QStringLiteral("guardBudget"));
    m_budget->setAccessibleName(tr("Budget cap per machine in dollars"));
    m_budget->setRange(0, 100'000);
    m_budget->setDecimals(2);
    m_budget->setPrefix(QStringLiteral("$"));
    m_budget->setSpecialValueText(tr("No cap"));
    m_budget->setValue(static_cast<double>(p.budgetCapCents) / 100.0);
    m_countdown = spin(this, "guardCountdownMinutes", tr("Countdown in minutes"), 60, tr(" min"),
                       tr("Act at once"));
    m_countdown->setValue(static_cast<int>((p.countdownSeconds + 59) / 60));
    m_gpuIdle =
        spin(this, "guardGpuIdlePercent", tr("GPU idle threshold in percent"), 50, tr(" %"), {});
    m_gpuIdle->setMinimum(1);
    m_gpuIdle->setValue(static_cast<int>(std::lround(p.gpuIdlePercent)));
    m_action = new QComboBox(this);
    m_action->setObjectName(QStringLiteral("guardAction"));
    m_action->setAccessibleName(tr("What the guard does at zero"));
    m_action->addItem(tr("Stop where that ends the billing, otherwise destroy"),
                      static_cast<int>(GuardPolicy::Action::Stop));
    m_action->addItem(tr("Destroy"), static_cast<int>(GuardPolicy::Action::Destroy));
    m_action->setCurrentIndex(m_action->findData(static_cast<int>(p.action)));

    auto* limits = new QGroupBox(tr("When to warn"), this);
    auto* lform = new QFormLayout(limits);
    lform->addRow(tr("&Idle for:"), m_idle);
    lform->addRow(tr("&Running longer than:"), m_lifetime);
    lform->addRow(tr("&Costing more than:"), m_budget);
    lform->addRow(tr("&GPUs count as idle below:"), m_gpuIdle);
    auto* idleNote = new QLabel(
        tr("Idle means every GPU below the threshold, no terminal input, no transfer and no "
           "training progress for that long."),
        limits);
    idleNote->setWordWrap(true);
    lform->addRow(idleNote);

    auto* then = new QGroupBox(tr("Then"), this);
    auto* tform = new QFormLayout(then);
    tform->addRow(tr("Count &down for:"), m_countdown);
    tform->addRow(tr("At &zero:"), m_action);
    auto* actionNote = new QLabel(
        tr("Stopping ends the billing only on some providers (see README, Providers); where a "
           "stopped machine still bills, the guard destroys it, after downloading the results "
           "folder when one is set for the machine. The countdown always lets you keep it."),
        then);
    actionNote->setWordWrap(true);
    tform->addRow(actionNote);

    auto* scope = new QLabel(tr("These apply to machines guarded from now on; machines already "
                                "guarded keep their own policy."),
                             this);
    scope->setWordWrap(true);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(limits);
    layout->addWidget(then);
    layout->addWidget(scope);
    layout->addStretch(1);
}

void GuardSettingsPage::apply()
{
    GuardPolicy p = m_settings.guardDefaults();
    p.idleTimeoutSeconds = qint64(m_idle->value()) * 60;
    p.maxLifetimeSeconds = qint64(m_lifetime->value()) * 3600;
    p.budgetCapCents = std::llround(m_budget->value() * 100.0);
    p.countdownSeconds = qint64(m_countdown->value()) * 60;
    p.gpuIdlePercent = m_gpuIdle->value();
    p.action = static_cast<GuardPolicy::Action>(m_action->currentData().toInt());
    m_settings.setGuardDefaults(p);
}

} // namespace gpudeck
