// AWS EC2: Signature V4 against AWS's published test suite and against botocore as a reference
// signer; credentials from the keychain value, the environment and ~/.aws/credentials; replay
// of libcloud's recorded EC2 XML; the bundled price table against libcloud's; and the whole
// client against a stateful fake EC2 on loopback that checks every signature: catalog → launch
// (on-demand and spot) → running → stop → start → terminate → recap, with throttling, capacity
// errors and a wrong secret.
#include "asyncwait.h"
#include "aws/awscredentials.h"
#include "aws/ec2api.h"
#include "aws/ec2provider.h"
#include "aws/sigv4.h"
#include "billing.h"
#include "fakeec2.h"
#include "restclient.h"
#include "testenv.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QtTest>

using namespace gpudeck;
using gpudeck::test::FakeEc2;
using gpudeck::test::response;
using gpudeck::test::wait;
using gpudeck::test::waitVoid;

namespace {

XmlNode fixture(const QString& name)
{
    const QString path =
        gpudeck::test::sharedDir() + QStringLiteral("/providers/libcloud-fixtures/ec2/") + name;
    Result<XmlNode> x = XmlNode::parse(gpudeck::test::readFile(path));
    return x.ok() ? x.value() : XmlNode{};
}

QByteArray awsError(const QByteArray& code)
{
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>" + code +
           "</Code><Message>m</Message></Error></Errors><RequestID>r</RequestID></Response>";
}

const QString kKey = QStringLiteral("AKIDFAKEGPUDECK00001");
const QString kSecret = QStringLiteral("fakeSecret/K7MDENG+bPxRfiCYGPUDECKKEY");

} // namespace

class tst_Aws final : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void sigv4TestSuite_data();
    void sigv4TestSuite();
    void sigv4MatchesBotocore();
    void credentialSources();
    void replayLibcloudFixtures();
    void errorMessages_data();
    void errorMessages();
    void priceTableMatchesLibcloud();
    void billingRule();
    void catalogWithoutCredentials();
    void catalogFromFake();
    void fullFlowOnDemand();
    void spotFlow();
    void capacityError();
    void wrongSecretIsRejected();

private:
    std::unique_ptr<gpudeck::test::IsolatedEnvironment> m_env;
    std::unique_ptr<FakeEc2> m_fake;
    std::unique_ptr<Ec2Provider> m_provider;
    void startFake();
    LaunchRequest request(bool spot = false) const;
};

void tst_Aws::initTestCase()
{
    m_env = std::make_unique<gpudeck::test::IsolatedEnvironment>();
    // Nothing from the developer's own AWS set-up may leak into the tests.
    for (const char* v : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                          "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION"})
        qunsetenv(v);
    qputenv("AWS_SHARED_CREDENTIALS_FILE", (m_env->path() + QStringLiteral("/none")).toUtf8());
}

void tst_Aws::startFake()
{
    m_fake = std::make_unique<FakeEc2>(kKey, kSecret);
    QVERIFY(m_fake->listen());
    qputenv("GPUDECK_API_BASE_AWS", m_fake->baseUrl().toUtf8());
    qputenv("GPUDECK_API_BASE_AWS_CHECKIP", m_fake->checkIpUrl().toUtf8());
    ProviderContext ctx;
    ctx.cacheDir = m_env->path() + QStringLiteral("/cache/aws");
    m_provider = std::make_unique<Ec2Provider>(ctx);
    m_provider->setBackoffBaseMs(20);
    m_provider->setCredential(kKey + QLatin1Char(':') + kSecret);
}

LaunchRequest tst_Aws::request(bool spot) const
{
    LaunchRequest r;
    r.planId = QStringLiteral("g4dn.xlarge");
    r.region = QStringLiteral("us-east-1");
    r.name = QStringLiteral("my training box");
    r.sshPublicKeys = {QStringLiteral("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample gpudeck")};
    r.diskGb = 120;
    r.spot = spot;
    r.clientToken = QUuid::createUuid().toString(QUuid::WithoutBraces);
    return r;
}

