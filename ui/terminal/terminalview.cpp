#include "terminalview.h"

#include "terminalsearchbar.h"

#include <QApplication>
#include <QClipboard>
#include <QFontDatabase>
#include <QFontMetricsF>
#include <QGlyphRun>
#include <QInputMethodEvent>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QScrollBar>
#include <QStyleHints>
#include <QWheelEvent>
#include <QtMath>

#include <algorithm>
#include <cmath>
#include <limits>

namespace gpudeck::terminal {

namespace {

constexpr int kFrameMs = 16;      // ~60 Hz while output trickles in (typing echo, prompts)
constexpr int kFloodFrameMs = 33; // ~30 Hz under a flood: parsing gets the time, not painting
constexpr int kFloodFeeds = 4;    // more feeds than this within one frame is a flood
constexpr int kFlashMs = 120;
constexpr int kBellGapMs = 250; // a `yes $'\a'` must not turn the window into a strobe
constexpr int kBlinkMs = 530;   // xterm's cursor blink period
constexpr int kSearchRefreshMs = 300;
constexpr qreal kMinPointSize = 5;
constexpr int kMaxZoomSteps = 30;
constexpr int kWheelLinesInAltScreen = 3;

bool isWordSeparator(char32_t ch)
{
    static constexpr std::u32string_view separators = U" \t\"'`()[]{}<>|,;";
    return ch == 0 || separators.find(ch) != std::u32string_view::npos;
}

} // namespace

TerminalView::TerminalView(TerminalSurface* surface, QWidget* parent)
    : QAbstractScrollArea(parent)
    , m_surface(surface)
{
    Q_ASSERT(surface);
    setFocusPolicy(Qt::StrongFocus);
    setAttribute(Qt::WA_InputMethodEnabled);
    setFrameShape(QFrame::NoFrame);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    // Always shown: a scroll bar that appeared with the first scrolled-off line would narrow
    // the grid and resize the remote PTY under the user's feet.
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOn);
    viewport()->setAttribute(Qt::WA_OpaquePaintEvent);
    viewport()->setAutoFillBackground(false);
    viewport()->setCursor(Qt::IBeamCursor);

    m_frameTimer.setSingleShot(true);
    m_frameTimer.setTimerType(Qt::PreciseTimer);
    connect(&m_frameTimer, &QTimer::timeout, this, &TerminalView::frame);
    m_sinceFrame.start();

    m_flashTimer.setSingleShot(true);
    connect(&m_flashTimer, &QTimer::timeout, this, [this] {
        m_flash = false;
        viewport()->update();
    });
    m_blinkTimer.setInterval(kBlinkMs);
    connect(&m_blinkTimer, &QTimer::timeout, this, [this] {
        m_blinkOn = !(m_surface && m_surface->cursor().blinking) || !m_blinkOn;
        viewport()->update(cursorRect());
    });
    m_searchRefresh.setSingleShot(true);
    m_searchRefresh.setInterval(kSearchRefreshMs);
    connect(&m_searchRefresh, &QTimer::timeout, this, [this] { runSearch(false); });

    m_searchBar = new TerminalSearchBar(this);
    m_searchBar->hide();
    connect(m_searchBar, &TerminalSearchBar::searchChanged, this, [this] { runSearch(true); });
    connect(m_searchBar, &TerminalSearchBar::olderRequested, this, &TerminalView::findOlder);
    connect(m_searchBar, &TerminalSearchBar::newerRequested, this, &TerminalView::findNewer);
    connect(m_searchBar, &TerminalSearchBar::closeRequested, this, &TerminalView::hideSearch);

    connect(surface, &TerminalSurface::damaged, this, &TerminalView::onDamaged);
    connect(surface, &TerminalSurface::cursorMoved, this, &TerminalView::onCursorMoved);
    connect(surface, &TerminalSurface::bell, this, &TerminalView::onBell);
    connect(surface, &TerminalSurface::altScreenChanged, this, [this] {
        clearSelection();
        m_fullRepaint = true;
        scheduleFrame();
    });
    connect(surface, &TerminalSurface::mouseModeChanged, this,
            [this](TerminalSurface::MouseMode mode) {
                viewport()->setMouseTracking(mode == TerminalSurface::MouseMode::Move);
            });
    connect(surface, &TerminalSurface::resized, this, [this] {
        m_fullRepaint = true;
        scheduleFrame();
    });
    connect(surface, &TerminalSurface::scrollbackCleared, this, [this] {
        m_fullRepaint = true;
        m_contentChanged = true;
        scheduleFrame();
    });
    connect(surface, &QObject::destroyed, this, [this] { viewport()->update(); });

    m_top = surface->scrollbackLines();
    m_font = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    applyFont();
}

TerminalView::~TerminalView() = default;

void TerminalView::setTerminalFont(const QFont& font)
{
    m_font = font;
    applyFont();
}

void TerminalView::zoomIn()
{
    m_zoomSteps = qMin(kMaxZoomSteps, m_zoomSteps + 1);
    applyFont();
}

