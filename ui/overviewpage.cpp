#include "overviewpage.h"

#include "meter.h"
#include "statusicons.h"

#include <QClipboard>
#include <QFormLayout>
#include <QGroupBox>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QToolButton>
#include <QVBoxLayout>

namespace gpudeck {

QString sshCommandFor(const Instance& i, const QString& keyPath)
{
    QString cmd = QStringLiteral("ssh");
    if (!keyPath.isEmpty())
        cmd += QStringLiteral(" -i ") + keyPath;
    if (i.sshPort != 22)
        cmd += QStringLiteral(" -p %1").arg(i.sshPort);
    return cmd + QLatin1Char(' ') +
           (i.user.isEmpty() ? i.host : i.user + QLatin1Char('@') + i.host);
}

namespace {

// One line of the launch timeline. A step passed between two looks (fast providers) gets its
// tick without a time.
QString stepLine(const QString& name, const QDateTime& at, const QDateTime& start, bool current,
                 bool passed)
{
    if (!at.isValid() && passed)
        return QStringLiteral("✓ %1").arg(name);
    if (!at.isValid())
        return current ? QStringLiteral("<b>%1…</b>").arg(name)
                       : QStringLiteral("<span style='color:gray'>%1</span>").arg(name);
    return QStringLiteral("✓ %1 <small>+%2 s</small>")
        .arg(name, QString::number(start.msecsTo(at) / 1000.0, 'f', 1));
}

} // namespace

OverviewPage::OverviewPage(QWidget* parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("overviewPage"));
    m_title = field("overviewTitle");
    QFont big = m_title->font();
    big.setPointSizeF(big.pointSizeF() * 1.4);
    big.setBold(true);
    m_title->setFont(big);
    m_status = field("overviewStatus");
    m_address = field("overviewAddress");
    m_user = field("overviewUser");
    m_sshCommand = field("overviewSshCommand");
    // One line, so it can be read and copied as the command it is; the button copies it whole.
    m_sshCommand->setWordWrap(false);
    auto* copySsh = new QToolButton(this);
    copySsh->setObjectName(QStringLiteral("copySshCommandButton"));
    copySsh->setText(tr("&Copy"));
    copySsh->setToolTip(tr("Copy the ssh command to the clipboard"));
    copySsh->setAccessibleName(tr("Copy ssh command"));
    connect(copySsh, &QToolButton::clicked, this, [this] {
        QGuiApplication::clipboard()->setText(m_sshCommand->text());
        emit statusMessage(tr("Copied: %1").arg(m_sshCommand->text()));
    });
    auto* sshRow = new QHBoxLayout;
    sshRow->setContentsMargins(0, 0, 0, 0);
    sshRow->addWidget(m_sshCommand, 1);
    sshRow->addWidget(copySsh);
    m_plan = field("overviewPlan");
    m_rate = field("overviewRate");
    m_billing = field("overviewBilling");
    m_uptime = field("overviewUptime");
    m_cost = field("overviewCost");
    m_timeline = field("overviewTimeline");
    m_timeline->setTextFormat(Qt::RichText);

    auto* machine = new QGroupBox(tr("Machine"), this);
    auto* mform = new QFormLayout(machine);
    mform->addRow(tr("Status:"), m_status);
    mform->addRow(tr("Address:"), m_address);
    mform->addRow(tr("Login user:"), m_user);
    mform->addRow(tr("Connect:"), sshRow);
    // SSH does not answer and the provider keeps port 22 open to one address only: most often
    // the user is on another network now.
    m_allowSsh = new QPushButton(tr("Allow SSH from my current address"), this);
    m_allowSsh->setObjectName(QStringLiteral("allowSshButton"));
    m_allowSsh->setToolTip(tr("Port 22 is open only to the address you launched from; open it "
                              "to the one you have now"));
    m_allowSsh->hide();
    connect(m_allowSsh, &QPushButton::clicked, this, &OverviewPage::allowSshRequested);
    mform->addRow(QString(), m_allowSsh);
    mform->addRow(tr("Plan:"), m_plan);