// Vectors of AWS's "Signature Version 4 test suite" (aws-sig-v4-test-suite, dated
// 2015-08-30, credentials AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, region
// us-east-1, service "service"), as published in AWS's General Reference; each row names the
// suite's test folder. Expected: the suite's .sts (its hash line) and .authz files.
void tst_Aws::sigv4TestSuite_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("url");
    QTest::addColumn<QList<QByteArray>>("headers"); // "name:value"
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("token");
    QTest::addColumn<QByteArray>("stsHash");
    QTest::addColumn<QByteArray>("authorization");
    const QString host = QStringLiteral("https://example.amazonaws.com");
    const QList<QByteArray> plain = {"host:example.amazonaws.com", "x-amz-date:20150830T123600Z"};
    const QByteArray cred =
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ";
    QTest::newRow("get-vanilla") << QByteArray("GET") << host + QStringLiteral("/") << plain
                                 << QByteArray() << QString()
                                 << QByteArray("bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6"
                                               "e1c25292927e63")
                                 << cred + "SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b"
                                           "73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
    QTest::newRow("get-vanilla-query-order-key-case")
        << QByteArray("GET") << host + QStringLiteral("/?Param2=value2&Param1=value1") << plain
        << QByteArray() << QString()
        << QByteArray("816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0")
        << cred + "SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b79"
                  "9221646efd99d3219ec94cdf2500";
    QTest::newRow("get-vanilla-query-order-key")
        << QByteArray("GET") << host + QStringLiteral("/?Param1=value2&Param1=Value1") << plain
        << QByteArray() << QString()
        << QByteArray("704b4cef673542d84cdff252633f065e8daeba5f168b77116f8b1bcaf3d38f89")
        << cred + "SignedHeaders=host;x-amz-date, Signature=eedbc4e291e521cf13422ffca22be7d2eb81"
                  "46eecf653089df300a15b2382bd1";
    QTest::newRow("get-vanilla-query-unreserved")
        << QByteArray("GET")
        << host + QStringLiteral("/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv"
                                 "wxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq"
                                 "rstuvwxyz")
        << plain << QByteArray() << QString()
        << QByteArray("c30d4703d9f799439be92736156d47ccfb2d879ddf56f5befa6d1d6aab979177")
        << cred + "SignedHeaders=host;x-amz-date, Signature=9c3e54bfcdf0b19771a7f523ee5669cdf59b"
                  "c7cc0884027167c21bb143a40197";
    QTest::newRow("get-vanilla-utf8-query")
        << QByteArray("GET") << host + QStringLiteral("/?\u1234=bar") << plain << QByteArray()
        << QString()
        << QByteArray("eb30c5bed55734080471a834cc727ae56beb50e5f39d1bff6d0d38cb192a7073")
        << cred + "SignedHeaders=host;x-amz-date, Signature=2cdec8eed098649ff3a119c94853b13c643b"
                  "cf08f8b0a1d91e12c9027818dd04";
    QTest::newRow("normalize-path/get-space")
        << QByteArray("GET") << host + QStringLiteral("/example space/") << plain << QByteArray()
        << QString()
        << QByteArray("63ee75631ed7234ae61b5f736dfc7754cdccfedbff4b5128a915706ee9390d86")
        << cred + "SignedHeaders=host;x-amz-date, Signature=652487583200325589f1fba4c7e578f72c47"
                  "cb61beeca81406b39ddec1366741";
    QTest::newRow("post-vanilla")
        << QByteArray("POST") << host + QStringLiteral("/") << plain << QByteArray() << QString()
        << QByteArray("553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87")
        << cred + "SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c"
                  "30862966e37dddb68e92efbe5d6b";
    QTest::newRow("post-header-key-sort")
        << QByteArray("POST") << host + QStringLiteral("/")
        << QList<QByteArray>{"host:example.amazonaws.com", "My-Header1:value1",
                             "x-amz-date:20150830T123600Z"}
        << QByteArray() << QString()
        << QByteArray("9368318c2967cf6de74404b30c65a91e8f6253e0a8659d6d5319f1a812f87d65")
        << cred + "SignedHeaders=host;my-header1;x-amz-date, Signature=c5410059b04c1ee005303aed4"
                  "30f6e6645f61f4dc9e1461ec8f8916fdf18852c";
    QTest::newRow("post-header-value-case")
        << QByteArray("POST") << host + QStringLiteral("/")
        << QList<QByteArray>{"host:example.amazonaws.com", "My-Header1:VALUE1",
                             "x-amz-date:20150830T123600Z"}
        << QByteArray() << QString()
        << QByteArray("d51ced243e649e3de6ef63afbbdcbca03131a21a7103a1583706a64618606a93")
        << cred + "SignedHeaders=host;my-header1;x-amz-date, Signature=cdbc9802e29d2942e5e10b5bc"
                  "cfdd67c5f22c7c4e8ae67b53629efa58b974b7d";
    QTest::newRow("post-sts-token/post-sts-header-before")
        << QByteArray("POST") << host + QStringLiteral("/") << plain << QByteArray()
        << QStringLiteral(
               "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAe"
               "MicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8ph"
               "UZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT"
               "38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabI"
               "Qwj2ICCR/oLxBA==")
        << QByteArray("c237e1b440d4c63c32ca95b5b99481081cb7b13c7e40434868e71567c1a882f6")
        << cred + "SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=85d96828115b5d"
                  "c0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead";
    QTest::newRow("post-x-www-form-urlencoded")
        << QByteArray("POST") << host + QStringLiteral("/")
        << QList<QByteArray>{"Content-Type:application/x-www-form-urlencoded",
                             "host:example.amazonaws.com", "x-amz-date:20150830T123600Z"}
        << QByteArray("Param1=value1") << QString()
        << QByteArray("42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281")
        << cred + "SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b1813"
                  "5d722051e5ac45fc38421b1da7b9d196a0fe09473a";
    QTest::newRow("post-x-www-form-urlencoded-parameters")
        << QByteArray("POST") << host + QStringLiteral("/")
        << QList<QByteArray>{"Content-Type:application/x-www-form-urlencoded; charset=utf8",
                             "host:example.amazonaws.com", "x-amz-date:20150830T123600Z"}
        << QByteArray("Param1=value1") << QString()
        << QByteArray("2e1cf7ed91881a30569e46552437e4156c823447bf1781b921b5d486c568dd1c")
        << cred + "SignedHeaders=content-type;host;x-amz-date, Signature=1a72ec8f64bd914b0e42e4"
                  "2607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe";
}

