// The pieces of folder transfers that need no server: the tar writer and reader (against
// GNU tar too, both ways), TarSource over a real folder, the extraction into a LocalTree with
// the safety rules (hostile archives, symlinks on the way), the name rules, and shell quoting.
#include "localtree.h"
#include "pathsafety.h"
#include "tarextractor.h"
#include "tarformat.h"
#include "tarreader.h"
#include "tarsource.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>
#include <unistd.h>

using namespace gpudeck;
using namespace gpudeck::ssh;

namespace {

struct Recorded {
    tar::Entry entry;
    QByteArray data;
};

// Keeps everything a Reader hands over.
class Recorder final : public tar::Reader::Handler {
public:
    QList<Recorded> entries;
    Result<void> started(const tar::Entry& e) override
    {
        entries << Recorded{e, {}};
        return {};
    }
    Result<void> data(const char* bytes, qint64 size) override
    {
        entries.last().data.append(bytes, size);
        return {};
    }
    Result<void> finished() override { return {}; }
};

QByteArray archiveOf(const QList<Recorded>& items)
{
    QByteArray out;
    for (const Recorded& r : items) {
        out += tar::header(r.entry);
        if (r.entry.type == tar::Type::File) {
            out += r.data;
            out += QByteArray(tar::padding(r.data.size()), '\0');
        }
    }
    out += tar::endOfArchive();
    return out;
}

// Feeds `archive` in pieces of random sizes (fixed seed): every boundary case of the reader's
// state machine gets hit somewhere.
Result<void> feedInPieces(tar::Reader& reader, const QByteArray& archive, quint32 seed)
{
    QRandomGenerator rng(seed);
    qsizetype pos = 0;
    while (pos < archive.size()) {
        const qsizetype n = std::min<qsizetype>(archive.size() - pos, rng.bounded(1, 1500));
        Result<void> r = reader.feed(archive.constData() + pos, n);
        if (!r.ok())
            return r;
        pos += n;
    }
    return reader.finish();
}

tar::Entry fileEntry(const QByteArray& path, qint64 size, quint32 mode = 0644)
{
    tar::Entry e;
    e.type = tar::Type::File;
    e.path = path;
    e.size = size;
    e.mode = mode;
    e.mtime = 1700000000;
    return e;
}

// A header with another type flag (and, optionally, size field), its checksum fixed: entries
// GPUDeck's writer never makes (devices) or hostile ones.
QByteArray withTypeFlag(QByteArray h, char flag, const char* octalSize = nullptr)
{
    h[156] = flag;
    if (octalSize)
        std::memcpy(h.data() + 124, octalSize, std::strlen(octalSize));
    std::memset(h.data() + 148, ' ', 8);
    unsigned sum = 0;
    for (int i = 0; i < 512; ++i)
        sum += static_cast<unsigned char>(h.at(i));
    const QByteArray digits = QByteArray::number(sum, 8).rightJustified(6, '0');
    std::memcpy(h.data() + 148, digits.constData(), 6);
    h[154] = '\0';
    return h;
}

QByteArray randomBytes(qsizetype n, quint32 seed)
{
    QByteArray b(n, Qt::Uninitialized);
    QRandomGenerator rng(seed);
    for (char& c : b)
        c = static_cast<char>(rng.bounded(256));
    return b;
}

void writeFile(const QString& path, const QByteArray& data)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    QCOMPARE(f.write(data), data.size());
}

// Every path below `root` (files with a digest of their content, symlinks with their target).
QStringList describeTree(const QString& root)
{
    QStringList out;
    QDirIterator it(root, QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        const QFileInfo info = it.fileInfo();
        const QString rel = QDir(root).relativeFilePath(path);
        if (info.isSymLink())
            out << rel + QStringLiteral(" -> ") + info.symLinkTarget();
        else if (info.isDir())
            out << rel + QLatin1Char('/');
        else {
            QFile f(path);
            if (!f.open(QIODevice::ReadOnly))
                out << rel + QStringLiteral(" (unreadable)");
            else
                out << rel + QLatin1Char(' ') + QString::fromLatin1(f.readAll().toHex().left(16)) +
                           QStringLiteral(" %1").arg(info.size());
        }
    }
    out.sort();
    return out;
}

} // namespace

