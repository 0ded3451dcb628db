// Terminal throughput on one deterministic ~100 MB stream of what a remote shell sends: plain
// lines, SGR colour changes, cursor movement, htop-like full-screen redraws in the alternate
// screen, and UTF-8 with wide and combining characters. Three measurements of the same bytes,
// fed in 32 KiB slices (ShellSession's read size):
//   1. libvterm 0.1.4 alone: vterm_input_write into its own screen (VTermScreen), no callbacks,
//      no Qt; for reference also 1b, with a scrollback callback that keeps nothing, and 1c,
//      parser and state with no screen at all (the part of libvterm the surface uses);
//   2. TerminalSurface::feed: libvterm's parser and state, our screen, scrollback, damage,
//      replies and workarounds;
//   3. surface + TerminalView shown (offscreen by default), fed one slice per event-loop pass
//      as queued channel data would be, painting at the view's own coalescing frame rate.
// Runs are interleaved and the median is reported, with the ratio of 3 to 1 (target ≥ 80 %).
// Wall time decides MB/s; the process's CPU time is shown too, since a shared machine stretches
// wall time.
//
//   gpudeck-bench-terminal [--mb 100] [--runs 3] [--cols 120] [--rows 40] [--chunk 32768]
//                          [--write-stream FILE]
#include "terminalsurface.h"
#include "terminalview.h"

#include <vterm.h>

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QFontMetricsF>
#include <QImage>
#include <QPainter>
#include <QTimer>

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <vector>

using gpudeck::terminal::PackedCell;
using gpudeck::terminal::TerminalLine;
using gpudeck::terminal::TerminalPalette;
using gpudeck::terminal::TerminalSurface;
using gpudeck::terminal::TerminalView;

