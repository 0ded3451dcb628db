#include "fleet.h"

#include "database.h"
#include "handoff.h"
#include "knownhosts.h"
#include "ledger.h"
#include "meter.h"
#include "registry.h"
#include "remote.h"
#include "settings.h"
#include "shellsession.h"
#include "sshhost/sshconfighosts.h"
#include "sshhost/sshhostprovider.h"
#include "sshkeys.h"

#include <QDir>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QPointer>
#include <QSqlError>
#include <QSqlQuery>
#include <QThreadPool>
#include <QUuid>

Q_LOGGING_CATEGORY(lcFleet, "gpudeck.fleet")

namespace gpudeck {

namespace {

constexpr int kFastRefreshMs = 1000;
constexpr int kSlowRefreshMs = 10000;
constexpr int kDestroyPollMs = 500;
constexpr int kDestroyConfirmMinutes = 10;
constexpr int kSshProbeTimeoutMs = 20000;

QString keyOf(const QString& provider, const QString& id)
{
    return provider + QLatin1Char('/') + id;
}

QString keyOf(const Instance& i)
{
    return keyOf(i.provider, i.id);
}

} // namespace

Fleet::Fleet(AppPaths paths, QObject* parent)
    : QObject(parent)
    , m_paths(std::move(paths))
{
    for (const ProviderRegistry::Entry& e : ProviderRegistry::builtin().entries()) {
        ProviderContext ctx{m_paths.providerConfigDir(e.id),    m_paths.providerStateDir(e.id),
                            m_paths.providerCacheDir(e.id),     m_paths.helperDir,
                            Settings(m_paths).apiBaseUrl(e.id), m_paths.bundledCatalogDir};
        std::unique_ptr<Provider> p = e.create(ctx);
        p->setParent(nullptr);
        m_providers.push_back(std::move(p));
    }
    m_refreshTimer.setSingleShot(true);
    connect(&m_refreshTimer, &QTimer::timeout, this, [this] { refresh(); });
}

Fleet::~Fleet() = default;

Result<void> Fleet::open()
{
    m_db = std::make_unique<Database>(m_paths.database());
    Result<void> opened = m_db->open();
    if (!opened.ok())
        return opened;
    m_ledger = std::make_unique<Ledger>(*m_db);

    if (!QFileInfo::exists(m_paths.appKey())) {
        Result<void> made = ssh::generateEd25519(m_paths.appKey(), QStringLiteral("gpudeck"));
        if (!made.ok())
            return made;
    } else {
        // OpenSSH-style tools refuse keys others can read; ours must stay 0600.
        (void)ssh::tightenKeyPermissions(m_paths.appKey());
    }

    QSqlQuery q(m_db->connection());
    if (q.exec(QStringLiteral("SELECT instance_key, user FROM login_users"))) {
        while (q.next())
            m_loginUsers.insert(q.value(0).toString(), q.value(1).toString());
    }
    if (q.exec(
            QStringLiteral("SELECT provider, instance_id, key_path, launched_at FROM launched"))) {
        while (q.next()) {
            const QString k = keyOf(q.value(0).toString(), q.value(1).toString());
            m_keyPaths.insert(k, q.value(2).toString());
            m_launchedAt.insert(
                k, QDateTime::fromString(q.value(3).toString(), Qt::ISODateWithMs).toUTC());
        }
    }
    return {};
}

Ledger& Fleet::ledger() const
{
    return *m_ledger;
}

QList<Provider*> Fleet::providers() const
{
    QList<Provider*> out;
    for (const auto& p : m_providers)
        out << p.get();
    return out;
}

Provider* Fleet::provider(const QString& id) const
{
    for (const auto& p : m_providers) {
        if (p->id() == id)
            return p.get();
    }
    return nullptr;
}

std::optional<Instance> Fleet::find(const QString& instanceId) const
{
    for (const Instance& i : m_instances) {
        if (i.id == instanceId && (m_scope.isEmpty() || i.provider == m_scope))
            return i;
    }
    return std::nullopt;
}

QString Fleet::keyPathFor(const Instance& instance) const
{
    // The key GPUDeck authorised when it launched the machine; else the one the provider
    // names (an SSH host's own key); else GPUDeck's key, which every provider that launches
    // machines authorises; an SSH host without a key uses the agent and the user's keys.
    const QString launched = m_keyPaths.value(keyOf(instance));
    if (!launched.isEmpty())
        return launched;
    if (!instance.identityFile.isEmpty())
        return instance.identityFile;
    const Provider* p = provider(instance.provider);
    return p && p->capabilities().launch ? m_paths.appKey() : QString();
}

LaunchTimeline Fleet::timeline(const Instance& instance) const
{
    return m_timelines.value(keyOf(instance));
}

QStringList Fleet::interruptedLaunches() const
{
    QStringList out;
    QSqlQuery q(m_db->connection());
    if (q.exec(QStringLiteral("SELECT provider, plan, name, requested_at FROM pending_launches"))) {
        while (q.next())
            out << QStringLiteral("%1 %2 \"%3\" requested at %4")
                       .arg(q.value(0).toString(), q.value(1).toString(), q.value(2).toString(),
                            q.value(3).toString());
    }
    return out;
}

void Fleet::refresh(std::function<void(QList<Error>)> done)
{
    if (m_refreshing && !done)
        return;
    m_refreshing = true;
    struct State {
        int pending = 0;
        QList<Error> errors;
        std::function<void(QList<Error>)> done;
    };
    auto state = std::make_shared<State>();
    QList<Provider*> asked;
    for (const auto& p : m_providers)
        if (m_scope.isEmpty() || p->id() == m_scope)
            asked.append(p.get());
    state->pending = static_cast<int>(asked.size());
    state->done = std::move(done);
    if (asked.isEmpty()) {
        m_refreshing = false;
        if (state->done)
            state->done({});
        return;
    }
    QPointer<Fleet> self(this);
    for (Provider* p : asked) {
        const QString pid = p->id();
        p->listInstances([self, state, pid](Result<QList<Instance>> r) {
            if (!self)
                return;
            if (r.ok()) {
                self->merge(pid, r.value());
            } else {
                state->errors << r.error();
                emit self->providerError(pid, r.error().message);
            }
            if (--state->pending == 0) {
                self->m_refreshing = false;
                emit self->instancesChanged();
                self->scheduleRefresh();
                if (state->done)
                    state->done(state->errors);
            }
        });
    }
}

void Fleet::setAutoRefresh(bool on)
{
    m_autoRefresh = on;
    if (on)
        scheduleRefresh();
    else
        m_refreshTimer.stop();
}

void Fleet::scheduleRefresh()
{
    if (!m_autoRefresh)
        return;
    const bool busy = std::any_of(m_instances.begin(), m_instances.end(),
                                  [](const Instance& i) { return isTransitional(i.status); });
    m_refreshTimer.start(busy ? kFastRefreshMs : kSlowRefreshMs);
}

void Fleet::merge(const QString& providerId, const QList<Instance>& listed)
{
    QList<Instance> next;
    for (const Instance& i : std::as_const(m_instances)) {
        if (i.provider != providerId)
            next << i;
    }
    for (const Instance& i : listed)
        next << withStart(i);
    m_instances = next;
    for (const Instance& i : listed)
        noteStatus(i);
}

Instance Fleet::withStart(Instance i) const
{
    // The login user the SSH probe found, where the provider's guess was wrong (EC2 images).
    const QString user = m_loginUsers.value(keyOf(i));
    if (!user.isEmpty())
        i.user = user;
    // Some APIs say nothing of when a machine was made (Lambda): the meter and the recap then
    // count from GPUDeck's launch, else from when GPUDeck first saw the machine.
    if (!i.createdAt.isValid()) {
        i.createdAt = m_launchedAt.value(keyOf(i));
        if (!i.createdAt.isValid())
            i.createdAt = m_timelines.value(keyOf(i)).firstSeen;
        if (!i.createdAt.isValid())
            i.createdAt = QDateTime::currentDateTimeUtc();
    }
    if (!i.startedAt.isValid())
        i.startedAt = i.createdAt;
    return i;
}

void Fleet::upsert(const Instance& given)
{
    const Instance instance = withStart(given);
    for (Instance& i : m_instances) {
        if (i.provider == instance.provider && i.id == instance.id) {
            i = instance;
            noteStatus(instance);
            emit instancesChanged();
            return;
        }
    }
    m_instances << instance;
    noteStatus(instance);
    emit instancesChanged();
}

void Fleet::noteStatus(const Instance& i)
{
    LaunchTimeline& t = m_timelines[keyOf(i)];
    const QDateTime now = QDateTime::currentDateTimeUtc();
    bool changed = false;
    if (!t.firstSeen.isValid())
        t.firstSeen = now;
    auto mark = [&](QDateTime& field) {
        if (!field.isValid()) {
            field = now;
            changed = true;
        }
    };
    if (!t.requested.isValid()) {
        t.requested = i.createdAt.isValid() ? i.createdAt : now;
        changed = true;
    }
    switch (i.status) {
    case InstanceStatus::Provisioning:
        mark(t.provisioning);
        break;
    case InstanceStatus::Booting:
        mark(t.booting);
        break;
    case InstanceStatus::Running:
        mark(t.running);
        // Only machines a provider launched: they are ours to check, and their host key comes
        // from the provider. The user's own hosts are contacted when the user asks.
        if (!t.sshReady.isValid() && provider(i.provider) &&
            provider(i.provider)->capabilities().launch)
            probeSsh(i);
        break;
    default:
        break;
    }
    if (changed)
        emit timelineChanged(i.id);
}

void Fleet::probeSsh(const Instance& instance)
{
    const QString k = keyOf(instance);
    if (m_probing.contains(k))
        return;
    m_probing.insert(k);
    const ssh::Endpoint ep = endpointFor(instance, keyPathFor(instance), m_paths);
    // The login user: the one found before, else the provider's candidates in order (an EC2
    // image may want ubuntu, ec2-user or root), each tried until the key is taken.
    QStringList users{m_loginUsers.value(k)};
    if (users.first().isEmpty()) {
        const Provider* p = provider(instance.provider);
        users = p ? p->loginUsers(instance) : QStringList{};
        if (users.isEmpty())
            users = {instance.user};
    }
    QPointer<Fleet> self(this);
    QThreadPool::globalInstance()->start(
        [self, ep, k, users, id = instance.id, reported = instance.user] {
            // A healthy machine answers in well under a second; a stuck login must not hold the
            // probe (and so the "SSH ready" step) forever. The next refresh probes again.
            // Clouds that report no host key (RunPod, Linode, DigitalOcean...): the probe lets an
            // unknown key through for itself only and records nothing; whether to trust it is the
            // first real connection's question (the terminal asks; gpudeck-cli wants --accept-new).
            Result<int> r = makeError(ErrorCode::Internal, QStringLiteral("no login user to try"));
            QString found;
            for (const QString& user : users) {
                ssh::Endpoint e = ep;
                e.user = user;
                r = runRemote(e, QStringLiteral("true"), {}, ssh::HostKeyPolicy::AcceptOnce,
                              nullptr, QDeadlineTimer(kSshProbeTimeoutMs));
                if (r.ok())
                    found = user;
                if (r.ok() || r.error().code != ErrorCode::AuthDenied)
                    break;
            }
            // A server that refuses the login still answers: "SSH ready" means the machine's SSH
            // server is up; the refusal (wrong user or key) is the first connection's message.
            if (!r.ok() && r.error().code == ErrorCode::AuthDenied)
                r = 0;
            postTo(self, [self, r, k, id, found, reported] {
                self->m_probing.remove(k);
                if (!found.isEmpty() && found != reported)
                    self->rememberLoginUser(k, found);
                LaunchTimeline& t = self->m_timelines[k];
                if (r.ok()) {
                    t.sshReady = QDateTime::currentDateTimeUtc();
                    t.sshError.clear();
                } else {
                    t.sshError = r.error().message;
                }
                emit self->timelineChanged(id);
            });
        });
}

void Fleet::rememberLoginUser(const QString& key, const QString& user)
{
    m_loginUsers.insert(key, user);
    QSqlQuery q(m_db->connection());
    q.prepare(QStringLiteral("INSERT OR REPLACE INTO login_users (instance_key, user) "
                             "VALUES (?, ?)"));
    q.addBindValue(key);
    q.addBindValue(user);
    if (!q.exec())
        qCWarning(lcFleet) << "could not remember the login user:" << q.lastError().text();
    bool changed = false;
    for (Instance& i : m_instances) {
        if (keyOf(i) == key && i.user != user) {
            i.user = user;
            changed = true;
        }
    }
    if (changed)
        emit instancesChanged();
}

void Fleet::fetchCatalog(std::function<void(QList<Plan>, QList<Error>)> done,
                         std::function<void(QList<Plan>, QList<Error>)> progress)
{
    struct State {
        int pending = 0;
        QList<Plan> plans;
        QList<Error> errors;
    };
    auto state = std::make_shared<State>();
    state->pending = static_cast<int>(m_providers.size());
    QPointer<Fleet> self(this);
    for (const auto& p : m_providers) {
        p->fetchCatalog([self, pid = p->id(), state, done, progress](Result<Catalog> r) {
            if (r.ok() && self)
                self->m_catalogs.insert(pid, r.value());
            if (r.ok())
                state->plans << r->plans;
            else
                state->errors << r.error();
            if (--state->pending == 0)
                done(state->plans, state->errors);
            else if (progress)
                progress(state->plans, state->errors);
        });
    }
}

void Fleet::launch(const QString& providerId, LaunchRequest request, Callback<Instance> done)
{
    Provider* p = provider(providerId);
    if (!p) {
        done(makeError(ErrorCode::InvalidInput,
                       QStringLiteral("Unknown provider \"%1\".").arg(providerId)));
        return;
    }
    if (!p->capabilities().launch) {
        done(makeError(ErrorCode::Unsupported, p->noLaunchNote()));
        return;
    }
    if (request.spot && !p->capabilities().spot) {
        done(makeError(ErrorCode::Unsupported,
                       QStringLiteral("%1 has no spot or interruptible machines; launch on demand.")
                           .arg(p->displayName())));
        return;
    }
    if (request.diskGb > 0 && !p->capabilities().diskSize) {
        done(makeError(ErrorCode::InvalidInput,
                       QStringLiteral("On %1 the disk comes with the plan: leave the disk size "
                                      "out, or pick a plan with a bigger disk.")
                           .arg(p->displayName())));
        return;
    }
    Result<QString> pub = ssh::publicKeyLine(m_paths.appKey());
    if (!pub.ok()) {
        done(pub.error());
        return;
    }
    request.sshPublicKeys.prepend(pub.value());
    if (request.clientToken.isEmpty())
        request.clientToken = QUuid::createUuid().toString(QUuid::WithoutBraces);

    {
        QSqlQuery q(m_db->connection());
        q.prepare(QStringLiteral("INSERT INTO pending_launches (client_token, provider, plan, name,"
                                 " requested_at) VALUES (?,?,?,?,?)"));
        q.addBindValue(request.clientToken);
        q.addBindValue(providerId);
        q.addBindValue(request.planId);
        q.addBindValue(request.name);
        q.addBindValue(QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs));
        if (!q.exec()) {
            // Without the record a crash could hide a billing machine: do not send.
            done(databaseError(QStringLiteral("record the launch"), q.lastError().text(),
                               m_db->path()));
            return;
        }
    }
    const QString token = request.clientToken;
    const QDateTime requestedAt = QDateTime::currentDateTimeUtc();
    QPointer<Fleet> self(this);
    p->launch(request, [self, token, requestedAt, providerId, done](Result<Instance> r) {
        if (!self)
            return;
        QSqlQuery q(self->m_db->connection());
        q.prepare(QStringLiteral("DELETE FROM pending_launches WHERE client_token = ?"));
        q.addBindValue(token);
        q.exec();
        if (r.ok()) {
            const Instance& i = r.value();
            QSqlQuery ins(self->m_db->connection());
            ins.prepare(QStringLiteral("INSERT OR REPLACE INTO launched (provider, instance_id,"
                                       " key_path, launched_at) VALUES (?,?,?,?)"));
            ins.addBindValue(providerId);
            ins.addBindValue(i.id);
            ins.addBindValue(self->m_paths.appKey());
            ins.addBindValue(requestedAt.toString(Qt::ISODateWithMs));
            ins.exec();
            self->m_keyPaths.insert(keyOf(i), self->m_paths.appKey());
            self->m_launchedAt.insert(keyOf(i), requestedAt);
            self->m_timelines[keyOf(i)].requested = requestedAt;
            self->m_timelines[keyOf(i)].watchedFromLaunch = true;
            self->upsert(i);
            self->scheduleRefresh();
            r = self->withStart(i);
            emit self->launched(r.value());
        }
        done(std::move(r));
    });
}

