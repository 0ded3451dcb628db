#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gpudeck::simgpu {

// The exit statuses nvidia-smi documents in its man page ("RETURN VALUE"); callers of the
// simulator branch on them exactly as they would on the real tool.
namespace exitcode {
inline constexpr int Success = 0;
inline constexpr int InvalidArgument = 2;
inline constexpr int NotFound = 6;
inline constexpr int OtherError = 255;
} // namespace exitcode

// Errors travel as values: the text to print and the exit status to end with.
struct Error {
    int exitCode = exitcode::OtherError;
    std::string message;
    // nvidia-smi prints its own complaints on stdout; the simulator's configuration problems
    // go to stderr, where a human looking at a broken instance will find them.
    bool onStdout = false;
};

template <typename T> class Result {
public:
    Result(T value)
        : m_value(std::move(value))
    {}
    Result(Error error)
        : m_error(std::move(error))
    {}

    [[nodiscard]] bool ok() const { return m_value.has_value(); }
    [[nodiscard]] const T& value() const { return *m_value; }
    [[nodiscard]] T& value() { return *m_value; }
    [[nodiscard]] const Error& error() const { return m_error; }

private:
    std::optional<T> m_value;
    Error m_error;
};

[[nodiscard]] std::vector<std::string> split(std::string_view text, char separator);
[[nodiscard]] std::string trim(std::string_view text);
[[nodiscard]] bool startsWith(std::string_view text, std::string_view prefix);
[[nodiscard]] std::string padLeft(std::string_view text, std::size_t width);
[[nodiscard]] std::string padRight(std::string_view text, std::size_t width);
[[nodiscard]] std::string toLower(std::string_view text);
[[nodiscard]] std::optional<long long> parseInt(std::string_view text);
[[nodiscard]] std::optional<std::uint64_t> parseUInt64(std::string_view text);
[[nodiscard]] std::optional<double> parseDouble(std::string_view text);
[[nodiscard]] std::string formatFixed(double value, int decimals);
[[nodiscard]] std::string formatHex(std::uint64_t value, int digits);

// Deterministic pseudo-randomness: every simulated value is a pure function of its inputs so
// that separate invocations (one per metrics sample) agree without sharing any state.
[[nodiscard]] std::uint64_t mix64(std::uint64_t x);
[[nodiscard]] std::uint64_t hashString(std::string_view text);
[[nodiscard]] double unit01(std::uint64_t seed, std::uint64_t a, std::uint64_t b = 0,
                            std::uint64_t c = 0);
[[nodiscard]] double gaussian(std::uint64_t seed, std::uint64_t a, std::uint64_t b = 0);
// Value noise in [-1, 1] that changes smoothly over `period` seconds.
[[nodiscard]] double smoothNoise(std::uint64_t seed, std::uint64_t channel, double t,
                                 double period);

[[nodiscard]] double nowEpochSeconds();
[[nodiscard]] double monotonicSeconds();
// Sleeps until the monotonic clock reaches `deadline`; returns false when a signal cut it short.
[[nodiscard]] bool sleepUntil(double deadline);

[[nodiscard]] std::optional<std::string> readFile(const std::string& path);
[[nodiscard]] bool writeFileAtomic(const std::string& path, std::string_view content);
[[nodiscard]] bool makeDirs(const std::string& path);
[[nodiscard]] std::optional<double> fileModifiedTime(const std::string& path);
// Writes everything or reports failure (EPIPE when the reader went away).
[[nodiscard]] bool writeAll(int fd, std::string_view data);

} // namespace gpudeck::simgpu
