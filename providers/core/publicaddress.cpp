#include "publicaddress.h"

#include "restclient.h"

#include <QHostAddress>

namespace gpudeck {

PublicAddress::PublicAddress(const QString& providerId, QObject* parent)
    : QObject(parent)
{
    RestConfig config;
    config.providerId = providerId + QStringLiteral("_checkip");
    config.providerName = QStringLiteral("the address check");
    config.defaultBaseUrl = QStringLiteral("https://checkip.amazonaws.com");
    m_client = new RestClient(config, this);
}

void PublicAddress::setBackoffBaseMs(int ms)
{
    m_client->setBackoffBaseMs(ms);
}

void PublicAddress::lookup(Callback<QString> done)
{
    RestRequest r;
    r.path = QStringLiteral("/");
    r.authenticated = false;
    r.jsonAnswer = false;
    m_client->send(r, [done](Result<RestResponse> res) {
        if (!res.ok()) {
            done(res.error());
            return;
        }
        const QString ip = QString::fromLatin1(res.value().body).trimmed();
        QHostAddress addr;
        if (!addr.setAddress(ip) || addr.protocol() != QAbstractSocket::IPv4Protocol) {
            done(makeError(ErrorCode::Network,
                           QStringLiteral("GPUDeck could not learn this computer's public IPv4 "
                                          "address, so it cannot open SSH to it alone."),
                           QStringLiteral("checkip answered: %1").arg(ip.left(80))));
            return;
        }
        done(ip);
    });
}

} // namespace gpudeck
