// Bytes a remote program prints into the embedded terminal (libvterm plus our surface: scrollback,
// title, mouse modes, device reports), with resizes in between.
#include "fuzzinput.h"
#include "terminalsurface.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 3)
        return 0;
    // First two bytes: the initial size; third: the chunk size. A small scrollback limit makes
    // the fuzzer reach the dropping of old lines quickly.
    gpudeck::terminal::TerminalSurface surface(2 + data[0] % 200, 1 + data[1] % 80);
    surface.setScrollbackLimit(50);
    const QByteArrayView input = gpudeck::fuzz::bytes(data + 3, size - 3);
    int piece = 0;
    gpudeck::fuzz::inChunks(input, data[2], [&](QByteArrayView chunk) {
        surface.feed(chunk);
        if (++piece % 7 == 0 && !chunk.isEmpty())
            surface.resize(2 + static_cast<unsigned char>(chunk[0]) % 120,
                           1 + static_cast<unsigned char>(chunk.back()) % 50);
    });
    for (int line = 0; line < surface.totalLines(); ++line)
        (void)surface.text(line);
    (void)surface.title();
    return 0;
}
