#include "ledger.h"

#include "database.h"

#include <QJsonDocument>
#include <QSaveFile>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include <cmath>

namespace gpudeck {

namespace {

QString csvField(const QString& s)
{
    if (!s.contains(QLatin1Char(',')) && !s.contains(QLatin1Char('"')) &&
        !s.contains(QLatin1Char('\n')))
        return s;
    QString q = s;
    q.replace(QLatin1Char('"'), QLatin1String("\"\""));
    return QLatin1Char('"') + q + QLatin1Char('"');
}

} // namespace

Ledger::Ledger(Database& db)
    : m_db(db)
{}

Result<void> Ledger::add(const Recap& r)
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral(
        "INSERT INTO recaps (provider, instance_id, name, plan, region, created_at, destroyed_at,"
        " wall_seconds, running_seconds, billed_seconds, price_hourly_micros, compute_cents,"
        " storage_cents, total_cents, billing_rule) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
    const Instance& i = r.instance;
    for (const QVariant& v :
         {QVariant(i.provider), QVariant(i.id), QVariant(i.name), QVariant(i.planId),
          QVariant(i.region), QVariant(i.createdAt.toString(Qt::ISODateWithMs)),
          QVariant(r.destroyedAt.toString(Qt::ISODateWithMs)), QVariant(r.cost.wallSeconds),
          QVariant(r.cost.runningSeconds), QVariant(r.cost.billedSeconds),
          QVariant(static_cast<qint64>(std::llround(i.priceHourly * 1e6))),
          QVariant(r.cost.computeCents), QVariant(r.cost.storageCents),
          QVariant(r.cost.totalCents()),
          QVariant(
              QString::fromUtf8(QJsonDocument(i.billing.toJson()).toJson(QJsonDocument::Compact)))})
        q.addBindValue(v);
    if (!q.exec())
        return databaseError(QStringLiteral("save the cost recap"), q.lastError().text(),
                             m_db.path());
    return {};
}

Result<QList<Recap>> Ledger::all() const
{
    QSqlQuery q(m_db.connection());
    if (!q.exec(QStringLiteral(
            "SELECT provider, instance_id, name, plan, region, created_at, destroyed_at,"
            " wall_seconds, running_seconds, billed_seconds, price_hourly_micros, compute_cents,"
            " storage_cents, billing_rule FROM recaps ORDER BY destroyed_at, id")))
        return databaseError(QStringLiteral("read the ledger"), q.lastError().text(), m_db.path());
    QList<Recap> out;
    while (q.next()) {
        Recap r;
        r.instance.provider = q.value(0).toString();
        r.instance.id = q.value(1).toString();
        r.instance.name = q.value(2).toString();
        r.instance.planId = q.value(3).toString();
        r.instance.region = q.value(4).toString();
        r.instance.createdAt = QDateTime::fromString(q.value(5).toString(), Qt::ISODateWithMs);
        r.destroyedAt = QDateTime::fromString(q.value(6).toString(), Qt::ISODateWithMs);
        r.cost.wallSeconds = q.value(7).toLongLong();
        r.cost.runningSeconds = q.value(8).toLongLong();
        r.cost.billedSeconds = q.value(9).toLongLong();
        r.instance.priceHourly = static_cast<double>(q.value(10).toLongLong()) / 1e6;
        r.cost.computeCents = q.value(11).toLongLong();
        r.cost.storageCents = q.value(12).toLongLong();
        r.instance.billing = BillingRule::fromJson(
            QJsonDocument::fromJson(q.value(13).toString().toUtf8()).object());
        out << r;
    }
    return out;
}

Result<qint64> Ledger::spentSinceCents(const QDateTime& since) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(
        QStringLiteral("SELECT COALESCE(SUM(total_cents), 0) FROM recaps WHERE destroyed_at >= ?"));
    q.addBindValue(since.toUTC().toString(Qt::ISODateWithMs));
    if (!q.exec() || !q.next())
        return databaseError(QStringLiteral("read the ledger"), q.lastError().text(), m_db.path());
    return q.value(0).toLongLong();
}

Result<void> Ledger::exportCsv(const QString& path) const
{
    Result<QList<Recap>> recaps = all();
    if (!recaps.ok())
        return recaps.error();
    QByteArray csv = "provider,instance_id,name,plan,region,created_at,destroyed_at,wall_seconds,"
                     "billed_seconds,price_hourly_usd,compute_usd,storage_usd,total_usd\n";
    for (const Recap& r : recaps.value()) {
        const QStringList row{csvField(r.instance.provider),
                              csvField(r.instance.id),
                              csvField(r.instance.name),
                              csvField(r.instance.planId),
                              csvField(r.instance.region),
                              r.instance.createdAt.toString(Qt::ISODate),
                              r.destroyedAt.toString(Qt::ISODate),
                              QString::number(r.cost.wallSeconds),
                              QString::number(r.cost.billedSeconds),
                              QString::number(r.instance.priceHourly, 'f', 4),
                              QString::number(centsToUsd(r.cost.computeCents), 'f', 2),
                              QString::number(centsToUsd(r.cost.storageCents), 'f', 2),
                              QString::number(centsToUsd(r.cost.totalCents()), 'f', 2)};
        csv += row.join(QLatin1Char(',')).toUtf8() + '\n';
    }
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(csv) != csv.size() || !f.commit())
        return makeError(ErrorCode::Io, QStringLiteral("Could not write %1.").arg(path));
    return {};
}

} // namespace gpudeck
