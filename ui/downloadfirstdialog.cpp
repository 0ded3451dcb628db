#include "downloadfirstdialog.h"

#include "fleet.h"
#include "remote.h"
#include "remotebrowser.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPointer>
#include <QPushButton>
#include <QStandardPaths>
#include <QVBoxLayout>

namespace gpudeck {

namespace {
constexpr int PathRole = Qt::UserRole;
}

DownloadFirstDialog::DownloadFirstDialog(Fleet& fleet, const Instance& instance, QWidget* parent)
    : QDialog(parent)
    , m_browser(std::make_unique<RemoteBrowser>(
          endpointFor(instance, fleet.keyPathFor(instance), fleet.paths())))
{
    setObjectName(QStringLiteral("downloadFirstDialog"));
    setWindowTitle(tr("Download before destroying %1").arg(instance.name));

    auto* intro = new QLabel(tr("Choose a folder (or type a file's path) on <b>%1</b>. It is "
                                "downloaded and checked; the machine is destroyed only after "
                                "it has arrived and you confirm once more.")
                                 .arg(instance.name.toHtmlEscaped()),
                             this);
    intro->setWordWrap(true);
    m_remote = new QLineEdit(this);
    m_remote->setObjectName(QStringLiteral("downloadRemotePath"));
    m_remote->setAccessibleName(tr("Folder or file on the machine"));
    m_folders = new QListWidget(this);
    m_folders->setObjectName(QStringLiteral("downloadRemoteFolders"));
    m_folders->setAccessibleName(tr("Folders on the machine"));
    m_folders->setIconSize(QSize(16, 16));
    m_state = new QLabel(this);
    m_state->setObjectName(QStringLiteral("downloadRemoteState"));
    m_state->setWordWrap(true);
    connect(m_folders, &QListWidget::currentItemChanged, this, [this](QListWidgetItem* item) {
        if (item)
            m_remote->setText(item->data(PathRole).toString());
    });
    connect(m_folders, &QListWidget::itemActivated, this,
            [this](QListWidgetItem* item) { list(item->data(PathRole).toString()); });
    connect(m_remote, &QLineEdit::textChanged, this, &DownloadFirstDialog::updateButtons);
    connect(m_remote, &QLineEdit::returnPressed, this, [this] { list(m_remote->text()); });

    const QString downloads = QStandardPaths::writableLocation(QStandardPaths::DownloadLocation);
    m_local = new QLineEdit(QDir(downloads).filePath(instance.name), this);
    m_local->setObjectName(QStringLiteral("downloadLocalDir"));
    m_local->setAccessibleName(tr("Local folder"));
    connect(m_local, &QLineEdit::textChanged, this, &DownloadFirstDialog::updateButtons);
    auto* browseLocal = new QPushButton(tr("&Choose…"), this);
    browseLocal->setObjectName(QStringLiteral("downloadChooseLocal"));
    connect(browseLocal, &QPushButton::clicked, this, [this] {
        const QString d =
            QFileDialog::getExistingDirectory(this, tr("Download into"), m_local->text());
        if (!d.isEmpty())
            m_local->setText(d);
    });
    auto* localRow = new QHBoxLayout;
    localRow->addWidget(m_local, 1);
    localRow->addWidget(browseLocal);

    auto* remoteLabel = new QLabel(tr("&On the machine:"), this);
    remoteLabel->setBuddy(m_remote);
    auto* localLabel = new QLabel(tr("&Into:"), this);
    localLabel->setBuddy(m_local);
    auto* form = new QFormLayout;
    form->addRow(remoteLabel, m_remote);
    form->addRow(QString(), m_folders);
    form->addRow(QString(), m_state);
    form->addRow(localLabel, localRow);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    m_ok = buttons->addButton(tr("&Download, then destroy"), QDialogButtonBox::AcceptRole);
    m_ok->setObjectName(QStringLiteral("downloadFirstOk"));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(form, 1);
    layout->addWidget(buttons);
    resize(560, 440);
    updateButtons();
    list(QStringLiteral("~"));
}

DownloadFirstDialog::~DownloadFirstDialog() = default;

QString DownloadFirstDialog::remotePath() const
{
    return m_remote->text().trimmed();
}

QString DownloadFirstDialog::localDir() const
{
    return m_local->text().trimmed();
}

void DownloadFirstDialog::list(const QString& dir)
{
    m_state->setText(tr("Listing %1…").arg(dir));
    QPointer<DownloadFirstDialog> self(this);
    m_browser->list(dir, [self](Result<QList<ssh::RemoteEntry>> r, QString resolved) {
        if (!self)
            return;
        if (!r.ok()) {
            self->m_state->setText(r.error().message);
            return;
        }
        self->m_dir = resolved;
        self->m_folders->clear();
        const QIcon folder(QStringLiteral(":/icons/files.svg"));
        const QString parent = QFileInfo(resolved).path();
        if (resolved != QLatin1String("/")) {
            auto* up = new QListWidgetItem(folder, tr(".. (up)"), self->m_folders);
            up->setData(PathRole, parent);
        }
        int folders = 0;
        for (const ssh::RemoteEntry& e : r.value()) {
            if (e.type != ssh::RemoteEntry::Type::Directory || e.name.startsWith(QLatin1Char('.')))
                continue;
            auto* item = new QListWidgetItem(folder, e.name, self->m_folders);
            const QString path = resolved == QLatin1String("/")
                                     ? QString(QLatin1Char('/') + e.name)
                                     : QString(resolved + QLatin1Char('/') + e.name);
            item->setData(PathRole, path);
            ++folders;
        }
        self->m_remote->setText(resolved);
        self->m_state->setText(folders == 0 ? tr("%1 has no folders; it can be downloaded as "
                                                 "it is.")
                                                  .arg(resolved)
                                            : tr("Double-click a folder to open it; select one "
                                                 "to download it."));
    });
}

void DownloadFirstDialog::updateButtons()
{
    m_ok->setEnabled(!remotePath().isEmpty() && !localDir().isEmpty());
}

} // namespace gpudeck
