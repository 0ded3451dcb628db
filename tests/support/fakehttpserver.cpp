#include "fakehttpserver.h"

#include <QTcpSocket>
#include <QUrlQuery>

namespace gpudeck::test {

namespace {

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 404:
        return "Not Found";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return "Status";
    }
}

} // namespace

FakeHttpServer::FakeHttpServer(Handler handler, QObject* parent)
    : QObject(parent)
    , m_handler(std::move(handler))
{
    connect(&m_server, &QTcpServer::newConnection, this, &FakeHttpServer::onConnection);
}

FakeHttpServer::~FakeHttpServer()
{
    // The sockets are the server's children: stop their signals reaching this half-destroyed
    // object before they go.
    for (QTcpSocket* s : m_server.findChildren<QTcpSocket*>()) {
        s->disconnect(this);
        delete s;
    }
}

bool FakeHttpServer::listen(quint16 port)
{
    return m_server.listen(QHostAddress::LocalHost, port);
}

QString FakeHttpServer::baseUrl() const
{
    return QStringLiteral("http://127.0.0.1:%1").arg(port());
}

int FakeHttpServer::count(const QByteArray& method, const QString& pathPrefix) const
{
    int n = 0;
    for (const FakeHttpRequest& r : m_requests)
        if (r.method == method && r.path.startsWith(pathPrefix))
            ++n;
    return n;
}

FakeHttpReply FakeHttpServer::json(int status, const QByteArray& body)
{
    FakeHttpReply r;
    r.status = status;
    r.body = body;
    return r;
}

void FakeHttpServer::onConnection()
{
    while (QTcpSocket* s = m_server.nextPendingConnection()) {
        connect(s, &QTcpSocket::readyRead, this, [this, s] { onReadyRead(s); });
        connect(s, &QTcpSocket::disconnected, this, [this, s] {
            m_buffers.remove(s);
            s->deleteLater();
        });
    }
}

void FakeHttpServer::onReadyRead(QTcpSocket* socket)
{
    QByteArray& buf = m_buffers[socket];
    buf += socket->readAll();
    for (;;) {
        const qsizetype headerEnd = buf.indexOf("\r\n\r\n");
        if (headerEnd < 0)
            return;
        const QList<QByteArray> lines = buf.left(headerEnd).split('\n');
        FakeHttpRequest req;
        const QList<QByteArray> start = lines.value(0).trimmed().split(' ');
        req.method = start.value(0);
        const QByteArray target = start.value(1);
        const qsizetype q = target.indexOf('?');
        req.path = QString::fromUtf8(q < 0 ? target : target.left(q));
        if (q >= 0) {
            const QUrlQuery query(QString::fromUtf8(target.mid(q + 1)));
            for (const auto& [k, v] : query.queryItems(QUrl::FullyDecoded))
                req.query.insert(k, v);
        }
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QByteArray line = lines.at(i).trimmed();
            const qsizetype colon = line.indexOf(':');
            if (colon > 0)
                req.headers.insert(line.left(colon).trimmed().toLower(),
                                   line.mid(colon + 1).trimmed());
        }
        const qsizetype length = req.headers.value("content-length", "0").toLongLong();
        if (buf.size() < headerEnd + 4 + length)
            return;
        req.body = buf.mid(headerEnd + 4, length);
        buf.remove(0, headerEnd + 4 + length);
        m_requests.append(req);

        std::optional<FakeHttpFault> fault;
        for (qsizetype i = 0; i < m_faults.size(); ++i) {
            FakeHttpFault& f = m_faults[i];
            if ((f.method.isEmpty() || f.method == req.method) &&
                req.path.startsWith(f.pathPrefix)) {
                fault = f;
                if (--f.times <= 0)
                    m_faults.removeAt(i);
                break;
            }
        }
        if (fault && fault->kind == FakeHttpFault::Kind::DropBefore) {
            socket->abort();
            return;
        }
        if (fault && fault->kind == FakeHttpFault::Kind::Status) {
            FakeHttpReply r = json(fault->status, "{\"errors\":[{\"reason\":\"injected\"}]}");
            if (!fault->retryAfter.isEmpty())
                r.headers.append({"Retry-After", fault->retryAfter});
            respond(socket, r);
            continue;
        }
        FakeHttpReply reply = m_handler(req);
        if (fault && fault->kind == FakeHttpFault::Kind::DropAfterHandle) {
            socket->abort();
            return;
        }
        if (fault && fault->kind == FakeHttpFault::Kind::MalformedBody)
            reply.body = reply.body.left(reply.body.size() / 2);
        respond(socket, reply);
    }
}

void FakeHttpServer::respond(QTcpSocket* socket, const FakeHttpReply& reply)
{
    QByteArray out =
        "HTTP/1.1 " + QByteArray::number(reply.status) + ' ' + reasonPhrase(reply.status) + "\r\n";
    out += "Content-Type: " + reply.contentType + "\r\n";
    out += "Content-Length: " + QByteArray::number(reply.body.size()) + "\r\n";
    for (const auto& [k, v] : reply.headers)
        out += k + ": " + v + "\r\n";
    out += "\r\n" + reply.body;
    socket->write(out);
}

} // namespace gpudeck::test
