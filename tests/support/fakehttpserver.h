#pragma once

#include <QHash>
#include <QList>
#include <QObject>
#include <QTcpServer>

#include <functional>

class QTcpSocket;

namespace gpudeck::test {

struct FakeHttpRequest {
    QByteArray method;
    QString path; // without the query
    QHash<QString, QString> query;
    QHash<QByteArray, QByteArray> headers; // lower-case names
    QByteArray body;
};

struct FakeHttpReply {
    int status = 200;
    QByteArray body;
    QList<std::pair<QByteArray, QByteArray>> headers;
    QByteArray contentType = "application/json";
};

// One fault to inject into the next request that matches (method and path prefix).
struct FakeHttpFault {
    enum class Kind {
        Status,          // answer `status` (429, 500...) without calling the handler
        MalformedBody,   // call the handler (state changes) but send a truncated JSON body
        DropAfterHandle, // call the handler (state changes), then close without answering
        DropBefore,      // close without answering and without calling the handler
    };
    Kind kind = Kind::Status;
    QByteArray method;  // empty: any
    QString pathPrefix; // empty: any
    int status = 500;
    QByteArray retryAfter; // sent as Retry-After when not empty (with Status 429)
    int times = 1;         // how many matching requests it hits
};

// A small HTTP/1.1 server on 127.0.0.1 for testing real HTTP clients: the shared mechanism
// every provider fake is built on (a stateful fake supplies `handler`). It is a fake because
// the real clouds cannot be reached from tests; Prism checks the same clients against the
// providers' published specs (tst_providercontract). Faults are injected per request.
class FakeHttpServer final : public QObject {
    Q_OBJECT
public:
    using Handler = std::function<FakeHttpReply(const FakeHttpRequest&)>;
    explicit FakeHttpServer(Handler handler, QObject* parent = nullptr);
    ~FakeHttpServer() override;

    // Listens on 127.0.0.1 (port 0: a free one). Returns false when it cannot.
    bool listen(quint16 port = 0);
    [[nodiscard]] quint16 port() const { return m_server.serverPort(); }
    [[nodiscard]] QString baseUrl() const;

    void inject(const FakeHttpFault& fault) { m_faults.append(fault); }
    [[nodiscard]] const QList<FakeHttpRequest>& requests() const { return m_requests; }
    // Requests seen with this method and path prefix.
    [[nodiscard]] int count(const QByteArray& method, const QString& pathPrefix) const;
    void clearRequests() { m_requests.clear(); }

    static FakeHttpReply json(int status, const QByteArray& body);

private:
    void onConnection();
    void onReadyRead(QTcpSocket* socket);
    void respond(QTcpSocket* socket, const FakeHttpReply& reply);

    Handler m_handler;
    QTcpServer m_server;
    QHash<QTcpSocket*, QByteArray> m_buffers;
    QList<FakeHttpFault> m_faults;
    QList<FakeHttpRequest> m_requests;
};

} // namespace gpudeck::test
