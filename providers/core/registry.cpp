#include "registry.h"

#include "restclient.h"

namespace gpudeck {

const ProviderRegistry::Entry* ProviderRegistry::find(const QString& id) const
{
    for (const Entry& e : m_entries) {
        if (e.id == id)
            return &e;
    }
    return nullptr;
}

QList<QByteArray> ProviderRegistry::redirectApis(const QByteArray& base) const
{
    QList<QByteArray> set;
    for (const Entry& e : m_entries) {
        const QByteArray var = RestClient::baseUrlVariable(e.id);
        if (!qEnvironmentVariableIsSet(var.constData())) {
            qputenv(var.constData(), base);
            set << var;
        }
    }
    return set;
}

} // namespace gpudeck
