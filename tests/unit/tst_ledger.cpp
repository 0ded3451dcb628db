// The SQLite ledger: recaps survive a reopen, today's spend sums, CSV export quotes fields.
#include "billing.h"
#include "database.h"
#include "ledger.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace gpudeck;

namespace {

Recap recap(const QString& id, const QString& name, const QDateTime& created, qint64 seconds,
            double price)
{
    Recap r;
    r.instance.id = id;
    r.instance.name = name;
    r.instance.provider = QStringLiteral("sandbox");
    r.instance.planId = QStringLiteral("t4-1x");
    r.instance.region = QStringLiteral("local-1");
    r.instance.priceHourly = price;
    r.instance.billing.minimumSeconds = 60;
    r.instance.createdAt = created;
    r.instance.runIntervals = {{created, QDateTime()}};
    r.destroyedAt = created.addSecs(seconds);
    r.cost = costOf(r.instance, r.destroyedAt);
    return r;
}

} // namespace

class TestLedger final : public QObject {
    Q_OBJECT
private slots:
    void addAndReadBack();
    void spentSince();
    void csvExport();
    void unwritableDatabaseIsAnError();
};

void TestLedger::addAndReadBack()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("gpudeck.sqlite"));
    const QDateTime t = QDateTime(QDate(2026, 11, 20), QTime(9, 0), Qt::UTC);
    {
        Database db(path);
        QVERIFY(db.open().ok());
        Ledger ledger(db);
        QVERIFY(
            ledger.add(recap(QStringLiteral("sbx-00000001"), QStringLiteral("a"), t, 3600, 1.29))
                .ok());
        QVERIFY(ledger.add(recap(QStringLiteral("sbx-00000002"), QStringLiteral("b"), t, 30, 0.35))
                    .ok());
    }
    Database db(path);
    QVERIFY(db.open().ok());
    Ledger ledger(db);
    const Result<QList<Recap>> all = ledger.all();
    QVERIFY(all.ok());
    QCOMPARE(all->size(), 2);
    const Recap& first = all->at(0);
    QCOMPARE(first.instance.id, QStringLiteral("sbx-00000002")); // destroyed first
    QCOMPARE(first.cost.billedSeconds, 60);
    QCOMPARE(first.cost.computeCents, 1); // 0.35 * 60 / 3600 = 0.58 cents -> 1
    QCOMPARE(all->at(1).cost.computeCents, 129);
    QCOMPARE(all->at(1).instance.priceHourly, 1.29);
    QCOMPARE(all->at(1).instance.billing.minimumSeconds, 60);
}

void TestLedger::spentSince()
{
    QTemporaryDir dir;
    Database db(dir.filePath(QStringLiteral("l.sqlite")));
    QVERIFY(db.open().ok());
    Ledger ledger(db);
    const QDateTime day1 = QDateTime(QDate(2026, 11, 20), QTime(9, 0), Qt::UTC);
    const QDateTime day2 = day1.addDays(1);
    QVERIFY(ledger.add(recap(QStringLiteral("sbx-00000001"), QStringLiteral("a"), day1, 3600, 2.00))
                .ok());
    QVERIFY(ledger.add(recap(QStringLiteral("sbx-00000002"), QStringLiteral("b"), day2, 1800, 2.00))
                .ok());
    QCOMPARE(ledger.spentSinceCents(day2).value(), 100);
    QCOMPARE(ledger.spentSinceCents(day1).value(), 300);
    QCOMPARE(ledger.spentSinceCents(day2.addDays(1)).value(), 0);
}

void TestLedger::csvExport()
{
    QTemporaryDir dir;
    Database db(dir.filePath(QStringLiteral("l.sqlite")));
    QVERIFY(db.open().ok());
    Ledger ledger(db);
    const QDateTime t = QDateTime(QDate(2026, 11, 20), QTime(9, 0), Qt::UTC);
    QVERIFY(ledger
                .add(recap(QStringLiteral("sbx-00000001"), QStringLiteral("run, \"big\""), t, 3600,
                           1.29))
                .ok());
    const QString csv = dir.filePath(QStringLiteral("out.csv"));
    QVERIFY(ledger.exportCsv(csv).ok());
    QFile f(csv);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = f.readAll().trimmed().split('\n');
    QCOMPARE(lines.size(), 2);
    QVERIFY(lines[0].startsWith("provider,instance_id,name,"));
    QVERIFY2(lines[1].contains("\"run, \"\"big\"\"\""), lines[1].constData());
    QVERIFY(lines[1].endsWith(",1.2900,1.29,0.00,1.29"));
}

void TestLedger::unwritableDatabaseIsAnError()
{
    QTemporaryDir dir;
    // A directory where the database file should be: SQLite cannot open it.
    const QString path = dir.filePath(QStringLiteral("db"));
    QVERIFY(QDir().mkpath(path));
    Database db(path);
    const Result<void> r = db.open();
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::Io);
    QVERIFY(r.error().message.contains(path));
}

QTEST_GUILESS_MAIN(TestLedger)
#include "tst_ledger.moc"
