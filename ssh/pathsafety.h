#pragma once

#include "result.h"

#include <QByteArray>
#include <QList>
#include <QString>

namespace gpudeck::ssh {

// The rules every name a remote machine sends goes through before it becomes a local file
// name. A name that breaks one is reported, never silently changed or written elsewhere.

// Linux's limits: NAME_MAX bytes in one name (ext4, xfs, btrfs), PATH_MAX bytes in a path.
constexpr int kMaxNameBytes = 255;
constexpr int kMaxPathBytes = 4096;

// Why `name` (one path component) cannot be used as a local file name as it is, or an empty
// string when it can: empty, "." or "..", a '/', a NUL or another control character (they
// make names that hide or spoof others in a terminal), or longer than kMaxNameBytes.
[[nodiscard]] QString nameProblem(const QByteArray& name);

// The names of a relative path from an archive ("./a/b" → [a, b]), each checked with
// nameProblem(); absolute paths, ".." and over-long paths are refused. "." and "" give [].
[[nodiscard]] Result<QList<QByteArray>> safeRelativePath(const QByteArray& path);

// Why a symlink at `linkPath` (relative to the received folder, as in the archive) pointing to
// `target` could lead out of that folder, or an empty string when it cannot: an absolute or
// empty target, a target that climbs above the folder with "..", or a ".." after a name (which
// a link named there could turn into a climb above the folder: "x -> y/.." with "y -> .").
// Links kept by this rule only ever point at something inside the folder, so a chain of them
// stays inside too.
[[nodiscard]] QString linkProblem(const QByteArray& linkPath, const QByteArray& target);

// `name` for messages: UTF-8 where valid, control characters and invalid bytes as \xNN.
[[nodiscard]] QString printableName(const QByteArray& name);

// The temporary name a file has until it is complete: ".NAME.gpudeck-part" beside it, or a
// hash-based name when that would exceed kMaxNameBytes.
[[nodiscard]] QByteArray partName(const QByteArray& name);
[[nodiscard]] QString partName(const QString& name);
// "name (n)", before the extension: "data.tar.gz" → "data (2).tar.gz", for ConflictPolicy::Rename.
[[nodiscard]] QString numberedName(const QString& name, int n);
// Is this one of our temporary names?
[[nodiscard]] bool isPartName(const QString& name);

} // namespace gpudeck::ssh
