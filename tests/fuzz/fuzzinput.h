#pragma once

#include <QByteArrayView>

#include <cstddef>
#include <cstdint>

namespace gpudeck::fuzz {

// The bytes libFuzzer hands over, as Qt sees them.
[[nodiscard]] inline QByteArrayView bytes(const std::uint8_t* data, std::size_t size)
{
    return {reinterpret_cast<const char*>(data), static_cast<qsizetype>(size)};
}

// Remote bytes arrive in pieces of any size (an SSH channel splits wherever it likes), so
// streaming parsers are fed in chunks whose sizes come from the input's first byte: the
// fuzzer explores the split points too, and a chunk size of 0 means "all at once".
template <typename Feed> void inChunks(QByteArrayView data, std::uint8_t chunkByte, Feed feed)
{
    const qsizetype chunk = chunkByte == 0 ? data.size() : chunkByte;
    for (qsizetype at = 0; at < data.size(); at += chunk)
        feed(data.sliced(at, qMin(chunk, data.size() - at)));
}

} // namespace gpudeck::fuzz
