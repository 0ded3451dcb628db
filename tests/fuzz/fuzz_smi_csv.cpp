// nvidia-smi --query-gpu / --query-compute-apps CSV as the monitor streams it from a machine.
#include "fuzzinput.h"
#include "smicsv.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0)
        return 0;
    const QByteArrayView input = gpudeck::fuzz::bytes(data + 1, size - 1);
    // Odd first bytes: the streaming command's own header-less layout; even: a header decides.
    gpudeck::monitor::SmiCsvParser parser =
        (data[0] & 1)
            ? gpudeck::monitor::SmiCsvParser::withFields(gpudeck::monitor::streamingQueryFields())
            : gpudeck::monitor::SmiCsvParser();
    gpudeck::fuzz::inChunks(input, data[0] >> 1,
                            [&](QByteArrayView chunk) { (void)parser.feed(chunk); });
    (void)parser.finish();
    return 0;
}