void tst_Aws::sigv4TestSuite()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, url);
    QFETCH(QList<QByteArray>, headers);
    QFETCH(QByteArray, body);
    QFETCH(QString, token);
    QFETCH(QByteArray, stsHash);
    QFETCH(QByteArray, authorization);
    aws::SigV4Input in;
    in.method = method;
    in.url = QUrl(url);
    for (const QByteArray& h : headers) {
        const qsizetype colon = h.indexOf(':');
        in.headers.append({h.left(colon), h.mid(colon + 1)});
    }
    in.payload = body;
    in.region = QStringLiteral("us-east-1");
    in.service = QStringLiteral("service");
    in.at = QDateTime(QDate(2015, 8, 30), QTime(12, 36), QTimeZone::utc());
    const aws::AwsCredentials creds{QStringLiteral("AKIDEXAMPLE"),
                                    QStringLiteral("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
                                    token,
                                    {}};
    const aws::SigV4Output out = aws::sign(in, creds);
    QVERIFY2(out.stringToSign.split('\n').last() == stsHash, out.canonicalRequest.constData());
    QCOMPARE(out.authorization, authorization);
}

// Debian's botocore signs the same EC2 requests; both Authorization headers must be equal.
void tst_Aws::sigv4MatchesBotocore()
{
    const QString python = QStandardPaths::findExecutable(QStringLiteral("python3"));
    if (python.isEmpty())
        QSKIP("python3 is not installed (scripts/deps.sh --test)");
    QProcess probe;
    probe.start(python, {QStringLiteral("-c"), QStringLiteral("import botocore.auth")});
    probe.waitForFinished(30000);
    if (probe.exitCode() != 0)
        QSKIP("python3-botocore is not installed (scripts/deps.sh --test)");

    QUrlQuery params;
    params.addQueryItem(QStringLiteral("ImageId"), QStringLiteral("ami-0123456789abcdef0"));
    params.addQueryItem(QStringLiteral("TagSpecification.1.Tag.1.Value"),
                        QStringLiteral("my box: ü/+ & = *~"));
    params.addQueryItem(QStringLiteral("Filter.1.Value.1"),
                        QStringLiteral("Deep Learning*AMI GPU*Ubuntu*"));
    const QByteArray body = aws::queryBody(QStringLiteral("RunInstances"), params);
    struct Case {
        QByteArray method;
        QString url;
        QByteArray body;
        QString token;
    };
    const QList<Case> cases = {
        {"POST", QStringLiteral("https://ec2.us-east-1.amazonaws.com/"), body, {}},
        {"POST", QStringLiteral("https://ec2.eu-west-1.amazonaws.com/"), body,
         QStringLiteral("FwoGZXIvYXdzEXAMPLE/session+token==")},
        {"GET",
         QStringLiteral("https://ec2.us-east-1.amazonaws.com/"
                        "?Version=2016-11-15&Action=DescribeImages&Owner.1=amazon"
                        "&Filter.1.Value.1=Deep%20Learning%2A&Filter.1.Name=name"),
         {},
         {}},
        {"POST", QStringLiteral("http://127.0.0.1:8123/"), "Action=DescribeRegions", {}},
    };
    const QString script = QStringLiteral(R"(
import datetime, sys, json
import botocore.auth as auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
c = json.loads(sys.stdin.read())
auth.get_current_datetime = lambda *a, **k: datetime.datetime(2026, 12, 2, 13, 45, 7)
req = AWSRequest(method=c['method'], url=c['url'], data=c['body'].encode(),
                 headers={'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8'})
creds = Credentials(c['key'], c['secret'], c['token'] or None)
auth.SigV4Auth(creds, 'ec2', c['region']).add_auth(req)
print(req.headers['Authorization'])
)");
    for (const Case& c : cases) {
        const QUrl url(c.url);
        const QString region = url.host().startsWith(QLatin1String("ec2."))
                                   ? url.host().section(QLatin1Char('.'), 1, 1)
                                   : QStringLiteral("us-east-1");
        aws::SigV4Input in;
        in.method = c.method;
        in.url = url;
        in.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
        in.payload = c.body;
        in.region = region;
        in.service = QStringLiteral("ec2");
        in.at = QDateTime(QDate(2026, 12, 2), QTime(13, 45, 7), QTimeZone::utc());
        const aws::AwsCredentials creds{kKey, kSecret, c.token, {}};
        const QByteArray ours = aws::sign(in, creds).authorization;

        QProcess py;
        py.start(python, {QStringLiteral("-c"), script});
        QVERIFY(py.waitForStarted());
        py.write(
            QJsonDocument(QJsonObject{{QStringLiteral("method"), QString::fromLatin1(c.method)},
                                      {QStringLiteral("url"), c.url},
                                      {QStringLiteral("body"), QString::fromUtf8(c.body)},
                                      {QStringLiteral("key"), kKey},
                                      {QStringLiteral("secret"), kSecret},
                                      {QStringLiteral("token"), c.token},
                                      {QStringLiteral("region"), region}})
                .toJson());
        py.closeWriteChannel();
        QVERIFY(py.waitForFinished(30000));
        QVERIFY2(py.exitCode() == 0, py.readAllStandardError().constData());
        const QByteArray theirs = py.readAllStandardOutput().trimmed();
        QVERIFY2(theirs.startsWith("AWS4-HMAC-SHA256"), theirs.constData());
        QCOMPARE(ours, theirs);
    }
}

