#pragma once

#include "fakehttpserver.h"
#include "sandbox/sandboxmachine.h"

#include <QTcpServer>

#include <memory>

namespace gpudeck::test {

// A "cloud" for end-to-end tests of the CLI and the window: one provider's stateful fake on
// loopback (lambda, runpod, vast, linode, digitalocean, aws, gce) whose machines are one real
// OpenSSH server, a Sandbox machine (simulated nvidia-smi) carrying the app key. RunPod and Vast.ai
// report the SSH port; Lambda, Linode, DigitalOcean, AWS and GCE always mean port 22, so a
// forwarder on `port22Address`:22 leads there (binding it needs root, as CI has; skip otherwise).
// Tests that may run at the same time use different addresses (127.0.0.22, 127.0.0.23...).
class CloudFixture final : public QObject {
public:
    explicit CloudFixture(QString port22Address = QStringLiteral("127.0.0.22"));
    ~CloudFixture() override;

    // The real sshd, with `appKey` authorised; the machine lives under `root`.
    [[nodiscard]] bool startMachine(const QString& root, const QString& helperDir,
                                    const QString& appKey);
    [[nodiscard]] const Instance& machine() const { return m_machine; }

    // The fake of `provider`, handing out the machine; its address and token exported as
    // GPUDECK_API_BASE_<ID> and the provider's token variable until the fixture goes. False
    // with `error()` when it cannot (e.g. port 22 not available).
    [[nodiscard]] bool startProvider(const QString& provider);
    void stopProvider();
    [[nodiscard]] QString error() const { return m_error; }
    [[nodiscard]] FakeHttpServer& server() { return *m_server; }
    // Where the provider says the machine is.
    [[nodiscard]] QString sshHost() const { return m_host; }
    [[nodiscard]] int sshPort() const;
    [[nodiscard]] static bool reportsPort(const QString& provider);
    [[nodiscard]] static QByteArray tokenVariable(const QString& provider);
    static constexpr const char* kToken = "e2e-token";
    static constexpr const char* kAwsSecret = "e2e-secret";

private:
    std::unique_ptr<sandbox::SandboxStore> m_machines;
    Instance m_machine;
    std::unique_ptr<QObject> m_fake;
    FakeHttpServer* m_server = nullptr;
    QTcpServer m_forward;
    QString m_provider;
    QString m_root;
    QString m_port22Address;
    QString m_host;
    QString m_error;
};

} // namespace gpudeck::test
