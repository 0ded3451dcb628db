#pragma once

#include "asyncwait.h"
#include "fakehttpserver.h"
#include "provider.h"

#include <QtTest>

#include <functional>

// The launch faults every cloud client must come through with exactly one machine and a clear
// word: the connection dropped after the provider made the machine (found by its client token,
// not sent again), a 500 before it made one (checked, then sent once more; when it keeps
// failing, two sends at most and "no machine was created"), and an answer that cannot be read
// (found by its token). One copy for every provider's test; each then checks its own token tag.
namespace gpudeck::test {

struct LaunchFaults {
    Provider* provider = nullptr;
    FakeHttpServer* server = nullptr;
    QString createPath; // the launch call, e.g. "/v2/droplets"
    std::function<LaunchRequest()> request;
    std::function<int()> machines; // how many the fake holds
};

// Sets *launched to what the launch answered.
inline void dropAfterLaunch(const LaunchFaults& f, const LaunchRequest& req, Instance* launched)
{
    f.server->inject({FakeHttpFault::Kind::DropAfterHandle, "POST", f.createPath, 0, {}, 1});
    const auto r = wait<Instance>([&](auto done) { f.provider->launch(req, done); });
    QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : message(r.error())));
    QCOMPARE(f.machines(), 1); // found by its token, not made again
    QCOMPARE(f.server->count("POST", f.createPath), 1);
    *launched = r.value();
}

inline void launchAfter500(const LaunchFaults& f)
{
    f.server->inject({FakeHttpFault::Kind::Status, "POST", f.createPath, 500, {}, 1});
    const auto r = wait<Instance>([&](auto done) { f.provider->launch(f.request(), done); });
    QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : message(r.error())));
    QCOMPARE(f.machines(), 1);
    QCOMPARE(f.server->count("POST", f.createPath), 2);

    f.server->inject({FakeHttpFault::Kind::Status, "POST", f.createPath, 500, {}, 5});
    f.server->clearRequests();
    const auto bad = wait<Instance>([&](auto done) { f.provider->launch(f.request(), done); });
    QVERIFY(!bad.ok());
    QCOMPARE(f.server->count("POST", f.createPath), 2);
    QCOMPARE(f.machines(), 1);
    QVERIFY2(bad.error().message.contains(QLatin1String("no machine was created")),
             qPrintable(bad.error().message));
}

inline void malformedLaunchAnswer(const LaunchFaults& f)
{
    f.server->inject({FakeHttpFault::Kind::MalformedBody, "POST", f.createPath, 0, {}, 1});
    const auto r = wait<Instance>([&](auto done) { f.provider->launch(f.request(), done); });
    QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : message(r.error())));
    QCOMPARE(f.machines(), 1);
    QCOMPARE(f.server->count("POST", f.createPath), 1);
}

} // namespace gpudeck::test
