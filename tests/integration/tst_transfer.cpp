// File transfers against a real sshd (a Sandbox machine): a big file both ways with checksums,
// a tree of many files, the conflict policies, the SFTP route, resume after the connection is
// cut mid-transfer (through the delay proxy, killed and restarted), permission denied, a full
// disk on either side, hostile names on download, the queue (cap, pause, resume, cancel),
// "download before destroy", and gpudeck-cli put/get.
#include "await.h"
#include "fleet.h"
#include "remote.h"
#include "sftpclient.h"
#include "testenv.h"
#include "transfer.h"
#include "transfercommands.h"
#include "transferqueue.h"

#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QTextStream>

#include <sys/mount.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace gpudeck;
using ssh::ConflictPolicy;
using ssh::TransferDirection;
using ssh::TransferSpec;

namespace {

void writeRandom(const QString& path, qint64 size, quint32 seed)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    QRandomGenerator rng(seed);
    QByteArray chunk(1 << 20, Qt::Uninitialized);
    for (qint64 done = 0; done < size;) {
        rng.fillRange(reinterpret_cast<quint32*>(chunk.data()), chunk.size() / 4);
        const qint64 n = std::min<qint64>(chunk.size(), size - done);
        QCOMPARE(f.write(chunk.constData(), n), n);
        done += n;
    }
}

void writeText(const QString& path, const QByteArray& text)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(text);
}

QByteArray sha256(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return "unreadable";
    QCryptographicHash h(QCryptographicHash::Sha256);
    h.addData(&f);
    return h.result().toHex();
}

// Every entry below `root`: files with size, mtime and a hash, links with their target.
QStringList describe(const QString& root)
{
    QStringList out;
    QDirIterator it(root, QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        const QFileInfo info(path);
        const QString rel = QDir(root).relativeFilePath(path);
        if (info.isSymLink())
            out << rel + QStringLiteral(" -> ") + QFile::symLinkTarget(path).remove(root);
        else if (info.isDir())
            out << rel + QLatin1Char('/');
        else
            out << QStringLiteral("%1 %2 %3 %4")
                       .arg(rel)
                       .arg(info.size())
                       .arg(info.lastModified().toSecsSinceEpoch())
                       .arg(QString::fromLatin1(sha256(path).left(12)));
    }
    out.sort();
    return out;
}

bool containsPartial(const QString& root)
{
    QDirIterator it(root, QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        if (it.next().contains(QLatin1String("gpudeck-part")))
            return true;
    }
    return false;
}

// A small tmpfs mounted for the life of the object (needs root); gone with it.
class Mount final {
public:
    Mount(const QString& dir, const QByteArray& options)
        : m_dir(dir)
    {
        QDir().mkpath(dir);
        m_ok = ::getuid() == 0 && ::mount("gpudeck-test", QFile::encodeName(dir).constData(),
                                          "tmpfs", 0, options.constData()) == 0;
    }
    ~Mount()
    {
        if (m_ok)
            ::umount2(QFile::encodeName(m_dir).constData(), MNT_DETACH);
    }
    [[nodiscard]] bool ok() const { return m_ok; }

private:
    QString m_dir;
    bool m_ok = false;
};

// gpudeck-delay-proxy (bench/delayproxy.cpp) in front of the machine's sshd.
class DelayProxy final {
public:
    ~DelayProxy() { kill(); }
    bool start(int targetPort, int listenPort, double mbit)
    {
        m_proc = std::make_unique<QProcess>();
        m_proc->setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_proc->start(test::binDir() + QStringLiteral("/gpudeck-delay-proxy"),
                      {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:%1").arg(listenPort),
                       QStringLiteral("--target"), QStringLiteral("127.0.0.1:%1").arg(targetPort),
                       QStringLiteral("--delay-ms"), QStringLiteral("5"), QStringLiteral("--mbit"),
                       QString::number(mbit), QStringLiteral("--max-seconds"),
                       QStringLiteral("300")});
        if (!m_proc->waitForReadyRead(10000))
            return false;
        const auto m = QRegularExpression(QStringLiteral("listening [^:]+:(\\d+)"))
                           .match(QString::fromUtf8(m_proc->readLine()));
        m_port = m.hasMatch() ? m.captured(1).toInt() : 0;
        return m_port > 0;
    }
    // SIGKILL: the connections through it die at once, as when a Wi-Fi link drops.
    void kill()
    {
        if (m_proc) {
            m_proc->kill();
            m_proc->waitForFinished(5000);
            m_proc.reset();
        }
    }
    [[nodiscard]] int port() const { return m_port; }

private:
    std::unique_ptr<QProcess> m_proc;
    int m_port = 0;
};

TransferSpec spec(TransferDirection direction, const QString& source, const QString& destination,
                  ConflictPolicy conflict = ConflictPolicy::Resume)
{
    TransferSpec s;
    s.direction = direction;
    s.source = source;
    s.destinationDir = destination;
    s.conflict = conflict;
    return s;
}

QString msg(const Result<ssh::TransferOutcome>& r)
{
    return r.ok() ? QString() : r.error().message + QStringLiteral(" | ") + r.error().detail;
}

} // namespace

class TestTransfer final : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void init();
    void bigFileBothWaysWithChecksums();
    void treeOfManyFiles();
    void conflictPolicies();
    void sftpRouteMatches();
    void resumeAfterConnectionCut_data();
    void resumeAfterConnectionCut();
    void resumeChecksWhatIsThere();
    void permissionDenied();
    void outOfSpace();
    void hostileNamesOnDownload();
    void partialUploadsArePrivate_data();
    void partialUploadsArePrivate();
    void interruptedReplaceKeepsTheOld();
    void mergeNeverWritesThroughLinks_data();
    void mergeNeverWritesThroughLinks();
    void renameReplacesAtomically();
    void queueRespectsParallelCap();
    void queuePauseResumeCancel();
    void queueResumesAfterConnectionDrop();
    void downloadBeforeDestroy();
    void cliPutAndGet();

private:
    Result<ssh::TransferOutcome> transfer(TransferSpec spec, const ssh::Endpoint* via = nullptr);
    [[nodiscard]] QString remote(const QString& rel) const
    {
        return m_home + QLatin1Char('/') + rel;
    }
    [[nodiscard]] QString local(const QString& rel) const { return m_local->filePath(rel); }

    std::unique_ptr<test::IsolatedEnvironment> m_env;
    std::unique_ptr<Fleet> m_fleet;
    Instance m_machine;
    ssh::Endpoint m_ep;
    QString m_home; // the machine's home folder, seen from here (the Sandbox is local)
    std::unique_ptr<QTemporaryDir> m_local;
};

