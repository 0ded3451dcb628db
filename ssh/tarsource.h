#pragma once

#include "result.h"
#include "tarformat.h"

#include <QByteArray>
#include <QList>
#include <QStringList>

namespace gpudeck::ssh {

// One thing in a local folder, found by walkLocalTree().
struct LocalItem {
    QByteArray path; // relative to the folder, '/'-separated, the name bytes as on disk
    tar::Type type = tar::Type::File;
    qint64 size = 0;
    quint32 mode = 0644;
    qint64 mtime = 0;
    QByteArray linkTarget; // symlinks
};

// Everything in the local folder `root`, parents before children, symlinks as symlinks (never
// followed). Sockets, devices and fifos are left out and named in `skipped`.
[[nodiscard]] Result<QList<LocalItem>> walkLocalTree(const QString& root, QStringList* skipped);

// A tar archive of some items of a local folder, produced on demand in pieces of any size, so
// it can be fed to SSH channels as their windows open. Files are opened as their turn comes
// (O_NOFOLLOW); one that cannot be read is left out and named in problems(), one that changes
// size while it is read is padded or cut to the size its header gave, and named too.
class TarSource final {
    Q_DISABLE_COPY_MOVE(TarSource)
public:
    TarSource(const QString& root, QList<LocalItem> items);
    ~TarSource();

    // Appends at most `max` bytes of the archive to `out`; returns how many of them were file
    // data (for progress).
    [[nodiscard]] qint64 read(QByteArray& out, qint64 max);
    [[nodiscard]] bool atEnd() const { return m_state == State::Done; }
    [[nodiscard]] const QStringList& problems() const { return m_problems; }
    // The file being read now (relative path), for progress.
    [[nodiscard]] const QByteArray& currentPath() const { return m_current; }
    // Files whose data went out completely.
    [[nodiscard]] qint64 filesDone() const { return m_filesDone; }

private:
    enum class State { Next, Header, Data, Padding, Trailer, Done };
    void startNext();

    QByteArray m_root;
    QList<LocalItem> m_items;
    qsizetype m_index = 0;
    State m_state = State::Next;
    QByteArray m_pending; // header or trailer bytes not handed out yet
    qsizetype m_pendingPos = 0;
    int m_fd = -1;
    qint64 m_remaining = 0;
    qint64 m_padding = 0;
    bool m_shortened = false;
    QByteArray m_current;
    QStringList m_problems;
    qint64 m_filesDone = 0;
};

} // namespace gpudeck::ssh
