#include "tarreader.h"

#include "numbers.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace gpudeck::ssh::tar {

namespace {

// Extended headers carry names and sizes: 1 MiB is far above any real one (names are at most
// 4096 bytes on Linux) and keeps a hostile stream from making us buffer gigabytes.
constexpr qint64 kMaxExtended = 1 << 20;

QByteArray cString(const char* field, int width)
{
    const void* nul = std::memchr(field, '\0', static_cast<size_t>(width));
    const qsizetype len = nul ? static_cast<const char*>(nul) - field : width;
    return QByteArray(field, len);
}

// An octal field (leading spaces allowed, ended by a space or NUL), or GNU's base-256 form
// (first byte 0x80) for values octal cannot hold. -1 when malformed.
qint64 number(const char* field, int width)
{
    const auto* u = reinterpret_cast<const unsigned char*>(field);
    if (u[0] & 0x80) {
        if (u[0] == 0xff)
            return -1; // negative: never valid for a size or a time we accept
        qint64 v = u[0] & 0x7f;
        for (int i = 1; i < width; ++i) {
            if (v > (std::numeric_limits<qint64>::max() >> 8))
                return -1;
            v = (v << 8) | u[i];
        }
        return v;
    }
    int i = 0;
    while (i < width && (field[i] == ' ' || field[i] == '\0'))
        ++i;
    qint64 v = 0;
    bool any = false;
    for (; i < width && field[i] >= '0' && field[i] <= '7'; ++i) {
        if (v > (std::numeric_limits<qint64>::max() >> 3))
            return -1;
        v = v * 8 + (field[i] - '0');
        any = true;
    }
    if (i < width && field[i] != ' ' && field[i] != '\0')
        return -1;
    return any ? v : 0;
}

} // namespace

Reader::Handler::~Handler() = default;

Reader::Reader(Handler& handler)
    : m_handler(handler)
{}

Error Reader::damaged(const QString& why) const
{
    return makeError(ErrorCode::ProviderFailure,
                     QStringLiteral("The archive stream from the machine is damaged (%1, at byte "
                                    "%2). Try the transfer again.")
                         .arg(why)
                         .arg(m_offset));
}

Result<void> Reader::completeEntry()
{
    m_state = State::Header;
    if (!m_inFile)
        return {};
    m_inFile = false;
    return m_handler.finished();
}

Result<void> Reader::feed(const char* bytes, qint64 size)
{
    while (size > 0) {
        switch (m_state) {
        case State::Done:
            // Whatever follows the end marker (tar pads to its record size) is ignored.
            m_offset += size;
            return {};
        case State::Header: {
            const qint64 take = std::min<qint64>(size, kBlock - m_block.size());
            m_block.append(bytes, take);
            bytes += take;
            size -= take;
            m_offset += take;
            if (m_block.size() == kBlock) {
                Result<void> parsed = parseHeader();
                m_block.clear();
                if (!parsed.ok())
                    return parsed;
            }
            break;
        }
        case State::Data: {
            const qint64 take = std::min(size, m_remaining);
            Result<void> r = m_handler.data(bytes, take);
            if (!r.ok())
                return r;
            bytes += take;
            size -= take;
            m_offset += take;
            m_remaining -= take;
            if (m_remaining == 0) {
                m_state = State::Skip;
                m_remaining = m_padding;
                if (m_remaining == 0) {
                    r = completeEntry();
                    if (!r.ok())
                        return r;
                }
            }
            break;
        }
        case State::Skip: {
            const qint64 take = std::min(size, m_remaining);
            bytes += take;
            size -= take;
            m_offset += take;
            m_remaining -= take;
            if (m_remaining == 0) {
                Result<void> r = completeEntry();
                if (!r.ok())
                    return r;
            }
            break;
        }
        case State::Extended: {
            const qint64 take = std::min(size, m_remaining);
            m_extData.append(bytes, take);
            bytes += take;
            size -= take;
            m_offset += take;
            m_remaining -= take;
            if (m_remaining == 0) {
                switch (m_extKind) {
                case Extended::Pax: {
                    Result<void> r = parsePax();
                    if (!r.ok())
                        return r;
                    break;
                }
                case Extended::GlobalPax:
                    break;
                case Extended::LongName:
                    m_nextPath = cString(m_extData.constData(), static_cast<int>(m_extData.size()));
                    break;
                case Extended::LongLink:
                    m_nextLink = cString(m_extData.constData(), static_cast<int>(m_extData.size()));
                    break;
                }
                m_extData.clear();
                m_remaining = m_padding;
                m_state = m_remaining > 0 ? State::Skip : State::Header;
            }
            break;
        }
        }
    }
    return {};
}

Result<void> Reader::finish() const
{
    if (m_state == State::Done)
        return {};
    // Some writers end with a single zero block. No end marker at all means the stream was cut.
    if (m_state == State::Header && m_block.isEmpty() && m_zeroBlocks >= 1)
        return {};
    return damaged(QStringLiteral("it ended before the end-of-archive marker"));
}

