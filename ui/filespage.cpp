#include "filespage.h"

#include "billing.h"
#include "fleet.h"
#include "prompter.h"
#include "remote.h"
#include "remotebrowser.h"
#include "remotefilemodel.h"
#include "transferqueue.h"
#include "transferqueuemodel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QStandardPaths>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

namespace gpudeck {

namespace {

QToolButton* tool(QWidget* parent, const char* name, const QString& text, const QString& tip)
{
    auto* b = new QToolButton(parent);
    b->setObjectName(QString::fromLatin1(name));
    b->setText(text);
    b->setToolTip(tip);
    b->setToolButtonStyle(Qt::ToolButtonTextOnly);
    return b;
}

QString parentOf(const QString& dir)
{
    if (dir == QLatin1String("/") || dir.isEmpty())
        return QStringLiteral("/");
    const qsizetype slash =
        dir.lastIndexOf(QLatin1Char('/'), dir.endsWith(QLatin1Char('/')) ? -2 : -1);
    return slash <= 0 ? QStringLiteral("/") : dir.left(slash);
}

} // namespace

FilesPage::FilesPage(Fleet& fleet, TransferQueue* queue, QString instanceId, QWidget* parent)
    : QWidget(parent)
    , m_fleet(fleet)
    , m_queue(queue)
    , m_id(std::move(instanceId))
{
    setObjectName(QStringLiteral("filesPage"));
    m_model = new RemoteFileModel(this);
    m_path = new QLineEdit(this);
    m_path->setObjectName(QStringLiteral("remotePath"));
    m_path->setAccessibleName(tr("Folder on the machine"));
    m_path->setPlaceholderText(tr("a folder on the machine, e.g. ~/data"));
    connect(m_path, &QLineEdit::returnPressed, this,
            [this] { navigate(m_path->text().trimmed()); });
    QToolButton* up = tool(this, "remoteUp", tr("Up"), tr("The parent folder (Alt+Up)"));
    up->setShortcut(QKeySequence(Qt::ALT | Qt::Key_Up));
    m_up = up;
    connect(up, &QToolButton::clicked, this, [this] { navigate(parentOf(currentDir())); });
    QToolButton* reload =
        tool(this, "remoteRefresh", tr("Refresh"), tr("List the folder again (F5)"));
    reload->setShortcut(QKeySequence::Refresh);
    connect(reload, &QToolButton::clicked, this, &FilesPage::refresh);
    m_hidden = new QCheckBox(tr("Hidden files"), this);
    m_hidden->setObjectName(QStringLiteral("showHidden"));
    connect(m_hidden, &QCheckBox::toggled, m_model, &RemoteFileModel::setShowHidden);
    QToolButton* mkdir = tool(this, "remoteMkdir", tr("New folder…"), tr("Create a folder here"));
    connect(mkdir, &QToolButton::clicked, this, &FilesPage::newFolder);
    QToolButton* rename = tool(this, "remoteRename", tr("Rename…"), tr("Rename the selected item"));
    connect(rename, &QToolButton::clicked, this, &FilesPage::renameSelected);
    QToolButton* del = tool(this, "remoteDelete", tr("Delete…"), tr("Delete the selected items"));
    connect(del, &QToolButton::clicked, this, &FilesPage::deleteSelected);
    QToolButton* chmod =
        tool(this, "remoteChmod", tr("Permissions…"), tr("Change the selected items' permissions"));
    connect(chmod, &QToolButton::clicked, this, &FilesPage::chmodSelected);
    QToolButton* upload = tool(this, "uploadButton", tr("Upload…"),
                               tr("Upload files here (or drop them on the list)"));
    connect(upload, &QToolButton::clicked, this, [this] {
        const QStringList files =
            QFileDialog::getOpenFileNames(this, tr("Upload to %1").arg(currentDir()));
        if (!files.isEmpty())
            this->upload(files, currentDir());
    });
    QToolButton* download =
        tool(this, "downloadButton", tr("Download…"), tr("Download the selected items"));
    connect(download, &QToolButton::clicked, this, [this] {
        const QStringList paths = selectedPaths();
        if (paths.isEmpty())
            return;
        const QString dir = QFileDialog::getExistingDirectory(
            this, tr("Download to"),
            QStandardPaths::writableLocation(QStandardPaths::DownloadLocation));
        if (!dir.isEmpty())
            this->download(paths, dir);
    });
    m_conflict = new QComboBox(this);
    m_conflict->setObjectName(QStringLiteral("conflictPolicy"));
    m_conflict->setAccessibleName(tr("When the file exists"));
    m_conflict->addItem(tr("If it exists: resume / skip same"),
                        static_cast<int>(ssh::ConflictPolicy::Resume));
    m_conflict->addItem(tr("If it exists: overwrite"),
                        static_cast<int>(ssh::ConflictPolicy::Overwrite));
    m_conflict->addItem(tr("If it exists: skip"), static_cast<int>(ssh::ConflictPolicy::Skip));
    m_conflict->addItem(tr("If it exists: keep both"),
                        static_cast<int>(ssh::ConflictPolicy::Rename));
    m_verify = new QCheckBox(tr("Check SHA-256"), this);
    m_verify->setObjectName(QStringLiteral("verifyTransfers"));
    m_compress = new QCheckBox(tr("Compress"), this);
    m_compress->setObjectName(QStringLiteral("compressTransfers"));
    m_compress->setToolTip(tr("Compress the connection: faster on slow links for text, CSV and "
                              "source files; slower for images, video and archives"));
    m_verify->setToolTip(
        tr("After each transfer, compare sha256sum on the machine with the local hash"));

    m_view = new QTableView(this);
    m_view->setObjectName(QStringLiteral("remoteView"));
    m_view->setModel(m_model);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(RemoteFileModel::NameCol, Qt::AscendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setSectionResizeMode(RemoteFileModel::NameCol,
                                                     QHeaderView::Stretch);
    m_view->setShowGrid(false);
    m_view->setWordWrap(false);
    m_view->horizontalHeader()->setSectionResizeMode(RemoteFileModel::ModifiedCol,
                                                     QHeaderView::ResizeToContents);
    m_view->setAcceptDrops(true);
    m_view->setDragEnabled(true);
    m_view->setDragDropMode(QAbstractItemView::DragDrop);
    m_view->setDropIndicatorShown(true);
    m_view->setDefaultDropAction(Qt::CopyAction);
    m_view->setAccessibleName(tr("Files on the machine"));
    m_onSelection = {download, rename, del, chmod};
    m_rename = rename;
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &FilesPage::updateActions);
    connect(m_model, &QAbstractItemModel::modelReset, this, &FilesPage::updateActions);
    connect(m_view, &QTableView::activated, this, [this](const QModelIndex& i) {
        if (i.data(RemoteFileModel::IsDirRole).toBool())
            navigate(i.data(RemoteFileModel::PathRole).toString());
    });
    // Dragging items out to the desktop downloads them when they are dropped.
    // The downloads start with the drag, and the drop takes what has arrived by then. A drop
    // target asks for the data synchronously; waiting for it there (a nested event loop) never
    // ended when the download was paused, and outlived the page.
    m_model->setDragFactory([this](const QStringList& paths) -> QMimeData* {
        const std::shared_ptr<DropDownloads> downloads = startDropDownloads(paths);
        QPointer<FilesPage> self(this);
        return new RemoteDragData([self, downloads] {
            if (self && !downloads->waiting.isEmpty())
                self->m_status->setText(
                    tr("%n item(s) had not arrived when dropped; the download goes on into %1 "
                       "(see Transfers). Drag again once it is done.",
                       nullptr, static_cast<int>(downloads->waiting.size()))
                        .arg(downloads->dir));
            return downloads->arrived;
        });
    });
    connect(m_model, &RemoteFileModel::dropRefused, this,
            [this](const QString& message) { m_status->setText(message); });
    connect(m_model, &RemoteFileModel::localFilesDropped, this,
            [this](const QList<QUrl>& urls, const QString& dir) {
                QStringList paths;
                for (const QUrl& u : urls)
                    paths << u.toLocalFile();
                this->upload(paths, dir);
            });

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("filesStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* queuePane = new QWidget(this);
    if (m_queue) {
        m_transfers = new TransferQueueModel(*m_queue, m_id, this);
        m_transferView = new QTableView(queuePane);
        m_transferView->setObjectName(QStringLiteral("transferView"));
        m_transferView->setModel(m_transfers);
        m_transferView->setItemDelegateForColumn(TransferQueueModel::ProgressCol,
                                                 new ProgressDelegate(m_transferView));
        m_transferView->setSelectionBehavior(QAbstractItemView::SelectRows);
        m_transferView->verticalHeader()->hide();
        m_transferView->horizontalHeader()->setSectionResizeMode(TransferQueueModel::ProgressCol,
                                                                 QHeaderView::Stretch);
        m_transferView->horizontalHeader()->setStretchLastSection(true);
        m_total = new QProgressBar(queuePane);
        m_total->setObjectName(QStringLiteral("transferTotal"));
        m_total->setRange(0, 1000);
        m_totalText = new QLabel(queuePane);
        m_totalText->setObjectName(QStringLiteral("transferTotalText"));
        auto act = [this](const char* name, const QString& text,
                          void (TransferQueue::*fn)(quint64)) {
            QToolButton* b = tool(this, name, text, QString());
            connect(b, &QToolButton::clicked, this, [this, fn] {
                for (quint64 id : selectedTransfers())
                    (m_queue->*fn)(id);
            });
            return b;
        };
        QToolButton* clear = tool(this, "transferClear", tr("Clear finished"), QString());
        connect(clear, &QToolButton::clicked, m_queue, &TransferQueue::clearFinished);
        auto* bar = new QHBoxLayout;
        bar->addWidget(new QLabel(tr("<b>Transfers</b>"), queuePane));
        bar->addWidget(m_total, 1);
        bar->addWidget(m_totalText);
        m_pause = act("transferPause", tr("Pause"), &TransferQueue::pause);
        m_resume = act("transferResume", tr("Resume"), &TransferQueue::resume);
        m_cancel = act("transferCancel", tr("Cancel"), &TransferQueue::cancel);
        m_retry = act("transferRetry", tr("Retry"), &TransferQueue::retry);
        for (QToolButton* b : {m_pause, m_resume, m_cancel, m_retry})
            bar->addWidget(b);
        m_transferView->setAccessibleName(tr("Transfers"));
        // Room for a few rows even in a small window (the splitter cannot squeeze it below).
        m_transferView->setMinimumHeight(m_transferView->verticalHeader()->defaultSectionSize() *
                                             4 +
                                         m_transferView->horizontalHeader()->sizeHint().height());
        connect(m_transferView->selectionModel(), &QItemSelectionModel::selectionChanged, this,
                &FilesPage::updateActions);
        connect(m_transfers, &QAbstractItemModel::dataChanged, this, &FilesPage::updateActions);
        connect(m_transfers, &QAbstractItemModel::rowsRemoved, this, &FilesPage::updateActions);
        bar->addWidget(clear);
        auto* ql = new QVBoxLayout(queuePane);
        ql->setContentsMargins(0, 0, 0, 0);
        ql->addLayout(bar);
        ql->addWidget(m_transferView);
        connect(m_queue, &TransferQueue::totalsChanged, this, &FilesPage::updateTotals);
        connect(m_queue, &TransferQueue::itemFinished, this, [this](quint64 id) {
            const TransferItem* i = m_queue->item(id);
            if (!i || i->request.instanceId != m_id)
                return;
            if (i->state == TransferItem::State::Failed && i->error)
                m_status->setText(tr("%1: %2").arg(i->name(), i->error->message));
            // An upload into the folder being shown: show what arrived.
            if (i->request.spec.direction == ssh::TransferDirection::Upload)
                refresh();
        });
        updateTotals();
    } else {
        queuePane->hide();
    }

    auto* nav = new QHBoxLayout;
    nav->addWidget(up);
    nav->addWidget(m_path, 1);
    nav->addWidget(reload);
    nav->addWidget(m_hidden);
    auto* actions = new QHBoxLayout;
    for (QWidget* w : {static_cast<QWidget*>(upload), static_cast<QWidget*>(download),
                       static_cast<QWidget*>(mkdir), static_cast<QWidget*>(rename),
                       static_cast<QWidget*>(del), static_cast<QWidget*>(chmod)})
        actions->addWidget(w);
    actions->addStretch();
    // Transfer options on a row of their own, so a narrow window does not cut them.
    auto* options = new QHBoxLayout;
    options->addWidget(m_conflict);
    options->addWidget(m_compress);
    options->addWidget(m_verify);
    options->addStretch();
    auto* top = new QWidget(this);
    auto* tl = new QVBoxLayout(top);
    tl->setContentsMargins(0, 0, 0, 0);
    tl->addLayout(nav);
    tl->addLayout(actions);
    tl->addLayout(options);
    tl->addWidget(m_view, 1);
    tl->addWidget(m_status);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(top);
    split->addWidget(queuePane);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(split);
    updateActions();
}

FilesPage::~FilesPage() = default;

void FilesPage::ensureBrowser()
{
    if (m_browser)
        return;
    const std::optional<Instance> i = m_fleet.find(m_id);
    if (!i)
        return;
    m_browser =
        std::make_unique<RemoteBrowser>(endpointFor(*i, m_fleet.keyPathFor(*i), m_fleet.paths()));
}

void FilesPage::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    if (!m_shown) {
        m_shown = true;
        navigate(QStringLiteral("~"));
    }
}

QString FilesPage::currentDir() const
{
    return m_model->dir();
}

void FilesPage::navigate(const QString& dir)
{
    ensureBrowser();
    if (!m_browser)
        return;
    m_status->setText(tr("Listing %1…").arg(dir));
    m_browser->list(dir, [this](Result<QList<ssh::RemoteEntry>> r, QString resolved) {
        if (!r.ok()) {
            showError(r.error());
            m_path->setText(currentDir());
            return;
        }
        if (m_root.isEmpty()) {
            const std::optional<Instance> inst = m_fleet.find(m_id);
            // The first listing is of "~": on a machine whose home is its root, that is it.
            if (inst && inst->homeIsFileRoot)
                m_root = resolved;
        }
        if (!m_root.isEmpty() && resolved != m_root &&
            !resolved.startsWith(m_root + QLatin1Char('/'))) {
            m_path->setText(displayPath(currentDir()));
            m_status->setText(tr("This machine's files are its home folder (~); %1 is outside "
                                 "it.")
                                  .arg(resolved));
            if (currentDir().isEmpty())
                navigate(m_root);
            return;
        }
        m_model->setEntries(resolved, r.value());
        m_path->setText(displayPath(resolved));
        updateActions();
        const int hidden = static_cast<int>(r->size()) - m_model->rowCount();
        m_status->setText(hidden > 0 ? tr("%1 items, %2 hidden").arg(r->size()).arg(hidden)
                                     : tr("%1 items").arg(r->size()));
        emit listed(resolved);
    });
}

QString FilesPage::displayPath(const QString& dir) const
{
    if (m_root.isEmpty() || dir.isEmpty())
        return dir;
    return dir == m_root ? QStringLiteral("~") : QStringLiteral("~") + dir.mid(m_root.size());
}

void FilesPage::updateActions()
{
    const int selected = static_cast<int>(m_view->selectionModel()->selectedRows().size());
    for (QToolButton* b : std::as_const(m_onSelection))
        b->setEnabled(selected > 0);
    m_rename->setEnabled(selected == 1);
    m_up->setEnabled(!currentDir().isEmpty() && currentDir() != QLatin1String("/") &&
                     currentDir() != m_root);
    if (!m_queue || !m_pause)
        return;
    bool canPause = false, canResume = false, canCancel = false, canRetry = false;
    for (quint64 id : selectedTransfers()) {
        const TransferItem* i = m_queue->item(id);
        if (!i)
            continue;
        using S = TransferItem::State;
        canPause |= i->state == S::Queued || i->state == S::Connecting || i->state == S::Running;
        canResume |= i->state == S::Paused;
        canCancel |= i->state != S::Done && i->state != S::Skipped && i->state != S::Cancelled;
        canRetry |= i->state == S::Failed || i->state == S::Cancelled;
    }
    m_pause->setEnabled(canPause);
    m_resume->setEnabled(canResume);
    m_cancel->setEnabled(canCancel);
    m_retry->setEnabled(canRetry);
}

void FilesPage::refresh()
{
    if (!currentDir().isEmpty())
        navigate(currentDir());
}

void FilesPage::showError(const Error& error)
{
    m_status->setText(QStringLiteral("⚠ ") + error.message);
}

QStringList FilesPage::selectedPaths() const
{
    QStringList out;
    for (const QModelIndex& i : m_view->selectionModel()->selectedRows())
        out << i.data(RemoteFileModel::PathRole).toString();
    return out;
}

void FilesPage::upload(const QStringList& localPaths, const QString& remoteDir)
{
    const std::optional<Instance> i = m_fleet.find(m_id);
    if (!i || !m_queue)
        return;
    for (const QString& local : localPaths) {
        ssh::TransferSpec spec;
        spec.direction = ssh::TransferDirection::Upload;
        spec.source = local;
        spec.destinationDir = remoteDir;
        spec.conflict = static_cast<ssh::ConflictPolicy>(m_conflict->currentData().toInt());
        spec.verify = m_verify->isChecked();
        TransferRequest request = TransferQueue::requestFor(m_fleet, *i, spec);
        request.endpoint.compression = m_compress->isChecked();
        m_queue->add(request);
    }
    m_status->setText(tr("Uploading %1 to %2…")
                          .arg(localPaths.size() == 1 ? QFileInfo(localPaths.first()).fileName()
                                                      : tr("%1 items").arg(localPaths.size()))
                          .arg(remoteDir));
}

void FilesPage::download(const QStringList& remotePaths, const QString& localDir)
{
    const std::optional<Instance> i = m_fleet.find(m_id);
    if (!i || !m_queue)
        return;
    for (const QString& remote : remotePaths) {
        ssh::TransferSpec spec;
        spec.direction = ssh::TransferDirection::Download;
        spec.source = remote;
        spec.destinationDir = localDir;
        spec.conflict = static_cast<ssh::ConflictPolicy>(m_conflict->currentData().toInt());
        spec.verify = m_verify->isChecked();
        TransferRequest request = TransferQueue::requestFor(m_fleet, *i, spec);
        request.endpoint.compression = m_compress->isChecked();
        m_queue->add(request);
    }
}

std::shared_ptr<FilesPage::DropDownloads>
FilesPage::startDropDownloads(const QStringList& remotePaths)
{
    auto state = std::make_shared<DropDownloads>();
    const std::optional<Instance> i = m_fleet.find(m_id);
    if (!i || !m_queue)
        return state;
    state->dir = QStandardPaths::writableLocation(QStandardPaths::CacheLocation) +
                 QStringLiteral("/drag/") + QString::number(QDateTime::currentMSecsSinceEpoch());
    // The callbacks hold the shared state and a guarded page: either may be gone by the time
    // a download ends.
    QPointer<FilesPage> self(this);
    for (const QString& remote : remotePaths) {
        state->waiting << remote;
        m_queue->downloadThen(m_fleet, *i, remote, state->dir,
                              [self, state, remote](Result<ssh::TransferOutcome> r) {
                                  state->waiting.removeOne(remote);
                                  if (r.ok())
                                      state->arrived << QUrl::fromLocalFile(r->target);
                                  else if (self && r.error().code != ErrorCode::Cancelled)
                                      self->showError(r.error());
                              });
    }
    m_status->setText(tr("Downloading %1 for the drag…")
                          .arg(remotePaths.size() == 1 ? remotePaths.first()
                                                       : tr("%1 items").arg(remotePaths.size())));
    return state;
}

void FilesPage::newFolder()
{
    const std::optional<QString> name = Prompter::instance().askText(
        this, tr("New folder"), tr("Name of the new folder in %1:").arg(currentDir()), true);
    if (!name || name->trimmed().isEmpty() || name->contains(QLatin1Char('/')))
        return;
    ensureBrowser();
    m_browser->mkdir(currentDir() + QLatin1Char('/') + name->trimmed(), [this](Result<void> r) {
        if (!r.ok())
            showError(r.error());
        refresh();
    });
}

void FilesPage::renameSelected()
{
    const QStringList paths = selectedPaths();
    if (paths.size() != 1)
        return;
    const QString old = paths.first();
    const QString oldName = old.section(QLatin1Char('/'), -1);
    const std::optional<QString> name =
        Prompter::instance().askText(this, tr("Rename"), tr("New name for %1:").arg(oldName), true);
    if (!name || name->trimmed().isEmpty() || *name == oldName || name->contains(QLatin1Char('/')))
        return;
    ensureBrowser();
    m_browser->rename(old, currentDir() + QLatin1Char('/') + name->trimmed(),
                      [this](Result<void> r) {
                          if (!r.ok())
                              showError(r.error());
                          refresh();
                      });
}

void FilesPage::deleteSelected()
{
    const QStringList paths = selectedPaths();
    if (paths.isEmpty())
        return;
    if (!Prompter::instance().confirm(
            this, tr("Delete"),
            tr("Delete %1 on the machine, with everything in it? This cannot be undone.")
                .arg(paths.size() == 1 ? paths.first() : tr("%1 items").arg(paths.size())),
            tr("Delete")))
        return;
    ensureBrowser();
    auto pending = std::make_shared<int>(static_cast<int>(paths.size()));
    for (const QString& p : paths) {
        m_browser->remove(p, [this, pending](Result<void> r) {
            if (!r.ok())
                showError(r.error());
            if (--*pending == 0)
                refresh();
        });
    }
}

void FilesPage::chmodSelected()
{
    const QStringList paths = selectedPaths();
    if (paths.isEmpty())
        return;
    const std::optional<QString> text = Prompter::instance().askText(
        this, tr("Permissions"),
        tr("Octal mode for %1, e.g. 755 or 600:")
            .arg(paths.size() == 1 ? paths.first() : tr("%1 items").arg(paths.size())),
        true);
    if (!text)
        return;
    bool ok = false;
    const int mode = text->trimmed().toInt(&ok, 8);
    if (!ok || mode < 0 || mode > 07777) {
        showError(makeError(ErrorCode::InvalidInput,
                            tr("\"%1\" is not an octal mode like 755.").arg(*text)));
        return;
    }
    ensureBrowser();
    for (const QString& p : paths) {
        m_browser->chmod(p, mode, [this](Result<void> r) {
            if (!r.ok())
                showError(r.error());
            refresh();
        });
    }
}

QList<quint64> FilesPage::selectedTransfers() const
{
    QList<quint64> ids;
    if (!m_transferView)
        return ids;
    for (const QModelIndex& i : m_transferView->selectionModel()->selectedRows())
        ids << m_transfers->idAt(i.row());
    return ids;
}

void FilesPage::updateTotals()
{
    if (!m_queue)
        return;
    const TransferQueue::Totals t = m_queue->totals();
    m_total->setValue(t.bytesTotal > 0 ? static_cast<int>(1000 * t.bytesDone / t.bytesTotal) : 0);
    const QLocale locale;
    QString text =
        tr("%1 of %2")
            .arg(locale.formattedDataSize(t.bytesDone), locale.formattedDataSize(t.bytesTotal));
    if (t.bytesPerSecond > 0)
        text += tr(" · %1/s").arg(locale.formattedDataSize(static_cast<qint64>(t.bytesPerSecond)));
    if (t.etaSeconds >= 0 && t.active > 0)
        text += tr(" · %1 left").arg(formatDuration(t.etaSeconds));
    if (t.failed > 0)
        text += tr(" · %1 failed").arg(t.failed);
    m_totalText->setText(text);
}

} // namespace gpudeck
