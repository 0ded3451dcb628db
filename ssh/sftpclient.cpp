#include "sftpclient.h"

#include "remotepath.h"
#include "transferlog.h"

#include <libssh/libssh.h>
#include <libssh/sftp.h>

#include <sys/stat.h>
#include <sys/time.h>

#include <QHash>

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
    m_posixRename = sftp_extension_supported(m_sftp, "posix-rename@openssh.com", "1") == 1;
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
    if (replaceExisting && m_posixRename) {
        Result<QList<int>> statuses = renameMany({{from, to}});
        if (!statuses.ok())
            return statuses.error();
        const int status = statuses->first();
        if (status == SSH_FX_OK)
            return {};
        // rename(2) cannot put a folder where a file is (ENOTDIR, which sftp-server reports
        // as "no such file"): that goes the slow way below, which also words other failures.
        if (status == SSH_FX_NO_CONNECTION || status == SSH_FX_CONNECTION_LOST)
            return errorFor(status, QStringLiteral("rename %1 to").arg(from), to);
    }
    if (!m_sftp)
        return notOpen();
    Result<QString> f = expand(from);
    Result<QString> t = expand(to);
    if (!f.ok())
        return f.error();
    if (!t.ok())
        return t.error();
    const QByteArray fromPath = f->toUtf8();
    const QByteArray toPath = t->toUtf8();
    if (sftp_rename(m_sftp, fromPath.constData(), toPath.constData()) == SSH_OK)
        return {};
    Error failed = lastError(QStringLiteral("rename %1 to").arg(from), to);
    if (!replaceExisting)
        return failed;
    AttributesPtr there(sftp_lstat(m_sftp, toPath.constData()));
    if (!there)
        return failed;
    // No atomic replace here: the old one goes aside first and stays until the new one is in
    // place, so at every moment one of the two is there under a name.
    const QByteArray aside =
        remoteJoin(remoteParent(t.value()),
                   QStringLiteral(".%1.gpudeck-old").arg(remoteBaseName(t.value())))
            .toUtf8();
    if (sftp_rename(m_sftp, toPath.constData(), aside.constData()) != SSH_OK)
        return lastError(QStringLiteral("replace"), to);
    if (sftp_rename(m_sftp, fromPath.constData(), toPath.constData()) != SSH_OK) {
        Error e = lastError(QStringLiteral("rename %1 to").arg(from), to);
        (void)sftp_rename(m_sftp, aside.constData(), toPath.constData());
        return e;
    }
    if (typeOf(there->permissions) == RemoteEntry::Type::Directory)
        (void)removeRecursively(QString::fromUtf8(aside));
    else
        (void)sftp_unlink(m_sftp, aside.constData());
    return {};
}

Result<QList<int>> SftpClient::renameMany(const QList<QPair<QString, QString>>& moves)
{
    if (!m_sftp)
        return notOpen().error();
    QList<QPair<QByteArray, QByteArray>> paths;
    for (const auto& [from, to] : moves) {
        Result<QString> f = expand(from);
        Result<QString> t = expand(to);
        if (!f.ok())
            return f.error();
        if (!t.ok())
            return t.error();
        paths.append({f->toUtf8(), t->toUtf8()});
    }
    QList<int> statuses;
    if (m_posixRename) {
        Result<QList<int>> sent = posixRenames(paths);
        if (!sent.ok())
            return sent.error();
        statuses = sent.value();
        if (!statuses.contains(SSH_FX_OP_UNSUPPORTED))
            return statuses;
        // Offered but refused (sftp-server -P): the slow way from now on.
        m_posixRename = false;
    } else {
        statuses = QList<int>(moves.size(), SSH_FX_OP_UNSUPPORTED);
    }
    for (qsizetype i = 0; i < moves.size(); ++i) {
        if (statuses.at(i) != SSH_FX_OP_UNSUPPORTED)
            continue;
        Result<void> r = rename(moves.at(i).first, moves.at(i).second, true);
        statuses[i] = r.ok() ? SSH_FX_OK : std::max(sftp_get_error(m_sftp), SSH_FX_FAILURE);
        if (!r.ok() && r.error().code == ErrorCode::Network)
            return r.error();
    }
    return statuses;
}

