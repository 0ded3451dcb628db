#include "localtree.h"

#include "pathsafety.h"
#include "transferlog.h"

#include <QFile>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace gpudeck::ssh {

namespace {

// Folder handles kept open between files (a tar stream visits a folder's files together);
// well below the usual limit of 1024 open files per process.
constexpr qsizetype kMaxOpenDirs = 128;

// rm -r below an open folder, one level at a time, never following a symlink.
int removeAt(int parent, const char* name)
{
    struct stat st {};
    if (::fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return errno == ENOENT ? 0 : errno;
    if (!S_ISDIR(st.st_mode))
        return ::unlinkat(parent, name, 0) == 0 || errno == ENOENT ? 0 : errno;
    const int fd = ::openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno;
    DIR* d = ::fdopendir(fd);
    if (!d) {
        const int err = errno;
        ::close(fd);
        return err;
    }
    int result = 0;
    while (dirent* e = ::readdir(d)) {
        if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0)
            continue;
        const int err = removeAt(fd, e->d_name);
        if (err && !result)
            result = err;
    }
    ::closedir(d); // closes fd too
    if (result)
        return result;
    return ::unlinkat(parent, name, AT_REMOVEDIR) == 0 ? 0 : errno;
}

QByteArray joined(const QList<QByteArray>& names, qsizetype count)
{
    QByteArray out;
    for (qsizetype i = 0; i < count; ++i) {
        if (i)
            out += '/';
        out += names.at(i);
    }
    return out;
}

} // namespace

LocalTree::~LocalTree()
{
    closeAll();
    if (m_root >= 0)
        ::close(m_root);
}

void LocalTree::closeAll()
{
    for (const int fd : std::as_const(m_dirs))
        ::close(fd);
    m_dirs.clear();
}

Error LocalTree::fsError(const QString& action, const QString& path, int err)
{
    const QString why = QString::fromLocal8Bit(std::strerror(err));
    Error e;
    switch (err) {
    case ENOSPC:
    case EDQUOT:
        e = makeError(ErrorCode::Io, QStringLiteral("Your disk is full: could not %1 %2. Free some "
                                                    "space and resume; what arrived is kept.")
                                         .arg(action, path));
        break;
    case EACCES:
    case EPERM:
        e = makeError(ErrorCode::Forbidden,
                      QStringLiteral("Permission denied: could not %1 %2. Pick a folder you can "
                                     "write to.")
                          .arg(action, path));
        break;
    case EROFS:
        e = makeError(
            ErrorCode::Forbidden,
            QStringLiteral("Could not %1 %2: that disk is read-only. Pick another folder.")
                .arg(action, path));
        break;
    case ENAMETOOLONG:
    case EILSEQ:
    case EINVAL:
        e = makeError(ErrorCode::InvalidInput,
                      QStringLiteral("Could not %1 %2: this disk cannot store that name (%3); it "
                                     "was not saved.")
                          .arg(action, path, why));
        break;
    case ELOOP:
    case ENOTDIR:
        e = makeError(
            ErrorCode::InvalidInput,
            QStringLiteral("Could not %1 %2: something on its way is a symbolic link or a "
                           "file, not a folder, and GPUDeck never writes through links.")
                .arg(action, path));
        break;
    case EISDIR:
        e = makeError(ErrorCode::Conflict,
                      QStringLiteral("Could not %1 %2: a folder of that name is in the way.")
                          .arg(action, path));
        break;
    default:
        e = makeError(ErrorCode::Io, QStringLiteral("Could not %1 %2: %3.").arg(action, path, why));
        break;
    }
    e.detail = QStringLiteral("errno %1: %2").arg(err).arg(why);
    qCWarning(lcTransfer).noquote() << e.message << '|' << e.detail;
    return e;
}

