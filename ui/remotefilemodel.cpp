#include "remotefilemodel.h"

#include <QApplication>
#include <QFileIconProvider>
#include <QLocale>
#include <QMimeData>
#include <QStyle>

namespace gpudeck {

RemoteDragData::RemoteDragData(Fetch fetch)
    : m_fetch(std::move(fetch))
{}

QStringList RemoteDragData::formats() const
{
    return {QStringLiteral("text/uri-list")};
}

bool RemoteDragData::hasFormat(const QString& mimeType) const
{
    return mimeType == QLatin1String("text/uri-list");
}

QVariant RemoteDragData::retrieveData(const QString& mimeType, QMetaType) const
{
    if (mimeType != QLatin1String("text/uri-list"))
        return {};
    // Asked again each time: what has arrived grows while the drag goes on. Never waits.
    QVariantList list;
    for (const QUrl& u : m_fetch())
        list << u;
    return list;
}

QString permissionText(quint32 mode)
{
    QString s;
    const char* const letters = "rwxrwxrwx";
    for (int bit = 8; bit >= 0; --bit)
        s += (mode & (1u << bit)) ? QLatin1Char(letters[8 - bit]) : QLatin1Char('-');
    return s;
}

RemoteFileModel::RemoteFileModel(QObject* parent)
    : QAbstractTableModel(parent)
{}

void RemoteFileModel::setEntries(const QString& dir, QList<ssh::RemoteEntry> entries)
{
    m_dir = dir;
    m_all = std::move(entries);
    rebuild();
}

void RemoteFileModel::setShowHidden(bool show)
{
    m_showHidden = show;
    rebuild();
}

void RemoteFileModel::rebuild()
{
    beginResetModel();
    m_shown.clear();
    for (const ssh::RemoteEntry& e : std::as_const(m_all)) {
        if (m_showHidden || !e.name.startsWith(QLatin1Char('.')))
            m_shown << e;
    }
    const int col = m_sortColumn;
    const bool asc = m_sortOrder == Qt::AscendingOrder;
    auto isDir = [](const ssh::RemoteEntry& e) {
        return e.isDir() || (e.isSymlink() && e.targetType == ssh::RemoteEntry::Type::Directory);
    };
    std::stable_sort(m_shown.begin(), m_shown.end(),
                     [&](const ssh::RemoteEntry& a, const ssh::RemoteEntry& b) {
                         if (isDir(a) != isDir(b))
                             return isDir(a); // folders first, whatever the order
                         auto less = [col](const ssh::RemoteEntry& x, const ssh::RemoteEntry& y) {
                             switch (col) {
                             case SizeCol:
                                 return x.size < y.size;
                             case ModifiedCol:
                                 return x.modified < y.modified;
                             default:
                                 return x.name.compare(y.name, Qt::CaseInsensitive) < 0;
                             }
                         };
                         return asc ? less(a, b) : less(b, a);
                     });
    endResetModel();
}

const ssh::RemoteEntry* RemoteFileModel::entry(int row) const
{
    return row >= 0 && row < m_shown.size() ? &m_shown.at(row) : nullptr;
}

QString RemoteFileModel::pathOf(const ssh::RemoteEntry& e) const
{
    return m_dir.endsWith(QLatin1Char('/')) ? QString(m_dir + e.name)
                                            : QString(m_dir + QLatin1Char('/') + e.name);
}

int RemoteFileModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_shown.size());
}

int RemoteFileModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RemoteFileModel::data(const QModelIndex& index, int role) const
{
    const ssh::RemoteEntry* e = entry(index.row());
    if (!e)
        return {};
    const bool dir =
        e->isDir() || (e->isSymlink() && e->targetType == ssh::RemoteEntry::Type::Directory);
    if (role == PathRole)
        return pathOf(*e);
    if (role == IsDirRole)
        return dir;
    if (role == Qt::DecorationRole && index.column() == NameCol) {
        static const QFileIconProvider icons;
        return icons.icon(dir ? QFileIconProvider::Folder : QFileIconProvider::File);
    }
    if (role == Qt::TextAlignmentRole && index.column() == SizeCol)
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole && e->isSymlink())
        return tr("Link to %1").arg(e->symlinkTarget);
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case NameCol:
        return e->isSymlink() ? e->name + QStringLiteral(" →") : e->name;
    case SizeCol:
        return dir ? QString() : QLocale().formattedDataSize(e->size);
    case ModifiedCol:
        return e->modified.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm"));
    case PermissionsCol:
        return permissionText(e->permissions);
    case OwnerCol:
        return e->owner.isEmpty() ? QString::number(e->uid) : e->owner;
    default:
        return {};
    }
}

QVariant RemoteFileModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameCol:
        return tr("Name");
    case SizeCol:
        return tr("Size");
    case ModifiedCol:
        return tr("Modified");
    case PermissionsCol:
        return tr("Permissions");
    case OwnerCol:
        return tr("Owner");
    default:
        return {};
    }
}

Qt::ItemFlags RemoteFileModel::flags(const QModelIndex& index) const
{
    if (!index.isValid())
        return Qt::ItemIsDropEnabled; // onto the folder being shown
    Qt::ItemFlags f = Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsDragEnabled;
    if (index.data(IsDirRole).toBool())
        f |= Qt::ItemIsDropEnabled; // onto a folder in it
    return f;
}

void RemoteFileModel::sort(int column, Qt::SortOrder order)
{
    m_sortColumn = column;
    m_sortOrder = order;
    rebuild();
}

QStringList RemoteFileModel::mimeTypes() const
{
    return {QStringLiteral("text/uri-list")};
}

Qt::DropActions RemoteFileModel::supportedDropActions() const
{
    return Qt::CopyAction;
}

Qt::DropActions RemoteFileModel::supportedDragActions() const
{
    return Qt::CopyAction;
}

void RemoteFileModel::setDragFactory(std::function<QMimeData*(const QStringList&)> factory)
{
    m_dragFactory = std::move(factory);
}

QMimeData* RemoteFileModel::mimeData(const QModelIndexList& indexes) const
{
    QStringList paths;
    for (const QModelIndex& i : indexes) {
        if (i.column() == NameCol)
            paths << i.data(PathRole).toString();
    }
    return m_dragFactory && !paths.isEmpty() ? m_dragFactory(paths) : nullptr;
}

bool RemoteFileModel::canDropMimeData(const QMimeData* data, Qt::DropAction, int, int,
                                      const QModelIndex& parent) const
{
    // Our own remote items dragged back onto the list: asking for their URLs would download
    // them, so refuse (moving within the machine is Rename's job).
    if (qobject_cast<const RemoteDragData*>(data))
        return false;
    // Only the list of formats is looked at here: this runs on every mouse move of a drag, and
    // asking for the URLs themselves makes the drag source convert them each time. Which of
    // them are local files is decided once, at the drop.
    Q_UNUSED(parent)
    return data && data->hasUrls();
}

bool RemoteFileModel::dropMimeData(const QMimeData* data, Qt::DropAction action, int row,
                                   int column, const QModelIndex& parent)
{
    if (!canDropMimeData(data, action, row, column, parent))
        return false;
    const QString target = parent.isValid() && parent.data(IsDirRole).toBool()
                               ? parent.data(PathRole).toString()
                               : m_dir;
    QList<QUrl> local;
    int other = 0;
    for (const QUrl& u : data->urls()) {
        if (u.isLocalFile())
            local << u;
        else
            ++other;
    }
    if (other > 0)
        emit dropRefused(tr("%n dropped item(s) are not files on this computer and were left out "
                            "(download them first, then drop the files).",
                            nullptr, other));
    if (local.isEmpty())
        return false;
    emit localFilesDropped(local, target);
    return true;
}

} // namespace gpudeck
