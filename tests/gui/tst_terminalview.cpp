// The terminal view on a real (offscreen) window: keys in, bytes out; mouse selection and the
// clipboard; the view's size driving the surface; search; and a flood that must not freeze the
// event loop.
#include "guitestmain.h"
#include "terminalsurface.h"
#include "terminalview.h"

#include <QClipboard>
#include <QElapsedTimer>
#include <QLabel>
#include <QLineEdit>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTimer>
#include <QVBoxLayout>

#include <memory>

using namespace Qt::StringLiterals;
using gpudeck::terminal::TerminalSurface;
using gpudeck::terminal::TerminalView;

namespace {

QByteArray numberedLines(int from, int count)
{
    QByteArray data;
    for (int i = from; i < from + count; ++i)
        data += "line " + QByteArray::number(i) + "\r\n";
    return data;
}

// Counts the viewport's paint events.
class PaintCounter final : public QObject {
public:
    using QObject::QObject;
    int paints = 0;

protected:
    bool eventFilter(QObject* watched, QEvent* event) override
    {
        if (event->type() == QEvent::Paint)
            ++paints;
        return QObject::eventFilter(watched, event);
    }
};

} // namespace

class tst_TerminalView final : public QObject {
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void typing_data();
    void typing();
    void tabStaysInTheTerminal();
    void viewSizeDrivesSurface();
    void paintsCellColours();
    void dragSelectsAndCopies();
    void doubleClickWordTripleClickLine();
    void pasteShortcut_data();
    void pasteShortcut();
    void middleClickPastesSelection();
    void mouseReportsGoToTheProgram();
    void wheelAndKeysScrollTheScrollback();
    void wheelInAlternateScreenSendsArrows();
    void searchFindsTextInScrollback();
    void zoomChangesTheGrid();
    void floodKeepsTheEventLoopResponsive();

private:
    [[nodiscard]] QPoint cellCenter(int row, int col) const;
    void mouse(QEvent::Type type, QPoint pos, Qt::MouseButton button,
               Qt::KeyboardModifiers mods = Qt::NoModifier);
    void waitForFrame();

    std::unique_ptr<TerminalSurface> m_surface;
    std::unique_ptr<TerminalView> m_view;
    QByteArray m_output;
};

void tst_TerminalView::init()
{
    m_surface = std::make_unique<TerminalSurface>(80, 24);
    m_view = std::make_unique<TerminalView>(m_surface.get());
    m_view->setObjectName(u"terminalView"_s);
    m_view->resize(820, 520);
    m_view->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
    m_view->activateWindow();
    m_view->setFocus();
    connect(m_surface.get(), &TerminalSurface::output, this,
            [this](const QByteArray& bytes) { m_output += bytes; });
    m_output.clear();
    QGuiApplication::clipboard()->clear();
}

void tst_TerminalView::cleanup()
{
    m_view.reset();
    m_surface.reset();
}

QPoint tst_TerminalView::cellCenter(int row, int col) const
{
    const QSize cell = m_view->cellSize();
    return {col * cell.width() + cell.width() / 2, row * cell.height() + cell.height() / 2};
}

void tst_TerminalView::mouse(QEvent::Type type, QPoint pos, Qt::MouseButton button,
                             Qt::KeyboardModifiers mods)
{
    QWidget* viewport = m_view->viewport();
    const Qt::MouseButtons buttons = type == QEvent::MouseButtonRelease ? Qt::NoButton
                                     : type == QEvent::MouseMove        ? Qt::MouseButtons(button)
                                                                        : button;
    QMouseEvent event(type, QPointF(pos), QPointF(viewport->mapToGlobal(pos)),
                      type == QEvent::MouseMove ? Qt::NoButton : button, buttons, mods);
    QApplication::sendEvent(viewport, &event);
}

void tst_TerminalView::waitForFrame()
{
    // The frame timer runs at most every 33 ms; a few of them and the paint that follows.
    QTest::qWait(80);
}