void TerminalView::zoomOut()
{
    const qreal base = m_font.pointSizeF() > 0 ? m_font.pointSizeF() : 10;
    if (base + m_zoomSteps - 1 >= kMinPointSize)
        --m_zoomSteps;
    applyFont();
}

void TerminalView::resetZoom()
{
    m_zoomSteps = 0;
    applyFont();
}

void TerminalView::applyFont()
{
    QFont f = m_font;
    const qreal base = m_font.pointSizeF() > 0 ? m_font.pointSizeF() : 10;
    f.setPointSizeF(qMax(kMinPointSize, base + m_zoomSteps));
    f.setStyleHint(QFont::TypeWriter);
    f.setFixedPitch(true);
    f.setKerning(false);
    const QFontMetricsF fm(f, viewport());
    // Whole pixels per cell, so every column and row starts on a pixel boundary.
    m_cellWidth = qMax(1, qCeil(fm.horizontalAdvance(QLatin1Char('M')) - 1e-3));
    m_cellHeight = qMax(1, qCeil(fm.height() - 1e-3));
    m_ascent = qRound(fm.ascent());
    m_glyphs.setFont(f);
    updateGeometry();
    updateGridSize();
    m_fullRepaint = true;
    scheduleFrame();
}

QSize TerminalView::sizeHint() const
{
    const int frame = 2 * frameWidth();
    return {80 * m_cellWidth + verticalScrollBar()->sizeHint().width() + frame,
            24 * m_cellHeight + frame};
}

void TerminalView::updateGridSize()
{
    if (!m_surface || !isVisible())
        return;
    // What the pixel-size reports (CSI 14 t, CSI 16 t) tell programs.
    m_surface->setCellPixelSize(QSize(m_cellWidth, m_cellHeight));
    const int cols = qMax(1, viewport()->width() / m_cellWidth);
    const int rows = qMax(1, viewport()->height() / m_cellHeight);
    if (cols != m_surface->cols() || rows != m_surface->rows()) {
        clearSelection();
        m_surface->resize(cols, rows);
    }
    verticalScrollBar()->setPageStep(rows);
    m_fullRepaint = true;
    scheduleFrame();
}

void TerminalView::resizeEvent(QResizeEvent* event)
{
    QAbstractScrollArea::resizeEvent(event);
    updateGridSize();
    placeSearchBar();
}

void TerminalView::showEvent(QShowEvent* event)
{
    QAbstractScrollArea::showEvent(event);
    // Not before: a hidden widget has a placeholder size, and resizing the surface to it
    // would push the screen into the scrollback and cut lines short.
    updateGridSize();
    placeSearchBar();
}

// ---- frames -------------------------------------------------------------------------------

quint64 TerminalView::dropped() const
{
    return m_surface ? m_surface->droppedLines() : 0;
}

int TerminalView::screenTop() const
{
    return m_surface ? m_surface->scrollbackLines() : 0;
}

void TerminalView::onDamaged(QRect cells)
{
    m_pendingDamage |= cells;
    m_contentChanged = true;
    ++m_damageSinceFrame;
    scheduleFrame();
}

void TerminalView::onCursorMoved()
{
    m_cursorDirty = true;
    m_blinkOn = true;
    scheduleFrame();
}

void TerminalView::scheduleFrame()
{
    if (m_frameTimer.isActive())
        return;
    // The first change after a quiet spell is painted at once (typing echo); the rest wait for
    // the next frame, so any number of feeds costs at most one paint per interval.
    const int interval = m_flooding ? kFloodFrameMs : kFrameMs;
    m_frameTimer.start(static_cast<int>(qMax<qint64>(0, interval - m_sinceFrame.elapsed())));
}

void TerminalView::frame()
{
    m_sinceFrame.restart();
    m_flooding = m_damageSinceFrame > kFloodFeeds;
    m_damageSinceFrame = 0;
    if (!m_surface) {
        viewport()->update();
        return;
    }
    syncScroll();
    if (m_hasSelection && selectionRange().first.line < dropped())
        clearSelection(); // its text has left the scrollback

    QRegion region;
    if (m_fullRepaint) {
        region = viewport()->rect();
    } else {
        if (m_pendingDamage.isValid()) {
            const int first = qMax(0, screenTop() + m_pendingDamage.top() - m_top);
            const int last =
                qMin(m_surface->rows() - 1, screenTop() + m_pendingDamage.bottom() - m_top);
            if (first <= last)
                region += QRect(0, first * m_cellHeight, viewport()->width(),
                                (last - first + 1) * m_cellHeight);
        }
        if (m_cursorDirty) {
            region += m_paintedCursor;
            region += cursorRect();
        }
    }
    if (m_contentChanged && m_searchBar->isVisible() && !m_searchBar->text().isEmpty() &&
        !m_searchRefresh.isActive())
        m_searchRefresh.start();
    m_pendingDamage = {};
    m_fullRepaint = false;
    m_cursorDirty = false;
    m_contentChanged = false;
    if (!region.isEmpty())
        viewport()->update(region);
}

