#pragma once

#include "types.h"

#include <QIcon>

namespace gpudeck {

[[nodiscard]] QIcon statusIcon(InstanceStatus status);
// "Running", "Provisioning…" — what the user reads.
[[nodiscard]] QString statusText(InstanceStatus status);
// The provider's badge (resources/icons/provider-<id>.svg), or a generic cloud.
[[nodiscard]] QIcon providerIcon(const QString& providerId);

} // namespace gpudeck
