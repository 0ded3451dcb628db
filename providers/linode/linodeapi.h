#pragma once

#include "restclient.h"
#include "types.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>

namespace gpudeck::linode {

// Linode API v4 JSON → GPUDeck values. Pure functions, so replay tests can feed them the
// recorded responses (linodego cassettes, libcloud fixtures).

// Hourly, rounded up to the hour, capped at the plan's monthly price; a powered-off Linode is
// still billed (only deleting it stops the charge). Storage is part of the plan price.
[[nodiscard]] BillingRule billingRule(double monthlyUsd);

// GPU plans only (class "gpu"); `regionLabels` maps region ids to "Newark, NJ"; availability is
// `/v4/regions/availability` (plan → regions with capacity), may be empty when unknown.
[[nodiscard]] QList<Plan> plansFromTypes(const QJsonArray& types, const QStringList& gpuRegions,
                                         const QHash<QString, QStringList>& availability,
                                         const QHash<QString, bool>& listedInAvailability,
                                         const QDateTime& fetchedAt);
[[nodiscard]] InstanceStatus statusFrom(const QString& linodeStatus);
// `plans` gives the price and GPU of the instance's type when known.
[[nodiscard]] Instance instanceFrom(const QJsonObject& o, const QHash<QString, Plan>& plans);
// The tag carrying a launch's client token (Linode tags: 3–50 characters).
[[nodiscard]] QString tokenTag(const QString& clientToken);
// A label Linode accepts (3–64 of [A-Za-z0-9-_.], no "--", "__", "..", starts and ends with an
// alphanumeric), derived from what the user typed.
[[nodiscard]] QString safeLabel(const QString& name, const QString& clientToken);
// {"errors":[{"field","reason"}]} → what the user should do.
[[nodiscard]] Error errorFrom(const RestResponse& r);
// Linode's page envelope {data, page, pages}: the request for the next page.
[[nodiscard]] RestRequest nextPage(const QJsonObject& page, const RestRequest& current);

} // namespace gpudeck::linode
