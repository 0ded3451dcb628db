// Preloaded into the tests of the ThreadSanitizer build only (tests/CMakeLists.txt).
//
// QProcess starts a program the way vfork does: glibc's clone() with CLONE_VM | CLONE_VFORK,
// the child running on the parent's memory until it calls execve. ThreadSanitizer cannot follow
// that child: it runs on the parent thread's sanitizer state and leaves it changed (an
// interceptor entered and never left, as execve does not return), so that thread's later mutex
// releases are no longer recorded. Every value it then hands to another thread reads as a data
// race there, although the handover is ordered (reproduced with a 15-line program: a pool thread
// that ran QProcess once and then posted a QString to the main thread; without the QProcess, or
// with this library, no report).
//
// This drops CLONE_VM from such clones: the child gets its own copy of memory, as with fork,
// and the parent still waits for its execve (CLONE_VFORK). The program started and everything
// QProcess reports are the same; only the sanitizer's state stays the parent's own.
#include <dlfcn.h>
#include <sched.h>
#include <sys/types.h>

#include <cstdarg>

extern "C" int clone(int (*fn)(void*), void* stack, int flags, void* arg, ...)
{
    va_list ap;
    va_start(ap, arg);
    auto* parentTid = va_arg(ap, pid_t*);
    void* tls = va_arg(ap, void*);
    auto* childTid = va_arg(ap, pid_t*);
    va_end(ap);
    using Clone = int (*)(int (*)(void*), void*, int, void*, ...);
    static const auto real = reinterpret_cast<Clone>(dlsym(RTLD_NEXT, "clone"));
    if ((flags & CLONE_VM) && (flags & CLONE_VFORK))
        flags &= ~CLONE_VM;
    return real(fn, stack, flags, arg, parentTid, tls, childTid);
}
