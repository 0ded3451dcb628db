#include "glyphcache.h"

namespace gpudeck::terminal {

void GlyphCache::setFont(const QFont& font)
{
    for (size_t v = 0; v < 4; ++v) {
        QFont f = font;
        f.setBold(v & Bold);
        f.setItalic(v & Italic);
        m_fonts[v] = f;
        m_raw[v] = QRawFont::fromFont(f);
        m_other[v].clear();
        for (char32_t ch = 0; ch < 128; ++ch)
            m_ascii[v][ch] = ch < 0x20 || ch == 0x7f ? 0 : lookup(v, ch);
    }
}

quint32 GlyphCache::glyph(int variant, char32_t ch)
{
    const size_t v = index(variant);
    if (ch < 128)
        return m_ascii[v][ch];
    auto it = m_other[v].constFind(ch);
    if (it == m_other[v].constEnd())
        it = m_other[v].insert(ch, lookup(v, ch));
    return *it;
}

quint32 GlyphCache::lookup(size_t variant, char32_t ch) const
{
    const QRawFont& raw = m_raw[variant];
    if (!raw.isValid())
        return 0;
    QChar units[2];
    int n = 1;
    if (QChar::requiresSurrogates(ch)) {
        units[0] = QChar(QChar::highSurrogate(ch));
        units[1] = QChar(QChar::lowSurrogate(ch));
        n = 2;
    } else {
        units[0] = QChar(static_cast<char16_t>(ch));
    }
    quint32 glyphs[2] = {0, 0};
    int count = 2;
    if (!raw.glyphIndexesForChars(units, n, glyphs, &count) || count != 1)
        return 0;
    return glyphs[0];
}

} // namespace gpudeck::terminal
