#pragma once

#include <QByteArray>

namespace gpudeck::ssh::tar {

// The POSIX tar format (ustar with pax extended headers, POSIX.1-2001), written here so folder
// transfers need no local tar program. Every block is 512 bytes.
constexpr int kBlock = 512;

enum class Type { File, Directory, Symlink, HardLink, Other };

struct Entry {
    Type type = Type::File;
    QByteArray path;       // relative, '/'-separated; directories without a trailing '/'
    qint64 size = 0;       // data bytes that follow (files only)
    quint32 mode = 0644;   // permission bits
    qint64 mtime = 0;      // seconds since the epoch
    QByteArray linkTarget; // symlinks and hard links
};

// The header block(s) of `entry`: a pax extended header ('x') first when the path or link
// target does not fit ustar's fields or the size needs more than ustar's 11 octal digits
// (8 GiB), then the ustar header.
[[nodiscard]] QByteArray header(const Entry& entry);
// How many zero bytes follow `size` bytes of data to reach the next block.
[[nodiscard]] qint64 padding(qint64 size);
// The end of an archive: two zero blocks.
[[nodiscard]] QByteArray endOfArchive();

} // namespace gpudeck::ssh::tar
