#pragma once

#include "scrollback.h"
#include "terminalline.h"
#include "terminalpalette.h"
#include "terminaltypes.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QObject>
#include <QRect>
#include <QSize>
#include <QString>

#include <array>
#include <functional>
#include <map>
#include <optional>
#include <vector>

struct VTerm;
struct VTermState;

namespace gpudeck::terminal {

struct ControlSequence;

// The terminal without a widget: owns the libvterm state (an xterm-256color terminal, UTF-8)
// and the screen's cells, takes the remote's bytes in through feed(), hands what must go back
// to the remote out through output() (keys, pastes, mouse reports, and the terminal's own
// answers to queries), and says which cells changed. Keeps the scrollback.
//
// Conformance (see docs/TERMINAL.md, measured with esctest2 through gpudeck-termcheck): the
// surface answers what libvterm 0.1.4 leaves to its host — size and title reports (CSI t),
// the screen checksum DECRQCRA from its own cells, colour queries (OSC 4/5/10–19), DECRQM for
// ANSI modes, the DECDSR variants — and corrects what 0.1.4 gets wrong (DECSTR, SCOSC/SCORC,
// cursor reports in origin mode, ...). Window operations that would move or resize the host
// window are refused, as xterm does by default.
//
// libvterm parses and runs the terminal's state machine (VTermState); the cells are ours, not
// libvterm 0.1.4's VTermScreen. That screen moves every cell of the grid for each line that
// scrolls and reads each cell again to hand the line to the scrollback: 40 % and 11 % of a
// `cat`. Here rows are separate buffers: a scroll rotates them, and a line leaving the screen
// is swapped into the scrollback ring without copying a cell. Its semantics are libvterm's
// (tst_terminalsurface compares the two cell by cell), minus its crashes on resize.
//
// Every signal is emitted after libvterm has finished with the bytes it was given, at most
// once per call (a feed of 32 KiB that scrolls a thousand lines emits one damaged()), so a slot
// may call back into the surface.
//
// Wiring to a shell channel (ShellSession):
//   channel data      → feed()
//   output()          → channel write
//   resized()         → PTY window-change
class TerminalSurface final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TerminalSurface)
public:
    enum class MouseMode { None, Click, Drag, Move }; // what the program asked to be told about
    Q_ENUM(MouseMode)
    enum class MouseAction { Press, Release, Move, WheelUp, WheelDown };
    Q_ENUM(MouseAction)

    static constexpr int kDefaultScrollbackLimit = 10'000;
    // A wide character needs two columns.
    static constexpr int kMinCols = 2;

    explicit TerminalSurface(int cols, int rows, QObject* parent = nullptr);
    ~TerminalSurface() override;

    [[nodiscard]] int cols() const { return m_cols; }
    [[nodiscard]] int rows() const { return m_rows; }

    // Screen cells; row and col are 0-based and clamped to the screen.
    [[nodiscard]] TerminalCell cell(int row, int col) const;
    [[nodiscard]] QString lineText(int row) const;
    [[nodiscard]] TerminalCursor cursor() const { return m_cursor; }
    [[nodiscard]] QString title() const { return m_title; }
    [[nodiscard]] bool altScreenActive() const { return m_altScreen; }
    [[nodiscard]] MouseMode mouseMode() const { return m_mouseMode; }
    // DECSCNM: the whole screen in reverse video.
    [[nodiscard]] bool reverseVideo() const { return m_reverseVideo; }

    // Scrollback, 0 = oldest. Not added to while the alternate screen is active.
    [[nodiscard]] int scrollbackLines() const { return m_scrollback.size(); }
    [[nodiscard]] TerminalLine scrollbackLine(int i) const;
    [[nodiscard]] int scrollbackLimit() const { return m_scrollback.limit(); }
    void setScrollbackLimit(int lines);
    // Lines that have left the top of the scrollback (dropped at the limit, or cleared) since
    // the surface was made: droppedLines() + line is a name for a line that stays valid while
    // output scrolls it up, which is what selections and search hits hold on to.
    [[nodiscard]] quint64 droppedLines() const { return m_scrollback.dropped(); }

    // Scrollback and screen as one list: lines 0 .. scrollbackLines()-1 are the scrollback,
    // then the screen's rows. `out` keeps its capacity, so reading every visible line each
    // frame allocates nothing.
    [[nodiscard]] int totalLines() const { return m_scrollback.size() + m_rows; }
    void readLine(int line, TerminalLine& out) const;
    [[nodiscard]] QString text(int line) const;
    // The text from column `fromCol` of line `first` to column `toCol` (exclusive, -1: the
    // line's end) of line `last`, lines numbered as in readLine(): what a selection copies.
    // Lines are joined with a newline, except after a soft-wrapped line (one whose text autowrap
    // carried onto the next; TerminalLine::wrapped()), which goes on without one and keeps
    // its trailing spaces: a long command line copies as the one line it was.
    [[nodiscard]] QString text(int first, int fromCol, int last, int toCol) const;

    // Plain-text search through scrollback and screen, oldest first. A match does not span
    // lines, soft-wrapped ones included.
    [[nodiscard]] QList<TerminalMatch> find(const QString& needle,
                                            Qt::CaseSensitivity cs = Qt::CaseInsensitive) const;

    [[nodiscard]] const TerminalPalette& palette() const { return m_palette; }
    // The user's palette. Programs may change colours (OSC 4/10/11) until they reset them
    // (OSC 104/110/111) or the terminal is reset; this palette is what a reset goes back to.
    void setPalette(const TerminalPalette& palette);

    // The size of one cell on screen, in pixels, for the pixel-size reports (CSI 14 t,
    // CSI 16 t). The view sets it from its font; without a view it stays at 8 × 16.
    [[nodiscard]] QSize cellPixelSize() const { return m_cellPixels; }
    void setCellPixelSize(QSize size);

    // Every byte libvterm's state machine is given, after the surface's own handling: for
    // tests that hold the surface's cells against libvterm's own screen fed the same bytes.
    void setVtermTap(std::function<void(QByteArrayView)> tap);

