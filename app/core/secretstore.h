#pragma once

#include "provider.h"
#include "result.h"

#include <QObject>

namespace gpudeck {

// Provider tokens in the system keychain (Secret Service, KWallet... through QtKeychain), never
// in QSettings, files or logs. Without a keychain every call fails with a message saying so:
// there is no plain-text fallback. Asynchronous; callbacks come back on this object's thread.
class SecretStore final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SecretStore)
public:
    explicit SecretStore(QObject* parent = nullptr);
    ~SecretStore() override;

    // The token, or NotFound when none is stored for this provider.
    void read(const QString& providerId, Callback<QString> done);
    void write(const QString& providerId, const QString& token, Callback<void> done);
    // Removing a token that is not there is not an error.
    void remove(const QString& providerId, Callback<void> done);

    // The environment variable gpudeck-cli reads the provider's token from (LINODE_TOKEN...),
    // empty for providers without accounts.
    [[nodiscard]] static QByteArray environmentVariable(const QString& providerId);
    // The keychain service name; tests use their own.
    void setService(const QString& service) { m_service = service; }

private:
    QString m_service = QStringLiteral("GPUDeck");
};

} // namespace gpudeck