Result<void> Reader::parseHeader()
{
    const char* p = m_block.constData();
    bool allZero = true;
    for (int i = 0; i < kBlock && allZero; ++i)
        allZero = p[i] == '\0';
    if (allZero) {
        if (++m_zeroBlocks >= 2)
            m_state = State::Done;
        return {};
    }
    m_zeroBlocks = 0;

    // The checksum: all header bytes summed with the checksum field taken as spaces. Old tars
    // summed signed chars, so accept either.
    unsigned usum = 0;
    int ssum = 0;
    for (int i = 0; i < kBlock; ++i) {
        const bool inField = i >= 148 && i < 156;
        usum += inField ? ' ' : static_cast<unsigned char>(p[i]);
        ssum += inField ? ' ' : static_cast<signed char>(p[i]);
    }
    const qint64 stored = number(p + 148, 8);
    if (stored < 0 || (stored != usum && stored != ssum))
        return damaged(QStringLiteral("a header's checksum does not match"));

    const char flag = p[156];
    qint64 size = number(p + 124, 12);
    if (size < 0)
        return damaged(QStringLiteral("a size field is malformed"));
    if (m_nextSize >= 0 && flag != 'x' && flag != 'g' && flag != 'L' && flag != 'K')
        size = m_nextSize;

    if (flag == 'x' || flag == 'g' || flag == 'L' || flag == 'K') {
        if (size > kMaxExtended)
            return damaged(QStringLiteral("an extended header of %1 bytes").arg(size));
        m_extKind = flag == 'x'   ? Extended::Pax
                    : flag == 'g' ? Extended::GlobalPax
                    : flag == 'L' ? Extended::LongName
                                  : Extended::LongLink;
        m_extData.clear();
        m_remaining = size;
        m_padding = padding(size);
        m_state = size > 0 ? State::Extended : State::Header;
        return {};
    }

    Entry e;
    // POSIX ustar ("ustar\0") splits long paths into prefix + name; GNU's own format
    // ("ustar  ") uses that space for other things.
    const bool posix = std::memcmp(p + 257, "ustar\0", 6) == 0;
    const QByteArray prefix = posix ? cString(p + 345, 155) : QByteArray();
    e.path = cString(p, 100);
    if (!prefix.isEmpty())
        e.path = prefix + '/' + e.path;
    e.linkTarget = cString(p + 157, 100);
    if (!m_nextPath.isEmpty())
        e.path = m_nextPath;
    if (!m_nextLink.isEmpty())
        e.linkTarget = m_nextLink;
    e.mode = static_cast<quint32>(std::max<qint64>(0, number(p + 100, 8)) & 07777);
    e.mtime = m_nextMtime >= 0 ? m_nextMtime : std::max<qint64>(0, number(p + 136, 12));
    m_nextPath.clear();
    m_nextLink.clear();
    m_nextSize = -1;
    m_nextMtime = -1;

    switch (flag) {
    case '0':
    case '\0':
    case '7':
        e.type = Type::File;
        break;
    case '1':
        e.type = Type::HardLink;
        break;
    case '2':
        e.type = Type::Symlink;
        break;
    case '5':
        e.type = Type::Directory;
        break;
    default:
        e.type = Type::Other; // devices, fifos, GNU sparse/multi-volume parts: not extracted
        break;
    }
    // Old archives mark directories only by a trailing '/'.
    if (e.type == Type::File && e.path.endsWith('/'))
        e.type = Type::Directory;
    while (e.path.size() > 1 && e.path.endsWith('/'))
        e.path.chop(1);
    e.size = e.type == Type::File ? size : 0;

    Result<void> r = m_handler.started(e);
    if (!r.ok())
        return r;
    m_padding = padding(size);
    if (e.type == Type::File) {
        m_inFile = true;
        m_remaining = size;
        m_state = State::Data;
        if (size == 0)
            return completeEntry();
        return {};
    }
    // Anything else that claims data has it skipped.
    m_remaining = size + m_padding;
    m_state = m_remaining > 0 ? State::Skip : State::Header;
    return {};
}

Result<void> Reader::parsePax()
{
    const QByteArray& d = m_extData;
    qsizetype pos = 0;
    while (pos < d.size()) {
        const qsizetype space = d.indexOf(' ', pos);
        if (space < 0)
            return damaged(QStringLiteral("a pax record has no length"));
        bool ok = false;
        const qsizetype len = d.mid(pos, space - pos).toLongLong(&ok);
        if (!ok || len <= space - pos || pos + len > d.size() || d.at(pos + len - 1) != '\n')
            return damaged(QStringLiteral("a pax record is malformed"));
        const QByteArray record = d.mid(space + 1, pos + len - space - 2);
        const qsizetype eq = record.indexOf('=');
        if (eq < 0)
            return damaged(QStringLiteral("a pax record is malformed"));
        const QByteArray key = record.left(eq);
        const QByteArray value = record.mid(eq + 1);
        if (key == "path") {
            m_nextPath = value;
        } else if (key == "linkpath") {
            m_nextLink = value;
        } else if (key == "size") {
            const qint64 v = value.toLongLong(&ok);
            if (!ok || v < 0)
                return damaged(QStringLiteral("a pax size is malformed"));
            m_nextSize = v;
        } else if (key == "mtime") {
            const double v = value.toDouble(&ok);
            if (const std::optional<qint64> whole = wholeNumber(v); ok && v >= 0 && whole)
                m_nextMtime = *whole;
        }
        pos += len;
    }
    return {};
}

} // namespace gpudeck::ssh::tar
