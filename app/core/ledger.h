#pragma once

#include "billing.h"
#include "result.h"

#include <QList>

namespace gpudeck {

class Database;

// Every recap, kept forever: the cost history. Lives in the SQLite database.
class Ledger final {
    Q_DISABLE_COPY_MOVE(Ledger)
public:
    explicit Ledger(Database& db);

    [[nodiscard]] Result<void> add(const Recap& recap);
    [[nodiscard]] Result<QList<Recap>> all() const;
    // Sum of recap totals whose machine was destroyed at or after `since`.
    [[nodiscard]] Result<qint64> spentSinceCents(const QDateTime& since) const;
    [[nodiscard]] Result<void> exportCsv(const QString& path) const;

private:
    Database& m_db;
};

} // namespace gpudeck
