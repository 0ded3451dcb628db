#pragma once

#include "fakehttpserver.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QMap>
#include <QSet>

namespace gpudeck::test {

// A stateful stand-in for the Vast.ai API on loopback (the real one cannot be reached from
// tests): an offer market searched with POST /api/v0/bundles (honouring the gpu_name, num_gpus,
// geolocation, disk_space and reliability filters), the account's SSH keys, offers accepted
// with PUT /api/v0/asks/{id} ({"success": true, "new_contract": id}; the offer then leaves the
// market), instances whose actual_status goes null → loading → running as they are polled,
// stop/start through PUT /api/v0/instances/{id} {"state"}, DELETE, then {"instances": null}.
// The instance list is paged with next_token like /api/v1/instances. Every call checks the
// Bearer key. Answers and errors follow the shapes of the published spec ({"success": false,
// "error", "msg"}, {"detail"} for 429). Running instances with a direct port report the
// configured SSH address as public_ipaddr and the host port of 22/tcp.
class FakeVast final : public QObject {
    Q_OBJECT
public:
    explicit FakeVast(QString key, QObject* parent = nullptr);

    bool listen(quint16 port = 0) { return m_server.listen(port); }
    [[nodiscard]] FakeHttpServer& server() { return m_server; }
    [[nodiscard]] QString baseUrl() const { return m_server.baseUrl(); }

    void setSsh(const QString& host, int port)
    {
        m_sshHost = host;
        m_sshPort = port;
    }
    void setPollsPerStep(int n) { m_pollsPerStep = n; }
    // A list of the machines moves each on too, as a real cloud does in time (end-to-end tests,
    // whose window refreshes by listing); off: only a GET of one machine does.
    void setAdvanceOnList(bool on) { m_advanceOnList = on; }
    void setPageSize(int n) { m_pageSize = n; }
    // The list's cursor never moves: every page is the first one, always with a next_token.
    void setStuckCursor(bool on) { m_stuckCursor = on; }
    // The next accept of this offer answers 404 no_such_ask (someone else rented it between
    // the search and the accept), although searches still list it.
    void takeOnAccept(qint64 offerId) { m_takenOnAccept.insert(offerId); }
    // Accepts are refused with 200 {"success": false, "error": "insufficient_credit"}.
    void setNoCredit(bool on) { m_noCredit = on; }
    // Replaces the market.
    void setOffers(const QJsonArray& offers) { m_offers = offers; }
    [[nodiscard]] static QJsonObject offer(qint64 id, const QString& gpu, int count, double dphBase,
                                           const QString& geolocation, double reliability = 0.995,
                                           int directPorts = 100);

    [[nodiscard]] int instanceCount() const { return int(m_instances.size()); }
    [[nodiscard]] QJsonObject instance(const QString& id) const
    {
        return m_instances.value(id).json;
    }
    // The body of the last accepted create (PUT /api/v0/asks/{id}).
    [[nodiscard]] QJsonObject lastCreate() const { return m_lastCreate; }
    [[nodiscard]] qint64 lastOffer() const { return m_lastOffer; }
    [[nodiscard]] const QJsonArray& keys() const { return m_keys; }

private:
    struct Machine {
        QJsonObject json;
        int polls = 0;
    };
    FakeHttpReply handle(const FakeHttpRequest& r);
    FakeHttpReply search(const QJsonObject& query) const;
    FakeHttpReply accept(qint64 offerId, const QJsonObject& body);
    FakeHttpReply manage(Machine& m, const QJsonObject& body);
    FakeHttpReply list(const FakeHttpRequest& r);
    void advance(Machine& m);
    void showRunning(Machine& m) const;

    FakeHttpServer m_server;
    QString m_key;
    QString m_sshHost = QStringLiteral("127.0.0.1");
    int m_sshPort = 22;
    int m_pollsPerStep = 1;
    bool m_advanceOnList = false;
    int m_pageSize = 25;
    bool m_noCredit = false;
    bool m_stuckCursor = false;
    qint64 m_nextId = 4200;
    qint64 m_lastOffer = 0;
    QJsonArray m_offers;
    QJsonArray m_keys;
    QSet<qint64> m_takenOnAccept;
    QJsonObject m_lastCreate;
    QMap<QString, Machine> m_instances;
};

} // namespace gpudeck::test