void TestTransfer::initTestCase()
{
    m_env = std::make_unique<test::IsolatedEnvironment>();
    QVERIFY(m_env->isValid());
    m_fleet = std::make_unique<Fleet>(AppPaths::standard());
    QVERIFY(m_fleet->open().ok());
    LaunchRequest req;
    req.planId = QStringLiteral("t4-1x");
    req.name = QStringLiteral("transfers");
    Result<Instance> launched = awaitResult<Instance>(
        [&](Callback<Instance> done) { m_fleet->launch(QStringLiteral("sandbox"), req, done); });
    QVERIFY2(launched.ok(), qPrintable(launched.ok() ? QString() : launched.error().message));
    Result<Instance> ready = awaitResult<Instance>(
        [&](Callback<Instance> done) { m_fleet->waitUntilReady(launched->id, 30000, done); });
    QVERIFY2(ready.ok(), qPrintable(ready.ok() ? QString() : ready.error().message));
    m_machine = ready.value();
    m_ep = endpointFor(m_machine, m_fleet->keyPathFor(m_machine), m_fleet->paths());
    m_home =
        m_env->stateDir() + QStringLiteral("/sandbox/") + m_machine.id + QStringLiteral("/home");
    QVERIFY(QFileInfo(m_home).isDir());
}

void TestTransfer::cleanupTestCase()
{
    if (m_fleet && !m_machine.id.isEmpty())
        (void)awaitResult<Recap>(
            [&](Callback<Recap> done) { m_fleet->destroy(m_machine.id, done); });
    m_fleet.reset();
    m_env.reset();
}

void TestTransfer::init()
{
    m_local = std::make_unique<QTemporaryDir>();
    QVERIFY(m_local->isValid());
}

Result<ssh::TransferOutcome> TestTransfer::transfer(TransferSpec spec, const ssh::Endpoint* via)
{
    ssh::Session session;
    Result<void> connected = session.connect(via ? *via : m_ep, ssh::HostKeyPolicy::Strict);
    if (!connected.ok())
        return connected.error();
    return ssh::runTransfer(session, spec, {}, nullptr);
}

