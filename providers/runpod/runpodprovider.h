#pragma once

#include "restprovider.h"

namespace gpudeck {

// RunPod REST API v2: GPU types with secure and community prices, pods launched with the app's
// public key in the pod's environment and port 22 exposed over TCP (the basic SSH proxy cannot
// do SFTP), stop/start, terminate. Base URL overridable with GPUDECK_API_BASE_RUNPOD.
class RunPodProvider final : public RestProvider {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RunPodProvider)
public:
    explicit RunPodProvider(const ProviderContext& context, QObject* parent = nullptr);
    ~RunPodProvider() override;

    QString id() const override { return QStringLiteral("runpod"); }
    QString displayName() const override { return QStringLiteral("RunPod"); }
    ProviderCapabilities capabilities() const override;
    QString guardNote() const override;
    QString selfStopCommand() const override;
    QString spotNote() const override;

    void getInstance(const QString& id, Callback<Instance> done) override;
    void launch(const LaunchRequest& request, Callback<Instance> done) override;
    void stop(const QString& id, Callback<Instance> done) override;
    void start(const QString& id, Callback<Instance> done) override;
    void destroy(const QString& id, Callback<void> done) override;

    void checkCredential(Callback<QString> done) override;

    // A CUDA-ready image RunPod maintains: PyTorch with CUDA 12.8 on Ubuntu 24.04, sshd inside.
    static QString defaultImage();

protected:
    void fetchLive(Callback<Catalog> done) override;
    void listRaw(Callback<QJsonArray> done) override;
    [[nodiscard]] Instance instanceFrom(const QJsonObject& raw) const override;
    [[nodiscard]] bool carriesToken(const QJsonObject& raw,
                                    const QString& clientToken) const override;

private:
    void action(const QString& id, const QString& what, Callback<Instance> done);
};

} // namespace gpudeck
