#include "terminalsurface.h"

#include "keymap.h"

#include <vterm.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <string_view>
#include <utility>

namespace gpudeck::terminal {

namespace {

// Sequences the surface acts on itself, around libvterm 0.1.4.
enum class Special { ClearSavedLines, RestoresCursor };
struct SpecialSequence {
    std::string_view bytes;
    Special what;
};
constexpr std::array<SpecialSequence, 5> kSpecials = {{
    // ED 3, "erase saved lines", what `clear` sends since ncurses 6: libvterm swallows it.
    {"\x1b[3J", Special::ClearSavedLines},
    // Cursor restores (DECRC, SCORC, leaving the alternate screen): libvterm puts back a
    // position saved on a larger screen without clamping it, and later writes go out of
    // bounds.
    {"\x1b"
     "8",
     Special::RestoresCursor},
    {"\x1b[u", Special::RestoresCursor},
    {"\x1b[?1049l", Special::RestoresCursor},
    {"\x1b[?1048l", Special::RestoresCursor},
}};

struct SpecialHit {
    qsizetype end = -1; // just past the sequence; -1: none found
    Special what = Special::ClearSavedLines;
};

SpecialHit findSpecial(QByteArrayView bytes, qsizetype from)
{
    // memchr for ESC, then a look at the next byte: colour-heavy output has many ESCs, but
    // nearly all are CSI m, and the plain text between them is skipped at memchr speed.
    const char* begin = bytes.data();
    const char* end = begin + bytes.size();
    const char* p = begin + from;
    while (p < end) {
        const void* esc = std::memchr(p, '\x1b', static_cast<size_t>(end - p));
        if (!esc)
            return {};
        p = static_cast<const char*>(esc);
        if (p + 1 < end && (p[1] == '8' || (p[1] == '[' && p + 2 < end &&
                                            (p[2] == '3' || p[2] == 'u' || p[2] == '?')))) {
            const std::string_view rest(p, static_cast<size_t>(end - p));
            for (const SpecialSequence& special : kSpecials) {
                if (rest.starts_with(special.bytes))
                    return {p - begin + static_cast<qsizetype>(special.bytes.size()), special.what};
            }
        }
        ++p;
    }
    return {};
}

int utf8Length(uchar lead)
{
    if ((lead & 0xe0) == 0xc0)
        return 2;
    if ((lead & 0xf0) == 0xe0)
        return 3;
    if ((lead & 0xf8) == 0xf0)
        return 4;
    return 1; // ASCII, or a byte that starts nothing: libvterm deals with it as it is
}

bool isContinuation(char c)
{
    return (static_cast<uchar>(c) & 0xc0) == 0x80;
}

// How many bytes at the end of `bytes` are the start of a UTF-8 sequence that is not complete.
qsizetype incompleteUtf8Tail(QByteArrayView bytes)
{
    for (qsizetype i = 1; i <= qMin<qsizetype>(3, bytes.size()); ++i) {
        const char c = bytes[bytes.size() - i];
        if (isContinuation(c))
            continue;
        return utf8Length(static_cast<uchar>(c)) > i ? i : 0;
    }
    return 0;
}

// The last ESC in [begin, end), or nullptr. (memrchr is glibc's only.)
const char* lastEscape(const char* begin, const char* end)
{
    for (const char* p = end; p != begin;) {
        if (*--p == '\x1b')
            return p;
    }
    return nullptr;
}

// An OSC (title) or DCS string opened by ESC ] or ESC P, ended by BEL or ST (ESC \); any other
// ESC aborts it.
bool opensString(const char* esc, const char* end)
{
    return esc + 1 < end && (esc[1] == ']' || esc[1] == 'P');
}

// How many bytes at the end of `bytes` must wait for the next feed: an OSC/DCS string not yet
// terminated, or an incomplete UTF-8 character. Only the last ESC matters: any ESC after a
// string's start ends that string.
qsizetype incompleteTail(QByteArrayView bytes)
{
    const char* begin = bytes.data();
    const char* end = begin + bytes.size();
    const char* last = lastEscape(begin, end);
    if (!last)
        return incompleteUtf8Tail(bytes);
    if (last + 1 == end) {
        // A trailing ESC may be the first half of the ST that ends a string begun earlier, or
        // the start of a string whose content comes next.
        const char* open = lastEscape(begin, last);
        if (open && opensString(open, end) &&
            !std::memchr(open, '\a', static_cast<size_t>(last - open)))
            return end - open;
        return 1;
    }
    if (opensString(last, end) && !std::memchr(last, '\a', static_cast<size_t>(end - last)))
        return end - last;
    return incompleteUtf8Tail(bytes);
}

quint32 packColor(const VTermColor& c)
{
    if (c.type & VTERM_COLOR_DEFAULT_MASK)
        return TerminalPalette::kDefault;
    if (VTERM_COLOR_IS_INDEXED(&c))
        return TerminalPalette::kIndexedTag | c.indexed.idx;
    return (quint32{c.rgb.red} << 16) | (quint32{c.rgb.green} << 8) | quint32{c.rgb.blue};
}

quint16 flagFor(VTermAttr attr)
{
    switch (attr) {
    case VTERM_ATTR_BOLD:
        return TerminalLine::Bold;
    case VTERM_ATTR_UNDERLINE:
        return TerminalLine::Underline;
    case VTERM_ATTR_ITALIC:
        return TerminalLine::Italic;
    case VTERM_ATTR_REVERSE:
        return TerminalLine::Reverse;
    case VTERM_ATTR_STRIKE:
        return TerminalLine::Strike;
    default:
        return 0;
    }
}

// The part of `r` inside a rows × cols screen.
VTermRect clip(VTermRect r, int rows, int cols)
{
    r.start_row = qMax(0, r.start_row);
    r.start_col = qMax(0, r.start_col);
    r.end_row = qMin(rows, r.end_row);
    r.end_col = qMin(cols, r.end_col);
    return r;
}

} // namespace

// libvterm's state callbacks: the screen layer, with access to the surface's private state.
struct SurfaceCallbacks {
    static TerminalSurface& self(void* user) { return *static_cast<TerminalSurface*>(user); }

