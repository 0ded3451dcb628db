#pragma once

#include "sshsession.h"

#include <QString>

#include <atomic>
#include <functional>

namespace gpudeck::ssh {

enum class TransferDirection { Upload, Download };

// What to do when the destination already has something of that name.
enum class ConflictPolicy {
    // Continue a partial transfer from what reached the other side; leave files that are
    // already there with the same size and modification time; replace the others. A folder is
    // merged into. The default: running the same transfer again finishes it.
    Resume,
    Overwrite, // start over and replace (a folder is merged into, its files replaced)
    Skip,      // leave whatever is there alone
    Rename,    // keep both: the new one becomes "name (2)", "name (3)"…
};

// How the bytes travel. Stream: a remote `dd`, `cat` or `tar` on SSH channels (several at once
// for large uploads), the fast route. Sftp: plain SFTP requests (sftp_write waits one round
// trip per chunk in libssh 0.10), for servers that run no commands. Auto: Stream, falling back
// to Sftp when the machine allows SFTP only.
enum class TransferRoute { Auto, Stream, Sftp };

struct TransferSpec {
    TransferDirection direction = TransferDirection::Upload;
    // Upload: a local file or folder. Download: a remote file or folder (absolute, relative to
    // the login folder, or "~/…").
    QString source;
    // Upload: the remote folder to put it in (created when missing). Download: the local
    // folder to put it in (created when missing).
    QString destinationDir;
    ConflictPolicy conflict = ConflictPolicy::Resume;
    // The name at the destination; empty: the source's own name. (A queue retrying an item
    // that Rename put elsewhere passes the name it got, with Resume.)
    QString targetName;
    // After the transfer, compare SHA-256 of both sides (runs `sha256sum` on the machine).
    bool verify = false;
    TransferRoute route = TransferRoute::Auto;
    // Channels used at once for a large file upload or a folder upload. Each carries at most
    // the server's channel window (2 MiB for OpenSSH) per round trip, so on a 40 ms link one
    // channel tops out near 50 MB/s; four measured 3x OpenSSH's sftp.
    int streams = 4;
};

struct TransferProgress {
    enum class Phase { Preparing, Transferring, Finishing, Verifying };
    Phase phase = Phase::Preparing;
    qint64 bytesDone = 0;
    qint64 bytesTotal = -1; // -1 while unknown
    // Of bytesDone, what was already at the destination (resumed or up to date): not moved by
    // this run, so not part of its speed.
    qint64 bytesExisting = 0;
    qint64 filesDone = 0;
    qint64 filesTotal = 0;
    QString currentFile; // relative to the item; empty for a single file
    // Where the item goes, once decided: a remote path (upload) or a local one (download).
    QString target;
};
// Called on the transfer's thread, at most about 10 times a second (and at the end).
using ProgressFn = std::function<void(const TransferProgress&)>;

struct TransferOutcome {
    QString target;       // where it ended up: a remote path (upload) or a local one
    bool skipped = false; // nothing was done (Skip, or already there and up to date)
    bool resumed = false; // continued from a partial transfer
    qint64 bytes = 0;     // bytes moved by this run
    qint64 files = 0;     // files in the item
    bool verified = false;
    QString route; // how it travelled, for logs and benchmarks ("stream x4", "sftp")
};

// Transfers one item (a file or a folder, by what `spec.source` is) on a connected session.
// Blocking: call it from a worker thread. Partial data is written under a temporary name
// (".NAME.gpudeck-part" beside the destination) and renamed when complete; a cancelled or
// failed transfer keeps it, so ConflictPolicy::Resume continues from it. `cancel` is checked
// often (pause = cancel, then run again with Resume).
[[nodiscard]] Result<TransferOutcome> runTransfer(Session& session, const TransferSpec& spec,
                                                  const ProgressFn& progress,
                                                  const std::atomic_bool* cancel);

// Removes what a stopped transfer of `spec` left behind (its temporary file or folder); for
// "cancel" after runTransfer returned.
[[nodiscard]] Result<void> discardPartial(Session& session, const TransferSpec& spec);

[[nodiscard]] QString conflictPolicyName(ConflictPolicy policy);
// "resume", "overwrite", "skip", "rename"; nullopt for anything else.
[[nodiscard]] std::optional<ConflictPolicy> conflictPolicyFromName(const QString& name);

} // namespace gpudeck::ssh
