#pragma once

#include "provider.h"

#include <QObject>

namespace gpudeck {

class RestClient;

// This computer's public IPv4 address as the outside sees it (checkip): what a firewall rule
// that opens SSH to "only me" needs (AWS's security group, GCE's firewall rule). One per
// provider, named `<provider>_checkip`, so tests point each at their own server
// (GPUDECK_API_BASE_<PROVIDER>_CHECKIP).
class PublicAddress final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PublicAddress)
public:
    PublicAddress(const QString& providerId, QObject* parent);

    void lookup(Callback<QString> done);
    void setBackoffBaseMs(int ms);

private:
    RestClient* m_client = nullptr;
};

} // namespace gpudeck
