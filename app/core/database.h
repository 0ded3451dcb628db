#pragma once

#include "result.h"

#include <QSqlDatabase>
#include <QString>

namespace gpudeck {

// GPUDeck's SQLite file (ledger, launched-instance metadata). The GUI and the CLI open it at
// the same time; SQLite's locking (WAL, busy timeout) keeps them consistent.
class Database final {
    Q_DISABLE_COPY_MOVE(Database)
public:
    explicit Database(QString path);
    ~Database();

    [[nodiscard]] Result<void> open();
    [[nodiscard]] QSqlDatabase connection() const;
    [[nodiscard]] const QString& path() const { return m_path; }

private:
    QString m_path;
    QString m_connectionName;
};

// Turns a failed query into an Error that names the file (disk full, read-only, damaged).
[[nodiscard]] Error databaseError(const QString& what, const QString& driverText,
                                  const QString& path);

} // namespace gpudeck
