#include "sandboxprovider.h"

#include "handoff.h"
#include "sandboxmachine.h"
#include "sandboxplans.h"

#include <QPointer>
#include <QThreadPool>

namespace gpudeck {

SandboxProvider::SandboxProvider(const ProviderContext& context, QObject* parent)
    : Provider(parent)
    , m_store(std::make_shared<sandbox::SandboxStore>(context.stateDir, context.helperDir,
                                                      sandbox::Timing::fromEnvironment()))
{}

SandboxProvider::~SandboxProvider() = default;

ProviderCapabilities SandboxProvider::capabilities() const
{
    ProviderCapabilities c;
    c.launch = true;
    c.destroy = true;
    c.stopStart = true;
    c.liveCatalog = false;
    c.spot = true; // the spot price is billed; interruptions are not simulated (spotNote)
    return c;
}

QString SandboxProvider::guardNote() const
{
    return QStringLiteral(
        "Sandbox machines run on this computer and cost nothing real; their prices and billing "
        "rules are simulated so you can try the cost meter, the guard and the recap. Plans marked "
        "\"hourly\" bill every started hour and keep billing while stopped, like Linode.");
}

QString SandboxProvider::spotNote() const
{
    return QStringLiteral(
        "On a real cloud a spot machine may be stopped by the provider whenever it needs the "
        "capacity, often with only a minute or two of warning; work not saved elsewhere is lost "
        "and is not refunded. The Sandbox bills the simulated spot price but never interrupts.");
}

QString SandboxProvider::selfStopCommand() const
{
    return QStringLiteral("gpudeck-poweroff");
}

template <typename T>
void SandboxProvider::runAsync(std::function<Result<T>()> work, Callback<T> done)
{
    const QPointer<SandboxProvider> self(this);
    std::shared_ptr<sandbox::SandboxStore> store = m_store;
    QThreadPool::globalInstance()->start([self, store, work = std::move(work),
                                          done = std::move(done)]() mutable {
        store->cleanupStaleOnce();
        Result<T> result = work();
        postTo(self,
               [done = std::move(done), r = std::move(result)]() mutable { done(std::move(r)); });
    });
}

void SandboxProvider::fetchCatalog(Callback<Catalog> done)
{
    Catalog c;
    c.fetchedAt = QDateTime::currentDateTimeUtc();
    c.plans = sandbox::plans();
    for (Plan& p : c.plans)
        p.fetchedAt = c.fetchedAt;
    c.regions = sandbox::regions();
    c.images = sandbox::images();
    deliver<Catalog>(std::move(done), std::move(c));
}

void SandboxProvider::listInstances(Callback<QList<Instance>> done)
{
    auto store = m_store;
    runAsync<QList<Instance>>([store] { return store->list(); }, std::move(done));
}

void SandboxProvider::getInstance(const QString& id, Callback<Instance> done)
{
    auto store = m_store;
    runAsync<Instance>([store, id] { return store->get(id); }, std::move(done));
}

void SandboxProvider::launch(const LaunchRequest& request, Callback<Instance> done)
{
    auto store = m_store;
    runAsync<Instance>([store, request] { return store->launch(request); }, std::move(done));
}

void SandboxProvider::stop(const QString& id, Callback<Instance> done)
{
    auto store = m_store;
    runAsync<Instance>([store, id] { return store->stop(id); }, std::move(done));
}

void SandboxProvider::start(const QString& id, Callback<Instance> done)
{
    auto store = m_store;
    runAsync<Instance>([store, id] { return store->start(id); }, std::move(done));
}

void SandboxProvider::destroy(const QString& id, Callback<void> done)
{
    auto store = m_store;
    runAsync<void>([store, id] { return store->destroy(id); }, std::move(done));
}

} // namespace gpudeck
