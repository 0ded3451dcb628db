#pragma once

#include "fakehttpserver.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QMap>

namespace gpudeck::test {

// A stateful stand-in for the DigitalOcean API v2 on loopback (the real one cannot be reached
// from tests): account, GPU and CPU sizes, regions, SSH keys, and Droplets that go new → active
// (with a public address) as they are polled, shutdown → off, power_on → active, delete (then
// 404). Every call needs the token, as on DigitalOcean. Answers follow the shapes of the
// published spec's examples; lists page with links.pages.next as absolute URLs of the real API.
class FakeDigitalOcean final : public QObject {
    Q_OBJECT
public:
    explicit FakeDigitalOcean(QString token, QObject* parent = nullptr);

    bool listen(quint16 port = 0) { return m_server.listen(port); }
    [[nodiscard]] FakeHttpServer& server() { return m_server; }
    [[nodiscard]] QString baseUrl() const { return m_server.baseUrl(); }

    void setSshHost(const QString& host) { m_sshHost = host; }
    // A region where no GPU size can be created now (create answers DigitalOcean's 422).
    void setSoldOut(const QString& region) { m_soldOut = region; }
    void setPageSize(int n) { m_pageSize = n; }
    // GETs of a Droplet before it moves on (new → active, active → off after a shutdown).
    void setPollsPerStep(int n) { m_pollsPerStep = n; }
    // A list of the machines moves each on too, as a real cloud does in time (end-to-end tests,
    // whose window refreshes by listing); off: only a GET of one machine does.
    void setAdvanceOnList(bool on) { m_advanceOnList = on; }
    // The next `n` requests answer 429 with ratelimit-reset `resetInSec` seconds from now and no
    // Retry-After, as DigitalOcean does.
    void throttleNext(int n, int resetInSec)
    {
        m_throttle = n;
        m_resetInSec = resetInSec;
    }

    [[nodiscard]] int dropletCount() const { return int(m_droplets.size()); }
    [[nodiscard]] QJsonObject droplet(qint64 id) const { return m_droplets.value(id).json; }
    [[nodiscard]] QJsonArray keys() const { return m_keys; }

private:
    struct Droplet {
        QJsonObject json;
        QString pending; // the status the next polls lead to
        int polls = 0;
    };
    FakeHttpReply handle(const FakeHttpRequest& r);
    FakeHttpReply page(const QString& key, const QJsonArray& all, const FakeHttpRequest& r) const;
    void advance(Droplet& d);

    FakeHttpServer m_server;
    QString m_token;
    QString m_sshHost = QStringLiteral("127.0.0.1");
    QString m_soldOut;
    int m_pageSize = 20;
    int m_pollsPerStep = 1;
    bool m_advanceOnList = false;
    int m_throttle = 0;
    int m_resetInSec = 1;
    qint64 m_nextId = 448543583;
    qint64 m_nextKeyId = 512189;
    QJsonArray m_keys;
    QMap<qint64, Droplet> m_droplets;
};

} // namespace gpudeck::test
