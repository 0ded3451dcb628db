// Whole nvidia-smi outputs: -q -x (XML), -q (text), the default table, and the capture reader
// that finds and dispatches those sections in a file (`gpudeck-cli parse-smi`).
#include "fuzzinput.h"
#include "smicapture.h"
#include "smiquerytext.h"
#include "smitable.h"
#include "smixml.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const QByteArrayView input = gpudeck::fuzz::bytes(data, size);
    (void)gpudeck::monitor::parseSmiXml(input);
    (void)gpudeck::monitor::parseSmiQueryText(input);
    (void)gpudeck::monitor::parseSmiTable(input);
    const auto capture = gpudeck::monitor::parseSmiCapture(input);
    if (capture.ok()) {
        // The accessors walk what the parse produced.
        (void)capture.value().gpus();
        (void)capture.value().processes();
        (void)capture.value().driverVersion();
    }
    return 0;
}