void TerminalView::syncScroll()
{
    if (!m_surface)
        return;
    const int scrollback = m_surface->scrollbackLines();
    const bool alt = m_surface->altScreenActive();
    // The alternate screen has no history of its own: the view shows the screen only.
    const int maximum = alt ? 0 : scrollback;
    int value = maximum;
    if (!alt && !m_followBottom) {
        const qint64 top = static_cast<qint64>(m_anchorTop) - static_cast<qint64>(dropped());
        value = static_cast<int>(std::clamp<qint64>(top, 0, maximum));
    }
    m_syncingScroll = true;
    QScrollBar* bar = verticalScrollBar();
    if (bar->maximum() != maximum)
        bar->setRange(0, maximum);
    if (bar->value() != value)
        bar->setValue(value);
    m_syncingScroll = false;
    const int top = alt ? scrollback : value;
    if (top != m_top) {
        m_top = top;
        m_fullRepaint = true;
    }
    if (!m_followBottom)
        m_anchorTop = dropped() + static_cast<quint64>(m_top);
}

void TerminalView::scrollContentsBy(int, int)
{
    if (m_syncingScroll || !m_surface)
        return;
    const QScrollBar* bar = verticalScrollBar();
    m_followBottom = bar->value() >= bar->maximum();
    const int top = m_surface->altScreenActive() ? m_surface->scrollbackLines() : bar->value();
    m_anchorTop = dropped() + static_cast<quint64>(top);
    if (top != m_top) {
        m_top = top;
        viewport()->update();
    }
}

void TerminalView::scrollToBottom()
{
    if (m_followBottom && m_top == screenTop())
        return;
    m_followBottom = true;
    syncScroll();
    if (m_fullRepaint)
        scheduleFrame();
}

// ---- painting -----------------------------------------------------------------------------

QRect TerminalView::rowRect(int viewRow) const
{
    return {0, viewRow * m_cellHeight, viewport()->width(), m_cellHeight};
}

QRect TerminalView::cursorRect() const
{
    if (!m_surface)
        return {};
    const TerminalCursor c = m_surface->cursor();
    const int viewRow = screenTop() + c.row - m_top;
    if (viewRow < 0 || viewRow >= m_surface->rows())
        return {};
    return {c.col * m_cellWidth, viewRow * m_cellHeight, m_cellWidth, m_cellHeight};
}

void TerminalView::paintEvent(QPaintEvent* event)
{
    QPainter p(viewport());
    const QRect area = event->rect();
    if (!m_surface) {
        p.fillRect(area, QColor::fromRgb(m_paintPalette.background()));
        return;
    }
    m_paintPalette = m_surface->palette();
    if (m_surface->reverseVideo()) {
        const QRgb fg = m_paintPalette.foreground();
        m_paintPalette.setForeground(m_paintPalette.background());
        m_paintPalette.setBackground(fg);
    }
    const int rows = m_surface->rows();
    const int gridWidth = m_surface->cols() * m_cellWidth;
    const int gridHeight = rows * m_cellHeight;
    const QRegion& region = event->region();
    const quint64 base = dropped();
    std::optional<std::pair<Anchor, Anchor>> selection;
    if (hasSelection())
        selection = selectionRange();

    const int first = qMax(0, area.top() / m_cellHeight);
    const int last = qMin(rows - 1, area.bottom() / m_cellHeight);
    for (int r = first; r <= last; ++r) {
        if (!region.intersects(rowRect(r)))
            continue;
        m_surface->readLine(m_top + r, m_line);
        paintRow(p, r, m_line);
        paintOverlays(p, r, base + static_cast<quint64>(m_top + r), selection);
    }
    const QColor background = QColor::fromRgb(m_paintPalette.background());
    if (area.right() >= gridWidth)
        p.fillRect(QRect(gridWidth, 0, viewport()->width() - gridWidth, viewport()->height()),
                   background);
    if (area.bottom() >= gridHeight)
        p.fillRect(QRect(0, gridHeight, gridWidth, viewport()->height() - gridHeight), background);
    paintCursor(p);
    if (m_flash)
        p.fillRect(area, QColor(255, 255, 255, 70));
}

