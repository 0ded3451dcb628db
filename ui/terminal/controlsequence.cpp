#include "controlsequence.h"

#include <climits>

namespace gpudeck::terminal {

bool ControlSequence::parse(QByteArrayView bytes, ControlSequence& out)
{
    out = ControlSequence{};
    qsizetype i = 2;
    const qsizetype n = bytes.size();
    if (i < n && bytes[i] >= 0x3c && bytes[i] <= 0x3f)
        out.leader = bytes[i++];
    long value = kMissing;
    bool any = false;
    for (; i < n; ++i) {
        const char c = bytes[i];
        if (c >= '0' && c <= '9') {
            value = (value == kMissing ? 0 : value) * 10 + (c - '0');
            if (value > 65535)
                value = 65535; // as libvterm's parser: no overflow from a long digit run
            any = true;
        } else if (c == ';' || c == ':') {
            if (out.argc < kMaxArgs)
                out.args[static_cast<size_t>(out.argc++)] = static_cast<int>(value);
            value = kMissing;
            any = true;
        } else {
            break;
        }
    }
    if (any && out.argc < kMaxArgs)
        out.args[static_cast<size_t>(out.argc++)] = static_cast<int>(value);
    for (; i < n && bytes[i] >= 0x20 && bytes[i] <= 0x2f; ++i) {
        if (out.intermediates++ == 0)
            out.intermediate = bytes[i];
    }
    if (i >= n)
        return false;
    const char c = bytes[i];
    if (c < 0x40 || c > 0x7e)
        return false;
    out.final = c;
    out.length = i + 1;
    return true;
}

qsizetype stringEnd(QByteArrayView bytes, qsizetype from, qsizetype& bodyEnd)
{
    for (qsizetype i = from; i < bytes.size(); ++i) {
        if (bytes[i] == '\a') {
            bodyEnd = i;
            return i + 1;
        }
        if (bytes[i] == '\x1b') {
            if (i + 1 >= bytes.size())
                return -1;
            bodyEnd = i;
            // Any other ESC aborts the string, as in libvterm; it ends here either way.
            return bytes[i + 1] == '\\' ? i + 2 : i;
        }
    }
    return -1;
}

} // namespace gpudeck::terminal
