#pragma once

#include "provider.h"

namespace gpudeck {

// Google Colab: notebooks, not machines. Colab has no API to start a runtime, so GPUDeck only
// lists its offers beside the clouds' plans for comparison (with their published limits and
// prices, dated) and says what to do instead: open a notebook in the browser, or add a runtime
// that is reachable over SSH as an SSH host. No account, no instances, nothing to guard.
class ColabProvider final : public Provider {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ColabProvider)
public:
    explicit ColabProvider(const ProviderContext& context, QObject* parent = nullptr);

    QString id() const override { return QStringLiteral("colab"); }
    QString displayName() const override { return QStringLiteral("Google Colab"); }
    ProviderCapabilities capabilities() const override;
    QString guardNote() const override;
    QString noLaunchNote() const override;

    void fetchCatalog(Callback<Catalog> done) override;
    void listInstances(Callback<QList<Instance>> done) override;
    void getInstance(const QString& id, Callback<Instance> done) override;
    void launch(const LaunchRequest& request, Callback<Instance> done) override;
    void destroy(const QString& id, Callback<void> done) override;

    // Colab's offers as published (dated by Plan::fetchedAt): nothing here is fetched.
    [[nodiscard]] static QList<Plan> offers();
};

} // namespace gpudeck
