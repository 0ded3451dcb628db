#include "sshconfighosts.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>

namespace gpudeck::sshhost {

namespace {

// OpenSSH limits Include nesting to 16 levels; so do we, which also stops include loops.
constexpr int kMaxIncludeDepth = 16;

void collect(const QString& file, int depth, QStringList& out)
{
    if (depth > kMaxIncludeDepth)
        return;
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly))
        return;
    const QString sshDir = QDir::homePath() + QStringLiteral("/.ssh");
    static const QRegularExpression split(QStringLiteral("[\\s=]+"));
    while (!f.atEnd()) {
        const QString line = QString::fromUtf8(f.readLine()).trimmed();
        if (line.isEmpty() || line.startsWith(QLatin1Char('#')))
            continue;
        QStringList words = line.split(split, Qt::SkipEmptyParts);
        const QString keyword = words.takeFirst().toLower();
        if (keyword == QLatin1String("host")) {
            for (const QString& w : std::as_const(words)) {
                if (w.contains(QLatin1Char('*')) || w.contains(QLatin1Char('?')) ||
                    w.startsWith(QLatin1Char('!')) || out.contains(w))
                    continue;
                out << w;
            }
        } else if (keyword == QLatin1String("include")) {
            for (QString pattern : std::as_const(words)) {
                if (pattern.startsWith(QLatin1String("~/")))
                    pattern = QDir::homePath() + pattern.mid(1);
                else if (QDir::isRelativePath(pattern))
                    pattern = sshDir + QLatin1Char('/') + pattern;
                const QFileInfo info(pattern);
                const QStringList matches =
                    QDir(info.absolutePath()).entryList({info.fileName()}, QDir::Files, QDir::Name);
                for (const QString& m : matches)
                    collect(info.absolutePath() + QLatin1Char('/') + m, depth + 1, out);
            }
        }
    }
}

} // namespace

QStringList sshConfigAliases(const QString& configFile)
{
    QStringList out;
    collect(configFile, 0, out);
    return out;
}

} // namespace gpudeck::sshhost
