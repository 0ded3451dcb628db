#pragma once

#include <QByteArrayView>

#include <array>

namespace gpudeck::terminal {

// One CSI sequence (ESC [ leader params intermediates final), split into its parts so the
// surface can pick out the few it answers or corrects itself before libvterm sees them.
// Internal to the terminal library.
struct ControlSequence final {
    static constexpr int kMaxArgs = 16;
    static constexpr int kMissing = -1;

    char leader = 0;       // '?', '>', '=' or '<'; 0 when there is none
    char intermediate = 0; // the first intermediate byte ('$', '!', ' ', '"', '*', ...); 0: none
    int intermediates = 0; // how many intermediate bytes there were
    char final = 0;
    int argc = 0;
    std::array<int, kMaxArgs> args{};
    qsizetype length = 0; // bytes from the ESC to the final byte, inclusive

    // Argument i, or `fallback` when it is missing (or 0 where `zeroIsDefault`).
    [[nodiscard]] int arg(int i, int fallback, bool zeroIsDefault = false) const
    {
        if (i >= argc || args[static_cast<size_t>(i)] == kMissing ||
            (zeroIsDefault && args[static_cast<size_t>(i)] == 0))
            return fallback;
        return args[static_cast<size_t>(i)];
    }
    [[nodiscard]] bool is(char wantLeader, char wantIntermediate, char wantFinal) const
    {
        return final == wantFinal && leader == wantLeader && intermediate == wantIntermediate &&
               intermediates <= 1;
    }

    // Parses the CSI that starts at bytes[0] (ESC) and bytes[1] ('['). Returns false when the
    // sequence is not complete within `bytes`, or holds something else than parameters,
    // sub-parameters and intermediates (C0 controls inside it): libvterm deals with those.
    [[nodiscard]] static bool parse(QByteArrayView bytes, ControlSequence& out);
};

// The end of the OSC or DCS string whose body starts at bytes[from]: the index just past its
// terminator (BEL or ESC \), with `bodyEnd` set to where the body stops; -1 when the string is
// not terminated within `bytes`.
[[nodiscard]] qsizetype stringEnd(QByteArrayView bytes, qsizetype from, qsizetype& bodyEnd);

} // namespace gpudeck::terminal
