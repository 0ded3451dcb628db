// The SSH-host provider's host list and the ~/.ssh/config alias reader.
#include "await.h"
#include "sshhost/sshconfighosts.h"
#include "sshhost/sshhostprovider.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace gpudeck;

namespace {

void write(const QString& path, const QByteArray& text)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(text);
}

} // namespace

class TestSshHosts final : public QObject {
    Q_OBJECT
private slots:
    void aliasesFollowIncludesAndSkipPatterns();
    void addListRemove();
    void invalidHostsAreRefused_data();
    void invalidHostsAreRefused();
    void damagedFileIsReported();
};

void TestSshHosts::aliasesFollowIncludesAndSkipPatterns()
{
    QTemporaryDir dir;
    write(dir.filePath(QStringLiteral("config")),
          "# my hosts\n"
          "Host gpu-box gpu-box-alt\n    HostName 10.0.0.5\n    User me\n"
          "Host *.internal !bastion\n    ProxyJump bastion\n"
          "Host bastion\n    HostName bastion.example.org\n"
          "Include " +
              dir.filePath(QStringLiteral("conf.d/*.conf")).toUtf8() +
              "\n"
              "host=lab\n");
    write(dir.filePath(QStringLiteral("conf.d/a.conf")), "Host cluster-a\nHost gpu-box\n");
    write(dir.filePath(QStringLiteral("conf.d/b.conf")), "Host cluster-b ?x\n");
    QCOMPARE(sshhost::sshConfigAliases(dir.filePath(QStringLiteral("config"))),
             QStringList({QStringLiteral("gpu-box"), QStringLiteral("gpu-box-alt"),
                          QStringLiteral("bastion"), QStringLiteral("cluster-a"),
                          QStringLiteral("cluster-b"), QStringLiteral("lab")}));
    QVERIFY(sshhost::sshConfigAliases(dir.filePath(QStringLiteral("missing"))).isEmpty());
}

void TestSshHosts::addListRemove()
{
    QTemporaryDir dir;
    SshHostProvider p({dir.path(), dir.path(), dir.path(), dir.path(), {}, {}});
    SshHost h;
    h.name = QStringLiteral("box");
    h.host = QStringLiteral("10.1.2.3");
    h.port = 2222;
    h.hourlyUsd = 0.4;
    QVERIFY(p.addHost(h).ok());
    QCOMPARE(p.addHost(h).error().code, ErrorCode::Conflict);
    const Result<QList<Instance>> listed =
        awaitResult<QList<Instance>>([&](Callback<QList<Instance>> d) { p.listInstances(d); });
    QVERIFY(listed.ok());
    QCOMPARE(listed->size(), 1);
    const Instance& i = listed->first();
    QCOMPARE(i.id, QStringLiteral("box"));
    QCOMPARE(i.provider, QStringLiteral("ssh"));
    QCOMPARE(i.host, QStringLiteral("10.1.2.3"));
    QCOMPARE(i.sshPort, 2222);
    QVERIFY(!i.user.isEmpty()); // the local user, as ssh would pick
    QCOMPARE(i.priceHourly, 0.4);
    QCOMPARE(i.status, InstanceStatus::Running);
    QVERIFY(!p.capabilities().launch && !p.capabilities().destroy);
    const Result<void> destroyed =
        awaitResult<void>([&](Callback<void> d) { p.destroy(QStringLiteral("box"), d); });
    QCOMPARE(destroyed.error().code, ErrorCode::Unsupported);
    QVERIFY(p.removeHost(QStringLiteral("box")).ok());
    QCOMPARE(p.removeHost(QStringLiteral("box")).error().code, ErrorCode::NotFound);
    QCOMPARE(awaitResult<Instance>(
                 [&](Callback<Instance> d) { p.getInstance(QStringLiteral("box"), d); })
                 .error()
                 .code,
             ErrorCode::NotFound);
}

void TestSshHosts::invalidHostsAreRefused_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("bad name") << QStringLiteral("my box") << QStringLiteral("h") << 22 << QString()
                              << QStringLiteral("not a valid host name");
    QTest::newRow("option injection") << QStringLiteral("b") << QStringLiteral("-oProxyCommand=x")
                                      << 22 << QString() << QStringLiteral("is not a host name");
    QTest::newRow("port") << QStringLiteral("b") << QStringLiteral("h") << 0 << QString()
                          << QStringLiteral("between 1 and 65535");
    QTest::newRow("missing key") << QStringLiteral("b") << QStringLiteral("h") << 22
                                 << QStringLiteral("/nonexistent/key")
                                 << QStringLiteral("Cannot read the key");
}

void TestSshHosts::invalidHostsAreRefused()
{
    QFETCH(QString, name);
    QFETCH(QString, host);
    QFETCH(int, port);
    QFETCH(QString, key);
    QFETCH(QString, mentions);
    QTemporaryDir dir;
    SshHostProvider p({dir.path(), dir.path(), dir.path(), dir.path(), {}, {}});
    SshHost h;
    h.name = name;
    h.host = host;
    h.port = port;
    h.keyFile = key;
    const Result<void> r = p.addHost(h);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::InvalidInput);
    QVERIFY2(r.error().message.contains(mentions), qPrintable(r.error().message));
    QVERIFY(p.hosts()->isEmpty());
}

void TestSshHosts::damagedFileIsReported()
{
    QTemporaryDir dir;
    write(dir.filePath(QStringLiteral("hosts.json")), "{not json");
    SshHostProvider p({dir.path(), dir.path(), dir.path(), dir.path(), {}, {}});
    const Result<QList<SshHost>> r = p.hosts();
    QVERIFY(!r.ok());
    QVERIFY(r.error().message.contains(QLatin1String("damaged")));
    SshHost h;
    h.name = QStringLiteral("x");
    h.host = QStringLiteral("h");
    QVERIFY(!p.addHost(h).ok()); // never overwrite a file we could not read
}

QTEST_GUILESS_MAIN(TestSshHosts)
#include "tst_sshhosts.moc"