void Fleet::launchAndWait(const QString& providerId, LaunchRequest request, int timeoutMs,
                          Callback<Instance> done)
{
    QPointer<Fleet> self(this);
    launch(providerId, std::move(request), [self, timeoutMs, done](Result<Instance> r) {
        if (!self)
            return;
        if (!r.ok()) {
            done(r.error());
            return;
        }
        self->waitUntilReady(r->id, timeoutMs, done);
    });
}

void Fleet::waitUntilReady(const QString& instanceId, int timeoutMs, Callback<Instance> done)
{
    const std::optional<Instance> known = find(instanceId);
    if (!known) {
        done(makeError(ErrorCode::NotFound, QStringLiteral("No instance %1.").arg(instanceId)));
        return;
    }
    Provider* p = provider(known->provider);
    const QDateTime deadline = QDateTime::currentDateTimeUtc().addMSecs(timeoutMs);
    QPointer<Fleet> self(this);
    // The poll holds itself only weakly; the strong reference travels with the request or
    // timer in flight, so a Fleet deleted meanwhile frees it (LeakSanitizer found the cycle).
    auto poll = std::make_shared<std::function<void()>>();
    *poll = [self, p, instanceId, deadline, done, weak = std::weak_ptr(poll)] {
        const std::shared_ptr<std::function<void()>> strong = weak.lock();
        if (!self || !strong)
            return;
        p->getInstance(instanceId, [self, deadline, done, poll = strong](Result<Instance> r) {
            if (!self)
                return;
            if (!r.ok()) {
                done(r.error());
                return;
            }
            self->upsert(r.value());
            const Instance i = self->withStart(r.value());
            const LaunchTimeline t = self->timeline(i);
            if (i.status == InstanceStatus::Error) {
                done(makeError(ErrorCode::ProviderFailure,
                               i.statusDetail.isEmpty()
                                   ? QStringLiteral("The machine failed to start.")
                                   : i.statusDetail));
            } else if (i.status == InstanceStatus::Running && t.sshReady.isValid()) {
                done(i);
            } else if (QDateTime::currentDateTimeUtc() > deadline) {
                done(makeError(ErrorCode::Timeout,
                               t.sshError.isEmpty()
                                   ? QStringLiteral("The machine is still %1; stopped waiting. It "
                                                    "keeps starting (and billing): check it with "
                                                    "`gpudeck-cli ls`.")
                                         .arg(statusName(i.status))
                                   : QStringLiteral("The machine runs but SSH does not answer: %1")
                                         .arg(t.sshError)));
            } else {
                QTimer::singleShot(250, self.data(), [poll] { (*poll)(); });
            }
        });
    };
    (*poll)();
}