namespace {

void putU32(QByteArray& out, quint32 v)
{
    const char bytes[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                           static_cast<char>(v >> 8), static_cast<char>(v)};
    out.append(bytes, 4);
}

void putString(QByteArray& out, const QByteArray& s)
{
    putU32(out, static_cast<quint32>(s.size()));
    out += s;
}

quint32 getU32(const QByteArray& in, qsizetype at)
{
    const auto* p = reinterpret_cast<const unsigned char*>(in.constData() + at);
    return (quint32{p[0]} << 24) | (quint32{p[1]} << 16) | (quint32{p[2]} << 8) | quint32{p[3]};
}

// Reads exactly `n` bytes of the SFTP channel; false when it closed or failed.
bool readExactly(ssh_channel channel, QByteArray& out, qsizetype n)
{
    out.resize(n);
    for (qsizetype got = 0; got < n;) {
        const int r =
            ssh_channel_read(channel, out.data() + got, static_cast<uint32_t>(n - got), 0);
        if (r <= 0)
            return false;
        got += r;
    }
    return true;
}

// SFTP packet types (draft-ietf-secsh-filexfer-02), for the requests libssh has no call for.
constexpr quint8 kFxpStatus = 101;
constexpr quint8 kFxpExtended = 200;
// Requests in flight at once: enough to cover a round trip, few enough that the replies never
// fill the channel window while requests are still being written.
constexpr qsizetype kRenamesInFlight = 64;

} // namespace

Result<QList<int>> SftpClient::posixRenames(const QList<QPair<QByteArray, QByteArray>>& moves)
{
    // libssh 0.10 has no call for posix-rename@openssh.com, so the requests go onto the SFTP
    // channel here. That is safe because an SftpClient is used by one thread and its calls
    // return only when their replies arrived: no reply of libssh's own can be in the way. The
    // ids continue libssh's counter, so they never collide with its own.
    ssh_channel channel = m_sftp->channel;
    QHash<quint32, qsizetype> pending; // request id → index in moves
    QList<int> statuses(moves.size(), SSH_FX_FAILURE);
    auto lost = [&] {
        return m_session.sshError(ErrorCode::Network,
                                  QStringLiteral("The connection to %1 was lost while renaming "
                                                 "files.")
                                      .arg(m_session.where()));
    };
    qsizetype next = 0;
    while (next < moves.size() || !pending.isEmpty()) {
        while (next < moves.size() && pending.size() < kRenamesInFlight) {
            const quint32 id = ++m_sftp->id_counter;
            QByteArray body;
            body += static_cast<char>(kFxpExtended);
            putU32(body, id);
            putString(body, QByteArrayLiteral("posix-rename@openssh.com"));
            putString(body, moves.at(next).first);
            putString(body, moves.at(next).second);
            QByteArray packet;
            putU32(packet, static_cast<quint32>(body.size()));
            packet += body;
            if (ssh_channel_write(channel, packet.constData(),
                                  static_cast<uint32_t>(packet.size())) != packet.size())
                return lost();
            pending.insert(id, next++);
        }
        QByteArray header;
        QByteArray payload;
        if (!readExactly(channel, header, 4))
            return lost();
        const quint32 length = getU32(header, 0);
        // A status reply is small; anything large is not an answer to these requests.
        if (length < 9 || length > (1 << 20) || !readExactly(channel, payload, length))
            return lost();
        const quint32 id = getU32(payload, 1);
        const auto it = pending.find(id);
        if (static_cast<quint8>(payload.at(0)) != kFxpStatus || it == pending.end() ||
            payload.size() < 9)
            return makeError(ErrorCode::ProviderFailure,
                             QStringLiteral("%1 answered a rename with something unexpected.")
                                 .arg(m_session.where()));
        statuses[it.value()] = static_cast<int>(getU32(payload, 5));
        pending.erase(it);
    }
    return statuses;
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
