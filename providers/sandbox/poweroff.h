#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QString>

#include <optional>

namespace gpudeck::sandbox {

// A Sandbox machine's power switch, what `shutdown -h now` is on a cloud VM: the program
// `gpudeck-poweroff` in the machine's bin/ (on every session's PATH) writes the time into the
// machine folder's `poweroff` file, then ends the machine's SSH server and every process
// carrying its tag. The store reads that file as "stopped at that time", so the billing stops
// there even when no GPUDeck is running to notice (the on-instance watchdog uses it).
[[nodiscard]] QByteArray poweroffScript();
inline constexpr const char* kPoweroffProgram = "gpudeck-poweroff";
inline constexpr const char* kPoweroffFile = "poweroff";

// When the machine in `machineDir` powered itself off, if it did since its last start.
[[nodiscard]] std::optional<QDateTime> poweredOffAt(const QString& machineDir);

} // namespace gpudeck::sandbox