void TestTransfer::bigFileBothWaysWithChecksums()
{
    // Big enough for four upload stripes (64 MiB and up).
    const qint64 size = (96 << 20) + 12345;
    writeRandom(local(QStringLiteral("big.bin")), size, 1);
    QVERIFY(QFile::setPermissions(local(QStringLiteral("big.bin")),
                                  QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
    const QByteArray want = sha256(local(QStringLiteral("big.bin")));

    TransferSpec up = spec(TransferDirection::Upload, local(QStringLiteral("big.bin")),
                           QStringLiteral("~/in/deeper"));
    up.verify = true;
    Result<ssh::TransferOutcome> r = transfer(up);
    QVERIFY2(r.ok(), qPrintable(msg(r)));
    QVERIFY(r->verified);
    QCOMPARE(r->route, QStringLiteral("stream x4"));
    QCOMPARE(r->bytes, size);
    QCOMPARE(sha256(remote(QStringLiteral("in/deeper/big.bin"))), want);
    const QFileInfo there(remote(QStringLiteral("in/deeper/big.bin")));
    QCOMPARE(
        there.lastModified(),
        QFileInfo(local(QStringLiteral("big.bin")))
            .lastModified()
            .addMSecs(-QFileInfo(local(QStringLiteral("big.bin"))).lastModified().time().msec()));
    const QFile::Permissions userBits = QFile::ReadUser | QFile::WriteUser | QFile::ExeUser;
    QCOMPARE(there.permissions() & ~userBits,
             QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    QVERIFY(!containsPartial(remote(QStringLiteral("in"))));

    TransferSpec down = spec(TransferDirection::Download, QStringLiteral("in/deeper/big.bin"),
                             local(QStringLiteral("back")));
    down.verify = true;
    r = transfer(down);
    QVERIFY2(r.ok(), qPrintable(msg(r)));
    QVERIFY(r->verified);
    QCOMPARE(r->target, local(QStringLiteral("back/big.bin")));
    QCOMPARE(sha256(local(QStringLiteral("back/big.bin"))), want);
    QCOMPARE(QFileInfo(local(QStringLiteral("back/big.bin"))).lastModified(), there.lastModified());
    QVERIFY(!containsPartial(local(QStringLiteral("back"))));

    // Running it again with Resume finds it up to date and moves nothing.
    r = transfer(up);
    QVERIFY(r.ok());
    QVERIFY(r->skipped);
    QCOMPARE(r->bytes, 0);
}

void TestTransfer::treeOfManyFiles()
{
    const QString src = local(QStringLiteral("dataset"));
    for (int i = 0; i < 1500; ++i)
        writeRandom(src + QStringLiteral("/shard%1/%2.bin").arg(i % 15).arg(i), 100 + i * 7,
                    static_cast<quint32>(i));
    writeText(src + QStringLiteral("/names/with space & 'quote' $x `y`.txt"), "odd");
    writeText(src + QStringLiteral("/names/données-训练.txt"), "utf8");
    writeText(src + QStringLiteral("/names/back\\slash.txt"), "sha256sum escapes this name");
    writeText(src + QLatin1Char('/') + QString(200, QLatin1Char('l')) + QLatin1Char('/') +
                  QString(200, QLatin1Char('m')),
              "long path");
    QDir().mkpath(src + QStringLiteral("/empty/folder"));
    QVERIFY(QFile::link(QStringLiteral("names"), src + QStringLiteral("/link-to-names")));
    const QStringList want = describe(src);

    TransferSpec up = spec(TransferDirection::Upload, src, QStringLiteral("trees"));
    up.verify = true;
    Result<ssh::TransferOutcome> r = transfer(up);
    QVERIFY2(r.ok(), qPrintable(msg(r)));
    QVERIFY(r->verified);
    QCOMPARE(r->files, 1504);
    QVERIFY(r->route.startsWith(QLatin1String("tar stream x4")));
    QCOMPARE(describe(remote(QStringLiteral("trees/dataset"))), want);
    QVERIFY(!containsPartial(remote(QStringLiteral("trees"))));

    TransferSpec down = spec(TransferDirection::Download, QStringLiteral("trees/dataset"),
                             local(QStringLiteral("back")));
    down.verify = true;
    r = transfer(down);
    QVERIFY2(r.ok(), qPrintable(msg(r)));
    QVERIFY(r->verified);
    QCOMPARE(describe(local(QStringLiteral("back/dataset"))), want);
    QVERIFY(!containsPartial(local(QStringLiteral("back"))));

    // Resume: one file changed and one added; only they travel, both ways.
    writeText(src + QStringLiteral("/shard3/3.bin"), "changed");
    writeText(src + QStringLiteral("/new.txt"), "new");
    r = transfer(spec(TransferDirection::Upload, src, QStringLiteral("trees")));
    QVERIFY2(r.ok(), qPrintable(msg(r)));
    QCOMPARE(r->bytes, 10);
    QCOMPARE(describe(remote(QStringLiteral("trees/dataset"))), describe(src));
    r = transfer(spec(TransferDirection::Download, QStringLiteral("trees/dataset"),
                      local(QStringLiteral("back"))));
    QVERIFY2(r.ok(), qPrintable(msg(r)));
    QCOMPARE(r->bytes, 10);
    QCOMPARE(describe(local(QStringLiteral("back/dataset"))), describe(src));
}

void TestTransfer::conflictPolicies()
{
    writeText(local(QStringLiteral("notes.txt")), "version 1");
    QVERIFY(transfer(spec(TransferDirection::Upload, local(QStringLiteral("notes.txt")),
                          QStringLiteral("conf")))
                .ok());
    writeText(local(QStringLiteral("notes.txt")), "version 2!");

    Result<ssh::TransferOutcome> r =
        transfer(spec(TransferDirection::Upload, local(QStringLiteral("notes.txt")),
                      QStringLiteral("conf"), ConflictPolicy::Skip));
    QVERIFY(r.ok() && r->skipped);
    QCOMPARE(sha256(remote(QStringLiteral("conf/notes.txt"))),
             QCryptographicHash::hash("version 1", QCryptographicHash::Sha256).toHex());

    r = transfer(spec(TransferDirection::Upload, local(QStringLiteral("notes.txt")),
                      QStringLiteral("conf"), ConflictPolicy::Rename));
    QVERIFY2(r.ok(), qPrintable(msg(r)));
    QVERIFY(r->target.endsWith(QLatin1String("conf/notes (2).txt")));
    QVERIFY(QFileInfo::exists(remote(QStringLiteral("conf/notes (2).txt"))));

    r = transfer(spec(TransferDirection::Upload, local(QStringLiteral("notes.txt")),
                      QStringLiteral("conf"), ConflictPolicy::Overwrite));
    QVERIFY(r.ok() && !r->skipped);
    QCOMPARE(QFileInfo(remote(QStringLiteral("conf/notes.txt"))).size(), 10);

    // Downloads: the same rules on this side.
    writeText(local(QStringLiteral("down/notes.txt")), "mine");
    r = transfer(spec(TransferDirection::Download, QStringLiteral("conf/notes.txt"),
                      local(QStringLiteral("down")), ConflictPolicy::Skip));
    QVERIFY(r.ok() && r->skipped);
    r = transfer(spec(TransferDirection::Download, QStringLiteral("conf/notes.txt"),
                      local(QStringLiteral("down")), ConflictPolicy::Rename));
    QVERIFY(r.ok());
    QCOMPARE(r->target, local(QStringLiteral("down/notes (2).txt")));
    r = transfer(spec(TransferDirection::Download, QStringLiteral("conf/notes.txt"),
                      local(QStringLiteral("down")), ConflictPolicy::Resume));
    QVERIFY(r.ok() && !r->skipped);
    QCOMPARE(QFileInfo(local(QStringLiteral("down/notes.txt"))).size(), 10);
    r = transfer(spec(TransferDirection::Download, QStringLiteral("conf/notes.txt"),
                      local(QStringLiteral("down")), ConflictPolicy::Resume));
    QVERIFY(r.ok() && r->skipped); // same size and time now

    // A missing source says so.
    r = transfer(spec(TransferDirection::Download, QStringLiteral("conf/nothing-here"),
                      local(QStringLiteral("down"))));
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::NotFound);
    QVERIFY(r.error().message.contains(QLatin1String("nothing-here")));
}

void TestTransfer::sftpRouteMatches()
{
    writeRandom(local(QStringLiteral("s/file.bin")), 3 << 20, 4);
    writeRandom(local(QStringLiteral("s/tree/a/b.bin")), 70000, 5);
    writeText(local(QStringLiteral("s/tree/c.txt")), "c");
    QVERIFY(QFile::link(QStringLiteral("c.txt"), local(QStringLiteral("s/tree/link"))));
    for (const QString& item : {QStringLiteral("file.bin"), QStringLiteral("tree")}) {
        TransferSpec up = spec(TransferDirection::Upload, local(QStringLiteral("s/")) + item,
                               QStringLiteral("sftp-route"));
        up.route = ssh::TransferRoute::Sftp;
        Result<ssh::TransferOutcome> r = transfer(up);
        QVERIFY2(r.ok(), qPrintable(msg(r)));
        QCOMPARE(r->route, QStringLiteral("sftp"));
        TransferSpec down = spec(TransferDirection::Download, QStringLiteral("sftp-route/") + item,
                                 local(QStringLiteral("back")));
        down.route = ssh::TransferRoute::Sftp;
        r = transfer(down);
        QVERIFY2(r.ok(), qPrintable(msg(r)));
        QCOMPARE(r->route, QStringLiteral("sftp"));
    }
    QCOMPARE(describe(remote(QStringLiteral("sftp-route"))), describe(local(QStringLiteral("s"))));
    QCOMPARE(describe(local(QStringLiteral("back"))), describe(local(QStringLiteral("s"))));
}

void TestTransfer::resumeAfterConnectionCut_data()
{
    QTest::addColumn<bool>("upload");
    QTest::newRow("upload (four stripes)") << true;
    QTest::newRow("download") << false;
}

void TestTransfer::resumeAfterConnectionCut()
{
    QFETCH(bool, upload);
    // 160 Mbit/s (20 MB/s): the 80 MiB file takes about four seconds, time to cut it.
    DelayProxy proxy;
    if (!proxy.start(m_machine.sshPort, 0, 160))
        QFAIL("the delay proxy (gpudeck-delay-proxy) could not start");
    ssh::Endpoint via = m_ep;
    via.port = proxy.port();
    const qint64 size = 80 << 20;
    const QString dir = upload ? QStringLiteral("cut-up") : QStringLiteral("cut-down");
    QString source;
    QString finalPath;
    QString partPath;
    if (upload) {
        writeRandom(local(QStringLiteral("cut.bin")), size, 9);
        source = local(QStringLiteral("cut.bin"));
        finalPath = remote(dir + QStringLiteral("/cut.bin"));
        partPath = remote(dir + QStringLiteral("/.cut.bin.gpudeck-part"));
    } else {
        writeRandom(remote(dir + QStringLiteral("/cut.bin")), size, 9);
        source = dir + QStringLiteral("/cut.bin");
        finalPath = local(QStringLiteral("dl/cut.bin"));
        partPath = local(QStringLiteral("dl/.cut.bin.gpudeck-part"));
    }
    const QByteArray want = sha256(upload ? source : remote(source));
    const TransferSpec job = spec(upload ? TransferDirection::Upload : TransferDirection::Download,
                                  source, upload ? dir : local(QStringLiteral("dl")));

    std::atomic<qint64> done{0};
    // Written by the worker; read here only after `finished` says so (release/acquire) or
    // after join().
    std::optional<Result<ssh::TransferOutcome>> first;
    std::atomic_bool finished{false};
    std::thread worker([&] {
        ssh::Session session;
        Result<void> c = session.connect(via, ssh::HostKeyPolicy::Strict);
        if (c.ok())
            first.emplace(ssh::runTransfer(
                session, job, [&](const ssh::TransferProgress& p) { done = p.bytesDone; },
                nullptr));
        else
            first.emplace(c.error());
        finished.store(true, std::memory_order_release);
    });
    QElapsedTimer t;
    t.start();
    while (done < size * 3 / 5 && t.elapsed() < 60000 && !finished.load(std::memory_order_acquire))
        QTest::qWait(20);
    proxy.kill();
    worker.join();
    QVERIFY(first);
    QVERIFY2(!first->ok(), "the transfer finished before the cut");
    QCOMPARE(first->error().code, ErrorCode::Network);
    QVERIFY(!QFileInfo::exists(finalPath));
    QVERIFY(QFileInfo(partPath).size() > 0);

    QVERIFY(proxy.start(m_machine.sshPort, via.port, 0));
    Result<ssh::TransferOutcome> second = transfer(job, &via);
    QVERIFY2(second.ok(), qPrintable(msg(second)));
    QVERIFY(second->resumed);
    // At the cut at least 48 MiB had been sent, at most a 2 MiB window per channel of it not
    // yet written, and each upload stripe resumes at a 4 MiB block: at least 24 MiB are kept.
    QVERIFY2(second->bytes <= size - (24 << 20), qPrintable(QString::number(second->bytes)));
    QCOMPARE(sha256(finalPath), want);
    QVERIFY(!QFileInfo::exists(partPath));
}

void TestTransfer::resumeChecksWhatIsThere()
{
    // Partial files are only trusted as far as they match: an upload's partial file with a
    // wrong block in the middle (an older version of the file, or a stripe cut short) and a
    // download's partial file of a file that has changed since both end up exact.
    const qint64 size = (12 << 20) + 777;
    writeRandom(local(QStringLiteral("r/data.bin")), size, 31);
    QFile src(local(QStringLiteral("r/data.bin")));
    QVERIFY(src.open(QIODevice::ReadOnly));
    const QByteArray original = src.readAll();
    QByteArray partial = original.left(10 << 20);
    partial.replace(5 << 20, 1000, QByteArray(1000, 'X')); // the second 4 MiB block differs
    for (const ssh::TransferRoute route : {ssh::TransferRoute::Stream, ssh::TransferRoute::Sftp}) {
        const QString dir = route == ssh::TransferRoute::Sftp ? QStringLiteral("resume-sftp")
                                                              : QStringLiteral("resume-stream");
        writeText(remote(dir + QStringLiteral("/.data.bin.gpudeck-part")), partial);
        TransferSpec up = spec(TransferDirection::Upload, local(QStringLiteral("r/data.bin")), dir);
        up.route = route;
        Result<ssh::TransferOutcome> r = transfer(up);
        QVERIFY2(r.ok(), qPrintable(msg(r)));
        QVERIFY(r->resumed);
        // Block 0 (4 MiB) was kept; from block 1 on everything was sent again.
        QCOMPARE(r->bytes, size - (4 << 20));
        QCOMPARE(sha256(remote(dir + QStringLiteral("/data.bin"))),
                 sha256(local(QStringLiteral("r/data.bin"))));
    }

    // Downloads: a partial copy of what the file used to be.
    writeText(remote(QStringLiteral("resume-down/data.bin")), original);
    QByteArray stale = original.left(6 << 20);
    stale[(6 << 20) - 10] = '!';
    writeText(local(QStringLiteral("rd/.data.bin.gpudeck-part")), stale);
    Result<ssh::TransferOutcome> r =
        transfer(spec(TransferDirection::Download, QStringLiteral("resume-down/data.bin"),
                      local(QStringLiteral("rd"))));
    QVERIFY2(r.ok(), qPrintable(msg(r)));
    QVERIFY(!r->resumed); // it started over
    QCOMPARE(r->bytes, size);
    QCOMPARE(sha256(local(QStringLiteral("rd/data.bin"))),
             sha256(local(QStringLiteral("r/data.bin"))));
    // A partial copy whose last 64 KiB still match but whose start changed: starts over too.
    QByteArray early = original.left(6 << 20);
    early[100] = static_cast<char>(early.at(100) ^ 0x55);
    writeText(local(QStringLiteral("rd3/.data.bin.gpudeck-part")), early);
    r = transfer(spec(TransferDirection::Download, QStringLiteral("resume-down/data.bin"),
                      local(QStringLiteral("rd3"))));
    QVERIFY2(r.ok(), qPrintable(msg(r)));
    QVERIFY(!r->resumed);
    QCOMPARE(sha256(local(QStringLiteral("rd3/data.bin"))),
             sha256(local(QStringLiteral("r/data.bin"))));
    // ... and a good partial copy is continued.
    writeText(local(QStringLiteral("rd2/.data.bin.gpudeck-part")), original.left(6 << 20));
    r = transfer(spec(TransferDirection::Download, QStringLiteral("resume-down/data.bin"),
                      local(QStringLiteral("rd2"))));
    QVERIFY2(r.ok(), qPrintable(msg(r)));
    QVERIFY(r->resumed);
    QCOMPARE(r->bytes, size - (6 << 20));
    QCOMPARE(sha256(local(QStringLiteral("rd2/data.bin"))),
             sha256(local(QStringLiteral("r/data.bin"))));
}

void TestTransfer::permissionDenied()
{
    // Root ignores file modes: a read-only file system is a refusal even root gets.
    const bool root = ::getuid() == 0;
    Mount remoteRo(remote(QStringLiteral("readonly")), "size=1m,mode=0755,ro");
    Mount localRo(local(QStringLiteral("readonly")), "size=1m,mode=0755,ro");
    if (root && (!remoteRo.ok() || !localRo.ok()))
        QSKIP("running as root without permission to mount a read-only tmpfs");
    if (!root) {
        QDir().mkpath(remote(QStringLiteral("readonly")));
        QDir().mkpath(local(QStringLiteral("readonly")));
        QVERIFY(QFile::setPermissions(remote(QStringLiteral("readonly")),
                                      QFile::ReadOwner | QFile::ExeOwner));
        QVERIFY(QFile::setPermissions(local(QStringLiteral("readonly")),
                                      QFile::ReadOwner | QFile::ExeOwner));
    }
    writeText(local(QStringLiteral("a.txt")), "data");
    writeText(local(QStringLiteral("folder/b.txt")), "data");
    writeText(remote(QStringLiteral("readable.txt")), "data");

    for (const QString& item : {QStringLiteral("a.txt"), QStringLiteral("folder")}) {
        Result<ssh::TransferOutcome> r =
            transfer(spec(TransferDirection::Upload, local(item), QStringLiteral("readonly")));
        QVERIFY(!r.ok());
        QVERIFY2(r.error().code == ErrorCode::Forbidden, qPrintable(msg(r)));
        QVERIFY2(r.error().message.contains(QLatin1String("readonly")),
                 qPrintable(r.error().message));
        QVERIFY2(r.error().message.contains(root ? QLatin1String("read-only")
                                                 : QLatin1String("permission denied"),
                                            Qt::CaseInsensitive),
                 qPrintable(r.error().message));
    }
    Result<ssh::TransferOutcome> r =
        transfer(spec(TransferDirection::Download, QStringLiteral("readable.txt"),
                      local(QStringLiteral("readonly"))));
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::Forbidden);
    QVERIFY2(r.error().message.contains(local(QStringLiteral("readonly"))),
             qPrintable(r.error().message));

    // Through the queue: the item fails with the error, the others carry on.
    TransferQueue queue;
    const quint64 bad = queue.add(
        TransferQueue::requestFor(*m_fleet, m_machine,
                                  spec(TransferDirection::Upload, local(QStringLiteral("a.txt")),
                                       QStringLiteral("readonly"))));
    const quint64 good = queue.add(
        TransferQueue::requestFor(*m_fleet, m_machine,
                                  spec(TransferDirection::Upload, local(QStringLiteral("a.txt")),
                                       QStringLiteral("writable"))));
    QTRY_VERIFY_WITH_TIMEOUT(queue.item(bad)->isFinished() && queue.item(good)->isFinished(),
                             30000);
    QCOMPARE(queue.item(bad)->state, TransferItem::State::Failed);
    QCOMPARE(queue.item(bad)->error->code, ErrorCode::Forbidden);
    QCOMPARE(queue.item(good)->state, TransferItem::State::Done);
    QCOMPARE(queue.totals().failed, 1);
}

void TestTransfer::outOfSpace()
{
    Mount remoteFull(remote(QStringLiteral("full")), "size=1m,mode=0755");
    Mount localFull(local(QStringLiteral("full")), "size=1m,mode=0755");
    if (!remoteFull.ok() || !localFull.ok())
        QSKIP("needs root to mount a small tmpfs (a disk that fills up); the refusal of a "
              "write is covered by permissionDenied");
    writeRandom(local(QStringLiteral("big.bin")), 3 << 20, 2);
    writeRandom(local(QStringLiteral("set/a-small.bin")), 200 << 10, 3);
    writeRandom(local(QStringLiteral("set/b-small.bin")), 200 << 10, 4);
    writeRandom(local(QStringLiteral("set/c-big.bin")), 3 << 20, 5);

    Result<ssh::TransferOutcome> r = transfer(
        spec(TransferDirection::Upload, local(QStringLiteral("big.bin")), QStringLiteral("full")));
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::Io);
    QVERIFY2(r.error().message.contains(QLatin1String("disk is full")),
             qPrintable(r.error().message));
    // What arrived is kept for a resume once there is room.
    QVERIFY(QFileInfo(remote(QStringLiteral("full/.big.bin.gpudeck-part"))).size() > 0);
    QFile::remove(remote(QStringLiteral("full/.big.bin.gpudeck-part")));

    r = transfer(
        spec(TransferDirection::Upload, local(QStringLiteral("set")), QStringLiteral("full")));
    QVERIFY(!r.ok());
    QVERIFY2(r.error().message.contains(QLatin1String("disk is full")), qPrintable(msg(r)));
    // The small files that fitted are there, complete, in the temporary folder.
    QCOMPARE(sha256(remote(QStringLiteral("full/.set.gpudeck-part/a-small.bin"))),
             sha256(local(QStringLiteral("set/a-small.bin"))));

    // This side's disk.
    writeRandom(remote(QStringLiteral("remote-big.bin")), 3 << 20, 6);
    writeText(remote(QStringLiteral("small.txt")), "fits");
    QVERIFY(transfer(spec(TransferDirection::Download, QStringLiteral("small.txt"),
                          local(QStringLiteral("full"))))
                .ok());
    r = transfer(spec(TransferDirection::Download, QStringLiteral("remote-big.bin"),
                      local(QStringLiteral("full"))));
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::Io);
    QVERIFY2(r.error().message.contains(QLatin1String("Your disk is full")),
             qPrintable(r.error().message));
    QCOMPARE(sha256(local(QStringLiteral("full/small.txt"))),
             sha256(remote(QStringLiteral("small.txt"))));
}