void TerminalView::paintRow(QPainter& p, int viewRow, const TerminalLine& line)
{
    const TerminalPalette& pal = m_paintPalette;
    const int y = viewRow * m_cellHeight;
    const int cols = m_surface->cols();
    const QRgb defaultBackground = pal.background();
    p.fillRect(QRect(0, y, cols * m_cellWidth, m_cellHeight), QColor::fromRgb(defaultBackground));

    const int n = qMin(line.size(), cols);
    // Backgrounds, one rectangle per run of equal colour.
    int runStart = -1;
    QRgb runBackground = 0;
    for (int c = 0; c <= n; ++c) {
        QRgb bg = defaultBackground;
        if (c < n) {
            // A wide character's right half keeps the pen it had before; it shows the left's.
            const PackedCell& cell = line.at(line.isWideTail(c) ? c - 1 : c);
            bg = (cell.flags & TerminalLine::Reverse) ? pal.resolveForeground(cell.fg)
                                                      : pal.resolveBackground(cell.bg);
        }
        if (runStart >= 0 && (c == n || bg != runBackground)) {
            p.fillRect(QRect(runStart * m_cellWidth, y, (c - runStart) * m_cellWidth, m_cellHeight),
                       QColor::fromRgb(runBackground));
            runStart = -1;
        }
        if (c < n && bg != defaultBackground && runStart < 0) {
            runStart = c;
            runBackground = bg;
        }
    }

    // Text: glyphs the terminal font has are batched into one glyph run per colour and face;
    // the rest (CJK, emoji, combining sequences) go through QFont and its fallbacks.
    const int baseline = y + m_ascent;
    for (int c = 0; c < n; ++c) {
        const PackedCell& cell = line.at(c);
        if (cell.ch == 0 || cell.ch == U' ' || cell.ch == TerminalLine::kWideTail)
            continue;
        const QRgb fg = (cell.flags & TerminalLine::Reverse) ? pal.resolveBackground(cell.bg)
                                                             : pal.resolveForeground(cell.fg);
        const int variant = ((cell.flags & TerminalLine::Bold) ? GlyphCache::Bold : 0) |
                            ((cell.flags & TerminalLine::Italic) ? GlyphCache::Italic : 0);
        const int x = c * m_cellWidth;
        const quint32 glyph = cell.marks == 0 ? m_glyphs.glyph(variant, cell.ch) : 0;
        if (glyph != 0) {
            if (!m_runGlyphs.isEmpty() && (variant != m_runVariant || fg != m_runColor))
                flushGlyphRun(p);
            m_runVariant = variant;
            m_runColor = fg;
            m_runGlyphs.append(glyph);
            m_runPositions.append(QPointF(x, baseline));
        } else {
            p.setFont(m_glyphs.font(variant));
            p.setPen(QColor::fromRgb(fg));
            p.drawText(QPointF(x, baseline), line.cellText(c));
        }
        if (cell.flags & (TerminalLine::Underline | TerminalLine::Strike)) {
            const int w = (line.isWide(c) ? 2 : 1) * m_cellWidth;
            if (cell.flags & TerminalLine::Underline)
                p.fillRect(QRect(x, qMin(baseline + 1, y + m_cellHeight - 1), w, 1),
                           QColor::fromRgb(fg));
            if (cell.flags & TerminalLine::Strike)
                p.fillRect(QRect(x, y + m_cellHeight / 2, w, 1), QColor::fromRgb(fg));
        }
    }
    flushGlyphRun(p);
}

void TerminalView::flushGlyphRun(QPainter& p)
{
    if (m_runGlyphs.isEmpty())
        return;
    {
        QGlyphRun run;
        run.setRawFont(m_glyphs.rawFont(m_runVariant));
        run.setGlyphIndexes(m_runGlyphs);
        run.setPositions(m_runPositions);
        p.setPen(QColor::fromRgb(m_runColor));
        p.drawGlyphRun(QPointF(0, 0), run);
    }
    // The run has let go of the lists: clearing keeps their capacity for the next run.
    m_runGlyphs.clear();
    m_runPositions.clear();
}

void TerminalView::paintOverlays(QPainter& p, int viewRow, quint64 stableLine,
                                 const std::optional<std::pair<Anchor, Anchor>>& selection)
{
    const int y = viewRow * m_cellHeight;
    const int cols = m_surface->cols();
    if (selection && stableLine >= selection->first.line && stableLine <= selection->second.line) {
        const int c0 = stableLine == selection->first.line ? selection->first.col : 0;
        const int c1 =
            stableLine == selection->second.line ? qMin(selection->second.col, cols) : cols;
        if (c1 > c0) {
            QColor highlight = palette().color(QPalette::Highlight);
            highlight.setAlpha(120);
            p.fillRect(QRect(c0 * m_cellWidth, y, (c1 - c0) * m_cellWidth, m_cellHeight),
                       highlight);
        }
    }
    if (m_matches.isEmpty())
        return;
    auto it = std::lower_bound(m_matches.cbegin(), m_matches.cend(), stableLine,
                               [](const StableMatch& m, quint64 line) { return m.line < line; });
    for (; it != m_matches.cend() && it->line == stableLine; ++it) {
        const bool current = (it - m_matches.cbegin()) == m_currentMatch;
        p.fillRect(QRect(it->col * m_cellWidth, y, it->length * m_cellWidth, m_cellHeight),
                   current ? QColor(255, 140, 0, 170) : QColor(255, 215, 0, 100));
    }
}

