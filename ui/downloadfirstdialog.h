#pragma once

#include "types.h"

#include <QDialog>

#include <memory>

class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;

namespace gpudeck {

class Fleet;
class RemoteBrowser;

// "Download a folder first": pick a folder on the machine (browsed over SFTP, starting in its
// home) and a local folder (a folder picker), before the machine is destroyed.
class DownloadFirstDialog final : public QDialog {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DownloadFirstDialog)
public:
    DownloadFirstDialog(Fleet& fleet, const Instance& instance, QWidget* parent = nullptr);
    ~DownloadFirstDialog() override;

    [[nodiscard]] QString remotePath() const;
    [[nodiscard]] QString localDir() const;

private:
    void list(const QString& dir);
    void updateButtons();

    std::unique_ptr<RemoteBrowser> m_browser;
    QString m_dir;
    QLineEdit* m_remote = nullptr;
    QListWidget* m_folders = nullptr;
    QLabel* m_state = nullptr;
    QLineEdit* m_local = nullptr;
    QPushButton* m_ok = nullptr;
};

} // namespace gpudeck
