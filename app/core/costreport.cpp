#include "costreport.h"

#include <QJsonArray>
#include <QMap>

namespace gpudeck {

namespace {

void add(CostReport::Row& row, const Recap& r)
{
    ++row.machines;
    row.billedSeconds += r.cost.billedSeconds;
    row.computeCents += r.cost.computeCents;
    row.storageCents += r.cost.storageCents;
}

QJsonArray rowsJson(const QList<CostReport::Row>& rows)
{
    QJsonArray a;
    for (const CostReport::Row& r : rows)
        a.append(QJsonObject{{QStringLiteral("key"), r.key},
                             {QStringLiteral("machines"), r.machines},
                             {QStringLiteral("billed_seconds"), r.billedSeconds},
                             {QStringLiteral("compute_usd"), centsToUsd(r.computeCents)},
                             {QStringLiteral("storage_usd"), centsToUsd(r.storageCents)},
                             {QStringLiteral("total_usd"), centsToUsd(r.totalCents())}});
    return a;
}

} // namespace

CostReport costReport(const QList<Recap>& recaps, const QDate& since)
{
    CostReport report;
    QMap<QString, CostReport::Row> days;
    QMap<QString, CostReport::Row> providers;
    QList<Recap> sorted;
    for (const Recap& r : recaps) {
        const QDate day = r.destroyedAt.toLocalTime().date();
        if (since.isValid() && day < since)
            continue;
        sorted << r;
        const QString dayKey = day.toString(Qt::ISODate);
        days[dayKey].key = dayKey;
        add(days[dayKey], r);
        providers[r.instance.provider].key = r.instance.provider;
        add(providers[r.instance.provider], r);
        report.totalCents += r.cost.totalCents();
        ++report.machines;
    }
    std::sort(sorted.begin(), sorted.end(),
              [](const Recap& a, const Recap& b) { return a.destroyedAt > b.destroyedAt; });
    for (const Recap& r : sorted) {
        CostReport::Row row;
        row.key = QStringLiteral("%1 (%2)").arg(r.instance.name, r.instance.id);
        add(row, r);
        report.byInstance << row;
    }
    for (auto it = days.constEnd(); it != days.constBegin();)
        report.byDay << *--it;
    report.byProvider = providers.values();
    std::sort(report.byProvider.begin(), report.byProvider.end(),
              [](const CostReport::Row& a, const CostReport::Row& b) {
                  return a.totalCents() > b.totalCents();
              });
    return report;
}

QJsonObject CostReport::toJson() const
{
    return {{QStringLiteral("by_day"), rowsJson(byDay)},
            {QStringLiteral("by_provider"), rowsJson(byProvider)},
            {QStringLiteral("by_instance"), rowsJson(byInstance)},
            {QStringLiteral("machines"), machines},
            {QStringLiteral("total_usd"), centsToUsd(totalCents)},
            {QStringLiteral("estimate"), true}};
}

} // namespace gpudeck
