#include "cloudfixture.h"

#include "fakedigitalocean.h"
#include "fakeec2.h"
#include "fakegce.h"
#include "fakelambda.h"
#include "fakelinode.h"
#include "fakerunpod.h"
#include "fakevast.h"

#include <QTcpSocket>
#include <QTest>
#include <QUuid>

namespace gpudeck::test {

CloudFixture::CloudFixture(QString port22Address)
    : m_port22Address(std::move(port22Address))
{}

CloudFixture::~CloudFixture()
{
    stopProvider();
    if (m_machines && !m_machine.id.isEmpty())
        (void)m_machines->destroy(m_machine.id);
}

bool CloudFixture::startMachine(const QString& root, const QString& helperDir,
                                const QString& appKey)
{
    sandbox::Timing fast;
    fast.provisionMs = 0;
    fast.bootMs = 0;
    m_root = root;
    m_machines = std::make_unique<sandbox::SandboxStore>(root, helperDir, fast);
    LaunchRequest req;
    req.planId = QStringLiteral("a100-1x");
    req.name = QStringLiteral("cloud");
    req.sshPublicKeys = {appKey};
    req.clientToken = QUuid::createUuid().toString(QUuid::WithoutBraces);
    const Result<Instance> made = m_machines->launch(req);
    if (!made.ok()) {
        m_error = made.error().message;
        return false;
    }
    m_machine = made.value();
    return QTest::qWaitFor(
        [&] {
            const Result<Instance> now = m_machines->get(made->id);
            if (now.ok())
                m_machine = now.value();
            return now.ok() && m_machine.status == InstanceStatus::Running;
        },
        30000);
}

bool CloudFixture::reportsPort(const QString& provider)
{
    return provider == QLatin1String("runpod") || provider == QLatin1String("vast");
}

QByteArray CloudFixture::tokenVariable(const QString& provider)
{
    static const QHash<QString, QByteArray> vars{
        {QStringLiteral("lambda"), "LAMBDA_API_KEY"},
        {QStringLiteral("runpod"), "RUNPOD_API_KEY"},
        {QStringLiteral("vast"), "VAST_API_KEY"},
        {QStringLiteral("linode"), "LINODE_TOKEN"},
        {QStringLiteral("digitalocean"), "DIGITALOCEAN_TOKEN"},
        {QStringLiteral("aws"), "AWS_ACCESS_KEY_ID"},
        {QStringLiteral("gce"), "GOOGLE_APPLICATION_CREDENTIALS"}};
    return vars.value(provider);
}

int CloudFixture::sshPort() const
{
    return reportsPort(m_provider) ? m_machine.sshPort : 22;
}

bool CloudFixture::startProvider(const QString& provider)
{
    stopProvider();
    m_provider = provider;
    m_host = QStringLiteral("127.0.0.1");
    if (!reportsPort(provider)) {
        m_host = m_port22Address;
        const quint16 target = quint16(m_machine.sshPort);
        if (!m_forward.listen(QHostAddress(m_host), 22)) {
            m_error = QStringLiteral("%1 machines are reached on port 22, and this test cannot "
                                     "listen on %2:22 (%3; it needs root, as CI has).")
                          .arg(provider, m_host, m_forward.errorString());
            return false;
        }
        // Every connection to that address, port 22, goes on to the machine's sshd.
        connect(&m_forward, &QTcpServer::newConnection, this, [this, target] {
            while (QTcpSocket* in = m_forward.nextPendingConnection()) {
                auto* out = new QTcpSocket(in);
                connect(in, &QTcpSocket::readyRead, out, [in, out] { out->write(in->readAll()); });
                connect(out, &QTcpSocket::readyRead, in, [in, out] { in->write(out->readAll()); });
                connect(in, &QTcpSocket::disconnected, out, &QTcpSocket::disconnectFromHost);
                connect(out, &QTcpSocket::disconnected, in, &QTcpSocket::disconnectFromHost);
                connect(in, &QTcpSocket::disconnected, in, &QObject::deleteLater);
                out->connectToHost(QHostAddress::LocalHost, target);
            }
        });
    }
    const QString token = QString::fromLatin1(kToken);
    const auto take = [this](auto* f) {
        m_server = &f->server();
        m_fake.reset(f);
        return f->listen();
    };
    bool listening = false;
    if (provider == QLatin1String("lambda")) {
        auto* f = new FakeLambda(token);
        f->setSshHost(m_host);
        listening = take(f);
    } else if (provider == QLatin1String("runpod")) {
        auto* f = new FakeRunPod(token);
        f->setAdvanceOnList(true);
        f->setSsh(m_host, m_machine.sshPort);
        listening = take(f);
    } else if (provider == QLatin1String("vast")) {
        auto* f = new FakeVast(token);
        f->setAdvanceOnList(true);
        f->setSsh(m_host, m_machine.sshPort);
        listening = take(f);
    } else if (provider == QLatin1String("linode")) {
        auto* f = new FakeLinode(token);
        f->setAdvanceOnList(true);
        f->setSshHost(m_host);
        listening = take(f);
    } else if (provider == QLatin1String("digitalocean")) {
        auto* f = new FakeDigitalOcean(token);
        f->setAdvanceOnList(true);
        f->setSshHost(m_host);
        listening = take(f);
    } else if (provider == QLatin1String("aws")) {
        // The access key is the token; the secret signs every request (the fake checks it).
        auto* f = new FakeEc2(token, QString::fromLatin1(kAwsSecret));
        f->setSshHost(m_host);
        listening = take(f);
        if (listening) {
            qputenv("GPUDECK_API_BASE_AWS_CHECKIP", f->checkIpUrl().toUtf8());
            qputenv("AWS_SECRET_ACCESS_KEY", kAwsSecret);
            qputenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent");
            qunsetenv("AWS_PROFILE");
            qunsetenv("AWS_SESSION_TOKEN");
            qputenv("AWS_REGION", "us-east-1");
        }
    } else if (provider == QLatin1String("gce")) {
        // A service-account key file, as `gcloud iam service-accounts keys create` writes it.
        auto* f = new FakeGce();
        f->setSshHost(m_host);
        f->setAdvanceOnList(true);
        listening = take(f);
        const QString keyFile = m_root + QStringLiteral("/gce-key.json");
        if (listening && f->writeKeyFile(keyFile)) {
            qputenv("GPUDECK_OAUTH_TOKEN_URL", f->tokenUrl().toUtf8());
            qputenv("GPUDECK_API_BASE_GCE_CHECKIP", f->checkIpUrl().toUtf8());
            qputenv(tokenVariable(provider).constData(), keyFile.toUtf8());
            qputenv("GPUDECK_API_BASE_GCE", f->baseUrl().toUtf8()); // …/compute/v1
            return true;
        }
        listening = false;
    }
    if (!listening) {
        m_error = QStringLiteral("no fake for %1, or it cannot listen").arg(provider);
        return false;
    }
    const QByteArray base = "GPUDECK_API_BASE_" + provider.toUpper().toLatin1();
    qputenv(base.constData(), m_server->baseUrl().toUtf8());
    qputenv(tokenVariable(provider).constData(), kToken);
    return true;
}

void CloudFixture::stopProvider()
{
    if (!m_provider.isEmpty()) {
        qunsetenv(QByteArray("GPUDECK_API_BASE_" + m_provider.toUpper().toLatin1()).constData());
        qunsetenv(tokenVariable(m_provider).constData());
        if (m_provider == QLatin1String("gce")) {
            qunsetenv("GPUDECK_OAUTH_TOKEN_URL");
            qunsetenv("GPUDECK_API_BASE_GCE_CHECKIP");
        }
        if (m_provider == QLatin1String("aws")) {
            for (const char* v : {"GPUDECK_API_BASE_AWS_CHECKIP", "AWS_SECRET_ACCESS_KEY",
                                  "AWS_SHARED_CREDENTIALS_FILE", "AWS_REGION"})
                qunsetenv(v);
        }
    }
    m_forward.close();
    disconnect(&m_forward, nullptr, this, nullptr);
    m_server = nullptr;
    m_fake.reset();
    m_provider.clear();
}

} // namespace gpudeck::test
