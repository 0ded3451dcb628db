#pragma once

#include <QtGlobal>

#include <cmath>
#include <optional>

namespace gpudeck {

// A number read from outside (a log, an archive header, a settings file) as a whole number,
// rounded down, or nothing when it is not finite or does not fit in 64 bits: converting such a
// double with static_cast is undefined behaviour (fuzz_tar and fuzz_logparser found 1e90 and
// 2e84 reaching casts).
[[nodiscard]] inline std::optional<qint64> wholeNumber(double v)
{
    if (!std::isfinite(v))
        return std::nullopt;
    const double whole = std::floor(v);
    // 2^63 is exact as a double; anything at or above it (or below -2^63) does not fit.
    constexpr double kLimit = 9223372036854775808.0;
    if (whole >= kLimit || whole < -kLimit)
        return std::nullopt;
    return static_cast<qint64>(whole);
}

} // namespace gpudeck
