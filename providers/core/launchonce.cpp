#include "launchonce.h"

#include <QLoggingCategory>
#include <QPointer>

#include <memory>

namespace gpudeck {

Q_LOGGING_CATEGORY(lcLaunch, "gpudeck.providers.launch")

bool LaunchOnce::uncertain(const Error& e)
{
    return e.code == ErrorCode::Network || e.code == ErrorCode::Timeout ||
           e.code == ErrorCode::ProviderFailure;
}

void LaunchOnce::run(QObject* context, Create create, Find find, Callback<Instance> done,
                     int maxSends)
{
    auto sends = std::make_shared<int>(0);
    // The attempt holds itself only weakly; the strong reference travels with the request in
    // flight (a strong self-reference leaked when the answer never came).
    auto attempt = std::make_shared<std::function<void()>>();
    QPointer<QObject> guard(context);
    *attempt = [=, weak = std::weak_ptr(attempt)]() {
        const std::shared_ptr<std::function<void()>> self = weak.lock();
        if (!self)
            return;
        ++*sends;
        create([=](Result<Instance> r) {
            if (r.ok() || !uncertain(r.error())) {
                done(std::move(r));
                return;
            }
            const Error sendError = r.error();
            qCWarning(lcLaunch).noquote()
                << "launch answer uncertain; looking for the instance before anything else:"
                << sendError.detail;
            find([=](Result<Instance> found) {
                if (found.ok()) {
                    // It did arrive: that machine is the launch, nothing is sent again.
                    done(found.value());
                    return;
                }
                if (found.error().code == ErrorCode::NotFound && *sends < maxSends && guard) {
                    qCInfo(lcLaunch) << "no instance carries the token; sending the launch again";
                    (*self)();
                    return;
                }
                Error e = sendError;
                if (found.error().code == ErrorCode::NotFound) {
                    e.message += QStringLiteral(
                        " GPUDeck checked with the provider: no machine was created.");
                } else {
                    // We could neither launch nor check: the user must look before trying again.
                    e.message +=
                        QStringLiteral(
                            " GPUDeck could not check whether the machine was created (%1). Look "
                            "at "
                            "the instance list before launching again: a machine may be billing.")
                            .arg(found.error().message);
                }
                done(e);
            });
        });
    };
    (*attempt)();
}

} // namespace gpudeck
