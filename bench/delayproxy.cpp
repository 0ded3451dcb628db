// gpudeck-delay-proxy: a TCP proxy that adds a fixed one-way delay (and an optional rate cap)
// to every byte, so network code can be measured and tested as it behaves across a WAN link
// rather than loopback, and a "dropped link" can be made by killing it. Part of the repository
// so that the resume, drop and pause tests and the transfer benchmark run from a clone.
//
//     gpudeck-delay-proxy --listen 127.0.0.1:0 --target 127.0.0.1:22 --delay-ms 20 [--mbit 500]
//
// Prints "listening HOST:PORT" once it accepts. Bytes keep their order; each chunk is
// released when its delay has elapsed; the rate cap paces releases per direction. Stops on
// SIGINT/SIGTERM, or after --max-seconds (default 3600) so a forgotten proxy never runs long.
// One thread, poll(2): a proxy in front of one sshd carries a few connections at most.
#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <memory>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

// Bytes read from one side and not yet released to the other: stands in for what is "on the
// wire". 64 MiB covers a 40 ms round trip at over 1 GB/s; beyond it reading pauses, which is
// the back-pressure TCP itself would apply.
constexpr size_t kMaxQueued = 64u << 20;
constexpr size_t kReadChunk = 64u << 10;

volatile std::sig_atomic_t g_stop = 0;

void onSignal(int)
{
    g_stop = 1;
}

struct Chunk {
    Clock::time_point due;
    std::string data;
    size_t sent = 0;
};

// One direction of one connection: read from `from`, release to `to` when due.
struct Pipe {
    int from = -1;
    int to = -1;
    std::deque<Chunk> queue;
    size_t queued = 0;
    bool readEnded = false; // `from` said EOF (or failed)
    bool shutDown = false;  // EOF passed on to `to`
    Clock::time_point nextFree{};
};

struct Connection {
    int client = -1;
    int server = -1;
    Pipe up;   // client → server
    Pipe down; // server → client
    bool dead = false;
};

bool parseHostPort(const std::string& s, sockaddr_in& out)
{
    const auto colon = s.rfind(':');
    if (colon == std::string::npos)
        return false;
    std::string host = s.substr(0, colon);
    if (host.empty())
        host = "127.0.0.1";
    std::memset(&out, 0, sizeof out);
    out.sin_family = AF_INET;
    out.sin_port = htons(static_cast<uint16_t>(std::atoi(s.c_str() + colon + 1)));
    return inet_pton(AF_INET, host.c_str(), &out.sin_addr) == 1;
}

void setNonBlocking(int fd)
{
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// Reads what is there into the queue.
bool pump(Pipe& p, Clock::duration delay)
{
    if (p.readEnded || p.queued >= kMaxQueued)
        return true;
    char buf[kReadChunk];
    const ssize_t n = ::read(p.from, buf, sizeof buf);
    if (n > 0) {
        p.queue.push_back({Clock::now() + delay, std::string(buf, static_cast<size_t>(n)), 0});
        p.queued += static_cast<size_t>(n);
        return true;
    }
    // The end, or a reset: what was read before it is still delivered, as a real link would
    // have delivered the bytes already on their way.
    if (n == 0 || (errno != EAGAIN && errno != EINTR))
        p.readEnded = true;
    return true;
}

// Releases what is due; false when the connection failed.
bool release(Pipe& p, double bytesPerSecond)
{
    const auto now = Clock::now();
    while (!p.queue.empty()) {
        Chunk& c = p.queue.front();
        if (c.due > now || (bytesPerSecond > 0 && p.nextFree > now))
            return true;
        size_t len = c.data.size() - c.sent;
        if (bytesPerSecond > 0) // pace in pieces of at most 2 ms at the cap
            len = std::min(len, std::max<size_t>(1, static_cast<size_t>(bytesPerSecond / 500)));
        const ssize_t n = ::send(p.to, c.data.data() + c.sent, len, MSG_NOSIGNAL);
        if (n < 0)
            return errno == EAGAIN || errno == EINTR;
        c.sent += static_cast<size_t>(n);
        p.queued -= static_cast<size_t>(n);
        if (bytesPerSecond > 0)
            p.nextFree = std::max(p.nextFree, now) +
                         std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                             static_cast<double>(n) / bytesPerSecond));
        if (c.sent == c.data.size())
            p.queue.pop_front();
    }
    if (p.readEnded && !p.shutDown) {
        ::shutdown(p.to, SHUT_WR);
        p.shutDown = true;
    }
    return true;
}

// When this pipe next has something to do without new input (for poll's timeout).
Clock::time_point nextDue(const Pipe& p)
{
    if (p.queue.empty())
        return Clock::time_point::max();
    return std::max(p.queue.front().due, p.nextFree);
}

} // namespace

