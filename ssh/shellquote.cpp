#include "shellquote.h"

namespace gpudeck::ssh {

QString shellQuote(const QString& word)
{
    QString out = QStringLiteral("'");
    for (const QChar c : word) {
        if (c == QLatin1Char('\''))
            out += QStringLiteral("'\\''");
        else
            out += c;
    }
    out += QLatin1Char('\'');
    return out;
}

QString shellPath(const QString& path)
{
    return shellQuote(path.startsWith(QLatin1Char('-')) ? QStringLiteral("./") + path : path);
}

QString shCommand(const QString& script)
{
    return QStringLiteral("sh -c ") + shellQuote(script);
}

} // namespace gpudeck::ssh
