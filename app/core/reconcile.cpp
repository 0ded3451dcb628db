#include "reconcile.h"

#include "billingguard.h"
#include "clock.h"
#include "fleet.h"
#include "meter.h"

namespace gpudeck {

QString UnguardedMachine::originText() const
{
    return origin == Origin::Elsewhere
               ? QStringLiteral("not launched by GPUDeck")
               : QStringLiteral("launched by GPUDeck earlier (another session or gpudeck-cli)");
}

QList<UnguardedMachine> unguardedMachines(const Fleet& fleet, const BillingGuard& guard,
                                          const Clock& clock)
{
    QList<UnguardedMachine> out;
    const QDateTime now = clock.now();
    for (const Instance& i : fleet.instances()) {
        const Provider* p = fleet.provider(i.provider);
        if (!p || !p->capabilities().launch)
            continue;
        if (i.status == InstanceStatus::Destroyed || i.status == InstanceStatus::Destroying ||
            guard.isGuarded(i.id))
            continue;
        UnguardedMachine m;
        m.instance = i;
        m.origin = fleet.launchedHere(i) ? UnguardedMachine::Origin::EarlierSession
                                         : UnguardedMachine::Origin::Elsewhere;
        m.costSoFarCents = costOf(i, now).totalCents();
        m.ratePerHourUsd = hourlyRate(i).totalUsd();
        if (i.status == InstanceStatus::Stopped) {
            const QString still = stoppedBillingNote(i, p->displayName());
            const RunInterval last =
                i.runIntervals.isEmpty() ? RunInterval{} : i.runIntervals.last();
            m.note =
                QStringLiteral("Stopped%1. %2")
                    .arg(last.end.isValid() ? QStringLiteral(" at %1").arg(QLocale().toString(
                                                  last.end.toLocalTime(), QLocale::ShortFormat))
                                            : QString(),
                         still.isEmpty() ? QStringLiteral("It no longer bills.") : still);
            if (!i.statusDetail.isEmpty())
                m.note = i.statusDetail + QLatin1Char(' ') + m.note;
        } else {
            m.note = QStringLiteral("%1 and billing %2, unguarded.")
                         .arg(statusName(i.status), formatHourly(m.ratePerHourUsd));
        }
        out << m;
    }
    return out;
}

} // namespace gpudeck
