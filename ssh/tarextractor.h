#pragma once

#include "tarreader.h"

#include <QByteArray>
#include <QList>
#include <QStringList>

#include <functional>

namespace gpudeck::ssh {

class LocalTree;

// Writes the entries of a tar stream from a remote machine below one folder of a LocalTree,
// with the safety rules: every name goes through safeRelativePath() (no absolute paths, no
// "..", no control characters, no absurd lengths), nothing is written through a symlink,
// files appear under their own name only when complete, special files are not created.
// Links are kept only when they point inside the folder (linkProblem()). An entry that breaks
// a rule is skipped and named in problems(); a failure that affects everything (disk full,
// permission denied) stops the stream with an Error.
//
// Why our own tar code rather than libarchive (weighed for issue #13): libarchive's
// ARCHIVE_EXTRACT_SECURE_SYMLINKS / _NODOTDOT / _NOABSOLUTEPATHS refuse entry *paths* that go
// through a link, climb with ".." or are absolute, but a link's *target* is created as it is
// ("x -> /etc/passwd" is extracted), so the check below would be needed anyway; it extracts by
// path from the process's working folder, where we extract below directory descriptors opened
// with O_NOFOLLOW (LocalTree), write each file under a temporary name renamed when complete and
// resume folder downloads file by file, which archive_write_disk does not do; and we also write
// tar (uploads), where libarchive would add nothing our 150 lines of writer need. Its strength,
// years of fuzzing of the header parser, is matched by fuzzing tar::Reader (tests/fuzz), which
// reads only ustar, pax and GNU long names. Revisit if we ever need to read other formats.
class TarExtractor final : public tar::Reader::Handler {
    Q_DISABLE_COPY_MOVE(TarExtractor)
public:
    // `progress` gets the data bytes written and, at the end of each file, fileDone = true.
    using Progress = std::function<void(qint64 bytes, const QByteArray& path, bool fileDone)>;
    TarExtractor(LocalTree& tree, QList<QByteArray> base, Progress progress);
    ~TarExtractor() override;

    [[nodiscard]] Result<void> started(const tar::Entry& entry) override;
    [[nodiscard]] Result<void> data(const char* bytes, qint64 size) override;
    [[nodiscard]] Result<void> finished() override;

    // Gives the folders their permissions and times, deepest first (writing into a folder
    // changes its time, so this comes last).
    [[nodiscard]] Result<void> finishFolders();
    [[nodiscard]] const QStringList& problems() const { return m_problems; }
    [[nodiscard]] qint64 files() const { return m_files; }
    // The current entry is a file being written (its data is wanted).
    [[nodiscard]] bool wantsData() const { return m_fd >= 0; }

private:
    // A per-entry failure becomes a problem; one that affects everything stays an Error.
    [[nodiscard]] Result<void> entryFailed(const Error& error);

    struct Folder {
        QList<QByteArray> path;
        quint32 mode = 0755;
        qint64 mtime = 0;
    };

    LocalTree& m_tree;
    QList<QByteArray> m_base;
    Progress m_progress;
    tar::Entry m_entry;
    QList<QByteArray> m_dir;
    QByteArray m_name;
    QByteArray m_temp;
    int m_fd = -1;
    QList<Folder> m_folders;
    QStringList m_problems;
    qint64 m_files = 0;
};

} // namespace gpudeck::ssh