    static int putGlyph(VTermGlyphInfo* info, VTermPos pos, void* user)
    {
        TerminalSurface& s = self(user);
        std::vector<TerminalLine>& grid = s.grid();
        if (pos.row < 0 || pos.row >= s.m_rows || pos.col < 0 || pos.col >= s.m_cols)
            return 0;
        TerminalLine& row = grid[static_cast<size_t>(pos.row)];
        PackedCell* cells = row.cells();
        PackedCell& c = cells[pos.col];
        c.ch = info->chars[0];
        c.fg = s.m_pen.fg;
        c.bg = s.m_pen.bg;
        c.flags = s.m_pen.flags | (info->protected_cell ? TerminalLine::Protected : 0);
        c.marks = 0;
        if (c.ch != 0 && info->chars[1] != 0) {
            // A base character and its combining marks; a cell keeps up to
            // VTERM_MAX_CHARS_PER_CELL in all, as libvterm's screen does.
            size_t n = 1;
            while (n < VTERM_MAX_CHARS_PER_CELL && info->chars[n] != 0)
                ++n;
            row.setMarks(pos.col, std::u32string_view(
                                      reinterpret_cast<const char32_t*>(info->chars + 1), n - 1));
        }
        // The right half keeps its own pen, as in libvterm; the painter uses the left half's.
        const int end = qMin(pos.col + info->width, s.m_cols);
        for (int col = pos.col + 1; col < end; ++col) {
            cells[col].ch = TerminalLine::kWideTail;
            cells[col].marks = 0;
        }
        s.addDamage(pos.col, pos.row, qMax(1, end - pos.col), 1);
        return 1;
    }

    static int moveCursor(VTermPos pos, VTermPos, int visible, void* user)
    {
        TerminalSurface& s = self(user);
        s.m_cursor.row = pos.row;
        s.m_cursor.col = pos.col;
        s.m_cursor.visible = visible != 0;
        s.m_cursorChanged = true;
        return 1;
    }

