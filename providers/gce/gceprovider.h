#pragma once

#include "gceapi.h"
#include "restprovider.h"
#include "serviceaccount.h"

#include <optional>

namespace gpudeck {

class PublicAddress;

// Google Compute Engine v1 (JSON REST). Signs in with a service-account key: an RS256 JWT
// (OpenSSL) traded at Google's token endpoint for an access token, kept until shortly before it
// expires and fetched again once when the API answers 401. GPU plans are N1 machine types with
// GPUs attached and A2 types, priced from a bundled dated table (the Compute API tells no
// prices); zones and machine specs come live. Launch: Deep Learning VM image, ssh-keys and
// startup-script metadata, a firewall rule opening port 22 to the user's address only,
// onHostMaintenance TERMINATE, spot with instanceTerminationAction STOP, and a requestId kept
// across resends so Google never makes a second VM; the insert's operation is waited for.
// Instance ids are "<zone>/<name>". GPUDECK_API_BASE_GCE replaces
// https://compute.googleapis.com/compute/v1, GPUDECK_OAUTH_TOKEN_URL the token endpoint,
// GPUDECK_API_BASE_GCE_CHECKIP the public-address check. With a Cloud Billing API key in
// GPUDECK_GCE_BILLING_API_KEY the catalog also reads Compute Engine's SKUs from the Cloud
// Billing Catalog API (https://cloudbilling.googleapis.com, GPUDECK_API_BASE_GCE_BILLING) and
// prices plans from them where they have every part of the price; any failure there leaves the
// table's prices, with the reason in the plans' notes and the log.
class GceProvider final : public RestProvider {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(GceProvider)
public:
    explicit GceProvider(const ProviderContext& context, QObject* parent = nullptr);
    ~GceProvider() override;

    QString id() const override { return QStringLiteral("gce"); }
    QString displayName() const override { return QStringLiteral("Google Compute Engine"); }
    ProviderCapabilities capabilities() const override;
    QString guardNote() const override;
    QString selfStopCommand() const override;
    void allowSshFromHere(const Instance& instance, Callback<QString> done) override;
    QString spotNote() const override;

    void getInstance(const QString& id, Callback<Instance> done) override;
    void launch(const LaunchRequest& request, Callback<Instance> done) override;
    void stop(const QString& id, Callback<Instance> done) override;
    void start(const QString& id, Callback<Instance> done) override;
    void destroy(const QString& id, Callback<void> done) override;

    // The service-account key's JSON, or the path of its file; empty:
    // GOOGLE_APPLICATION_CREDENTIALS.
    void setCredential(const QString& token) override;
    bool hasCredential() const override;
    void checkCredential(Callback<QString> done) override;

    // Opens port 22 of GPUDeck's firewall rule to the current public address (the fix when the
    // user's address changed and SSH is locked out). Answers the address.
    void allowMyAddress(Callback<QString> done);

    [[nodiscard]] QString projectId() const { return m_key.projectId; }
    [[nodiscard]] QString defaultZone() const { return m_zone; }
    // Tests shorten backoffs and the pause between operation polls.
    void setBackoffBaseMs(int ms);

protected:
    void fetchLive(Callback<Catalog> done) override;
    void listRaw(Callback<QJsonArray> done) override;
    [[nodiscard]] Instance instanceFrom(const QJsonObject& raw) const override;
    [[nodiscard]] bool carriesToken(const QJsonObject& raw,
                                    const QString& clientToken) const override;

private:
    // Runs `op` with a fresh access token; a 401 drops the token and runs it once more.
    template <typename T> void authed(std::function<void(Callback<T>)> op, Callback<T> done);
    void withToken(std::function<void(std::optional<Error>)> then);
    void tokenArrived(const Result<gce::AccessToken>& token);
    [[nodiscard]] bool tokenFresh() const;

    [[nodiscard]] QString projectPath() const;
    void aggregated(const QString& what, const QString& key, const QUrlQuery& query,
                    Callback<QJsonArray> done);
    void waitOperation(const QString& zone, QJsonObject operation, int round,
                       Callback<QJsonObject> done);
    void ensureFirewall(Callback<QString> done);
    void pickImage(const QString& wanted, Callback<QString> done);
    void insert(const LaunchRequest& request, const QString& image, Callback<Instance> done);
    void power(const QString& id, const QString& action, Callback<Instance> done);
    // Every page of Compute Engine's SKUs (the API key in the query), as rates.
    void fetchBilling(const QString& apiKey, Callback<gce::BillingRates> done);

    gce::ServiceAccountKey m_key;
    std::optional<Error> m_keyProblem;
    QString m_zone;
    QString m_accessToken;
    QDateTime m_tokenExpiry;
    bool m_tokenPending = false;
    QList<std::function<void(std::optional<Error>)>> m_tokenWaiters;
    RestClient* m_oauth = nullptr;
    QString m_oauthUrl;
    PublicAddress* m_address = nullptr;
    RestClient* m_billing = nullptr; // made when prices are first fetched with a key
    int m_billingBusy = 0;
    int m_backoffMs = 1000;
};

} // namespace gpudeck
