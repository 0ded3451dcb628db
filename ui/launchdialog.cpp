#include "launchdialog.h"

#include "billing.h"
#include "meter.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpressionValidator>
#include <QSpinBox>
#include <QVBoxLayout>

namespace gpudeck {

LaunchDialog::LaunchDialog(QList<Plan> plans, const QString& selectedProvider,
                           const QString& selectedPlan, QList<Provider*> providers,
                           QHash<QString, Catalog> catalogs, int estimateHours, QWidget* parent)
    : QDialog(parent)
    , m_plans(std::move(plans))
    , m_providers(std::move(providers))
    , m_catalogs(std::move(catalogs))
{
    setObjectName(QStringLiteral("launchDialog"));
    setWindowTitle(tr("Launch a machine"));
    setAttribute(Qt::WA_DeleteOnClose);

    m_plan = new QComboBox(this);
    m_plan->setObjectName(QStringLiteral("planCombo"));
    for (const Plan& p : std::as_const(m_plans))
        m_plan->addItem(QStringLiteral("%1 — %2").arg(p.name, formatHourly(p.onDemandHourly)),
                        QStringList{p.provider, p.id});
    m_region = new QComboBox(this);
    m_region->setObjectName(QStringLiteral("regionCombo"));
    m_image = new QComboBox(this);
    m_image->setObjectName(QStringLiteral("imageCombo"));
    m_image->setAccessibleName(tr("Image"));
    m_disk = new QSpinBox(this);
    m_disk->setObjectName(QStringLiteral("diskSpin"));
    m_disk->setAccessibleName(tr("Disk size"));
    m_disk->setRange(0, 16000);
    m_disk->setSingleStep(10);
    m_disk->setSuffix(tr(" GB"));
    m_disk->setSpecialValueText(tr("the plan's disk"));
    m_diskNote = new QLabel(this);
    m_diskNote->setObjectName(QStringLiteral("diskNote"));
    m_diskNote->setWordWrap(true);
    m_diskNote->setForegroundRole(QPalette::PlaceholderText);
    m_spot = new QCheckBox(this);
    m_spot->setObjectName(QStringLiteral("spotCheck"));
    m_spotNote = new QLabel(this);
    m_spotNote->setObjectName(QStringLiteral("spotNote"));
    m_spotNote->setWordWrap(true);
    m_spotNote->setForegroundRole(QPalette::PlaceholderText);
    m_name = new QLineEdit(this);
    m_name->setObjectName(QStringLiteral("nameEdit"));
    m_name->setPlaceholderText(tr("e.g. bert-finetune"));
    m_name->setValidator(new QRegularExpressionValidator(
        QRegularExpression(QStringLiteral("[A-Za-z0-9][A-Za-z0-9._-]{0,62}")), m_name));
    m_hours = new QSpinBox(this);
    m_hours->setObjectName(QStringLiteral("hoursSpin"));
    m_hours->setRange(1, 24 * 30);
    m_hours->setValue(estimateHours);
    m_hours->setSuffix(tr(" h"));
    m_price = new QLabel(this);
    m_price->setObjectName(QStringLiteral("priceLabel"));
    m_price->setTextFormat(Qt::RichText);
    m_guard = new QLabel(this);
    m_guard->setObjectName(QStringLiteral("guardNote"));
    m_guard->setWordWrap(true);
    m_guard->setForegroundRole(QPalette::PlaceholderText);
    m_problem = new QLabel(this);
    m_problem->setObjectName(QStringLiteral("launchProblem"));
    m_problem->setWordWrap(true);
    m_problem->hide();

    auto* form = new QFormLayout;
    form->addRow(tr("&Plan:"), m_plan);
    form->addRow(tr("&Region:"), m_region);
    form->addRow(tr("&Image:"), m_image);
    auto* disk = new QVBoxLayout;
    disk->setContentsMargins(0, 0, 0, 0);
    disk->addWidget(m_disk);
    disk->addWidget(m_diskNote);
    form->addRow(tr("Disk:"), disk);
    auto* pricing = new QVBoxLayout;
    pricing->setContentsMargins(0, 0, 0, 0);
    pricing->addWidget(m_spot);
    pricing->addWidget(m_spotNote);
    form->addRow(tr("Pricing:"), pricing);
    form->addRow(tr("&Name:"), m_name);
    form->addRow(tr("Estimate for:"), m_hours);
    form->addRow(tr("Price:"), m_price);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    QPushButton* launch = m_buttons->addButton(tr("&Launch"), QDialogButtonBox::AcceptRole);
    launch->setObjectName(QStringLiteral("confirmLaunchButton"));
    launch->setIcon(QIcon(QStringLiteral(":/icons/launch.svg")));
    launch->setDefault(true);
    // Keyboard order is the form's order, then Launch, then Cancel (a disabled spot box is
    // skipped).
    setTabOrder(m_plan, m_region);
    setTabOrder(m_region, m_image);
    setTabOrder(m_image, m_disk);
    setTabOrder(m_disk, m_spot);
    setTabOrder(m_spot, m_name);
    setTabOrder(m_name, m_hours);
    setTabOrder(m_hours, launch);
    setTabOrder(launch, m_buttons->button(QDialogButtonBox::Cancel));

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_guard);
    layout->addWidget(m_problem);
    layout->addWidget(m_buttons);

