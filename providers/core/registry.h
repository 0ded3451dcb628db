#pragma once

#include "provider.h"

#include <functional>
#include <memory>
#include <vector>

namespace gpudeck {

// Knows every provider GPUDeck can talk to. Providers are added in one place, builtin.cpp,
// one line each.
class ProviderRegistry final {
public:
    using Factory = std::function<std::unique_ptr<Provider>(const ProviderContext&)>;
    struct Entry {
        QString id;
        QString displayName;
        Factory create;
    };

    template <typename P> void add(QString id, QString displayName)
    {
        m_entries.push_back({std::move(id), std::move(displayName),
                             [](const ProviderContext& c) { return std::make_unique<P>(c); }});
    }

    [[nodiscard]] const std::vector<Entry>& entries() const { return m_entries; }
    [[nodiscard]] const Entry* find(const QString& id) const;

    // Points every provider's API at `base` where the environment names no address of its own
    // (GPUDECK_API_BASE_<ID>): tests and benchmarks reach nothing outside this machine.
    // Returns the variables it set.
    QList<QByteArray> redirectApis(const QByteArray& base) const;

    // The registry with every built-in provider (see builtin.cpp).
    static const ProviderRegistry& builtin();

private:
    std::vector<Entry> m_entries;
};

} // namespace gpudeck