class TestTarStream final : public QObject {
    Q_OBJECT
private slots:
    void roundTrip();
    void largeSizesUsePax();
    void damagedArchivesAreRefused();
    void gnuTarReadsOurArchives();
    void weReadGnuTarArchives_data();
    void weReadGnuTarArchives();
    void tarSourceMatchesTheFolder();
    void nameRules_data();
    void nameRules();
    void relativePaths_data();
    void relativePaths();
    void hostileArchiveStaysInside();
    void linkRules_data();
    void linkRules();
    void existingSymlinksAreNotFollowed();
    void temporaryAndNumberedNames();
};

void TestTarStream::roundTrip()
{
    QList<Recorded> items;
    const QByteArray longDir = QByteArray(120, 'd');
    const QList<QByteArray> paths = {
        "a.txt",
        QByteArray(100, 'n'),                                 // exactly ustar's name field
        longDir + "/" + QByteArray(90, 'f'),                  // fits prefix + name
        longDir + "/" + longDir + "/" + QByteArray(150, 'x'), // needs pax
        "données/χαρτί 文件.bin",
        "with space/and 'quote'\"$x`.txt",
    };
    int seed = 1;
    for (const QByteArray& p : paths) {
        for (const qint64 size : {0, 1, 511, 512, 513, 70000}) {
            Recorded r{fileEntry(p + "." + QByteArray::number(size), size, 0755),
                       randomBytes(size, static_cast<quint32>(seed++))};
            items << r;
        }
    }
    tar::Entry dir;
    dir.type = tar::Type::Directory;
    dir.path = longDir + "/" + longDir;
    dir.mode = 0700;
    dir.mtime = 1600000000;
    items << Recorded{dir, {}};
    tar::Entry link;
    link.type = tar::Type::Symlink;
    link.path = "link";
    link.linkTarget = "../" + QByteArray(200, 't'); // needs a pax linkpath
    items << Recorded{link, {}};

    const QByteArray archive = archiveOf(items);
    QCOMPARE(archive.size() % 512, 0);
    for (const quint32 s : {1u, 2u, 3u}) {
        Recorder rec;
        tar::Reader reader(rec);
        const Result<void> r = feedInPieces(reader, archive, s);
        QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().message));
        QVERIFY(reader.atEnd());
        QCOMPARE(rec.entries.size(), items.size());
        for (qsizetype i = 0; i < items.size(); ++i) {
            const tar::Entry& want = items.at(i).entry;
            const tar::Entry& got = rec.entries.at(i).entry;
            QCOMPARE(got.path, want.path);
            QCOMPARE(got.type, want.type);
            QCOMPARE(got.size, want.type == tar::Type::File ? want.size : 0);
            QCOMPARE(got.mode, want.mode);
            QCOMPARE(got.mtime, want.mtime);
            QCOMPARE(got.linkTarget, want.linkTarget);
            QCOMPARE(rec.entries.at(i).data, items.at(i).data);
        }
    }
}

void TestTarStream::largeSizesUsePax()
{
    // Past ustar's 11 octal digits (8 GiB): the size travels in a pax record.
    const qint64 big = (qint64(9) << 30) + 5;
    const QByteArray h = tar::header(fileEntry("huge.bin", big));
    QVERIFY(h.size() > 512);
    Recorder rec;
    tar::Reader reader(rec);
    QVERIFY(reader.feed(h.constData(), h.size()).ok());
    QCOMPARE(rec.entries.size(), 1);
    QCOMPARE(rec.entries.first().entry.size, big);
    QVERIFY(!reader.finish().ok()); // the data never came
}

