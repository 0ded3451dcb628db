#include "shquote.h"

namespace gpudeck {

QString shQuote(const QString& word)
{
    QString q = word;
    q.replace(QLatin1Char('\''), QLatin1String("'\\''"));
    return QLatin1Char('\'') + q + QLatin1Char('\'');
}

} // namespace gpudeck