    static int scrollRect(VTermRect rect, int downward, int rightward, void* user)
    {
        TerminalSurface& s = self(user);
        rect = clip(rect, s.m_rows, s.m_cols);
        const int height = rect.end_row - rect.start_row;
        const int width = rect.end_col - rect.start_col;
        if (height <= 0 || width <= 0)
            return 1;
        s.addDamage(rect.start_col, rect.start_row, rect.end_col - rect.start_col,
                    rect.end_row - rect.start_row);
        if (qAbs(downward) >= height || qAbs(rightward) >= width) {
            // Everything scrolls out: an erase (and, as in libvterm, nothing for the scrollback).
            eraseRect(rect, 0, user);
            return 1;
        }
        if (rightward != 0 || rect.start_col != 0 || rect.end_col != s.m_cols) {
            vterm_scroll_rect(rect, downward, rightward, &moveRect, &eraseRect, user);
            return 1;
        }
        // Whole rows: rotate them. Rows leaving the top of the main screen go to the
        // scrollback, swapped with a recycled ring slot whose buffer becomes the new blank row.
        std::vector<TerminalLine>& grid = s.grid();
        const auto first = grid.begin() + rect.start_row;
        const auto last = grid.begin() + rect.end_row;
        const PackedCell blank = s.blank();
        if (downward > 0) {
            if (rect.start_row == 0 && !s.m_altScreen) {
                for (int r = 0; r < downward; ++r)
                    s.pushScrollback(grid[static_cast<size_t>(r)]);
            }
            std::rotate(first, first + downward, last);
            for (int r = rect.end_row - downward; r < rect.end_row; ++r)
                clearRow(grid[static_cast<size_t>(r)], s.m_cols, blank);
        } else {
            std::rotate(first, last + downward, last);
            for (int r = rect.start_row; r < rect.start_row - downward; ++r)
                clearRow(grid[static_cast<size_t>(r)], s.m_cols, blank);
        }
        return 1;
    }

    // For vterm_scroll_rect: libvterm calls it (dest, src) whatever its prototype says.
    static int moveRect(VTermRect dest, VTermRect src, void* user)
    {
        TerminalSurface& s = self(user);
        std::vector<TerminalLine>& grid = s.grid();
        const int rows = dest.end_row - dest.start_row;
        const int cols = dest.end_col - dest.start_col;
        const bool upward = dest.start_row <= src.start_row;
        for (int i = 0; i < rows; ++i) {
            const int k = upward ? i : rows - 1 - i;
            TerminalLine& to = grid[static_cast<size_t>(dest.start_row + k)];
            const TerminalLine& from = grid[static_cast<size_t>(src.start_row + k)];
            if (&to == &from) {
                // Within a row (insert/delete characters): the marks' table stays valid.
                std::memmove(to.cells() + dest.start_col, to.cells() + src.start_col,
                             static_cast<size_t>(cols) * sizeof(PackedCell));
                continue;
            }
            for (int c = 0; c < cols; ++c) {
                PackedCell& cell = to.cells()[dest.start_col + c];
                cell = from.at(src.start_col + c);
                if (cell.marks != 0)
                    to.setMarks(dest.start_col + c, from.marks(src.start_col + c));
            }
        }
        s.addDamage(dest.start_col, dest.start_row, dest.end_col - dest.start_col,
                    dest.end_row - dest.start_row);
        return 1;
    }

    static int eraseRect(VTermRect rect, int selective, void* user)
    {
        TerminalSurface& s = self(user);
        rect = clip(rect, s.m_rows, s.m_cols);
        std::vector<TerminalLine>& grid = s.grid();
        const PackedCell blank = s.blank();
        for (int r = rect.start_row; r < rect.end_row; ++r) {
            PackedCell* cells = grid[static_cast<size_t>(r)].cells();
            for (int c = rect.start_col; c < rect.end_col; ++c) {
                if (selective && (cells[c].flags & TerminalLine::Protected))
                    continue;
                cells[c] = blank;
            }
        }
        if (rect.end_row > rect.start_row && rect.end_col > rect.start_col)
            s.addDamage(rect.start_col, rect.start_row, rect.end_col - rect.start_col,
                        rect.end_row - rect.start_row);
        return 1;
    }

    static int initPen(void* user)
    {
        self(user).m_pen = PackedCell{};
        return 1;
    }