void tst_TerminalView::typing_data()
{
    QTest::addColumn<QByteArray>("setup");
    QTest::addColumn<int>("key");
    QTest::addColumn<int>("mods");
    QTest::addColumn<QByteArray>("expected");

    const int none = Qt::NoModifier;
    QTest::newRow("enter") << QByteArray() << int(Qt::Key_Return) << none << QByteArray("\r");
    QTest::newRow("ctrl+c") << QByteArray() << int(Qt::Key_C) << int(Qt::ControlModifier)
                            << QByteArray("\x03");
    QTest::newRow("ctrl+d") << QByteArray() << int(Qt::Key_D) << int(Qt::ControlModifier)
                            << QByteArray("\x04");
    QTest::newRow("ctrl+r") << QByteArray() << int(Qt::Key_R) << int(Qt::ControlModifier)
                            << QByteArray("\x12");
    QTest::newRow("up") << QByteArray() << int(Qt::Key_Up) << none << QByteArray("\x1b[A");
    QTest::newRow("up in vim") << QByteArray("\x1b[?1h") << int(Qt::Key_Up) << none
                               << QByteArray("\x1bOA");
    QTest::newRow("home") << QByteArray() << int(Qt::Key_Home) << none << QByteArray("\x1b[H");
    QTest::newRow("end") << QByteArray() << int(Qt::Key_End) << none << QByteArray("\x1b[F");
    QTest::newRow("page up") << QByteArray() << int(Qt::Key_PageUp) << none
                             << QByteArray("\x1b[5~");
    QTest::newRow("F1") << QByteArray() << int(Qt::Key_F1) << none << QByteArray("\x1bOP");
    QTest::newRow("F12") << QByteArray() << int(Qt::Key_F12) << none << QByteArray("\x1b[24~");
    QTest::newRow("backspace") << QByteArray() << int(Qt::Key_Backspace) << none
                               << QByteArray("\x7f");
    QTest::newRow("escape") << QByteArray() << int(Qt::Key_Escape) << none << QByteArray("\x1b");
    QTest::newRow("alt+x as meta")
        << QByteArray() << int(Qt::Key_X) << int(Qt::AltModifier) << QByteArray("\x1bx");
    QTest::newRow("delete") << QByteArray() << int(Qt::Key_Delete) << none << QByteArray("\x1b[3~");
}

void tst_TerminalView::typing()
{
    QFETCH(QByteArray, setup);
    QFETCH(int, key);
    QFETCH(int, mods);
    QFETCH(QByteArray, expected);

    m_surface->feed(setup);
    QTest::keyClicks(m_view.get(), u"ls -la"_s);
    QCOMPARE(m_output, QByteArray("ls -la"));
    m_output.clear();
    QTest::keyClick(m_view.get(), Qt::Key(key), Qt::KeyboardModifiers(mods));
    QCOMPARE(m_output, expected);
}

void tst_TerminalView::tabStaysInTheTerminal()
{
    // Next to another focusable widget, Tab would move the focus there.
    QWidget window;
    auto* layout = new QVBoxLayout(&window);
    auto* edit = new QLineEdit(&window);
    layout->addWidget(edit);
    TerminalSurface surface(80, 24);
    auto* view = new TerminalView(&surface, &window);
    layout->addWidget(view);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.activateWindow();
    view->setFocus();
    QTRY_VERIFY(view->hasFocus());
    QByteArray out;
    connect(&surface, &TerminalSurface::output, this, [&out](const QByteArray& b) { out += b; });
    QTest::keyClick(view, Qt::Key_Tab);
    QCOMPARE(out, QByteArray("\t"));
    QTest::keyClick(view, Qt::Key_Backtab, Qt::ShiftModifier);
    QCOMPARE(out, QByteArray("\t\x1b[Z"));
    QVERIFY(view->hasFocus());
    QVERIFY(!edit->hasFocus());
}

