#pragma once

#include "terminalpalette.h"
#include "terminaltypes.h"

#include <QString>

#include <string>
#include <string_view>
#include <vector>

namespace gpudeck::terminal {

// One cell in 16 bytes. The scrollback holds up to 10,000 lines of these; a QString and two
// QColors per cell would take about three times the memory and a heap block per character.
struct PackedCell {
    char32_t ch = 0; // 0: never written (blank); TerminalLine::kWideTail: right half of a wide char
    quint32 fg = TerminalPalette::kDefault; // packed, see TerminalPalette
    quint32 bg = TerminalPalette::kDefault;
    quint16 flags = 0;
    quint16 marks = 0; // 1-based index into the line's combining marks, 0 when there are none
};
static_assert(sizeof(PackedCell) == 16, "PackedCell is sized for the scrollback");

// A row of cells: a row of the live screen (exactly as wide as the screen) or a scrollback
// line (trailing blank cells with the default background dropped, so size() may be shorter).
//
// A character two columns wide is a cell with the character followed by a kWideTail cell, as
// in libvterm: overwriting either half leaves the other as it was, and width is read from the
// neighbours, not stored.
class TerminalLine final {
public:
    enum Flag : quint16 {
        Bold = 0x01,
        Italic = 0x02,
        Underline = 0x04,
        Reverse = 0x08,
        Strike = 0x10,
        Protected = 0x20, // DECSCA: selective erase leaves it alone
    };
    static constexpr char32_t kWideTail = 0xffffffffu;

    [[nodiscard]] int size() const { return static_cast<int>(m_cells.size()); }
    [[nodiscard]] const PackedCell& at(int col) const { return m_cells[static_cast<size_t>(col)]; }
    // The first column of a character two columns wide.
    [[nodiscard]] bool isWide(int col) const;
    // The second column of one (a right half whose left half was overwritten is not).
    [[nodiscard]] bool isWideTail(int col) const;
    [[nodiscard]] std::u32string_view marks(int col) const;
    // Base character plus combining marks; empty for blank cells and wide tails.
    [[nodiscard]] QString cellText(int col) const;
    // Columns at or beyond size() read as blank cells.
    [[nodiscard]] TerminalCell cell(int col, const TerminalPalette& palette) const;
    // The text of columns [from, to) (to < 0: to the end). Blank cells read as spaces and
    // trailing ones are dropped; a wide character's second column adds nothing. When `columns`
    // is given it receives, for each UTF-16 unit of the result, the column it came from.
    [[nodiscard]] QString text(int from = 0, int to = -1,
                               std::vector<int>* columns = nullptr) const;
    // No cell has been written (libvterm's "end of line" at column 0).
    [[nodiscard]] bool isEmpty() const;
    // Soft-wrapped: autowrap carried the text past this line's right edge onto the start of
    // the next line (xterm's "wrapped" line flag). libvterm 0.1.4 does not say; the surface
    // marks it. Cleared with the line (clear(), a fill of the whole line).
    [[nodiscard]] bool wrapped() const { return m_wrapped; }
    void setWrapped(bool wrapped) { m_wrapped = wrapped; }

    void clear();
    // Exactly `cols` cells; cells added are copies of `fill`.
    void resize(int cols, const PackedCell& fill);
    // The cells, for the screen to write in place (size() of them).
    [[nodiscard]] PackedCell* cells() { return m_cells.data(); }
    // Cells [from, to) become `fill`.
    void fill(int from, int to, const PackedCell& fill);
    void setMarks(int col, std::u32string_view marks);
    // Drops trailing cells that are blank and have the default background.
    void trimTrailingBlanks();

private:
    void compactMarks();

    std::vector<PackedCell> m_cells;
    std::vector<std::u32string> m_marks;
    bool m_wrapped = false;
};

} // namespace gpudeck::terminal
