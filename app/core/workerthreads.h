#pragma once

#include <QThreadPool>

namespace gpudeck {

// Joins the global pool's worker threads when main() ends. OpenSSL, which libssh uses on those
// threads, frees every thread's state in an atexit handler that assumes all threads using it
// have ended (OpenSSL issue 6214); a pool thread left idle after an SSH probe met that handler as
// a double free in OPENSSL_cleanup under AddressSanitizer. Declare one in main() after the
// application object and before anything that starts pool work, so it runs after their
// destructors and before the exit handlers.
class WorkerThreadsJoin {
public:
    WorkerThreadsJoin() = default;
    WorkerThreadsJoin(const WorkerThreadsJoin&) = delete;
    WorkerThreadsJoin& operator=(const WorkerThreadsJoin&) = delete;
    ~WorkerThreadsJoin() { QThreadPool::globalInstance()->waitForDone(); }
};

} // namespace gpudeck
