#include "tarextractor.h"

#include "localtree.h"
#include "pathsafety.h"

#include <algorithm>

namespace gpudeck::ssh {

TarExtractor::TarExtractor(LocalTree& tree, QList<QByteArray> base, Progress progress)
    : m_tree(tree)
    , m_base(std::move(base))
    , m_progress(std::move(progress))
{}

TarExtractor::~TarExtractor()
{
    m_tree.abandon(m_fd);
}

Result<void> TarExtractor::entryFailed(const Error& error)
{
    if (error.code == ErrorCode::InvalidInput || error.code == ErrorCode::Conflict) {
        m_problems << error.message;
        return {};
    }
    return error;
}

Result<void> TarExtractor::started(const tar::Entry& entry)
{
    m_entry = entry;
    m_fd = -1;
    Result<QList<QByteArray>> names = safeRelativePath(entry.path);
    if (!names.ok())
        return entryFailed(names.error());
    QList<QByteArray> path = m_base + names.value();
    if (names->isEmpty()) {
        if (entry.type == tar::Type::Directory)
            m_folders << Folder{path, entry.mode, entry.mtime};
        return {};
    }
    m_name = path.takeLast();
    m_dir = path;
    switch (entry.type) {
    case tar::Type::Directory: {
        Result<void> made = m_tree.makeDirs(m_dir + QList<QByteArray>{m_name});
        if (!made.ok())
            return entryFailed(made.error());
        m_folders << Folder{m_dir + QList<QByteArray>{m_name}, entry.mode, entry.mtime};
        return {};
    }
    case tar::Type::File: {
        m_temp = partName(m_name);
        Result<int> fd = m_tree.openTemp(m_dir, m_temp, false, nullptr);
        if (!fd.ok())
            return entryFailed(fd.error());
        m_fd = fd.value();
        return {};
    }
    case tar::Type::Symlink: {
        // GPUDeck never writes through a link, but the user will follow one: a received
        // "notes -> /home/me/.ssh/id_ed25519" or "-> ../../.bashrc" would open a file that
        // never came from the machine. Only links that stay inside the folder are kept.
        const QString problem = linkProblem(entry.path, entry.linkTarget);
        if (!problem.isEmpty()) {
            m_problems << QStringLiteral("The link “%1” → “%2” %3; it was not saved.")
                              .arg(printableName(entry.path), printableName(entry.linkTarget),
                                   problem);
            return {};
        }
        Result<void> made = m_tree.makeSymlink(m_dir, m_name, entry.linkTarget);
        if (!made.ok())
            return entryFailed(made.error());
        return {};
    }
    case tar::Type::HardLink: {
        Result<QList<QByteArray>> target = safeRelativePath(entry.linkTarget);
        if (!target.ok() || target->isEmpty())
            return entryFailed(
                makeError(ErrorCode::InvalidInput,
                          QStringLiteral("The hard link “%1” points to “%2”, "
                                         "outside the folder; it was not saved.")
                              .arg(printableName(entry.path), printableName(entry.linkTarget))));
        QList<QByteArray> targetPath = m_base + target.value();
        const QByteArray targetName = targetPath.takeLast();
        Result<void> made = m_tree.makeHardLink(m_dir, m_name, targetPath, targetName);
        if (!made.ok())
            return entryFailed(made.error());
        return {};
    }
    case tar::Type::Other:
        break;
    }
    m_problems << QStringLiteral("“%1” is a special file (a device, fifo or socket); it was not "
                                 "saved.")
                      .arg(printableName(entry.path));
    return {};
}

Result<void> TarExtractor::data(const char* bytes, qint64 size)
{
    if (m_fd < 0)
        return {}; // an entry that was refused: its data is dropped
    Result<void> written = m_tree.write(m_fd, bytes, size, m_dir, m_name);
    if (!written.ok())
        return written;
    if (m_progress)
        m_progress(size, m_entry.path, false);
    return {};
}

Result<void> TarExtractor::finished()
{
    if (m_fd < 0)
        return {};
    const int fd = m_fd;
    m_fd = -1;
    Result<void> committed = m_tree.commit(fd, m_dir, m_temp, m_name, m_entry.mode, m_entry.mtime);
    if (!committed.ok())
        return entryFailed(committed.error());
    ++m_files;
    if (m_progress)
        m_progress(0, m_entry.path, true);
    return {};
}

Result<void> TarExtractor::finishFolders()
{
    std::stable_sort(m_folders.begin(), m_folders.end(), [](const Folder& a, const Folder& b) {
        return a.path.size() > b.path.size();
    });
    for (const Folder& f : std::as_const(m_folders)) {
        Result<void> set = m_tree.setDirAttributes(f.path, f.mode, f.mtime);
        if (!set.ok())
            m_problems << set.error().message;
    }
    return {};
}

} // namespace gpudeck::ssh
