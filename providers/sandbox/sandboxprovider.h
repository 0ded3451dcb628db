#pragma once

#include "provider.h"

#include <memory>

namespace gpudeck {

namespace sandbox {
class SandboxStore;
}

// The built-in provider that needs no account: each machine is a real OpenSSH server on
// 127.0.0.1 with a simulated GPU (see sandboxmachine.h). Work happens on a worker thread; the
// callbacks come back on the provider's thread.
class SandboxProvider final : public Provider {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SandboxProvider)
public:
    explicit SandboxProvider(const ProviderContext& context, QObject* parent = nullptr);
    ~SandboxProvider() override;

    QString id() const override { return QStringLiteral("sandbox"); }
    QString displayName() const override { return QStringLiteral("Sandbox"); }
    ProviderCapabilities capabilities() const override;
    QString guardNote() const override;
    // The machine's own power switch (bin/gpudeck-poweroff, see poweroff.h).
    QString selfStopCommand() const override;
    QString spotNote() const override;

    void fetchCatalog(Callback<Catalog> done) override;
    void listInstances(Callback<QList<Instance>> done) override;
    void getInstance(const QString& id, Callback<Instance> done) override;
    void launch(const LaunchRequest& request, Callback<Instance> done) override;
    void stop(const QString& id, Callback<Instance> done) override;
    void start(const QString& id, Callback<Instance> done) override;
    void destroy(const QString& id, Callback<void> done) override;

private:
    // Runs `work` on the worker pool, after the one-time stale clean-up, and delivers its
    // result here.
    template <typename T> void runAsync(std::function<Result<T>()> work, Callback<T> done);

    std::shared_ptr<sandbox::SandboxStore> m_store;
};

} // namespace gpudeck
