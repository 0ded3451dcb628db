// The lenient JSON reader behind the Hugging Face, JSON-lines and trainer_state.json logs.
#include "fuzzinput.h"
#include "loosejson.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    QString error;
    const auto value =
        gpudeck::monitor::detail::parseLooseJson(gpudeck::fuzz::bytes(data, size), &error);
    if (value && value->isObject())
        (void)value->member(u"epoch");
    return 0;
}
