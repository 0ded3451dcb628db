#pragma once

#include "types.h"

#include <QList>

namespace gpudeck {

class BillingGuard;
class Clock;
class Fleet;

// A machine that exists on an account but that no guard watches: found at start-up and on
// every refresh, shown with what it has cost so far, one click from adopt or destroy.
struct UnguardedMachine {
    enum class Origin {
        Elsewhere,      // GPUDeck did not launch it (the provider's console, another tool)
        EarlierSession, // GPUDeck launched it (this app before a restart, or gpudeck-cli)
    };
    Instance instance;
    Origin origin = Origin::Elsewhere;
    qint64 costSoFarCents = 0;
    double ratePerHourUsd = 0; // what it bills now (meter.h)
    QString note;              // what happened, for the reconcile view

    [[nodiscard]] QString originText() const;
};

// Every listed machine that still bills (or may) and is not guarded. SSH hosts are the user's
// own machines with no provider bill: they are not listed.
[[nodiscard]] QList<UnguardedMachine>
unguardedMachines(const Fleet& fleet, const BillingGuard& guard, const Clock& clock);

} // namespace gpudeck
