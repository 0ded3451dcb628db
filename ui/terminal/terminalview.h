#pragma once

#include "glyphcache.h"
#include "terminalline.h"
#include "terminalsurface.h"

#include <QAbstractScrollArea>
#include <QElapsedTimer>
#include <QPointer>
#include <QTimer>

#include <optional>
#include <utility>

namespace gpudeck::terminal {

class TerminalSearchBar;

// Shows a TerminalSurface and turns the user's keys, mouse and clipboard into its input.
//
// The view does not own the surface: whoever owns the shell channel owns the surface too, so a
// terminal keeps its screen and scrollback when its view is closed and made again. If the
// surface is destroyed first the view goes blank. The view's size in cells drives the surface's
// size (and through resized() the remote PTY's); show one view per surface.
//
// Rendering is coalesced: damage from any number of feeds is painted by one frame timer,
// every 16 ms while output trickles in and every 33 ms under a flood, and only the rows that
// changed are repainted. Input never waits for rendering: keys go to the surface as they come.
//
// Keys: Ctrl+Shift+C / Ctrl+Shift+V (and Shift+Insert) copy and paste, Ctrl+Shift+F finds,
// Ctrl+= / Ctrl+- / Ctrl+0 zoom, Shift+PgUp / Shift+PgDn scroll. Everything else, Ctrl and
// Alt chords included, goes to the remote program, ahead of the window's own shortcuts.
// Mouse: drag selects (double-click a word, triple-click a line), middle-click pastes the
// selection; when the program asked for mouse reports they go to it instead, unless Shift is
// held.
class TerminalView final : public QAbstractScrollArea {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TerminalView)
public:
    explicit TerminalView(TerminalSurface* surface, QWidget* parent = nullptr);
    ~TerminalView() override;

    [[nodiscard]] TerminalSurface* surface() const { return m_surface; }

    // The base font; zoom steps are added to its point size. Defaults to the system's fixed font.
    void setTerminalFont(const QFont& font);
    [[nodiscard]] QFont terminalFont() const { return m_font; }
    [[nodiscard]] int zoomSteps() const { return m_zoomSteps; }
    // Pixels per cell.
    [[nodiscard]] QSize cellSize() const { return {m_cellWidth, m_cellHeight}; }
    // The surface line (see TerminalSurface::readLine) shown in the top row.
    [[nodiscard]] int firstVisibleLine() const { return m_top; }

    [[nodiscard]] bool hasSelection() const;
    [[nodiscard]] QString selectedText() const;

    // Matches of the search bar's text, oldest first, and which one is current (-1: none).
    [[nodiscard]] QList<TerminalMatch> searchMatches() const;
    [[nodiscard]] int currentSearchMatch() const { return m_currentMatch; }

    // A short system beep on BEL besides the visual flash; off by default.
    void setAudibleBell(bool on) { m_audibleBell = on; }
    // Blink the cursor when the program asks for a blinking one; off by default.
    void setCursorBlinkEnabled(bool on);
    // The session behind the screen ended (or never started): no cursor, nothing blinks, so the
    // screen does not look like it waits for input.
    void setSessionEnded(bool ended);
    [[nodiscard]] bool sessionEnded() const { return m_sessionEnded; }

