#pragma once

namespace gpudeck {

// Registers the icons compiled into the static gpudeck_resources library (":/icons/...").
// A static library's resource object is only kept by the linker when something refers to it,
// so every executable that shows an icon calls this once, early in main(). Safe to call again.
void initResources();

} // namespace gpudeck