    auto* money = new QGroupBox(tr("Cost"), this);
    auto* cform = new QFormLayout(money);
    cform->addRow(tr("Rate:"), m_rate);
    cform->addRow(tr("Billing rule:"), m_billing);
    cform->addRow(tr("Uptime:"), m_uptime);
    cform->addRow(tr("Cost so far:"), m_cost);

    auto* launch = new QGroupBox(tr("Launch progress"), this);
    auto* lbox = new QVBoxLayout(launch);
    lbox->addWidget(m_timeline);

    m_destroy =
        new QPushButton(QIcon(QStringLiteral(":/icons/destroy.svg")), tr("&Destroy…"), this);
    m_destroy->setObjectName(QStringLiteral("destroyButton"));
    m_destroy->setToolTip(tr("Delete this machine and its disk; shows the cost recap"));
    connect(m_destroy, &QPushButton::clicked, this, &OverviewPage::destroyRequested);

    m_stop = new QPushButton(tr("St&op…"), this);
    m_stop->setObjectName(QStringLiteral("stopButton"));
    connect(m_stop, &QPushButton::clicked, this, &OverviewPage::stopRequested);
    m_start = new QPushButton(tr("St&art"), this);
    m_start->setObjectName(QStringLiteral("startButton"));
    m_start->setToolTip(tr("Start the machine again; its address may change"));
    connect(m_start, &QPushButton::clicked, this, &OverviewPage::startRequested);

    m_removeHost = new QPushButton(tr("&Remove from GPUDeck…"), this);
    m_removeHost->setObjectName(QStringLiteral("removeHostButton"));
    m_removeHost->setToolTip(tr("Forget this host; the machine itself is not touched"));
    m_removeHost->hide();
    connect(m_removeHost, &QPushButton::clicked, this, &OverviewPage::removeHostRequested);

    m_openTerminal =
        new QPushButton(QIcon(QStringLiteral(":/icons/terminal.svg")), tr("Open &terminal"), this);
    m_openTerminal->setObjectName(QStringLiteral("openTerminalButton"));
    connect(m_openTerminal, &QPushButton::clicked, this, &OverviewPage::openTerminalRequested);

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_openTerminal);
    buttons->addStretch();
    buttons->addWidget(m_stop);
    buttons->addWidget(m_start);
    buttons->addWidget(m_removeHost);
    buttons->addWidget(m_destroy);
    // Keyboard order follows what a user does first: open a terminal; destroying comes last.
    setTabOrder(m_openTerminal, m_stop);
    setTabOrder(m_stop, m_start);
    setTabOrder(m_start, m_removeHost);
    setTabOrder(m_removeHost, m_destroy);

    auto* columns = new QHBoxLayout;
    columns->addWidget(machine, 3);
    auto* right = new QVBoxLayout;
    right->addWidget(money);
    right->addWidget(launch);
    columns->addLayout(right, 2);

    m_layout = new QVBoxLayout(this);
    m_layout->addWidget(m_title);
    m_layout->addLayout(columns);
    m_layout->addStretch();
    m_layout->addLayout(buttons);
}

void OverviewPage::setGuardPanel(QWidget* panel)
{
    panel->setParent(this);
    m_layout->insertWidget(2, panel); // below the machine and its cost, above the buttons
}

QLabel* OverviewPage::field(const char* objectName)
{
    auto* l = new QLabel(this);
    l->setObjectName(QString::fromLatin1(objectName));
    l->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return l;
}

void OverviewPage::setDestroying(bool destroying)
{
    m_destroying = destroying;
    m_destroy->setEnabled(!destroying);
    if (destroying)
        m_status->setText(tr("Destroying… waiting for the provider to confirm"));
}

