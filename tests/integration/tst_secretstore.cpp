// Provider tokens in the real system keychain: GNOME Keyring on a private D-Bus session
// (scripts/with-keyring.sh starts both, unlocked; CTest runs this test through it).
#include "asyncwait.h"
#include "secretstore.h"
#include "testenv.h"

#include <QDirIterator>

#include <QUuid>
#include <QtTest>

using namespace gpudeck;
using gpudeck::test::wait;
using gpudeck::test::waitVoid;

namespace {} // namespace

class tst_SecretStore final : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void roundTrip();
    void environmentVariables();
    void noKeychainSaysSo();

private:
    QString m_service;
};

void tst_SecretStore::initTestCase()
{
    m_service = QStringLiteral("GPUDeck-test-") + QUuid::createUuid().toString(QUuid::Id128);
}

void tst_SecretStore::roundTrip()
{
    if (qEnvironmentVariableIsEmpty("GPUDECK_TEST_KEYRING"))
        QSKIP("no unlocked keyring: run through scripts/with-keyring.sh (CTest does)");
    SecretStore store;
    store.setService(m_service);
    const auto none = wait<QString>([&](auto d) { store.read(QStringLiteral("linode"), d); });
    QVERIFY(!none.ok());
    QCOMPARE(none.error().code, ErrorCode::NotFound);

    QVERIFY(waitVoid([&](auto d) {
                store.write(QStringLiteral("linode"), QStringLiteral("tok-1"), d);
            }).ok());
    QVERIFY(waitVoid([&](auto d) {
                store.write(QStringLiteral("digitalocean"), QStringLiteral("tok-2"), d);
            }).ok());
    const auto got = wait<QString>([&](auto d) { store.read(QStringLiteral("linode"), d); });
    QVERIFY2(got.ok(), qPrintable(got.ok() ? QString() : got.error().message + got.error().detail));
    QCOMPARE(got.value(), QStringLiteral("tok-1"));
    // A second store (the next start of the app) sees the same token.
    SecretStore again;
    again.setService(m_service);
    QCOMPARE(wait<QString>([&](auto d) { again.read(QStringLiteral("digitalocean"), d); }).value(),
             QStringLiteral("tok-2"));

    QVERIFY(waitVoid([&](auto d) { store.remove(QStringLiteral("linode"), d); }).ok());
    QCOMPARE(wait<QString>([&](auto d) { store.read(QStringLiteral("linode"), d); }).error().code,
             ErrorCode::NotFound);
    QVERIFY(waitVoid([&](auto d) { store.remove(QStringLiteral("linode"), d); }).ok());
    QVERIFY(waitVoid([&](auto d) { store.remove(QStringLiteral("digitalocean"), d); }).ok());
}

void tst_SecretStore::environmentVariables()
{
    QCOMPARE(SecretStore::environmentVariable(QStringLiteral("linode")),
             QByteArray("LINODE_TOKEN"));
    QCOMPARE(SecretStore::environmentVariable(QStringLiteral("digitalocean")),
             QByteArray("DIGITALOCEAN_TOKEN"));
    QCOMPARE(SecretStore::environmentVariable(QStringLiteral("lambda")),
             QByteArray("LAMBDA_API_KEY"));
    QCOMPARE(SecretStore::environmentVariable(QStringLiteral("runpod")),
             QByteArray("RUNPOD_API_KEY"));
    QCOMPARE(SecretStore::environmentVariable(QStringLiteral("vast")), QByteArray("VAST_API_KEY"));
    QVERIFY(SecretStore::environmentVariable(QStringLiteral("sandbox")).isEmpty());
}

void tst_SecretStore::noKeychainSaysSo()
{
    // Without a session bus there is no Secret Service: the store must say so, and must not
    // fall back to a file.
    const QByteArray bus = qgetenv("DBUS_SESSION_BUS_ADDRESS");
    qputenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/gpudeck-no-bus");
    SecretStore store;
    store.setService(m_service + QStringLiteral("-nobus"));
    const auto r =
        waitVoid([&](auto d) { store.write(QStringLiteral("linode"), QStringLiteral("x"), d); });
    qputenv("DBUS_SESSION_BUS_ADDRESS", bus);
    if (r.ok())
        QSKIP(
            "QtKeychain kept its first D-Bus connection; cannot simulate a missing keychain here");
    QVERIFY2(r.error().message.contains(QLatin1String("keychain")), qPrintable(r.error().message));
    QVERIFY(r.error().message.contains(QLatin1String("plain text")) ||
            r.error().code != ErrorCode::MissingDependency);
}

QTEST_GUILESS_MAIN(tst_SecretStore)
#include "tst_secretstore.moc"
