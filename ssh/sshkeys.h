#pragma once

#include "result.h"

#include <QString>

namespace gpudeck::ssh {

// Creates an ed25519 key pair: `privatePath` (OpenSSH format, mode 0600) and `privatePath.pub`.
[[nodiscard]] Result<void> generateEd25519(const QString& privatePath, const QString& comment);
// The one-line OpenSSH public key ("ssh-ed25519 AAAA... comment") of a key pair on disk.
[[nodiscard]] Result<QString> publicKeyLine(const QString& privatePath);
// Makes sure an app-owned private key is not readable by others (OpenSSH refuses such keys).
[[nodiscard]] Result<void> tightenKeyPermissions(const QString& privatePath);

} // namespace gpudeck::ssh
