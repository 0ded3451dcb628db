#pragma once

#include "restprovider.h"

namespace gpudeck {

// DigitalOcean API v2: GPU Droplet sizes with prices and the regions that can take them now,
// launch with the app's key registered through /v2/account/keys, power off/on, destroy.
// Every call, the size list included, needs a token; without one the catalog is the cached or
// bundled one. Base URL overridable with GPUDECK_API_BASE_DIGITALOCEAN.
class DigitalOceanProvider final : public RestProvider {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DigitalOceanProvider)
public:
    explicit DigitalOceanProvider(const ProviderContext& context, QObject* parent = nullptr);
    ~DigitalOceanProvider() override;

    QString id() const override { return QStringLiteral("digitalocean"); }
    QString displayName() const override { return QStringLiteral("DigitalOcean"); }
    ProviderCapabilities capabilities() const override;
    QString guardNote() const override;

    void getInstance(const QString& id, Callback<Instance> done) override;
    void launch(const LaunchRequest& request, Callback<Instance> done) override;
    void stop(const QString& id, Callback<Instance> done) override;
    void start(const QString& id, Callback<Instance> done) override;
    void destroy(const QString& id, Callback<void> done) override;

    void checkCredential(Callback<QString> done) override;

protected:
    void fetchLive(Callback<Catalog> done) override;
    void listRaw(Callback<QJsonArray> done) override;
    [[nodiscard]] Instance instanceFrom(const QJsonObject& raw) const override;
    [[nodiscard]] bool carriesToken(const QJsonObject& raw,
                                    const QString& clientToken) const override;

private:
    void action(const QString& id, const QString& type, Callback<Instance> done);
};

} // namespace gpudeck
