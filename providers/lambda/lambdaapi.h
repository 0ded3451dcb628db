#pragma once

#include "restclient.h"
#include "types.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>

namespace gpudeck::lambda {

// Lambda Cloud API v1 JSON → GPUDeck values. Pure functions, so replay tests can feed them the
// spec's examples.

// The hourly price billed in one-minute increments; there is no stop, only terminate, and the
// instance's own disk is part of the price. (Filesystems bill while they exist; GPUDeck does
// not create any.)
[[nodiscard]] BillingRule billingRule();

// `data` of /api/v1/instance-types: {name: {instance_type, regions_with_capacity_available}}.
// Lambda lists only the regions with capacity now, so those are both the plan's regions and
// where it is available.
[[nodiscard]] QList<Plan> plansFromTypes(const QJsonObject& data, const QDateTime& fetchedAt);
// Regions named in the instance types, by id, with their descriptions.
[[nodiscard]] QList<Region> regionsFromTypes(const QJsonObject& data);
// /api/v1/images `data`: one entry per family, Lambda Stack (CUDA, drivers, frameworks) first.
[[nodiscard]] QList<Image> imagesFrom(const QJsonArray& data);
[[nodiscard]] InstanceStatus statusFrom(const QString& lambdaStatus);
[[nodiscard]] Instance instanceFrom(const QJsonObject& o);
// The tag key carrying a launch's client token (keys: ^[a-z][a-z0-9-:]+$).
[[nodiscard]] QString tokenTagKey();
[[nodiscard]] bool carriesToken(const QJsonObject& instance, const QString& clientToken);
// An instance name Lambda accepts (at most 64 characters).
[[nodiscard]] QString safeName(const QString& name, const QString& clientToken);
// {"error":{"code","message","suggestion"}} → what the user should do.
[[nodiscard]] Error errorFrom(const RestResponse& r);

} // namespace gpudeck::lambda
