#pragma once

#include "sshsession.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QPair>
#include <QString>

#include <atomic>
#include <memory>
#include <optional>

struct sftp_session_struct;
struct sftp_file_struct;

namespace gpudeck::ssh {

// An open remote file, closed when it goes out of scope.
struct SftpFileCloser {
    void operator()(sftp_file_struct* file) const;
};
using SftpFilePtr = std::unique_ptr<sftp_file_struct, SftpFileCloser>;

// One entry of a remote folder, as SFTP (protocol 3) describes it.
struct RemoteEntry {
    enum class Type { File, Directory, Symlink, Other };

    QString name;       // the file name, decoded as UTF-8 (what to show)
    QByteArray rawName; // the name exactly as the server sent it (what to ask for)
    Type type = Type::Other;
    qint64 size = 0;
    quint32 permissions = 0; // st_mode bits: type and permissions (0755...)
    QDateTime modified;      // UTC, whole seconds (all SFTP 3 carries)
    quint32 uid = 0;
    quint32 gid = 0;
    QString owner; // from the server's long listing when it gave one (OpenSSH does)
    QString group;
    // Symlinks in list(…, resolveSymlinks = true) and lstat(): where the link points, and what
    // it points at (Other when the target is missing: a dangling link).
    QString symlinkTarget;
    Type targetType = Type::Other;

    [[nodiscard]] bool isDir() const { return type == Type::Directory; }
    [[nodiscard]] bool isFile() const { return type == Type::File; }
    [[nodiscard]] bool isSymlink() const { return type == Type::Symlink; }
};

// Blocking SFTP on a connected Session: browse, inspect and change the remote file system.
// Every failure becomes an Error whose message names the path and says what to do, with the
// SFTP status and the SSH error in its detail (and in the gpudeck.sftp log). Use it from the
// Session's thread only.
class SftpClient final {
    Q_DISABLE_COPY_MOVE(SftpClient)
public:
    explicit SftpClient(Session& session);
    ~SftpClient();

    // Starts the SFTP subsystem on a new channel of the session (a few round trips).
    [[nodiscard]] Result<void> open();
    [[nodiscard]] bool isOpen() const { return m_sftp != nullptr; }
    void close();

    // Paths are as the server sees them: absolute, or relative to the login folder; "~" and
    // "~/…" mean the login folder (expanded with home()).
    // The entries of `dir`, without "." and "..". With resolveSymlinks, each symlink's target
    // and target type are looked up too (one more round trip per symlink).
    [[nodiscard]] Result<QList<RemoteEntry>> list(const QString& dir, bool resolveSymlinks = false,
                                                  const std::atomic_bool* cancel = nullptr);
    [[nodiscard]] Result<RemoteEntry> stat(const QString& path);  // follows symlinks
    [[nodiscard]] Result<RemoteEntry> lstat(const QString& path); // the link itself
    // false when nothing is at `path` (not even a dangling symlink).
    [[nodiscard]] Result<bool> exists(const QString& path);
    [[nodiscard]] Result<void> mkdir(const QString& path, int mode = 0755);
    // mkdir -p: creates the missing folders of `path`; fine when it already is a folder.
    [[nodiscard]] Result<void> mkpath(const QString& path, int mode = 0755);
    // Renames. SFTP 3 (what OpenSSH speaks) refuses when `to` exists. With replaceExisting
    // what is at `to` (a file or a link, never a folder with something in it) is replaced: in
    // one step, rename(2) on the machine, where the server offers posix-rename@openssh.com
    // (OpenSSH does); elsewhere the old one is first renamed aside and removed only once the
    // new one is in place (put back if that fails), so a failure never leaves neither.
    [[nodiscard]] Result<void> rename(const QString& from, const QString& to,
                                      bool replaceExisting = false);
    // Whether the server offers posix-rename@openssh.com (asked once, at open()).
    [[nodiscard]] bool hasPosixRename() const { return m_posixRename; }
    // Renames every (from, to) pair, replacing what is at `to` as rename(…, true) does; with
    // posix-rename the requests are pipelined (a thousand renames cost a few round trips, not
    // a thousand). The result holds one SFTP status per pair (SSH_FX_OK = 0 when it worked;
    // errorFor() words the others); the Error is for the connection as a whole.
    [[nodiscard]] Result<QList<int>> renameMany(const QList<QPair<QString, QString>>& moves);
    [[nodiscard]] Result<void> removeFile(const QString& path);
    [[nodiscard]] Result<void> removeDir(const QString& path); // must be empty
    // rm -r: a folder with everything in it (symlinks are removed, never followed), or a file.
    [[nodiscard]] Result<void> removeRecursively(const QString& path,
                                                 const std::atomic_bool* cancel = nullptr);
    [[nodiscard]] Result<void> chmod(const QString& path, int mode);
    [[nodiscard]] Result<void> setModified(const QString& path, const QDateTime& modified);
    [[nodiscard]] Result<void> truncate(const QString& path, qint64 size);
    // Sets any of permissions, modification time (also the access time) and size (truncating
    // or extending) in one request.
    [[nodiscard]] Result<void> setAttributes(const QString& path, std::optional<int> mode,
                                             const QDateTime& modified = {},
                                             std::optional<qint64> size = std::nullopt);
    [[nodiscard]] Result<QString> readLink(const QString& path);
    [[nodiscard]] Result<void> symlink(const QString& target, const QString& linkPath);
    // The absolute, canonical form of `path` (symlinks resolved by the server).
    [[nodiscard]] Result<QString> realPath(const QString& path);
    // The login folder (where relative paths start), asked once and remembered.
    [[nodiscard]] Result<QString> home();
    // Bytes available to the login user on the file system holding `path`, when the server
    // supports statvfs@openssh.com (OpenSSH does); `readOnly` tells whether it is mounted so.
    [[nodiscard]] Result<qint64> freeSpace(const QString& path, bool* readOnly = nullptr);
    // "~" and "~/x" → the login folder and x in it; everything else as given.
    [[nodiscard]] Result<QString> expand(const QString& path);

    [[nodiscard]] sftp_session_struct* handle() const { return m_sftp; }
    [[nodiscard]] Session& session() const { return m_session; }
    // The last failure, for `action` ("create the folder") on `path`, as an Error.
    [[nodiscard]] Error lastError(const QString& action, const QString& path);
    // The same for a given SFTP status.
    [[nodiscard]] Error errorFor(int status, const QString& action, const QString& path);

private:
    [[nodiscard]] Result<RemoteEntry> statImpl(const QString& path, bool follow);
    [[nodiscard]] Result<void> notOpen() const;

    // posix-rename@openssh.com requests on the SFTP channel itself (libssh 0.10 has no call
    // for them); the SFTP status of each, or an Error for the channel.
    [[nodiscard]] Result<QList<int>>
    posixRenames(const QList<QPair<QByteArray, QByteArray>>& moves);

    Session& m_session;
    sftp_session_struct* m_sftp = nullptr;
    QString m_home;
    bool m_posixRename = false;
};

} // namespace gpudeck::ssh
