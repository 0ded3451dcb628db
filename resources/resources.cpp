#include "resources.h"

#include <QtGlobal>

// Q_INIT_RESOURCE declares `extern int qInitResources_gpudeck()` where it is expanded; rcc
// defines that function in the global namespace, so the macro must not be expanded inside a
// namespace or it would name a different, undefined function.
static int initGpuDeckResources()
{
    Q_INIT_RESOURCE(gpudeck);
    return 1;
}

namespace gpudeck {

void initResources()
{
    // A function-local static runs once, thread-safely, however often this is called.
    [[maybe_unused]] static const int registered = initGpuDeckResources();
}

} // namespace gpudeck
