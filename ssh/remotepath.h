#pragma once

#include <QString>

namespace gpudeck::ssh {

// Remote paths are POSIX paths on the server, '/'-separated, handled as text: never through
// QDir or QFileInfo, which know the local system's rules.

// dir + '/' + name, without doubling a '/'; an empty dir gives name (relative to the login
// folder).
[[nodiscard]] QString remoteJoin(const QString& dir, const QString& name);
// The last component, trailing slashes ignored: "/a/b/" → "b"; "/" → "".
[[nodiscard]] QString remoteBaseName(const QString& path);
// Everything before the last component: "/a/b" → "/a", "/a" → "/", "b" → "" (the login folder).
[[nodiscard]] QString remoteParent(const QString& path);

} // namespace gpudeck::ssh
