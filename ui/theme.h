#pragma once

#include <QString>

namespace gpudeck {

// "system" keeps the style and colours of the desktop (Qt's platform theme: GNOME, KDE…);
// "light" and "dark" use Qt's Fusion style with a light or dark palette, for desktops whose
// theme Qt cannot read. Applies to every open window at once.
void applyTheme(const QString& name);
[[nodiscard]] bool isDarkPalette();

} // namespace gpudeck
