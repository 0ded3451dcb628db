#pragma once

#include "restprovider.h"

#include <QHash>

namespace gpudeck {

// Linode (Akamai) API v4: GPU plans (no token needed), launch with the app's key inline
// (authorized_keys), shutdown/boot, delete. Base URL overridable with GPUDECK_API_BASE_LINODE.
class LinodeProvider final : public RestProvider {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LinodeProvider)
public:
    explicit LinodeProvider(const ProviderContext& context, QObject* parent = nullptr);
    ~LinodeProvider() override;

    QString id() const override { return QStringLiteral("linode"); }
    QString displayName() const override { return QStringLiteral("Linode"); }
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
    void catalogSeen(const Catalog& catalog) override;
    void listRaw(Callback<QJsonArray> done) override;
    [[nodiscard]] Instance instanceFrom(const QJsonObject& raw) const override;
    [[nodiscard]] bool carriesToken(const QJsonObject& raw,
                                    const QString& clientToken) const override;

private:
    // Plans by id (prices of listed instances); fetched once, refreshed with the catalog.
    void withPlans(std::function<void()> then);
    void power(const QString& id, const QString& action, Callback<Instance> done);

    QHash<QString, Plan> m_plans;
};

} // namespace gpudeck