namespace {

// xorshift64*: the same stream on every machine and Qt version.
class Rng final {
public:
    explicit Rng(quint64 seed)
        : m_state(seed ? seed : 1)
    {}
    quint32 next()
    {
        m_state ^= m_state >> 12;
        m_state ^= m_state << 25;
        m_state ^= m_state >> 27;
        return static_cast<quint32>((m_state * 0x2545F4914F6CDD1DULL) >> 32);
    }
    int bounded(int lo, int hi)
    {
        return lo + static_cast<int>(next() % static_cast<quint32>(hi - lo));
    }

private:
    quint64 m_state;
};

constexpr std::array kWords = {"the",      "quick",
                               "brown",    "fox",
                               "jumps",    "over",
                               "lazy",     "dog",
                               "epoch",    "loss",
                               "0.0421",   "acc",
                               "cuda:0",   "tensor",
                               "batch",    "lr=3e-4",
                               "step",     "nvidia-smi",
                               "GPU",      "MiB",
                               "python",   "train.py",
                               "--epochs", "checkpoint",
                               "saved",    "/data/run_42/ckpt.pt",
                               "[INFO]",   "12.5s"};
// Display width of each: two columns for CJK and emoji.
struct Wide {
    const char* utf8;
    int width;
};
constexpr std::array kUnicode = {
    Wide{"héllo", 5},     Wide{"wörld", 5}, Wide{"naïve", 5}, Wide{"中文", 4},    Wide{"日本語", 6},
    Wide{"한국어", 6},    Wide{"✓", 1},     Wide{"→", 1},     Wide{"😀", 2},       Wide{"🚀", 2},
    Wide{"e\xcc\x81", 1}, Wide{"─┼─", 3},   Wide{"█▓▒░", 4},  Wide{"Ελληνικά", 8}};

enum Kind { Plain, Colour, Unicode, Cursor, Htop, KindCount };
constexpr std::array<const char*, KindCount> kKindNames = {
    "plain lines", "SGR-coloured lines", "UTF-8 lines (wide, combining)", "cursor movement + erase",
    "htop-like redraws (alt screen)"};

QByteArray number(int n)
{
    return QByteArray::number(n);
}

void plainLine(QByteArray& out, Rng& rng, int cols)
{
    const int target = rng.bounded(10, cols - 8);
    int width = 0;
    while (width < target) {
        const char* w = kWords[static_cast<size_t>(rng.bounded(0, kWords.size()))];
        out += w;
        out += ' ';
        width += static_cast<int>(qstrlen(w)) + 1;
    }
    out += "\r\n";
}

void colourLine(QByteArray& out, Rng& rng, int cols)
{
    const int target = rng.bounded(10, cols - 8);
    int width = 0;
    while (width < target) {
        switch (rng.bounded(0, 4)) {
        case 0:
            out += "\x1b[3" + number(rng.bounded(0, 8)) + 'm';
            break;
        case 1:
            out += "\x1b[1;38;5;" + number(rng.bounded(0, 256)) + 'm';
            break;
        case 2:
            out += "\x1b[38;2;" + number(rng.bounded(0, 256)) + ';' + number(rng.bounded(0, 256)) +
                   ';' + number(rng.bounded(0, 256)) + 'm';
            break;
        default:
            out += "\x1b[4" + number(rng.bounded(0, 8)) + 'm';
            break;
        }
        const char* w = kWords[static_cast<size_t>(rng.bounded(0, kWords.size()))];
        out += w;
        out += "\x1b[0m ";
        width += static_cast<int>(qstrlen(w)) + 1;
    }
    out += "\r\n";
}

void unicodeLine(QByteArray& out, Rng& rng, int cols)
{
    const int target = rng.bounded(10, cols - 10);
    int width = 0;
    while (width < target) {
        if (rng.bounded(0, 2)) {
            const Wide& w = kUnicode[static_cast<size_t>(rng.bounded(0, kUnicode.size()))];
            out += w.utf8;
            width += w.width;
        } else {
            const char* w = kWords[static_cast<size_t>(rng.bounded(0, kWords.size()))];
            out += w;
            width += static_cast<int>(qstrlen(w));
        }
        out += ' ';
        ++width;
    }
    out += "\r\n";
}

void cursorDance(QByteArray& out, Rng& rng, int cols, int rows)
{
    for (int i = 0; i < 8; ++i) {
        out += "\x1b[" + number(rng.bounded(1, rows + 1)) + ';' +
               number(rng.bounded(1, cols - 20)) + 'H';
        out += kWords[static_cast<size_t>(rng.bounded(0, kWords.size()))];
        out += rng.bounded(0, 2) ? "\x1b[K" : "\x1b[2C";
    }
    out += "\x1b[A\x1b[" + number(rows) + ";1H\r\n";
}

void htopRedraws(QByteArray& out, Rng& rng, int cols, int rows)
{
    out += "\x1b[?1049h\x1b[H\x1b[2J";
    for (int frame = 0; frame < 3; ++frame) {
        for (int r = 1; r <= rows; ++r) {
            out += "\x1b[" + number(r) + ";1H";
            if (r <= rows / 3) {
                // A CPU meter: "  3[|||||||||         42.1%]".
                const int bar = cols / 2;
                const int used = rng.bounded(0, bar);
                out += "\x1b[1;36m" + number(r).rightJustified(3) + "\x1b[0m[\x1b[32m" +
                       QByteArray(used / 2, '|') + "\x1b[31m" + QByteArray(used - used / 2, '|') +
                       "\x1b[0m" + QByteArray(bar - used, ' ') +
                       QByteArray::number(rng.bounded(0, 1000) / 10.0, 'f', 1) + "%]";
            } else {
                // A process row.
                out += "\x1b[" + QByteArray(r % 2 ? "30;46" : "0") + "m" +
                       number(rng.bounded(1, 99999)).rightJustified(7) + " root      20   0 " +
                       number(rng.bounded(1, 9999999)).rightJustified(8) + ' ' +
                       QByteArray::number(rng.bounded(0, 1000) / 10.0, 'f', 1).rightJustified(5) +
                       " \x1b[1mpython\x1b[0m train.py --epochs " + number(rng.bounded(1, 100));
            }
            out += "\x1b[K";
        }
    }
    out += "\x1b[?1049l";
}

struct Stream {
    QByteArray bytes;
    std::array<qint64, KindCount> perKind{};
};

Stream generate(qint64 size, int cols, int rows, quint64 seed)
{
    Stream s;
    s.bytes.reserve(size + 64 * 1024);
    Rng rng(seed);
    while (s.bytes.size() < size) {
        const qsizetype before = s.bytes.size();
        const int dice = rng.bounded(0, 1000);
        const Kind kind = dice < 560   ? Plain
                          : dice < 780 ? Colour
                          : dice < 900 ? Unicode
                          : dice < 997 ? Cursor
                                       : Htop;
        switch (kind) {
        case Plain:
            plainLine(s.bytes, rng, cols);
            break;
        case Colour:
            colourLine(s.bytes, rng, cols);
            break;
        case Unicode:
            unicodeLine(s.bytes, rng, cols);
            break;
        case Cursor:
            cursorDance(s.bytes, rng, cols, rows);
            break;
        case Htop:
        case KindCount:
            htopRedraws(s.bytes, rng, cols, rows);
            break;
        }
        s.perKind[kind] += s.bytes.size() - before;
    }
    return s;
}

// Wall and CPU time of one measurement.
struct Timing {
    double wall = 0;
    double cpu = 0;
};

double processCpuSeconds()
{
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

class Stopwatch final {
public:
    Stopwatch()
        : m_cpu(processCpuSeconds())
    {
        m_wall.start();
    }
    [[nodiscard]] Timing elapsed() const
    {
        return {static_cast<double>(m_wall.nsecsElapsed()) / 1e9, processCpuSeconds() - m_cpu};
    }

private:
    QElapsedTimer m_wall;
    double m_cpu;
};

int pushNothing(int, const VTermScreenCell*, void*)
{
    return 1;
}

enum class Raw { Screen, ScreenWithScrollback, StateOnly };

// 1: libvterm by itself.
Timing rawLibvterm(const QByteArray& data, int cols, int rows, qsizetype chunk, Raw mode)
{
    // libvterm keeps the pointer: the callbacks must outlive the terminal.
    static constexpr VTermScreenCallbacks callbacks = {nullptr, nullptr, nullptr,      nullptr,
                                                       nullptr, nullptr, &pushNothing, nullptr};
    VTerm* vt = vterm_new(rows, cols);
    vterm_set_utf8(vt, 1);
    if (mode == Raw::StateOnly) {
        vterm_state_reset(vterm_obtain_state(vt), 1);
    } else {
        VTermScreen* screen = vterm_obtain_screen(vt);
        if (mode == Raw::ScreenWithScrollback)
            vterm_screen_set_callbacks(screen, &callbacks, nullptr);
        vterm_screen_enable_altscreen(screen, 1);
        vterm_screen_reset(screen, 1);
    }
    const Stopwatch watch;
    for (qsizetype at = 0; at < data.size(); at += chunk)
        vterm_input_write(vt, data.constData() + at,
                          static_cast<size_t>(qMin(chunk, data.size() - at)));
    const Timing t = watch.elapsed();
    vterm_free(vt);
    return t;
}

// 2: the surface, no event loop, no view.
Timing surfaceOnly(const QByteArray& data, int cols, int rows, qsizetype chunk)
{
    TerminalSurface surface(cols, rows);
    const Stopwatch watch;
    for (qsizetype at = 0; at < data.size(); at += chunk)
        surface.feed(QByteArrayView(data).sliced(at, qMin(chunk, data.size() - at)));
    return watch.elapsed();
}

class PaintProbe final : public QObject {
public:
    explicit PaintProbe(const QElapsedTimer& clock)
        : m_clock(clock)
    {}
    int paints = 0;
    qint64 lastPaintNs = 0;

protected:
    bool eventFilter(QObject* watched, QEvent* event) override
    {
        if (event->type() == QEvent::Paint) {
            ++paints;
            lastPaintNs = m_clock.nsecsElapsed();
        }
        return QObject::eventFilter(watched, event);
    }

private:
    const QElapsedTimer& m_clock;
};

struct ViewResult {
    Timing time;
    int paints = 0;
    double fullFrameMs = 0;
    double drawTextFrameMs = 0;
};

// The obvious way to paint, for comparison: QPainter::drawText for each run of equally coloured
// cells, Qt laying the text out every frame. Same content, same kind of target (a QImage).
double drawTextFrameMs(const TerminalSurface& surface, const TerminalView& view, int frames)
{
    const QSize cell = view.cellSize();
    QImage image(surface.cols() * cell.width(), surface.rows() * cell.height(),
                 QImage::Format_ARGB32_Premultiplied);
    QFont font = view.terminalFont();
    font.setKerning(false);
    const qreal ascent = QFontMetricsF(font).ascent();
    const TerminalPalette& palette = surface.palette();
    TerminalLine line;
    QElapsedTimer t;
    t.start();
    for (int f = 0; f < frames; ++f) {
        QPainter p(&image);
        p.setFont(font);
        for (int r = 0; r < surface.rows(); ++r) {
            surface.readLine(surface.scrollbackLines() + r, line);
            const int y = r * cell.height();
            p.fillRect(QRect(0, y, image.width(), cell.height()),
                       QColor::fromRgb(palette.background()));
            for (int c = 0; c < line.size();) {
                const quint32 fg = line.at(c).fg;
                const quint32 bg = line.at(c).bg;
                const int start = c;
                QString run;
                for (; c < line.size() && line.at(c).fg == fg && line.at(c).bg == bg; ++c) {
                    if (line.isWideTail(c))
                        continue;
                    const QString text = line.cellText(c);
                    run += text.isEmpty() ? QStringLiteral(" ") : text;
                }
                const QRect area(start * cell.width(), y, (c - start) * cell.width(),
                                 cell.height());
                if (bg != TerminalPalette::kDefault)
                    p.fillRect(area, QColor::fromRgb(palette.resolveBackground(bg)));
                p.setPen(QColor::fromRgb(palette.resolveForeground(fg)));
                p.drawText(QPointF(area.left(), y + ascent), run);
            }
        }
    }
    return static_cast<double>(t.nsecsElapsed()) / 1e6 / frames;
}

void sizeViewToGrid(TerminalView& view, const TerminalSurface& surface, int cols, int rows)
{
    const QSize cell = view.cellSize();
    const QSize chrome = view.size() - view.viewport()->size();
    view.resize(chrome.width() + cols * cell.width(), chrome.height() + rows * cell.height());
    QElapsedTimer wait;
    wait.start();
    while ((surface.cols() != cols || surface.rows() != rows) && wait.elapsed() < 5000)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
}

// 3: surface + view, as in the app: one slice per event-loop pass, painting on the view's
// frame timer. Ends at the last paint after the last slice.
ViewResult surfaceAndView(const QByteArray& data, int cols, int rows, qsizetype chunk)
{
    TerminalSurface surface(cols, rows);
    TerminalView view(&surface);
    view.show();
    QCoreApplication::processEvents();
    sizeViewToGrid(view, surface, cols, rows);
    if (surface.cols() != cols || surface.rows() != rows)
        qWarning("the view gave a %dx%d grid, not %dx%d", surface.cols(), surface.rows(), cols,
                 rows);
    QCoreApplication::processEvents();

    QElapsedTimer clock;
    PaintProbe probe(clock);
    const double cpuAtStart = processCpuSeconds();
    view.viewport()->installEventFilter(&probe);
    qsizetype at = 0;
    qint64 fedNs = 0;
    QEventLoop loop;
    QTimer feeder;
    feeder.setInterval(0);
    QObject::connect(&feeder, &QTimer::timeout, &loop, [&] {
        surface.feed(QByteArrayView(data).sliced(at, qMin(chunk, data.size() - at)));
        at += chunk;
        if (at >= data.size()) {
            feeder.stop();
            fedNs = clock.nsecsElapsed();
            // Long enough for the last frame (≤ 33 ms away) to be painted.
            QTimer::singleShot(150, &loop, &QEventLoop::quit);
        }
    });
    clock.start();
    feeder.start();
    loop.exec();

    ViewResult r;
    r.time.wall = static_cast<double>(qMax(fedNs, probe.lastPaintNs)) / 1e9;
    // Only the 150 ms wait after the last slice is idle: CPU time needs no correction.
    r.time.cpu = processCpuSeconds() - cpuAtStart;
    r.paints = probe.paints;
    view.viewport()->removeEventFilter(&probe);

    // What one full-screen frame of this content costs, the view's way and the obvious way.
    constexpr int frames = 100;
    QImage image(view.viewport()->size(), QImage::Format_ARGB32_Premultiplied);
    QElapsedTimer t;
    t.start();
    for (int i = 0; i < frames; ++i)
        view.viewport()->render(&image);
    r.fullFrameMs = static_cast<double>(t.nsecsElapsed()) / 1e6 / frames;
    r.drawTextFrameMs = drawTextFrameMs(surface, view, frames);
    return r;
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

struct Series {
    std::vector<double> wall;
    std::vector<double> cpu;
    void add(Timing t)
    {
        wall.push_back(t.wall);
        cpu.push_back(t.cpu);
    }
    [[nodiscard]] Timing median() const { return {::median(wall), ::median(cpu)}; }
};

} // namespace

int main(int argc, char* argv[])
{
    QByteArray commandLine;
    if (!qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        commandLine = "QT_QPA_PLATFORM=" + qgetenv("QT_QPA_PLATFORM") + ' ';
    for (int i = 0; i < argc; ++i)
        commandLine += QByteArray(i ? " " : "") + argv[i];
    // Offscreen unless told otherwise: no display needed, and the numbers do not depend on a
    // compositor.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Terminal throughput benchmark"));
    parser.addHelpOption();
    const QCommandLineOption mbOption(QStringLiteral("mb"), QStringLiteral("Stream size in MB."),
                                      QStringLiteral("n"), QStringLiteral("100"));
    const QCommandLineOption runsOption(QStringLiteral("runs"), QStringLiteral("Runs of each."),
                                        QStringLiteral("n"), QStringLiteral("3"));
    const QCommandLineOption colsOption(QStringLiteral("cols"), QStringLiteral("Columns."),
                                        QStringLiteral("n"), QStringLiteral("120"));
    const QCommandLineOption rowsOption(QStringLiteral("rows"), QStringLiteral("Rows."),
                                        QStringLiteral("n"), QStringLiteral("40"));
    const QCommandLineOption chunkOption(
        QStringLiteral("chunk"), QStringLiteral("Bytes per feed (ShellSession reads 32 KiB)."),
        QStringLiteral("bytes"), QStringLiteral("32768"));
    const QCommandLineOption writeOption(
        QStringLiteral("write-stream"),
        QStringLiteral("Only write the stream to a file (to `cat` it in other terminals)."),
        QStringLiteral("file"));
    parser.addOptions({mbOption, runsOption, colsOption, rowsOption, chunkOption, writeOption});
    parser.process(app);
    const qint64 size = static_cast<qint64>(parser.value(mbOption).toDouble() * 1e6);
    const int runs = qMax(1, parser.value(runsOption).toInt());
    const int cols = qMax(40, parser.value(colsOption).toInt());
    const int rows = qMax(10, parser.value(rowsOption).toInt());
    const qsizetype chunk = qMax(1, parser.value(chunkOption).toInt());

    const Stream stream = generate(size, cols, rows, 20240611);
    if (parser.isSet(writeOption)) {
        QFile file(parser.value(writeOption));
        if (!file.open(QIODevice::WriteOnly) || file.write(stream.bytes) != stream.bytes.size()) {
            std::fprintf(stderr, "cannot write %s\n", qPrintable(file.fileName()));
            return 1;
        }
        return 0;
    }
    const double mb = static_cast<double>(stream.bytes.size()) / 1e6;
    std::printf("stream: %.1f MB, %dx%d, %lld-byte feeds\n", mb, cols, rows,
                static_cast<long long>(chunk));
    for (int k = 0; k < KindCount; ++k)
        std::printf("  %5.1f %%  %s\n",
                    100.0 * static_cast<double>(stream.perKind[k]) /
                        static_cast<double>(stream.bytes.size()),
                    kKindNames[static_cast<size_t>(k)]);
    std::fflush(stdout);

    Series raw, rawPush, rawState, surface, view;
    std::vector<double> paints, frameMs, drawTextMs;
    for (int run = 0; run < runs; ++run) {
        raw.add(rawLibvterm(stream.bytes, cols, rows, chunk, Raw::Screen));
        rawPush.add(rawLibvterm(stream.bytes, cols, rows, chunk, Raw::ScreenWithScrollback));
        rawState.add(rawLibvterm(stream.bytes, cols, rows, chunk, Raw::StateOnly));
        surface.add(surfaceOnly(stream.bytes, cols, rows, chunk));
        const ViewResult v = surfaceAndView(stream.bytes, cols, rows, chunk);
        view.add(v.time);
        paints.push_back(v.paints);
        frameMs.push_back(v.fullFrameMs);
        drawTextMs.push_back(v.drawTextFrameMs);
        std::printf("run %d: 1 %.2f s, 1b %.2f s, 1c %.2f s, 2 %.2f s, 3 %.2f s (%d paints)\n",
                    run + 1, raw.wall.back(), rawPush.wall.back(), rawState.wall.back(),
                    surface.wall.back(), view.wall.back(), v.paints);
        std::fflush(stdout);
    }
    const Timing tRaw = raw.median();
    const Timing tView = view.median();
    const auto row = [&](const char* stage, const char* what, Timing t) {
        std::printf("| %s | %s | %.2f | %.2f | %.1f | %.0f %% |\n", stage, what, t.wall, t.cpu,
                    mb / t.wall, 100.0 * tRaw.wall / t.wall);
    };
    std::printf("\n| stage | what | wall s | CPU s | MB/s | vs. 1 |\n");
    std::printf("|---|---|---|---|---|---|\n");
    row("1", "libvterm 0.1.4 alone: parser, state and its VTermScreen, no callbacks", tRaw);
    row("1b", "the same with an `sb_pushline` callback that keeps nothing", rawPush.median());
    row("1c", "libvterm parser and state only, no screen (what the surface uses)",
        rawState.median());
    row("2", "`TerminalSurface::feed`: libvterm state + our screen, scrollback, damage",
        surface.median());
    row("3", "surface + `TerminalView` painting at its frame rate (offscreen)", tView);
    std::printf("\nMedians of %d interleaved runs; MB/s from wall time.\n", runs);
    std::printf("(3) painted %.0f frames in %.2f s (%.1f per second).\n", median(paints),
                tView.wall, median(paints) / tView.wall);
    std::printf("One full-screen frame of the final screen: %.2f ms as the view paints it (glyph "
                "runs placed on the cell grid), %.2f ms with QPainter::drawText per colour run.\n",
                median(frameMs), median(drawTextMs));
    std::printf("(3) reaches %.0f %% of (1) in wall time, %.0f %% in CPU time: target >= 80 %%.\n",
                100.0 * tRaw.wall / tView.wall, 100.0 * tRaw.cpu / tView.cpu);
    std::printf("\nCommand: %s\n", commandLine.constData());
    std::printf("Platform: %s, Qt %s, libvterm %s\n", qPrintable(QGuiApplication::platformName()),
                qVersion(), GPUDECK_VTERM_VERSION);
    return 0;
}