void TestTransfer::hostileNamesOnDownload()
{
    const QString dir = remote(QStringLiteral("hostile"));
    writeText(dir + QStringLiteral("/ok.txt"), "ok");
    writeText(dir + QStringLiteral("/sub/inner.txt"), "inner");
    writeText(dir + QStringLiteral("/red\x1b[31mname.txt"), "escape sequence");
    writeText(dir + QStringLiteral("/new\nline.txt"), "newline");
    writeText(dir + QStringLiteral("/sub/tab\there"), "tab");
    QVERIFY(QFile::link(QStringLiteral("/etc/passwd"), dir + QStringLiteral("/abs-link")));
    QVERIFY(QFile::link(QStringLiteral("../../../.."), dir + QStringLiteral("/up")));
    // Kept: links that stay inside. Refused: "tricky" is inside by its text, but "here" makes
    // "here/.." the folder's parent.
    QVERIFY(QFile::link(QStringLiteral("sub/inner.txt"), dir + QStringLiteral("/inside")));
    QVERIFY(QFile::link(QStringLiteral("."), dir + QStringLiteral("/here")));
    QVERIFY(QFile::link(QStringLiteral("here/.."), dir + QStringLiteral("/tricky")));

    const QString into = local(QStringLiteral("inbox"));
    Result<ssh::TransferOutcome> r =
        transfer(spec(TransferDirection::Download, QStringLiteral("hostile"), into));
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::InvalidInput);
    // Each refused name is reported (escaped), none silently renamed; so is each link that
    // would lead out of the folder.
    QVERIFY2(r.error().message.contains(QLatin1String("6 item(s)")), qPrintable(r.error().message));
    QVERIFY(r.error().message.contains(QLatin1String("abs-link")));
    QVERIFY(r.error().message.contains(QLatin1String("red\\x1b[31mname.txt")));
    QVERIFY(r.error().message.contains(QLatin1String("new\\x0aline.txt")));
    QVERIFY(r.error().message.contains(QLatin1String("tab\\x09here")));
    // Everything else arrived; the links kept point inside.
    QCOMPARE(
        describe(into),
        (QStringList{
            QStringLiteral("hostile/"), QStringLiteral("hostile/here -> /hostile"),
            QStringLiteral("hostile/inside -> /hostile/sub/inner.txt"),
            QStringLiteral("hostile/ok.txt 2 %1 %2")
                .arg(QFileInfo(dir + QStringLiteral("/ok.txt")).lastModified().toSecsSinceEpoch())
                .arg(QString::fromLatin1(sha256(dir + QStringLiteral("/ok.txt")).left(12))),
            QStringLiteral("hostile/sub/"),
            QStringLiteral("hostile/sub/inner.txt 5 %1 %2")
                .arg(QFileInfo(dir + QStringLiteral("/sub/inner.txt"))
                         .lastModified()
                         .toSecsSinceEpoch())
                .arg(QString::fromLatin1(
                    sha256(dir + QStringLiteral("/sub/inner.txt")).left(12)))}));
    QCOMPARE(QDir(m_local->path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot),
             QStringList{QStringLiteral("inbox")});
}