void tst_TerminalView::viewSizeDrivesSurface()
{
    const QSize cell = m_view->cellSize();
    QVERIFY(cell.width() > 0 && cell.height() > 0);
    const auto expectGrid = [this, cell] {
        return QSize(m_view->viewport()->width() / cell.width(),
                     m_view->viewport()->height() / cell.height());
    };
    QCOMPARE(QSize(m_surface->cols(), m_surface->rows()), expectGrid());

    QSignalSpy resized(m_surface.get(), &TerminalSurface::resized);
    m_view->resize(500, 300);
    QTRY_COMPARE(QSize(m_surface->cols(), m_surface->rows()), expectGrid());
    QCOMPARE(resized.count(), 1);
    QCOMPARE(resized.first().at(0).toInt(), m_surface->cols());
    QCOMPARE(resized.first().at(1).toInt(), m_surface->rows());

    // A few pixels more, not a whole cell: no resize of the remote PTY.
    const int chrome = m_view->width() - m_view->viewport()->width();
    m_view->resize(chrome + m_surface->cols() * cell.width() + cell.width() - 1, 300);
    QTest::qWait(20);
    QCOMPARE(resized.count(), 1);
    m_view->resize(chrome + (m_surface->cols() + 1) * cell.width(), 300);
    QTRY_COMPARE(resized.count(), 2);
    QCOMPARE(QSize(m_surface->cols(), m_surface->rows()), expectGrid());
}

void tst_TerminalView::paintsCellColours()
{
    m_surface->feed("\x1b[41m    \x1b[0m\r\n\x1b[1;32mMMMMMMMM\x1b[0m");
    waitForFrame();
    const QImage image = m_view->viewport()->grab().toImage();
    const QSize cell = m_view->cellSize();
    // Red background, xterm's red.
    QCOMPARE(QColor(image.pixel(cellCenter(0, 1))), QColor(0xcd, 0, 0));
    // The default background next to it.
    QCOMPARE(QColor(image.pixel(cellCenter(0, 10))), QColor(0x1e, 0x1e, 0x1e));
    // Green glyphs on row 1: some pixel of the cells is clearly green.
    bool green = false;
    for (int x = 0; x < 8 * cell.width() && !green; ++x) {
        for (int y = cell.height(); y < 2 * cell.height() && !green; ++y) {
            const QColor c(image.pixel(x, y));
            green = c.green() > 120 && c.red() < 80 && c.blue() < 80;
        }
    }
    QVERIFY2(green, "no green text painted");
    // Row 2 has no text: nothing but background there.
    for (int x = 0; x < 8 * cell.width(); ++x)
        QCOMPARE(QColor(image.pixel(x, 2 * cell.height() + cell.height() / 2)),
                 QColor(0x1e, 0x1e, 0x1e));
}

void tst_TerminalView::dragSelectsAndCopies()
{
    m_surface->feed("hello world\r\nsecond line");
    const QSize cell = m_view->cellSize();
    // From the left edge of "hello" to the boundary after it.
    mouse(QEvent::MouseButtonPress, QPoint(1, cell.height() / 2), Qt::LeftButton);
    mouse(QEvent::MouseMove, QPoint(3 * cell.width(), cell.height() / 2), Qt::LeftButton);
    mouse(QEvent::MouseMove, QPoint(5 * cell.width() + 1, cell.height() / 2), Qt::LeftButton);
    mouse(QEvent::MouseButtonRelease, QPoint(5 * cell.width() + 1, cell.height() / 2),
          Qt::LeftButton);
    QVERIFY(m_view->hasSelection());
    QCOMPARE(m_view->selectedText(), u"hello"_s);
    QTest::keyClick(m_view.get(), Qt::Key_C, Qt::ControlModifier | Qt::ShiftModifier);
    QCOMPARE(QGuiApplication::clipboard()->text(), u"hello"_s);
    QCOMPARE(m_output, QByteArray()); // the copy chord is not sent to the remote

    // Across lines; the selection is painted.
    mouse(QEvent::MouseButtonPress, QPoint(6 * cell.width(), cell.height() / 2), Qt::LeftButton);
    mouse(QEvent::MouseMove, cellCenter(1, 5) + QPoint(cell.width() / 2, 0), Qt::LeftButton);
    mouse(QEvent::MouseButtonRelease, cellCenter(1, 5) + QPoint(cell.width() / 2, 0),
          Qt::LeftButton);
    QCOMPARE(m_view->selectedText(), u"world\nsecond"_s);
    waitForFrame();
    const QImage image = m_view->viewport()->grab().toImage();
    QVERIFY(QColor(image.pixel(cellCenter(0, 15))) != QColor(0x1e, 0x1e, 0x1e));
    QCOMPARE(QColor(image.pixel(cellCenter(1, 20))), QColor(0x1e, 0x1e, 0x1e));

    // A click without a drag clears it.
    mouse(QEvent::MouseButtonPress, cellCenter(3, 3), Qt::LeftButton);
    mouse(QEvent::MouseButtonRelease, cellCenter(3, 3), Qt::LeftButton);
    QVERIFY(!m_view->hasSelection());
}