int main(int argc, char** argv)
{
    std::string listen;
    std::string target;
    double delayMs = 20;
    double mbit = 0;
    double maxSeconds = 3600;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string key = argv[i];
        const char* value = argv[i + 1];
        if (key == "--listen")
            listen = value;
        else if (key == "--target")
            target = value;
        else if (key == "--delay-ms")
            delayMs = std::atof(value);
        else if (key == "--mbit")
            mbit = std::atof(value);
        else if (key == "--max-seconds")
            maxSeconds = std::atof(value);
        else {
            std::fprintf(stderr, "unknown option %s\n", key.c_str());
            return 2;
        }
    }
    sockaddr_in listenAddr{};
    sockaddr_in targetAddr{};
    if (!parseHostPort(listen, listenAddr) || !parseHostPort(target, targetAddr)) {
        std::fprintf(stderr,
                     "usage: %s --listen HOST:PORT --target HOST:PORT [--delay-ms MS] "
                     "[--mbit MBIT] [--max-seconds S]\n",
                     argv[0]);
        return 2;
    }
    const auto delay = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double, std::milli>(delayMs));
    const double bytesPerSecond = mbit > 0 ? mbit * 1e6 / 8 : 0;

    const int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (server < 0 ||
        ::bind(server, reinterpret_cast<sockaddr*>(&listenAddr), sizeof listenAddr) != 0 ||
        ::listen(server, 16) != 0) {
        std::fprintf(stderr, "cannot listen on %s: %s\n", listen.c_str(), std::strerror(errno));
        return 1;
    }
    socklen_t len = sizeof listenAddr;
    ::getsockname(server, reinterpret_cast<sockaddr*>(&listenAddr), &len);
    char host[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &listenAddr.sin_addr, host, sizeof host);
    std::printf("listening %s:%d\n", host, ntohs(listenAddr.sin_port));
    std::fflush(stdout);

    struct sigaction sa {};
    sa.sa_handler = onSignal;
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
    const auto end = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(maxSeconds));
    std::vector<std::unique_ptr<Connection>> conns;
    while (!g_stop && Clock::now() < end) {
        std::vector<pollfd> fds{{server, POLLIN, 0}};
        Clock::time_point wake = end;
        for (const auto& c : conns) {
            for (Pipe* p : {&c->up, &c->down}) {
                short in = (!p->readEnded && p->queued < kMaxQueued) ? POLLIN : 0;
                fds.push_back({p->from, in, 0});
                if (!p->queue.empty()) {
                    const auto due = nextDue(*p);
                    if (due <= Clock::now())
                        fds.push_back({p->to, POLLOUT, 0});
                    wake = std::min(wake, due);
                }
            }
        }
        // ppoll: microsecond wake-ups, so the pacing keeps to the cap (poll's milliseconds,
        // rounded up, would cost a good part of it with small pieces).
        const auto wait = std::clamp<long long>(
            std::chrono::duration_cast<std::chrono::microseconds>(wake - Clock::now()).count(), 0,
            1000000);
        const timespec timeout{static_cast<time_t>(wait / 1000000),
                               static_cast<long>(wait % 1000000) * 1000};
        ::ppoll(fds.data(), fds.size(), &timeout, nullptr);
        if (fds[0].revents & POLLIN) {
            const int client = ::accept4(server, nullptr, nullptr, SOCK_CLOEXEC);
            if (client >= 0) {
                const int upstream = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
                if (upstream < 0 || ::connect(upstream, reinterpret_cast<sockaddr*>(&targetAddr),
                                              sizeof targetAddr) != 0) {
                    ::close(client);
                    if (upstream >= 0)
                        ::close(upstream);
                } else {
                    setNonBlocking(client);
                    setNonBlocking(upstream);
                    auto c = std::make_unique<Connection>();
                    c->client = client;
                    c->server = upstream;
                    c->up.from = client;
                    c->up.to = upstream;
                    c->down.from = upstream;
                    c->down.to = client;
                    conns.push_back(std::move(c));
                }
            }
        }
        for (auto& c : conns) {
            for (Pipe* p : {&c->up, &c->down}) {
                if (!pump(*p, delay) || !release(*p, bytesPerSecond))
                    c->dead = true;
            }
            if (c->up.shutDown && c->down.shutDown)
                c->dead = true;
        }
        for (auto it = conns.begin(); it != conns.end();) {
            if ((*it)->dead) {
                ::close((*it)->client);
                ::close((*it)->server);
                it = conns.erase(it);
            } else {
                ++it;
            }
        }
    }
    return 0;
}