void Fleet::destroy(const QString& instanceId, Callback<Recap> done)
{
    const std::optional<Instance> known = find(instanceId);
    if (!known) {
        done(makeError(ErrorCode::NotFound,
                       QStringLiteral("No instance %1. Run `gpudeck-cli ls` to see your "
                                      "instances.")
                           .arg(instanceId)));
        return;
    }
    Provider* p = provider(known->provider);
    if (!p->capabilities().destroy) {
        done(makeError(
            ErrorCode::Unsupported,
            QStringLiteral("%1 machines cannot be destroyed from GPUDeck.").arg(p->displayName())));
        return;
    }
    QPointer<Fleet> self(this);
    // Fetch the latest state first: its run intervals are what the recap bills.
    p->getInstance(instanceId, [self, p, known, done](Result<Instance> fresh) {
        if (!self)
            return;
        if (!fresh.ok() && fresh.error().code != ErrorCode::NotFound) {
            done(fresh.error());
            return;
        }
        Instance last = self->withStart(fresh.ok() ? fresh.value() : *known);
        last.status = InstanceStatus::Destroying;
        self->upsert(last);
        p->destroy(last.id, [self, last, done](Result<void> r) {
            if (!self)
                return;
            if (!r.ok() && r.error().code != ErrorCode::NotFound) {
                self->refresh();
                done(r.error());
                return;
            }
            self->pollDestroyed(
                last, QDateTime::currentDateTimeUtc().addSecs(kDestroyConfirmMinutes * 60), done);
        });
    });
}