void TestTransfer::partialUploadsArePrivate_data()
{
    QTest::addColumn<ssh::TransferRoute>("route");
    QTest::addColumn<bool>("folder");
    QTest::newRow("file, stream") << ssh::TransferRoute::Stream << false;
    QTest::newRow("file, sftp") << ssh::TransferRoute::Sftp << false;
    QTest::newRow("folder, stream") << ssh::TransferRoute::Stream << true;
    QTest::newRow("folder, sftp") << ssh::TransferRoute::Sftp << true;
}

void TestTransfer::partialUploadsArePrivate()
{
    // A stopped upload leaves its partial file (or folder) for resume: readable by the login
    // user only, whatever the machine's umask; the final mode arrives with the rename.
    QFETCH(ssh::TransferRoute, route);
    QFETCH(bool, folder);
    const QString dir = QStringLiteral("private-%1")
                            .arg(QLatin1String(QTest::currentDataTag()))
                            .replace(QLatin1Char(' '), QLatin1Char('-'));
    const QString name = folder ? QStringLiteral("creds") : QStringLiteral("creds.bin");
    const QString source = local(name);
    if (folder) {
        writeRandom(source + QStringLiteral("/a.bin"), 96 << 20, 51);
        writeRandom(source + QStringLiteral("/b.bin"), 96 << 20, 52);
        QVERIFY(QFile::setPermissions(source, QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                                  QFileDevice::ExeOwner | QFileDevice::ReadGroup |
                                                  QFileDevice::ExeGroup));
    } else {
        writeRandom(source, 192 << 20, 53);
    }
    const QString file = folder ? source + QStringLiteral("/a.bin") : source;
    QVERIFY(::chmod(QFile::encodeName(file).constData(), 0640) == 0);
    TransferSpec up = spec(TransferDirection::Upload, source, dir);
    up.route = route;
    std::atomic_bool stop{false};
    {
        ssh::Session session;
        QVERIFY(session.connect(m_ep, ssh::HostKeyPolicy::Strict).ok());
        Result<ssh::TransferOutcome> r = ssh::runTransfer(
            session, up,
            [&](const ssh::TransferProgress& p) {
                if (p.phase == ssh::TransferProgress::Phase::Transferring && p.bytesDone > 0)
                    stop = true;
            },
            &stop);
        QVERIFY2(!r.ok(), "the upload finished before it could be stopped");
        QCOMPARE(r.error().code, ErrorCode::Cancelled);
    }
    const QString part =
        remote(dir + QStringLiteral("/.") + name + QStringLiteral(".gpudeck-part"));
    struct stat st {};
    QVERIFY(::lstat(QFile::encodeName(part).constData(), &st) == 0);
    QCOMPARE(st.st_mode & 0777, folder ? 0700u : 0600u);

    Result<ssh::TransferOutcome> r = transfer(up);
    QVERIFY2(r.ok(), qPrintable(msg(r)));
    const QString done = remote(dir + QLatin1Char('/') + name);
    QVERIFY(
        ::stat(
            QFile::encodeName(done + (folder ? QStringLiteral("/a.bin") : QString())).constData(),
            &st) == 0);
    QCOMPARE(st.st_mode & 0777, 0640u);
    if (folder) {
        QVERIFY(::stat(QFile::encodeName(done).constData(), &st) == 0);
        QCOMPARE(st.st_mode & 0777, 0750u);
    }
    QCOMPARE(sha256(done + (folder ? QStringLiteral("/a.bin") : QString())), sha256(file));
}

