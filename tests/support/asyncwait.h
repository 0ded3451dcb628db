#pragma once

#include "provider.h"
#include "restclient.h"

#include <QJsonDocument>
#include <QtTest>

#include <optional>

// What every test of an asynchronous provider call needs: waiting for its one callback while
// the event loop runs, and building answers for the parsers and error mappers.
namespace gpudeck::test {

// Runs `call` and the event loop until its callback comes; a Timeout error when it never does.
template <typename T> Result<T> wait(std::function<void(Callback<T>)> call, int ms = 60000)
{
    std::optional<Result<T>> out;
    call([&](Result<T> r) { out = std::move(r); });
    if (!QTest::qWaitFor([&] { return out.has_value(); }, ms))
        return makeError(ErrorCode::Timeout, QStringLiteral("test: no callback"));
    return std::move(*out);
}

inline Result<void> waitVoid(std::function<void(Callback<void>)> call, int ms = 60000)
{
    return wait<void>(std::move(call), ms);
}

// An HTTP answer as RestClient hands it to an error mapper or parser.
inline RestResponse response(int status, const QByteArray& body)
{
    RestResponse r;
    r.status = status;
    r.body = body;
    r.json = QJsonDocument::fromJson(body);
    return r;
}

// Message and detail together, for checking what the user is told.
inline QString message(const Error& e)
{
    return e.message + QStringLiteral(" | ") + e.detail;
}

} // namespace gpudeck::test
