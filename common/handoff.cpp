#include "handoff.h"

#include <QCoreApplication>

#include <deque>
#include <mutex>

namespace gpudeck {
namespace {

// Lives on the main thread: the calls posted to it, in order.
class Mailbox final : public QObject {
    Q_OBJECT
public:
    struct Letter {
        std::function<bool()> alive;
        std::function<void()> fn;
    };

    // True when the queue was empty: the caller wakes the main thread (once per batch).
    bool put(Letter letter)
    {
        std::lock_guard lock(m_mu);
        m_letters.push_back(std::move(letter));
        return m_letters.size() == 1;
    }

    Q_INVOKABLE void deliver()
    {
        std::deque<Letter> batch;
        {
            std::lock_guard lock(m_mu);
            batch.swap(m_letters);
        }
        for (Letter& l : batch) {
            if (l.alive())
                l.fn();
        }
    }

private:
    std::mutex m_mu;
    std::deque<Letter> m_letters;
};

// Made on first use and kept for the life of the process: a wake-up may still be on its way
// when anything else would delete it.
Mailbox* mainMailbox()
{
    static Mailbox* box = [] {
        auto* b = new Mailbox;
        b->moveToThread(QCoreApplication::instance()->thread());
        return b;
    }();
    return box;
}

} // namespace

namespace detail {

void post(std::function<bool()> alive, std::function<void()> fn)
{
    Mailbox* box = mainMailbox();
    if (box->put({std::move(alive), std::move(fn)}))
        QMetaObject::invokeMethod(box, "deliver", Qt::QueuedConnection);
}

} // namespace detail
} // namespace gpudeck

#include "handoff.moc"
