#pragma once

#include "terminalline.h"

#include <vector>

namespace gpudeck::terminal {

// The lines that scrolled off the top of the main screen, oldest first, in a bounded ring.
// libvterm 0.1.4 hands lines over (sb_pushline) and asks for them back when the screen grows
// (sb_popline) but keeps none itself; the bound is ours. Slots are recycled, so a long `cat`
// costs no allocation per line once the ring is full.
class Scrollback final {
public:
    explicit Scrollback(int limit);

    [[nodiscard]] int size() const { return m_size; }
    [[nodiscard]] int limit() const { return m_limit; }
    // Keeps the newest lines that fit.
    void setLimit(int limit);
    // Lines that left the ring at the top (dropped when full, or cleared) since construction.
    // dropped() + i names line i stably while output keeps arriving.
    [[nodiscard]] quint64 dropped() const { return m_dropped; }

    // 0 is the oldest line; i < size().
    [[nodiscard]] const TerminalLine& line(int i) const;
    // A cleared slot for a new newest line; the oldest line goes when the ring is full. With a
    // limit of 0 this returns a scratch line that is not kept.
    [[nodiscard]] TerminalLine& push();
    // Removes the newest line and hands it over; size() > 0.
    [[nodiscard]] TerminalLine takeNewest();
    void clear();

private:
    [[nodiscard]] size_t slot(int i) const;

    std::vector<TerminalLine> m_ring; // grows up to m_limit, then wraps around m_head
    TerminalLine m_scratch;
    int m_limit = 0;
    int m_head = 0; // slot of the oldest line
    int m_size = 0;
    quint64 m_dropped = 0;
};

} // namespace gpudeck::terminal
