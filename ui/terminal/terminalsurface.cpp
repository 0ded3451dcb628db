#include "terminalsurface.h"

#include "controlsequence.h"
#include "keymap.h"

#include <QColor>

#include <vterm.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <string_view>
#include <utility>

namespace gpudeck::terminal {

namespace {

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

// VT420 level with the features the surface has: selective erase (6), colour (22) and
// rectangular area operations (28).
constexpr const char* kPrimaryDA = "\x1b[?64;6;22;28c";

bool isFinalByte(char c)
{
    return c >= 0x40 && c <= 0x7e;
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
    if (last[1] == '[' && !std::any_of(last + 2, end, isFinalByte))
        return end - last; // a CSI without its final byte: the surface may need to see it whole
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
        // The start of the row below the last character, with no cursor movement since and
        // libvterm's cursor in the pending-wrap position (or a wide character that did not fit
        // in the last column): autowrap carried the text over, and the row above is
        // soft-wrapped. A line feed that scrolled in between leaves a row between the two.
        if (pos.col == 0 && s.m_glyphRow >= 0 && pos.row == s.m_glyphRow + 1 &&
            (s.m_phantom || s.m_glyphNext + info->width > s.m_cols))
            grid[static_cast<size_t>(s.m_glyphRow)].setWrapped(true);
        s.m_glyphRow = pos.row;
        s.m_glyphCol = pos.col;
        s.m_glyphNext = pos.col + info->width;
        // libvterm's rule (0.1.4 wraps at the screen's edge, whatever the margins).
        s.m_phantom = s.m_shadow.autowrap && s.m_glyphNext >= s.m_cols;
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
        s.m_lastGlyphWidth = info->width;
        return 1;
    }

