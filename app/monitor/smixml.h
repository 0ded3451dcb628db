#pragma once

#include "gpusample.h"
#include "result.h"

#include <QByteArrayView>

namespace gpudeck::monitor {

// `nvidia-smi -q -x` (DTD v9 to v13, with or without the DOCTYPE line): every GPU with its
// memory, utilisation, temperatures, power (power_readings before driver 530,
// gpu_power_readings with power_draw or instant/average_power_draw after), clocks, MIG devices
// and processes. Values may be padded ("<fan_speed> 40 % </fan_speed>") and may say N/A.
// An XML document that ends early, or fewer <gpu> than <attached_gpus> announced, is an error.
[[nodiscard]] Result<SmiSnapshot> parseSmiXml(QByteArrayView xml);

} // namespace gpudeck::monitor
