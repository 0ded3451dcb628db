#pragma once

#include "provider.h"
#include "sigv4.h"

#include <QHash>
#include <QUrlQuery>

namespace gpudeck {

class PublicAddress;

class RestClient;
struct XmlNode;

// Amazon EC2 through its Query API, signed with Signature V4: GPU instance types with prices
// from a bundled dated table and live spot prices, deep-learning AMIs, ImportKeyPair, a
// security group open on port 22 to the user's address only, RunInstances with a ClientToken
// (AWS deduplicates a resent launch) and shutdown behaviour "terminate" for the on-instance
// watchdog, Describe/Stop/Start/Terminate. One endpoint per region
// (https://ec2.<region>.amazonaws.com); GPUDECK_API_BASE_AWS sends every region to one address.
// The user's public address comes from checkip (GPUDECK_API_BASE_AWS_CHECKIP overrides).
class Ec2Provider final : public Provider {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Ec2Provider)
public:
    explicit Ec2Provider(const ProviderContext& context, QObject* parent = nullptr);
    ~Ec2Provider() override;

    QString id() const override { return QStringLiteral("aws"); }
    QString displayName() const override { return QStringLiteral("AWS EC2"); }
    ProviderCapabilities capabilities() const override;
    QString guardNote() const override;
    QString selfStopCommand() const override;
    void allowSshFromHere(const Instance& instance, Callback<QString> done) override;
    // Deep-learning AMIs on Ubuntu log in as ubuntu, Amazon Linux as ec2-user, some as root.
    QStringList loginUsers(const Instance& instance) const override;
    QString spotNote() const override;

    void fetchCatalog(Callback<Catalog> done) override;
    void listInstances(Callback<QList<Instance>> done) override;
    void getInstance(const QString& id, Callback<Instance> done) override;
    void launch(const LaunchRequest& request, Callback<Instance> done) override;
    void stop(const QString& id, Callback<Instance> done) override;
    void start(const QString& id, Callback<Instance> done) override;
    void destroy(const QString& id, Callback<void> done) override;

    void setCredential(const QString& token) override;
    bool hasCredential() const override;
    void checkCredential(Callback<QString> done) override;

    // Opens port 22 of GPUDeck's security group in `region` to the current public address
    // (the one-click fix when the user's address changed and SSH is locked out).
    void allowMyAddress(const QString& region, Callback<QString> done);

    [[nodiscard]] RestClient& rest(const QString& region);
    // Tests shorten backoffs for every regional client.
    void setBackoffBaseMs(int ms);
    [[nodiscard]] QString defaultRegionId() const { return m_region; }

private:
    void call(const QString& region, const QString& action, const QUrlQuery& params,
              Callback<XmlNode> done, bool idempotent = true);
    void withPlans(const QString& region, std::function<void()> then);
    // Fills in each instance's EBS size (DescribeVolumes).
    void withVolumes(const QString& region, QList<Instance> list, Callback<QList<Instance>> done);
    void fetchLive(const QString& region, Callback<Catalog> done);
    void ensureKeyPair(const QString& region, const QString& publicKey, Callback<QString> done);
    void ensureSecurityGroup(const QString& region, Callback<QString> done);
    void openSsh(const QString& region, const QString& groupId, Callback<QString> done);
    void pickImage(const QString& region, const QString& wanted, Callback<QString> done);
    void power(const QString& id, const QString& action, Callback<Instance> done);

    ProviderContext m_context;
    QString m_region;
    QString m_stored; // keychain value, may be empty (then environment, then profile)
    aws::AwsCredentials m_credentials;
    QHash<QString, RestClient*> m_clients;
    PublicAddress* m_address = nullptr;
    int m_backoffMs = 1000;
    QHash<QString, Plan> m_plans;
};

} // namespace gpudeck
