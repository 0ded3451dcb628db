#include "sftpclient.h"

#include "remotepath.h"
#include "transferlog.h"

#include <libssh/libssh.h>
#include <libssh/sftp.h>

#include <sys/stat.h>
#include <sys/time.h>

#include <memory>

Q_LOGGING_CATEGORY(lcSftp, "gpudeck.sftp")

namespace gpudeck::ssh {

void SftpFileCloser::operator()(sftp_file_struct* file) const
{
    sftp_close(file);
}

namespace {

struct AttributesDeleter {
    void operator()(sftp_attributes a) const { sftp_attributes_free(a); }
};
using AttributesPtr = std::unique_ptr<sftp_attributes_struct, AttributesDeleter>;

QString statusName(int status)
{
    switch (status) {
    case SSH_FX_OK:
        return QStringLiteral("ok");
    case SSH_FX_EOF:
        return QStringLiteral("end of file");
    case SSH_FX_NO_SUCH_FILE:
        return QStringLiteral("no such file");
    case SSH_FX_PERMISSION_DENIED:
        return QStringLiteral("permission denied");
    case SSH_FX_FAILURE:
        return QStringLiteral("failure");
    case SSH_FX_BAD_MESSAGE:
        return QStringLiteral("bad message");
    case SSH_FX_NO_CONNECTION:
        return QStringLiteral("no connection");
    case SSH_FX_CONNECTION_LOST:
        return QStringLiteral("connection lost");
    case SSH_FX_OP_UNSUPPORTED:
        return QStringLiteral("operation unsupported");
    case SSH_FX_INVALID_HANDLE:
        return QStringLiteral("invalid handle");
    case SSH_FX_NO_SUCH_PATH:
        return QStringLiteral("no such path");
    case SSH_FX_FILE_ALREADY_EXISTS:
        return QStringLiteral("file already exists");
    case SSH_FX_WRITE_PROTECT:
        return QStringLiteral("write protected");
    case SSH_FX_NO_MEDIA:
        return QStringLiteral("no media");
    default:
        return QStringLiteral("status %1").arg(status);
    }
}

RemoteEntry::Type typeOf(quint32 permissions)
{
    switch (permissions & S_IFMT) {
    case S_IFREG:
        return RemoteEntry::Type::File;
    case S_IFDIR:
        return RemoteEntry::Type::Directory;
    case S_IFLNK:
        return RemoteEntry::Type::Symlink;
    default:
        return RemoteEntry::Type::Other;
    }
}

RemoteEntry toEntry(const sftp_attributes_struct& a, const QByteArray& rawName)
{
    RemoteEntry e;
    e.rawName = rawName;
    e.name = QString::fromUtf8(rawName);
    if (a.flags & SSH_FILEXFER_ATTR_PERMISSIONS) {
        e.permissions = a.permissions;
        e.type = typeOf(a.permissions);
    } else {
        switch (a.type) {
        case SSH_FILEXFER_TYPE_REGULAR:
            e.type = RemoteEntry::Type::File;
            break;
        case SSH_FILEXFER_TYPE_DIRECTORY:
            e.type = RemoteEntry::Type::Directory;
            break;
        case SSH_FILEXFER_TYPE_SYMLINK:
            e.type = RemoteEntry::Type::Symlink;
            break;
        default:
            break;
        }
    }
    if (a.flags & SSH_FILEXFER_ATTR_SIZE)
        e.size = static_cast<qint64>(a.size);
    if (a.flags & SSH_FILEXFER_ATTR_ACMODTIME)
        e.modified = QDateTime::fromSecsSinceEpoch(a.mtime, Qt::UTC);
    if (a.flags & SSH_FILEXFER_ATTR_UIDGID) {
        e.uid = a.uid;
        e.gid = a.gid;
    }
    // OpenSSH sends `ls -l` style long names: mode, links, owner, group, size, date, name.
    if (a.longname) {
        const QStringList fields =
            QString::fromUtf8(a.longname).split(QLatin1Char(' '), Qt::SkipEmptyParts);
        if (fields.size() >= 4) {
            e.owner = fields.at(2);
            e.group = fields.at(3);
        }
    }
    return e;
}

} // namespace

SftpClient::SftpClient(Session& session)
    : m_session(session)
{}

SftpClient::~SftpClient()
{
    close();
}

void SftpClient::close()
{
    if (m_sftp) {
        sftp_free(m_sftp);
        m_sftp = nullptr;
    }
}

Result<void> SftpClient::notOpen() const
{
    return makeError(ErrorCode::Internal, QStringLiteral("SFTP used before open()"));
}

Result<void> SftpClient::open()
{
    if (m_sftp)
        return {};
    if (!m_session.isConnected())
        return makeError(ErrorCode::Network,
                         QStringLiteral("Not connected to %1.").arg(m_session.where()));
    m_sftp = sftp_new(m_session.handle());
    if (!m_sftp)
        return m_session.sshError(ErrorCode::Ssh,
                                  QStringLiteral("%1 would not start SFTP. Check that its SSH "
                                                 "server has the sftp subsystem enabled.")
                                      .arg(m_session.where()));
    if (sftp_init(m_sftp) != SSH_OK) {
        const int status = sftp_get_error(m_sftp);
        Error e = m_session.sshError(ErrorCode::Ssh,
                                     QStringLiteral("%1 would not start SFTP. Check that its SSH "
                                                    "server has the sftp subsystem enabled.")
                                         .arg(m_session.where()));
        e.detail += QStringLiteral("; SFTP status %1 (%2)").arg(status).arg(statusName(status));
        close();
        return e;
    }
    return {};
}

Error SftpClient::lastError(const QString& action, const QString& path)
{
    return errorFor(m_sftp ? sftp_get_error(m_sftp) : -1, action, path);
}

Error SftpClient::errorFor(int status, const QString& action, const QString& path)
{
    ssh_session s = m_session.handle();
    const QString detail = QStringLiteral("SFTP status %1 (%2); libssh error %3: %4")
                               .arg(status)
                               .arg(statusName(status))
                               .arg(s ? ssh_get_error_code(s) : 0)
                               .arg(s ? QString::fromUtf8(ssh_get_error(s)) : QString());
    const QString where = m_session.where();
    const QString what = QStringLiteral("Could not %1 %2 on %3").arg(action, path, where);
    Error e;
    if (!m_session.isConnected() || status == SSH_FX_NO_CONNECTION ||
        status == SSH_FX_CONNECTION_LOST) {
        e = makeError(ErrorCode::Network,
                      QStringLiteral("The connection to %1 dropped while trying to %2 %3. Try "
                                     "again when the machine is reachable.")
                          .arg(where, action, path));
    } else {
        switch (status) {
        case SSH_FX_NO_SUCH_FILE:
        case SSH_FX_NO_SUCH_PATH:
            e = makeError(ErrorCode::NotFound,
                          what + QStringLiteral(": there is no such file or folder."));
            break;
        case SSH_FX_PERMISSION_DENIED:
            e = makeError(ErrorCode::Forbidden,
                          what + QStringLiteral(": permission denied. Pick a place the login "
                                                "user can write to (such as the home folder), "
                                                "or change the permissions of %1 on the "
                                                "machine.")
                                     .arg(path));
            break;
        case SSH_FX_FILE_ALREADY_EXISTS:
            e = makeError(ErrorCode::Conflict,
                          what + QStringLiteral(": something with that name already exists."));
            break;
        case SSH_FX_WRITE_PROTECT:
            e = makeError(ErrorCode::Forbidden,
                          what + QStringLiteral(": that file system is read-only. Pick another "
                                                "folder."));
            break;
        case SSH_FX_OP_UNSUPPORTED:
            e = makeError(ErrorCode::Unsupported,
                          what + QStringLiteral(": the machine's SFTP server does not support "
                                                "this."));
            break;
        case SSH_FX_FAILURE: {
            // SFTP 3 has no "disk full" status (OpenSSH reports ENOSPC and EROFS as a plain
            // failure), so look at the free space to tell the user which it is.
            const QString folder =
                remoteParent(path).isEmpty() ? QStringLiteral(".") : remoteParent(path);
            bool readOnly = false;
            Result<qint64> free = freeSpace(folder, &readOnly);
            if (free.ok() && readOnly)
                e = makeError(ErrorCode::Forbidden,
                              what + QStringLiteral(": that file system is read-only. Pick "
                                                    "another folder."));
            else if (free.ok() && free.value() <= 0)
                e = makeError(ErrorCode::Io,
                              what + QStringLiteral(": the machine's disk is full. Free some "
                                                    "space on it (old checkpoints, caches) and "
                                                    "resume; what arrived is kept."));
            else
                e = makeError(ErrorCode::Io,
                              what + QStringLiteral(": the server refused (the file system may "
                                                    "be read-only or full, or the name "
                                                    "invalid there)."));
            break;
        }
        default:
            e = makeError(ErrorCode::ProviderFailure,
                          what + QStringLiteral(": %1.").arg(statusName(status)));
            break;
        }
    }
    e.detail = detail;
    if (e.code == ErrorCode::NotFound)
        qCDebug(lcSftp).noquote() << e.message << '|' << detail;
    else
        qCWarning(lcSftp).noquote() << e.message << '|' << detail;
    return e;
}

Result<QString> SftpClient::expand(const QString& path)
{
    if (path == QLatin1String("~") || path.startsWith(QLatin1String("~/"))) {
        Result<QString> h = home();
        if (!h.ok())
            return h;
        return path.size() <= 2 ? h.value() : remoteJoin(h.value(), path.mid(2));
    }
    return path;
}

Result<QString> SftpClient::home()
{
    if (!m_home.isEmpty())
        return m_home;
    Result<QString> h = realPath(QStringLiteral("."));
    if (h.ok())
        m_home = h.value();
    return h;
}

Result<QString> SftpClient::realPath(const QString& path)
{
    if (!m_sftp)
        return notOpen().error();
    char* resolved = sftp_canonicalize_path(m_sftp, path.toUtf8().constData());
    if (!resolved)
        return lastError(QStringLiteral("resolve"), path);
    const QString out = QString::fromUtf8(resolved);
    ssh_string_free_char(resolved);
    return out;
}

Result<RemoteEntry> SftpClient::statImpl(const QString& given, bool follow)
{
    if (!m_sftp)
        return notOpen().error();
    Result<QString> path = expand(given);
    if (!path.ok())
        return path.error();
    const QByteArray p = path->toUtf8();
    AttributesPtr a(follow ? sftp_stat(m_sftp, p.constData()) : sftp_lstat(m_sftp, p.constData()));
    if (!a)
        return lastError(QStringLiteral("look at"), given);
    RemoteEntry e = toEntry(*a, remoteBaseName(path.value()).toUtf8());
    if (!follow && e.isSymlink()) {
        Result<QString> target = readLink(path.value());
        if (target.ok())
            e.symlinkTarget = target.value();
        AttributesPtr t(sftp_stat(m_sftp, p.constData()));
        if (t)
            e.targetType = toEntry(*t, {}).type;
    }
    return e;
}

Result<RemoteEntry> SftpClient::stat(const QString& path)
{
    return statImpl(path, true);
}

Result<RemoteEntry> SftpClient::lstat(const QString& path)
{
    return statImpl(path, false);
}

Result<bool> SftpClient::exists(const QString& path)
{
    Result<RemoteEntry> e = statImpl(path, false);
    if (e.ok())
        return true;
    if (e.error().code == ErrorCode::NotFound)
        return false;
    return e.error();
}

Result<QList<RemoteEntry>> SftpClient::list(const QString& given, bool resolveSymlinks,
                                            const std::atomic_bool* cancel)
{
    if (!m_sftp)
        return notOpen().error();
    Result<QString> dirPath = expand(given);
    if (!dirPath.ok())
        return dirPath.error();
    sftp_dir dir = sftp_opendir(m_sftp, dirPath->toUtf8().constData());
    if (!dir)
        return lastError(QStringLiteral("open the folder"), given);
    QList<RemoteEntry> out;
    for (;;) {
        if (cancel && cancel->load()) {
            sftp_closedir(dir);
            return makeError(ErrorCode::Cancelled, QStringLiteral("Cancelled."));
        }
        AttributesPtr a(sftp_readdir(m_sftp, dir));
        if (!a)
            break;
        const QByteArray raw(a->name ? a->name : "");
        if (raw == "." || raw == "..")
            continue;
        out << toEntry(*a, raw);
    }
    if (!sftp_dir_eof(dir)) {
        Error e = lastError(QStringLiteral("read the folder"), given);
        sftp_closedir(dir);
        return e;
    }
    if (sftp_closedir(dir) != SSH_OK)
        return lastError(QStringLiteral("read the folder"), given);
    if (resolveSymlinks) {
        for (RemoteEntry& e : out) {
            if (!e.isSymlink())
                continue;
            const QString full = remoteJoin(dirPath.value(), QString::fromUtf8(e.rawName));
            Result<QString> target = readLink(full);
            if (target.ok())
                e.symlinkTarget = target.value();
            AttributesPtr t(sftp_stat(m_sftp, full.toUtf8().constData()));
            if (t)
                e.targetType = toEntry(*t, {}).type;
        }
    }
    return out;
}

Result<void> SftpClient::mkdir(const QString& given, int mode)
{
    if (!m_sftp)
        return notOpen();
    Result<QString> path = expand(given);
    if (!path.ok())
        return path.error();
    if (sftp_mkdir(m_sftp, path->toUtf8().constData(), static_cast<mode_t>(mode)) == SSH_OK)
        return {};
    int status = sftp_get_error(m_sftp);
    if (status == SSH_FX_NO_SUCH_FILE || status == SSH_FX_NO_SUCH_PATH) {
        // libssh answers a refused mkdir (SSH_FX_FAILURE) with an lstat of the new folder to
        // tell "already exists" apart, and that lstat's "no such file" replaces the status. It
        // is a real "no such file" only when the parent is missing.
        const QString parent = remoteParent(path.value());
        AttributesPtr p(sftp_stat(
            m_sftp, (parent.isEmpty() ? QStringLiteral(".") : parent).toUtf8().constData()));
        if (p)
            status = SSH_FX_FAILURE;
    }
    return errorFor(status, QStringLiteral("create the folder"), given);
}

Result<void> SftpClient::mkpath(const QString& given, int mode)
{
    if (!m_sftp)
        return notOpen();
    Result<QString> expanded = expand(given);
    if (!expanded.ok())
        return expanded.error();
    const QString path = expanded.value();
    // One round trip when the folder exists, two when only it is missing; deeper only as needed.
    Result<RemoteEntry> whole = stat(path);
    if (whole.ok()) {
        if (whole->isDir())
            return {};
        return makeError(
            ErrorCode::Conflict,
            QStringLiteral("%1 on %2 is a file, not a folder.").arg(given, m_session.where()));
    }
    if (whole.error().code != ErrorCode::NotFound)
        return whole.error();
    if (sftp_mkdir(m_sftp, path.toUtf8().constData(), static_cast<mode_t>(mode)) == SSH_OK)
        return {};
    const int status = sftp_get_error(m_sftp);
    const QString parent = remoteParent(path);
    if ((status == SSH_FX_NO_SUCH_FILE || status == SSH_FX_NO_SUCH_PATH) && !parent.isEmpty() &&
        parent != path) {
        Result<void> up = mkpath(parent, mode);
        if (!up.ok())
            return up;
        if (sftp_mkdir(m_sftp, path.toUtf8().constData(), static_cast<mode_t>(mode)) == SSH_OK)
            return {};
    }
    // Another transfer may have created it meanwhile.
    Result<RemoteEntry> again = stat(path);
    if (again.ok() && again->isDir())
        return {};
    return lastError(QStringLiteral("create the folder"), given);
}

Result<void> SftpClient::setAttributes(const QString& given, std::optional<int> mode,
                                       const QDateTime& modified, std::optional<qint64> size)
{
    if (!m_sftp)
        return notOpen();
    Result<QString> path = expand(given);
    if (!path.ok())
        return path.error();
    sftp_attributes_struct attr{};
    if (size) {
        attr.flags |= SSH_FILEXFER_ATTR_SIZE;
        attr.size = static_cast<uint64_t>(*size);
    }
    if (mode) {
        attr.flags |= SSH_FILEXFER_ATTR_PERMISSIONS;
        attr.permissions = static_cast<uint32_t>(*mode);
    }
    if (modified.isValid()) {
        attr.flags |= SSH_FILEXFER_ATTR_ACMODTIME;
        attr.atime = static_cast<uint32_t>(modified.toSecsSinceEpoch());
        attr.mtime = attr.atime;
    }
    if (sftp_setstat(m_sftp, path->toUtf8().constData(), &attr) != SSH_OK)
        return lastError(QStringLiteral("set the attributes of"), given);
    return {};
}

Result<void> SftpClient::rename(const QString& from, const QString& to, bool replaceExisting)
{
    if (!m_sftp)
        return notOpen();
    Result<QString> f = expand(from);
    Result<QString> t = expand(to);
    if (!f.ok())
        return f.error();
    if (!t.ok())
        return t.error();
    if (sftp_rename(m_sftp, f->toUtf8().constData(), t->toUtf8().constData()) == SSH_OK)
        return {};
    Error failed = lastError(QStringLiteral("rename %1 to").arg(from), to);
    if (!replaceExisting)
        return failed;
    AttributesPtr there(sftp_lstat(m_sftp, t->toUtf8().constData()));
    if (!there || typeOf(there->permissions) == RemoteEntry::Type::Directory)
        return failed;
    if (sftp_unlink(m_sftp, t->toUtf8().constData()) != SSH_OK)
        return lastError(QStringLiteral("replace"), to);
    if (sftp_rename(m_sftp, f->toUtf8().constData(), t->toUtf8().constData()) != SSH_OK)
        return lastError(QStringLiteral("rename %1 to").arg(from), to);
    return {};
}

Result<void> SftpClient::removeFile(const QString& given)
{
    if (!m_sftp)
        return notOpen();
    Result<QString> path = expand(given);
    if (!path.ok())
        return path.error();
    if (sftp_unlink(m_sftp, path->toUtf8().constData()) != SSH_OK)
        return lastError(QStringLiteral("delete"), given);
    return {};
}

Result<void> SftpClient::removeDir(const QString& given)
{
    if (!m_sftp)
        return notOpen();
    Result<QString> path = expand(given);
    if (!path.ok())
        return path.error();
    if (sftp_rmdir(m_sftp, path->toUtf8().constData()) != SSH_OK)
        return lastError(QStringLiteral("delete the folder"), given);
    return {};
}

Result<void> SftpClient::removeRecursively(const QString& given, const std::atomic_bool* cancel)
{
    Result<QString> path = expand(given);
    if (!path.ok())
        return path.error();
    Result<RemoteEntry> e = lstat(path.value());
    if (!e.ok())
        return e.error();
    if (!e->isDir())
        return removeFile(path.value());
    Result<QList<RemoteEntry>> children = list(path.value(), false, cancel);
    if (!children.ok())
        return children.error();
    for (const RemoteEntry& child : children.value()) {
        if (cancel && cancel->load())
            return makeError(ErrorCode::Cancelled, QStringLiteral("Cancelled."));
        const QString full = remoteJoin(path.value(), QString::fromUtf8(child.rawName));
        Result<void> removed = child.isDir() ? removeRecursively(full, cancel) : removeFile(full);
        if (!removed.ok())
            return removed;
    }
    return removeDir(path.value());
}

Result<void> SftpClient::chmod(const QString& given, int mode)
{
    if (!m_sftp)
        return notOpen();
    Result<QString> path = expand(given);
    if (!path.ok())
        return path.error();
    if (sftp_chmod(m_sftp, path->toUtf8().constData(), static_cast<mode_t>(mode)) != SSH_OK)
        return lastError(QStringLiteral("change the permissions of"), given);
    return {};
}

Result<void> SftpClient::setModified(const QString& given, const QDateTime& modified)
{
    if (!m_sftp)
        return notOpen();
    Result<QString> path = expand(given);
    if (!path.ok())
        return path.error();
    timeval times[2] = {};
    times[0].tv_sec = static_cast<time_t>(modified.toSecsSinceEpoch());
    times[1].tv_sec = times[0].tv_sec;
    if (sftp_utimes(m_sftp, path->toUtf8().constData(), times) != SSH_OK)
        return lastError(QStringLiteral("set the modification time of"), given);
    return {};
}

Result<void> SftpClient::truncate(const QString& given, qint64 size)
{
    if (!m_sftp)
        return notOpen();
    Result<QString> path = expand(given);
    if (!path.ok())
        return path.error();
    sftp_attributes_struct attr{};
    attr.flags = SSH_FILEXFER_ATTR_SIZE;
    attr.size = static_cast<uint64_t>(size);
    if (sftp_setstat(m_sftp, path->toUtf8().constData(), &attr) != SSH_OK)
        return lastError(QStringLiteral("resize"), given);
    return {};
}

Result<QString> SftpClient::readLink(const QString& given)
{
    if (!m_sftp)
        return notOpen().error();
    Result<QString> path = expand(given);
    if (!path.ok())
        return path.error();
    char* target = sftp_readlink(m_sftp, path->toUtf8().constData());
    if (!target)
        return lastError(QStringLiteral("read the link"), given);
    const QString out = QString::fromUtf8(target);
    ssh_string_free_char(target);
    return out;
}

Result<void> SftpClient::symlink(const QString& target, const QString& linkPath)
{
    if (!m_sftp)
        return notOpen();
    Result<QString> path = expand(linkPath);
    if (!path.ok())
        return path.error();
    if (sftp_symlink(m_sftp, target.toUtf8().constData(), path->toUtf8().constData()) != SSH_OK)
        return lastError(QStringLiteral("create the link"), linkPath);
    return {};
}

Result<qint64> SftpClient::freeSpace(const QString& given, bool* readOnly)
{
    if (!m_sftp)
        return notOpen().error();
    if (!sftp_extension_supported(m_sftp, "statvfs@openssh.com", "2"))
        return makeError(ErrorCode::Unsupported,
                         QStringLiteral("%1 cannot report free space.").arg(m_session.where()));
    Result<QString> path = expand(given);
    if (!path.ok())
        return path.error();
    sftp_statvfs_t st = sftp_statvfs(m_sftp, path->toUtf8().constData());
    if (!st) {
        const int status = sftp_get_error(m_sftp);
        qCWarning(lcSftp).noquote()
            << "statvfs failed on" << given << "SFTP status" << status << statusName(status)
            << "libssh:" << ssh_get_error(m_session.handle());
        return makeError(
            ErrorCode::Unsupported,
            QStringLiteral("Could not ask %1 for its free space.").arg(m_session.where()));
    }
    const qint64 free = static_cast<qint64>(st->f_bavail * st->f_frsize);
    if (readOnly)
        *readOnly = (st->f_flag & SSH_FXE_STATVFS_ST_RDONLY) != 0;
    sftp_statvfs_free(st);
    return free;
}

} // namespace gpudeck::ssh
