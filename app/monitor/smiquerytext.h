#pragma once

#include "gpusample.h"
#include "result.h"

#include <QByteArrayView>

namespace gpudeck::monitor {

// `nvidia-smi -q` (the indented "Key : Value" text, not XML): every GPU with its memory,
// utilisation, temperature, power, clocks, MIG devices and processes. Keys are matched by their
// indented path ("FB Memory Usage/Total"), so alignment changes between drivers and the odd
// misaligned key do not matter. Fewer GPU blocks than "Attached GPUs" announced, or a last GPU
// without its memory section, means the output was cut off: an error.
[[nodiscard]] Result<SmiSnapshot> parseSmiQueryText(QByteArrayView text);

// Does `line` start `nvidia-smi -q` output ("==============NVSMI LOG==============")?
[[nodiscard]] bool isSmiQueryTextBanner(QByteArrayView line);

} // namespace gpudeck::monitor