void tst_Aws::credentialSources()
{
    const aws::AwsCredentials stored =
        aws::parseStoredCredential(QStringLiteral("AKIA1:sec/ret:tok:en"));
    QCOMPARE(stored.accessKeyId, QStringLiteral("AKIA1"));
    QCOMPARE(stored.secretAccessKey, QStringLiteral("sec/ret"));
    QCOMPARE(stored.sessionToken, QStringLiteral("tok:en"));
    QVERIFY(!aws::parseStoredCredential(QStringLiteral("only-one-part")).isValid());

    const QString file = m_env->path() + QStringLiteral("/aws-credentials");
    QFile f(file);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("# comment\n[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = "
            "defsecret\n\n[work]\naws_access_key_id=AKIAWORK\naws_secret_access_key=wsecret\n"
            "aws_session_token = wtoken\n");
    f.close();
    qputenv("AWS_SHARED_CREDENTIALS_FILE", file.toUtf8());
    QCOMPARE(aws::resolveCredentials({}).accessKeyId, QStringLiteral("AKIADEFAULT"));
    qputenv("AWS_PROFILE", "work");
    aws::AwsCredentials work = aws::resolveCredentials({});
    QCOMPARE(work.accessKeyId, QStringLiteral("AKIAWORK"));
    QCOMPARE(work.sessionToken, QStringLiteral("wtoken"));
    // The environment's keys win over the profile; the keychain value wins over both.
    qputenv("AWS_ACCESS_KEY_ID", "AKIAENV");
    qputenv("AWS_SECRET_ACCESS_KEY", "envsecret");
    QCOMPARE(aws::resolveCredentials({}).accessKeyId, QStringLiteral("AKIAENV"));
    QCOMPARE(aws::resolveCredentials(QStringLiteral("AKIAKEY:s")).accessKeyId,
             QStringLiteral("AKIAKEY"));
    qputenv("AWS_REGION", "eu-west-1");
    QCOMPARE(aws::defaultRegion(), QStringLiteral("eu-west-1"));
    for (const char* v :
         {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_REGION"})
        qunsetenv(v);
    qputenv("AWS_SHARED_CREDENTIALS_FILE", (m_env->path() + QStringLiteral("/none")).toUtf8());
    QVERIFY(!aws::resolveCredentials({}).isValid());
}

void tst_Aws::replayLibcloudFixtures()
{
    GPUDECK_REQUIRE_SHARED(shared);
    Q_UNUSED(shared);
    QHash<QString, Plan> plans;
    const QList<Instance> described = aws::instancesFrom(
        fixture(QStringLiteral("describe_instances.xml")), QStringLiteral("us-east-1"), plans);
    QVERIFY(described.size() >= 2);
    QCOMPARE(described.at(0).id, QStringLiteral("us-east-1/i-4382922a"));
    QCOMPARE(described.at(0).status, InstanceStatus::Stopped);
    QCOMPARE(described.at(0).planId, QStringLiteral("m1.small"));
    QCOMPARE(described.at(0).host, QStringLiteral("1.2.3.4"));
    QCOMPARE(described.at(1).name, QStringLiteral("Test Server 2"));
    QCOMPARE(described.at(1).host, QStringLiteral("1.2.3.5"));

    const QList<Instance> run = aws::instancesFrom(fixture(QStringLiteral("run_instances.xml")),
                                                   QStringLiteral("us-east-1"), plans);
    QCOMPARE(run.size(), 1);
    QCOMPARE(run.first().id, QStringLiteral("us-east-1/i-2ba64342"));
    QCOMPARE(run.first().status, InstanceStatus::Provisioning);
    const QList<Instance> spot = aws::instancesFrom(
        fixture(QStringLiteral("run_instances_spot.xml")), QStringLiteral("us-east-1"), plans);
    QCOMPARE(spot.size(), 1);
    QCOMPARE(spot.first().id, QStringLiteral("us-east-1/i-2ba64344"));

    const QList<Image> images = aws::imagesFrom(fixture(QStringLiteral("describe_images.xml")));
    QVERIFY(!images.isEmpty());
    QCOMPARE(images.first().id, QStringLiteral("ami-57ba933a")); // the one with a date first
    QVERIFY(!images.first().cudaReady);

    // Eucalyptus' DescribeInstanceTypes carries no GpuInfo: no GPU plans, no crash.
    QVERIFY(aws::plansFrom(fixture(QStringLiteral("describe_instance_types.xml")),
                           QStringLiteral("us-east-1"), {}, QDateTime::currentDateTimeUtc())
                .isEmpty());

    const auto errorOf = [&](const QString& name, int status) {
        return aws::errorFrom(
            response(status, gpudeck::test::readFile(shared +
                                                     QStringLiteral("/providers/libcloud-fixtures/"
                                                                    "ec2/") +
                                                     name)));
    };
    QCOMPARE(errorOf(QStringLiteral("run_instances_idem_mismatch.xml"), 400).code,
             ErrorCode::Conflict);
    const Error missingKey = errorOf(QStringLiteral("describe_key_pairs_doesnt_exist.xml"), 400);
    QCOMPARE(missingKey.code, ErrorCode::InvalidInput);
    QVERIFY(missingKey.message.contains(QLatin1String("test-key-pair")));
}

void tst_Aws::errorMessages_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("code");
    QTest::addColumn<int>("expected");
    QTest::addColumn<QString>("words");
    QTest::addColumn<bool>("throttled");
    QTest::newRow("throttle") << 503 << QByteArray("RequestLimitExceeded")
                              << int(ErrorCode::RateLimited) << QStringLiteral("throttling")
                              << true;
    QTest::newRow("capacity") << 500 << QByteArray("InsufficientInstanceCapacity")
                              << int(ErrorCode::NoCapacity)
                              << QStringLiteral("another availability zone or region") << false;
    QTest::newRow("unauthorized") << 403 << QByteArray("UnauthorizedOperation")
                                  << int(ErrorCode::Forbidden) << QStringLiteral("IAM") << false;
    QTest::newRow("auth") << 401 << QByteArray("AuthFailure") << int(ErrorCode::Unauthorized)
                          << QStringLiteral("clock") << false;
    QTest::newRow("key dup") << 400 << QByteArray("InvalidKeyPair.Duplicate")
                             << int(ErrorCode::Conflict) << QStringLiteral("key pair") << false;
    QTest::newRow("quota") << 400 << QByteArray("VcpuLimitExceeded") << int(ErrorCode::Conflict)
                           << QStringLiteral("Service Quotas") << false;
    QTest::newRow("gone") << 400 << QByteArray("InvalidInstanceID.NotFound")
                          << int(ErrorCode::NotFound) << QStringLiteral("instance") << false;
    QTest::newRow("5xx") << 500 << QByteArray("InternalError") << int(ErrorCode::ProviderFailure)
                         << QStringLiteral("AWS") << false;
}

void tst_Aws::errorMessages()
{
    QFETCH(int, status);
    QFETCH(QByteArray, code);
    QFETCH(int, expected);
    QFETCH(QString, words);
    QFETCH(bool, throttled);
    const RestResponse r = response(status, awsError(code));
    const Error e = aws::errorFrom(r);
    QCOMPARE(int(e.code), expected);
    QVERIFY2(e.message.contains(words), qPrintable(e.message));
    QVERIFY(e.detail.contains(QString::fromLatin1(code)));
    QCOMPARE(aws::isThrottled(r), throttled);
}

// The bundled table was written by hand; libcloud 3.4.1 recorded the same month's prices.
void tst_Aws::priceTableMatchesLibcloud()
{
    GPUDECK_REQUIRE_SHARED(shared);
    const QJsonObject all =
        QJsonDocument::fromJson(
            gpudeck::test::readFile(shared + QStringLiteral("/providers/libcloud-pricing-2021-11."
                                                            "json")))
            .object();
    const QJsonObject linux = all.value(QStringLiteral("compute"))
                                  .toObject()
                                  .value(QStringLiteral("ec2_linux"))
                                  .toObject();
    QVERIFY(!linux.isEmpty());
    QVERIFY(aws::gpuTypeTable().size() >= 8);
    for (const aws::Ec2TypeInfo& t : aws::gpuTypeTable()) {
        const QJsonValue v =
            linux.value(QString::fromLatin1(t.type)).toObject().value(QStringLiteral("us-east-1"));
        QVERIFY2(v.isDouble() || v.isString(), t.type);
        const double theirs = v.isDouble() ? v.toDouble() : v.toString().toDouble();
        QVERIFY2(qFuzzyCompare(theirs, t.usdPerHour), t.type);
    }
}

void tst_Aws::billingRule()
{
    const BillingRule rule = aws::billingRule();
    QCOMPARE(rule.granularity, BillingRule::Granularity::Second);
    QCOMPARE(rule.minimumSeconds, 60);
    QVERIFY(!rule.stoppedBillsCompute);
    QVERIFY(rule.stoppedBillsStorage);
    QVERIFY(rule.storageUsdPerGbMonth > 0);
    // 10 s of a p3.2xlarge bill the 60 s minimum ($3.06/h → 5.1 ¢); 90 s bill 90 s (7.65 ¢).
    QCOMPARE(estimateCents(3.06, rule, 10.0 / 3600), qint64(5));
    QCOMPARE(estimateCents(3.06, rule, 60.0 / 3600), qint64(5));
    QCOMPARE(estimateCents(3.06, rule, 90.0 / 3600), qint64(8));
}

void tst_Aws::catalogWithoutCredentials()
{
    ProviderContext ctx;
    ctx.cacheDir = m_env->path() + QStringLiteral("/cache/aws-none");
    qputenv("GPUDECK_API_BASE_AWS", "http://127.0.0.1:9"); // nothing may be asked
    Ec2Provider p(ctx);
    QVERIFY(!p.hasCredential());
    const auto c = wait<Catalog>([&](auto done) { p.fetchCatalog(done); });
    QVERIFY(c.ok());
    QCOMPARE(c.value().plans.size(), aws::gpuTypeTable().size());
    QCOMPARE(c.value().fetchedAt.date(), QDate(2021, 11, 1)); // the table's date, not today's
    const auto list = wait<QList<Instance>>([&](auto done) { p.listInstances(done); });
    QVERIFY(list.ok());
    QVERIFY(list.value().isEmpty());
    const auto launched = wait<Instance>([&](auto done) { p.launch(request(), done); });
    QVERIFY(!launched.ok());
    QCOMPARE(launched.error().code, ErrorCode::Unauthorized);
    QVERIFY(launched.error().message.contains(QLatin1String("AWS_ACCESS_KEY_ID")));
}

void tst_Aws::catalogFromFake()
{
    startFake();
    m_fake->throttleNext(2); // the first two calls are throttled and waited out
    const auto c = wait<Catalog>([&](auto done) { m_provider->fetchCatalog(done); });
    QVERIFY2(c.ok(), qPrintable(c.ok() ? QString() : c.error().message));
    const Catalog cat = c.value();
    QCOMPARE(cat.plans.size(), 3);
    QCOMPARE(cat.plans.first().id, QStringLiteral("g4dn.xlarge")); // cheapest first
    const Plan g4 = cat.plans.first();
    QCOMPARE(g4.gpuModel, QStringLiteral("NVIDIA T4"));
    QCOMPARE(g4.gpuCount, 1);
    QCOMPARE(g4.vramGb, 16.0);
    QCOMPARE(g4.vcpus, 4);
    QCOMPARE(g4.onDemandHourly, 0.526);
    QVERIFY(g4.spotHourly.has_value());
    QCOMPARE(*g4.spotHourly, 0.21);        // newest per zone, lowest zone, Linux only
    QCOMPARE(cat.plans.at(1).gpuCount, 1); // p3.2xlarge
    QCOMPARE(cat.plans.last().gpuCount, 4);
    QCOMPARE(cat.images.size(), 2); // the failed image is left out
    QCOMPARE(cat.images.first().id, QStringLiteral("ami-newer-dl"));
    QVERIFY(cat.images.first().cudaReady);
    QCOMPARE(cat.regions.size(), 2);
    QCOMPARE(m_fake->rejectedSignatures(), 0);
}

void tst_Aws::fullFlowOnDemand()
{
    startFake();
    m_fake->setPollsPerStep(2);
    m_fake->throttleNext(1);
    const LaunchRequest req = request();
    const auto launched = wait<Instance>([&](auto done) { m_provider->launch(req, done); });
    QVERIFY2(launched.ok(), qPrintable(launched.ok() ? QString() : launched.error().message));
    const Instance first = launched.value();
    QCOMPARE(first.provider, QStringLiteral("aws"));
    QVERIFY(first.id.startsWith(QLatin1String("us-east-1/i-")));
    QCOMPARE(first.status, InstanceStatus::Provisioning);
    QCOMPARE(first.priceHourly, 0.526);
    QCOMPARE(first.name, req.name);
    const FakeEc2::Machine sent = m_fake->machine(first.id.section(QLatin1Char('/'), 1));
    QCOMPARE(sent.shutdownBehavior, QStringLiteral("terminate"));
    QCOMPARE(sent.clientToken, req.clientToken);
    QCOMPARE(sent.image, QStringLiteral("ami-newer-dl"));
    QCOMPARE(sent.volumeGb, 120);
    QVERIFY(!sent.spot);
    QCOMPARE(m_fake->keyPairs(), QStringList{aws::keyPairName(req.sshPublicKeys.first())});
    QCOMPARE(m_fake->sshCidrs(), QStringList{QStringLiteral("203.0.113.7/32")});

    // The same launch sent again (a retry after a lost answer) is the same instance.
    const auto again = wait<Instance>([&](auto done) { m_provider->launch(req, done); });
    QVERIFY2(again.ok(), qPrintable(again.ok() ? QString() : again.error().message));
    QCOMPARE(again.value().id, first.id);
    QCOMPARE(m_fake->instanceCount(), 1);

    Instance now = first;
    for (int i = 0; i < 20 && now.status != InstanceStatus::Running; ++i) {
        const auto got =
            wait<Instance>([&](auto done) { m_provider->getInstance(first.id, done); });
        QVERIFY2(got.ok(), qPrintable(got.ok() ? QString() : got.error().message));
        now = got.value();
    }
    QCOMPARE(now.status, InstanceStatus::Running);
    QCOMPARE(now.host, QStringLiteral("127.0.0.1"));
    QCOMPARE(now.user, QStringLiteral("ubuntu"));
    QCOMPARE(now.diskGb, 120.0); // DescribeVolumes: what a stopped instance keeps paying for

    // The user moved to another network: port 22 is opened to the new address too, in one go.
    m_fake->setPublicAddress(QStringLiteral("198.51.100.9"));
    const auto allowed = wait<QString>([&](auto done) { m_provider->allowSshFromHere(now, done); });
    QVERIFY2(allowed.ok(), qPrintable(allowed.ok() ? QString() : allowed.error().message));
    QVERIFY2(allowed.value().startsWith(QStringLiteral("Port 22 is open to 198.51.100.9 now")),
             qPrintable(allowed.value()));
    QCOMPARE(m_fake->sshCidrs(),
             QStringList({QStringLiteral("203.0.113.7/32"), QStringLiteral("198.51.100.9/32")}));
    // Asked again from the same address: nothing new, no error (the rule exists).
    QVERIFY(wait<QString>([&](auto done) { m_provider->allowSshFromHere(now, done); }).ok());
    QCOMPARE(m_fake->sshCidrs().size(), 2);

    m_fake->throttleNext(1);
    const auto stopped = wait<Instance>([&](auto done) { m_provider->stop(first.id, done); });
    QVERIFY2(stopped.ok(), qPrintable(stopped.ok() ? QString() : stopped.error().message));
    QVERIFY(stopped.value().status == InstanceStatus::Stopping ||
            stopped.value().status == InstanceStatus::Stopped);
    QVERIFY(!stopped.value().billing.stoppedBillsCompute);
    QVERIFY(stopped.value().billing.stoppedBillsStorage);
    for (int i = 0; i < 10 && now.status != InstanceStatus::Stopped; ++i)
        now = wait<Instance>([&](auto done) { m_provider->getInstance(first.id, done); }).value();
    QCOMPARE(now.status, InstanceStatus::Stopped);

    const auto started = wait<Instance>([&](auto done) { m_provider->start(first.id, done); });
    QVERIFY(started.ok());
    QVERIFY(started.value().status == InstanceStatus::Provisioning ||
            started.value().status == InstanceStatus::Running);

    const auto listed = wait<QList<Instance>>([&](auto done) { m_provider->listInstances(done); });
    QVERIFY(listed.ok());
    QCOMPARE(listed.value().size(), 1);

    const auto gone = waitVoid([&](auto done) { m_provider->destroy(first.id, done); });
    QVERIFY2(gone.ok(), qPrintable(gone.ok() ? QString() : gone.error().message));
    Result<Instance> confirm = makeError(ErrorCode::Internal, QString());
    for (int i = 0; i < 10; ++i) {
        confirm = wait<Instance>([&](auto done) { m_provider->getInstance(first.id, done); });
        if (!confirm.ok())
            break;
    }
    QVERIFY(!confirm.ok());
    QCOMPARE(confirm.error().code, ErrorCode::NotFound);

    // Recap: per second with the 60 s minimum, through the app's billing.
    Instance recap = now;
    recap.priceHourly = first.priceHourly;
    recap.createdAt = QDateTime::currentDateTimeUtc().addSecs(-30);
    recap.runIntervals = {{recap.createdAt, recap.createdAt.addSecs(30)}};
    const Cost cost = costOf(recap, recap.createdAt.addSecs(30));
    QCOMPARE(cost.billedSeconds, qint64(60));
    QCOMPARE(m_fake->rejectedSignatures(), 0);
}

void tst_Aws::spotFlow()
{
    startFake();
    (void)wait<Catalog>([&](auto done) { m_provider->fetchCatalog(done); });
    const auto launched =
        wait<Instance>([&](auto done) { m_provider->launch(request(true), done); });
    QVERIFY2(launched.ok(), qPrintable(launched.ok() ? QString() : launched.error().message));
    QCOMPARE(launched.value().priceHourly, 0.21);
    const QString id = launched.value().id;
    QVERIFY(m_fake->machine(id.section(QLatin1Char('/'), 1)).spot);
    Instance now = launched.value();
    for (int i = 0; i < 10 && now.status != InstanceStatus::Running; ++i)
        now = wait<Instance>([&](auto done) { m_provider->getInstance(id, done); }).value();
    QCOMPARE(now.status, InstanceStatus::Running);
    QCOMPARE(now.priceHourly, 0.21);
    // A one-time spot instance cannot be stopped: a clear refusal, then terminate works.
    const auto stop = wait<Instance>([&](auto done) { m_provider->stop(id, done); });
    QVERIFY(!stop.ok());
    QCOMPARE(stop.error().code, ErrorCode::Conflict);
    QVERIFY2(stop.error().message.contains(QLatin1String("spot")),
             qPrintable(stop.error().message));
    QVERIFY(waitVoid([&](auto done) { m_provider->destroy(id, done); }).ok());
    // A second launch reuses the imported key and the security group.
    const auto second = wait<Instance>([&](auto done) { m_provider->launch(request(true), done); });
    QVERIFY(second.ok());
    QCOMPARE(m_fake->actionCount(QStringLiteral("CreateSecurityGroup")), 1);
    QCOMPARE(m_fake->actionCount(QStringLiteral("ImportKeyPair")), 2); // 2nd: Duplicate, fine
    QCOMPARE(m_fake->keyPairs().size(), 1);
}

void tst_Aws::capacityError()
{
    startFake();
    m_fake->noCapacityFor(QStringLiteral("g4dn.xlarge"));
    const auto r = wait<Instance>([&](auto done) { m_provider->launch(request(), done); });
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::NoCapacity);
    QVERIFY2(r.error().message.contains(QLatin1String("another availability zone or region")),
             qPrintable(r.error().message));
    QCOMPARE(m_fake->instanceCount(), 0);
}

void tst_Aws::wrongSecretIsRejected()
{
    startFake();
    m_provider->setCredential(kKey + QStringLiteral(":not-the-secret"));
    const auto r = wait<QString>([&](auto done) { m_provider->checkCredential(done); });
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::Unauthorized);
    QVERIFY(m_fake->rejectedSignatures() >= 1);
    m_provider->setCredential(kKey + QLatin1Char(':') + kSecret);
    const auto good = wait<QString>([&](auto done) { m_provider->checkCredential(done); });
    QVERIFY2(good.ok(), qPrintable(good.ok() ? QString() : good.error().message));
    QVERIFY(good.value().contains(QLatin1String("keychain")));
}

QTEST_GUILESS_MAIN(tst_Aws)
#include "tst_aws.moc"