void TestTransfer::interruptedReplaceKeepsTheOld()
{
    // A folder that replaces a file of the same name (and the other way round) replaces it only
    // once complete: a transfer stopped half-way leaves the old one whole.
    writeText(remote(QStringLiteral("swap-up/thing")), "the old file\n");
    writeRandom(local(QStringLiteral("thing/big.bin")), 192 << 20, 61);
    writeText(local(QStringLiteral("down/thing")), "the old local file\n");
    writeRandom(remote(QStringLiteral("swap-down/thing/big.bin")), 192 << 20, 62);
    // The old file inside a folder that is merged into.
    writeRandom(remote(QStringLiteral("merge-up/thing/big.bin")), 8 << 20, 63);
    const QByteArray oldMerged = sha256(remote(QStringLiteral("merge-up/thing/big.bin")));
    const QList<TransferSpec> jobs{spec(TransferDirection::Upload, local(QStringLiteral("thing")),
                                        QStringLiteral("swap-up"), ConflictPolicy::Overwrite),
                                   spec(TransferDirection::Download,
                                        QStringLiteral("swap-down/thing"),
                                        local(QStringLiteral("down")), ConflictPolicy::Overwrite),
                                   spec(TransferDirection::Upload, local(QStringLiteral("thing")),
                                        QStringLiteral("merge-up"), ConflictPolicy::Overwrite)};
    for (const TransferSpec& job : jobs) {
        std::atomic_bool stop{false};
        ssh::Session session;
        QVERIFY(session.connect(m_ep, ssh::HostKeyPolicy::Strict).ok());
        Result<ssh::TransferOutcome> r = ssh::runTransfer(
            session, job,
            [&](const ssh::TransferProgress& p) {
                if (p.phase == ssh::TransferProgress::Phase::Transferring && p.bytesDone > 0)
                    stop = true;
            },
            &stop);
        QVERIFY2(!r.ok(), qPrintable(job.source + QStringLiteral(" finished before the stop")));
    }
    QFile oldUp(remote(QStringLiteral("swap-up/thing")));
    QVERIFY(oldUp.open(QIODevice::ReadOnly));
    QCOMPARE(oldUp.readAll(), QByteArray("the old file\n"));
    QFile oldDown(local(QStringLiteral("down/thing")));
    QVERIFY(oldDown.open(QIODevice::ReadOnly));
    QCOMPARE(oldDown.readAll(), QByteArray("the old local file\n"));
    QCOMPARE(sha256(remote(QStringLiteral("merge-up/thing/big.bin"))), oldMerged);

    // Run again, they complete and replace.
    for (const TransferSpec& job : jobs) {
        Result<ssh::TransferOutcome> r = transfer(job);
        QVERIFY2(r.ok(), qPrintable(msg(r)));
    }
    QCOMPARE(sha256(remote(QStringLiteral("swap-up/thing/big.bin"))),
             sha256(local(QStringLiteral("thing/big.bin"))));
    QCOMPARE(sha256(local(QStringLiteral("down/thing/big.bin"))),
             sha256(remote(QStringLiteral("swap-down/thing/big.bin"))));
    QCOMPARE(sha256(remote(QStringLiteral("merge-up/thing/big.bin"))),
             sha256(local(QStringLiteral("thing/big.bin"))));
    QVERIFY(!containsPartial(remote(QStringLiteral("swap-up"))));
    QVERIFY(!containsPartial(remote(QStringLiteral("merge-up"))));
    QVERIFY(!containsPartial(local(QStringLiteral("down"))));
}

void TestTransfer::mergeNeverWritesThroughLinks_data()
{
    QTest::addColumn<ssh::TransferRoute>("route");
    QTest::newRow("stream") << ssh::TransferRoute::Stream;
    QTest::newRow("sftp") << ssh::TransferRoute::Sftp;
}

