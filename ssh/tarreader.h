#pragma once

#include "result.h"
#include "tarformat.h"

#include <QByteArray>

namespace gpudeck::ssh::tar {

// Reads a tar stream as it arrives, in pieces of any size: ustar, pax extended headers ('x',
// 'g') and GNU long names ('L', 'K'), as GNU tar, bsdtar and busybox write them. It checks
// every header's checksum and hands entries to a Handler; it never touches the file system.
class Reader final {
    Q_DISABLE_COPY_MOVE(Reader)
public:
    class Handler {
    public:
        virtual ~Handler();
        // A new entry; for files, its data follows through data(), then finished().
        [[nodiscard]] virtual Result<void> started(const Entry& entry) = 0;
        [[nodiscard]] virtual Result<void> data(const char* bytes, qint64 size) = 0;
        [[nodiscard]] virtual Result<void> finished() = 0;
    };

    explicit Reader(Handler& handler);

    [[nodiscard]] Result<void> feed(const char* bytes, qint64 size);
    // The stream has ended: fine at the end of the archive, an error in the middle of it.
    [[nodiscard]] Result<void> finish() const;
    [[nodiscard]] bool atEnd() const { return m_state == State::Done; }
    [[nodiscard]] qint64 offset() const { return m_offset; }

private:
    enum class State { Header, Data, Skip, Extended, Done };
    enum class Extended { Pax, GlobalPax, LongName, LongLink };

    [[nodiscard]] Result<void> parseHeader();
    [[nodiscard]] Result<void> completeEntry();
    [[nodiscard]] Result<void> parsePax();
    [[nodiscard]] Error damaged(const QString& why) const;

    Handler& m_handler;
    State m_state = State::Header;
    QByteArray m_block;   // the header block being collected
    QByteArray m_extData; // an extended header's data being collected
    Extended m_extKind = Extended::Pax;
    qint64 m_remaining = 0; // data (or skipped, or extended) bytes left in this entry
    qint64 m_padding = 0;   // zero bytes after the data
    bool m_inFile = false;  // finished() is owed after the data
    int m_zeroBlocks = 0;
    qint64 m_offset = 0;
    // What the extended headers said about the next entry.
    QByteArray m_nextPath;
    QByteArray m_nextLink;
    qint64 m_nextSize = -1;
    qint64 m_nextMtime = -1;
};

} // namespace gpudeck::ssh::tar