void Fleet::pollDestroyed(const Instance& last, QDateTime deadline, Callback<Recap> done)
{
    Provider* p = provider(last.provider);
    QPointer<Fleet> self(this);
    p->getInstance(last.id, [self, last, deadline, done](Result<Instance> r) {
        if (!self)
            return;
        const bool gone = (!r.ok() && r.error().code == ErrorCode::NotFound) ||
                          (r.ok() && r->status == InstanceStatus::Destroyed);
        if (!gone) {
            if (QDateTime::currentDateTimeUtc() > deadline) {
                done(makeError(ErrorCode::Timeout,
                               QStringLiteral("%1 has not confirmed that %2 is gone after %3 "
                                              "minutes. It may still bill: check the provider's "
                                              "console.")
                                   .arg(self->provider(last.provider)->displayName(), last.name)
                                   .arg(kDestroyConfirmMinutes)));
                return;
            }
            QTimer::singleShot(kDestroyPollMs, self.data(), [self, last, deadline, done] {
                if (self)
                    self->pollDestroyed(last, deadline, done);
            });
            return;
        }
        Recap recap;
        recap.instance = last;
        recap.instance.status = InstanceStatus::Destroyed;
        recap.destroyedAt = QDateTime::currentDateTimeUtc();
        recap.cost = costOf(last, recap.destroyedAt);
        Result<void> saved = self->m_ledger->add(recap);
        QSqlQuery q(self->m_db->connection());
        q.prepare(QStringLiteral("DELETE FROM launched WHERE provider = ? AND instance_id = ?"));
        q.addBindValue(last.provider);
        q.addBindValue(last.id);
        q.exec();
        // The address (and on the Sandbox, the port) will belong to another machine next.
        (void)ssh::forgetHost(self->m_paths.knownHosts(), last.host, last.sshPort);
        const QString k = keyOf(last);
        self->m_keyPaths.remove(k);
        self->m_timelines.remove(k);
        self->m_instances.removeIf([&](const Instance& i) { return keyOf(i) == k; });
        emit self->instancesChanged();
        if (!saved.ok()) {
            qCWarning(lcFleet) << "recap not saved:" << saved.error().message;
            Error e = saved.error();
            e.message = QStringLiteral("%1 was destroyed, but its recap could not be saved: %2")
                            .arg(last.name, e.message);
            done(e);
            return;
        }
        done(recap);
    });
}

