#pragma once

#include "provider.h"
#include "result.h"

#include <QHash>
#include <QObject>

#include <functional>

namespace gpudeck {

class Fleet;
class SecretStore;

// The one place a cloud provider gets its credential from, for the window (Settings →
// Accounts) and anything else that opens a Fleet: the provider's conventional environment
// variable wins (LINODE_TOKEN...: what gpudeck-cli uses), else the token saved in the system
// keychain, else whatever the provider finds itself (AWS: ~/.aws/credentials). Tokens go to the
// keychain only (SecretStore), never to a file; saving checks them with the provider first.
class Accounts final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Accounts)
public:
    enum class Source {
        None,        // no credential: the catalog shows what needs no account
        Environment, // the provider's environment variable
        Keychain,    // saved in the system keychain by GPUDeck
        Provider,    // found by the provider itself (e.g. AWS's own configuration)
    };
    struct Status {
        QString providerId;
        QString displayName;
        QByteArray variable; // the environment variable that overrides the keychain, if any
        Source source = Source::None;
        QString problem; // why the keychain could not be read, if it could not
    };

    Accounts(Fleet& fleet, SecretStore& store, QObject* parent = nullptr);
    ~Accounts() override;

    // Reads every provider's credential (environment, then keychain) and hands it over; `done`
    // once all have answered. Providers without accounts (Sandbox, SSH hosts) are left alone.
    // gpudeck-cli reads the environment only (no keychain prompt or D-Bus wait in a script):
    // then `done` is called before load() returns.
    enum class Keychain { Read, Skip };
    void load(std::function<void()> done = {}, Keychain keychain = Keychain::Read);

    // The providers that take an account, in the registry's order.
    [[nodiscard]] QList<Status> statuses() const;
    [[nodiscard]] Status status(const QString& providerId) const;

    // Checks `token` with the provider (a cheap authenticated call) and, if the provider takes
    // it, saves it in the keychain and uses it. On success: who the token belongs to. A token
    // the provider refuses is neither saved nor used; when the provider cannot be reached the
    // token is not saved either (the error says so: try again when online).
    void save(const QString& providerId, const QString& token, Callback<QString> done);
    // Forgets the saved token (keychain and provider). The environment's, if set, stays in use.
    void remove(const QString& providerId, Callback<void> done);
    // Checks the credential in use.
    void check(const QString& providerId, Callback<QString> done);

signals:
    // A provider's credential changed (saved, removed, or loaded at start).
    void changed(const QString& providerId);

private:
    [[nodiscard]] Result<Provider*> accountProvider(const QString& providerId) const;
    void settle(Provider* p, Source source, const QString& token, const QString& problem = {});
    // What a keychain read found: its token, none, or the keychain's problem.
    void settleRead(Provider* p, const Result<QString>& token);

    Fleet& m_fleet;
    SecretStore& m_store;
    QHash<QString, Status> m_status;
    QHash<QString, QString> m_tokens; // the token each provider was given by settle()
    // Bumped by every completed save and remove: a keychain read started earlier (load) must not
    // undo them.
    QHash<QString, int> m_changes;
};

} // namespace gpudeck