void TerminalView::paintCursor(QPainter& p)
{
    const QRect rect = cursorRect();
    m_paintedCursor = rect;
    const TerminalCursor cursor = m_surface->cursor();
    if (rect.isNull() || !cursor.visible || m_sessionEnded)
        return;
    if (m_blinkEnabled && cursor.blinking && !m_blinkOn && hasFocus())
        return;
    const QColor fg = QColor::fromRgb(m_paintPalette.foreground());
    if (!hasFocus()) {
        p.setPen(fg);
        p.setBrush(Qt::NoBrush);
        p.drawRect(rect.adjusted(0, 0, -1, -1));
        return;
    }
    switch (cursor.shape) {
    case CursorShape::Underline:
        p.fillRect(QRect(rect.left(), rect.bottom() - 1, rect.width(), 2), fg);
        break;
    case CursorShape::Bar:
        p.fillRect(QRect(rect.left(), rect.top(), 2, rect.height()), fg);
        break;
    case CursorShape::Block: {
        p.fillRect(rect, fg);
        m_surface->readLine(screenTop() + cursor.row, m_line);
        const QString text = m_line.cellText(cursor.col);
        if (!text.isEmpty()) {
            const PackedCell& cell = m_line.at(cursor.col);
            const int variant = ((cell.flags & TerminalLine::Bold) ? GlyphCache::Bold : 0) |
                                ((cell.flags & TerminalLine::Italic) ? GlyphCache::Italic : 0);
            p.setFont(m_glyphs.font(variant));
            p.setPen(QColor::fromRgb(m_paintPalette.background()));
            p.drawText(QPointF(rect.left(), rect.top() + m_ascent), text);
        }
        break;
    }
    }
}

// ---- bell, focus, blink -------------------------------------------------------------------

void TerminalView::onBell()
{
    if (m_sinceFlash.isValid() && m_sinceFlash.elapsed() < kBellGapMs)
        return;
    m_sinceFlash.start();
    m_flash = true;
    m_flashTimer.start(kFlashMs);
    viewport()->update();
    if (m_audibleBell)
        QApplication::beep();
}

void TerminalView::setCursorBlinkEnabled(bool on)
{
    m_blinkEnabled = on;
    m_blinkOn = true;
    if (on && hasFocus())
        m_blinkTimer.start();
    else
        m_blinkTimer.stop();
    viewport()->update(cursorRect());
}

void TerminalView::setSessionEnded(bool ended)
{
    m_sessionEnded = ended;
    if (ended)
        m_blinkTimer.stop();
    else if (m_blinkEnabled && hasFocus())
        m_blinkTimer.start();
    m_blinkOn = true;
    viewport()->update(cursorRect());
}

void TerminalView::focusInEvent(QFocusEvent* event)
{
    QAbstractScrollArea::focusInEvent(event);
    if (m_surface)
        m_surface->setFocused(true);
    if (m_blinkEnabled && !m_sessionEnded)
        m_blinkTimer.start();
    m_blinkOn = true;
    viewport()->update(cursorRect());
}

void TerminalView::focusOutEvent(QFocusEvent* event)
{
    QAbstractScrollArea::focusOutEvent(event);
    if (m_surface)
        m_surface->setFocused(false);
    m_blinkTimer.stop();
    m_blinkOn = true;
    viewport()->update(cursorRect());
}

// ---- keyboard -----------------------------------------------------------------------------

bool TerminalView::event(QEvent* event)
{
    if (event->type() == QEvent::ShortcutOverride) {
        auto* key = static_cast<QKeyEvent*>(event);
        const Qt::KeyboardModifiers mods = key->modifiers() & ~Qt::KeypadModifier;
        const bool ctrlShift = (mods & Qt::ControlModifier) && (mods & Qt::ShiftModifier);
        const bool ours = ctrlShift && (key->key() == Qt::Key_C || key->key() == Qt::Key_V ||
                                        key->key() == Qt::Key_F || key->key() == Qt::Key_Plus ||
                                        key->key() == Qt::Key_Equal);
        // The remote program gets Ctrl and Alt chords (Ctrl+W, Ctrl+R, Alt+B…) before the
        // window's shortcuts; Ctrl+Shift chords that are not ours stay with the window.
        if (!ctrlShift || ours) {
            event->accept();
            return true;
        }
    }
    if (event->type() == QEvent::KeyPress) {
        auto* key = static_cast<QKeyEvent*>(event);
        // Tab and Backtab belong to the shell (completion), not to focus navigation.
        if (key->key() == Qt::Key_Tab || key->key() == Qt::Key_Backtab) {
            keyPressEvent(key);
            return true;
        }
    }
    return QAbstractScrollArea::event(event);
}

void TerminalView::keyPressEvent(QKeyEvent* event)
{
    if (!m_surface) {
        event->ignore();
        return;
    }
    const Qt::KeyboardModifiers mods = event->modifiers() & ~Qt::KeypadModifier;
    const int key = event->key();
    if (mods == (Qt::ControlModifier | Qt::ShiftModifier)) {
        switch (key) {
        case Qt::Key_C:
            copy();
            return;
        case Qt::Key_V:
            paste();
            return;
        case Qt::Key_F:
            showSearch();
            return;
        case Qt::Key_Plus:
        case Qt::Key_Equal:
            zoomIn();
            return;
        default:
            break;
        }
    }
    if (mods == Qt::ControlModifier) {
        switch (key) {
        case Qt::Key_Equal:
        case Qt::Key_Plus:
            zoomIn();
            return;
        case Qt::Key_Minus:
            zoomOut();
            return;
        case Qt::Key_0:
            resetZoom();
            return;
        default:
            break;
        }
    }
    if (mods == Qt::ShiftModifier) {
        switch (key) {
        case Qt::Key_PageUp:
            if (!m_surface->altScreenActive()) {
                verticalScrollBar()->triggerAction(QAbstractSlider::SliderPageStepSub);
                return;
            }
            break;
        case Qt::Key_PageDown:
            if (!m_surface->altScreenActive()) {
                verticalScrollBar()->triggerAction(QAbstractSlider::SliderPageStepAdd);
                return;
            }
            break;
        case Qt::Key_Insert:
            paste();
            return;
        default:
            break;
        }
    }
    if (m_surface->sendKey(key, event->modifiers(), event->text())) {
        emit typed();
        m_blinkOn = true;
        scrollToBottom();
        event->accept();
        return;
    }
    event->ignore();
}

