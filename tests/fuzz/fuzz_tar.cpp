// The tar stream a folder download reads from `tar -c` on the remote machine.
#include "fuzzinput.h"
#include "tarreader.h"

namespace {

// Checks the reader's promises to its handler instead of writing files: data only inside an
// entry, never more than the header announced.
class CheckingHandler final : public gpudeck::ssh::tar::Reader::Handler {
public:
    gpudeck::Result<void> started(const gpudeck::ssh::tar::Entry& entry) override
    {
        if (m_open || entry.size < 0)
            __builtin_trap();
        m_open = entry.type == gpudeck::ssh::tar::Type::File;
        m_left = entry.size;
        if (!m_open)
            m_left = 0;
        return {};
    }
    gpudeck::Result<void> data(const char* bytes, qint64 size) override
    {
        if (!m_open || size < 0 || size > m_left)
            __builtin_trap();
        if (size > 0)
            m_sum += static_cast<unsigned char>(bytes[size - 1]); // touch the bytes for ASan
        m_left -= size;
        return {};
    }
    gpudeck::Result<void> finished() override
    {
        if (!m_open || m_left != 0)
            __builtin_trap();
        m_open = false;
        return {};
    }

private:
    bool m_open = false;
    qint64 m_left = 0;
    unsigned m_sum = 0;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0)
        return 0;
    CheckingHandler handler;
    gpudeck::ssh::tar::Reader reader(handler);
    const QByteArrayView input = gpudeck::fuzz::bytes(data + 1, size - 1);
    bool failed = false;
    gpudeck::fuzz::inChunks(input, data[0], [&](QByteArrayView chunk) {
        if (!failed)
            failed = !reader.feed(chunk.data(), chunk.size()).ok();
    });
    if (!failed)
        (void)reader.finish();
    return 0;
}
