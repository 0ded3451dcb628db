// gpudeck-termcheck: runs a program in a local pseudo-terminal attached to a TerminalSurface,
// the same emulator and reply path a terminal tab uses, with no window and no SSH. Conformance
// suites (esctest2), vttest-style scripts and full-screen programs run against the emulator
// through it; it exits with the program's status.
#include "terminalsurface.h"

#include <QByteArray>
#include <QObject>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

using gpudeck::terminal::TerminalSurface;

namespace {

constexpr const char* kUsage =
    "usage: gpudeck-termcheck [--size COLSxROWS] [--dump-screen] -- COMMAND [ARG...]\n"
    "Runs COMMAND in a pseudo-terminal attached to GPUDeck's terminal emulator (no window,\n"
    "no SSH) and exits with COMMAND's status. --size defaults to 80x25; --dump-screen prints\n"
    "the screen's text to stdout when COMMAND has finished.\n";

struct Options {
    int cols = 80;
    int rows = 25;
    bool dumpScreen = false;
    std::vector<char*> command;
};

bool parseSize(const char* text, int& cols, int& rows)
{
    char tail = 0;
    return std::sscanf(text, "%dx%d%c", &cols, &rows, &tail) == 2 && cols >= 2 && rows >= 1 &&
           cols <= 1000 && rows <= 1000;
}

bool parseOptions(int argc, char** argv, Options& options)
{
    int i = 1;
    for (; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--") {
            ++i;
            break;
        }
        if (arg == "--size" && i + 1 < argc) {
            if (!parseSize(argv[++i], options.cols, options.rows)) {
                std::fprintf(stderr, "gpudeck-termcheck: --size wants COLSxROWS, e.g. 80x25\n");
                return false;
            }
        } else if (arg == "--dump-screen") {
            options.dumpScreen = true;
        } else {
            std::fprintf(stderr, "gpudeck-termcheck: unknown option %s\n%s", argv[i], kUsage);
            return false;
        }
    }
    for (; i < argc; ++i)
        options.command.push_back(argv[i]);
    if (options.command.empty()) {
        std::fputs(kUsage, stderr);
        return false;
    }
    options.command.push_back(nullptr);
    return true;
}

// The whole reply, even when the program is slow to read: a terminal never drops its answers.
void writeAll(int fd, const QByteArray& bytes)
{
    qsizetype done = 0;
    while (done < bytes.size()) {
        const ssize_t n =
            ::write(fd, bytes.constData() + done, static_cast<size_t>(bytes.size() - done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            pollfd p{fd, POLLOUT, 0};
            ::poll(&p, 1, 100);
            continue;
        }
        if (n <= 0)
            return; // the program is gone; nobody is left to read the reply
        done += n;
    }
}

int exitStatus(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return 1;
}

} // namespace

int main(int argc, char** argv)
{
    Options options;
    if (!parseOptions(argc, argv, options))
        return 2;

    winsize size{};
    size.ws_col = static_cast<unsigned short>(options.cols);
    size.ws_row = static_cast<unsigned short>(options.rows);
    int master = -1;
    const pid_t child = ::forkpty(&master, nullptr, nullptr, &size);
    if (child < 0) {
        std::fprintf(stderr, "gpudeck-termcheck: cannot open a pseudo-terminal: %s\n",
                     std::strerror(errno));
        return 2;
    }
    if (child == 0) {
        // What a terminal tab announces to the remote shell.
        ::setenv("TERM", "xterm-256color", 1);
        ::setenv("COLUMNS", std::to_string(options.cols).c_str(), 1);
        ::setenv("LINES", std::to_string(options.rows).c_str(), 1);
        ::execvp(options.command[0], options.command.data());
        std::fprintf(stderr, "gpudeck-termcheck: cannot run %s: %s\n", options.command[0],
                     std::strerror(errno));
        ::_exit(127);
    }

    std::signal(SIGPIPE, SIG_IGN);
    TerminalSurface surface(options.cols, options.rows);
    QObject::connect(&surface, &TerminalSurface::output,
                     [master](const QByteArray& bytes) { writeAll(master, bytes); });
    QObject::connect(&surface, &TerminalSurface::resized, [master](int cols, int rows) {
        winsize ws{};
        ws.ws_col = static_cast<unsigned short>(cols);
        ws.ws_row = static_cast<unsigned short>(rows);
        ::ioctl(master, TIOCSWINSZ, &ws);
    });

    std::vector<char> buffer(64 * 1024);
    for (;;) {
        pollfd p{master, POLLIN, 0};
        if (::poll(&p, 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        const ssize_t n = ::read(master, buffer.data(), buffer.size());
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0)
            break; // EIO: every process holding the terminal has closed it
        surface.feed(QByteArrayView(buffer.data(), n));
    }
    ::close(master);

    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (options.dumpScreen) {
        for (int row = 0; row < surface.rows(); ++row)
            std::printf("%s\n", surface.lineText(row).toUtf8().constData());
    }
    return exitStatus(status);
}
