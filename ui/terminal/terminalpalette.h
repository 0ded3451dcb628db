#pragma once

#include <QRgb>

#include <array>

namespace gpudeck::terminal {

// The 256 xterm colours plus the default foreground and background. Cells store colours packed
// (see TerminalLine) and are resolved here only when someone looks at them, so changing the
// palette recolours the scrollback too and a line scrolled away costs no palette lookups.
class TerminalPalette final {
public:
    // Packed colour: the top byte says what the low 24 bits hold.
    static constexpr quint32 kRgbTag = 0x00000000u;     // 0x00RRGGBB
    static constexpr quint32 kIndexedTag = 0x01000000u; // palette index in the low byte
    static constexpr quint32 kDefault = 0x02000000u;    // the default foreground/background
    static constexpr quint32 kTagMask = 0xff000000u;

    // xterm's own palette (XTerm's XTerm-col.ad), what xterm-256color programs assume.
    TerminalPalette();

    [[nodiscard]] QRgb color(int index) const;
    void setColor(int index, QRgb rgb);
    [[nodiscard]] QRgb foreground() const { return m_foreground; }
    [[nodiscard]] QRgb background() const { return m_background; }
    void setForeground(QRgb rgb) { m_foreground = rgb; }
    void setBackground(QRgb rgb) { m_background = rgb; }

    [[nodiscard]] QRgb resolveForeground(quint32 packed) const;
    [[nodiscard]] QRgb resolveBackground(quint32 packed) const;

private:
    std::array<QRgb, 256> m_colors{};
    QRgb m_foreground;
    QRgb m_background;
};

} // namespace gpudeck::terminal