void tst_TerminalView::doubleClickWordTripleClickLine()
{
    m_surface->feed("ls foo bar-baz.txt ~/data/set_1 'quoted'");
    const QPoint inWord = cellCenter(0, 10);
    mouse(QEvent::MouseButtonPress, inWord, Qt::LeftButton);
    mouse(QEvent::MouseButtonRelease, inWord, Qt::LeftButton);
    mouse(QEvent::MouseButtonPress, inWord, Qt::LeftButton);
    mouse(QEvent::MouseButtonDblClick, inWord, Qt::LeftButton);
    mouse(QEvent::MouseButtonRelease, inWord, Qt::LeftButton);
    QCOMPARE(m_view->selectedText(), u"bar-baz.txt"_s);

    mouse(QEvent::MouseButtonPress, inWord, Qt::LeftButton);
    mouse(QEvent::MouseButtonRelease, inWord, Qt::LeftButton);
    QCOMPARE(m_view->selectedText(), u"ls foo bar-baz.txt ~/data/set_1 'quoted'"_s);

    // Double-click then drag extends by words.
    mouse(QEvent::MouseButtonPress, cellCenter(0, 4), Qt::LeftButton);
    mouse(QEvent::MouseButtonDblClick, cellCenter(0, 4), Qt::LeftButton);
    mouse(QEvent::MouseMove, cellCenter(0, 21), Qt::LeftButton);
    mouse(QEvent::MouseButtonRelease, cellCenter(0, 21), Qt::LeftButton);
    QCOMPARE(m_view->selectedText(), u"foo bar-baz.txt ~/data/set_1"_s);
}

void tst_TerminalView::pasteShortcut_data()
{
    QTest::addColumn<QByteArray>("setup");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("plain") << QByteArray() << QByteArray("echo hi\rls");
    QTest::newRow("bracketed") << QByteArray("\x1b[?2004h")
                               << QByteArray("\x1b[200~echo hi\rls\x1b[201~");
}

void tst_TerminalView::pasteShortcut()
{
    QFETCH(QByteArray, setup);
    QFETCH(QByteArray, expected);
    m_surface->feed(setup);
    QGuiApplication::clipboard()->setText(u"echo hi\nls"_s);
    QTest::keyClick(m_view.get(), Qt::Key_V, Qt::ControlModifier | Qt::ShiftModifier);
    QCOMPARE(m_output, expected);
    m_output.clear();
    QTest::keyClick(m_view.get(), Qt::Key_Insert, Qt::ShiftModifier);
    QCOMPARE(m_output, expected);
}

void tst_TerminalView::middleClickPastesSelection()
{
    m_surface->feed("pick me");
    mouse(QEvent::MouseButtonPress, QPoint(1, 2), Qt::LeftButton);
    mouse(QEvent::MouseMove, cellCenter(0, 6) + QPoint(m_view->cellSize().width() / 2, 0),
          Qt::LeftButton);
    mouse(QEvent::MouseButtonRelease, cellCenter(0, 6) + QPoint(m_view->cellSize().width() / 2, 0),
          Qt::LeftButton);
    QCOMPARE(m_view->selectedText(), u"pick me"_s);
    mouse(QEvent::MouseButtonPress, cellCenter(5, 5), Qt::MiddleButton);
    mouse(QEvent::MouseButtonRelease, cellCenter(5, 5), Qt::MiddleButton);
    QCOMPARE(m_output, QByteArray("pick me"));
}