    static int setPenAttr(VTermAttr attr, VTermValue* val, void* user)
    {
        PackedCell& pen = self(user).m_pen;
        switch (attr) {
        case VTERM_ATTR_FOREGROUND:
            pen.fg = packColor(val->color);
            break;
        case VTERM_ATTR_BACKGROUND:
            pen.bg = packColor(val->color);
            break;
        case VTERM_ATTR_UNDERLINE:
            pen.flags = val->number ? (pen.flags | TerminalLine::Underline)
                                    : (pen.flags & ~TerminalLine::Underline);
            break;
        default:
            if (const quint16 flag = flagFor(attr))
                pen.flags = val->boolean ? (pen.flags | flag) : (pen.flags & ~flag);
            break;
        }
        return 1;
    }

    static int setTermProp(VTermProp prop, VTermValue* val, void* user)
    {
        TerminalSurface& s = self(user);
        switch (prop) {
        case VTERM_PROP_CURSORVISIBLE:
            s.m_cursor.visible = val->boolean != 0;
            s.m_cursorChanged = true;
            break;
        case VTERM_PROP_CURSORBLINK:
            s.m_cursor.blinking = val->boolean != 0;
            s.m_cursorChanged = true;
            break;
        case VTERM_PROP_CURSORSHAPE:
            s.m_cursor.shape =
                val->number == VTERM_PROP_CURSORSHAPE_UNDERLINE  ? CursorShape::Underline
                : val->number == VTERM_PROP_CURSORSHAPE_BAR_LEFT ? CursorShape::Bar
                                                                 : CursorShape::Block;
            s.m_cursorChanged = true;
            break;
        case VTERM_PROP_ALTSCREEN:
            // The state erases the alternate screen itself when a program enters it.
            if (s.m_altScreen != (val->boolean != 0)) {
                s.m_altScreen = val->boolean != 0;
                s.damageAll();
            }
            break;
        case VTERM_PROP_TITLE:
            // 0.1.4 hands over the whole OSC string, NUL-terminated (0.2 sends fragments).
            s.m_title = QString::fromUtf8(val->string ? val->string : "");
            s.m_titleChanged = true;
            break;
        case VTERM_PROP_REVERSE:
            s.m_reverseVideo = val->boolean != 0;
            s.damageAll();
            break;
        case VTERM_PROP_MOUSE:
            s.m_mouseMode =
                val->number == VTERM_PROP_MOUSE_CLICK  ? TerminalSurface::MouseMode::Click
                : val->number == VTERM_PROP_MOUSE_DRAG ? TerminalSurface::MouseMode::Drag
                : val->number == VTERM_PROP_MOUSE_MOVE ? TerminalSurface::MouseMode::Move
                                                       : TerminalSurface::MouseMode::None;
            break;
        default:
            break;
        }
        return 1;
    }

    static int bell(void* user)
    {
        self(user).m_bellRang = true;
        return 1;
    }

    // The grid changes size. As libvterm 0.1.4's screen: shrinking the main screen first drops
    // blank rows below the cursor, then pushes rows off the top into the scrollback; growing it
    // takes lines back from the scrollback. Unlike it, never pushes the cursor's own row off
    // (0.1.4 then leaves the cursor above the screen and corrupts memory on the next erase).
    static int resize(int rows, int cols, VTermPos* delta, void* user)
    {
        TerminalSurface& s = self(user);
        const int oldRows = static_cast<int>(s.m_primary.size());
        VTermPos cursor;
        vterm_state_get_cursorpos(s.m_state, &cursor);
        cursor.row = qBound(0, cursor.row, qMax(0, oldRows - 1));
        const PackedCell blank = s.blank();
        std::vector<TerminalLine>& primary = s.m_primary;

        if (!s.m_altScreen && rows < oldRows) {
            int used = oldRows;
            while (used > rows && used - 1 > cursor.row &&
                   primary[static_cast<size_t>(used) - 1].isEmpty())
                --used;
            const int pushed = qMin(used - rows, cursor.row);
            if (pushed > 0) {
                for (int r = 0; r < pushed; ++r)
                    s.pushScrollback(primary[static_cast<size_t>(r)]);
                primary.erase(primary.begin(), primary.begin() + pushed);
                delta->row -= pushed;
            }
        }
        for (std::vector<TerminalLine>* grid : {&s.m_primary, &s.m_alt}) {
            grid->resize(static_cast<size_t>(rows));
            for (TerminalLine& row : *grid)
                row.resize(cols, blank);
        }
        if (!s.m_altScreen && rows > oldRows) {
            // Bring back as many lines as rows were added, while the bottom rows are empty.
            for (int room = rows - oldRows;
                 room > 0 && s.m_scrollback.size() > 0 && primary.back().isEmpty(); --room) {
                TerminalLine line = s.m_scrollback.takeNewest();
                line.resize(cols, PackedCell{});
                primary.pop_back();
                primary.insert(primary.begin(), std::move(line));
                ++delta->row;
            }
        }
        s.m_rows = rows;
        s.m_cols = cols;
        s.damageAll();
        return 1;
    }

