#pragma once

#include "provider.h"

namespace gpudeck {

// A machine the user already has (their own GPU box, a university server): reached over SSH,
// never launched or destroyed by GPUDeck. Each host is an instance of provider "ssh" whose id
// is the name the user gave it. An optional amortised $/h lets cost views include it.
struct SshHost {
    QString name; // instance id; letters, digits, . _ -
    QString host; // address, name, or ~/.ssh/config alias
    int port = 22;
    QString user;    // empty: from ~/.ssh/config or the local user name
    QString keyFile; // empty: ssh-agent and the user's usual keys
    double hourlyUsd = 0;
    bool viaSshConfig = false;
    QDateTime addedAt;

    [[nodiscard]] QJsonObject toJson() const;
    static SshHost fromJson(const QJsonObject& o);
    bool operator==(const SshHost&) const = default;
};

class SshHostProvider final : public Provider {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SshHostProvider)
public:
    explicit SshHostProvider(const ProviderContext& context, QObject* parent = nullptr);

    QString id() const override { return QStringLiteral("ssh"); }
    QString displayName() const override { return QStringLiteral("SSH hosts"); }
    ProviderCapabilities capabilities() const override;
    QString guardNote() const override;

    void fetchCatalog(Callback<Catalog> done) override;
    void listInstances(Callback<QList<Instance>> done) override;
    void getInstance(const QString& id, Callback<Instance> done) override;
    void launch(const LaunchRequest& request, Callback<Instance> done) override;
    void destroy(const QString& id, Callback<void> done) override;

    // The host list is a small file the user owns; these change it at once.
    [[nodiscard]] Result<QList<SshHost>> hosts() const;
    [[nodiscard]] Result<void> addHost(SshHost host);
    [[nodiscard]] Result<void> removeHost(const QString& name);

    [[nodiscard]] static Instance toInstance(const SshHost& host);

private:
    [[nodiscard]] Result<void> save(const QList<SshHost>& hosts) const;
    QString m_file;
};

} // namespace gpudeck
