#include "tarformat.h"

#include <cstring>

namespace gpudeck::ssh::tar {

namespace {

// ustar field sizes (POSIX.1-1988): name 100, linkname 100, prefix 155, size 12 (11 octal
// digits, so below 8 GiB), mtime 12.
constexpr int kNameField = 100;
constexpr int kPrefixField = 155;
constexpr qint64 kMaxOctalSize = (qint64(1) << 33) - 1;

void putOctal(char* field, int width, qint64 value)
{
    // width - 1 digits, zero-padded, then a NUL.
    const QByteArray digits = QByteArray::number(value, 8).rightJustified(width - 1, '0');
    std::memcpy(field, digits.constData(), static_cast<size_t>(width - 1));
    field[width - 1] = '\0';
}

void putString(char* field, int width, const QByteArray& s)
{
    std::memcpy(field, s.constData(), static_cast<size_t>(std::min<qsizetype>(s.size(), width)));
}

// One pax record: "<length> <key>=<value>\n", where length counts the whole record itself.
QByteArray paxRecord(const QByteArray& key, const QByteArray& value)
{
    const qsizetype rest = key.size() + value.size() + 3; // ' ', '=', '\n'
    qsizetype len = rest + QByteArray::number(rest).size();
    if (QByteArray::number(len).size() != QByteArray::number(rest).size())
        len = rest + QByteArray::number(len).size();
    QByteArray out = QByteArray::number(len);
    out += ' ';
    out += key;
    out += '=';
    out += value;
    out += '\n';
    return out;
}

// Splits `path` into ustar's prefix and name fields when it fits them.
bool splitUstar(const QByteArray& path, QByteArray& prefix, QByteArray& name)
{
    if (path.size() <= kNameField) {
        prefix.clear();
        name = path;
        return true;
    }
    // The split must fall on a '/': the prefix holds up to 155 bytes, the name up to 100.
    for (qsizetype slash = path.lastIndexOf('/'); slash > 0;
         slash = path.lastIndexOf('/', slash - 1)) {
        if (slash <= kPrefixField && path.size() - slash - 1 <= kNameField) {
            prefix = path.left(slash);
            name = path.mid(slash + 1);
            return !name.isEmpty();
        }
        if (slash < path.size() - kNameField - 1)
            break;
    }
    return false;
}

QByteArray block(const QByteArray& name, const QByteArray& prefix, const QByteArray& link,
                 char typeflag, qint64 size, quint32 mode, qint64 mtime)
{
    QByteArray h(kBlock, '\0');
    char* p = h.data();
    putString(p, kNameField, name);
    putOctal(p + 100, 8, mode & 07777);
    putOctal(p + 108, 8, 0); // uid: the receiving side owns what it extracts
    putOctal(p + 116, 8, 0); // gid
    putOctal(p + 124, 12, size);
    putOctal(p + 136, 12, std::max<qint64>(0, mtime));
    std::memset(p + 148, ' ', 8); // the checksum counts its own field as spaces
    p[156] = typeflag;
    putString(p + 157, 100, link);
    std::memcpy(p + 257, "ustar", 6); // magic "ustar\0"
    std::memcpy(p + 263, "00", 2);    // version
    putString(p + 345, kPrefixField, prefix);
    unsigned sum = 0;
    for (int i = 0; i < kBlock; ++i)
        sum += static_cast<unsigned char>(p[i]);
    // Six octal digits, a NUL and a space, as tar itself writes it.
    const QByteArray digits = QByteArray::number(sum, 8).rightJustified(6, '0');
    std::memcpy(p + 148, digits.constData(), 6);
    p[154] = '\0';
    p[155] = ' ';
    return h;
}

char typeFlag(Type t)
{
    switch (t) {
    case Type::Directory:
        return '5';
    case Type::Symlink:
        return '2';
    case Type::HardLink:
        return '1';
    case Type::File:
    case Type::Other:
        break;
    }
    return '0';
}

} // namespace

QByteArray header(const Entry& e)
{
    QByteArray path = e.path;
    if (e.type == Type::Directory)
        path += '/';
    const qint64 size = e.type == Type::File ? e.size : 0;
    QByteArray prefix;
    QByteArray name;
    QByteArray pax;
    if (!splitUstar(path, prefix, name)) {
        pax += paxRecord("path", path);
        // A readable stand-in for readers without pax support.
        name = path.right(kNameField);
        prefix.clear();
    }
    QByteArray link = e.linkTarget;
    if (link.size() > kNameField) {
        pax += paxRecord("linkpath", link);
        link = link.left(kNameField);
    }
    qint64 ustarSize = size;
    if (size > kMaxOctalSize) {
        pax += paxRecord("size", QByteArray::number(size));
        ustarSize = 0;
    }
    QByteArray out;
    if (!pax.isEmpty()) {
        // The extended header's own name is informational; this is what GNU tar writes.
        out += block("././@PaxHeader", {}, {}, 'x', pax.size(), 0644, e.mtime);
        out += pax;
        out += QByteArray(padding(pax.size()), '\0');
    }
    out += block(name, prefix, link, typeFlag(e.type), ustarSize, e.mode, e.mtime);
    return out;
}

qint64 padding(qint64 size)
{
    return (kBlock - size % kBlock) % kBlock;
}

QByteArray endOfArchive()
{
    return QByteArray(2 * kBlock, '\0');
}

} // namespace gpudeck::ssh::tar
