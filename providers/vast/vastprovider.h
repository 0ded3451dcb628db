#pragma once

#include "restprovider.h"

namespace gpudeck {

// Vast.ai: a GPU marketplace. The catalog groups the offers of POST /api/v0/bundles into plans
// (GPU model × count); a launch registers the app's SSH key with the account (keys are put
// into instances at creation), searches the offers again and accepts the cheapest reliable one
// in the chosen country (PUT /api/v0/asks/{offer}), labelled with the client token; SSH goes to
// the public IP and the port mapped to 22/tcp (Vast's proxy when the machine has no direct
// port). Stop/start (PUT /api/v0/instances/{id} state), destroy confirmed by an empty answer.
// Base URL overridable with GPUDECK_API_BASE_VAST.
class VastProvider final : public RestProvider {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(VastProvider)
public:
    explicit VastProvider(const ProviderContext& context, QObject* parent = nullptr);
    ~VastProvider() override;

    QString id() const override { return QStringLiteral("vast"); }
    QString displayName() const override { return QStringLiteral("Vast.ai"); }
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

    // PyTorch's own CUDA 12.4 image (Vast injects its SSH setup into any image).
    static QString defaultImage();
    // Where the instance's own self-stop call goes (the real API: the machine cannot reach a
    // test's loopback address anyway).
    static QString selfStopApi();

protected:
    void fetchLive(Callback<Catalog> done) override;
    void listRaw(Callback<QJsonArray> done) override;
    [[nodiscard]] Instance instanceFrom(const QJsonObject& raw) const override;
    [[nodiscard]] bool carriesToken(const QJsonObject& raw,
                                    const QString& clientToken) const override;

private:
    // Every key of `keys` registered with the account, registering the missing ones.
    void ensureKeys(const QStringList& keys, Callback<void> done);
    // A call whose 2xx answer may still say {"success": false}: that becomes the error.
    void sendChecked(const RestRequest& request, Callback<RestResponse> done);
    void setState(const QString& id, const QString& state, Callback<Instance> done);
    // A launch's last word: an "offer gone" refusal is checked against the instances first.
    void settleLaunch(const QString& clientToken, Result<Instance> result, Callback<Instance> done);
};

} // namespace gpudeck