    static int setLineInfo(int, const VTermLineInfo*, const VTermLineInfo*, void*)
    {
        return 1; // double-width and double-height lines are drawn single
    }

    static void output(const char* bytes, size_t len, void* user)
    {
        self(user).m_pendingOutput.append(bytes, static_cast<qsizetype>(len));
    }

    static void clearRow(TerminalLine& row, int cols, const PackedCell& blank)
    {
        if (row.size() != cols) {
            row.clear();
            row.resize(cols, blank);
            return;
        }
        row.fill(0, cols, blank);
    }

    static constexpr VTermStateCallbacks state = {
        &SurfaceCallbacks::putGlyph,   &SurfaceCallbacks::moveCursor,
        &SurfaceCallbacks::scrollRect, &SurfaceCallbacks::moveRect,
        &SurfaceCallbacks::eraseRect,  &SurfaceCallbacks::initPen,
        &SurfaceCallbacks::setPenAttr, &SurfaceCallbacks::setTermProp,
        &SurfaceCallbacks::bell,       &SurfaceCallbacks::resize,
        &SurfaceCallbacks::setLineInfo};
};

TerminalSurface::TerminalSurface(int cols, int rows, QObject* parent)
    : QObject(parent)
    , m_cols(qMax(kMinCols, cols))
    , m_rows(qMax(1, rows))
{
    for (std::vector<TerminalLine>* grid : {&m_primary, &m_alt}) {
        grid->resize(static_cast<size_t>(m_rows));
        for (TerminalLine& row : *grid)
            row.resize(m_cols, PackedCell{});
    }
    m_vt = vterm_new(m_rows, m_cols);
    vterm_set_utf8(m_vt, 1);
    vterm_output_set_callback(m_vt, &SurfaceCallbacks::output, this);
    m_state = vterm_obtain_state(m_vt);
    vterm_state_set_callbacks(m_state, &SurfaceCallbacks::state, this);
    vterm_state_reset(m_state, 1);
    // Nobody is connected yet: what the reset reported is the initial state, not news.
    m_damage = {};
    m_cursorChanged = false;
    m_pendingOutput.clear();
}

PackedCell TerminalSurface::blank() const
{
    // As libvterm 0.1.4's screen: an erased cell takes the whole pen, reverse and underline
    // included, not only its colours.
    PackedCell c = m_pen;
    c.ch = 0;
    c.marks = 0;
    return c;
}

void TerminalSurface::addDamage(int col, int row, int width, int height)
{
    if (width <= 0 || height <= 0)
        return;
    const int right = col + width - 1;
    const int bottom = row + height - 1;
    if (m_damage.right < m_damage.left) {
        m_damage = {col, row, right, bottom};
        return;
    }
    m_damage.left = qMin(m_damage.left, col);
    m_damage.top = qMin(m_damage.top, row);
    m_damage.right = qMax(m_damage.right, right);
    m_damage.bottom = qMax(m_damage.bottom, bottom);
}

void TerminalSurface::damageAll()
{
    m_damage = {0, 0, m_cols - 1, m_rows - 1};
}

void TerminalSurface::pushScrollback(TerminalLine& row)
{
    // The ring's recycled slot and the screen's row trade buffers: no cell is copied.
    TerminalLine& slot = m_scrollback.push();
    std::swap(slot, row);
    slot.trimTrailingBlanks();
}

TerminalSurface::~TerminalSurface()
{
    vterm_free(m_vt);
}

qsizetype TerminalSurface::completesCarry(QByteArrayView bytes) const
{
    if (bytes.isEmpty())
        return -1;
    if (m_carry.startsWith('\x1b')) {
        qsizetype from = 0;
        if (m_carry.size() == 1) {
            // A lone ESC: it goes with what follows only if that opens a string.
            if (bytes[0] != ']' && bytes[0] != 'P')
                return 0;
            from = 1;
        } else if (m_carry.endsWith('\x1b')) {
            // The string's ST split in two: ESC now, backslash next.
            return bytes[0] == '\\' ? 1 : 0;
        }
        for (qsizetype i = from; i < bytes.size(); ++i) {
            if (bytes[i] == '\a')
                return i + 1;
            if (bytes[i] == '\x1b') {
                if (i + 1 == bytes.size())
                    return -1;
                return bytes[i + 1] == '\\' ? i + 2 : i;
            }
        }
        return -1;
    }
    const qsizetype missing = utf8Length(static_cast<uchar>(m_carry.front())) - m_carry.size();
    qsizetype n = 0;
    while (n < missing && n < bytes.size() && isContinuation(bytes[n]))
        ++n;
    // Complete, or broken by a byte that cannot continue it: either way it goes now.
    return n == missing || n < bytes.size() ? n : -1;
}

void TerminalSurface::feed(QByteArrayView bytes)
{
    // libvterm 0.1.4 loses what is split across two writes in two places: a UTF-8 character
    // (it becomes U+FFFD) and an OSC/DCS string (a title set across two SSH packets never
    // arrives). Such a tail is held back and written whole once the rest has come.
    if (!m_carry.isEmpty()) {
        const qsizetype n = completesCarry(bytes);
        if (n < 0 && m_carry.size() + bytes.size() <= kMaxCarry) {
            m_carry += bytes;
            return;
        }
        // Complete, or never terminated and too long to hold: libvterm gets it as it is.
        const qsizetype take = n < 0 ? bytes.size() : n;
        m_carry += bytes.first(take);
        bytes = bytes.sliced(take);
        write(std::exchange(m_carry, {}));
    }
    const qsizetype tail = incompleteTail(bytes);
    if (tail > 0 && tail <= kMaxCarry) {
        m_carry = bytes.last(tail).toByteArray();
        bytes.chop(tail);
    }
    write(bytes);
    syncCursor();
    flush();
}

void TerminalSurface::syncCursor()
{
    // The state is the truth: libvterm 0.1.4 reports a restored cursor (leaving the alternate
    // screen) through movecursor before clamping it to a screen that shrank meanwhile.
    VTermPos pos;
    vterm_state_get_cursorpos(m_state, &pos);
    if (pos.row != m_cursor.row || pos.col != m_cursor.col) {
        m_cursor.row = pos.row;
        m_cursor.col = pos.col;
        m_cursorChanged = true;
    }
}

void TerminalSurface::write(QByteArrayView bytes)
{
    qsizetype pos = 0;
    while (pos < bytes.size()) {
        const SpecialHit hit = findSpecial(bytes, pos);
        const qsizetype end = hit.end < 0 ? bytes.size() : hit.end;
        vterm_input_write(m_vt, bytes.data() + pos, static_cast<size_t>(end - pos));
        if (hit.end >= 0 && hit.what == Special::ClearSavedLines) {
            m_scrollback.clear();
            m_scrollbackWasCleared = true;
        }
        if (hit.end >= 0 && hit.what == Special::RestoresCursor)
            clampCursor();
        pos = end;
    }
}

void TerminalSurface::clampCursor()
{
    VTermPos pos;
    vterm_state_get_cursorpos(m_state, &pos);
    if (pos.row >= 0 && pos.row < m_rows && pos.col >= 0 && pos.col < m_cols)
        return;
    // CUP to the nearest cell on the screen.
    const QByteArray cup = "\x1b[" + QByteArray::number(qBound(0, pos.row, m_rows - 1) + 1) + ';' +
                           QByteArray::number(qBound(0, pos.col, m_cols - 1) + 1) + 'H';
    vterm_input_write(m_vt, cup.constData(), static_cast<size_t>(cup.size()));
}

void TerminalSurface::flush()
{
    // Take everything first: a slot may feed or type again while we emit.
    const QRect damage =
        m_damage.right < m_damage.left
            ? QRect()
            : QRect(QPoint(m_damage.left, m_damage.top), QPoint(m_damage.right, m_damage.bottom));
    m_damage = {};
    const bool cursorChanged = std::exchange(m_cursorChanged, false);
    const bool titleChanged = std::exchange(m_titleChanged, false);
    const bool bellRang = std::exchange(m_bellRang, false);
    const bool cleared = std::exchange(m_scrollbackWasCleared, false);
    const bool altChanged = m_altScreen != m_altScreenEmitted;
    m_altScreenEmitted = m_altScreen;
    const bool mouseChanged = m_mouseMode != m_mouseModeEmitted;
    m_mouseModeEmitted = m_mouseMode;
    const QByteArray out = std::exchange(m_pendingOutput, {});

    if (!out.isEmpty())
        emit output(out);
    if (cleared)
        emit scrollbackCleared();
    if (altChanged)
        emit altScreenChanged(m_altScreenEmitted);
    if (damage.isValid())
        emit damaged(damage & QRect(0, 0, m_cols, m_rows));
    if (cursorChanged)
        emit cursorMoved();
    if (titleChanged)
        emit this->titleChanged(m_title);
    if (mouseChanged)
        emit mouseModeChanged(m_mouseModeEmitted);
    if (bellRang)
        emit bell();
}

void TerminalSurface::resize(int cols, int rows)
{
    cols = qMax(kMinCols, cols);
    rows = qMax(1, rows);
    if (cols == m_cols && rows == m_rows)
        return;
    // The grid follows in the resize callback, with m_cols and m_rows.
    vterm_set_size(m_vt, rows, cols);
    clampCursor();
    syncCursor();
    m_cursorChanged = true;
    damageAll();
    emit resized(m_cols, m_rows);
    flush();
}

TerminalCell TerminalSurface::cell(int row, int col) const
{
    const TerminalLine& line = grid()[static_cast<size_t>(qBound(0, row, m_rows - 1))];
    return line.cell(qBound(0, col, m_cols - 1), m_palette);
}

QString TerminalSurface::lineText(int row) const
{
    if (row < 0 || row >= m_rows)
        return {};
    return text(m_scrollback.size() + row);
}

TerminalLine TerminalSurface::scrollbackLine(int i) const
{
    if (i < 0 || i >= m_scrollback.size())
        return {};
    return m_scrollback.line(i);
}

void TerminalSurface::setScrollbackLimit(int lines)
{
    m_scrollback.setLimit(lines);
}

void TerminalSurface::readLine(int line, TerminalLine& out) const
{
    if (line >= 0 && line < m_scrollback.size()) {
        out = m_scrollback.line(line);
        return;
    }
    const int row = line - m_scrollback.size();
    if (row < 0 || row >= m_rows) {
        out.clear();
        return;
    }
    out = grid()[static_cast<size_t>(row)];
    out.trimTrailingBlanks();
}

QString TerminalSurface::text(int line) const
{
    TerminalLine l;
    readLine(line, l);
    return l.text();
}

QList<TerminalMatch> TerminalSurface::find(const QString& needle, Qt::CaseSensitivity cs) const
{
    QList<TerminalMatch> matches;
    if (needle.isEmpty())
        return matches;
    TerminalLine line;
    std::vector<int> columns;
    const int total = totalLines();
    for (int i = 0; i < total; ++i) {
        readLine(i, line);
        const QString t = line.text(0, -1, &columns);
        for (qsizetype at = t.indexOf(needle, 0, cs); at >= 0;
             at = t.indexOf(needle, at + needle.size(), cs)) {
            const int first = columns[static_cast<size_t>(at)];
            const int last = columns[static_cast<size_t>(at + needle.size() - 1)];
            const int lastWidth = line.isWide(last) ? 2 : 1;
            matches.append({i, first, last + lastWidth - first});
        }
    }
    return matches;
}

void TerminalSurface::setPalette(const TerminalPalette& palette)
{
    m_palette = palette;
    damageAll();
    flush();
}

bool TerminalSurface::sendKey(int key, Qt::KeyboardModifiers modifiers, const QString& text)
{
    VTermModifier mod = keymap::modifiers(modifiers);
    if (const VTermKey k = keymap::key(key, modifiers); k != VTERM_KEY_NONE) {
        if (key == Qt::Key_Backtab)
            mod = static_cast<VTermModifier>(mod | VTERM_MOD_SHIFT);
        vterm_keyboard_key(m_vt, k, mod);
        flush();
        return true;
    }
    if (modifiers & Qt::ControlModifier) {
        // Ours rather than vterm_keyboard_unichar's: libvterm answers Ctrl+[ / I / J / M with
        // CSI-u sequences that a remote shell does not understand.
        if (const std::optional<char> c = keymap::controlByte(key)) {
            if (modifiers & Qt::AltModifier)
                m_pendingOutput += '\x1b';
            m_pendingOutput += *c;
            flush();
            return true;
        }
    }
    if (text.isEmpty())
        return false;
    // Alt is meta (ESC prefix). Ctrl+Alt with text is AltGr on Windows: the text is the character.
    const bool meta = (modifiers & Qt::AltModifier) && !(modifiers & Qt::ControlModifier);
    for (const char32_t c : text.toUcs4()) {
        if (c < 0x20 || c == 0x7f) {
            if (meta)
                m_pendingOutput += '\x1b';
            m_pendingOutput += static_cast<char>(c);
        } else {
            vterm_keyboard_unichar(m_vt, c, meta ? VTERM_MOD_ALT : VTERM_MOD_NONE);
        }
    }
    flush();
    return true;
}

void TerminalSurface::sendText(const QString& text)
{
    if (text.isEmpty())
        return;
    m_pendingOutput += text.toUtf8();
    flush();
}

void TerminalSurface::paste(const QString& text)
{
    if (text.isEmpty())
        return;
    QByteArray body = text.toUtf8();
    body.replace("\r\n", "\r");
    body.replace('\n', '\r');
    const qsizetype before = m_pendingOutput.size();
    vterm_keyboard_start_paste(m_vt);
    // libvterm writes the opening bracket only when the program enabled bracketed paste.
    if (m_pendingOutput.size() > before)
        body.replace("\x1b[201~", "");
    m_pendingOutput += body;
    vterm_keyboard_end_paste(m_vt);
    flush();
}

void TerminalSurface::sendMouse(MouseAction action, int row, int col, Qt::MouseButton button,
                                Qt::KeyboardModifiers modifiers)
{
    // libvterm 0.1.4 reports buttons even when no program asked for them.
    if (m_mouseMode == MouseMode::None)
        return;
    const VTermModifier mod = keymap::modifiers(modifiers);
    vterm_mouse_move(m_vt, qBound(0, row, m_rows - 1), qBound(0, col, m_cols - 1), mod);
    const int b = button == Qt::LeftButton     ? 1
                  : button == Qt::MiddleButton ? 2
                  : button == Qt::RightButton  ? 3
                                               : 0;
    switch (action) {
    case MouseAction::Press:
    case MouseAction::Release:
        if (b != 0)
            vterm_mouse_button(m_vt, b, action == MouseAction::Press, mod);
        break;
    case MouseAction::WheelUp:
        vterm_mouse_button(m_vt, 4, true, mod);
        break;
    case MouseAction::WheelDown:
        vterm_mouse_button(m_vt, 5, true, mod);
        break;
    case MouseAction::Move:
        break;
    }
    flush();
}

void TerminalSurface::clearScrollback()
{
    m_scrollback.clear();
    m_scrollbackWasCleared = true;
    flush();
}

void TerminalSurface::setFocused(bool focused)
{
    if (focused)
        vterm_state_focus_in(m_state);
    else
        vterm_state_focus_out(m_state);
    flush();
}

} // namespace gpudeck::terminal
