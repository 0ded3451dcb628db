#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>
#include <QStringView>

namespace gpudeck::ssh {

// Every command GPUDeck runs on a machine is built here, and nowhere else.
//
// sshd hands a command line to the user's login shell, which may be bash, dash, zsh, fish or
// tcsh, and those disagree about quotes, backslashes, `$(…)`, redirections and loops. So no
// path or user text ever reaches that shell: the line it parses is always
//
//   exec sh -c 'eval "$(printf %s SCRIPT | base64 -d || echo exit 125)"' gpudeck xARG1 xARG2 …
//
// where SCRIPT and every ARG are base64 (A–Z a–z 0–9 + / =; the x keeps an empty argument a
// word and no word starts with '=', which zsh would expand). Every one of those shells reads
// that line the same way and runs /bin/sh. /bin/sh decodes the script (fixed in GPUDeck's own
// code, POSIX sh) and the arguments, which the script sees as "$1", "$2", …, byte for byte:
// they are never parsed as shell text at all.

// How long the remote command may live.
enum class RemoteLifetime {
    // Until it ends by itself (a transfer, a checksum): its stdin belongs to the command.
    UntilDone,
    // Until it ends, or until its channel closes, whichever comes first; then everything it
    // started is ended too (sshd does not signal commands without a terminal, so a `sleep 3600`
    // would outlive the connection). Its stdin is watched for that and not given to the command.
    UntilChannelCloses,
};

[[nodiscard]] QString remoteCommand(QStringView script, const QList<QByteArray>& args = {},
                                    RemoteLifetime lifetime = RemoteLifetime::UntilDone);
// Arguments as UTF-8.
[[nodiscard]] QString remoteCommand(QStringView script, const QStringList& args,
                                    RemoteLifetime lifetime = RemoteLifetime::UntilDone);

// True for a line remoteCommand() built: the fixed prefix, then only the safe alphabet. What
// runs a command checks this, so a hand-built line cannot slip through.
[[nodiscard]] bool isRemoteCommand(QStringView line);

// A path as a command's argument: a relative path that starts with '-' gets "./" in front, so no
// program takes it for an option.
[[nodiscard]] QString pathArgument(const QString& path);

} // namespace gpudeck::ssh
