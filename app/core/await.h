#pragma once

#include "provider.h"

#include <QEventLoop>

#include <optional>

namespace gpudeck {

// Starts an asynchronous call and waits for its callback in a local event loop. For the CLI
// and tests, which work one step at a time; the GUI never waits like this.
template <typename T> Result<T> awaitResult(const std::function<void(Callback<T>)>& call)
{
    std::optional<Result<T>> result;
    QEventLoop loop;
    call([&](Result<T> r) {
        result.emplace(std::move(r));
        loop.quit();
    });
    if (!result)
        loop.exec();
    return std::move(*result);
}

} // namespace gpudeck
