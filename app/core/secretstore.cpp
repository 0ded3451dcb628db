#include "secretstore.h"

#include <qt6keychain/keychain.h>

#include <QHash>

namespace gpudeck {

namespace {

QString keyFor(const QString& providerId)
{
    return QStringLiteral("provider-token/") + providerId;
}

Error keychainError(QKeychain::Error code, const QString& detail, const QString& what)
{
    switch (code) {
    case QKeychain::NoBackendAvailable:
    case QKeychain::NotImplemented:
        return makeError(ErrorCode::MissingDependency,
                         QStringLiteral("No system keychain is available, so GPUDeck cannot %1. "
                                        "Install and unlock one (GNOME Keyring or KWallet); "
                                        "GPUDeck never keeps tokens in plain text. gpudeck-cli "
                                        "also reads tokens from the environment.")
                             .arg(what),
                         detail);
    case QKeychain::AccessDeniedByUser:
    case QKeychain::AccessDenied:
        return makeError(ErrorCode::Forbidden,
                         QStringLiteral("The keychain refused access, so GPUDeck cannot %1. "
                                        "Unlock the keychain and try again.")
                             .arg(what),
                         detail);
    case QKeychain::EntryNotFound:
        return makeError(ErrorCode::NotFound, QStringLiteral("No token is stored."), detail);
    default:
        return makeError(ErrorCode::Io,
                         QStringLiteral("The keychain failed, so GPUDeck cannot %1.").arg(what),
                         detail);
    }
}

} // namespace

SecretStore::SecretStore(QObject* parent)
    : QObject(parent)
{}

SecretStore::~SecretStore() = default;

QByteArray SecretStore::environmentVariable(const QString& providerId)
{
    static const QHash<QString, QByteArray> vars{
        {QStringLiteral("linode"), "LINODE_TOKEN"},
        {QStringLiteral("lambda"), "LAMBDA_API_KEY"},
        {QStringLiteral("runpod"), "RUNPOD_API_KEY"},
        {QStringLiteral("vast"), "VAST_API_KEY"},
        {QStringLiteral("digitalocean"), "DIGITALOCEAN_TOKEN"},
    };
    return vars.value(providerId);
}

// Jobs have no parent: the keychain backend (libsecret) calls back into a job when its D-Bus
// answer comes, so a job must outlive whoever asked (a window closed meanwhile). It deletes
// itself once finished; the answer reaches `done` only while this store still exists.
void SecretStore::read(const QString& providerId, Callback<QString> done)
{
    auto* job = new QKeychain::ReadPasswordJob(m_service);
    job->setAutoDelete(true);
    job->setInsecureFallback(false);
    job->setKey(keyFor(providerId));
    connect(job, &QKeychain::Job::finished, this, [job, done](QKeychain::Job*) {
        if (job->error() != QKeychain::NoError) {
            done(keychainError(job->error(), job->errorString(), QStringLiteral("read the token")));
            return;
        }
        done(job->textData());
    });
    job->start();
}

void SecretStore::write(const QString& providerId, const QString& token, Callback<void> done)
{
    auto* job = new QKeychain::WritePasswordJob(m_service);
    job->setAutoDelete(true);
    job->setInsecureFallback(false);
    job->setKey(keyFor(providerId));
    job->setTextData(token);
    connect(job, &QKeychain::Job::finished, this, [job, done](QKeychain::Job*) {
        if (job->error() != QKeychain::NoError) {
            done(keychainError(job->error(), job->errorString(), QStringLiteral("save the token")));
            return;
        }
        done(Result<void>{});
    });
    job->start();
}

void SecretStore::remove(const QString& providerId, Callback<void> done)
{
    auto* job = new QKeychain::DeletePasswordJob(m_service);
    job->setAutoDelete(true);
    job->setInsecureFallback(false);
    job->setKey(keyFor(providerId));
    connect(job, &QKeychain::Job::finished, this, [job, done](QKeychain::Job*) {
        if (job->error() != QKeychain::NoError && job->error() != QKeychain::EntryNotFound) {
            done(keychainError(job->error(), job->errorString(),
                               QStringLiteral("remove the token")));
            return;
        }
        done(Result<void>{});
    });
    job->start();
}

} // namespace gpudeck
