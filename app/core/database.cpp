#include "database.h"

#include <QDir>
#include <QFileInfo>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>

namespace gpudeck {

namespace {

const char* const kSchema[] = {
    "CREATE TABLE IF NOT EXISTS recaps ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " provider TEXT NOT NULL, instance_id TEXT NOT NULL, name TEXT, plan TEXT, region TEXT,"
    " created_at TEXT NOT NULL, destroyed_at TEXT NOT NULL,"
    " wall_seconds INTEGER NOT NULL, running_seconds INTEGER NOT NULL,"
    " billed_seconds INTEGER NOT NULL, price_hourly_micros INTEGER NOT NULL,"
    " compute_cents INTEGER NOT NULL, storage_cents INTEGER NOT NULL,"
    " total_cents INTEGER NOT NULL, billing_rule TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS recaps_destroyed ON recaps(destroyed_at)",
    // What GPUDeck knows about machines it launched that providers do not tell (the key used).
    "CREATE TABLE IF NOT EXISTS launched ("
    " provider TEXT NOT NULL, instance_id TEXT NOT NULL, key_path TEXT NOT NULL,"
    " launched_at TEXT NOT NULL, PRIMARY KEY(provider, instance_id))",
    // A launch is written here before it is sent and removed when its answer arrives, so a
    // crash in between is noticed at the next start instead of silently sending it again.
    "CREATE TABLE IF NOT EXISTS pending_launches ("
    " client_token TEXT PRIMARY KEY, provider TEXT NOT NULL, plan TEXT NOT NULL,"
    " name TEXT, requested_at TEXT NOT NULL)",
    // The login user the SSH probe found for a machine whose provider could only guess it.
    "CREATE TABLE IF NOT EXISTS login_users (instance_key TEXT PRIMARY KEY, user TEXT NOT NULL)",
    // Jobs started on machines (job mode): what runs where, and how it ended.
    "CREATE TABLE IF NOT EXISTS jobs ("
    " id TEXT PRIMARY KEY, instance_id TEXT NOT NULL, spec TEXT NOT NULL, state TEXT NOT NULL,"
    " exit_code INTEGER, started_at TEXT NOT NULL, ended_at TEXT, handled INTEGER NOT NULL,"
    " tail TEXT)",
};

} // namespace

Error databaseError(const QString& what, const QString& driverText, const QString& path)
{
    return makeError(ErrorCode::Io,
                     QStringLiteral("Could not %1 in %2 (%3). Check that the disk is not full and "
                                    "the file is writable.")
                         .arg(what, path, driverText),
                     driverText);
}

Database::Database(QString path)
    : m_path(std::move(path))
    , m_connectionName(QStringLiteral("gpudeck-") +
                       QUuid::createUuid().toString(QUuid::WithoutBraces))
{}

Database::~Database()
{
    {
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        if (db.isOpen())
            db.close();
    }
    QSqlDatabase::removeDatabase(m_connectionName);
}

QSqlDatabase Database::connection() const
{
    return QSqlDatabase::database(m_connectionName, false);
}

Result<void> Database::open()
{
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QSQLITE")))
        return makeError(ErrorCode::MissingDependency,
                         QStringLiteral("Qt's SQLite driver is missing. Install it with: sudo apt "
                                        "install libqt6sql6-sqlite"));
    QDir().mkpath(QFileInfo(m_path).absolutePath());
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
    db.setDatabaseName(m_path);
    db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
    if (!db.open())
        return databaseError(QStringLiteral("open the database"), db.lastError().text(), m_path);
    QSqlQuery q(db);
    q.exec(QStringLiteral("PRAGMA journal_mode=WAL"));
    for (const char* statement : kSchema) {
        if (!q.exec(QString::fromLatin1(statement)))
            return databaseError(QStringLiteral("prepare the database"), q.lastError().text(),
                                 m_path);
    }
    return {};
}

} // namespace gpudeck
