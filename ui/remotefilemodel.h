#pragma once

#include "sftpclient.h"

#include <QAbstractTableModel>
#include <QMimeData>
#include <QUrl>

#include <functional>
#include <optional>

namespace gpudeck {

// One remote folder's entries for the Files tab: folders first, sortable, hidden files on
// request. A drop of local files or folders (text/uri-list) onto the view or onto a folder in
// it is announced with the remote folder it targets; the page queues the uploads.
class RemoteFileModel final : public QAbstractTableModel {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RemoteFileModel)
public:
    enum Column { NameCol, SizeCol, ModifiedCol, PermissionsCol, OwnerCol, ColumnCount };
    static constexpr int PathRole = Qt::UserRole;
    static constexpr int IsDirRole = Qt::UserRole + 1;

    explicit RemoteFileModel(QObject* parent = nullptr);

    void setEntries(const QString& dir, QList<ssh::RemoteEntry> entries);
    void setShowHidden(bool show);
    [[nodiscard]] const QString& dir() const { return m_dir; }
    [[nodiscard]] const ssh::RemoteEntry* entry(int row) const;
    [[nodiscard]] QString pathOf(const ssh::RemoteEntry& e) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    void sort(int column, Qt::SortOrder order) override;
    QStringList mimeTypes() const override;
    Qt::DropActions supportedDropActions() const override;
    Qt::DropActions supportedDragActions() const override;
    QMimeData* mimeData(const QModelIndexList& indexes) const override;
    // Makes the drag data for remote paths (the Files page downloads them on drop).
    void setDragFactory(std::function<QMimeData*(const QStringList& remotePaths)> factory);
    bool canDropMimeData(const QMimeData* data, Qt::DropAction action, int row, int column,
                         const QModelIndex& parent) const override;
    bool dropMimeData(const QMimeData* data, Qt::DropAction action, int row, int column,
                      const QModelIndex& parent) override;

signals:
    void localFilesDropped(const QList<QUrl>& urls, const QString& remoteDir);
    void dropRefused(const QString& message);

private:
    void rebuild();

    std::function<QMimeData*(const QStringList&)> m_dragFactory;
    QString m_dir;
    QList<ssh::RemoteEntry> m_all;
    QList<ssh::RemoteEntry> m_shown;
    bool m_showHidden = false;
    int m_sortColumn = NameCol;
    Qt::SortOrder m_sortOrder = Qt::AscendingOrder;
};

// What a drag of remote items out of the Files tab carries: the URLs of the files that have
// arrived. The items start downloading when the drag starts (through the transfer queue, so the
// download shows with progress) into a cache folder the target then copies from; Qt asks
// retrieveData() at the drop, which answers at once with what is there (a drop target waits for
// it synchronously, so waiting for a download there would hang it, forever if it is paused).
class RemoteDragData final : public QMimeData {
    Q_OBJECT
public:
    using Fetch = std::function<QList<QUrl>()>;
    explicit RemoteDragData(Fetch fetch);
    QStringList formats() const override;
    bool hasFormat(const QString& mimeType) const override;

protected:
    QVariant retrieveData(const QString& mimeType, QMetaType type) const override;

private:
    Fetch m_fetch;
};

// "rwxr-xr-x" for st_mode bits.
[[nodiscard]] QString permissionText(quint32 mode);

} // namespace gpudeck
