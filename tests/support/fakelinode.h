#pragma once

#include "fakehttpserver.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QMap>

namespace gpudeck::test {

// A stateful stand-in for the Linode API v4 on loopback (the real one cannot be reached from
// tests): GPU types, regions, availability, profile, and instances that go provisioning →
// booting → running as they are polled, shutdown/boot, delete. Answers follow the shapes of the
// published spec and the recorded cassettes. Instances get `sshHost` as their address.
class FakeLinode final : public QObject {
    Q_OBJECT
public:
    explicit FakeLinode(QString token, QObject* parent = nullptr);

    bool listen(quint16 port = 0) { return m_server.listen(port); }
    [[nodiscard]] FakeHttpServer& server() { return m_server; }
    [[nodiscard]] QString baseUrl() const { return m_server.baseUrl(); }

    void setSshHost(const QString& host) { m_sshHost = host; }
    // Regions where the first GPU plan has no capacity (create answers Linode's 400).
    void setSoldOut(const QString& region) { m_soldOut = region; }
    void setPageSize(int n) { m_pageSize = n; }
    // GETs of an instance before it moves on (provisioning → booting → running).
    void setPollsPerStep(int n) { m_pollsPerStep = n; }
    // A list of the machines moves each on too, as a real cloud does in time (end-to-end tests,
    // whose window refreshes by listing); off: only a GET of one machine does.
    void setAdvanceOnList(bool on) { m_advanceOnList = on; }

    [[nodiscard]] int instanceCount() const { return int(m_instances.size()); }
    [[nodiscard]] QJsonObject instance(qint64 id) const { return m_instances.value(id).json; }
    [[nodiscard]] QStringList authorizedKeys(qint64 id) const { return m_instances.value(id).keys; }

private:
    struct Machine {
        QJsonObject json;
        QStringList keys;
        int polls = 0;
    };
    FakeHttpReply handle(const FakeHttpRequest& r);
    FakeHttpReply page(const QJsonArray& all, const FakeHttpRequest& r) const;
    void advance(Machine& m);

    FakeHttpServer m_server;
    QString m_token;
    QString m_sshHost = QStringLiteral("127.0.0.1");
    QString m_soldOut;
    int m_pageSize = 100;
    int m_pollsPerStep = 1;
    bool m_advanceOnList = false;
    qint64 m_nextId = 82372947;
    QMap<qint64, Machine> m_instances;
};

} // namespace gpudeck::test