Result<void> Fleet::addSshHost(const SshHost& host)
{
    auto* hosts = qobject_cast<SshHostProvider*>(provider(QStringLiteral("ssh")));
    if (!hosts)
        return makeError(ErrorCode::Unsupported, QStringLiteral("SSH hosts are not available."));
    Result<void> added = hosts->addHost(host);
    if (added.ok())
        refresh();
    return added;
}

Result<void> Fleet::removeSshHost(const QString& name)
{
    auto* hosts = qobject_cast<SshHostProvider*>(provider(QStringLiteral("ssh")));
    if (!hosts)
        return makeError(ErrorCode::Unsupported, QStringLiteral("SSH hosts are not available."));
    Result<void> removed = hosts->removeHost(name);
    if (removed.ok()) {
        m_instances.removeIf(
            [&](const Instance& i) { return i.provider == QLatin1String("ssh") && i.id == name; });
        emit instancesChanged();
    }
    return removed;
}

std::unique_ptr<ssh::ShellSession> Fleet::openShell(const Instance& instance, int cols,
                                                    int rows) const
{
    ssh::ShellSession::Options o;
    o.endpoint = endpointFor(instance, keyPathFor(instance), m_paths);
    o.policy = ssh::HostKeyPolicy::Ask;
    o.cols = cols;
    o.rows = rows;
    return std::make_unique<ssh::ShellSession>(std::move(o));
}