void TestTarStream::damagedArchivesAreRefused()
{
    const QByteArray good = archiveOf({Recorded{fileEntry("x", 3), "abc"}});
    {
        QByteArray bad = good;
        bad[10] = 'Z'; // the name changes, the checksum does not
        Recorder rec;
        tar::Reader reader(rec);
        const Result<void> r = reader.feed(bad.constData(), bad.size());
        QVERIFY(!r.ok());
        QVERIFY(r.error().message.contains(QLatin1String("damaged")));
    }
    {
        Recorder rec;
        tar::Reader reader(rec);
        QVERIFY(reader.feed(good.constData(), 700).ok()); // cut in the middle of the data
        QVERIFY(!reader.finish().ok());
    }
    {
        // A hostile extended header asking us to buffer a gigabyte (octal 10000000000).
        const QByteArray h = withTypeFlag(tar::header(fileEntry("x", 0)), 'x', "10000000000");
        Recorder rec;
        tar::Reader reader(rec);
        QVERIFY(!reader.feed(h.constData(), h.size()).ok());
    }
    {
        // A pax mtime no clock reaches (fuzz_tar: 1e90 reached an undefined double-to-integer
        // conversion): the entry is read, and the time is not taken.
        const QByteArray record = "15 mtime=1e+90\n";
        QByteArray pax =
            withTypeFlag(tar::header(fileEntry("x", 0)), 'x',
                         QByteArray::number(record.size(), 8).rightJustified(11, '0').constData());
        pax += record + QByteArray(512 - record.size(), '\0');
        const QByteArray archive = pax + good;
        Recorder rec;
        tar::Reader reader(rec);
        QVERIFY(reader.feed(archive.constData(), archive.size()).ok());
        QCOMPARE(rec.entries.size(), 1);
        QVERIFY(rec.entries.first().entry.mtime < qint64(1) << 40);
    }
}

void TestTarStream::gnuTarReadsOurArchives()
{
    const QString tarProgram = QStandardPaths::findExecutable(QStringLiteral("tar"));
    if (tarProgram.isEmpty())
        QSKIP("no tar program here to cross-check with");
    QTemporaryDir dir;
    const QByteArray longName = QByteArray(130, 'L') + "/" + QByteArray(140, 'm') + ".txt";
    tar::Entry d;
    d.type = tar::Type::Directory;
    d.path = "top";
    d.mode = 0755;
    d.mtime = 1600000000;
    QList<Recorded> items{Recorded{d, {}}, Recorded{fileEntry("top/" + longName, 5), "hello"},
                          Recorded{fileEntry("top/small", 2000), randomBytes(2000, 7)}};
    tar::Entry link;
    link.type = tar::Type::Symlink;
    link.path = "top/link";
    link.linkTarget = "small";
    items << Recorded{link, {}};
    writeFile(dir.filePath(QStringLiteral("a.tar")), archiveOf(items));
    QDir().mkpath(dir.filePath(QStringLiteral("out")));
    QProcess tar;
    tar.start(tarProgram, {QStringLiteral("-xf"), dir.filePath(QStringLiteral("a.tar")),
                           QStringLiteral("-C"), dir.filePath(QStringLiteral("out"))});
    QVERIFY(tar.waitForFinished());
    QCOMPARE(tar.exitCode(), 0);
    QFile f(dir.filePath(QStringLiteral("out/top/")) + QString::fromLatin1(longName));
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), QByteArray("hello"));
    QCOMPARE(QFileInfo(dir.filePath(QStringLiteral("out/top/link"))).symLinkTarget(),
             dir.filePath(QStringLiteral("out/top/small")));
    QCOMPARE(
        QFileInfo(dir.filePath(QStringLiteral("out/top/small"))).lastModified().toSecsSinceEpoch(),
        1700000000);
}

void TestTarStream::weReadGnuTarArchives_data()
{
    QTest::addColumn<QString>("format");
    QTest::newRow("gnu (long names as 'L' entries)") << QStringLiteral("gnu");
    QTest::newRow("pax") << QStringLiteral("pax");
    QTest::newRow("oldgnu") << QStringLiteral("oldgnu");
}

