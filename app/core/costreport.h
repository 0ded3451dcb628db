#pragma once

#include "billing.h"

#include <QDate>
#include <QJsonObject>
#include <QList>

namespace gpudeck {

// The ledger summed three ways, for the Costs view and `gpudeck-cli cost`.
struct CostReport {
    struct Row {
        QString key; // the day (yyyy-MM-dd, local), the provider id, or the instance name (id)
        int machines = 0;
        qint64 billedSeconds = 0;
        qint64 computeCents = 0;
        qint64 storageCents = 0;
        [[nodiscard]] qint64 totalCents() const { return computeCents + storageCents; }
    };
    QList<Row> byDay;      // newest first
    QList<Row> byProvider; // most expensive first
    QList<Row> byInstance; // newest first
    qint64 totalCents = 0;
    int machines = 0;

    [[nodiscard]] QJsonObject toJson() const;
};

// Recaps whose machine was destroyed on or after `since` (every recap when invalid).
[[nodiscard]] CostReport costReport(const QList<Recap>& recaps, const QDate& since = {});

} // namespace gpudeck
