#include "fakeec2.h"

#include "aws/sigv4.h"

#include <QRegularExpression>
#include <QTimeZone>
#include <QUrlQuery>

namespace gpudeck::test {

FakeEc2::FakeEc2(QString accessKey, QString secret, QObject* parent)
    : QObject(parent)
    , m_server([this](const FakeHttpRequest& r) { return handle(r); })
    , m_checkIp([this](const FakeHttpRequest&) {
        FakeHttpReply reply;
        reply.body = m_publicIp.toUtf8() + '\n';
        reply.contentType = "text/plain";
        return reply;
    })
    , m_accessKey(std::move(accessKey))
    , m_secret(std::move(secret))
{}

FakeHttpReply FakeEc2::error(int status, const QString& code, const QString& message) const
{
    FakeHttpReply reply;
    reply.status = status;
    reply.contentType = "text/xml;charset=UTF-8";
    reply.body = QStringLiteral("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors>"
                                "<Error><Code>%1</Code><Message>%2</Message></Error></Errors>"
                                "<RequestID>fake-request</RequestID></Response>")
                     .arg(code, message.toHtmlEscaped())
                     .toUtf8();
    return reply;
}

FakeHttpReply FakeEc2::ok(const QString& action, const QString& inner) const
{
    FakeHttpReply reply;
    reply.contentType = "text/xml;charset=UTF-8";
    reply.body = QStringLiteral("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<%1Response "
                                "xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>"
                                "fake-request</requestId>%2</%1Response>")
                     .arg(action, inner)
                     .toUtf8();
    return reply;
}

QString FakeEc2::verifySignature(const FakeHttpRequest& r) const
{
    const QString auth = QString::fromLatin1(r.headers.value("authorization"));
    static const QRegularExpression re(QStringLiteral(
        R"(^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, )"
        R"(SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$)"));
    const QRegularExpressionMatch m = re.match(auth);
    if (!m.hasMatch())
        return QStringLiteral("IncompleteSignature");
    if (m.captured(1) != m_accessKey)
        return QStringLiteral("AuthFailure");
    const QByteArray amzDate = r.headers.value("x-amz-date");
    const QDateTime at =
        QDateTime::fromString(QString::fromLatin1(amzDate), QStringLiteral("yyyyMMdd'T'HHmmss'Z'"));
    QDateTime utc = at;
    utc.setTimeZone(QTimeZone::utc());
    if (!at.isValid() || qAbs(utc.secsTo(QDateTime::currentDateTimeUtc())) > 300 ||
        m.captured(2).toLatin1() != amzDate.left(8) || m.captured(4) != QLatin1String("ec2"))
        return QStringLiteral("AuthFailure");
    const QStringList signedNames = m.captured(5).split(QLatin1Char(';'));
    if (!signedNames.contains(QLatin1String("host")) ||
        !signedNames.contains(QLatin1String("x-amz-date")))
        return QStringLiteral("AuthFailure");
    aws::SigV4Input in;
    in.method = r.method;
    QUrl url(QStringLiteral("http://") + QString::fromLatin1(r.headers.value("host")) + r.path);
    QUrlQuery q;
    for (auto it = r.query.cbegin(); it != r.query.cend(); ++it)
        q.addQueryItem(it.key(), it.value());
    url.setQuery(q);
    in.url = url;
    for (const QString& name : signedNames)
        in.headers.append({name.toLatin1(), r.headers.value(name.toLatin1())});
    in.payload = r.body;
    in.region = m.captured(3);
    in.service = QStringLiteral("ec2");
    in.at = utc;
    aws::AwsCredentials creds{m_accessKey, m_secret, {}, {}};
    const QByteArray expected = aws::sign(in, creds).authorization;
    if (expected != auth.toLatin1())
        return QStringLiteral("AuthFailure");
    return {};
}

QString FakeEc2::instanceXml(Machine& m, bool advance)
{
    if (advance && ++m.polls >= m_pollsPerStep) {
        m.polls = 0;
        if (m.state == QLatin1String("pending"))
            m.state = QStringLiteral("running");
        else if (m.state == QLatin1String("stopping"))
            m.state = QStringLiteral("stopped");
        else if (m.state == QLatin1String("shutting-down"))
            m.state = QStringLiteral("terminated");
    }
    static const QHash<QString, int> codes = {
        {QStringLiteral("pending"), 0},        {QStringLiteral("running"), 16},
        {QStringLiteral("shutting-down"), 32}, {QStringLiteral("terminated"), 48},
        {QStringLiteral("stopping"), 64},      {QStringLiteral("stopped"), 80}};
    const bool hasIp = m.state == QLatin1String("running") || m.state == QLatin1String("pending");
    return QStringLiteral(
               "<item><instanceId>%1</instanceId><imageId>%2</imageId><instanceState><code>%3"
               "</code><name>%4</name></instanceState><keyName>%5</keyName><instanceType>%6"
               "</instanceType><launchTime>%7</launchTime><placement><availabilityZone>"
               "us-east-1a</availabilityZone></placement>%8%9<groupSet><item><groupId>%10"
               "</groupId><groupName>gpudeck-ssh</groupName></item></groupSet><tagSet><item>"
               "<key>Name</key><value>%11</value></item><item><key>gpudeck</key><value>1"
               "</value></item></tagSet></item>")
        .arg(m.id, m.image)
        .arg(codes.value(m.state))
        .arg(m.state, m.keyName, m.type, m.launchTime,
             hasIp ? QStringLiteral("<ipAddress>%1</ipAddress>").arg(m_sshHost) : QString(),
             m.spot ? QStringLiteral("<instanceLifecycle>spot</instanceLifecycle>") : QString(),
             m.groupId, m.name.toHtmlEscaped());
}

FakeHttpReply FakeEc2::handle(const FakeHttpRequest& r)
{
    if (r.method != "POST" || r.path != QLatin1String("/"))
        return error(400, QStringLiteral("InvalidAction"), QStringLiteral("POST / only"));
    const QString failure = verifySignature(r);
    if (!failure.isEmpty()) {
        ++m_rejected;
        return error(401, failure,
                     QStringLiteral("AWS was not able to validate the provided access "
                                    "credentials"));
    }
    QHash<QString, QString> p;
    const QUrlQuery form(QString::fromUtf8(r.body));
    for (const auto& [k, v] : form.queryItems(QUrl::FullyDecoded))
        p.insert(k, v);
    const QString action = p.value(QStringLiteral("Action"));
    if (p.value(QStringLiteral("Version")) != QLatin1String("2016-11-15"))
        return error(400, QStringLiteral("InvalidParameterValue"), QStringLiteral("Version"));
    ++m_actions[action];
    if (m_throttle > 0) {
        --m_throttle;
        return error(503, QStringLiteral("RequestLimitExceeded"),
                     QStringLiteral("Request limit exceeded."));
    }
    const auto instanceById = [&]() -> Machine* {
        const QString id = p.value(QStringLiteral("InstanceId.1"));
        auto it = m_instances.find(id);
        return it == m_instances.end() ? nullptr : &it.value();
    };
    const FakeHttpReply notFound = error(400, QStringLiteral("InvalidInstanceID.NotFound"),
                                         QStringLiteral("The instance ID '%1' does not exist")
                                             .arg(p.value(QStringLiteral("InstanceId.1"))));

    if (action == QLatin1String("DescribeInstanceTypes")) {
        struct T {
            const char* type;
            const char* gpu;
            int count, mib, vcpu, ramMib;
        };
        static const T types[] = {{"g4dn.xlarge", "T4", 1, 16384, 4, 16384},
                                  {"g4dn.12xlarge", "T4", 4, 16384, 48, 196608},
                                  {"p3.2xlarge", "V100", 1, 16384, 8, 62464}};
        QString set;
        for (const T& t : types) {
            if (!p.values().contains(QString::fromLatin1(t.type)))
                continue;
            set += QStringLiteral("<item><instanceType>%1</instanceType><vCpuInfo><defaultVCpus>"
                                  "%2</defaultVCpus></vCpuInfo><memoryInfo><sizeInMiB>%3"
                                  "</sizeInMiB></memoryInfo><gpuInfo><gpus><item><name>%4</name>"
                                  "<manufacturer>NVIDIA</manufacturer><count>%5</count>"
                                  "<memoryInfo><sizeInMiB>%6</sizeInMiB></memoryInfo></item>"
                                  "</gpus></gpuInfo></item>")
                       .arg(QString::fromLatin1(t.type))
                       .arg(t.vcpu)
                       .arg(t.ramMib)
                       .arg(QString::fromLatin1(t.gpu))
                       .arg(t.count)
                       .arg(t.mib);
        }
        return ok(action, QStringLiteral("<instanceTypeSet>%1</instanceTypeSet>").arg(set));
    }
    if (action == QLatin1String("DescribeSpotPriceHistory"))
        return ok(action,
                  QStringLiteral(
                      "<spotPriceHistorySet>"
                      "<item><instanceType>g4dn.xlarge</instanceType><productDescription>"
                      "Linux/UNIX</productDescription><spotPrice>0.300000</spotPrice><timestamp>"
                      "2026-12-01T10:00:00.000Z</timestamp><availabilityZone>us-east-1a"
                      "</availabilityZone></item>"
                      "<item><instanceType>g4dn.xlarge</instanceType><productDescription>"
                      "Linux/UNIX</productDescription><spotPrice>0.210000</spotPrice><timestamp>"
                      "2026-12-01T12:00:00.000Z</timestamp><availabilityZone>us-east-1a"
                      "</availabilityZone></item>"
                      "<item><instanceType>g4dn.xlarge</instanceType><productDescription>"
                      "Linux/UNIX</productDescription><spotPrice>0.230000</spotPrice><timestamp>"
                      "2026-12-01T11:00:00.000Z</timestamp><availabilityZone>us-east-1b"
                      "</availabilityZone></item>"
                      "<item><instanceType>g4dn.xlarge</instanceType><productDescription>"
                      "Windows</productDescription><spotPrice>0.100000</spotPrice><timestamp>"
                      "2026-12-01T12:00:00.000Z</timestamp><availabilityZone>us-east-1b"
                      "</availabilityZone></item></spotPriceHistorySet>"));
    if (action == QLatin1String("DescribeImages"))
        return ok(action,
                  QStringLiteral(
                      "<imagesSet>"
                      "<item><imageId>ami-older-dl</imageId><imageState>available</imageState>"
                      "<name>Deep Learning OSS Nvidia Driver AMI GPU PyTorch 2.1 (Ubuntu 20.04)"
                      "</name><creationDate>2024-01-10T00:00:00.000Z</creationDate></item>"
                      "<item><imageId>ami-newer-dl</imageId><imageState>available</imageState>"
                      "<name>Deep Learning OSS Nvidia Driver AMI GPU PyTorch 2.5 (Ubuntu 22.04)"
                      "</name><creationDate>2026-11-20T00:00:00.000Z</creationDate></item>"
                      "<item><imageId>ami-broken</imageId><imageState>failed</imageState>"
                      "<name>Deep Learning AMI GPU broken</name><creationDate>"
                      "2026-11-30T00:00:00.000Z</creationDate></item></imagesSet>"));
    if (action == QLatin1String("DescribeRegions"))
        return ok(action, QStringLiteral("<regionInfo><item><regionName>us-east-1</regionName>"
                                         "</item><item><regionName>us-west-2</regionName></item>"
                                         "</regionInfo>"));
    if (action == QLatin1String("DescribeAccountAttributes"))
        return ok(action, QStringLiteral("<accountAttributeSet/>"));
    if (action == QLatin1String("ImportKeyPair")) {
        const QString name = p.value(QStringLiteral("KeyName"));
        if (m_keys.contains(name))
            return error(400, QStringLiteral("InvalidKeyPair.Duplicate"),
                         QStringLiteral("The keypair already exists"));
        m_keys.insert(name, QString::fromUtf8(QByteArray::fromBase64(
                                p.value(QStringLiteral("PublicKeyMaterial")).toLatin1())));
        return ok(action, QStringLiteral("<keyName>%1</keyName>").arg(name));
    }
    if (action == QLatin1String("DescribeSecurityGroups")) {
        if (m_groupId.isEmpty())
            return ok(action, QStringLiteral("<securityGroupInfo/>"));
        return ok(action, QStringLiteral("<securityGroupInfo><item><groupId>%1</groupId>"
                                         "<groupName>gpudeck-ssh</groupName></item>"
                                         "</securityGroupInfo>")
                              .arg(m_groupId));
    }
    if (action == QLatin1String("CreateSecurityGroup")) {
        if (!m_groupId.isEmpty())
            return error(400, QStringLiteral("InvalidGroup.Duplicate"),
                         QStringLiteral("The security group 'gpudeck-ssh' already exists"));
        m_groupId = QStringLiteral("sg-0fake%1").arg(++m_next, 0, 16);
        return ok(action,
                  QStringLiteral("<return>true</return><groupId>%1</groupId>").arg(m_groupId));
    }
    if (action == QLatin1String("AuthorizeSecurityGroupIngress")) {
        const QString cidr = p.value(QStringLiteral("IpPermissions.1.IpRanges.1.CidrIp"));
        if (p.value(QStringLiteral("GroupId")) != m_groupId ||
            p.value(QStringLiteral("IpPermissions.1.FromPort")) != QLatin1String("22"))
            return error(400, QStringLiteral("InvalidParameterValue"), QStringLiteral("group"));
        if (m_cidrs.contains(cidr))
            return error(400, QStringLiteral("InvalidPermission.Duplicate"),
                         QStringLiteral("the specified rule already exists"));
        m_cidrs.append(cidr);
        return ok(action, QStringLiteral("<return>true</return>"));
    }
    if (action == QLatin1String("RunInstances")) {
        const QString token = p.value(QStringLiteral("ClientToken"));
        for (Machine& m : m_instances)
            if (!token.isEmpty() && m.clientToken == token)
                return ok(
                    action,
                    QStringLiteral("<instancesSet>%1</instancesSet>").arg(instanceXml(m, false)));
        const QString type = p.value(QStringLiteral("InstanceType"));
        if (m_noCapacity.contains(type))
            return error(500, QStringLiteral("InsufficientInstanceCapacity"),
                         QStringLiteral("We currently do not have sufficient %1 capacity in "
                                        "the Availability Zone you requested.")
                             .arg(type));
        if (!m_keys.contains(p.value(QStringLiteral("KeyName"))))
            return error(400, QStringLiteral("InvalidKeyPair.NotFound"),
                         QStringLiteral("The key pair does not exist"));
        Machine m;
        m.id = QStringLiteral("i-0fa%1").arg(++m_next, 0, 16);
        m.type = type;
        m.state = QStringLiteral("pending");
        m.clientToken = token;
        m.keyName = p.value(QStringLiteral("KeyName"));
        m.groupId = p.value(QStringLiteral("SecurityGroupId.1"));
        m.shutdownBehavior = p.value(QStringLiteral("InstanceInitiatedShutdownBehavior"));
        m.image = p.value(QStringLiteral("ImageId"));
        m.spot =
            p.value(QStringLiteral("InstanceMarketOptions.MarketType")) == QLatin1String("spot");
        m.volumeGb = p.value(QStringLiteral("BlockDeviceMapping.1.Ebs.VolumeSize")).toInt();
        m.name = p.value(QStringLiteral("TagSpecification.1.Tag.1.Value"));
        m.launchTime = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
        m_instances.insert(m.id, m);
        return ok(action, QStringLiteral("<reservationId>r-fake</reservationId><instancesSet>%1"
                                         "</instancesSet>")
                              .arg(instanceXml(m_instances[m.id], false)));
    }
    if (action == QLatin1String("DescribeInstances")) {
        QString items;
        if (p.contains(QStringLiteral("InstanceId.1"))) {
            Machine* m = instanceById();
            if (!m)
                return notFound;
            items = instanceXml(*m, true);
        } else {
            for (Machine& m : m_instances)
                items += instanceXml(m, true);
        }
        return ok(action, QStringLiteral("<reservationSet><item><reservationId>r-fake"
                                         "</reservationId><instancesSet>%1</instancesSet></item>"
                                         "</reservationSet>")
                              .arg(items));
    }
    if (action == QLatin1String("DescribeVolumes")) {
        // One root volume per instance: the size asked for, else the image's 100 GB.
        QStringList wanted;
        for (int n = 1; p.contains(QStringLiteral("Filter.1.Value.%1").arg(n)); ++n)
            wanted << p.value(QStringLiteral("Filter.1.Value.%1").arg(n));
        QString items;
        for (const Machine& m : std::as_const(m_instances)) {
            if (m.state == QLatin1String("terminated") || !wanted.contains(m.id))
                continue;
            items += QStringLiteral("<item><volumeId>vol-%1</volumeId><size>%2</size>"
                                    "<volumeType>gp3</volumeType><attachmentSet><item>"
                                    "<instanceId>%1</instanceId><device>/dev/sda1</device>"
                                    "</item></attachmentSet></item>")
                         .arg(m.id)
                         .arg(m.volumeGb > 0 ? m.volumeGb : 100);
        }
        return ok(action, QStringLiteral("<volumeSet>%1</volumeSet>").arg(items));
    }
    if (action == QLatin1String("StopInstances") || action == QLatin1String("StartInstances") ||
        action == QLatin1String("TerminateInstances")) {
        Machine* m = instanceById();
        if (!m)
            return notFound;
        if (action == QLatin1String("StopInstances")) {
            if (m->spot)
                return error(400, QStringLiteral("UnsupportedOperation"),
                             QStringLiteral("You can't stop the Spot Instance '%1' because it "
                                            "is associated with a one-time Spot Instance "
                                            "request.")
                                 .arg(m->id));
            if (m->state != QLatin1String("running") && m->state != QLatin1String("stopped"))
                return error(400, QStringLiteral("IncorrectInstanceState"),
                             QStringLiteral("The instance is not in a state from which it can "
                                            "be stopped."));
            if (m->state == QLatin1String("running"))
                m->state = QStringLiteral("stopping");
        } else if (action == QLatin1String("StartInstances")) {
            if (m->state == QLatin1String("stopped"))
                m->state = QStringLiteral("pending");
        } else if (m->state != QLatin1String("terminated")) {
            m->state = QStringLiteral("shutting-down");
        }
        return ok(action, QStringLiteral("<instancesSet><item><instanceId>%1</instanceId>"
                                         "<currentState><name>%2</name></currentState></item>"
                                         "</instancesSet>")
                              .arg(m->id, m->state));
    }
    return error(400, QStringLiteral("InvalidAction"), action);
}

} // namespace gpudeck::test
