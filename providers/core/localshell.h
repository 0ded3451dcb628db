#pragma once

#include <QString>

namespace gpudeck {

// Quotes `word` as one argument for /bin/sh on THIS computer (the Sandbox's session scripts, a
// benchmark's ssh command line): inside single quotes nothing is special to a POSIX shell, and a
// single quote becomes '\''. Not for remote commands: a remote login shell may be fish or tcsh,
// which read quotes differently; those are built by ssh::remoteCommand() and never quoted.
[[nodiscard]] QString localShellQuote(const QString& word);

} // namespace gpudeck