    static int moveCursor(VTermPos pos, VTermPos, int visible, void* user)
    {
        TerminalSurface& s = self(user);
        // libvterm cancels a pending wrap whenever the cursor moves; after text it reports the
        // cursor where the last character left it.
        if (pos.row != s.m_glyphRow || pos.col != (s.m_phantom ? s.m_glyphCol : s.m_glyphNext)) {
            s.m_glyphRow = -1;
            s.m_phantom = false;
        }
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
        const bool wholeRows = rightward == 0 && rect.start_col == 0 && rect.end_col == s.m_cols;
        if (s.m_glyphRow >= rect.start_row && s.m_glyphRow < rect.end_row) {
            // The line last written to moves with its row (it is followed for soft wraps), or
            // is lost when only part of it moves.
            s.m_glyphRow = wholeRows ? s.m_glyphRow - downward : -1;
            if (s.m_glyphRow < rect.start_row || s.m_glyphRow >= rect.end_row)
                s.m_glyphRow = -1;
        }
        if (qAbs(downward) >= height || qAbs(rightward) >= width) {
            // Everything scrolls out: an erase (and, as in libvterm, nothing for the scrollback).
            eraseRect(rect, 0, user);
            return 1;
        }
        if (!wholeRows) {
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
            // As in xterm, a line whose end is erased (EL, ED, ECH or DCH to the right edge)
            // no longer goes on in the next one.
            if (!selective && rect.end_col == s.m_cols)
                grid[static_cast<size_t>(r)].setWrapped(false);
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
                s.m_glyphRow = -1; // a row of the other screen
                s.damageAll();
            }
            break;
        case VTERM_PROP_ICONNAME:
            s.m_iconName = QString::fromUtf8(val->string ? val->string : "");
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
            for (TerminalLine& row : *grid) {
                row.resize(cols, blank);
                // Without reflow a wrapped row is cut short or padded with blanks: its text
                // no longer goes on in the next row. (The scrollback keeps whole lines.)
                if (cols != s.m_cols)
                    row.setWrapped(false);
            }
        }
        s.m_glyphRow = -1;
        // libvterm leaves the pending-wrap position when the row has grown past it.
        if (s.m_phantom && cursor.col < cols - 1)
            s.m_phantom = false;
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
        // libvterm keeps margins that still fit; the mirror follows.
        TerminalSurface::Shadow& m = s.m_shadow;
        if (m.bottom > rows || m.bottom == oldRows)
            m.bottom = rows;
        m.top = qMin(m.top, m.bottom - 1);
        if (m.right > cols || !m.leftRight)
            m.right = cols;
        m.left = qMin(m.left, m.right - 1);
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
    resetShadow();
    m_specialColors.fill(m_palette.foreground());
    for (size_t i = 0; i < m_dynamicColors.size(); ++i)
        m_dynamicColors[i] = i % 2 == 0 ? m_palette.foreground() : m_palette.background();
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
    // A soft-wrapped line keeps its full width: a space where it wrapped is part of its text.
    if (!slot.wrapped())
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
        const bool csi = m_carry.size() == 1 ? bytes[0] == '[' : m_carry[1] == '[';
        if (csi) {
            for (qsizetype i = m_carry.size() == 1 ? 1 : 0; i < bytes.size(); ++i) {
                if (isFinalByte(bytes[i]))
                    return i + 1;
            }
            return -1;
        }
        if (m_carry.size() == 1) {
            // A lone ESC: it goes with what follows only if that opens a string or a CSI.
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

void TerminalSurface::toVterm(QByteArrayView bytes, bool ownSequenceFollows)
{
    // libvterm 0.1.4 must never get a write that ends in ESC: when it is inside a string (OSC,
    // DCS) and the next write starts with the "\" of that ESC \, it takes the string's length
    // as -1 and copies from before the start of the write (a heap over-read that fuzz_terminal
    // found). A trailing ESC alone does nothing yet, so it is held and sent with the bytes that
    // follow it; when the surface's own sequence follows it at once, that sequence's ESC
    // abandons the held one, as ECMA-48 has it, and the held one is dropped.
    QByteArray joined;
    if (m_heldEsc) {
        if (bytes.isEmpty()) {
            if (ownSequenceFollows)
                m_heldEsc = false;
            return;
        }
        m_heldEsc = false;
        joined.reserve(bytes.size() + 1);
        joined.append('\x1b');
        joined.append(bytes.data(), bytes.size());
        bytes = joined;
    }
    if (!bytes.isEmpty() && bytes.back() == '\x1b') {
        m_heldEsc = !ownSequenceFollows;
        bytes.chop(1);
    }
    if (bytes.isEmpty())
        return;
    // libvterm 0.1.4 can strncpy past the end of a write (a string length it computes wrongly
    // for some broken OSC/DCS sequences; found by fuzz_terminal under AddressSanitizer). A
    // strncpy stops at a NUL, so libvterm always gets a copy with one after it: it then never
    // reads beyond what it was given. The copy costs far less than libvterm's own parsing.
    m_vtermBuffer.resize(bytes.size()); // keeps its capacity: no allocation per write
    std::memcpy(m_vtermBuffer.data(), bytes.data(), static_cast<size_t>(bytes.size()));
    vterm_input_write(m_vt, m_vtermBuffer.constData(), static_cast<size_t>(m_vtermBuffer.size()));
    if (m_vtermTap)
        m_vtermTap(bytes);
}

void TerminalSurface::setVtermTap(std::function<void(QByteArrayView)> tap)
{
    m_vtermTap = std::move(tap);
}

void TerminalSurface::write(QByteArrayView bytes)
{
    // Bytes go to libvterm in runs; a run ends only at a sequence the surface handles itself
    // (wantsCsi, wantsOsc), so that libvterm's state is current when it is handled and replies
    // leave in order. Everything else, SGR above all, is skipped at memchr speed.
    const char* begin = bytes.data();
    const qsizetype n = bytes.size();
    qsizetype run = 0;
    qsizetype pos = 0;
    while (pos < n) {
        const char* found = nullptr;
        if (m_shadow.leftRight || m_shadow.reverseWrap) {
            // Backspace and carriage return respect the left margin, and backspace may wrap
            // back: libvterm 0.1.4 does neither. Only programs that set these modes pay for
            // looking at every byte.
            for (const char* p = begin + pos; p != begin + n; ++p) {
                if (*p == '\x1b' || *p == '\b' || *p == '\r' ||
                    (m_shadow.leftRight && (*p == '\n' || *p == '\v' || *p == '\f'))) {
                    found = p;
                    break;
                }
            }
        } else {
            found = static_cast<const char*>(
                std::memchr(begin + pos, '\x1b', static_cast<size_t>(n - pos)));
        }
        if (!found)
            break;
        const qsizetype at = found - begin;
        pos = at + 1;
        if (*found != '\x1b') {
            toVterm(bytes.sliced(run, at - run), true);
            run = pos;
            if (*found == '\b')
                backspace();
            else if (*found == '\r')
                carriageReturn();
            else
                lineFeed(*found, found);
            continue;
        }
        if (pos >= n)
            break;
        const char kind = begin[pos];
        if (kind == '[') {
            ControlSequence csi;
            if (!ControlSequence::parse(bytes.sliced(at), csi))
                continue;
            pos = at + csi.length;
            if (!wantsCsi(csi))
                continue;
            toVterm(bytes.sliced(run, at - run), true);
            run = pos;
            handleCsi(csi, bytes.sliced(at, csi.length));
        } else if (kind == ']') {
            qsizetype bodyEnd = 0;
            const qsizetype end = stringEnd(bytes, at + 2, bodyEnd);
            if (end < 0)
                continue;
            pos = end;
            const QByteArrayView body = bytes.sliced(at + 2, bodyEnd - at - 2);
            if (!wantsOsc(body))
                continue;
            toVterm(bytes.sliced(run, at - run), true);
            run = pos;
            handleOsc(body);
        } else if (kind == 'P') {
            qsizetype bodyEnd = 0;
            const qsizetype end = stringEnd(bytes, at + 2, bodyEnd);
            if (end < 0)
                continue;
            pos = end;
            const QByteArrayView body = bytes.sliced(at + 2, bodyEnd - at - 2);
            if (!body.startsWith("$q"))
                continue;
            // DECRQSS: libvterm 0.1.4 does not answer it.
            toVterm(bytes.sliced(run, at - run), true);
            run = pos;
            requestSetting(body.sliced(2));
        } else if (kind == 'Z') {
            // DECID, the VT52-era DA: libvterm 0.1.4 ignores it.
            toVterm(bytes.sliced(run, at - run), true);
            run = ++pos;
            m_pendingOutput += kPrimaryDA;
        } else if (kind == '=' || kind == '>') {
            m_shadow.keypad = kind == '='; // DECKPAM / DECKPNM, for DECRQM 66
        } else if (m_shadow.leftRight && (kind == 'D' || kind == 'E' || kind == 'M')) {
            toVterm(bytes.sliced(run, at - run), true);
            run = ++pos;
            lineFeed(kind, found);
        } else if (kind == '6' || kind == '9') {
            // DECBI / DECFI: libvterm 0.1.4 does neither.
            toVterm(bytes.sliced(run, at - run), true);
            run = ++pos;
            indexColumn(kind == '9');
        } else if (kind == '7' || kind == '8') {
            // DECSC/DECRC are the surface's: see saveCursor().
            toVterm(bytes.sliced(run, at - run), true);
            run = ++pos;
            if (kind == '7')
                saveCursor();
            else
                restoreCursor();
        } else if (kind == '#' && pos + 1 < n && begin[pos + 1] == '8') {
            // DECALN fills the screen with E (libvterm), resets the margins and homes the
            // cursor (libvterm 0.1.4 does neither).
            pos += 2;
            toVterm(bytes.sliced(run, pos - run));
            run = pos;
            toVterm(m_shadow.leftRight ? "\x1b[r\x1b[s" : "\x1b[r");
            // DECALN writes every cell without moving the cursor: no row was wrapped.
            for (TerminalLine& row : grid())
                row.setWrapped(false);
            m_shadow.top = m_shadow.left = 0;
            m_shadow.bottom = m_rows;
            m_shadow.right = m_cols;
            moveTo(m_shadow.origin ? 0 : 0, 0);
        } else if (kind == 'c') {
            // RIS: our mirrors and colours reset too.
            ++pos;
            toVterm(bytes.sliced(run, pos - run));
            run = pos;
            {
                resetShadow();
                m_phantom = false;
                m_glyphRow = -1;
                m_palette = m_userPalette;
                m_titleStack.clear();
                m_saved = {};
                m_decModes.clear();
                m_savedModes.clear();
                damageAll();
            }
        }
    }
    toVterm(bytes.sliced(run));
}

bool TerminalSurface::wantsOsc(QByteArrayView body)
{
    // Colour changes, queries and resets: OSC 4, 5, 10–19, 104, 105, 110–119.
    qsizetype i = 0;
    int number = 0;
    while (i < body.size() && i < 4 && body[i] >= '0' && body[i] <= '9')
        number = number * 10 + (body[i++] - '0');
    if (i == 0 || (i < body.size() && body[i] != ';'))
        return false;
    return number == 4 || number == 5 || (number >= 10 && number <= 19) || number == 104 ||
           number == 105 || (number >= 110 && number <= 119);
}

namespace {

// X11's colour specifications as xterm takes them: rgb:R/G/B with 1–4 hex digits each
// (scaled), #RGB with 1–4 digits per channel (the high bits), or a colour name.
std::optional<QRgb> parseColorSpec(QByteArrayView spec)
{
    const auto hex = [](QByteArrayView digits, bool scale) -> std::optional<int> {
        if (digits.isEmpty() || digits.size() > 4)
            return std::nullopt;
        bool ok = false;
        const int v = QByteArray(digits.data(), digits.size()).toInt(&ok, 16);
        if (!ok)
            return std::nullopt;
        const int bits = 4 * static_cast<int>(digits.size());
        if (scale) // rgb:f is full intensity
            return v * 255 / ((1 << bits) - 1);
        return bits >= 8 ? v >> (bits - 8) : v << (8 - bits); // #f is 0xf0
    };
    if (spec.startsWith("rgb:")) {
        const QList<QByteArray> parts = QByteArray(spec.data(), spec.size()).mid(4).split('/');
        if (parts.size() != 3)
            return std::nullopt;
        const auto r = hex(parts[0], true);
        const auto g = hex(parts[1], true);
        const auto b = hex(parts[2], true);
        if (!r || !g || !b)
            return std::nullopt;
        return qRgb(*r, *g, *b);
    }
    if (spec.startsWith('#')) {
        const QByteArrayView digits = spec.sliced(1);
        if (digits.isEmpty() || digits.size() % 3 != 0 || digits.size() > 12)
            return std::nullopt;
        const qsizetype n = digits.size() / 3;
        const auto r = hex(digits.sliced(0, n), false);
        const auto g = hex(digits.sliced(n, n), false);
        const auto b = hex(digits.sliced(2 * n, n), false);
        if (!r || !g || !b)
            return std::nullopt;
        return qRgb(*r, *g, *b);
    }
    const QColor named = QColor::fromString(QLatin1StringView(spec.data(), spec.size()));
    if (!named.isValid())
        return std::nullopt;
    return named.rgb();
}

QByteArray colorSpec(QRgb rgb)
{
    // 16 bits per channel, as xterm reports: 0xf0 is f0f0.
    const auto channel = [](int v) {
        return QByteArray::number(v * 0x101, 16).rightJustified(4, '0');
    };
    return "rgb:" + channel(qRed(rgb)) + '/' + channel(qGreen(rgb)) + '/' + channel(qBlue(rgb));
}

} // namespace

void TerminalSurface::handleOsc(QByteArrayView body)
{
    const qsizetype semicolon = body.indexOf(';');
    const int number = QByteArray(body.data(), semicolon < 0 ? body.size() : semicolon).toInt();
    QList<QByteArray> params;
    if (semicolon >= 0)
        params = QByteArray(body.data() + semicolon + 1, body.size() - semicolon - 1).split(';');
    bool repaint = false;

    // The special colours (bold, underline, blink, reverse, italic) are OSC 5;n and OSC 4;256+n.
    const auto get = [this](int index) -> std::optional<QRgb> {
        if (index >= 0 && index < 256)
            return m_palette.color(index);
        if (index >= 256 && index < 256 + static_cast<int>(m_specialColors.size()))
            return m_specialColors[static_cast<size_t>(index - 256)];
        return std::nullopt;
    };
    const auto set = [this, &repaint](int index, QRgb rgb) {
        if (index >= 0 && index < 256) {
            m_palette.setColor(index, rgb);
            repaint = true;
        } else if (index >= 256 && index < 256 + static_cast<int>(m_specialColors.size())) {
            m_specialColors[static_cast<size_t>(index - 256)] = rgb;
        }
    };
    const auto dynamic = [this](int which) -> QRgb {
        if (which == 10)
            return m_palette.foreground();
        if (which == 11)
            return m_palette.background();
        return m_dynamicColors[static_cast<size_t>(which - 10)];
    };
    const auto setDynamic = [this, &repaint](int which, QRgb rgb) {
        if (which == 10)
            m_palette.setForeground(rgb);
        else if (which == 11)
            m_palette.setBackground(rgb);
        m_dynamicColors[static_cast<size_t>(which - 10)] = rgb;
        repaint = repaint || which <= 11;
    };

    if (number == 4 || number == 5) {
        const int base = number == 5 ? 256 : 0;
        for (qsizetype i = 0; i + 1 < params.size(); i += 2) {
            bool ok = false;
            const int index = params[i].toInt(&ok) + base;
            if (!ok)
                continue;
            if (params[i + 1] == "?") {
                if (const auto rgb = get(index))
                    m_pendingOutput += "\x1b]" + QByteArray::number(number) + ';' + params[i] +
                                       ';' + colorSpec(*rgb) + "\x1b\\";
            } else if (const auto rgb = parseColorSpec(params[i + 1])) {
                set(index, *rgb);
            }
        }
    } else if (number >= 10 && number <= 19) {
        // OSC 10;a;b sets 10 to a and 11 to b: each further parameter is the next colour.
        int which = number;
        for (const QByteArray& p : params) {
            if (which > 19)
                break;
            if (p == "?")
                m_pendingOutput += "\x1b]" + QByteArray::number(which) + ';' +
                                   colorSpec(dynamic(which)) + "\x1b\\";
            else if (const auto rgb = parseColorSpec(p))
                setDynamic(which, *rgb);
            ++which;
        }
    } else if (number == 104 || number == 105) {
        bool any = false;
        for (const QByteArray& p : params) {
            bool ok = false;
            const int index = p.toInt(&ok);
            if (!ok)
                continue;
            any = true;
            if (number == 104 && index >= 0 && index < 256)
                set(index, m_userPalette.color(index));
            else if (number == 105 && index >= 0 &&
                     index < static_cast<int>(m_specialColors.size()))
                m_specialColors[static_cast<size_t>(index)] = m_userPalette.foreground();
        }
        if (!any && number == 104) {
            for (int index = 0; index < 256; ++index)
                m_palette.setColor(index, m_userPalette.color(index));
            repaint = true;
        } else if (!any) {
            m_specialColors.fill(m_userPalette.foreground());
        }
    } else {
        const int which = number - 100;
        if (which == 10)
            setDynamic(10, m_userPalette.foreground());
        else if (which == 11)
            setDynamic(11, m_userPalette.background());
        else
            m_dynamicColors[static_cast<size_t>(which - 10)] =
                which == 12 ? m_userPalette.foreground() : m_userPalette.background();
    }
    if (repaint)
        damageAll();
}

QPoint TerminalSurface::statePosition() const
{
    VTermPos pos;
    vterm_state_get_cursorpos(m_state, &pos);
    return {pos.col, pos.row};
}

void TerminalSurface::resetShadow()
{
    m_shadow = Shadow{};
    m_shadow.bottom = m_rows;
    m_shadow.right = m_cols;
}

bool TerminalSurface::wantsCsi(const ControlSequence& csi) const
{
    if (csi.intermediates > 1)
        return false;
    switch (csi.final) {
    case 'J': // ED 3 (erase saved lines, what `clear` sends): libvterm swallows it
        return csi.is(0, 0, 'J') && csi.arg(0, 0) == 3;
    case 'h': // modes the surface mirrors, and leaving the alternate screen (see setModes)
    case 'l':
    case 'r': // DECSTBM, mirrored
    case 's': // SCOSC or DECSLRM: libvterm takes it as DECSLRM even without DECLRMM
    case 'u': // SCORC: libvterm ignores it
    case 'n': // DSR, DECDSR
    case 'c': // DA, DA2, DA3
    case 't': // window operations and reports: libvterm ignores them
        return csi.intermediates == 0;
    case 'y': // DECRQCRA
        return csi.is(0, '*', 'y');
    case 'b': // REP: libvterm 0.1.4 loops forever when there is nothing (or a zero-width
              // character) to repeat
        return csi.is(0, 0, 'b');
    case 'p': // DECSTR, DECRQM, DECSCL
        return csi.intermediate == '!' || csi.intermediate == '$' || csi.intermediate == '"';
    case 'v': // DECCRA, DECERA, DECFRA, DECSERA: rectangles of the surface's own cells
    case 'z':
    case 'x':
    case '{':
        return csi.leader == 0 && (csi.intermediate == '$' || csi.is(0, '*', 'x'));
    case 'q': // DECSCA, mirrored for DECRQSS
        return csi.is(0, '"', 'q');
    case 'A': // CUU, CUD, CUF, CUB, CNL, CPL stop at the margins they start inside
    case 'B':
    case 'C':
    case 'D': // and CUB may wrap back (?45)
    case 'E':
    case 'F':
        return csi.leader == 0 && csi.intermediates == 0 &&
               (m_shadow.top != 0 || m_shadow.bottom != m_rows || m_shadow.leftRight ||
                m_shadow.reverseWrap);
    case 'H': // CUP, HVP, CHA, HPA, VPA, HPR, VPR, HPB, VPB: with reverse wraparound on, the
    case 'f': // surface must know that libvterm cancels the pending wrap even when the cursor
    case 'G': // does not move (see handleCsi)
    case '`':
    case 'd':
    case 'a':
    case 'e':
    case 'j':
    case 'k':
        return csi.leader == 0 && csi.intermediates == 0 && m_shadow.reverseWrap;
    default:
        return false;
    }
}

void TerminalSurface::handleCsi(const ControlSequence& csi, QByteArrayView raw)
{
    switch (csi.final) {
    case 'J':
        toVterm(raw);
        m_scrollback.clear();
        m_scrollbackWasCleared = true;
        return;
    case 'h':
    case 'l':
        setModes(csi, csi.final == 'h', raw);
        return;
    case 'r':
        if (csi.leader == '?') { // XTRESTORE
            for (int i = 0; i < csi.argc; ++i) {
                const auto saved = m_savedModes.find(csi.arg(i, 0));
                if (saved == m_savedModes.end())
                    continue;
                const QByteArray set =
                    "\x1b[?" + QByteArray::number(saved->first) + (saved->second ? 'h' : 'l');
                ControlSequence mode;
                if (ControlSequence::parse(set, mode))
                    setModes(mode, saved->second, set);
            }
            return;
        }
        toVterm(raw);
        if (csi.leader == 0) {
            // libvterm's own rules for DECSTBM, so the mirror holds what it holds.
            int top = qBound(0, csi.arg(0, 1) - 1, m_rows);
            int bottom = csi.arg(1, m_rows, true);
            bottom = qMin(bottom, m_rows);
            if (bottom <= top) {
                top = 0;
                bottom = m_rows;
            }
            m_shadow.top = top;
            m_shadow.bottom = bottom;
        }
        return;
    case 's':
        if (csi.leader == '?') {
            for (int i = 0; i < csi.argc; ++i) { // XTSAVE
                const int mode = csi.arg(i, 0);
                m_savedModes[mode] = decMode(mode);
            }
        } else if (csi.leader != 0) {
            toVterm(raw);
        } else if (m_shadow.leftRight) {
            toVterm(raw);
            int left = qBound(0, csi.arg(0, 1) - 1, m_cols);
            int right = qMin(csi.arg(1, m_cols, true), m_cols);
            if (right <= left) {
                left = 0;
                right = m_cols;
            }
            m_shadow.left = left;
            m_shadow.right = right;
        } else {
            saveCursor(); // SCOSC saves what DECSC saves, as in xterm
        }
        return;
    case 'u':
        if (csi.leader == 0 && csi.argc == 0) {
            restoreCursor();
        } else {
            toVterm(raw);
        }
        return;
    case 'n':
        deviceStatusReport(csi);
        return;
    case 'c':
        if (csi.arg(0, 0) != 0)
            return;
        // DA2 as xterm 379 at the VT420 level: TERM says xterm-256color, and programs such as
        // vim pick features by xterm's patch number. DA3: no unit ID.
        if (csi.leader == 0)
            m_pendingOutput += kPrimaryDA;
        else if (csi.leader == '>')
            m_pendingOutput += "\x1b[>41;379;0c";
        else if (csi.leader == '=')
            m_pendingOutput += "\x1bP!|00000000\x1b\\";
        return;
    case 't':
        if (csi.leader == 0)
            windowOperation(csi);
        return;
    case 'y':
        reportChecksum(csi);
        return;
    case 'b':
        if (m_lastGlyphWidth > 0)
            toVterm(raw);
        return; // otherwise nothing to repeat: dropped, as xterm does
    case 'p':
        if (csi.is(0, '!', 'p')) {
            softReset();
        } else if (csi.intermediate == '$') {
            requestMode(csi, raw);
        } else if (csi.is(0, '"', 'p')) {
            // DECSCL: a conformance level change is a soft reset; the level stays VT420.
            softReset();
        } else {
            toVterm(raw);
        }
        return;
    case 'v':
    case 'z':
    case 'x':
    case '{':
        if (csi.is(0, '*', 'x'))
            m_shadow.attributeExtent = csi.arg(0, 0);
        else
            rectangleOperation(csi);
        return;
    case 'q':
        toVterm(raw);
        m_shadow.protect = csi.arg(0, 0) == 1;
        return;
    case 'A':
    case 'B':
    case 'C':
    case 'D':
    case 'E':
    case 'F':
        cursorMotion(csi);
        return;
    case 'H':
    case 'f':
    case 'G':
    case '`':
    case 'd':
    case 'a':
    case 'e':
    case 'j':
    case 'k':
        toVterm(raw);
        m_phantom = false; // moved or not, the cursor is no longer waiting to wrap
        return;
    default:
        toVterm(raw);
        return;
    }
}

namespace {

QByteArray sgrColor(quint32 packed, int base)
{
    if ((packed & TerminalPalette::kTagMask) == TerminalPalette::kIndexedTag) {
        const int index = static_cast<int>(packed & 0xff);
        if (index < 8)
            return QByteArray::number(base + index);
        if (index < 16)
            return QByteArray::number(base + 60 + index - 8);
        return QByteArray::number(base + 8) + ";5;" + QByteArray::number(index);
    }
    return QByteArray::number(base + 8) + ";2;" + QByteArray::number((packed >> 16) & 0xff) + ';' +
           QByteArray::number((packed >> 8) & 0xff) + ';' + QByteArray::number(packed & 0xff);
}

// The SGR parameters that select `pen`'s rendition from the default one.
QByteArray penSgr(const PackedCell& pen)
{
    QByteArray value = "0";
    const std::pair<quint16, const char*> flags[] = {{TerminalLine::Bold, ";1"},
                                                     {TerminalLine::Italic, ";3"},
                                                     {TerminalLine::Underline, ";4"},
                                                     {TerminalLine::Reverse, ";7"},
                                                     {TerminalLine::Strike, ";9"}};
    for (const auto& [flag, sgr] : flags) {
        if (pen.flags & flag)
            value += sgr;
    }
    if (pen.fg != TerminalPalette::kDefault)
        value += ';' + sgrColor(pen.fg, 30);
    if (pen.bg != TerminalPalette::kDefault)
        value += ';' + sgrColor(pen.bg, 40);
    return value;
}

} // namespace

void TerminalSurface::requestSetting(QByteArrayView request)
{
    QByteArray value;
    if (request == "m") {
        value = penSgr(m_pen) + 'm';
    } else if (request == "r") {
        value =
            QByteArray::number(m_shadow.top + 1) + ';' + QByteArray::number(m_shadow.bottom) + 'r';
    } else if (request == "s") {
        value =
            QByteArray::number(m_shadow.left + 1) + ';' + QByteArray::number(m_shadow.right) + 's';
    } else if (request == " q") {
        const int shape = m_cursor.shape == CursorShape::Underline ? 3
                          : m_cursor.shape == CursorShape::Bar     ? 5
                                                                   : 1;
        value = QByteArray::number(shape + (m_cursor.blinking ? 0 : 1)) + " q";
    } else if (request == "\"q") {
        value = m_shadow.protect ? "1\"q" : "0\"q";
    } else if (request == "\"p") {
        value = "64;1\"p"; // VT420, 7-bit controls
    } else if (request == "*x") {
        value = QByteArray::number(m_shadow.attributeExtent) + "*x";
    } else if (request == "t" || request == "*|") {
        value = QByteArray::number(m_rows) + request.toByteArray();
    } else if (request == "$}" || request == "$~") {
        value = "0" + request.toByteArray(); // no status line, main display active
    }
    if (value.isEmpty())
        m_pendingOutput += "\x1bP0$r\x1b\\";
    else
        m_pendingOutput += "\x1bP1$r" + value + "\x1b\\";
}

void TerminalSurface::moveTo(int row, int col)
{
    // CUP addresses cells relative to the margins in origin mode.
    if (m_shadow.origin) {
        row -= m_shadow.top;
        if (m_shadow.leftRight)
            col -= m_shadow.left;
    }
    toVterm(QByteArray("\x1b[" + QByteArray::number(row + 1) + ';' + QByteArray::number(col + 1) +
                       'H'));
    // libvterm's CUP cancels a pending wrap even when the cursor stays where it is.
    m_phantom = false;
    m_glyphRow = -1;
}

int TerminalSurface::leftEdge(int col) const
{
    // Where a line starts for the cursor: the left margin when it is at or right of it (or in
    // origin mode), otherwise the screen's first column.
    if (m_shadow.leftRight && (m_shadow.origin || col >= m_shadow.left))
        return m_shadow.left;
    return 0;
}

void TerminalSurface::cursorMotion(const ControlSequence& csi)
{
    const QPoint at = statePosition();
    int row = at.y();
    int col = at.x();
    const int count = qMax(1, csi.arg(0, 1));
    const int top = row >= m_shadow.top ? m_shadow.top : 0;
    const int bottom = row < m_shadow.bottom ? m_shadow.bottom - 1 : m_rows - 1;
    switch (csi.final) {
    case 'A':
        row = qMax(top, row - count);
        break;
    case 'B':
        row = qMin(bottom, row + count);
        break;
    case 'C': {
        const int right =
            m_shadow.leftRight && col < m_shadow.right ? m_shadow.right - 1 : m_cols - 1;
        col = qMin(right, col + count);
        break;
    }
    case 'D':
        if (m_shadow.reverseWrap && m_shadow.autowrap) {
            reverseWrapBack(count);
            return;
        }
        col = qMax(leftEdge(col), col - count);
        break;
    case 'E':
        row = qMin(bottom, row + count);
        col = leftEdge(col);
        break;
    case 'F':
        row = qMax(top, row - count);
        col = leftEdge(col);
        break;
    default:
        return;
    }
    moveTo(row, col);
}

void TerminalSurface::backspace()
{
    if (m_shadow.reverseWrap && m_shadow.autowrap) {
        reverseWrapBack(1);
        return;
    }
    const QPoint at = statePosition();
    if (at.x() > leftEdge(at.x()))
        moveTo(at.y(), at.x() - 1);
}

void TerminalSurface::reverseWrapBack(int count)
{
    // BS and CUB with reverse wraparound (?45 and DECAWM), as xterm's CursorBack: from the
    // pending-wrap position the first step only cancels the wrap (the cursor is still on the
    // last character); past the left edge the cursor goes on at the right margin of the row
    // above, from the scroll region's top margin to its bottom margin, and stops at the first
    // row. It wraps onto any row, soft-wrapped or not, as xterm did up to patch 379 and as
    // esctest2 expects of ?45 without --xterm-reverse-wrap (docs/TERMINAL.md).
    const QPoint at = statePosition();
    int row = at.y();
    int col = at.x();
    const int left = leftEdge(col);
    const int right = m_shadow.leftRight ? m_shadow.right - 1 : m_cols - 1;
    if (m_phantom)
        --count;
    // Beyond a full screen only a scroll region's cycle could go on; a program's CUB 99999
    // must not loop for long.
    count = qMin(count, m_rows * m_cols);
    while (count > 0) {
        if (col - count >= left) {
            col -= count;
            break;
        }
        count -= col - left + 1;
        if (row == m_shadow.top && m_shadow.top != 0) {
            row = m_shadow.bottom - 1;
        } else if (row == 0) {
            col = left; // xterm's ?45 no longer wraps from the first line to the last
            break;
        } else {
            --row;
        }
        col = right;
    }
    moveTo(row, col);
}

void TerminalSurface::lineFeed(char kind, const char* raw)
{
    // With left/right margins, a line feed (LF, VT, FF, IND, NEL) at the bottom margin and a
    // reverse index (RI) at the top one scroll only when the cursor is between the margins;
    // outside them the cursor stays (xterm). libvterm 0.1.4 scrolls the region anyway.
    const QPoint at = statePosition();
    const bool outside = at.x() < m_shadow.left || at.x() >= m_shadow.right;
    const bool up = kind == 'M';
    const int edge = up ? m_shadow.top : m_shadow.bottom - 1;
    if (outside && at.y() == edge) {
        if (kind == 'E')
            carriageReturn();
        return;
    }
    if (kind == 'D' || kind == 'E' || kind == 'M')
        toVterm(QByteArrayView(raw, 2));
    else
        toVterm(QByteArrayView(raw, 1));
    if (kind == 'E') {
        // NEL's carriage return goes to the left margin, as CR does.
        const QPoint now = statePosition();
        moveTo(now.y(), leftEdge(at.x()));
    }
}

void TerminalSurface::indexColumn(bool forward)
{
    // DECFI / DECBI: one column right / left; at the right / left margin the region's columns
    // scroll instead (DECDC / DECIC at the left margin). Outside the margins the cursor just
    // moves, and stops at the screen's edge.
    const QPoint at = statePosition();
    const int left = m_shadow.leftRight ? m_shadow.left : 0;
    const int right = m_shadow.leftRight ? m_shadow.right - 1 : m_cols - 1;
    const bool inRows = at.y() >= m_shadow.top && at.y() < m_shadow.bottom;
    const int edge = forward ? right : left;
    if (at.x() == edge) {
        if (!inRows)
            return;
        moveTo(at.y(), left);
        toVterm(forward ? "\x1b['~" : "\x1b['}");
        moveTo(at.y(), at.x());
        return;
    }
    const int col = forward ? qMin(m_cols - 1, at.x() + 1) : qMax(0, at.x() - 1);
    moveTo(at.y(), col);
}

void TerminalSurface::carriageReturn()
{
    const QPoint at = statePosition();
    moveTo(at.y(), leftEdge(at.x()));
}

QRect TerminalSurface::area(const ControlSequence& csi, int first) const
{
    // A rectangle in DEC's terms (top, left, bottom, right; 1-based, inclusive, defaults: the
    // whole screen), relative to the margins in origin mode, clipped to the screen.
    int rowOffset = 0;
    int colOffset = 0;
    int lastRow = m_rows;
    int lastCol = m_cols;
    if (m_shadow.origin) {
        rowOffset = m_shadow.top;
        lastRow = m_shadow.bottom;
        if (m_shadow.leftRight) {
            colOffset = m_shadow.left;
            lastCol = m_shadow.right;
        }
    }
    const int top = qMax(rowOffset, csi.arg(first, 1, true) - 1 + rowOffset);
    const int left = qMax(colOffset, csi.arg(first + 1, 1, true) - 1 + colOffset);
    const int bottom = qMin(lastRow, csi.arg(first + 2, lastRow - rowOffset, true) + rowOffset);
    const int right = qMin(lastCol, csi.arg(first + 3, lastCol - colOffset, true) + colOffset);
    if (bottom <= top || right <= left)
        return {};
    return QRect(QPoint(left, top), QPoint(right - 1, bottom - 1));
}

void TerminalSurface::rectangleOperation(const ControlSequence& csi)
{
    std::vector<TerminalLine>& rows = grid();
    if (csi.final == 'v') { // DECCRA: copy, through a buffer since the areas may overlap
        const QRect from = area(csi, 0);
        if (from.isEmpty())
            return;
        int rowOffset = 0;
        int colOffset = 0;
        if (m_shadow.origin) {
            rowOffset = m_shadow.top;
            colOffset = m_shadow.leftRight ? m_shadow.left : 0;
        }
        const int top = csi.arg(5, 1, true) - 1 + rowOffset;
        const int left = csi.arg(6, 1, true) - 1 + colOffset;
        const QRect to =
            QRect(left, top, from.width(), from.height()) & QRect(0, 0, m_cols, m_rows);
        if (to.isEmpty())
            return;
        std::vector<TerminalLine> copy;
        for (int r = 0; r < to.height(); ++r)
            copy.push_back(rows[static_cast<size_t>(from.top() + r)]);
        for (int r = 0; r < to.height(); ++r) {
            TerminalLine& line = rows[static_cast<size_t>(to.top() + r)];
            const TerminalLine& source = copy[static_cast<size_t>(r)];
            for (int c = 0; c < to.width(); ++c) {
                line.cells()[to.left() + c] = source.at(from.left() + c);
                if (source.at(from.left() + c).marks != 0)
                    line.setMarks(to.left() + c, source.marks(from.left() + c));
            }
        }
        addDamage(to.left(), to.top(), to.width(), to.height());
        return;
    }
    const bool fill = csi.final == 'x';
    const QRect rect = area(csi, fill ? 1 : 0);
    if (rect.isEmpty())
        return;
    PackedCell with = blank();
    if (fill) {
        // DECFRA takes printable characters only, in the current rendition.
        const int ch = csi.arg(0, 0);
        if (!((ch >= 32 && ch <= 126) || (ch >= 160 && ch <= 255)))
            return;
        with = m_pen;
        with.ch = static_cast<char32_t>(ch);
        with.marks = 0;
        if (m_shadow.protect)
            with.flags |= TerminalLine::Protected;
    }
    const bool selective = csi.final == '{';
    for (int r = rect.top(); r <= rect.bottom(); ++r) {
        PackedCell* cells = rows[static_cast<size_t>(r)].cells();
        for (int c = rect.left(); c <= rect.right(); ++c) {
            if (selective && (cells[c].flags & TerminalLine::Protected))
                continue;
            cells[c] = with;
        }
    }
    addDamage(rect.left(), rect.top(), rect.width(), rect.height());
}

bool TerminalSurface::decMode(int mode) const
{
    const auto it = m_decModes.find(mode);
    if (it != m_decModes.end())
        return it->second;
    return mode == 7 || mode == 25; // on from the start: autowrap, visible cursor
}

void TerminalSurface::setModes(const ControlSequence& csi, bool on, QByteArrayView raw)
{
    if (csi.leader == '?') {
        for (int i = 0; i < csi.argc; ++i)
            m_decModes[csi.arg(i, 0)] = on;
    }
    if (csi.leader == '?' && on) {
        for (int i = 0; i < csi.argc; ++i) {
            if (csi.arg(i, 0) == 1048 || csi.arg(i, 0) == 1049)
                saveCursor(); // on the main screen, before libvterm leaves it
        }
    }
    toVterm(raw);
    for (int i = 0; i < csi.argc; ++i) {
        const int mode = csi.arg(i, 0);
        if (csi.leader == 0) {
            if (mode == 4)
                m_shadow.insert = on;
            else if (mode == 20)
                m_shadow.newline = on;
            continue;
        }
        if (csi.leader != '?')
            continue;
        switch (mode) {
        case 6:
            m_shadow.origin = on;
            break;
        case 7:
            m_shadow.autowrap = on;
            break;
        case 45:
            m_shadow.reverseWrap = on;
            break;
        case 47:
            // The alternate screen without clearing it (libvterm 0.1.4 knows only 1047 and
            // 1049, and clears the screen when a program enters it).
            if (on && !m_altScreen) {
                const std::vector<TerminalLine> kept = m_alt;
                toVterm("\x1b[?1047h");
                m_alt = kept;
                damageAll();
            } else if (!on && m_altScreen) {
                toVterm("\x1b[?1047l");
            }
            break;
        case 66: // DECNKM is DECKPAM/DECKPNM as a mode; libvterm knows only the latter
            m_shadow.keypad = on;
            toVterm(on ? "\x1b=" : "\x1b>");
            break;
        case 69:
            m_shadow.leftRight = on;
            if (!on) {
                m_shadow.left = 0;
                m_shadow.right = m_cols;
            }
            break;
        case 1048:
        case 1049:
            if (!on)
                restoreCursor(); // back on the main screen
            break;
        default:
            break;
        }
    }
}

void TerminalSurface::saveCursor()
{
    // xterm's DECSC: position, rendition, origin mode and DECSCA protection, one saved cursor
    // for each screen. libvterm 0.1.4 keeps one for both screens and neither origin mode nor
    // protection.
    const QPoint at = statePosition();
    SavedCursor& saved = m_saved[m_altScreen ? 1 : 0];
    saved.valid = true;
    saved.row = at.y();
    saved.col = at.x();
    saved.pen = m_pen;
    saved.origin = m_shadow.origin;
    saved.protect = m_shadow.protect;
}

void TerminalSurface::restoreCursor()
{
    SavedCursor saved = m_saved[m_altScreen ? 1 : 0];
    if (!saved.valid) {
        saved = SavedCursor{}; // nothing saved: home, default rendition, as xterm
    }
    QByteArray out = "\x1b[" + penSgr(saved.pen) + 'm';
    out += saved.origin ? "\x1b[?6h" : "\x1b[?6l";
    out += saved.protect ? "\x1b[1\"q" : "\x1b[0\"q";
    toVterm(out);
    m_shadow.origin = saved.origin;
    m_shadow.protect = saved.protect;
    // A position saved on a larger screen comes back clamped to this one.
    const int row = qBound(0, saved.row, m_rows - 1);
    const int col = qBound(0, saved.col, m_cols - 1);
    if (saved.origin) {
        moveTo(qBound(m_shadow.top, row, m_shadow.bottom - 1),
               m_shadow.leftRight ? qBound(m_shadow.left, col, m_shadow.right - 1) : col);
    } else {
        moveTo(row, col);
    }
}

void TerminalSurface::softReset()
{
    // DECSTR as xterm does it: modes, margins, pen and protection back to their defaults and
    // the saved cursor to the home position; the cursor itself stays where it is. libvterm
    // 0.1.4 ignores the sequence (and its own soft reset would also reset the tab stops).
    const QPoint at = statePosition();
    toVterm("\x1b[?25h\x1b[4l\x1b[?6l\x1b[?1l\x1b[?69l\x1b[r\x1b[0\"q\x1b>\x1b(B\x1b[m");
    SavedCursor& saved = m_saved[m_altScreen ? 1 : 0];
    saved = SavedCursor{};
    saved.valid = true;
    const QByteArray back =
        "\x1b[" + QByteArray::number(at.y() + 1) + ';' + QByteArray::number(at.x() + 1) + 'H';
    toVterm(back);
    m_phantom = false; // libvterm's CUP cancels a pending wrap
    const Shadow before = m_shadow;
    resetShadow();
    // Not among what DECSTR resets (xterm keeps DECAWM at its resource default, on).
    m_shadow.newline = before.newline;
    m_shadow.autowrap = before.autowrap;
    m_shadow.keypad = false;
}

void TerminalSurface::deviceStatusReport(const ControlSequence& csi)
{
    const int what = csi.arg(0, 0);
    if (what == 6) {
        // In origin mode the report is relative to the margins, as CUP takes it.
        QPoint at = statePosition();
        if (m_shadow.origin) {
            at.ry() -= m_shadow.top;
            if (m_shadow.leftRight)
                at.rx() -= m_shadow.left;
        }
        const QByteArray pos =
            QByteArray::number(at.y() + 1) + ';' + QByteArray::number(at.x() + 1);
        if (csi.leader == '?')
            m_pendingOutput += "\x1b[?" + pos + ";1R";
        else
            m_pendingOutput += "\x1b[" + pos + 'R';
        return;
    }
    if (csi.leader == 0) {
        if (what == 5)
            m_pendingOutput += "\x1b[0n";
        return;
    }
    if (csi.leader != '?')
        return;
    switch (what) {
    case 15: // printer: none
        m_pendingOutput += "\x1b[?13n";
        break;
    case 25: // user-defined keys: unlocked
        m_pendingOutput += "\x1b[?20n";
        break;
    case 26: // keyboard: North American, ready, LK201
        m_pendingOutput += "\x1b[?27;1;0;0n";
        break;
    case 53:
    case 55: // locator: none
        m_pendingOutput += "\x1b[?50n";
        break;
    case 56: // locator type: none
        m_pendingOutput += "\x1b[?57;0n";
        break;
    case 62: // macro space: none
        m_pendingOutput += "\x1b[0*{";
        break;
    case 63: // macro checksum: no macros
        m_pendingOutput += "\x1bP" + QByteArray::number(csi.arg(1, 0)) + "!~0000\x1b\\";
        break;
    case 75: // data integrity: no errors
        m_pendingOutput += "\x1b[?70n";
        break;
    case 85: // multiple sessions: not configured
        m_pendingOutput += "\x1b[?83n";
        break;
    default:
        break;
    }
}

void TerminalSurface::requestMode(const ControlSequence& csi, QByteArrayView raw)
{
    // DECRQM. libvterm answers DEC modes it knows; ANSI modes and the DEC modes mirrored here
    // are ours. 1 = set, 2 = reset, 4 = permanently reset, 0 = not recognised.
    const int mode = csi.arg(0, 0);
    auto answer = [this, &csi, mode](int value) {
        m_pendingOutput += "\x1b[" + QByteArray(csi.leader == '?' ? "?" : "") +
                           QByteArray::number(mode) + ';' + QByteArray::number(value) + "$y";
    };
    if (csi.leader == 0) {
        switch (mode) {
        case 2:  // KAM: the keyboard is not locked
        case 12: // SRM: no local echo (as xterm: reset, the remote echoes)
            answer(2);
            break;
        case 4:
            answer(m_shadow.insert ? 1 : 2);
            break;
        case 20:
            answer(m_shadow.newline ? 1 : 2);
            break;
        case 1: // GATM, SRTM, VEM, HEM, PUM, FEAM, FETM, MATM, TTM, SATM, TSM, EBM: the
        case 5: // ECMA-48 modes no terminal of this kind has, permanently reset as in xterm
        case 7:
        case 10:
        case 11:
        case 13:
        case 14:
        case 15:
        case 16:
        case 17:
        case 18:
        case 19:
            answer(4);
            break;
        default:
            answer(0);
            break;
        }
        return;
    }
    if (csi.leader != '?') {
        toVterm(raw);
        return;
    }
    switch (mode) {
    case 45:
        answer(m_shadow.reverseWrap ? 1 : 2);
        break;
    case 66: // DECNKM: keypad application mode
        answer(m_shadow.keypad ? 1 : 2);
        break;
    case 67: // DECBKM reset: the backarrow key sends DEL
    case 3:  // DECCOLM: 80 columns (132-column mode is not offered)
    case 4:  // DECSCLM: jump scroll
    case 18: // DECPFF, DECPEX: no printer
    case 19:
    case 42: // DECNRCM: no national replacement character sets
        answer(2);
        break;
    case 60: // DECHCCM: the cursor never leaves the screen (xterm: permanently reset)
        answer(4);
        break;
    default:
        toVterm(raw);
        break;
    }
}

void TerminalSurface::windowOperation(const ControlSequence& csi)
{
    // Reports get answers; moving, resizing, raising or iconifying the host window is refused,
    // as in xterm's default configuration: a remote program does not rearrange the desktop.
    const auto report = [this](int what, int a, int b) {
        m_pendingOutput += "\x1b[" + QByteArray::number(what) + ';' + QByteArray::number(a) + ';' +
                           QByteArray::number(b) + 't';
    };
    switch (csi.arg(0, 0)) {
    case 11: // iconified? no
        m_pendingOutput += "\x1b[1t";
        break;
    case 13: // window position: the surface has none of its own
        report(3, 0, 0);
        break;
    case 14: // text area in pixels
        report(4, m_rows * m_cellPixels.height(), m_cols * m_cellPixels.width());
        break;
    case 15: // screen in pixels: the surface is all of it that programs may use
        report(5, m_rows * m_cellPixels.height(), m_cols * m_cellPixels.width());
        break;
    case 16: // cell in pixels
        report(6, m_cellPixels.height(), m_cellPixels.width());
        break;
    case 18: // text area in characters
        report(8, m_rows, m_cols);
        break;
    case 19: // screen in characters
        report(9, m_rows, m_cols);
        break;
    case 20:
        m_pendingOutput += "\x1b]L" + m_iconName.toUtf8() + "\x1b\\";
        break;
    case 21:
        m_pendingOutput += "\x1b]l" + m_title.toUtf8() + "\x1b\\";
        break;
    case 22: { // push the icon name (1), the title (2) or both (0)
        const int which = csi.arg(1, 0);
        if (m_titleStack.size() >= 10)
            m_titleStack.erase(m_titleStack.begin());
        TitleEntry entry;
        if (which == 0 || which == 1)
            entry.icon = m_iconName;
        if (which == 0 || which == 2)
            entry.title = m_title;
        m_titleStack.push_back(entry);
        break;
    }
    case 23: { // pop: the entry goes, and gives back what was asked for that it holds
        if (m_titleStack.empty())
            break;
        const int which = csi.arg(1, 0);
        const TitleEntry entry = m_titleStack.back();
        m_titleStack.pop_back();
        if ((which == 0 || which == 1) && entry.icon)
            m_iconName = *entry.icon;
        if ((which == 0 || which == 2) && entry.title && *entry.title != m_title) {
            m_title = *entry.title;
            m_titleChanged = true;
        }
        break;
    }
    default:
        break;
    }
}

void TerminalSurface::reportChecksum(const ControlSequence& csi)
{
    // DECRQCRA from the surface's own cells, as xterm computes it: the negated 16-bit sum of
    // the characters, a blank cell counting as a space. Coordinates follow origin mode.
    const int id = csi.arg(0, 0);
    const QRect rect = area(csi, 2);
    const int top = rect.top();
    const int left = rect.left();
    const int bottom = rect.isEmpty() ? top : rect.bottom() + 1;
    const int right = rect.isEmpty() ? left : rect.right() + 1;
    quint32 sum = 0;
    const std::vector<TerminalLine>& rows = grid();
    for (int r = top; r < bottom; ++r) {
        const TerminalLine& line = rows[static_cast<size_t>(r)];
        for (int c = left; c < right; ++c) {
            const char32_t ch = line.at(c).ch;
            if (ch == TerminalLine::kWideTail)
                continue;
            sum += ch == 0 ? 0x20 : static_cast<quint32>(ch);
        }
    }
    const quint32 checksum = (0x10000u - (sum & 0xffffu)) & 0xffffu;
    m_pendingOutput += "\x1bP" + QByteArray::number(id) + "!~" +
                       QByteArray::number(checksum, 16).toUpper().rightJustified(4, '0') + "\x1b\\";
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
    toVterm(cup);
    m_phantom = false;
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
    const bool marginsSet = m_shadow.top != 0 || m_shadow.bottom != m_rows || m_shadow.left != 0 ||
                            m_shadow.right != m_cols || m_shadow.origin;
    // The grid follows in the resize callback, with m_cols and m_rows.
    vterm_set_size(m_vt, rows, cols);
    resetMarginsAfterResize(marginsSet);
    clampCursor();
    syncCursor();
    m_cursorChanged = true;
    damageAll();
    emit resized(m_cols, m_rows);
    flush();
}

void TerminalSurface::resetMarginsAfterResize(bool marginsSet)
{
    // As xterm does on a resize, the scroll margins become the whole screen and origin mode
    // ends. libvterm 0.1.4 clamps only the bottom and right margins: a top margin left below
    // the new bottom makes it scroll a region of negative height (a negative-size memmove that
    // fuzz_terminal found), so the surface resets them itself. The cursor stays where it was.
    m_shadow.bottom = m_rows;
    m_shadow.right = m_cols;
    if (!marginsSet)
        return;
    VTermPos pos;
    vterm_state_get_cursorpos(m_state, &pos);
    // A write that ended in ESC keeps waiting for its next byte: these are the surface's own.
    const bool heldEsc = std::exchange(m_heldEsc, false);
    toVterm(m_shadow.leftRight ? "\x1b[?6l\x1b[r\x1b[s" : "\x1b[?6l\x1b[r");
    m_shadow.origin = false;
    m_shadow.top = m_shadow.left = 0;
    toVterm(QByteArray("\x1b[" + QByteArray::number(qBound(0, pos.row, m_rows - 1) + 1) + ';' +
                       QByteArray::number(qBound(0, pos.col, m_cols - 1) + 1) + 'H'));
    m_phantom = false;
    m_heldEsc = heldEsc;
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
    if (!out.wrapped())
        out.trimTrailingBlanks();
}

QString TerminalSurface::text(int line) const
{
    TerminalLine l;
    readLine(line, l);
    return l.text();
}

QString TerminalSurface::text(int first, int fromCol, int last, int toCol) const
{
    QString out;
    TerminalLine l;
    std::vector<int> columns;
    first = qMax(0, first);
    last = qMin(last, totalLines() - 1);
    for (int line = first; line <= last; ++line) {
        readLine(line, l);
        const int from = line == first ? fromCol : 0;
        const int to = line == last ? toCol : -1;
        out += l.text(from, to, &columns);
        if (line == last)
            break;
        if (!l.wrapped()) {
            out += QLatin1Char('\n');
            continue;
        }
        // The text goes on in the next line: keep the spaces text() drops at the end.
        const int end = columns.empty() ? qMax(0, from) : columns.back() + 1;
        const int blanks = l.size() - (l.isWideTail(end) ? end + 1 : end);
        if (blanks > 0)
            out += QString(blanks, QLatin1Char(' '));
    }
    return out;
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
    m_userPalette = palette;
    damageAll();
    flush();
}

void TerminalSurface::setCellPixelSize(QSize size)
{
    if (size.isValid() && !size.isEmpty())
        m_cellPixels = size;
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