public slots:
    // Bytes from the remote, in any slicing: a UTF-8 character or an escape sequence may be
    // split across calls. Processes all it can before returning; only an incomplete UTF-8
    // character or OSC string at the very end waits for the bytes that complete it.
    void feed(QByteArrayView bytes);
    // New grid size (at least kMinCols × 1). Emits resized() when it changed.
    void resize(int cols, int rows);
    // A key press. `text` is what the key event typed, used for printable keys; special keys
    // and Ctrl chords go by key code. Returns whether anything was sent.
    bool sendKey(int key, Qt::KeyboardModifiers modifiers, const QString& text = {});
    // Text as typed (input methods, drag and drop): sent as UTF-8, unchanged.
    void sendText(const QString& text);
    // Pasted text: newlines become CR as a terminal's Enter does, and when the program turned
    // on bracketed paste (?2004) it is wrapped in ESC[200~ … ESC[201~; an ESC[201~ inside the
    // text is removed so a pasted text cannot end the bracket early and run as typed commands.
    void paste(const QString& text);
    // A mouse event at a screen cell; sends nothing unless the program asked for mouse reports.
    void sendMouse(gpudeck::terminal::TerminalSurface::MouseAction action, int row, int col,
                   Qt::MouseButton button, Qt::KeyboardModifiers modifiers);
    void clearScrollback();
    // Keyboard focus, for programs that asked to know (?1004).
    void setFocused(bool focused);

signals:
    void output(const QByteArray& bytes);
    // Screen cells that changed, x = column, y = row. Scrolling damages the scrolled region.
    void damaged(QRect cells);
    void cursorMoved();
    void titleChanged(const QString& title);
    void bell();
    void altScreenChanged(bool active);
    void mouseModeChanged(gpudeck::terminal::TerminalSurface::MouseMode mode);
    void resized(int cols, int rows);
    void scrollbackCleared();

