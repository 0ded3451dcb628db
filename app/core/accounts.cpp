#include "accounts.h"

#include "fleet.h"
#include "secretstore.h"

#include <memory>

namespace gpudeck {

Accounts::Accounts(Fleet& fleet, SecretStore& store, QObject* parent)
    : QObject(parent)
    , m_fleet(fleet)
    , m_store(store)
{
    for (Provider* p : m_fleet.providers()) {
        if (!p->capabilities().needsAccount)
            continue;
        Status s;
        s.providerId = p->id();
        s.displayName = p->displayName();
        s.variable = SecretStore::environmentVariable(p->id());
        s.source = p->hasCredential() ? Source::Provider : Source::None;
        m_status.insert(p->id(), s);
    }
}

Accounts::~Accounts() = default;

Result<Provider*> Accounts::accountProvider(const QString& providerId) const
{
    Provider* p = m_fleet.provider(providerId);
    if (!p || !p->capabilities().needsAccount)
        return makeError(ErrorCode::InvalidInput,
                         QStringLiteral("%1 takes no account.").arg(providerId));
    return p;
}

void Accounts::settle(Provider* p, Source source, const QString& token, const QString& problem)
{
    p->setCredential(token);
    m_tokens.insert(p->id(), token);
    Status& s = m_status[p->id()];
    // Without a token of ours the provider may still have found one of its own.
    s.source = source == Source::None && p->hasCredential() ? Source::Provider : source;
    s.problem = problem;
    emit changed(p->id());
}

void Accounts::settleRead(Provider* p, const Result<QString>& token)
{
    if (token.ok())
        settle(p, Source::Keychain, token.value());
    else if (token.error().code == ErrorCode::NotFound)
        settle(p, Source::None, {});
    else
        settle(p, Source::None, {}, token.error().message);
}

void Accounts::load(std::function<void()> done, Keychain keychain)
{
    auto pending = std::make_shared<int>(1); // released at the end of this loop
    auto finishOne = [pending, done] {
        if (--*pending == 0 && done)
            done();
    };
    for (Provider* p : m_fleet.providers()) {
        if (!p->capabilities().needsAccount)
            continue;
        const QByteArray var = SecretStore::environmentVariable(p->id());
        if (!var.isEmpty() && qEnvironmentVariableIsSet(var.constData())) {
            settle(p, Source::Environment, qEnvironmentVariable(var.constData()));
            continue;
        }
        if (keychain == Keychain::Skip) {
            settle(p, Source::None, {});
            continue;
        }
        ++*pending;
        const int changesBefore = m_changes.value(p->id());
        m_store.read(p->id(), [this, p, finishOne, changesBefore](Result<QString> token) {
            // A token the user saved or removed meanwhile stands.
            if (m_changes.value(p->id()) == changesBefore)
                settleRead(p, token);
            finishOne();
        });
    }
    finishOne();
}

QList<Accounts::Status> Accounts::statuses() const
{
    QList<Status> out;
    for (Provider* p : m_fleet.providers()) {
        if (m_status.contains(p->id()))
            out << m_status.value(p->id());
    }
    return out;
}

Accounts::Status Accounts::status(const QString& providerId) const
{
    return m_status.value(providerId);
}

void Accounts::save(const QString& providerId, const QString& token, Callback<QString> done)
{
    const Result<Provider*> found = accountProvider(providerId);
    if (!found.ok()) {
        done(found.error());
        return;
    }
    Provider* p = found.value();
    const Status before = m_status.value(providerId);
    if (before.source == Source::Environment) {
        done(makeError(ErrorCode::InvalidInput,
                       QStringLiteral("%1 is set in the environment, and that token is the one "
                                      "in use. Unset it to use a token saved in the keychain.")
                           .arg(QString::fromLatin1(before.variable))));
        return;
    }
    const QString trimmed = token.trimmed();
    if (trimmed.isEmpty()) {
        done(makeError(ErrorCode::InvalidInput,
                       QStringLiteral("Paste the %1 token first.").arg(p->displayName())));
        return;
    }
    // Checked first with the provider; only a token it takes is saved and kept in use. The tried
    // token is given to the provider alone, so a failed check gives back what is in use now: the
    // token before, or the one a start-up keychain read settled meanwhile.
    auto restore = [this, p] {
        const Status now = m_status.value(p->id());
        settle(p, now.source, m_tokens.value(p->id()), now.problem);
    };
    p->setCredential(trimmed);
    p->checkCredential([this, p, trimmed, restore, done](Result<QString> who) {
        if (!who.ok()) {
            restore();
            Error e = who.error();
            if (e.code == ErrorCode::Unauthorized || e.code == ErrorCode::Forbidden)
                e.message = QStringLiteral("%1 refused this token, so it was not saved. %2")
                                .arg(p->displayName(), e.message);
            else
                e.message = QStringLiteral("The token could not be checked with %1, so it was "
                                           "not saved: %2")
                                .arg(p->displayName(), e.message);
            done(e);
            return;
        }
        m_store.write(p->id(), trimmed, [this, p, trimmed, restore, who, done](Result<void> w) {
            if (!w.ok()) {
                restore();
                done(w.error());
                return;
            }
            ++m_changes[p->id()];
            settle(p, Source::Keychain, trimmed);
            done(who.value());
        });
    });
}

void Accounts::remove(const QString& providerId, Callback<void> done)
{
    const Result<Provider*> found = accountProvider(providerId);
    if (!found.ok()) {
        done(found.error());
        return;
    }
    Provider* p = found.value();
    m_store.remove(providerId, [this, p, done](Result<void> r) {
        if (!r.ok()) {
            done(r.error());
            return;
        }
        ++m_changes[p->id()];
        const Status s = m_status.value(p->id());
        if (s.source == Source::Environment)
            emit changed(p->id()); // the environment's token stays in use
        else
            settle(p, Source::None, {});
        done({});
    });
}

void Accounts::check(const QString& providerId, Callback<QString> done)
{
    const Result<Provider*> found = accountProvider(providerId);
    if (!found.ok()) {
        done(found.error());
        return;
    }
    Provider* p = found.value();
    if (!p->hasCredential()) {
        done(makeError(
            ErrorCode::Unauthorized,
            QStringLiteral("No %1 token yet: paste one and save it.").arg(p->displayName())));
        return;
    }
    p->checkCredential(std::move(done));
}

} // namespace gpudeck