    connect(m_plan, &QComboBox::currentIndexChanged, this, &LaunchDialog::planChanged);
    connect(m_hours, &QSpinBox::valueChanged, this, &LaunchDialog::updateEstimate);
    connect(m_disk, &QSpinBox::valueChanged, this, &LaunchDialog::updateEstimate);
    connect(m_spot, &QCheckBox::toggled, this, &LaunchDialog::updateEstimate);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_buttons, &QDialogButtonBox::accepted, this, [this, launch] {
        if (!m_name->text().isEmpty() && !m_name->hasAcceptableInput()) {
            m_problem->setText(
                tr("Use letters, digits, dots, dashes and underscores for the name."));
            m_problem->show();
            return;
        }
        launch->setEnabled(false); // one launch per dialog, whatever happens next
        emit launchRequested(providerId(), request());
        accept();
    });

    for (int i = 0; i < m_plans.size(); ++i) {
        if (m_plans.at(i).provider == selectedProvider && m_plans.at(i).id == selectedPlan)
            m_plan->setCurrentIndex(i);
    }
    planChanged();
    m_name->setFocus();
}

const Plan* LaunchDialog::currentPlan() const
{
    const int i = m_plan->currentIndex();
    return i >= 0 && i < m_plans.size() ? &m_plans.at(i) : nullptr;
}

QString LaunchDialog::providerId() const
{
    const Plan* p = currentPlan();
    return p ? p->provider : QString();
}

LaunchRequest LaunchDialog::request() const
{
    LaunchRequest r;
    if (const Plan* p = currentPlan())
        r.planId = p->id;
    r.region = m_region->currentData().toString();
    r.imageId = m_image->currentData().toString();
    r.diskGb = m_disk->isEnabled() ? m_disk->value() : 0;
    r.name = m_name->text();
    r.spot = spotChosen();
    return r;
}

int LaunchDialog::estimateHours() const
{
    return m_hours->value();
}

const Provider* LaunchDialog::providerOf(const Plan& plan) const
{
    for (const Provider* provider : m_providers) {
        if (provider->id() == plan.provider)
            return provider;
    }
    return nullptr;
}

bool LaunchDialog::spotChosen() const
{
    return m_spot->isEnabled() && m_spot->isChecked();
}

