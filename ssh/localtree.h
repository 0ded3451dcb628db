#pragma once

#include "result.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>

namespace gpudeck::ssh {

// Writes files and folders below one local folder and nowhere else. Every name is resolved
// one component at a time from an open handle of the root with O_NOFOLLOW, so a symlink (or a
// name like ".."), whether it came from the machine or was already on disk, can never lead a
// write outside the root. Files are written under a temporary name and renamed into place when
// complete, which also replaces (never follows) a symlink of the same name. Paths are lists of
// names already checked with safeRelativePath().
class LocalTree final {
    Q_DISABLE_COPY_MOVE(LocalTree)
public:
    LocalTree() = default;
    ~LocalTree();

    // The root must exist (it is the folder the user chose; it may itself be a symlink).
    [[nodiscard]] Result<void> open(const QString& root);
    [[nodiscard]] const QString& root() const { return m_rootPath; }

    struct Info {
        bool exists = false;
        bool isDir = false;
        bool isFile = false;
        bool isSymlink = false;
        qint64 size = 0;
        qint64 mtime = 0;
    };
    // What is at dir/name now, without following a symlink.
    [[nodiscard]] Result<Info> info(const QList<QByteArray>& dir, const QByteArray& name);
    // mkdir -p below the root (new folders get 0755 less the umask).
    [[nodiscard]] Result<void> makeDirs(const QList<QByteArray>& path);

    // Opens dir/tempName to write: a new empty file, or with `resume` the existing one, whose
    // size goes to `*size` (the file position is at its end). The handle is the caller's until
    // commit() or abandon().
    [[nodiscard]] Result<int> openTemp(const QList<QByteArray>& dir, const QByteArray& tempName,
                                       bool resume, qint64* size);
    // Writes all of `data` to fd (an openTemp handle for dir/name, named in errors).
    [[nodiscard]] Result<void> write(int fd, const char* data, qint64 size,
                                     const QList<QByteArray>& dir, const QByteArray& name);
    // Sets the mode and modification time, closes, and renames tempName to finalName.
    [[nodiscard]] Result<void> commit(int fd, const QList<QByteArray>& dir,
                                      const QByteArray& tempName, const QByteArray& finalName,
                                      quint32 mode, qint64 mtime);
    void abandon(int fd);

    [[nodiscard]] Result<void> makeSymlink(const QList<QByteArray>& dir, const QByteArray& name,
                                           const QByteArray& target);
    [[nodiscard]] Result<void> makeHardLink(const QList<QByteArray>& dir, const QByteArray& name,
                                            const QList<QByteArray>& targetDir,
                                            const QByteArray& targetName);
    // A folder's permissions and modification time (after what goes into it has been written).
    [[nodiscard]] Result<void> setDirAttributes(const QList<QByteArray>& path, quint32 mode,
                                                qint64 mtime);
    // Removes a file or symlink (not a folder).
    [[nodiscard]] Result<void> removeFile(const QList<QByteArray>& dir, const QByteArray& name);
    // rm -r of dir/name: symlinks inside are removed, never followed. Fine when nothing is there.
    [[nodiscard]] Result<void> removeAll(const QList<QByteArray>& dir, const QByteArray& name);
    // Renames dir/from to dir/to (replacing a file, or an empty folder, at `to`).
    // Renames `from` to `to`, replacing a file or link at `to` in one step, also with a
    // folder (Linux renameat2 RENAME_EXCHANGE, then the old one is removed): at every moment
    // one of the two is there.
    [[nodiscard]] Result<void> replace(const QList<QByteArray>& dir, const QByteArray& from,
                                       const QByteArray& to);
    [[nodiscard]] Result<void> rename(const QList<QByteArray>& dir, const QByteArray& from,
                                      const QByteArray& to);

    [[nodiscard]] QString displayPath(const QList<QByteArray>& dir, const QByteArray& name) const;
    // A failed file system call on `path`, as an Error that says what to do.
    [[nodiscard]] static Error fsError(const QString& action, const QString& path, int err);

private:
    // The folder at `dir`, opened without following links; created when `create`.
    [[nodiscard]] Result<int> dirFd(const QList<QByteArray>& dir, bool create);
    void closeAll();

    int m_root = -1;
    QString m_rootPath;
    QHash<QByteArray, int> m_dirs; // open folder handles by their path below the root
};

} // namespace gpudeck::ssh