QStringList Fleet::sshConfigAliases() const
{
    return sshhost::sshConfigAliases(QDir::homePath() + QStringLiteral("/.ssh/config"));
}

double Fleet::burnRateHourly() const
{
    return burnRateUsd(m_instances);
}

bool Fleet::launchedHere(const Instance& instance) const
{
    return m_keyPaths.contains(keyOf(instance));
}

void Fleet::stop(const QString& instanceId, Callback<Instance> done)
{
    power(instanceId, false, std::move(done));
}

void Fleet::start(const QString& instanceId, Callback<Instance> done)
{
    power(instanceId, true, std::move(done));
}

void Fleet::allowSshFromHere(const QString& instanceId, Callback<QString> done)
{
    const std::optional<Instance> known = find(instanceId);
    Provider* p = known ? provider(known->provider) : nullptr;
    if (!p) {
        done(makeError(ErrorCode::NotFound, QStringLiteral("No instance %1.").arg(instanceId)));
        return;
    }
    QPointer<Fleet> self(this);
    const Instance i = *known;
    p->allowSshFromHere(i, [self, i, done](Result<QString> r) {
        if (self && r.ok()) {
            LaunchTimeline& t = self->m_timelines[keyOf(i)];
            t.sshError.clear();
            if (!t.sshReady.isValid() && i.status == InstanceStatus::Running)
                self->probeSsh(i);
            emit self->timelineChanged(i.id);
        }
        done(std::move(r));
    });
}