private:
    friend struct SurfaceCallbacks;

    [[nodiscard]] qsizetype completesCarry(QByteArrayView bytes) const;
    void write(QByteArrayView bytes);
    // Hands bytes to libvterm. `ownSequenceFollows`: the surface handles the sequence that
    // comes right after these bytes itself (it never reaches libvterm).
    void toVterm(QByteArrayView bytes, bool ownSequenceFollows = false);
    // The sequences the surface answers or corrects itself (terminalsurface.cpp lists why).
    [[nodiscard]] bool wantsCsi(const ControlSequence& csi) const;
    void handleCsi(const ControlSequence& csi, QByteArrayView raw);
    [[nodiscard]] static bool wantsOsc(QByteArrayView body);
    void handleOsc(QByteArrayView body);
    void setModes(const ControlSequence& csi, bool on, QByteArrayView raw);
    void windowOperation(const ControlSequence& csi);
    void deviceStatusReport(const ControlSequence& csi);
    void requestMode(const ControlSequence& csi, QByteArrayView raw);
    void reportChecksum(const ControlSequence& csi);
    [[nodiscard]] QRect area(const ControlSequence& csi, int first) const;
    void rectangleOperation(const ControlSequence& csi);
    void cursorMotion(const ControlSequence& csi);
    void backspace();
    void reverseWrapBack(int count);
    void carriageReturn();
    void lineFeed(char kind, const char* raw);
    void indexColumn(bool forward);
    [[nodiscard]] bool decMode(int mode) const;
    void moveTo(int row, int col);
    [[nodiscard]] int leftEdge(int col) const;
    void requestSetting(QByteArrayView request);
    void softReset();
    void saveCursor();
    void restoreCursor();
    void resetShadow();
    void colorReport(QByteArrayView body);
    // libvterm's cursor, x = column, y = row (the surface's m_cursor lags until flush()).
    [[nodiscard]] QPoint statePosition() const;
    void clampCursor();
    void resetMarginsAfterResize(bool marginsSet);
    void syncCursor();
    void flush();

    [[nodiscard]] std::vector<TerminalLine>& grid() { return m_altScreen ? m_alt : m_primary; }
    [[nodiscard]] const std::vector<TerminalLine>& grid() const
    {
        return m_altScreen ? m_alt : m_primary;
    }
    [[nodiscard]] PackedCell blank() const;
    void pushScrollback(TerminalLine& row);
    void addDamage(int col, int row, int width, int height);
    void damageAll();

    VTerm* m_vt = nullptr;
    VTermState* m_state = nullptr;
    // The screens' rows, each exactly m_cols cells.
    std::vector<TerminalLine> m_primary;
    std::vector<TerminalLine> m_alt;
    // The pen: colours and flags of what is written next (ch unused).
    PackedCell m_pen;
    int m_cols = 0;
    int m_rows = 0;
    TerminalPalette m_palette;
    Scrollback m_scrollback{kDefaultScrollbackLimit};

    // Collected while libvterm runs, emitted by flush() once it has returned.
    QByteArray m_pendingOutput;
    // The end of the last feed that libvterm must see together with what follows: an
    // incomplete UTF-8 character or an unterminated OSC/DCS string (see feed()).
    QByteArray m_carry;
    // Titles are short; an OSC that never ends is not held back beyond this.
    static constexpr qsizetype kMaxCarry = 4096;
    // Damaged cells since the last flush, as inclusive bounds; right < left when there are none.
    // Plain ints, not a QRect union: this is updated for every character written.
    struct Damage {
        int left = 0;
        int top = 0;
        int right = -1;
        int bottom = -1;
    };
    Damage m_damage;
    bool m_cursorChanged = false;
    bool m_titleChanged = false;
    bool m_bellRang = false;
    bool m_scrollbackWasCleared = false;

    TerminalCursor m_cursor;
    QString m_title;
    bool m_altScreen = false;
    bool m_altScreenEmitted = false;
    bool m_reverseVideo = false;
    MouseMode m_mouseMode = MouseMode::None;
    MouseMode m_mouseModeEmitted = MouseMode::None;

    // What libvterm keeps but does not let us read, mirrored from the sequences that set it:
    // answers (cursor reports relative to the margins, DECRQM) and corrections need it.
    struct Shadow {
        bool origin = false;      // DECOM
        bool leftRight = false;   // DECLRMM
        bool insert = false;      // IRM
        bool newline = false;     // LNM
        bool reverseWrap = false; // xterm's reverse wraparound (?45)
        bool keypad = false;      // DECNKM / DECKPAM
        bool autowrap = true;     // DECAWM
        bool protect = false;     // DECSCA
        int attributeExtent = 0;  // DECSACE
        int top = 0;              // scroll margins, 0-based, bottom and right exclusive
        int bottom = 0;
        int left = 0;
        int right = 0;
    };
    Shadow m_shadow;
    TerminalPalette m_userPalette;
    // OSC 5 / OSC 4;256+n special colours and OSC 12–19 dynamic colours, for their queries;
    // the view does not draw them differently (yet).
    std::array<QRgb, 5> m_specialColors{};
    std::array<QRgb, 10> m_dynamicColors{};
    // XTWINOPS 22/23: an entry holds the icon name, the title or both.
    struct TitleEntry {
        std::optional<QString> icon;
        std::optional<QString> title;
    };
    std::vector<TitleEntry> m_titleStack;
    // DECSC/DECRC, per screen (main, alternate).
    struct SavedCursor {
        bool valid = false;
        int row = 0;
        int col = 0;
        PackedCell pen;
        bool origin = false;
        bool protect = false;
    };
    std::array<SavedCursor, 2> m_saved{};
    // DEC private modes as programs set them, for XTSAVE / XTRESTORE (CSI ? Pm s / r).
    std::map<int, bool> m_decModes;
    std::map<int, bool> m_savedModes;
    QString m_iconName;
    QSize m_cellPixels{8, 16};
    // Width of the last character written; 0 until one is (REP, see wantsCsi).
    int m_lastGlyphWidth = 0;
    // Where libvterm's state wrote the last character, followed through scrolls (-1: unknown,
    // or the cursor has moved since), the column after it, and whether libvterm's cursor is in
    // the pending-wrap ("phantom") position after it: the last column was written with autowrap
    // on, and the next character goes to the next line. libvterm 0.1.4 keeps that flag to
    // itself; it is followed from the callbacks (see putGlyph, moveCursor). It marks soft-wrapped
    // lines, and BS/CUB with reverse wraparound start from it as xterm's do.
    int m_glyphRow = -1;
    int m_glyphCol = 0;
    int m_glyphNext = 0;
    bool m_phantom = false;
    std::function<void(QByteArrayView)> m_vtermTap;
    // A write's trailing ESC, held for the next write (see toVterm).
    bool m_heldEsc = false;
    QByteArray m_vtermBuffer; // what libvterm reads, always followed by a NUL (see toVterm)
};

} // namespace gpudeck::terminal
