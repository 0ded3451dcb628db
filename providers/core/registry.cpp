#include "registry.h"

namespace gpudeck {

const ProviderRegistry::Entry* ProviderRegistry::find(const QString& id) const
{
    for (const Entry& e : m_entries) {
        if (e.id == id)
            return &e;
    }
    return nullptr;
}

} // namespace gpudeck
