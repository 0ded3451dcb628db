#pragma once

#include <QFont>
#include <QHash>
#include <QRawFont>

#include <array>

namespace gpudeck::terminal {

// Glyph indexes of the terminal font and its bold/italic faces, looked up once per character.
// The view draws each run of same-coloured characters as one QGlyphRun with every glyph placed
// on its cell: no text layout or shaping per frame, and the columns stay exact even where the
// font's advance is fractional. Characters the font lacks (CJK, emoji, combining sequences)
// report glyph 0 and are drawn with QFont, which finds a fallback font.
class GlyphCache final {
public:
    enum Variant { Regular = 0, Bold = 1, Italic = 2, BoldItalic = 3 };

    void setFont(const QFont& font);
    [[nodiscard]] const QFont& font(int variant) const { return m_fonts[index(variant)]; }
    [[nodiscard]] const QRawFont& rawFont(int variant) const { return m_raw[index(variant)]; }
    // 0 when the face has no glyph for `ch`.
    [[nodiscard]] quint32 glyph(int variant, char32_t ch);

private:
    [[nodiscard]] static size_t index(int variant) { return static_cast<size_t>(variant & 3); }
    [[nodiscard]] quint32 lookup(size_t variant, char32_t ch) const;

    std::array<QFont, 4> m_fonts;
    std::array<QRawFont, 4> m_raw;
    // ASCII is most of what a terminal shows: a flat table, no hashing.
    std::array<std::array<quint32, 128>, 4> m_ascii{};
    std::array<QHash<char32_t, quint32>, 4> m_other;
};

} // namespace gpudeck::terminal
