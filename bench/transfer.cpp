// File transfer throughput across a slow link: GPUDeck next to OpenSSH, side by side in one run.
//
// A Sandbox machine (a real local sshd) behind gpudeck-delay-proxy (bench/delayproxy.cpp, built
// beside this program), which adds a fixed one-way delay (20 ms by default: a 40 ms round trip, a
// typical cloud region away). Every measurement goes through the same proxy:
//   - a 1 GiB file up and down: GPUDeck vs OpenSSH `sftp -b` put/get;
//   - a folder of 10,000 files of 8 KiB up (and down): GPUDeck vs `tar c | ssh tar x`, and
//     `scp -r` with fewer files (it pays round trips per file);
// and checks every copy against the original. Prints a Markdown table and the exact commands.
//
//   gpudeck-bench-transfer [--delay-ms 20] [--file-mib 1024] [--files 10000] [--file-kib 8]
//                          [--scp-files 300] [--sftp-route] [--only LIST]
#include "transfer.h"
#include "await.h"
#include "fleet.h"
#include "logging.h"
#include "remote.h"
#include "shquote.h"
#include "sshsession.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTextStream>

#include <optional>

using namespace gpudeck;

namespace {

QTextStream out(stdout);
QTextStream err(stderr);

struct Row {
    QString what;
    QString tool;
    qint64 bytes = 0;
    double seconds = 0;
    bool ok = false;
    QString note;
};

QString row(const Row& r)
{
    const double mbps = r.seconds > 0 ? static_cast<double>(r.bytes) / 1e6 / r.seconds : 0;
    return QStringLiteral("| %1 | %2 | %3 | %4 | %5 |\n")
        .arg(r.what, r.tool, r.ok ? QString::number(r.seconds, 'f', 2) : QStringLiteral("failed"),
             r.ok ? QString::number(mbps, 'f', mbps < 1 ? 2 : 1) : QStringLiteral("-"), r.note);
}

// Writes `bytes` of incompressible data, so no layer can make the link look faster.
bool writeRandomFile(const QString& path, qint64 bytes)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return false;
    QByteArray chunk(4 << 20, Qt::Uninitialized);
    auto* words = reinterpret_cast<quint32*>(chunk.data());
    const qsizetype count = chunk.size() / qsizetype(sizeof(quint32));
    for (qint64 done = 0; done < bytes;) {
        QRandomGenerator::global()->fillRange(words, count);
        const qint64 n = std::min<qint64>(chunk.size(), bytes - done);
        if (f.write(chunk.constData(), n) != n)
            return false;
        done += n;
    }
    return true;
}

QByteArray sha256Of(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QCryptographicHash h(QCryptographicHash::Sha256);
    h.addData(&f);
    return h.result().toHex();
}

// A digest of a whole folder: relative path, size and content of every file.
QByteArray treeDigest(const QString& root)
{
    QStringList files;
    QDirIterator it(root, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext())
        files << QDir(root).relativeFilePath(it.next());
    files.sort();
    QCryptographicHash h(QCryptographicHash::Sha256);
    for (const QString& f : files) {
        QFile file(root + QLatin1Char('/') + f);
        if (!file.open(QIODevice::ReadOnly))
            return {};
        h.addData(f.toUtf8());
        h.addData(file.readAll());
    }
    return h.result().toHex() + ' ' + QByteArray::number(files.size());
}

ssh::TransferSpec spec(ssh::TransferDirection direction, const QString& source,
                       const QString& destination)
{
    ssh::TransferSpec s;
    s.direction = direction;
    s.source = source;
    s.destinationDir = destination;
    s.conflict = ssh::ConflictPolicy::Overwrite; // every run measures a full transfer
    return s;
}

