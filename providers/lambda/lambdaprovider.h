#pragma once

#include "restprovider.h"

namespace gpudeck {

// Lambda Cloud API v1: instance types with live capacity per region, launch with the app's key
// registered through the ssh-keys API (or an existing key with the same public key), terminate.
// No stop. Base URL overridable with GPUDECK_API_BASE_LAMBDA.
class LambdaProvider final : public RestProvider {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LambdaProvider)
public:
    explicit LambdaProvider(const ProviderContext& context, QObject* parent = nullptr);
    ~LambdaProvider() override;

    QString id() const override { return QStringLiteral("lambda"); }
    QString displayName() const override { return QStringLiteral("Lambda"); }
    ProviderCapabilities capabilities() const override;
    QString guardNote() const override;

    void getInstance(const QString& id, Callback<Instance> done) override;
    void launch(const LaunchRequest& request, Callback<Instance> done) override;
    void destroy(const QString& id, Callback<void> done) override;

    void checkCredential(Callback<QString> done) override;

protected:
    void fetchLive(Callback<Catalog> done) override;
    void listRaw(Callback<QJsonArray> done) override;
    [[nodiscard]] Instance instanceFrom(const QJsonObject& raw) const override;
    [[nodiscard]] bool carriesToken(const QJsonObject& raw,
                                    const QString& clientToken) const override;
};

} // namespace gpudeck
