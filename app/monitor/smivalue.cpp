#include "smivalue.h"

#include <QLocale>

#include <charconv>
#include <cmath>

namespace gpudeck::monitor::detail {

namespace {

bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool equalsIgnoringCase(QByteArrayView a, QByteArrayView b)
{
    return a.size() == b.size() && qstrnicmp(a.data(), b.data(), a.size()) == 0;
}

} // namespace

QByteArrayView trimmed(QByteArrayView v)
{
    while (!v.isEmpty() && isSpace(v.front()))
        v = v.sliced(1);
    while (!v.isEmpty() && isSpace(v.back()))
        v.chop(1);
    return v;
}

std::optional<Absence> absenceOf(QByteArrayView v)
{
    v = trimmed(v);
    if (v.size() >= 2 && v.front() == '[' && v.back() == ']')
        v = trimmed(v.sliced(1, v.size() - 2));
    if (v.isEmpty())
        return Absence::NotAvailable;
    if (equalsIgnoringCase(v, "N/A") || equalsIgnoringCase(v, "NA"))
        return Absence::NotAvailable;
    if (equalsIgnoringCase(v, "Not Supported"))
        return Absence::NotSupported;
    if (equalsIgnoringCase(v, "Unknown Error"))
        return Absence::UnknownError;
    if (equalsIgnoringCase(v, "ERR!"))
        return Absence::Error;
    if (v.startsWith("Requested functionality has been deprecated"))
        return Absence::Deprecated;
    if (equalsIgnoringCase(v, "Insufficient Permissions") || equalsIgnoringCase(v, "GPU is lost") ||
        equalsIgnoringCase(v, "GPU requires reset") || equalsIgnoringCase(v, "Unknown"))
        return Absence::UnknownError;
    return std::nullopt;
}

std::optional<double> leadingNumber(QByteArrayView v)
{
    v = trimmed(v);
    if (v.isEmpty())
        return std::nullopt;
    const char* first = v.data();
    const char* last = v.data() + v.size();
    if (*first == '+')
        ++first;
    double out = 0;
    const auto [ptr, ec] = std::from_chars(first, last, out);
    if (ec != std::errc() || ptr == first)
        return std::nullopt;
    // "12abc" is not a number with a unit; a unit is separated by a space or is a known suffix.
    return out;
}

Reading<double> numberReading(QByteArrayView v)
{
    if (const auto why = absenceOf(v))
        return Reading<double>::absent(*why);
    if (const auto n = leadingNumber(v))
        return *n;
    return Reading<double>::absent(Absence::Unparsable);
}

Reading<qint64> mibReading(QByteArrayView v)
{
    if (const auto why = absenceOf(v))
        return Reading<qint64>::absent(*why);
    v = trimmed(v);
    const auto n = leadingNumber(v);
    if (!n)
        return Reading<qint64>::absent(Absence::Unparsable);
    double mib = *n;
    if (v.endsWith("GiB") || v.endsWith("GB"))
        mib *= 1024;
    else if (v.endsWith("KiB") || v.endsWith("KB"))
        mib /= 1024;
    return static_cast<qint64>(std::llround(mib));
}

Reading<int> intReading(QByteArrayView v)
{
    if (const auto why = absenceOf(v))
        return Reading<int>::absent(*why);
    if (const auto n = parseInteger(v))
        return static_cast<int>(*n);
    return Reading<int>::absent(Absence::Unparsable);
}

Reading<QString> textReading(QByteArrayView v)
{
    if (const auto why = absenceOf(v))
        return Reading<QString>::absent(*why);
    return toQString(trimmed(v));
}

std::optional<qint64> parseInteger(QByteArrayView v)
{
    v = trimmed(v);
    if (v.isEmpty())
        return std::nullopt;
    qint64 out = 0;
    const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec != std::errc() || ptr != v.data() + v.size())
        return std::nullopt;
    return out;
}

std::optional<bool> parseEnabled(QByteArrayView v)
{
    v = trimmed(v);
    if (equalsIgnoringCase(v, "Enabled") || equalsIgnoringCase(v, "On") ||
        equalsIgnoringCase(v, "Yes"))
        return true;
    if (equalsIgnoringCase(v, "Disabled") || equalsIgnoringCase(v, "Off") ||
        equalsIgnoringCase(v, "No"))
        return false;
    return std::nullopt;
}

QDateTime parseCsvTimestamp(QByteArrayView v)
{
    v = trimmed(v);
    const QString s = toQString(v);
    QDateTime t = QDateTime::fromString(s, QStringLiteral("yyyy/MM/dd HH:mm:ss.zzz"));
    if (!t.isValid())
        t = QDateTime::fromString(s, QStringLiteral("yyyy/MM/dd HH:mm:ss"));
    return t;
}

QDateTime parseCTimestamp(QByteArrayView v)
{
    // Collapse runs of spaces so "Fri Aug  4 ..." and "Sun Mar 2 ..." read alike.
    QString s = toQString(trimmed(v)).simplified();
    return QLocale::c().toDateTime(s, QStringLiteral("ddd MMM d HH:mm:ss yyyy"));
}

QString toQString(QByteArrayView v)
{
    return QString::fromUtf8(v);
}

} // namespace gpudeck::monitor::detail
