#pragma once

#include <QPointer>

#include <functional>

namespace gpudeck {

// Runs `fn` on the main thread, called from any thread (typically a worker handing back its
// result), as a queued call; not at all when `context` (an object of the main thread) is gone by
// then. That check, the call and the function's destruction all happen on the main thread. The
// one way results cross back from worker threads.
//
// Why not QMetaObject::invokeMethod(context, lambda, Qt::QueuedConnection): Qt 6.4 may destroy
// that lambda, and everything it captured, on the posting thread after the receiving thread has
// run it; the ordering comes from a reference count inside Qt, which is not built with
// ThreadSanitizer, so every such handover reads as a data race there (and destroying a result on
// the wrong thread is fragile in any case). Here the function crosses through a std::mutex and
// the queued call that wakes the main thread carries no data.
template <typename T> void postTo(const QPointer<T>& context, std::function<void()> fn);

namespace detail {
void post(std::function<bool()> alive, std::function<void()> fn);
} // namespace detail

template <typename T> void postTo(const QPointer<T>& context, std::function<void()> fn)
{
    if (!context.isNull())
        detail::post([context] { return !context.isNull(); }, std::move(fn));
}

} // namespace gpudeck
