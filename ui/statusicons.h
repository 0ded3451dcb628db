#pragma once

#include "types.h"

#include <QIcon>

namespace gpudeck {

[[nodiscard]] QIcon statusIcon(InstanceStatus status);
// "Running", "Provisioning…" — what the user reads.
[[nodiscard]] QString statusText(InstanceStatus status);

} // namespace gpudeck
