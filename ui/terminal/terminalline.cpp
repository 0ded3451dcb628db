#include "terminalline.h"

#include <algorithm>

namespace gpudeck::terminal {

namespace {

void appendCodePoint(QString& out, char32_t ch)
{
    if (QChar::requiresSurrogates(ch)) {
        out += QChar(QChar::highSurrogate(ch));
        out += QChar(QChar::lowSurrogate(ch));
    } else {
        out += QChar(static_cast<char16_t>(ch));
    }
}

bool isBlank(const PackedCell& c)
{
    return c.ch == 0 && c.bg == TerminalPalette::kDefault && !(c.flags & TerminalLine::Reverse);
}

} // namespace

std::u32string_view TerminalLine::marks(int col) const
{
    if (col < 0 || col >= size() || m_cells[static_cast<size_t>(col)].marks == 0)
        return {};
    return m_marks[m_cells[static_cast<size_t>(col)].marks - 1u];
}

QString TerminalLine::cellText(int col) const
{
    QString out;
    if (col < 0 || col >= size())
        return out;
    const PackedCell& c = m_cells[static_cast<size_t>(col)];
    if (c.ch == 0 || c.ch == kWideTail)
        return out;
    appendCodePoint(out, c.ch);
    for (char32_t m : marks(col))
        appendCodePoint(out, m);
    return out;
}

TerminalCell TerminalLine::cell(int col, const TerminalPalette& palette) const
{
    TerminalCell out;
    PackedCell c;
    if (col >= 0 && col < size())
        c = m_cells[static_cast<size_t>(col)];
    out.text = cellText(col);
    out.width = isWideTail(col) ? 0 : isWide(col) ? 2 : 1;
    out.foreground = QColor::fromRgb(palette.resolveForeground(c.fg));
    out.background = QColor::fromRgb(palette.resolveBackground(c.bg));
    out.bold = c.flags & Bold;
    out.italic = c.flags & Italic;
    out.underline = c.flags & Underline;
    out.reverse = c.flags & Reverse;
    out.strike = c.flags & Strike;
    return out;
}

bool TerminalLine::isWide(int col) const
{
    return col >= 0 && col + 1 < size() && m_cells[static_cast<size_t>(col)].ch != kWideTail &&
           m_cells[static_cast<size_t>(col) + 1].ch == kWideTail;
}

bool TerminalLine::isWideTail(int col) const
{
    return col > 0 && col < size() && m_cells[static_cast<size_t>(col)].ch == kWideTail &&
           m_cells[static_cast<size_t>(col) - 1].ch != kWideTail;
}

bool TerminalLine::isEmpty() const
{
    for (const PackedCell& c : m_cells) {
        if (c.ch != 0)
            return false;
    }
    return true;
}

QString TerminalLine::text(int from, int to, std::vector<int>* columns) const
{
    QString out;
    if (columns)
        columns->clear();
    from = qMax(0, from);
    to = (to < 0 || to > size()) ? size() : to;
    // Drop trailing blanks first so the column map never points past the text.
    // A right half is as blank as its left half (a blank cell can have one: libvterm leaves
    // right halves behind when the left is erased or overwritten).
    const auto blankAt = [this](int col) {
        if (isWideTail(col))
            --col;
        const char32_t ch = m_cells[static_cast<size_t>(col)].ch;
        return ch == 0 || ch == U' ' || ch == kWideTail;
    };
    while (to > from && blankAt(to - 1))
        --to;
    out.reserve(to - from);
    for (int col = from; col < to; ++col) {
        const PackedCell& c = m_cells[static_cast<size_t>(col)];
        const bool orphan = c.ch == kWideTail && !isWideTail(col);
        if (c.ch == kWideTail && !orphan)
            continue;
        const qsizetype before = out.size();
        if (c.ch == 0 || orphan) {
            out += QLatin1Char(' ');
        } else {
            appendCodePoint(out, c.ch);
            for (char32_t m : marks(col))
                appendCodePoint(out, m);
        }
        if (columns)
            columns->insert(columns->end(), static_cast<size_t>(out.size() - before), col);
    }
    return out;
}

void TerminalLine::clear()
{
    // Keeps the capacity: scrollback slots are recycled line after line.
    m_cells.clear();
    m_marks.clear();
    m_wrapped = false;
}

void TerminalLine::resize(int cols, const PackedCell& fill)
{
    m_cells.resize(static_cast<size_t>(qMax(0, cols)), fill);
}

void TerminalLine::fill(int from, int to, const PackedCell& fill)
{
    from = qMax(0, from);
    to = qMin(to, size());
    if (from >= to)
        return;
    std::fill(m_cells.begin() + from, m_cells.begin() + to, fill);
    if (from == 0 && to == size()) {
        m_marks.clear();
        m_wrapped = false;
    }
}

void TerminalLine::setMarks(int col, std::u32string_view marks)
{
    if (col < 0 || col >= size())
        return;
    PackedCell& c = m_cells[static_cast<size_t>(col)];
    c.marks = 0;
    if (marks.empty())
        return;
    // Cells overwritten on a live row leave their entries behind; keep the table bounded.
    if (m_marks.size() >= 2 * m_cells.size() + 8)
        compactMarks();
    m_marks.emplace_back(marks);
    c.marks = static_cast<quint16>(m_marks.size());
}

void TerminalLine::compactMarks()
{
    // Cells moved within a row (insert/delete characters) may share an entry.
    std::vector<quint16> remap(m_marks.size(), 0);
    std::vector<std::u32string> kept;
    for (PackedCell& c : m_cells) {
        if (c.marks == 0)
            continue;
        quint16& to = remap[c.marks - 1u];
        if (to == 0) {
            kept.push_back(m_marks[c.marks - 1u]);
            to = static_cast<quint16>(kept.size());
        }
        c.marks = to;
    }
    m_marks = std::move(kept);
}

void TerminalLine::trimTrailingBlanks()
{
    size_t n = m_cells.size();
    while (n > 0 && isBlank(m_cells[n - 1]) && m_cells[n - 1].marks == 0)
        --n;
    m_cells.resize(n);
}

} // namespace gpudeck::terminal