Result<void> LocalTree::open(const QString& root)
{
    m_rootPath = root;
    m_root = ::open(QFile::encodeName(root).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (m_root < 0)
        return fsError(QStringLiteral("open the folder"), root, errno);
    return {};
}

QString LocalTree::displayPath(const QList<QByteArray>& dir, const QByteArray& name) const
{
    QString out = m_rootPath;
    for (const QByteArray& d : dir)
        out += QLatin1Char('/') + printableName(d);
    if (!name.isEmpty())
        out += QLatin1Char('/') + printableName(name);
    return out;
}

Result<int> LocalTree::dirFd(const QList<QByteArray>& dir, bool create)
{
    if (m_root < 0)
        return makeError(ErrorCode::Internal, QStringLiteral("LocalTree used before open()"));
    if (dir.isEmpty())
        return m_root;
    if (m_dirs.size() > kMaxOpenDirs)
        closeAll();
    int parent = m_root;
    for (qsizetype i = 0; i < dir.size(); ++i) {
        const QByteArray key = joined(dir, i + 1);
        const auto cached = m_dirs.constFind(key);
        if (cached != m_dirs.constEnd()) {
            parent = cached.value();
            continue;
        }
        const char* name = dir.at(i).constData();
        int fd = ::openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT && create) {
            if (::mkdirat(parent, name, 0755) != 0 && errno != EEXIST)
                return fsError(QStringLiteral("create the folder"),
                               displayPath(dir.mid(0, i + 1), {}), errno);
            fd = ::openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        if (fd < 0)
            return fsError(QStringLiteral("open the folder"), displayPath(dir.mid(0, i + 1), {}),
                           errno);
        m_dirs.insert(key, fd);
        parent = fd;
    }
    return parent;
}

Result<LocalTree::Info> LocalTree::info(const QList<QByteArray>& dir, const QByteArray& name)
{
    Result<int> d = dirFd(dir, false);
    if (!d.ok()) {
        // A folder on the way that does not exist yet: nothing is there.
        if (d.error().detail.startsWith(QStringLiteral("errno %1:").arg(ENOENT)))
            return Info{};
        return d.error();
    }
    struct stat st {};
    if (::fstatat(d.value(), name.isEmpty() ? "." : name.constData(), &st, AT_SYMLINK_NOFOLLOW) !=
        0) {
        if (errno == ENOENT)
            return Info{};
        return fsError(QStringLiteral("look at"), displayPath(dir, name), errno);
    }
    Info i;
    i.exists = true;
    i.isDir = S_ISDIR(st.st_mode);
    i.isFile = S_ISREG(st.st_mode);
    i.isSymlink = S_ISLNK(st.st_mode);
    i.size = st.st_size;
    i.mtime = st.st_mtim.tv_sec;
    return i;
}

Result<void> LocalTree::makeDirs(const QList<QByteArray>& path)
{
    Result<int> d = dirFd(path, true);
    if (!d.ok())
        return d.error();
    return {};
}

Result<int> LocalTree::openTemp(const QList<QByteArray>& dir, const QByteArray& tempName,
                                bool resume, qint64* size)
{
    Result<int> d = dirFd(dir, true);
    if (!d.ok())
        return d.error();
    // Read-write: a resumed download reads back its last bytes to compare them.
    const int flags = O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | (resume ? 0 : O_TRUNC);
    int fd = ::openat(d.value(), tempName.constData(), flags, 0600);
    if (fd < 0 && errno == ELOOP) {
        // Something put a symlink where our temporary file goes: remove it, never follow it.
        ::unlinkat(d.value(), tempName.constData(), 0);
        fd = ::openat(d.value(), tempName.constData(), flags | O_EXCL, 0600);
    }
    if (fd < 0)
        return fsError(QStringLiteral("create"), displayPath(dir, tempName), errno);
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        const int err = errno;
        ::close(fd);
        return fsError(QStringLiteral("create"), displayPath(dir, tempName), err ? err : EISDIR);
    }
    const off_t end = ::lseek(fd, 0, SEEK_END);
    if (size)
        *size = end;
    return fd;
}

Result<void> LocalTree::write(int fd, const char* data, qint64 size, const QList<QByteArray>& dir,
                              const QByteArray& name)
{
    while (size > 0) {
        const ssize_t n = ::write(fd, data, static_cast<size_t>(size));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return fsError(QStringLiteral("write"), displayPath(dir, name), errno);
        }
        data += n;
        size -= n;
    }
    return {};
}

Result<void> LocalTree::commit(int fd, const QList<QByteArray>& dir, const QByteArray& tempName,
                               const QByteArray& finalName, quint32 mode, qint64 mtime)
{
    // Permission bits only: a file from elsewhere never becomes set-user-ID here.
    ::fchmod(fd, static_cast<mode_t>(mode & 0777));
    const timespec times[2] = {{mtime, 0}, {mtime, 0}};
    ::futimens(fd, times);
    if (::close(fd) != 0)
        return fsError(QStringLiteral("write"), displayPath(dir, finalName), errno);
    Result<int> d = dirFd(dir, false);
    if (!d.ok())
        return d.error();
    if (::renameat(d.value(), tempName.constData(), d.value(), finalName.constData()) != 0)
        return fsError(QStringLiteral("rename into place"), displayPath(dir, finalName), errno);
    return {};
}

