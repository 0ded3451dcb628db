#pragma once

#include "fakehttpserver.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QMap>

namespace gpudeck::test {

// A stateful stand-in for the Lambda Cloud API v1 on loopback (the real one cannot be reached
// from tests): instance types with capacity per region, images, SSH keys, and instances that go
// booting → active as they are polled, terminate (then 404). Answers follow the shapes of the
// published spec's examples. Instances get `sshHost` as their address.
class FakeLambda final : public QObject {
    Q_OBJECT
public:
    explicit FakeLambda(QString token, QObject* parent = nullptr);

    bool listen(quint16 port = 0) { return m_server.listen(port); }
    [[nodiscard]] FakeHttpServer& server() { return m_server; }
    [[nodiscard]] QString baseUrl() const { return m_server.baseUrl(); }

    void setSshHost(const QString& host) { m_sshHost = host; }
    // A region where launches answer insufficient capacity.
    void setSoldOut(const QString& region) { m_soldOut = region; }
    void setPollsPerStep(int n) { m_pollsPerStep = n; }
    void addKey(const QString& name, const QString& publicKey);

    [[nodiscard]] int instanceCount() const { return int(m_instances.size()); }
    [[nodiscard]] QJsonObject instance(const QString& id) const
    {
        return m_instances.value(id).json;
    }
    [[nodiscard]] QJsonArray keys() const { return m_keys; }
    // The key names the launch of this instance named.
    [[nodiscard]] QStringList launchKeys(const QString& id) const
    {
        return m_instances.value(id).keyNames;
    }

private:
    struct Machine {
        QJsonObject json;
        QStringList keyNames;
        int polls = 0;
    };
    FakeHttpReply handle(const FakeHttpRequest& r);

    FakeHttpServer m_server;
    QString m_token;
    QString m_sshHost = QStringLiteral("127.0.0.1");
    QString m_soldOut;
    int m_pollsPerStep = 1;
    int m_nextId = 1;
    QJsonArray m_keys;
    QMap<QString, Machine> m_instances;
};

} // namespace gpudeck::test
