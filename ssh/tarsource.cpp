#include "tarsource.h"

#include "pathsafety.h"

#include <QFile>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace gpudeck::ssh {

namespace {

struct Walker {
    QList<LocalItem>& items;
    QStringList* skipped;
    const QString& root;

    Result<void> walk(int dirFd, const QByteArray& rel)
    {
        DIR* d = ::fdopendir(dirFd);
        if (!d) {
            const int err = errno;
            ::close(dirFd);
            return makeError(ErrorCode::Io, QStringLiteral("Could not read the folder %1/%2: %3.")
                                                .arg(root, printableName(rel),
                                                     QString::fromLocal8Bit(std::strerror(err))));
        }
        // Sorted, so archives (and their order on the other side) are reproducible.
        QList<QByteArray> names;
        while (dirent* e = ::readdir(d)) {
            if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0)
                names << QByteArray(e->d_name);
        }
        std::sort(names.begin(), names.end());
        Result<void> result;
        for (const QByteArray& name : names) {
            const QByteArray path = rel.isEmpty() ? name : rel + '/' + name;
            struct stat st {};
            if (::fstatat(::dirfd(d), name.constData(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
                if (skipped)
                    *skipped << QString::fromUtf8(path);
                continue;
            }
            LocalItem item;
            item.path = path;
            item.mode = st.st_mode & 07777;
            item.mtime = st.st_mtim.tv_sec;
            if (S_ISREG(st.st_mode)) {
                item.type = tar::Type::File;
                item.size = st.st_size;
                items << item;
            } else if (S_ISLNK(st.st_mode)) {
                item.type = tar::Type::Symlink;
                QByteArray target(PATH_MAX, '\0');
                const ssize_t n = ::readlinkat(::dirfd(d), name.constData(), target.data(),
                                               static_cast<size_t>(target.size()));
                if (n < 0) {
                    if (skipped)
                        *skipped << QString::fromUtf8(path);
                    continue;
                }
                target.truncate(n);
                item.linkTarget = target;
                items << item;
            } else if (S_ISDIR(st.st_mode)) {
                item.type = tar::Type::Directory;
                items << item;
                const int sub = ::openat(::dirfd(d), name.constData(),
                                         O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (sub < 0) {
                    result = makeError(ErrorCode::Io,
                                       QStringLiteral("Could not read the folder %1/%2: %3.")
                                           .arg(root, printableName(path),
                                                QString::fromLocal8Bit(std::strerror(errno))));
                    break;
                }
                result = walk(sub, path);
                if (!result.ok())
                    break;
            } else if (skipped) {
                *skipped << QString::fromUtf8(path);
            }
        }
        ::closedir(d);
        return result;
    }
};

} // namespace

Result<QList<LocalItem>> walkLocalTree(const QString& root, QStringList* skipped)
{
    const int fd = ::open(QFile::encodeName(root).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return makeError(ErrorCode::Io,
                         QStringLiteral("Could not read the folder %1: %2.")
                             .arg(root, QString::fromLocal8Bit(std::strerror(errno))));
    QList<LocalItem> items;
    Walker w{items, skipped, root};
    Result<void> walked = w.walk(fd, {});
    if (!walked.ok())
        return walked.error();
    return items;
}

TarSource::TarSource(const QString& root, QList<LocalItem> items)
    : m_root(QFile::encodeName(root))
    , m_items(std::move(items))
{}

TarSource::~TarSource()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

void TarSource::startNext()
{
    while (m_index < m_items.size()) {
        const LocalItem& item = m_items.at(m_index++);
        tar::Entry e;
        e.path = item.path;
        e.type = item.type;
        e.mode = item.mode;
        e.mtime = item.mtime;
        e.linkTarget = item.linkTarget;
        m_current = item.path;
        if (item.type == tar::Type::File) {
            const QByteArray full = m_root + '/' + item.path;
            const int fd = ::open(full.constData(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
            struct stat st {};
            if (fd < 0 || ::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
                const int err = fd < 0 ? errno : EINVAL;
                if (fd >= 0)
                    ::close(fd);
                m_problems << QStringLiteral("%1 (%2)").arg(
                    printableName(item.path), QString::fromLocal8Bit(std::strerror(err)));
                continue;
            }
            // The size as it is now, which may differ from when the folder was walked.
            e.size = st.st_size;
            e.mtime = st.st_mtim.tv_sec;
            m_fd = fd;
            m_remaining = e.size;
            m_padding = tar::padding(e.size);
            m_shortened = false;
        }
        m_pending = tar::header(e);
        m_pendingPos = 0;
        m_state = State::Header;
        return;
    }
    m_pending = tar::endOfArchive();
    m_pendingPos = 0;
    m_state = State::Trailer;
}

qint64 TarSource::read(QByteArray& out, qint64 max)
{
    qint64 data = 0;
    qint64 room = max;
    while (room > 0 && m_state != State::Done) {
        switch (m_state) {
        case State::Next:
            startNext();
            break;
        case State::Header:
        case State::Trailer: {
            const qint64 n = std::min<qint64>(room, m_pending.size() - m_pendingPos);
            out.append(m_pending.constData() + m_pendingPos, n);
            m_pendingPos += n;
            room -= n;
            if (m_pendingPos == m_pending.size()) {
                if (m_state == State::Trailer) {
                    m_state = State::Done;
                } else if (m_fd >= 0) {
                    m_state = State::Data;
                } else {
                    m_state = State::Next;
                }
            }
            break;
        }
        case State::Data: {
            if (m_remaining == 0) {
                ::close(m_fd);
                m_fd = -1;
                m_state = State::Padding;
                break;
            }
            const qint64 want = std::min(room, m_remaining);
            const qsizetype at = out.size();
            out.resize(at + want);
            ssize_t n = m_shortened ? 0 : ::read(m_fd, out.data() + at, static_cast<size_t>(want));
            if (n <= 0) {
                // The file shrank (or failed) while being read: keep the archive consistent
                // with the header, and say so.
                if (!m_shortened)
                    m_problems << QStringLiteral("%1 (changed while it was being sent)")
                                      .arg(printableName(m_current));
                m_shortened = true;
                std::memset(out.data() + at, 0, static_cast<size_t>(want));
                n = static_cast<ssize_t>(want);
            }
            out.resize(at + n);
            m_remaining -= n;
            room -= n;
            data += n;
            break;
        }
        case State::Padding: {
            const qint64 n = std::min(room, m_padding);
            out.append(QByteArray(n, '\0'));
            m_padding -= n;
            room -= n;
            if (m_padding == 0) {
                ++m_filesDone;
                m_state = State::Next;
            }
            break;
        }
        case State::Done:
            break;
        }
    }
    return data;
}

} // namespace gpudeck::ssh
