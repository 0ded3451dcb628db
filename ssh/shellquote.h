#pragma once

#include <QByteArray>
#include <QString>

namespace gpudeck::ssh {

// Quotes `word` as one argument for the remote login shell: inside single quotes nothing is
// special, and a single quote becomes '\'' (close, escaped quote, reopen). That reads the same
// in sh, bash, zsh, fish and tcsh, so file names with spaces, quotes, $, ` or ; stay one word.
[[nodiscard]] QString shellQuote(const QString& word);

// shellQuote() of a path given as a command's argument: a relative path that starts with '-'
// gets "./" in front, so no program takes it for an option.
[[nodiscard]] QString shellPath(const QString& path);

// A command line that runs `script` with /bin/sh whatever the user's login shell is (fish and
// tcsh do not understand `2>/dev/null`, `$((…))` or `while … done`).
[[nodiscard]] QString shCommand(const QString& script);

} // namespace gpudeck::ssh