void TestTarStream::weReadGnuTarArchives()
{
    QFETCH(QString, format);
    const QString tarProgram = QStandardPaths::findExecutable(QStringLiteral("tar"));
    if (tarProgram.isEmpty())
        QSKIP("no tar program here to cross-check with");
    QTemporaryDir dir;
    const QString src = dir.filePath(QStringLiteral("src"));
    writeFile(src + QStringLiteral("/plain.txt"), "plain");
    writeFile(src + QLatin1Char('/') + QString(150, QLatin1Char('a')) + QLatin1Char('/') +
                  QString(120, QLatin1Char('b')),
              randomBytes(3000, 3));
    writeFile(src + QStringLiteral("/sub/données.bin"), randomBytes(70000, 4));
    QDir().mkpath(src + QStringLiteral("/empty"));
    QVERIFY(QFile::link(QStringLiteral("plain.txt"), src + QStringLiteral("/rel-link")));
    QVERIFY(QFile::link(QString(200, QLatin1Char('t')), src + QStringLiteral("/long-link")));
    QVERIFY(::link(QFile::encodeName(src + QStringLiteral("/plain.txt")).constData(),
                   QFile::encodeName(src + QStringLiteral("/hard.txt")).constData()) == 0);

    QProcess tar;
    tar.setWorkingDirectory(src);
    tar.start(tarProgram, {QStringLiteral("--format=") + format, QStringLiteral("-cf"),
                           dir.filePath(QStringLiteral("a.tar")), QStringLiteral(".")});
    QVERIFY(tar.waitForFinished());
    QCOMPARE(tar.exitCode(), 0);
    QFile archive(dir.filePath(QStringLiteral("a.tar")));
    QVERIFY(archive.open(QIODevice::ReadOnly));
    const QByteArray bytes = archive.readAll();

    const QString dest = dir.filePath(QStringLiteral("dest"));
    QDir().mkpath(dest);
    LocalTree tree;
    QVERIFY(tree.open(dest).ok());
    TarExtractor extractor(tree, {"copy"}, {});
    tar::Reader reader(extractor);
    const Result<void> r = feedInPieces(reader, bytes, 11);
    QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().message));
    QVERIFY(extractor.finishFolders().ok());
    QVERIFY2(extractor.problems().isEmpty(),
             qPrintable(extractor.problems().join(QLatin1Char('\n'))));
    QStringList want = describeTree(src);
    QStringList got = describeTree(dest + QStringLiteral("/copy"));
    // Symlink targets are reported absolute by QFileInfo: compare them relative to each root.
    want.replaceInStrings(src, QStringLiteral("ROOT"));
    got.replaceInStrings(dest + QStringLiteral("/copy"), QStringLiteral("ROOT"));
    QCOMPARE(got, want);
    struct stat a {};
    struct stat b {};
    QVERIFY(::stat(QFile::encodeName(dest + QStringLiteral("/copy/plain.txt")).constData(), &a) ==
            0);
    QVERIFY(::stat(QFile::encodeName(dest + QStringLiteral("/copy/hard.txt")).constData(), &b) ==
            0);
    QCOMPARE(a.st_ino, b.st_ino); // still one file with two names
}

void TestTarStream::tarSourceMatchesTheFolder()
{
    QTemporaryDir dir;
    const QString src = dir.filePath(QStringLiteral("src"));
    for (int i = 0; i < 40; ++i)
        writeFile(src + QStringLiteral("/d%1/f%2.bin").arg(i % 4).arg(i),
                  randomBytes(i * 997, static_cast<quint32>(i)));
    writeFile(src + QLatin1Char('/') + QString(240, QLatin1Char('n')), "long name");
    QDir().mkpath(src + QStringLiteral("/empty/deeper"));
    QVERIFY(QFile::link(QStringLiteral("/etc/hostname"), src + QStringLiteral("/abs-link")));
    QStringList skipped;
    Result<QList<LocalItem>> items = walkLocalTree(src, &skipped);
    QVERIFY(items.ok());
    QVERIFY(skipped.isEmpty());
    TarSource source(src, items.value());
    QByteArray archive;
    QRandomGenerator rng(5);
    qint64 data = 0;
    while (!source.atEnd())
        data += source.read(archive, rng.bounded(1, 9000));
    QCOMPARE(source.filesDone(), 41);
    QVERIFY(source.problems().isEmpty());
    qint64 expected = 0;
    for (const LocalItem& i : items.value())
        expected += i.size;
    QCOMPARE(data, expected);

    const QString dest = dir.filePath(QStringLiteral("dest"));
    QDir().mkpath(dest);
    LocalTree tree;
    QVERIFY(tree.open(dest).ok());
    qint64 progressBytes = 0;
    qint64 progressFiles = 0;
    TarExtractor extractor(tree, {}, [&](qint64 bytes, const QByteArray&, bool fileDone) {
        progressBytes += bytes;
        progressFiles += fileDone ? 1 : 0;
    });
    tar::Reader reader(extractor);
    QVERIFY(feedInPieces(reader, archive, 9).ok());
    QVERIFY(extractor.finishFolders().ok());
    QCOMPARE(progressBytes, expected);
    QCOMPARE(progressFiles, 41);
    // The archive carries the absolute link (an upload keeps the user's own links), but a
    // download does not recreate a link that leads out of the folder, and says so.
    QStringList want = describeTree(src);
    QCOMPARE(
        want.removeIf([](const QString& e) { return e.startsWith(QLatin1String("abs-link")); }), 1);
    QCOMPARE(extractor.problems().size(), 1);
    QVERIFY(extractor.problems().first().contains(QLatin1String("abs-link")));
    QStringList got = describeTree(dest);
    QCOMPARE(got, want);
}