void TerminalView::inputMethodEvent(QInputMethodEvent* event)
{
    if (m_surface && !event->commitString().isEmpty()) {
        m_surface->sendText(event->commitString());
        emit typed();
        scrollToBottom();
    }
    event->accept();
}

QVariant TerminalView::inputMethodQuery(Qt::InputMethodQuery query) const
{
    switch (query) {
    case Qt::ImEnabled:
        return true;
    case Qt::ImCursorRectangle:
        return cursorRect().translated(viewport()->pos());
    case Qt::ImFont:
        return m_glyphs.font(GlyphCache::Regular);
    default:
        return QAbstractScrollArea::inputMethodQuery(query);
    }
}

// ---- clipboard and selection --------------------------------------------------------------

void TerminalView::copy()
{
    if (hasSelection())
        QGuiApplication::clipboard()->setText(selectedText(), QClipboard::Clipboard);
}

void TerminalView::paste()
{
    if (!m_surface)
        return;
    const QString text = QGuiApplication::clipboard()->text(QClipboard::Clipboard);
    if (text.isEmpty())
        return;
    m_surface->paste(text);
    emit typed();
    scrollToBottom();
}

void TerminalView::pasteSelection()
{
    if (!m_surface)
        return;
    // X11's primary selection; elsewhere the view's own selection plays that part.
    const QClipboard* clipboard = QGuiApplication::clipboard();
    const QString text =
        clipboard->supportsSelection() ? clipboard->text(QClipboard::Selection) : selectedText();
    if (text.isEmpty())
        return;
    m_surface->paste(text);
    emit typed();
    scrollToBottom();
}

void TerminalView::selectAll()
{
    if (!m_surface)
        return;
    m_selectionMode = SelectionMode::Char;
    m_selectionAnchor = {dropped(), 0};
    m_selectionExtent = {dropped() + static_cast<quint64>(m_surface->totalLines() - 1),
                         std::numeric_limits<int>::max()};
    m_hasSelection = true;
    viewport()->update();
}

void TerminalView::clearSelection()
{
    if (!m_hasSelection && !m_selecting)
        return;
    m_hasSelection = false;
    m_selecting = false;
    viewport()->update();
}

bool TerminalView::hasSelection() const
{
    if (!m_hasSelection)
        return false;
    const auto [a, b] = selectionRange();
    return a < b;
}

std::pair<TerminalView::Anchor, TerminalView::Anchor> TerminalView::selectionRange() const
{
    Anchor a = std::min(m_selectionAnchor, m_selectionExtent);
    Anchor b = std::max(m_selectionAnchor, m_selectionExtent);
    switch (m_selectionMode) {
    case SelectionMode::Char:
        break;
    case SelectionMode::Word:
        a.col = wordAt(a.line, a.col).first;
        b.col = wordAt(b.line, b.col).second;
        break;
    case SelectionMode::Line:
        a.col = 0;
        b.col = std::numeric_limits<int>::max();
        break;
    }
    return {a, b};
}

std::pair<int, int> TerminalView::wordAt(quint64 stableLine, int col) const
{
    const qint64 line = static_cast<qint64>(stableLine) - static_cast<qint64>(dropped());
    if (!m_surface || line < 0 || line >= m_surface->totalLines())
        return {col, col + 1};
    TerminalLine l;
    m_surface->readLine(static_cast<int>(line), l);
    const auto isWord = [&l](int c) {
        if (c < 0 || c >= l.size())
            return false;
        const char32_t ch = l.at(c).ch;
        return ch == TerminalLine::kWideTail || !isWordSeparator(ch);
    };
    if (!isWord(col))
        return {col, col + 1};
    int start = col;
    while (start > 0 && isWord(start - 1))
        --start;
    int end = col + 1;
    while (isWord(end))
        ++end;
    return {start, end};
}

QString TerminalView::selectedText() const
{
    if (!m_surface || !hasSelection())
        return {};
    const auto [a, b] = selectionRange();
    const quint64 base = dropped();
    if (b.line < base)
        return {}; // scrolled out of the scrollback
    // Soft-wrapped lines are joined without a newline (TerminalSurface::text).
    const int first = a.line < base ? 0 : static_cast<int>(a.line - base);
    const int from = a.line < base ? 0 : a.col;
    int last = static_cast<int>(
        std::min<quint64>(b.line - base, static_cast<quint64>(m_surface->totalLines())));
    int to = b.col == std::numeric_limits<int>::max() ? -1 : b.col;
    if (last >= m_surface->totalLines()) {
        last = m_surface->totalLines() - 1;
        to = -1;
    }
    return m_surface->text(first, from, last, to);
}