void OverviewPage::show(const Instance& i, const LaunchTimeline& t, const QString& keyPath,
                        bool canDestroy, bool canStopStart, bool sshFirewall, const QDateTime& now)
{
    m_allowSsh->setVisible(sshFirewall && i.status == InstanceStatus::Running &&
                           !t.sshReady.isValid() && !t.sshError.isEmpty());
    m_destroy->setVisible(canDestroy);
    m_stop->setVisible(canStopStart && i.status != InstanceStatus::Stopped);
    m_stop->setEnabled(!m_destroying && i.status == InstanceStatus::Running);
    m_start->setVisible(canStopStart && i.status == InstanceStatus::Stopped);
    m_start->setEnabled(!m_destroying);
    m_removeHost->setVisible(!canDestroy && i.provider == QLatin1String("ssh"));
    const Cost c = costOf(i, now);
    m_title->setText(QStringLiteral("%1  <small>(%2 on %3)</small>").arg(i.name, i.id, i.provider));
    if (!m_destroying) {
        QString status = statusText(i.status);
        if (i.status == InstanceStatus::Running)
            status += t.sshReady.isValid()   ? tr(" · SSH ready")
                      : t.sshError.isEmpty() ? tr(" · checking SSH…")
                                             : tr(" · SSH not answering: %1").arg(t.sshError);
        if (!i.statusDetail.isEmpty())
            status += QStringLiteral("\n") + i.statusDetail;
        m_status->setText(status);
    }
    m_address->setText(QStringLiteral("%1:%2").arg(i.host).arg(i.sshPort));
    m_user->setText(i.user);
    m_sshCommand->setText(sshCommandFor(i, keyPath));
    m_timeline->parentWidget()->setVisible(canDestroy); // own machines are not launched
    m_plan->setText(
        QStringLiteral("%1 · %2× %3 · %4").arg(i.planId).arg(i.gpuCount).arg(i.gpuModel, i.region));
    // The one rate shown everywhere (status bar, guard, recap): compute plus storage.
    const HourlyRate rate = hourlyRate(i);
    m_rate->setText(rate.storageUsd > 0
                        ? tr("%1 (%2 compute + %3 storage)")
                              .arg(formatHourly(rate.totalUsd()), formatHourly(rate.computeUsd),
                                   formatHourly(rate.storageUsd))
                        : formatHourly(rate.totalUsd()));
    m_billing->setText(i.billing.describe());
    m_uptime->setText(formatDuration(c.runningSeconds));
    m_cost->setText(tr("%1 <small>(billed %2; estimate from the launch-time price)</small>")
                        .arg(formatCostSoFar(i, now), formatDuration(c.billedSeconds)));
    m_cost->setTextFormat(Qt::RichText);
    m_destroy->setEnabled(!m_destroying && i.status != InstanceStatus::Destroying);
    m_openTerminal->setEnabled(i.status == InstanceStatus::Running && !m_destroying);

    const QDateTime start = t.requested.isValid() ? t.requested : i.createdAt;
    // Steps a machine launched elsewhere had passed before GPUDeck first looked get no time:
    // "+25 s" would be when the window noticed, not when the machine got there.
    const auto seen = [&t](const QDateTime& at) {
        return !t.watchedFromLaunch && at.isValid() && at <= t.firstSeen ? QDateTime() : at;
    };
    const bool ready = t.sshReady.isValid();
    const bool running = t.running.isValid();
    QStringList steps{
        stepLine(tr("Requested"), start, start, false, true),
        stepLine(tr("Provisioning"), seen(t.provisioning), start,
                 i.status == InstanceStatus::Provisioning, t.booting.isValid() || running),
        stepLine(tr("Booting"), seen(t.booting), start, i.status == InstanceStatus::Booting,
                 running),
        stepLine(tr("Running"), seen(t.running), start, false, running),
        stepLine(tr("SSH ready"), t.watchedFromLaunch ? t.sshReady : QDateTime(), start,
                 i.status == InstanceStatus::Running && !ready, ready),
    };
    m_timeline->setText(steps.join(QStringLiteral("<br>")));
}

} // namespace gpudeck