void TestTarStream::nameRules_data()
{
    QTest::addColumn<QByteArray>("name");
    QTest::addColumn<bool>("ok");
    QTest::newRow("plain") << QByteArray("model.ckpt") << true;
    QTest::newRow("spaces and quotes") << QByteArray("it's a \"test\".txt") << true;
    QTest::newRow("UTF-8") << QByteArray("données-训练.bin") << true;
    QTest::newRow("not UTF-8 but storable") << QByteArray("\xff\xfe.bin") << true;
    QTest::newRow("255 bytes") << QByteArray(255, 'a') << true;
    QTest::newRow("256 bytes") << QByteArray(256, 'a') << false;
    QTest::newRow("empty") << QByteArray() << false;
    QTest::newRow("dot") << QByteArray(".") << false;
    QTest::newRow("dot dot") << QByteArray("..") << false;
    QTest::newRow("slash") << QByteArray("a/b") << false;
    QTest::newRow("NUL") << QByteArray("a\0b", 3) << false;
    QTest::newRow("newline") << QByteArray("line\nbreak") << false;
    QTest::newRow("terminal escape") << QByteArray("red\x1b[31m") << false;
    QTest::newRow("DEL") << QByteArray("x\x7f") << false;
}

void TestTarStream::nameRules()
{
    QFETCH(QByteArray, name);
    QFETCH(bool, ok);
    QCOMPARE(nameProblem(name).isEmpty(), ok);
    // Messages never carry the raw control characters.
    for (const QChar c : printableName(name))
        QVERIFY(c.unicode() >= 0x20 && c.unicode() != 0x7f);
}

void TestTarStream::relativePaths_data()
{
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QStringList>("names"); // empty with ok=false: refused
    QTest::addColumn<bool>("ok");
    QTest::newRow("plain") << QByteArray("a/b/c")
                           << QStringList{QStringLiteral("a"), QStringLiteral("b"),
                                          QStringLiteral("c")}
                           << true;
    QTest::newRow("dot slash") << QByteArray("./a/./b")
                               << QStringList{QStringLiteral("a"), QStringLiteral("b")} << true;
    QTest::newRow("double slash") << QByteArray("a//b/")
                                  << QStringList{QStringLiteral("a"), QStringLiteral("b")} << true;
    QTest::newRow("root itself") << QByteArray(".") << QStringList{} << true;
    QTest::newRow("absolute") << QByteArray("/etc/passwd") << QStringList{} << false;
    QTest::newRow("parent") << QByteArray("../x") << QStringList{} << false;
    QTest::newRow("parent inside") << QByteArray("a/../../x") << QStringList{} << false;
    QTest::newRow("control") << QByteArray("a/b\x1b") << QStringList{} << false;
    QTest::newRow("too long") << QByteArray(5000, 'a') << QStringList{} << false;
}

void TestTarStream::relativePaths()
{
    QFETCH(QByteArray, path);
    QFETCH(QStringList, names);
    QFETCH(bool, ok);
    const Result<QList<QByteArray>> r = safeRelativePath(path);
    QCOMPARE(r.ok(), ok);
    if (ok) {
        QStringList got;
        for (const QByteArray& n : r.value())
            got << QString::fromUtf8(n);
        QCOMPARE(got, names);
    } else {
        QCOMPARE(r.error().code, ErrorCode::InvalidInput);
    }
}