void Fleet::power(const QString& instanceId, bool on, Callback<Instance> done)
{
    const std::optional<Instance> known = find(instanceId);
    Provider* p = known ? provider(known->provider) : nullptr;
    if (!p) {
        done(makeError(ErrorCode::NotFound, QStringLiteral("No instance %1.").arg(instanceId)));
        return;
    }
    if (!p->capabilities().stopStart) {
        done(makeError(ErrorCode::Unsupported,
                       QStringLiteral("%1 machines cannot be %2 from GPUDeck.")
                           .arg(p->displayName(),
                                on ? QStringLiteral("started") : QStringLiteral("stopped"))));
        return;
    }
    QPointer<Fleet> self(this);
    const QString k = keyOf(*known);
    auto answered = [self, done, k, on](Result<Instance> r) {
        if (!self)
            return;
        if (r.ok()) {
            if (on) {
                // A started machine may have a new address (EC2, GCE): SSH is checked again.
                LaunchTimeline& t = self->m_timelines[k];
                t.sshReady = {};
                t.sshError.clear();
                emit self->timelineChanged(r->id);
            }
            self->upsert(r.value());
            self->scheduleRefresh();
        } else {
            self->refresh();
        }
        done(std::move(r));
    };
    if (on)
        p->start(instanceId, std::move(answered));
    else
        p->stop(instanceId, std::move(answered));
}

qint64 Fleet::spendTodayCents() const
{
    const QDateTime midnight = QDateTime(QDate::currentDate(), QTime(0, 0)).toUTC();
    qint64 cents = 0;
    if (m_ledger) {
        Result<qint64> spent = m_ledger->spentSinceCents(midnight);
        if (spent.ok())
            cents += spent.value();
    }
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (const Instance& i : m_instances) {
        // Accrued today = cost until now minus cost until midnight (for machines older than today).
        const qint64 total = costOf(i, now).totalCents();
        const qint64 before = i.createdAt < midnight ? costOf(i, midnight).totalCents() : 0;
        cents += total - before;
    }
    return cents;
}

} // namespace gpudeck