// ---- mouse --------------------------------------------------------------------------------

QPoint TerminalView::cellAt(QPointF pos) const
{
    if (!m_surface)
        return {};
    const int col =
        qBound(0, static_cast<int>(std::floor(pos.x() / m_cellWidth)), m_surface->cols() - 1);
    const int row =
        qBound(0, static_cast<int>(std::floor(pos.y() / m_cellHeight)), m_surface->rows() - 1);
    return {col, row};
}

TerminalView::Anchor TerminalView::anchorAt(QPointF pos, bool nearestBoundary) const
{
    const QPoint cell = cellAt(pos);
    int col = cell.x();
    if (nearestBoundary)
        col = qBound(0, qRound(pos.x() / m_cellWidth), m_surface->cols());
    return {dropped() + static_cast<quint64>(m_top + cell.y()), col};
}

bool TerminalView::reportsMouse(Qt::KeyboardModifiers mods) const
{
    // Shift keeps the mouse for selecting, as in xterm; and only the live screen is reported.
    return m_surface && m_surface->mouseMode() != TerminalSurface::MouseMode::None &&
           !(mods & Qt::ShiftModifier) && m_top == screenTop();
}

void TerminalView::forwardMouse(TerminalSurface::MouseAction action, QMouseEvent* event)
{
    const QPoint cell = cellAt(event->position());
    m_surface->sendMouse(action, cell.y(), cell.x(),
                         action == TerminalSurface::MouseAction::Move ? Qt::NoButton
                                                                      : event->button(),
                         event->modifiers());
    event->accept();
}

void TerminalView::mousePressEvent(QMouseEvent* event)
{
    if (!m_surface)
        return;
    if (reportsMouse(event->modifiers())) {
        forwardMouse(TerminalSurface::MouseAction::Press, event);
        return;
    }
    if (event->button() == Qt::MiddleButton) {
        pasteSelection();
        return;
    }
    if (event->button() != Qt::LeftButton) {
        QAbstractScrollArea::mousePressEvent(event);
        return;
    }
    const QPoint cell = cellAt(event->position());
    const bool triple =
        m_sinceDoubleClick.isValid() &&
        m_sinceDoubleClick.elapsed() < QGuiApplication::styleHints()->mouseDoubleClickInterval() &&
        cell == m_doubleClickCell;
    m_sinceDoubleClick.invalidate();
    m_selecting = true;
    if (triple) {
        m_selectionMode = SelectionMode::Line;
        m_selectionAnchor = m_selectionExtent = anchorAt(event->position(), false);
        m_hasSelection = true;
    } else {
        m_selectionMode = SelectionMode::Char;
        m_selectionAnchor = m_selectionExtent = anchorAt(event->position(), true);
        m_hasSelection = false;
    }
    viewport()->update();
}

void TerminalView::mouseDoubleClickEvent(QMouseEvent* event)
{
    if (!m_surface)
        return;
    if (reportsMouse(event->modifiers())) {
        forwardMouse(TerminalSurface::MouseAction::Press, event);
        return;
    }
    if (event->button() != Qt::LeftButton)
        return;
    m_selectionMode = SelectionMode::Word;
    m_selectionAnchor = m_selectionExtent = anchorAt(event->position(), false);
    m_hasSelection = true;
    m_selecting = true;
    m_sinceDoubleClick.start();
    m_doubleClickCell = cellAt(event->position());
    viewport()->update();
}

void TerminalView::mouseMoveEvent(QMouseEvent* event)
{
    if (!m_surface)
        return;
    if (reportsMouse(event->modifiers())) {
        forwardMouse(TerminalSurface::MouseAction::Move, event);
        return;
    }
    if (!m_selecting || !(event->buttons() & Qt::LeftButton))
        return;
    // Dragging past the top or bottom edge scrolls, a line per move.
    if (event->position().y() < 0)
        verticalScrollBar()->triggerAction(QAbstractSlider::SliderSingleStepSub);
    else if (event->position().y() >= viewport()->height())
        verticalScrollBar()->triggerAction(QAbstractSlider::SliderSingleStepAdd);
    m_selectionExtent = anchorAt(event->position(), m_selectionMode == SelectionMode::Char);
    m_hasSelection =
        m_selectionMode != SelectionMode::Char || m_selectionExtent != m_selectionAnchor;
    viewport()->update();
}

void TerminalView::mouseReleaseEvent(QMouseEvent* event)
{
    if (!m_surface)
        return;
    if (reportsMouse(event->modifiers())) {
        forwardMouse(TerminalSurface::MouseAction::Release, event);
        return;
    }
    if (event->button() != Qt::LeftButton || !m_selecting)
        return;
    m_selecting = false;
    QClipboard* clipboard = QGuiApplication::clipboard();
    if (hasSelection() && clipboard->supportsSelection())
        clipboard->setText(selectedText(), QClipboard::Selection);
}

