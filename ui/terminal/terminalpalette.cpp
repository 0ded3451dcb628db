#include "terminalpalette.h"

namespace gpudeck::terminal {

TerminalPalette::TerminalPalette()
    : m_foreground(qRgb(0xe5, 0xe5, 0xe5))
    , m_background(qRgb(0x1e, 0x1e, 0x1e))
{
    static constexpr std::array<QRgb, 16> ansi = {
        0x000000, 0xcd0000, 0x00cd00, 0xcdcd00, 0x0000ee, 0xcd00cd, 0x00cdcd, 0xe5e5e5,
        0x7f7f7f, 0xff0000, 0x00ff00, 0xffff00, 0x5c5cff, 0xff00ff, 0x00ffff, 0xffffff};
    for (int i = 0; i < 16; ++i)
        m_colors[i] = 0xff000000u | ansi[i];
    // 16..231: a 6×6×6 cube; xterm's levels are 0 then 95 + 40·n, not an even ramp.
    static constexpr std::array<int, 6> level = {0, 95, 135, 175, 215, 255};
    for (int i = 0; i < 216; ++i)
        m_colors[16 + i] = qRgb(level[i / 36], level[(i / 6) % 6], level[i % 6]);
    // 232..255: 24 greys from 8 to 238.
    for (int i = 0; i < 24; ++i)
        m_colors[232 + i] = qRgb(8 + 10 * i, 8 + 10 * i, 8 + 10 * i);
}

QRgb TerminalPalette::color(int index) const
{
    return m_colors[static_cast<size_t>(index & 0xff)];
}

void TerminalPalette::setColor(int index, QRgb rgb)
{
    m_colors[static_cast<size_t>(index & 0xff)] = rgb;
}

QRgb TerminalPalette::resolveForeground(quint32 packed) const
{
    switch (packed & kTagMask) {
    case kIndexedTag:
        return m_colors[packed & 0xff];
    case kDefault:
        return m_foreground;
    default:
        return 0xff000000u | packed;
    }
}

QRgb TerminalPalette::resolveBackground(quint32 packed) const
{
    switch (packed & kTagMask) {
    case kIndexedTag:
        return m_colors[packed & 0xff];
    case kDefault:
        return m_background;
    default:
        return 0xff000000u | packed;
    }
}

} // namespace gpudeck::terminal
