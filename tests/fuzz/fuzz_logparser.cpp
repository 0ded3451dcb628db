// Training logs tailed from a machine (tail -F), in every format, auto-detected or forced.
#include "fuzzinput.h"
#include "logparser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 2)
        return 0;
    // First byte: the format asked for (Unknown = detect; Regex needs a pattern, so skipped);
    // second: the chunk size.
    constexpr int kFormats = static_cast<int>(gpudeck::monitor::LogFormat::Regex);
    const auto format = static_cast<gpudeck::monitor::LogFormat>(data[0] % kFormats);
    const QByteArrayView input = gpudeck::fuzz::bytes(data + 2, size - 2);
    gpudeck::monitor::LogParser parser(format);
    gpudeck::fuzz::inChunks(input, data[1], [&](QByteArrayView chunk) { parser.feed(chunk); });
    parser.finish();
    (void)parser.runs();
    (void)parser.problem();
    return 0;
}
