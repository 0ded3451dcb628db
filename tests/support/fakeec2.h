#pragma once

#include "fakehttpserver.h"

#include <QMap>
#include <QSet>

namespace gpudeck::test {

// A stateful stand-in for the EC2 Query API on loopback (AWS cannot be reached from tests). It
// checks every request's Signature V4 the way AWS does: known access key, credential scope,
// x-amz-date within 5 minutes, and the signature recomputed from the secret over the request
// as received — a wrong secret or a changed byte is refused with AuthFailure. Instances go
// pending → running as they are described, stopping → stopped, shutting-down → terminated.
// Throttling (503 RequestLimitExceeded) and capacity errors are injected on demand.
class FakeEc2 final : public QObject {
    Q_OBJECT
public:
    FakeEc2(QString accessKey, QString secret, QObject* parent = nullptr);

    bool listen() { return m_server.listen() && m_checkIp.listen(); }
    [[nodiscard]] FakeHttpServer& server() { return m_server; }
    [[nodiscard]] QString baseUrl() const { return m_server.baseUrl(); }
    [[nodiscard]] QString checkIpUrl() const { return m_checkIp.baseUrl(); }

    void throttleNext(int n) { m_throttle = n; }
    void noCapacityFor(const QString& type) { m_noCapacity.insert(type); }
    void setPollsPerStep(int n) { m_pollsPerStep = n; }
    // The public address running instances report (end-to-end tests: where their sshd is).
    void setSshHost(const QString& host) { m_sshHost = host; }
    // What the public-address check answers (the user moved to another network).
    void setPublicAddress(const QString& ip) { m_publicIp = ip; }

    struct Machine {
        QString id, type, state, clientToken, keyName, groupId, shutdownBehavior, name, image;
        bool spot = false;
        int volumeGb = 0;
        int polls = 0;
        QString launchTime;
    };
    [[nodiscard]] int instanceCount() const { return int(m_instances.size()); }
    [[nodiscard]] Machine machine(const QString& id) const { return m_instances.value(id); }
    [[nodiscard]] QStringList keyPairs() const { return m_keys.keys(); }
    [[nodiscard]] QStringList sshCidrs() const { return m_cidrs; }
    [[nodiscard]] int rejectedSignatures() const { return m_rejected; }
    [[nodiscard]] int actionCount(const QString& action) const { return m_actions.value(action); }

private:
    FakeHttpReply handle(const FakeHttpRequest& r);
    [[nodiscard]] QString verifySignature(const FakeHttpRequest& r) const;
    FakeHttpReply error(int status, const QString& code, const QString& message) const;
    FakeHttpReply ok(const QString& action, const QString& inner) const;
    QString instanceXml(Machine& m, bool advance);

    FakeHttpServer m_server;
    FakeHttpServer m_checkIp;
    QString m_accessKey, m_secret;
    QString m_sshHost = QStringLiteral("127.0.0.1");
    QString m_publicIp = QStringLiteral("203.0.113.7");
    int m_throttle = 0;
    int m_pollsPerStep = 1;
    int m_rejected = 0;
    int m_next = 0x1000;
    QSet<QString> m_noCapacity;
    QMap<QString, Machine> m_instances;
    QMap<QString, QString> m_keys;
    QString m_groupId;
    QStringList m_cidrs;
    QHash<QString, int> m_actions;
};

} // namespace gpudeck::test