void TestTransfer::mergeNeverWritesThroughLinks()
{
    // The destination folder holds links (someone else's, or the user's own): uploading onto
    // it replaces a linked file by the new file and leaves a linked folder alone, never
    // writing what they point to.
    QFETCH(ssh::TransferRoute, route);
    const QString dest =
        remote(QStringLiteral("links-%1/proj").arg(QLatin1String(QTest::currentDataTag())));
    const QString outside =
        remote(QStringLiteral("links-%1/outside").arg(QLatin1String(QTest::currentDataTag())));
    writeText(outside + QStringLiteral("/victim.txt"), "not yours\n");
    writeText(dest + QStringLiteral("/keep.txt"), "old\n");
    QVERIFY(QFile::link(outside + QStringLiteral("/victim.txt"), dest + QStringLiteral("/b.txt")));
    QVERIFY(QFile::link(outside, dest + QStringLiteral("/data")));
    writeText(local(QStringLiteral("proj/keep.txt")), "new\n");
    writeText(local(QStringLiteral("proj/b.txt")), "new b\n");
    writeText(local(QStringLiteral("proj/data/inner.txt")), "inner\n");
    writeText(local(QStringLiteral("proj/fresh/x.txt")), "x\n");
    TransferSpec up = spec(TransferDirection::Upload, local(QStringLiteral("proj")),
                           QStringLiteral("links-%1").arg(QLatin1String(QTest::currentDataTag())),
                           ConflictPolicy::Overwrite);
    up.route = route;
    Result<ssh::TransferOutcome> r = transfer(up);
    // "data" is a link there: not written through, and said so.
    QVERIFY(!r.ok());
    QVERIFY2(r.error().message.contains(QLatin1String("data")), qPrintable(msg(r)));
    QFile victim(outside + QStringLiteral("/victim.txt"));
    QVERIFY(victim.open(QIODevice::ReadOnly));
    QCOMPARE(victim.readAll(), QByteArray("not yours\n"));
    QVERIFY(!QFileInfo::exists(outside + QStringLiteral("/inner.txt")));
    QVERIFY(QFileInfo(dest + QStringLiteral("/data")).isSymLink());
    QVERIFY(!QFileInfo(dest + QStringLiteral("/b.txt")).isSymLink());
    QFile b(dest + QStringLiteral("/b.txt"));
    QVERIFY(b.open(QIODevice::ReadOnly));
    QCOMPARE(b.readAll(), QByteArray("new b\n"));
    QFile keep(dest + QStringLiteral("/keep.txt"));
    QVERIFY(keep.open(QIODevice::ReadOnly));
    QCOMPARE(keep.readAll(), QByteArray("new\n"));
    QVERIFY(QFileInfo(dest + QStringLiteral("/fresh/x.txt")).isFile());
}

void TestTransfer::renameReplacesAtomically()
{
    // OpenSSH offers posix-rename: a replace is one rename(2) on the machine (the same inode
    // appears under the name; the old one is never deleted first), also for many at once.
    ssh::Session session;
    QVERIFY(session.connect(m_ep, ssh::HostKeyPolicy::Strict).ok());
    ssh::SftpClient sftp(session);
    QVERIFY(sftp.open().ok());
    QVERIFY(sftp.hasPosixRename());
    QList<QPair<QString, QString>> moves;
    QList<ino_t> inodes;
    for (int n = 0; n < 150; ++n) {
        const QString from = remote(QStringLiteral("atomic/new-%1").arg(n));
        const QString to = remote(QStringLiteral("atomic/file-%1").arg(n));
        writeText(from, QByteArray::number(n));
        writeText(to, "old");
        struct stat st {};
        QVERIFY(::stat(QFile::encodeName(from).constData(), &st) == 0);
        inodes << st.st_ino;
        moves.append({from, to});
    }
    moves.append({remote(QStringLiteral("atomic/missing")), remote(QStringLiteral("atomic/x"))});
    Result<QList<int>> statuses = sftp.renameMany(moves);
    QVERIFY(statuses.ok());
    QCOMPARE(statuses->size(), 151);
    for (int n = 0; n < 150; ++n) {
        QCOMPARE(statuses->at(n), 0);
        struct stat st {};
        QVERIFY(::stat(QFile::encodeName(moves.at(n).second).constData(), &st) == 0);
        QCOMPARE(st.st_ino, inodes.at(n));
    }
    QVERIFY(statuses->at(150) != 0);
    QCOMPARE(QDir(remote(QStringLiteral("atomic"))).entryList(QDir::Files).size(), 150);
    // The session still answers ordinary requests after the raw ones.
    QVERIFY(sftp.exists(remote(QStringLiteral("atomic/file-7"))).value());
}

void TestTransfer::queueRespectsParallelCap()
{
    TransferQueue queue;
    queue.setMaxParallel(2);
    int active = 0;
    int maxActive = 0;
    QHash<quint64, bool> wasActive;
    connect(&queue, &TransferQueue::itemChanged, this, [&](quint64 id) {
        const bool now = queue.item(id)->isActive();
        if (now != wasActive.value(id)) {
            active += now ? 1 : -1;
            wasActive[id] = now;
        }
        maxActive = std::max(maxActive, active);
    });
    QList<quint64> ids;
    for (int i = 0; i < 6; ++i) {
        writeRandom(local(QStringLiteral("q/f%1.bin").arg(i)), 300 << 10, static_cast<quint32>(i));
        ids << queue.upload(*m_fleet, m_machine, local(QStringLiteral("q/f%1.bin").arg(i)),
                            QStringLiteral("queue"));
    }
    QTRY_VERIFY_WITH_TIMEOUT(queue.totals().done == 6, 60000);
    QCOMPARE(maxActive, 2);
    for (const quint64 id : ids) {
        QCOMPARE(queue.item(id)->state, TransferItem::State::Done);
        QCOMPARE(queue.item(id)->progress.bytesDone, 300 << 10);
    }
    QCOMPARE(describe(remote(QStringLiteral("queue"))), describe(local(QStringLiteral("q"))));
    queue.clearFinished();
    QVERIFY(queue.ids().isEmpty());
}

void TestTransfer::queuePauseResumeCancel()
{
    // A slow link (80 Mbit/s) so that the items are still running when paused or cancelled.
    DelayProxy proxy;
    if (!proxy.start(m_machine.sshPort, 0, 80))
        QFAIL("the delay proxy (gpudeck-delay-proxy) could not start");
    writeRandom(local(QStringLiteral("p/pause.bin")), 40 << 20, 11);
    writeRandom(local(QStringLiteral("p/cancel.bin")), 40 << 20, 12);
    TransferQueue queue;
    auto request = [&](const QString& file) {
        TransferRequest req = TransferQueue::requestFor(
            *m_fleet, m_machine,
            spec(TransferDirection::Upload, local(file), QStringLiteral("paused")));
        req.endpoint.port = proxy.port();
        return req;
    };
    const quint64 paused = queue.add(request(QStringLiteral("p/pause.bin")));
    const quint64 cancelled = queue.add(request(QStringLiteral("p/cancel.bin")));
    // Past 10 MiB sent, at least 8 MiB (two whole 4 MiB resume blocks) have arrived: the SSH
    // channel window keeps at most 2 MiB on the way.
    QTRY_VERIFY_WITH_TIMEOUT(queue.item(paused)->progress.bytesDone > (10 << 20) &&
                                 queue.item(cancelled)->progress.bytesDone > (10 << 20),
                             60000);
    QVERIFY(queue.item(paused)->bytesPerSecond > 0);
    QVERIFY(queue.item(paused)->etaSeconds >= 0);
    QVERIFY(queue.totals().bytesPerSecond > 0);
    queue.pause(paused);
    queue.cancel(cancelled);
    QTRY_COMPARE_WITH_TIMEOUT(queue.item(paused)->state, TransferItem::State::Paused, 30000);
    QTRY_COMPARE_WITH_TIMEOUT(queue.item(cancelled)->state, TransferItem::State::Cancelled, 30000);
    QVERIFY(QFileInfo(remote(QStringLiteral("paused/.pause.bin.gpudeck-part"))).size() > 0);
    QTRY_VERIFY_WITH_TIMEOUT(
        !QFileInfo::exists(remote(QStringLiteral("paused/.cancel.bin.gpudeck-part"))), 30000);

    queue.resume(paused);
    QTRY_COMPARE_WITH_TIMEOUT(queue.item(paused)->state, TransferItem::State::Done, 120000);
    QVERIFY(queue.item(paused)->outcome.resumed);
    QVERIFY(queue.item(paused)->outcome.bytes < (40 << 20));
    QCOMPARE(sha256(remote(QStringLiteral("paused/pause.bin"))),
             sha256(local(QStringLiteral("p/pause.bin"))));
    QVERIFY(!QFileInfo::exists(remote(QStringLiteral("paused/cancel.bin"))));

    // A cancelled item can be retried: it starts over.
    queue.retry(cancelled);
    QTRY_COMPARE_WITH_TIMEOUT(queue.item(cancelled)->state, TransferItem::State::Done, 120000);
    QCOMPARE(sha256(remote(QStringLiteral("paused/cancel.bin"))),
             sha256(local(QStringLiteral("p/cancel.bin"))));
}

