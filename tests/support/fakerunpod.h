#pragma once

#include "fakehttpserver.h"

#include <QJsonObject>
#include <QMap>

namespace gpudeck::test {

// A stateful stand-in for the RunPod REST API v2 on loopback (the real one cannot be reached
// from tests): the GPU catalog, and pods that go PROVISIONING → STARTING → RUNNING as they are
// polled, stop (EXITED) / start, delete (then 404). Answers follow the shapes of the published
// spec's examples, errors are problem+json. Running pods report `sshHost`:`sshPort` as their
// direct TCP SSH endpoint (RunPod maps port 22 to another public port).
class FakeRunPod final : public QObject {
    Q_OBJECT
public:
    explicit FakeRunPod(QString token, QObject* parent = nullptr);

    bool listen(quint16 port = 0) { return m_server.listen(port); }
    [[nodiscard]] FakeHttpServer& server() { return m_server; }
    [[nodiscard]] QString baseUrl() const { return m_server.baseUrl(); }

    void setSsh(const QString& host, int port)
    {
        m_sshHost = host;
        m_sshPort = port;
    }
    void setSoldOut(const QString& dataCenter) { m_soldOut = dataCenter; }
    void setPollsPerStep(int n) { m_pollsPerStep = n; }
    // A list of the machines moves each on too, as a real cloud does in time (end-to-end tests,
    // whose window refreshes by listing); off: only a GET of one machine does.
    void setAdvanceOnList(bool on) { m_advanceOnList = on; }

    [[nodiscard]] int podCount() const { return int(m_pods.size()); }
    [[nodiscard]] QJsonObject pod(const QString& id) const { return m_pods.value(id).json; }

private:
    struct Pod {
        QJsonObject json;
        int polls = 0;
    };
    FakeHttpReply handle(const FakeHttpRequest& r);
    void advance(Pod& p);

    FakeHttpServer m_server;
    QString m_token;
    QString m_sshHost = QStringLiteral("127.0.0.1");
    int m_sshPort = 22;
    QString m_soldOut;
    int m_pollsPerStep = 1;
    bool m_advanceOnList = false;
    int m_nextId = 1;
    QMap<QString, Pod> m_pods;
};

} // namespace gpudeck::test