void LocalTree::abandon(int fd)
{
    if (fd >= 0)
        ::close(fd);
}

Result<void> LocalTree::makeSymlink(const QList<QByteArray>& dir, const QByteArray& name,
                                    const QByteArray& target)
{
    Result<int> d = dirFd(dir, true);
    if (!d.ok())
        return d.error();
    // Replace a file or link of that name (never a folder), like tar does.
    struct stat st {};
    if (::fstatat(d.value(), name.constData(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        !S_ISDIR(st.st_mode))
        ::unlinkat(d.value(), name.constData(), 0);
    if (::symlinkat(target.constData(), d.value(), name.constData()) != 0)
        return fsError(QStringLiteral("create the link"), displayPath(dir, name), errno);
    return {};
}

Result<void> LocalTree::makeHardLink(const QList<QByteArray>& dir, const QByteArray& name,
                                     const QList<QByteArray>& targetDir,
                                     const QByteArray& targetName)
{
    Result<int> from = dirFd(targetDir, false);
    if (!from.ok())
        return from.error();
    const int fromFd = from.value();
    Result<int> to = dirFd(dir, true);
    if (!to.ok())
        return to.error();
    struct stat st {};
    if (::fstatat(to.value(), name.constData(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        !S_ISDIR(st.st_mode))
        ::unlinkat(to.value(), name.constData(), 0);
    // Flags 0: a symlink as the target is linked itself, never followed.
    if (::linkat(fromFd, targetName.constData(), to.value(), name.constData(), 0) != 0)
        return fsError(QStringLiteral("create the hard link"), displayPath(dir, name), errno);
    return {};
}

Result<void> LocalTree::setDirAttributes(const QList<QByteArray>& path, quint32 mode, qint64 mtime)
{
    Result<int> d = dirFd(path, false);
    if (!d.ok())
        return d.error();
    // Keep the folder usable by its owner whatever the machine had.
    ::fchmod(d.value(), static_cast<mode_t>((mode & 0777) | 0700));
    const timespec times[2] = {{mtime, 0}, {mtime, 0}};
    ::futimens(d.value(), times);
    return {};
}

Result<void> LocalTree::removeFile(const QList<QByteArray>& dir, const QByteArray& name)
{
    Result<int> d = dirFd(dir, false);
    if (!d.ok())
        return d.error();
    if (::unlinkat(d.value(), name.constData(), 0) != 0 && errno != ENOENT)
        return fsError(QStringLiteral("delete"), displayPath(dir, name), errno);
    return {};
}

Result<void> LocalTree::removeAll(const QList<QByteArray>& dir, const QByteArray& name)
{
    Result<int> d = dirFd(dir, false);
    if (!d.ok())
        return d.error();
    const int err = removeAt(d.value(), name.constData());
    closeAll(); // handles below what was removed are stale now
    if (err)
        return fsError(QStringLiteral("delete"), displayPath(dir, name), err);
    return {};
}

Result<void> LocalTree::rename(const QList<QByteArray>& dir, const QByteArray& from,
                               const QByteArray& to)
{
    Result<int> d = dirFd(dir, false);
    if (!d.ok())
        return d.error();
    if (::renameat(d.value(), from.constData(), d.value(), to.constData()) != 0)
        return fsError(QStringLiteral("rename into place"), displayPath(dir, to), errno);
    closeAll(); // cached handles keep working, but their names changed
    return {};
}

Result<void> LocalTree::replace(const QList<QByteArray>& dir, const QByteArray& from,
                                const QByteArray& to)
{
    Result<int> d = dirFd(dir, false);
    if (!d.ok())
        return d.error();
    if (::renameat(d.value(), from.constData(), d.value(), to.constData()) != 0) {
        // rename(2) puts a folder in place of a file only by exchanging the two.
        struct stat st {};
        if ((errno != ENOTDIR && errno != EISDIR) ||
            ::fstatat(d.value(), to.constData(), &st, AT_SYMLINK_NOFOLLOW) != 0 ||
            S_ISDIR(st.st_mode) ||
            ::renameat2(d.value(), from.constData(), d.value(), to.constData(), RENAME_EXCHANGE) !=
                0)
            return fsError(QStringLiteral("rename into place"), displayPath(dir, to), errno);
        ::unlinkat(d.value(), from.constData(), 0); // the old file, now under the temporary name
    }
    closeAll(); // cached handles keep working, but their names changed
    return {};
}

} // namespace gpudeck::ssh
