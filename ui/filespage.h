#pragma once

#include "result.h"

#include <QUrl>
#include <QWidget>

#include <memory>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QTableView;
class QToolButton;

namespace gpudeck {

class Fleet;
class RemoteBrowser;
class RemoteFileModel;
class TransferQueue;
class TransferQueueModel;

// The Files tab: the machine's folders over SFTP (navigate, editable path, sort, hidden files,
// new folder, rename, delete, permissions, refresh), uploads by drag and drop or a file dialog,
// downloads, and this machine's transfer queue with per-item and total progress, speed, ETA,
// pause, resume, cancel and retry.
class FilesPage final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FilesPage)
public:
    FilesPage(Fleet& fleet, TransferQueue* queue, QString instanceId, QWidget* parent = nullptr);
    ~FilesPage() override;

    void navigate(const QString& dir);
    void refresh();
    // Queues uploads of local files or folders into `remoteDir`.
    void upload(const QStringList& localPaths, const QString& remoteDir);
    void download(const QStringList& remotePaths, const QString& localDir);
    // What a drag out of the page downloads, shared by the queue's callbacks and the drag
    // object (either may outlive the page): the files that have arrived, the remote paths
    // still on their way, and the cache folder they go to.
    struct DropDownloads {
        QList<QUrl> arrived;
        QStringList waiting;
        QString dir;
    };
    // Queues the downloads of a drag (verified, as every downloadThen) into a cache folder.
    [[nodiscard]] std::shared_ptr<DropDownloads> startDropDownloads(const QStringList& remotePaths);
    [[nodiscard]] QString currentDir() const;

signals:
    void listed(const QString& dir);

protected:
    void showEvent(QShowEvent* event) override;

private:
    [[nodiscard]] QStringList selectedPaths() const;
    void showError(const Error& error);
    void newFolder();
    void renameSelected();
    void deleteSelected();
    void chmodSelected();
    void updateTotals();
    [[nodiscard]] QList<quint64> selectedTransfers() const;
    // Enables what applies to the current selections (nothing selected: nothing to rename).
    void updateActions();
    // What the path box shows: "~/…" inside a machine whose home is its root.
    [[nodiscard]] QString displayPath(const QString& dir) const;
    void ensureBrowser();

    Fleet& m_fleet;
    TransferQueue* m_queue;
    QString m_id;
    std::unique_ptr<RemoteBrowser> m_browser;
    RemoteFileModel* m_model = nullptr;
    TransferQueueModel* m_transfers = nullptr;
    QLineEdit* m_path = nullptr;
    QCheckBox* m_hidden = nullptr;
    QComboBox* m_conflict = nullptr;
    QCheckBox* m_verify = nullptr;
    QCheckBox* m_compress = nullptr;
    QTableView* m_view = nullptr;
    QTableView* m_transferView = nullptr;
    QProgressBar* m_total = nullptr;
    QLabel* m_totalText = nullptr;
    QLabel* m_status = nullptr;
    bool m_shown = false;
    // The machine's home when it is presented as the root (Instance::homeIsFileRoot).
    QString m_root;
    QToolButton* m_up = nullptr;
    QList<QToolButton*> m_onSelection; // need a selected item
    QToolButton* m_rename = nullptr;   // needs exactly one
    QToolButton* m_pause = nullptr;
    QToolButton* m_resume = nullptr;
    QToolButton* m_cancel = nullptr;
    QToolButton* m_retry = nullptr;
};

} // namespace gpudeck
