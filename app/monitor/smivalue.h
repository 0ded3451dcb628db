#pragma once

// Reading the values nvidia-smi prints, shared by the CSV, XML, table and -q parsers.
// Internal to gpudeck_monitor.

#include "gpusample.h"

#include <QByteArrayView>

#include <optional>

namespace gpudeck::monitor::detail {

[[nodiscard]] QByteArrayView trimmed(QByteArrayView v);

// The reason nvidia-smi gives instead of a value ("[N/A]", "N/A", "[Not Supported]", "ERR!"...),
// or nullopt when `v` is not one of them.
[[nodiscard]] std::optional<Absence> absenceOf(QByteArrayView v);

// The leading number of "38 %", "575 MiB", "60.98 W", "405 MHz", "38%", "-8 C"; nullopt if none.
[[nodiscard]] std::optional<double> leadingNumber(QByteArrayView v);

// A number with an optional unit, or the reason it is missing.
[[nodiscard]] Reading<double> numberReading(QByteArrayView v);
// A memory size in MiB ("575 MiB", "575MiB", "575", "1.5 GiB").
[[nodiscard]] Reading<qint64> mibReading(QByteArrayView v);
[[nodiscard]] Reading<int> intReading(QByteArrayView v);
// A plain string value, or the reason it is missing.
[[nodiscard]] Reading<QString> textReading(QByteArrayView v);

[[nodiscard]] std::optional<qint64> parseInteger(QByteArrayView v);
[[nodiscard]] std::optional<bool> parseEnabled(QByteArrayView v); // Enabled/Disabled, On/Off

// "2026/07/14 09:00:27.792" (CSV) as UTC-agnostic local time; invalid if it does not parse.
[[nodiscard]] QDateTime parseCsvTimestamp(QByteArrayView v);
// "Tue Jul 14 09:00:26 2026" (table, -q and XML headers; note the double space before 1-digit
// days in "Fri Aug  4 11:44:30 2023").
[[nodiscard]] QDateTime parseCTimestamp(QByteArrayView v);

[[nodiscard]] QString toQString(QByteArrayView v);

} // namespace gpudeck::monitor::detail
