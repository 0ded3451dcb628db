#pragma once

#include <QColor>
#include <QString>

namespace gpudeck::terminal {

// One grid cell as callers see it, colours already resolved through the surface's palette.
struct TerminalCell {
    // The base character followed by its combining marks; empty for a blank cell and for the
    // second column of a wide character.
    QString text;
    // 2: first column of a wide (CJK, emoji) character; 0: the column it spills into; else 1.
    int width = 1;
    QColor foreground;
    QColor background;
    bool bold = false;
    bool italic = false;
    bool underline = false;
    // Reported, not applied: foreground and background are the pen's colours and the painter
    // swaps them, so a reverse-video cell still says which colours the program asked for.
    bool reverse = false;
    bool strike = false;
};

enum class CursorShape { Block, Underline, Bar };

struct TerminalCursor {
    int row = 0;
    int col = 0;
    bool visible = true;
    bool blinking = false;
    CursorShape shape = CursorShape::Block;
};

// A search hit. `line` counts every line the surface holds: 0 is the oldest scrollback line,
// scrollbackLines() + r is screen row r. Columns are cells, so a wide character counts two.
struct TerminalMatch {
    int line = 0;
    int col = 0;
    int length = 0;
    friend bool operator==(const TerminalMatch&, const TerminalMatch&) = default;
};

} // namespace gpudeck::terminal
