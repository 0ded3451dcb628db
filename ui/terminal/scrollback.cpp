#include "scrollback.h"

#include <QtGlobal>

#include <algorithm>

namespace gpudeck::terminal {

Scrollback::Scrollback(int limit)
    : m_limit(qMax(0, limit))
{}

size_t Scrollback::slot(int i) const
{
    return static_cast<size_t>((m_head + i) % static_cast<int>(m_ring.size()));
}

const TerminalLine& Scrollback::line(int i) const
{
    Q_ASSERT(i >= 0 && i < m_size);
    return m_ring[slot(i)];
}

TerminalLine& Scrollback::push()
{
    if (m_limit == 0) {
        m_scratch.clear();
        ++m_dropped;
        return m_scratch;
    }
    if (m_size < static_cast<int>(m_ring.size())) {
        // A slot freed by popNewest(), or not yet reached since the ring last wrapped.
        TerminalLine& l = m_ring[slot(m_size++)];
        l.clear();
        return l;
    }
    if (static_cast<int>(m_ring.size()) < m_limit) {
        // Still growing: m_head is 0 until the ring is full.
        ++m_size;
        return m_ring.emplace_back();
    }
    TerminalLine& oldest = m_ring[static_cast<size_t>(m_head)];
    m_head = (m_head + 1) % m_limit;
    ++m_dropped;
    oldest.clear();
    return oldest;
}

TerminalLine Scrollback::takeNewest()
{
    Q_ASSERT(m_size > 0);
    --m_size;
    return std::move(m_ring[slot(m_size)]);
}

void Scrollback::clear()
{
    m_dropped += static_cast<quint64>(m_size);
    m_size = 0;
    m_head = 0;
    m_ring.clear();
    m_ring.shrink_to_fit();
}

void Scrollback::setLimit(int limit)
{
    limit = qMax(0, limit);
    if (limit == m_limit)
        return;
    const int keep = std::min(m_size, limit);
    std::vector<TerminalLine> lines;
    lines.reserve(static_cast<size_t>(keep));
    for (int i = m_size - keep; i < m_size; ++i)
        lines.push_back(std::move(m_ring[slot(i)]));
    m_dropped += static_cast<quint64>(m_size - keep);
    m_ring = std::move(lines);
    m_head = 0;
    m_size = keep;
    m_limit = limit;
}

} // namespace gpudeck::terminal
