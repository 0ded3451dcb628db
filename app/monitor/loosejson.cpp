#include "loosejson.h"

#include <charconv>
#include <cmath>
#include <limits>

namespace gpudeck::monitor::detail {

namespace {

// Deep enough for trainer_state.json (4 levels); a bound so garbage cannot recurse the stack.
constexpr int kMaxDepth = 64;

class Reader {
public:
    explicit Reader(QByteArrayView text)
        : m_s(text)
    {}

    std::optional<LooseValue> document(QString* error)
    {
        std::optional<LooseValue> v = value(0);
        skipSpace();
        if (v && m_pos != m_s.size()) {
            m_error = QStringLiteral("unexpected text after the value at byte %1").arg(m_pos);
            v.reset();
        }
        if (!v && error)
            *error = m_error;
        return v;
    }

private:
    void skipSpace()
    {
        while (m_pos < m_s.size() && (m_s[m_pos] == ' ' || m_s[m_pos] == '\t' ||
                                      m_s[m_pos] == '\n' || m_s[m_pos] == '\r'))
            ++m_pos;
    }

    bool fail(const char* what)
    {
        if (m_error.isEmpty())
            m_error = QStringLiteral("%1 at byte %2").arg(QLatin1String(what)).arg(m_pos);
        return false;
    }

    bool word(QByteArrayView w)
    {
        if (m_s.sliced(m_pos).startsWith(w)) {
            m_pos += w.size();
            return true;
        }
        return false;
    }

    std::optional<LooseValue> value(int depth)
    {
        if (depth > kMaxDepth) {
            fail("nested too deeply");
            return std::nullopt;
        }
        skipSpace();
        if (m_pos >= m_s.size()) {
            fail("unexpected end");
            return std::nullopt;
        }
        const char c = m_s[m_pos];
        LooseValue v;
        if (c == '{' || c == '[') {
            const bool object = c == '{';
            v.type = object ? LooseValue::Type::Object : LooseValue::Type::Array;
            ++m_pos;
            skipSpace();
            const char close = object ? '}' : ']';
            if (m_pos < m_s.size() && m_s[m_pos] == close) {
                ++m_pos;
                return v;
            }
            while (true) {
                if (object) {
                    skipSpace();
                    std::optional<LooseValue> key = value(depth + 1);
                    if (!key || key->type != LooseValue::Type::String) {
                        fail("expected a key");
                        return std::nullopt;
                    }
                    skipSpace();
                    if (m_pos >= m_s.size() || m_s[m_pos] != ':') {
                        fail("expected ':'");
                        return std::nullopt;
                    }
                    ++m_pos;
                    v.keys.push_back(key->string);
                }
                std::optional<LooseValue> item = value(depth + 1);
                if (!item)
                    return std::nullopt;
                v.items.push_back(std::move(*item));
                skipSpace();
                if (m_pos < m_s.size() && m_s[m_pos] == ',') {
                    ++m_pos;
                    skipSpace();
                    if (m_pos < m_s.size() && m_s[m_pos] == close) { // trailing comma
                        ++m_pos;
                        return v;
                    }
                    continue;
                }
                if (m_pos < m_s.size() && m_s[m_pos] == close) {
                    ++m_pos;
                    return v;
                }
                fail(object ? "expected ',' or '}'" : "expected ',' or ']'");
                return std::nullopt;
            }
        }
        if (c == '"' || c == '\'') {
            v.type = LooseValue::Type::String;
            if (!string(c, v.string))
                return std::nullopt;
            return v;
        }
        if (word("true") || word("True")) {
            v.type = LooseValue::Type::Bool;
            v.boolean = true;
            return v;
        }
        if (word("false") || word("False")) {
            v.type = LooseValue::Type::Bool;
            return v;
        }
        if (word("null") || word("None")) {
            return v;
        }
        v.type = LooseValue::Type::Number;
        if (word("NaN") || word("nan")) {
            v.number = std::numeric_limits<double>::quiet_NaN();
            return v;
        }
        if (word("Infinity") || word("inf")) {
            v.number = std::numeric_limits<double>::infinity();
            return v;
        }
        if (word("-Infinity") || word("-inf")) {
            v.number = -std::numeric_limits<double>::infinity();
            return v;
        }
        const char* first = m_s.data() + m_pos;
        const char* last = m_s.data() + m_s.size();
        const auto [ptr, ec] = std::from_chars(first, last, v.number);
        if (ec != std::errc() || ptr == first) {
            fail("unexpected character");
            return std::nullopt;
        }
        m_pos += ptr - first;
        return v;
    }

    bool string(char quote, QString& out)
    {
        ++m_pos;
        QByteArray bytes;
        while (m_pos < m_s.size()) {
            const char c = m_s[m_pos++];
            if (c == quote) {
                out = QString::fromUtf8(bytes);
                return true;
            }
            if (c != '\\') {
                bytes.append(c);
                continue;
            }
            if (m_pos >= m_s.size())
                break;
            const char e = m_s[m_pos++];
            switch (e) {
            case 'n':
                bytes.append('\n');
                break;
            case 't':
                bytes.append('\t');
                break;
            case 'r':
                bytes.append('\r');
                break;
            case 'b':
                bytes.append('\b');
                break;
            case 'f':
                bytes.append('\f');
                break;
            case 'u': {
                if (m_pos + 4 > m_s.size())
                    return fail("short \\u escape");
                unsigned code = 0;
                const auto [ptr, ec] =
                    std::from_chars(m_s.data() + m_pos, m_s.data() + m_pos + 4, code, 16);
                if (ec != std::errc() || ptr != m_s.data() + m_pos + 4)
                    return fail("bad \\u escape");
                m_pos += 4;
                bytes.append(QString(QChar(static_cast<char16_t>(code))).toUtf8());
                break;
            }
            default:
                bytes.append(e); // \" \' \\ \/
                break;
            }
        }
        return fail("unterminated string");
    }

    QByteArrayView m_s;
    qsizetype m_pos = 0;
    QString m_error;
};

} // namespace

const LooseValue* LooseValue::member(QStringView key) const
{
    for (size_t i = 0; i < keys.size(); ++i) {
        if (keys[i] == key)
            return &items[i];
    }
    return nullptr;
}

std::optional<LooseValue> parseLooseJson(QByteArrayView text, QString* error)
{
    return Reader(text).document(error);
}

} // namespace gpudeck::monitor::detail
