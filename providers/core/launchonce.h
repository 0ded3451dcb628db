#pragma once

#include "provider.h"

namespace gpudeck {

// The one way a provider sends a launch: never twice blindly. `create` sends the request once
// (with the API's idempotency key where it has one). If it fails without a clear answer
// (network error, timeout, 5xx, unreadable body) the launch may or may not exist, so `find`
// looks for an instance carrying the request's client token (in its name or tag) first; only
// when the provider confirms there is none is the create sent again, at most `maxSends` times
// in all. Refusals (bad token, validation, no capacity, quota) are final and returned as they are.
struct LaunchOnce {
    using Create = std::function<void(Callback<Instance>)>;
    // Answers the instance carrying the token, or NotFound when there is none.
    using Find = std::function<void(Callback<Instance>)>;

    static void run(QObject* context, Create create, Find find, Callback<Instance> done,
                    int maxSends = 2);
    // Should a failed create be checked for (the request may have arrived)?
    [[nodiscard]] static bool uncertain(const Error& e);
};

} // namespace gpudeck