void TerminalView::wheelEvent(QWheelEvent* event)
{
    if (!m_surface)
        return;
    const bool report = reportsMouse(event->modifiers());
    const bool alt = m_surface->altScreenActive();
    if (!report && !alt) {
        m_wheelRemainder = 0;
        QAbstractScrollArea::wheelEvent(event);
        return;
    }
    m_wheelRemainder += event->angleDelta().y();
    const int steps = m_wheelRemainder / 120;
    m_wheelRemainder -= steps * 120;
    if (report) {
        const QPoint cell = cellAt(event->position());
        for (int i = 0; i < qAbs(steps); ++i)
            m_surface->sendMouse(steps > 0 ? TerminalSurface::MouseAction::WheelUp
                                           : TerminalSurface::MouseAction::WheelDown,
                                 cell.y(), cell.x(), Qt::NoButton, event->modifiers());
    } else {
        // No history in the alternate screen: the wheel scrolls the program instead (less,
        // man, vim), as arrow keys, the way xterm's alternateScroll does.
        for (int i = 0; i < qAbs(steps) * kWheelLinesInAltScreen; ++i)
            m_surface->sendKey(steps > 0 ? Qt::Key_Up : Qt::Key_Down, Qt::NoModifier);
    }
    event->accept();
}

// ---- search -------------------------------------------------------------------------------

void TerminalView::placeSearchBar()
{
    const QSize size = m_searchBar->sizeHint();
    const QRect area = viewport()->geometry();
    const int x = qMax(area.left(), area.right() + 1 - size.width() - 8);
    m_searchBar->setGeometry(x, area.top() + 4, qMin(size.width(), area.width()), size.height());
}

void TerminalView::showSearch()
{
    placeSearchBar();
    m_searchBar->show();
    m_searchBar->raise();
    m_searchBar->focusField();
    if (!m_searchBar->text().isEmpty())
        runSearch(true);
}

void TerminalView::hideSearch()
{
    m_searchBar->hide();
    m_searchRefresh.stop();
    m_matches.clear();
    m_currentMatch = -1;
    setFocus(Qt::OtherFocusReason);
    viewport()->update();
}

QList<TerminalMatch> TerminalView::searchMatches() const
{
    QList<TerminalMatch> out;
    const quint64 base = dropped();
    for (const StableMatch& m : m_matches) {
        if (m.line >= base)
            out.append({static_cast<int>(m.line - base), m.col, m.length});
    }
    return out;
}

void TerminalView::runSearch(bool reveal)
{
    if (!m_surface)
        return;
    std::optional<StableMatch> previous;
    if (!reveal && m_currentMatch >= 0)
        previous = m_matches[m_currentMatch];
    m_matches.clear();
    m_currentMatch = -1;
    const quint64 base = dropped();
    const QList<TerminalMatch> found =
        m_surface->find(m_searchBar->text(), m_searchBar->caseSensitivity());
    m_matches.reserve(found.size());
    for (const TerminalMatch& m : found)
        m_matches.append({base + static_cast<quint64>(m.line), m.col, m.length});
    if (!m_matches.isEmpty()) {
        // A refresh keeps the current match (or the nearest older one); a new search starts
        // from the newest.
        m_currentMatch = static_cast<int>(m_matches.size()) - 1;
        if (previous) {
            for (int i = static_cast<int>(m_matches.size()) - 1; i >= 0; --i) {
                const StableMatch& m = m_matches[i];
                if (m.line < previous->line ||
                    (m.line == previous->line && m.col <= previous->col)) {
                    m_currentMatch = i;
                    break;
                }
            }
        }
    }
    m_searchBar->setStatus(m_currentMatch, static_cast<int>(m_matches.size()));
    if (reveal)
        revealMatch();
    viewport()->update();
}

void TerminalView::revealMatch()
{
    if (!m_surface || m_currentMatch < 0 || m_surface->altScreenActive())
        return;
    syncScroll();
    const qint64 line =
        static_cast<qint64>(m_matches[m_currentMatch].line) - static_cast<qint64>(dropped());
    const int rows = m_surface->rows();
    if (line < 0 || (line >= m_top && line < m_top + rows))
        return;
    verticalScrollBar()->setValue(
        qBound(0, static_cast<int>(line) - rows / 2, verticalScrollBar()->maximum()));
}

void TerminalView::stepMatch(int delta)
{
    if (m_matches.isEmpty())
        return;
    const int n = static_cast<int>(m_matches.size());
    m_currentMatch = ((m_currentMatch < 0 ? n : m_currentMatch) + delta + n) % n;
    m_searchBar->setStatus(m_currentMatch, n);
    revealMatch();
    viewport()->update();
}

void TerminalView::findOlder()
{
    stepMatch(-1);
}

void TerminalView::findNewer()
{
    stepMatch(+1);
}

} // namespace gpudeck::terminal
