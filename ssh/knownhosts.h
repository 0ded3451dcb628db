#pragma once

#include "result.h"

#include <QString>

namespace gpudeck::ssh {

// The name OpenSSH uses for a host in known_hosts: "host" on port 22, "[host]:port" otherwise.
[[nodiscard]] QString knownHostsName(const QString& host, int port);
// Removes every plain (unhashed) entry for host:port from an OpenSSH known_hosts file, e.g. when
// the machine behind a reused address was destroyed. Returns how many lines were removed.
[[nodiscard]] Result<int> forgetHost(const QString& knownHostsFile, const QString& host, int port);

} // namespace gpudeck::ssh