void TestTarStream::linkRules_data()
{
    QTest::addColumn<QByteArray>("link");
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<bool>("kept");
    QTest::newRow("sibling") << QByteArray("a") << QByteArray("b") << true;
    QTest::newRow("into a folder") << QByteArray("a") << QByteArray("sub/file") << true;
    QTest::newRow("up from a folder") << QByteArray("sub/a") << QByteArray("../b") << true;
    QTest::newRow("the folder itself") << QByteArray("sub/a") << QByteArray("..") << true;
    QTest::newRow("dot") << QByteArray("a") << QByteArray(".") << true;
    QTest::newRow("up and down") << QByteArray("x/y/a") << QByteArray("../../z/./f") << true;
    QTest::newRow("absolute") << QByteArray("a") << QByteArray("/etc/passwd") << false;
    QTest::newRow("empty") << QByteArray("a") << QByteArray() << false;
    QTest::newRow("parent of the folder") << QByteArray("a") << QByteArray("..") << false;
    QTest::newRow("too far up") << QByteArray("sub/a") << QByteArray("../../x") << false;
    // "here -> ." is fine, but "here/.." is then the folder's parent.
    QTest::newRow("dot-dot after a name") << QByteArray("a") << QByteArray("here/..") << false;
    QTest::newRow("hidden climb") << QByteArray("s/a") << QByteArray("../s/../..") << false;
    QTest::newRow("unsafe link name") << QByteArray("../a") << QByteArray("b") << false;
}

void TestTarStream::linkRules()
{
    QFETCH(QByteArray, link);
    QFETCH(QByteArray, target);
    QFETCH(bool, kept);
    QCOMPARE(linkProblem(link, target).isEmpty(), kept);
}

void TestTarStream::hostileArchiveStaysInside()
{
    QTemporaryDir dir;
    const QString outside = dir.filePath(QStringLiteral("outside"));
    QDir().mkpath(outside);
    writeFile(outside + QStringLiteral("/secret"), "keep me");
    const QString dest = dir.filePath(QStringLiteral("dest"));
    QDir().mkpath(dest);

    QList<Recorded> items;
    items << Recorded{fileEntry("good/file.txt", 4), "good"};
    items << Recorded{fileEntry(QFile::encodeName(outside) + "/absolute", 3), "abs"};
    items << Recorded{fileEntry("../escape", 3), "esc"};
    items << Recorded{fileEntry("good/../../escape2", 3), "esc"};
    items << Recorded{fileEntry("red\x1b[31mname", 3), "ctl"};
    items << Recorded{fileEntry("new\nline", 3), "ctl"};
    items << Recorded{fileEntry(QByteArray(300, 'z'), 3), "len"};
    tar::Entry link;
    link.type = tar::Type::Symlink;
    link.path = "out";
    link.linkTarget = QFile::encodeName(outside);
    items << Recorded{link, {}};
    items << Recorded{fileEntry("out/planted", 7), "planted"}; // through the symlink
    items << Recorded{fileEntry("out/secret", 7), "changed"};
    tar::Entry up;
    up.type = tar::Type::Symlink;
    up.path = "up";
    up.linkTarget = "..";
    items << Recorded{up, {}};
    items << Recorded{fileEntry("up/outside/planted2", 7), "planted"};
    tar::Entry hard;
    hard.type = tar::Type::HardLink;
    hard.path = "hard";
    hard.linkTarget = "../outside/secret";
    items << Recorded{hard, {}};
    tar::Entry hardThroughLink = hard;
    hardThroughLink.path = "hard2";
    hardThroughLink.linkTarget = "out/secret";
    items << Recorded{hardThroughLink, {}};

    LocalTree tree;
    QVERIFY(tree.open(dest).ok());
    TarExtractor extractor(tree, {"data"}, {});
    tar::Reader reader(extractor);
    QByteArray archive = archiveOf(items);
    // A character device, written by hand: GPUDeck's writer never makes one.
    archive.insert(0, withTypeFlag(tar::header(fileEntry("device", 0)), '3'));
    const Result<void> r = feedInPieces(reader, archive, 21);
    QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().message));
    QVERIFY(extractor.finishFolders().ok());

    // Every hostile entry is named, none silently changed: the six names, the two links that
    // lead out ("out" absolute, "up" to ".."), the hard link out, the device. With those links
    // refused, "out/…" and "up/…" are plain folders inside.
    QCOMPARE(extractor.problems().size(), 10);
    // Nothing appeared outside, nothing there changed.
    QCOMPARE(describeTree(outside), QStringList{QStringLiteral("secret 6b656570206d65 7")});
    QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot),
             (QStringList{QStringLiteral("dest"), QStringLiteral("outside")}));
    QCOMPARE(QDir(dest).entryList(QDir::AllEntries | QDir::NoDotAndDotDot),
             QStringList{QStringLiteral("data")});
    // The good file is there; the links that led out are not.
    QFile good(dest + QStringLiteral("/data/good/file.txt"));
    QVERIFY(good.open(QIODevice::ReadOnly));
    QCOMPARE(good.readAll(), QByteArray("good"));
    QVERIFY(!QFileInfo(dest + QStringLiteral("/data/out")).isSymLink());
    QVERIFY(!QFileInfo(dest + QStringLiteral("/data/up")).isSymLink());
    QVERIFY(QFileInfo(dest + QStringLiteral("/data/up/outside/planted2")).isFile());
    QVERIFY(!QFileInfo::exists(dest + QStringLiteral("/data/hard")));
    // No temporary files were left behind.
    for (const QString& entry : describeTree(dest))
        QVERIFY2(!entry.contains(QLatin1String("gpudeck-part")), qPrintable(entry));
}