void LaunchDialog::planChanged()
{
    const Plan* p = currentPlan();
    m_region->clear();
    m_image->clear();
    if (!p)
        return;
    const Catalog catalog = m_catalogs.value(p->provider);
    // Regions by name; where the provider said which have one free now, those come first.
    QList<std::pair<QString, QString>> free, other;
    for (const QString& r : p->regions) {
        QString name = r;
        for (const Region& known : catalog.regions)
            if (known.id == r && !known.name.isEmpty() && known.name != r)
                name = QStringLiteral("%1 (%2)").arg(known.name, r);
        if (p->regionsAvailable.contains(r))
            free.append({tr("%1 — free now").arg(name), r});
        else if (!p->regionsAvailable.isEmpty())
            other.append({tr("%1 — none free now").arg(name), r});
        else
            other.append({name, r});
    }
    for (const auto& [text, id] : free + other)
        m_region->addItem(text, id);
    // Images: CUDA-ready first, in the provider's order otherwise.
    QList<Image> images = catalog.images;
    std::stable_sort(images.begin(), images.end(),
                     [](const Image& a, const Image& b) { return a.cudaReady && !b.cudaReady; });
    for (const Image& i : std::as_const(images))
        m_image->addItem(i.cudaReady ? tr("%1 — GPU drivers and CUDA").arg(i.name)
                                     : tr("%1 — no GPU drivers").arg(i.name),
                         i.id);
    if (images.isEmpty())
        m_image->addItem(tr("the provider's default"), QString());
    m_image->setEnabled(!images.isEmpty());
    const Provider* provider = providerOf(*p);
    m_guard->setText(provider ? provider->guardNote() : QString());
    const bool diskChoice = provider && provider->capabilities().diskSize;
    m_disk->setEnabled(diskChoice);
    m_disk->setValue(diskChoice ? int(p->diskGb) : 0);
    m_diskNote->setText(
        diskChoice
            ? tr("Disk billed while it exists, stopped too, on %1.").arg(provider->displayName())
            : tr("%1 gives this plan's disk (%2) and no other size.")
                  .arg(provider ? provider->displayName() : p->provider,
                       p->diskGb > 0 ? tr("%1 GB").arg(p->diskGb) : tr("its size")));

    // Spot where the provider launches it and the plan has a price for it; otherwise say why not.
    const bool providerSpot = provider && provider->capabilities().spot;
    const QString providerName = provider ? provider->displayName() : p->provider;
    if (providerSpot && p->spotHourly) {
        m_spot->setEnabled(true);
        m_spot->setText(tr("&Spot: %1 instead of %2")
                            .arg(formatHourly(*p->spotHourly), formatHourly(p->onDemandHourly)));
        m_spotNote->setText(provider->spotNote());
    } else {
        m_spot->setChecked(false);
        m_spot->setEnabled(false);
        m_spot->setText(tr("Spot: not offered"));
        m_spotNote->setText(
            !providerSpot && p->spotHourly
                ? tr("%1 lists a spot price for this plan, but GPUDeck cannot launch spot "
                     "machines there yet.")
                      .arg(providerName)
            : providerSpot ? tr("This plan has no spot price on %1.").arg(providerName)
                           : tr("%1 has no spot or interruptible machines.").arg(providerName));
    }
    m_spot->setAccessibleName(tr("Launch at the spot price"));
    m_spot->setAccessibleDescription(m_spotNote->text());
    updateEstimate();
}

void LaunchDialog::updateEstimate()
{
    const Plan* chosen = currentPlan();
    if (!chosen)
        return;
    // The disk the user picked is what will bill, not the plan's default.
    Plan sized = *chosen;
    if (m_disk->isEnabled() && m_disk->value() > 0)
        sized.diskGb = m_disk->value();
    const Plan* p = &sized;
    const int hours = m_hours->value();
    const bool spot = spotChosen();
    // The one rate the Overview and the status bar will show: compute plus disk.
    const HourlyRate rate = runningRate(*p, spot);
    const QString split = rate.storageUsd > 0 ? tr("%1 %2 + %3 disk; ")
                                                    .arg(formatHourly(rate.computeUsd),
                                                         spot ? tr("spot") : tr("compute"),
                                                         formatHourly(rate.storageUsd))
                                              : (spot ? tr("spot price; ") : QString());
    m_price->setText(tr("<b>%1</b> &nbsp;·&nbsp; %2 h ≈ <b>%3</b><br><small>%4billed %5; an "
                        "estimate from today's price</small>")
                         .arg(formatHourly(rate.totalUsd()))
                         .arg(hours)
                         .arg(formatCents(estimateWithStorageCents(*p, hours, spot)))
                         .arg(split, p->billing.describe()));
}

} // namespace gpudeck
