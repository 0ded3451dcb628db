#include "pathsafety.h"

#include <QCryptographicHash>
#include <QStringDecoder>

namespace gpudeck::ssh {

namespace {

const char kPartSuffix[] = ".gpudeck-part";

} // namespace

QString nameProblem(const QByteArray& name)
{
    if (name.isEmpty())
        return QStringLiteral("is empty");
    if (name == "." || name == "..")
        return QStringLiteral("refers to a folder itself or its parent");
    if (name.contains('/'))
        return QStringLiteral("contains a '/'");
    if (name.contains('\0'))
        return QStringLiteral("contains a NUL byte");
    for (const char c : name) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f)
            return QStringLiteral("contains control characters");
    }
    if (name.size() > kMaxNameBytes)
        return QStringLiteral("is %1 bytes long, more than the %2 a file name can have here")
            .arg(name.size())
            .arg(kMaxNameBytes);
    return {};
}

Result<QList<QByteArray>> safeRelativePath(const QByteArray& path)
{
    if (path.startsWith('/'))
        return makeError(ErrorCode::InvalidInput,
                         QStringLiteral("“%1” is an absolute path; only names inside the chosen "
                                        "folder are accepted, so it was not saved.")
                             .arg(printableName(path)));
    if (path.size() > kMaxPathBytes)
        return makeError(ErrorCode::InvalidInput,
                         QStringLiteral("A path of %1 bytes is longer than the %2 this system "
                                        "allows, so it was not saved: “%3…”.")
                             .arg(path.size())
                             .arg(kMaxPathBytes)
                             .arg(printableName(path.left(80))));
    QList<QByteArray> names;
    for (const QByteArray& part : path.split('/')) {
        if (part.isEmpty() || part == ".")
            continue;
        const QString problem = nameProblem(part);
        if (!problem.isEmpty())
            return makeError(ErrorCode::InvalidInput,
                             QStringLiteral("The name “%1” %2, so “%3” was not saved.")
                                 .arg(printableName(part), problem, printableName(path)));
        names << part;
    }
    return names;
}

QString printableName(const QByteArray& name)
{
    QString out;
    auto decoder = QStringDecoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    // Decode runs of valid UTF-8; escape everything else byte by byte.
    qsizetype i = 0;
    while (i < name.size()) {
        const auto u = static_cast<unsigned char>(name.at(i));
        if (u < 0x20 || u == 0x7f) {
            out += QStringLiteral("\\x%1").arg(u, 2, 16, QLatin1Char('0'));
            ++i;
            continue;
        }
        int len = 1;
        if (u >= 0xf0)
            len = 4;
        else if (u >= 0xe0)
            len = 3;
        else if (u >= 0xc0)
            len = 2;
        const QByteArray chunk = name.mid(i, len);
        const QString decoded = decoder.decode(chunk);
        if (decoder.hasError() || decoded.contains(QChar::ReplacementCharacter) ||
            (u >= 0x80 && u < 0xc0)) {
            decoder.resetState();
            out += QStringLiteral("\\x%1").arg(u, 2, 16, QLatin1Char('0'));
            ++i;
            continue;
        }
        out += decoded;
        i += len;
    }
    return out;
}

QByteArray partName(const QByteArray& name)
{
    const QByteArray plain = '.' + name + kPartSuffix;
    if (plain.size() <= kMaxNameBytes)
        return plain;
    return QByteArray(".gpudeck-part-") +
           QCryptographicHash::hash(name, QCryptographicHash::Sha1).toHex();
}

QString partName(const QString& name)
{
    return QString::fromUtf8(partName(name.toUtf8()));
}

QString numberedName(const QString& name, int n)
{
    // The extension starts at the first dot after a leading one (".bashrc" has none).
    const qsizetype dot = name.indexOf(QLatin1Char('.'), 1);
    const QString suffix = QStringLiteral(" (%1)").arg(n);
    if (dot < 0)
        return name + suffix;
    return name.left(dot) + suffix + name.mid(dot);
}

bool isPartName(const QString& name)
{
    return name.startsWith(QLatin1Char('.')) && (name.endsWith(QLatin1String(kPartSuffix)) ||
                                                 name.startsWith(QLatin1String(".gpudeck-part-")));
}

QString linkProblem(const QByteArray& linkPath, const QByteArray& target)
{
    if (target.isEmpty())
        return QStringLiteral("points nowhere");
    if (target.startsWith('/'))
        return QStringLiteral("points to an absolute path");
    Result<QList<QByteArray>> at = safeRelativePath(linkPath);
    if (!at.ok() || at->isEmpty())
        return QStringLiteral("has an unsafe name");
    // The folders the link sits in, from the top of the received folder.
    qsizetype depth = at->size() - 1;
    bool descended = false;
    for (const QByteArray& part : target.split('/')) {
        if (part.isEmpty() || part == ".")
            continue;
        if (part == "..") {
            if (descended)
                return QStringLiteral("climbs back out of a folder it names");
            if (--depth < 0)
                return QStringLiteral("points outside the folder");
        } else {
            descended = true;
        }
    }
    return {};
}

} // namespace gpudeck::ssh
