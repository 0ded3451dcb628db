#pragma once

#include "gpusample.h"
#include "result.h"

#include <QByteArrayView>

namespace gpudeck::monitor {

// The default `nvidia-smi` table, drivers 450 to 610: the GPU blocks (two or three rows each;
// truncated names "NVIDIA GeForce ...", fans that read "ERR!", "N/A" power), the MIG devices
// table, and the processes table (with or without GI/CI columns; Windows WDDM/TCC, "C+G"
// types, "...tail" and "C:\..." process names, N/A memory). Columns are found by the '|'
// separators, not by fixed offsets, so the width changes at drivers 450, 530 and 535 and
// trailing spaces do not matter. A table that stops inside a GPU block is an error.
[[nodiscard]] Result<SmiSnapshot> parseSmiTable(QByteArrayView text);

// Does `line` start a default table ("| NVIDIA-SMI 550.90.07   Driver Version: ...")?
[[nodiscard]] bool isSmiTableBanner(QByteArrayView line);

} // namespace gpudeck::monitor