void TestTransfer::queueResumesAfterConnectionDrop()
{
    DelayProxy proxy;
    if (!proxy.start(m_machine.sshPort, 0, 80))
        QFAIL("the delay proxy (gpudeck-delay-proxy) could not start");
    const int port = proxy.port();
    writeRandom(local(QStringLiteral("drop/data.bin")), 30 << 20, 41);
    TransferQueue queue;
    TransferRequest req = TransferQueue::requestFor(*m_fleet, m_machine,
                                                    spec(TransferDirection::Upload,
                                                         local(QStringLiteral("drop/data.bin")),
                                                         QStringLiteral("drop")));
    req.endpoint.port = port;
    const quint64 id = queue.add(req);
    QTRY_VERIFY_WITH_TIMEOUT(queue.item(id)->progress.bytesDone > (12 << 20), 60000);
    proxy.kill(); // the link drops...
    QTRY_VERIFY_WITH_TIMEOUT(queue.item(id)->retryAt.isValid(), 30000);
    QCOMPARE(queue.item(id)->state, TransferItem::State::Queued);
    QCOMPARE(queue.item(id)->error->code, ErrorCode::Network);
    QVERIFY(proxy.start(m_machine.sshPort, port, 0)); // ... and comes back
    QTRY_COMPARE_WITH_TIMEOUT(queue.item(id)->state, TransferItem::State::Done, 60000);
    QCOMPARE(queue.item(id)->autoRetries, 0);
    QVERIFY(queue.item(id)->outcome.resumed);
    QVERIFY(queue.item(id)->outcome.bytes < (30 << 20));
    QCOMPARE(sha256(remote(QStringLiteral("drop/data.bin"))),
             sha256(local(QStringLiteral("drop/data.bin"))));
}

void TestTransfer::downloadBeforeDestroy()
{
    writeRandom(remote(QStringLiteral("results/checkpoints/epoch-10.pt")), 5 << 20, 21);
    writeText(remote(QStringLiteral("results/metrics.csv")), "epoch,loss\n10,0.1\n");
    TransferQueue queue;
    Result<ssh::TransferOutcome> r =
        awaitResult<ssh::TransferOutcome>([&](Callback<ssh::TransferOutcome> done) {
            queue.downloadThen(*m_fleet, m_machine, QStringLiteral("~/results"),
                               local(QStringLiteral("kept")), done);
        });
    QVERIFY2(r.ok(), qPrintable(msg(r)));
    QVERIFY(r->verified); // always, with no second chance after the destroy
    QCOMPARE(r->target, local(QStringLiteral("kept/results")));
    QCOMPARE(describe(local(QStringLiteral("kept/results"))),
             describe(remote(QStringLiteral("results"))));

    // A failure comes back as the error, so the destroy flow stops there.
    r = awaitResult<ssh::TransferOutcome>([&](Callback<ssh::TransferOutcome> done) {
        queue.downloadThen(*m_fleet, m_machine, QStringLiteral("~/no-such-results"),
                           local(QStringLiteral("kept")), done);
    });
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::NotFound);
}

void TestTransfer::cliPutAndGet()
{
    writeText(local(QStringLiteral("c/a.txt")), "alpha");
    writeText(local(QStringLiteral("c/dir/b.txt")), "beta");
    QString outText;
    QString errText;
    QTextStream out(&outText);
    QTextStream err(&errText);
    int rc =
        cli::put(*m_fleet,
                 {m_machine.id, local(QStringLiteral("c/a.txt")), local(QStringLiteral("c/dir")),
                  QStringLiteral("cli"), QStringLiteral("--verify")},
                 out, err);
    QVERIFY2(rc == 0, qPrintable(errText));
    QVERIFY(outText.contains(QLatin1String("(verified)")));
    QVERIFY(outText.contains(QLatin1String("2 of 2 item(s) done")));
    QCOMPARE(describe(remote(QStringLiteral("cli"))), describe(local(QStringLiteral("c"))));

    rc = cli::get(*m_fleet,
                  {m_machine.id, QStringLiteral("cli/a.txt"), QStringLiteral("cli/dir"),
                   local(QStringLiteral("got"))},
                  out, err);
    QVERIFY2(rc == 0, qPrintable(errText));
    QCOMPARE(describe(local(QStringLiteral("got"))), describe(local(QStringLiteral("c"))));

    // Any failed item: exit status 1 and a line naming it; the others still go.
    errText.clear();
    rc = cli::get(*m_fleet,
                  {m_machine.id, QStringLiteral("cli/missing.txt"), QStringLiteral("cli/a.txt"),
                   local(QStringLiteral("got2"))},
                  out, err);
    QCOMPARE(rc, 1);
    QVERIFY2(errText.contains(QLatin1String("failed: cli/missing.txt")), qPrintable(errText));
    QVERIFY(QFileInfo::exists(local(QStringLiteral("got2/a.txt"))));
    rc = cli::put(*m_fleet, {m_machine.id, local(QStringLiteral("c/nope")), QStringLiteral("cli")},
                  out, err);
    QCOMPARE(rc, 1);
    // Usage errors: 2.
    QCOMPARE(cli::put(*m_fleet, {m_machine.id, QStringLiteral("cli")}, out, err), 2);
    QCOMPARE(cli::get(*m_fleet,
                      {m_machine.id, QStringLiteral("a"), QStringLiteral("b"),
                       QStringLiteral("--conflict"), QStringLiteral("sometimes")},
                      out, err),
             2);
    QCOMPARE(cli::put(*m_fleet,
                      {QStringLiteral("sbx-nope"), local(QStringLiteral("c/a.txt")),
                       QStringLiteral("x")},
                      out, err),
             1);
}

QTEST_GUILESS_MAIN(TestTransfer)
#include "tst_transfer.moc"
