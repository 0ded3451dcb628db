#pragma once

#include <QStringList>

namespace gpudeck::sshhost {

// The concrete host aliases of an OpenSSH client configuration (`Host` lines without wildcards
// or negations), following `Include` directives, in file order. For the "add from
// ~/.ssh/config" list; libssh resolves the details when connecting.
[[nodiscard]] QStringList sshConfigAliases(const QString& configFile);

} // namespace gpudeck::sshhost