    [[nodiscard]] QSize sizeHint() const override;

public slots:
    void copy();
    void paste();
    void selectAll();
    void clearSelection();
    void zoomIn();
    void zoomOut();
    void resetZoom();
    void showSearch();
    void hideSearch();
    // Older is upwards: a terminal search usually looks back through what scrolled by.
    void findOlder();
    void findNewer();
    void scrollToBottom();

signals:
    // The user typed, pasted or composed input (not the replies the terminal sends itself):
    // activity for the billing guard.
    void typed();

protected:
    bool event(QEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void inputMethodEvent(QInputMethodEvent* event) override;
    [[nodiscard]] QVariant inputMethodQuery(Qt::InputMethodQuery query) const override;
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void scrollContentsBy(int dx, int dy) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void focusInEvent(QFocusEvent* event) override;
    void focusOutEvent(QFocusEvent* event) override;
    void showEvent(QShowEvent* event) override;

private:
    // A position that stays put while output scrolls: droppedLines() + surface line.
    struct Anchor {
        quint64 line = 0;
        int col = 0;
        friend auto operator<=>(const Anchor&, const Anchor&) = default;
    };
    enum class SelectionMode { Char, Word, Line };
    struct StableMatch {
        quint64 line = 0;
        int col = 0;
        int length = 0;
    };

    void onDamaged(QRect cells);
    void onCursorMoved();
    void onBell();
    void scheduleFrame();
    void frame();
    void syncScroll();
    void applyFont();
    void updateGridSize();
    void placeSearchBar();
    void runSearch(bool reveal);
    void revealMatch();
    void stepMatch(int delta);

    [[nodiscard]] quint64 dropped() const;
    [[nodiscard]] int screenTop() const;
    [[nodiscard]] QRect cursorRect() const;
    [[nodiscard]] QRect rowRect(int viewRow) const;
    [[nodiscard]] bool reportsMouse(Qt::KeyboardModifiers mods) const;
    [[nodiscard]] QPoint cellAt(QPointF pos) const;
    [[nodiscard]] Anchor anchorAt(QPointF pos, bool nearestBoundary) const;
    [[nodiscard]] std::pair<Anchor, Anchor> selectionRange() const;
    [[nodiscard]] std::pair<int, int> wordAt(quint64 stableLine, int col) const;
    void forwardMouse(TerminalSurface::MouseAction action, QMouseEvent* event);

    void pasteSelection();
    void paintRow(QPainter& p, int viewRow, const TerminalLine& line);
    void flushGlyphRun(QPainter& p);
    void paintOverlays(QPainter& p, int viewRow, quint64 stableLine,
                       const std::optional<std::pair<Anchor, Anchor>>& selection);
    void paintCursor(QPainter& p);

    QPointer<TerminalSurface> m_surface;
    TerminalSearchBar* m_searchBar = nullptr;

    QFont m_font;
    int m_zoomSteps = 0;
    int m_cellWidth = 8;
    int m_cellHeight = 16;
    int m_ascent = 12;
    GlyphCache m_glyphs;

    // Frame coalescing.
    QTimer m_frameTimer;
    QElapsedTimer m_sinceFrame;
    QRect m_pendingDamage;
    int m_damageSinceFrame = 0;
    bool m_flooding = false;
    bool m_fullRepaint = true;
    bool m_cursorDirty = false;
    bool m_contentChanged = false;
    QRect m_paintedCursor;

    // Scrolling: m_top is the surface line in the top row.
    int m_top = 0;
    bool m_followBottom = true;
    quint64 m_anchorTop = 0;
    bool m_syncingScroll = false;

    // Selection, in stable lines.
    bool m_hasSelection = false;
    bool m_selecting = false;
    SelectionMode m_selectionMode = SelectionMode::Char;
    Anchor m_selectionAnchor;
    Anchor m_selectionExtent;
    QElapsedTimer m_sinceDoubleClick;
    QPoint m_doubleClickCell;

    // Search.
    QList<StableMatch> m_matches;
    int m_currentMatch = -1;
    QTimer m_searchRefresh;

    // Bell and cursor blink.
    QTimer m_flashTimer;
    QElapsedTimer m_sinceFlash;
    bool m_flash = false;
    bool m_audibleBell = false;
    QTimer m_blinkTimer;
    bool m_blinkEnabled = false;
    bool m_blinkOn = true;
    bool m_sessionEnded = false;

    int m_wheelRemainder = 0;

    // Paint scratch, kept so a frame allocates little.
    TerminalPalette m_paintPalette;
    TerminalLine m_line;
    QList<quint32> m_runGlyphs;
    QList<QPointF> m_runPositions;
    int m_runVariant = 0;
    QRgb m_runColor = 0;
};

} // namespace gpudeck::terminal