// Runs a shell pipeline and times it.
std::optional<double> timed(const QString& script, QString* output = nullptr)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    QElapsedTimer t;
    t.start();
    p.start(QStringLiteral("/bin/sh"), {QStringLiteral("-c"), script});
    if (!p.waitForFinished(-1) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        err << "failed: " << script << "\n" << p.readAll() << '\n';
        err.flush();
        return std::nullopt;
    }
    if (output)
        *output = QString::fromUtf8(p.readAll());
    return static_cast<double>(t.nsecsElapsed()) / 1e9;
}

} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    installDefaultLogRules();
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption({QStringLiteral("delay-ms"), QStringLiteral("One-way delay."),
                      QStringLiteral("MS"), QStringLiteral("20")});
    parser.addOption({QStringLiteral("file-mib"), QStringLiteral("Size of the single file."),
                      QStringLiteral("MIB"), QStringLiteral("1024")});
    parser.addOption({QStringLiteral("files"), QStringLiteral("Files in the folder."),
                      QStringLiteral("N"), QStringLiteral("10000")});
    parser.addOption({QStringLiteral("file-kib"), QStringLiteral("Size of each folder file."),
                      QStringLiteral("KIB"), QStringLiteral("8")});
    parser.addOption({QStringLiteral("scp-files"),
                      QStringLiteral("Files for the scp -r comparison (0: skip it)."),
                      QStringLiteral("N"), QStringLiteral("300")});
    parser.addOption({QStringLiteral("streams"), QStringLiteral("GPUDeck's parallel streams."),
                      QStringLiteral("N"), QStringLiteral("4")});
    parser.addOption({QStringLiteral("sftp-route"),
                      QStringLiteral("Also measure GPUDeck's SFTP route (the fallback for "
                                     "servers that run no commands) for the download.")});
    parser.addOption({QStringLiteral("only"),
                      QStringLiteral("Comma-separated subset: file-up, file-down, folder-up, "
                                     "folder-down, scp."),
                      QStringLiteral("LIST")});
    parser.process(app);
    const int delayMs = parser.value(QStringLiteral("delay-ms")).toInt();
    const qint64 fileBytes = parser.value(QStringLiteral("file-mib")).toLongLong() << 20;
    const int folderFiles = parser.value(QStringLiteral("files")).toInt();
    const qint64 folderFileBytes = parser.value(QStringLiteral("file-kib")).toLongLong() << 10;
    const int scpFiles = parser.value(QStringLiteral("scp-files")).toInt();
    const int streams = parser.value(QStringLiteral("streams")).toInt();
    const QStringList only =
        parser.value(QStringLiteral("only")).split(QLatin1Char(','), Qt::SkipEmptyParts);
    auto wanted = [&](const char* what) {
        return only.isEmpty() || only.contains(QLatin1String(what));
    };

    const QString proxyProgram =
        QCoreApplication::applicationDirPath() + QStringLiteral("/gpudeck-delay-proxy");
    if (!QFileInfo(proxyProgram).isExecutable()) {
        err << "The delay proxy is missing (" << proxyProgram
            << "); build the gpudeck-delay-proxy target.\n";
        return 2;
    }

    QTemporaryDir work;
    for (const char* v : {"XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"})
        qputenv(v, QFile::encodeName(work.path() + QLatin1Char('/') + QLatin1String(v)));
    Fleet fleet(AppPaths::standard());
    if (!fleet.open().ok())
        return 1;
    LaunchRequest req;
    req.planId = QStringLiteral("t4-1x");
    req.name = QStringLiteral("transfer-bench");
    Result<Instance> launched = awaitResult<Instance>(
        [&](Callback<Instance> done) { fleet.launch(QStringLiteral("sandbox"), req, done); });
    if (!launched.ok()) {
        err << launched.error().message << '\n';
        return 1;
    }
    Result<Instance> machine = awaitResult<Instance>(
        [&](Callback<Instance> done) { fleet.waitUntilReady(launched->id, 60000, done); });
    if (!machine.ok()) {
        err << machine.error().message << '\n';
        return 1;
    }
    const Instance& m = machine.value();
    const QString home =
        fleet.paths().stateDir + QStringLiteral("/sandbox/") + m.id + QStringLiteral("/home");

    QProcess proxy;
    proxy.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    proxy.start(proxyProgram,
                {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                 QStringLiteral("--target"), QStringLiteral("127.0.0.1:%1").arg(m.sshPort),
                 QStringLiteral("--delay-ms"), QString::number(delayMs),
                 QStringLiteral("--max-seconds"), QStringLiteral("7200")});
    if (!proxy.waitForReadyRead(10000)) {
        err << "the delay proxy did not start\n";
        return 1;
    }
    const QRegularExpressionMatch listening =
        QRegularExpression(QStringLiteral("listening [^:]+:(\\d+)"))
            .match(QString::fromUtf8(proxy.readLine()));
    if (!listening.hasMatch()) {
        err << "the delay proxy did not say where it listens\n";
        return 1;
    }
    const int proxyPort = listening.captured(1).toInt();

    ssh::Endpoint ep = endpointFor(m, fleet.keyPathFor(m), fleet.paths());
    ep.port = proxyPort;
    auto gpudeck = [&](ssh::TransferSpec job) -> std::pair<std::optional<double>, QString> {
        ssh::Session session;
        QElapsedTimer t;
        t.start(); // the connection is part of the cost, as it is for ssh and sftp
        Result<void> connected = session.connect(ep, ssh::HostKeyPolicy::Strict);
        if (!connected.ok()) {
            err << connected.error().message << '\n';
            return {std::nullopt, {}};
        }
        job.streams = streams;
        Result<ssh::TransferOutcome> r = ssh::runTransfer(session, job, {}, nullptr);
        if (!r.ok()) {
            err << "GPUDeck transfer failed: " << r.error().message << " (" << r.error().detail
                << ")\n";
            return {std::nullopt, {}};
        }
        return {static_cast<double>(t.nsecsElapsed()) / 1e9, r->route};
    };
    // GPUDeck records the host key (the provider vouches for it), so OpenSSH can be strict.
    {
        ssh::Session first;
        if (!first.connect(ep, ssh::HostKeyPolicy::Strict).ok()) {
            err << "cannot connect through the proxy\n";
            return 1;
        }
    }
    const QString sshOptions =
        QStringLiteral("-o UserKnownHostsFile=%1 -o GlobalKnownHostsFile=/dev/null "
                       "-o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -o BatchMode=yes "
                       "-i %2")
            .arg(shQuote(fleet.paths().knownHosts()), shQuote(fleet.keyPathFor(m)));
    const QString target = m.user + QStringLiteral("@127.0.0.1");
    const QString sshCmd =
        QStringLiteral("ssh %1 -p %2 %3").arg(sshOptions).arg(proxyPort).arg(target);
    const QString sftpCmd =
        QStringLiteral("sftp -q %1 -P %2 -b - %3").arg(sshOptions).arg(proxyPort).arg(target);

    QList<Row> rows;
    QStringList commands;
    const QString local = work.path() + QStringLiteral("/local");
    QDir().mkpath(local);
    QDir(home).mkpath(QStringLiteral("bench"));

    err << "Sandbox machine " << m.id << " on port " << m.sshPort << ", delay proxy on "
        << proxyPort << " (" << delayMs << " ms each way).\n";
    err.flush();

    const QString bigName = QStringLiteral("big.bin");
    const QString big = local + QLatin1Char('/') + bigName;
    QByteArray bigSum;
    if (wanted("file-up") || wanted("file-down")) {
        err << "Writing a " << (fileBytes >> 20) << " MiB file of random bytes…\n";
        err.flush();
        if (!writeRandomFile(big, fileBytes))
            return 1;
        bigSum = sha256Of(big);
    }
    const QString sizeText = QStringLiteral("%1 MiB file").arg(fileBytes >> 20);
    if (wanted("file-up")) {
        auto [s, route] =
            gpudeck(spec(ssh::TransferDirection::Upload, big, QStringLiteral("bench/gpudeck-up")));
        const bool ok =
            s && sha256Of(home + QStringLiteral("/bench/gpudeck-up/") + bigName) == bigSum;
        rows << Row{sizeText + QStringLiteral(", upload"),
                    QStringLiteral("GPUDeck"),
                    fileBytes,
                    s.value_or(0),
                    ok,
                    route};
        QDir(home).mkpath(QStringLiteral("bench/sftp-up"));
        const QString put =
            QStringLiteral("echo 'put %1 bench/sftp-up/%2' | %3").arg(big, bigName, sftpCmd);
        commands << put;
        const std::optional<double> t = timed(put);
        const bool ok2 =
            t && sha256Of(home + QStringLiteral("/bench/sftp-up/") + bigName) == bigSum;
        rows << Row{sizeText + QStringLiteral(", upload"),
                    QStringLiteral("OpenSSH `sftp` put"),
                    fileBytes,
                    t.value_or(0),
                    ok2,
                    {}};
    }
    if (wanted("file-down")) {
        // The file is on the machine (the upload put it there, or put it now directly).
        const QString remoteFile = QStringLiteral("bench/source/") + bigName;
        QDir(home).mkpath(QStringLiteral("bench/source"));
        QFile::remove(home + QLatin1Char('/') + remoteFile);
        QFile::copy(big, home + QLatin1Char('/') + remoteFile);
        const QString down = local + QStringLiteral("/gpudeck-down");
        auto [s, route] = gpudeck(spec(ssh::TransferDirection::Download, remoteFile, down));
        rows << Row{sizeText + QStringLiteral(", download"),
                    QStringLiteral("GPUDeck"),
                    fileBytes,
                    s.value_or(0),
                    s && sha256Of(down + QLatin1Char('/') + bigName) == bigSum,
                    route};
        if (parser.isSet(QStringLiteral("sftp-route"))) {
            const QString down2 = local + QStringLiteral("/gpudeck-down-sftp");
            ssh::TransferSpec viaSftp = spec(ssh::TransferDirection::Download, remoteFile, down2);
            viaSftp.route = ssh::TransferRoute::Sftp;
            auto [s2, route2] = gpudeck(viaSftp);
            rows << Row{sizeText + QStringLiteral(", download"),
                        QStringLiteral("GPUDeck, SFTP route (fallback)"),
                        fileBytes,
                        s2.value_or(0),
                        s2 && sha256Of(down2 + QLatin1Char('/') + bigName) == bigSum,
                        route2};
        }
        const QString get =
            QStringLiteral("echo 'get %1 %2/sftp-down.bin' | %3").arg(remoteFile, local, sftpCmd);
        commands << get;
        const std::optional<double> t = timed(get);
        rows << Row{sizeText + QStringLiteral(", download"),
                    QStringLiteral("OpenSSH `sftp` get"),
                    fileBytes,
                    t.value_or(0),
                    t && sha256Of(local + QStringLiteral("/sftp-down.bin")) == bigSum,
                    {}};
    }
    QFile::remove(big);

    auto makeFolder = [&](const QString& root, int count) {
        // 100 files per folder, as a dataset of images or shards is usually laid out.
        QByteArray data(folderFileBytes, Qt::Uninitialized);
        for (int i = 0; i < count; ++i) {
            const QString dir =
                root + QStringLiteral("/part%1").arg(i / 100, 3, 10, QLatin1Char('0'));
            if (i % 100 == 0)
                QDir().mkpath(dir);
            QRandomGenerator::global()->fillRange(reinterpret_cast<quint32*>(data.data()),
                                                  data.size() / qsizetype(sizeof(quint32)));
            QFile f(dir + QStringLiteral("/sample%1.bin").arg(i, 5, 10, QLatin1Char('0')));
            if (!f.open(QIODevice::WriteOnly) || f.write(data) != data.size())
                return false;
        }
        return true;
    };
    const qint64 folderBytes = qint64(folderFiles) * folderFileBytes;
    const QString folderText =
        QStringLiteral("%1 files of %2 KiB").arg(folderFiles).arg(folderFileBytes >> 10);
    if (wanted("folder-up") || wanted("folder-down")) {
        err << "Writing " << folderText << "…\n";
        err.flush();
        if (!makeFolder(local + QStringLiteral("/dataset"), folderFiles))
            return 1;
    }
    const QByteArray folderSum = treeDigest(local + QStringLiteral("/dataset"));
    if (wanted("folder-up")) {
        auto [s, route] =
            gpudeck(spec(ssh::TransferDirection::Upload, local + QStringLiteral("/dataset"),
                         QStringLiteral("bench/gpudeck-folder")));
        rows << Row{folderText + QStringLiteral(", upload"),
                    QStringLiteral("GPUDeck"),
                    folderBytes,
                    s.value_or(0),
                    s && treeDigest(home + QStringLiteral("/bench/gpudeck-folder/dataset")) ==
                             folderSum,
                    route};
        QDir(home).mkpath(QStringLiteral("bench/tar-folder"));
        const QString pipe =
            QStringLiteral("tar -C %1 -cf - dataset | %2 'tar -xf - -C bench/tar-folder'")
                .arg(local, sshCmd);
        commands << pipe;
        const std::optional<double> t = timed(pipe);
        rows << Row{folderText + QStringLiteral(", upload"),
                    QStringLiteral("`tar c | ssh tar x`"),
                    folderBytes,
                    t.value_or(0),
                    t &&
                        treeDigest(home + QStringLiteral("/bench/tar-folder/dataset")) == folderSum,
                    {}};
    }
    if (wanted("folder-down")) {
        QDir(home + QStringLiteral("/bench/source-folder")).removeRecursively();
        QDir(home).mkpath(QStringLiteral("bench/source-folder"));
        timed(QStringLiteral("cp -r %1/dataset %2/bench/source-folder/").arg(local, home));
        const QString down = local + QStringLiteral("/gpudeck-folder-down");
        auto [s, route] = gpudeck(spec(ssh::TransferDirection::Download,
                                       QStringLiteral("bench/source-folder/dataset"), down));
        rows << Row{folderText + QStringLiteral(", download"),
                    QStringLiteral("GPUDeck"),
                    folderBytes,
                    s.value_or(0),
                    s && treeDigest(down + QStringLiteral("/dataset")) == folderSum,
                    route};
        const QString into = local + QStringLiteral("/tar-folder-down");
        QDir().mkpath(into);
        const QString pipe =
            QStringLiteral("%1 'tar -C bench/source-folder -cf - dataset' | tar -xf - -C %2")
                .arg(sshCmd, into);
        commands << pipe;
        const std::optional<double> t = timed(pipe);
        rows << Row{folderText + QStringLiteral(", download"),
                    QStringLiteral("`ssh tar c | tar x`"),
                    folderBytes,
                    t.value_or(0),
                    t && treeDigest(into + QStringLiteral("/dataset")) == folderSum,
                    {}};
    }
    if (wanted("scp") && scpFiles > 0) {
        const QString small = local + QStringLiteral("/scp-set");
        if (!makeFolder(small, scpFiles))
            return 1;
        const QString smallText =
            QStringLiteral("%1 files of %2 KiB").arg(scpFiles).arg(folderFileBytes >> 10);
        auto [s, route] = gpudeck(
            spec(ssh::TransferDirection::Upload, small, QStringLiteral("bench/gpudeck-scp-set")));
        const qint64 bytes = qint64(scpFiles) * folderFileBytes;
        rows << Row{smallText + QStringLiteral(", upload"),
                    QStringLiteral("GPUDeck"),
                    bytes,
                    s.value_or(0),
                    s && treeDigest(home + QStringLiteral("/bench/gpudeck-scp-set/scp-set")) ==
                             treeDigest(small),
                    route};
        QDir(home).mkpath(QStringLiteral("bench/scp"));
        const QString scp = QStringLiteral("scp -q -r %1 -P %2 %3 %4:bench/scp/")
                                .arg(sshOptions)
                                .arg(proxyPort)
                                .arg(small, target);
        commands << scp;
        const std::optional<double> t = timed(scp);
        rows << Row{smallText + QStringLiteral(", upload"),
                    QStringLiteral("OpenSSH `scp -r`"),
                    bytes,
                    t.value_or(0),
                    t && treeDigest(home + QStringLiteral("/bench/scp/scp-set")) ==
                             treeDigest(small),
                    {}};
    }

    out << "\nThrough gpudeck-delay-proxy at " << delayMs << " ms one way (" << 2 * delayMs
        << " ms round trip) to a local OpenSSH sshd; every copy checked against the original.\n\n"
        << "| transfer | tool | seconds | MB/s | how |\n|---|---|---|---|---|\n";
    for (const Row& r : std::as_const(rows))
        out << row(r);
    out << "\nOpenSSH commands (the key and known_hosts are GPUDeck's, the port is the "
           "proxy's):\n\n";
    for (const QString& c : std::as_const(commands))
        out << "    " << c << '\n';
    out.flush();

    proxy.terminate();
    proxy.waitForFinished(5000);
    (void)awaitResult<Recap>([&](Callback<Recap> done) { fleet.destroy(m.id, done); });
    bool allOk = true;
    for (const Row& r : std::as_const(rows))
        allOk = allOk && r.ok;
    return allOk ? 0 : 1;
}
