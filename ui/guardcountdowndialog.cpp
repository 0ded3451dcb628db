#include "guardcountdowndialog.h"

#include "billingguard.h"
#include "clock.h"
#include "fleet.h"

#include <QDateTimeEdit>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace gpudeck {

GuardCountdownDialog::GuardCountdownDialog(BillingGuard& guard, const QString& instanceId,
                                           const QString& name, QWidget* parent)
    : QDialog(parent)
    , m_guard(guard)
    , m_instanceId(instanceId)
    , m_name(name)
{
    setObjectName(QStringLiteral("guardCountdownDialog"));
    setWindowTitle(tr("Billing guard — %1").arg(name));
    setModal(false);
    setAttribute(Qt::WA_DeleteOnClose);

    m_text = new QLabel(this);
    m_text->setObjectName(QStringLiteral("guardCountdownText"));
    m_text->setWordWrap(true);
    QFont big = m_text->font();
    big.setPointSizeF(big.pointSizeF() * 1.25);
    m_text->setFont(big);
    m_left = new QLabel(this);
    m_left->setObjectName(QStringLiteral("guardSecondsLeft"));
    QFont huge = m_left->font();
    huge.setPointSizeF(huge.pointSizeF() * 2.2);
    huge.setBold(true);
    m_left->setFont(huge);
    m_left->setAlignment(Qt::AlignCenter);
    m_note = new QLabel(this);
    m_note->setObjectName(QStringLiteral("guardCountdownNote"));
    m_note->setWordWrap(true);

    auto* keepHour = new QPushButton(tr("Keep 1 h"), this);
    keepHour->setObjectName(QStringLiteral("keepHourButton"));
    auto* keepUntil = new QPushButton(tr("Keep until…"), this);
    keepUntil->setObjectName(QStringLiteral("keepUntilButton"));
    m_until = new QDateTimeEdit(this);
    m_until->setObjectName(QStringLiteral("keepUntilEdit"));
    m_until->setCalendarPopup(true);
    m_until->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm"));
    m_until->setDateTime(guard.clock().now().toLocalTime().addSecs(4 * 3600));
    m_stop = new QPushButton(tr("Stop"), this);
    m_stop->setObjectName(QStringLiteral("stopNowButton"));
    auto* destroyNow = new QPushButton(tr("Destroy now"), this);
    destroyNow->setObjectName(QStringLiteral("destroyNowButton"));

    auto* keepRow = new QHBoxLayout;
    keepRow->addWidget(keepHour);
    keepRow->addWidget(keepUntil);
    keepRow->addWidget(m_until, 1);
    auto* actRow = new QHBoxLayout;
    actRow->addStretch(1);
    actRow->addWidget(m_stop);
    actRow->addWidget(destroyNow);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_text);
    layout->addWidget(m_left);
    layout->addWidget(m_note);
    layout->addLayout(keepRow);
    layout->addLayout(actRow);

    connect(keepHour, &QPushButton::clicked, this, [this] {
        m_guard.keepFor(m_instanceId, 3600);
        close();
    });
    connect(keepUntil, &QPushButton::clicked, this, [this] {
        m_guard.keepUntil(m_instanceId, m_until->dateTime().toUTC());
        close();
    });
    connect(m_stop, &QPushButton::clicked, this, [this] {
        m_guard.actNow(m_instanceId, GuardPolicy::Action::Stop);
        refresh();
    });
    connect(destroyNow, &QPushButton::clicked, this, [this] {
        m_guard.actNow(m_instanceId, GuardPolicy::Action::Destroy);
        refresh();
    });
    connect(&m_guard, &BillingGuard::countdownTick, this, [this](const QString& id, qint64) {
        if (id == m_instanceId)
            refresh();
    });
    connect(&m_guard, &BillingGuard::changed, this, [this](const QString& id) {
        if (id == m_instanceId)
            refresh();
    });
    connect(&m_guard, &BillingGuard::countdownCancelled, this, [this](const QString& id) {
        if (id == m_instanceId)
            close();
    });
    connect(&m_guard, &BillingGuard::destroyed, this, [this](const QString& id) {
        if (id == m_instanceId)
            close();
    });
    connect(&m_guard, &BillingGuard::stopped, this, [this](const QString& id) {
        if (id == m_instanceId)
            close();
    });
    refresh();
    resize(sizeHint().expandedTo(QSize(520, 0)));
}

void GuardCountdownDialog::refresh()
{
    const GuardWatch* w = m_guard.watch(m_instanceId);
    if (!w)
        return;
    const QString text = m_guard.countdownText(m_instanceId);
    if (!text.isEmpty())
        m_text->setText(text);
    const qint64 left = m_guard.secondsLeft(m_instanceId);
    m_left->setText(w->acting ? tr("Acting now…") : left >= 0 ? formatCountdown(left) : QString());
    const bool canStop = m_guard.canStopToEndBilling(m_instanceId);
    m_stop->setEnabled(!w->acting && canStop);
    m_stop->setToolTip(canStop ? tr("Stopping ends the compute billing here.")
                               : tr("Stopping does not end the billing of this machine (or its "
                                    "provider cannot stop it): the guard destroys it instead."));
    QString note =
        tr("Nobody needs to click: at zero the guard %1 %2.")
            .arg(w->countdown && w->countdown->action == GuardPolicy::Action::Stop ? tr("stops")
                                                                                   : tr("destroys"),
                 m_name);
    const QString results = w->countdown ? w->countdown->resultsFolder : w->policy.resultsFolder;
    if (!results.isEmpty())
        note += QLatin1Char(' ') +
                tr("It downloads %1 first and destroys nothing unless that arrived.").arg(results);
    m_note->setText(note);
}

void GuardCountdownDialog::escalate(int level)
{
    setWindowTitle(
        tr("Billing guard — %1 (%2)").arg(m_name, level >= 2 ? tr("last minute") : tr("reminder")));
    QFont f = m_text->font();
    f.setBold(true);
    m_text->setFont(f);
    show();
    raise();
    activateWindow();
}

} // namespace gpudeck
