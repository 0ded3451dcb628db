#pragma once

#include <QString>

namespace gpudeck {

// Quotes `word` as one word for a POSIX /bin/sh: text that sh itself reads, on this computer (the
// Sandbox's session scripts, a benchmark's ssh command line) or on a machine (the watchdog's
// config file, which its sh script sources). Inside single quotes nothing is special to sh, and
// a single quote becomes '\''. Never for a remote command line: the login shell that reads it may
// be fish or tcsh, which read quotes differently; those are built by ssh::remoteCommand(), which
// quotes nothing.
[[nodiscard]] QString shQuote(const QString& word);

} // namespace gpudeck