void TestTarStream::existingSymlinksAreNotFollowed()
{
    QTemporaryDir dir;
    const QString outside = dir.filePath(QStringLiteral("outside"));
    writeFile(outside + QStringLiteral("/target.txt"), "original");
    const QString dest = dir.filePath(QStringLiteral("dest"));
    QDir().mkpath(dest + QStringLiteral("/data"));
    // Links someone (or an earlier download) left in the destination.
    QVERIFY(QFile::link(outside, dest + QStringLiteral("/data/dir-link")));
    QVERIFY(QFile::link(outside + QStringLiteral("/target.txt"),
                        dest + QStringLiteral("/data/file-link")));
    QVERIFY(QFile::link(outside + QStringLiteral("/target.txt"),
                        dest + QStringLiteral("/data/.tmp.gpudeck-part")));

    LocalTree tree;
    QVERIFY(tree.open(dest).ok());
    TarExtractor extractor(tree, {"data"}, {});
    tar::Reader reader(extractor);
    const QByteArray archive = archiveOf({Recorded{fileEntry("dir-link/new.txt", 3), "new"},
                                          Recorded{fileEntry("file-link", 8), "replaced"},
                                          Recorded{fileEntry("tmp", 3), "tmp"}});
    QVERIFY(feedInPieces(reader, archive, 4).ok());
    QCOMPARE(extractor.problems().size(), 1); // dir-link/new.txt
    QVERIFY(!QFileInfo::exists(outside + QStringLiteral("/new.txt")));
    QFile target(outside + QStringLiteral("/target.txt"));
    QVERIFY(target.open(QIODevice::ReadOnly));
    QCOMPARE(target.readAll(), QByteArray("original"));
    // The file replaced the link of its name instead of writing through it.
    QVERIFY(!QFileInfo(dest + QStringLiteral("/data/file-link")).isSymLink());
    QFile replaced(dest + QStringLiteral("/data/file-link"));
    QVERIFY(replaced.open(QIODevice::ReadOnly));
    QCOMPARE(replaced.readAll(), QByteArray("replaced"));
    QFile tmp(dest + QStringLiteral("/data/tmp"));
    QVERIFY(tmp.open(QIODevice::ReadOnly));
    QCOMPARE(tmp.readAll(), QByteArray("tmp"));
}

void TestTarStream::temporaryAndNumberedNames()
{
    QCOMPARE(partName(QByteArray("model.pt")), QByteArray(".model.pt.gpudeck-part"));
    const QByteArray longName(250, 'x');
    QVERIFY(partName(longName).size() <= kMaxNameBytes);
    QVERIFY(partName(longName).startsWith(".gpudeck-part-"));
    QVERIFY(isPartName(QString::fromUtf8(partName(longName))));
    QVERIFY(isPartName(QStringLiteral(".model.pt.gpudeck-part")));
    QVERIFY(!isPartName(QStringLiteral("model.pt")));
    QCOMPARE(numberedName(QStringLiteral("data.tar.gz"), 2), QStringLiteral("data (2).tar.gz"));
    QCOMPARE(numberedName(QStringLiteral(".bashrc"), 3), QStringLiteral(".bashrc (3)"));
    QCOMPARE(numberedName(QStringLiteral("checkpoints"), 2), QStringLiteral("checkpoints (2)"));
}

QTEST_GUILESS_MAIN(TestTarStream)
#include "tst_tarstream.moc"