void tst_TerminalView::mouseReportsGoToTheProgram()
{
    m_surface->feed("\x1b[?1000h\x1b[?1006h");
    mouse(QEvent::MouseButtonPress, cellCenter(2, 4), Qt::LeftButton);
    mouse(QEvent::MouseButtonRelease, cellCenter(2, 4), Qt::LeftButton);
    QCOMPARE(m_output, QByteArray("\x1b[<0;5;3M\x1b[<0;5;3m"));
    QVERIFY(!m_view->hasSelection());

    // Shift keeps the mouse for selecting.
    m_output.clear();
    m_surface->feed("\x1b[Hselect");
    mouse(QEvent::MouseButtonPress, QPoint(1, 2), Qt::LeftButton, Qt::ShiftModifier);
    mouse(QEvent::MouseMove, cellCenter(0, 5) + QPoint(m_view->cellSize().width() / 2, 0),
          Qt::LeftButton, Qt::ShiftModifier);
    mouse(QEvent::MouseButtonRelease, cellCenter(0, 5) + QPoint(m_view->cellSize().width() / 2, 0),
          Qt::LeftButton, Qt::ShiftModifier);
    QCOMPARE(m_output, QByteArray());
    QCOMPARE(m_view->selectedText(), u"select"_s);
}

void tst_TerminalView::wheelAndKeysScrollTheScrollback()
{
    m_surface->feed(numberedLines(0, 200));
    waitForFrame();
    QScrollBar* bar = m_view->verticalScrollBar();
    const int history = m_surface->scrollbackLines();
    QVERIFY(history > 100);
    QCOMPARE(bar->maximum(), history);
    QCOMPARE(bar->value(), history);
    QCOMPARE(m_view->firstVisibleLine(), history);

    QWheelEvent up(QPointF(cellCenter(3, 3)),
                   QPointF(m_view->viewport()->mapToGlobal(cellCenter(3, 3))), QPoint(),
                   QPoint(0, 120), Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(m_view->viewport(), &up);
    QCOMPARE(bar->value(), history - QApplication::wheelScrollLines());
    const int top = m_view->firstVisibleLine();
    QCOMPARE(top, history - QApplication::wheelScrollLines());
    QCOMPARE(m_output, QByteArray()); // the wheel is not for the program here

    // Output while scrolled back leaves the view where it is.
    m_surface->feed(numberedLines(200, 50));
    waitForFrame();
    QCOMPARE(m_view->firstVisibleLine(), top);
    QCOMPARE(m_surface->text(top), u"line %1"_s.arg(top));

    QTest::keyClick(m_view.get(), Qt::Key_PageUp, Qt::ShiftModifier);
    QCOMPARE(m_view->firstVisibleLine(), top - m_surface->rows());
    QCOMPARE(m_output, QByteArray());
    QTest::keyClick(m_view.get(), Qt::Key_PageDown, Qt::ShiftModifier);
    QCOMPARE(m_view->firstVisibleLine(), top);

    // Typing goes back to the live screen.
    QTest::keyClick(m_view.get(), Qt::Key_A);
    QCOMPARE(m_output, QByteArray("a"));
    QCOMPARE(m_view->firstVisibleLine(), m_surface->scrollbackLines());
    QCOMPARE(bar->value(), bar->maximum());
}

void tst_TerminalView::wheelInAlternateScreenSendsArrows()
{
    m_surface->feed(QByteArray(numberedLines(0, 100) + "\x1b[?1049h"));
    waitForFrame();
    QCOMPARE(m_view->verticalScrollBar()->maximum(), 0);
    QWheelEvent up(QPointF(cellCenter(3, 3)),
                   QPointF(m_view->viewport()->mapToGlobal(cellCenter(3, 3))), QPoint(),
                   QPoint(0, 120), Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(m_view->viewport(), &up);
    QCOMPARE(m_output, QByteArray("\x1b[A\x1b[A\x1b[A"));
    m_surface->feed("\x1b[?1049l");
    waitForFrame();
    QCOMPARE(m_view->verticalScrollBar()->maximum(), m_surface->scrollbackLines());
}

void tst_TerminalView::searchFindsTextInScrollback()
{
    m_surface->feed(QByteArray("a needle in the haystack\r\n" + numberedLines(0, 300)));
    waitForFrame();
    QVERIFY(m_view->firstVisibleLine() > 200);

    QTest::keyClick(m_view.get(), Qt::Key_F, Qt::ControlModifier | Qt::ShiftModifier);
    auto* bar = m_view->findChild<QWidget*>(u"terminalSearch"_s);
    QVERIFY(bar);
    QTRY_VERIFY(bar->isVisible());
    auto* field = bar->findChild<QLineEdit*>(u"terminalSearchField"_s);
    QVERIFY(field);
    QTRY_VERIFY(field->hasFocus());
    QTest::keyClicks(field, u"NEEDLE"_s);

    QCOMPARE(m_view->searchMatches().size(), 1);
    QCOMPARE(m_view->searchMatches().first().line, 0);
    QCOMPARE(m_view->searchMatches().first().col, 2);
    QCOMPARE(m_view->firstVisibleLine(), 0); // scrolled back to it
    QCOMPARE(bar->findChild<QLabel*>(u"terminalSearchStatus"_s)->text(), u"1 of 1"_s);
    QCOMPARE(m_output, QByteArray()); // typing in the bar does not reach the remote
    waitForFrame();
    const QImage image = m_view->viewport()->grab().toImage();
    const QColor highlighted(image.pixel(cellCenter(0, 2).x(), 1));
    QVERIFY2(highlighted.red() > 120 && highlighted.blue() < 100, "current match not highlighted");

    // More matches; Enter goes to the older one.
    field->clear();
    QTest::keyClicks(field, u"line 2"_s); // line 2, line 20..29, line 200..299
    QCOMPARE(m_view->searchMatches().size(), 1 + 10 + 100);
    QCOMPARE(m_view->currentSearchMatch(), 110);
    QTest::keyClick(field, Qt::Key_Return);
    QCOMPARE(m_view->currentSearchMatch(), 109);
    QTest::keyClick(field, Qt::Key_Return, Qt::ShiftModifier);
    QCOMPARE(m_view->currentSearchMatch(), 110);

    QTest::keyClick(field, Qt::Key_Escape);
    QVERIFY(!bar->isVisible());
    QVERIFY(m_view->searchMatches().isEmpty());
    QTRY_VERIFY(m_view->hasFocus());
}

void tst_TerminalView::zoomChangesTheGrid()
{
    const QSize cell = m_view->cellSize();
    const int cols = m_surface->cols();
    QTest::keyClick(m_view.get(), Qt::Key_Equal, Qt::ControlModifier);
    QTest::keyClick(m_view.get(), Qt::Key_Equal, Qt::ControlModifier);
    QCOMPARE(m_view->zoomSteps(), 2);
    QVERIFY(m_view->cellSize().height() > cell.height());
    QVERIFY(m_surface->cols() < cols);
    QTest::keyClick(m_view.get(), Qt::Key_0, Qt::ControlModifier);
    QCOMPARE(m_view->cellSize(), cell);
    QCOMPARE(m_surface->cols(), cols);
    QTest::keyClick(m_view.get(), Qt::Key_Minus, Qt::ControlModifier);
    QVERIFY(m_view->cellSize().height() <= cell.height());
    QVERIFY(m_surface->cols() >= cols);
    QCOMPARE(m_output, QByteArray()); // zoom chords are the view's own
}

void tst_TerminalView::floodKeepsTheEventLoopResponsive()
{
    // ~16 KiB per chunk, the size of a libssh channel read, with colour and wide characters.
    QByteArray chunk;
    for (int i = 0; chunk.size() < 16 * 1024; ++i)
        chunk += "\x1b[3" + QByteArray::number(i % 8) + "mline " + QByteArray::number(i) +
                 "\x1b[0m the quick brown fox 中文 jumps over the lazy dog " +
                 QByteArray::number(i * 7919) + "\r\n";
    const qint64 total = 20 * 1024 * 1024;
    qint64 fed = 0;

    PaintCounter paints;
    m_view->viewport()->installEventFilter(&paints);

    QElapsedTimer clock;
    clock.start();
    qint64 lastTick = 0;
    QList<qint64> gaps;
    QTimer watchdog;
    watchdog.setInterval(10);
    connect(&watchdog, &QTimer::timeout, this, [&] {
        const qint64 now = clock.elapsed();
        gaps.append(now - lastTick);
        lastTick = now;
    });

    // Halfway, a Ctrl+C arrives as a real key event would: queued behind whatever is pending.
    qint64 interruptPostedAt = -1;
    qint64 interruptLatency = -1;
    connect(m_surface.get(), &TerminalSurface::output, this, [&](const QByteArray& bytes) {
        if (bytes.contains('\x03') && interruptLatency < 0)
            interruptLatency = clock.elapsed() - interruptPostedAt;
    });

    QTimer feeder;
    feeder.setInterval(0);
    connect(&feeder, &QTimer::timeout, this, [&] {
        m_surface->feed(chunk);
        fed += chunk.size();
        if (interruptPostedAt < 0 && fed >= total / 2) {
            interruptPostedAt = clock.elapsed();
            QCoreApplication::postEvent(
                m_view.get(), new QKeyEvent(QEvent::KeyPress, Qt::Key_C, Qt::ControlModifier));
        }
        if (fed >= total)
            feeder.stop();
    });
    watchdog.start();
    feeder.start();
    QTRY_VERIFY_WITH_TIMEOUT(!feeder.isActive(), 180'000);
    const qint64 elapsed = clock.elapsed();
    watchdog.stop();

    const qint64 worst = *std::max_element(gaps.cbegin(), gaps.cend());
    const auto late = std::count_if(gaps.cbegin(), gaps.cend(), [](qint64 g) { return g > 100; });
    qInfo("fed %lld MiB in %lld ms; %d paints; watchdog: %lld ticks, worst gap %lld ms, %lld "
          "over 100 ms; Ctrl+C after %lld ms",
          fed >> 20, elapsed, paints.paints, static_cast<qint64>(gaps.size()), worst,
          static_cast<qint64>(late), interruptLatency);
    // Responsiveness, not speed: the timer kept firing about every 10 ms (a single late tick
    // is allowed for a busy shared machine), and the key got through at once.
    QVERIFY2(late <= 2, qPrintable(u"%1 watchdog gaps over 100 ms"_s.arg(late)));
    QVERIFY2(worst < 1000, qPrintable(u"worst watchdog gap %1 ms"_s.arg(worst)));
    QVERIFY(interruptLatency >= 0);
    QVERIFY2(interruptLatency < 100, qPrintable(u"Ctrl+C took %1 ms"_s.arg(interruptLatency)));
    QCOMPARE(m_output, QByteArray("\x03"));
    // The screen was painted while the flood ran, but coalesced: at most about one paint per
    // 16 ms frame, far fewer than the 1,280 feeds.
    QVERIFY(paints.paints >= 3);
    QVERIFY2(paints.paints <= elapsed / 16 + 10,
             qPrintable(u"%1 paints in %2 ms"_s.arg(paints.paints).arg(elapsed)));
    // And it ends on the last line.
    QTRY_VERIFY(m_surface->lineText(m_surface->rows() - 2).startsWith(u"line"_s));
    QCOMPARE(m_view->firstVisibleLine(), m_surface->scrollbackLines());
}

GPUDECK_GUITEST_MAIN(tst_TerminalView)
#include "tst_terminalview.moc"
