#pragma once

#include "restclient.h"
#include "types.h"

#include <QJsonArray>
#include <QJsonObject>

namespace gpudeck::vast {

// Vast.ai API (console.vast.ai, /api/v0 and /api/v1) JSON → GPUDeck values. Pure functions, so
// replay tests can feed them the spec's examples.
//
// Vast.ai is a marketplace: there are no instance types, only offers, each one machine of one
// host with its own price, specs, reliability and country. GPUDeck groups the offers into plans
// a user can pick, one per GPU model and count (plan id "RTX 4090|2"). A plan's price is the
// cheapest offer's, its specs the least any of its offers has, and its regions the countries of
// the offers. At launch GPUDeck searches again and rents the cheapest reliable offer of that GPU
// model and count in the chosen country: offers come and go by the minute, so the one the table
// showed may be gone (see pickOffer()).

// Least reliability (Vast's 0–1 score of a host's uptime) of an offer GPUDeck rents or lists.
constexpr double kMinReliability = 0.98;

// Per second while running; a stopped instance pays no GPU but its disk bills per second until
// it is destroyed. `storageUsdPerGbMonth` is the offer's or instance's `storage_cost`, which
// Vast states in $/GB per 30-day month (the examples' storage_total_cost = storage_cost ×
// disk_space / 720 h); the rule stores it per 730-hour month, the month app/core/billing uses,
// so the cost comes out to Vast's hourly disk charge.
[[nodiscard]] BillingRule billingRule(double storageUsdPerGbMonth = 0);

// Plan ids carry the GPU model and count: "RTX 4090|2".
[[nodiscard]] QString planId(const QString& gpuName, int count);
// {gpuName, count} from a plan id; count 0 when the id is not one of ours.
[[nodiscard]] std::pair<QString, int> parsePlanId(const QString& planId);

// The region of an offer or instance: the two-letter country code that ends its geolocation
// ("California, US" → "US"), which is what the offer search filters on; the whole text when it
// ends in a country's name instead ("California, United States").
[[nodiscard]] QString regionOf(const QString& geolocation);
// A region for the region box: "US" → {"US", "United States"}.
[[nodiscard]] Region regionFor(const QString& id);

// `offers` of POST /api/v0/bundles: an array, or (as in the spec's own example, which
// disagrees with its schema) a single offer object.
[[nodiscard]] QJsonArray offersOf(const QJsonObject& answer);
// The search the catalog sends: verified, rentable, reliable on-demand offers of every GPU.
[[nodiscard]] QJsonObject catalogQuery();
// The search a launch sends: offers of this GPU model and count, in `region` when it is a
// country code, with at least `diskGb` of disk and a driver for `minCuda` (0: any).
[[nodiscard]] QJsonObject launchQuery(const QString& gpuName, int count, const QString& region,
                                      bool spot, double diskGb, double minCuda);
// Offers grouped into one plan per GPU model and count (see the top of this file).
[[nodiscard]] QList<Plan> plansFromOffers(const QJsonArray& offers, const QDateTime& fetchedAt);
[[nodiscard]] QList<Region> regionsFromOffers(const QJsonArray& offers);
// The offer a launch rents: the cheapest (on-demand `dph_total`, or the lowest bid `min_bid`
// for `spot`) of this GPU model and count in `region` (empty: anywhere) with at least `diskGb`
// of disk and a reliability of kMinReliability or more; the more reliable one of equal
// prices. Empty when none fits.
[[nodiscard]] QJsonObject pickOffer(const QJsonArray& offers, const QString& gpuName, int count,
                                    const QString& region, bool spot, double diskGb);
// The price of an offer while running, disk included: dph_total, or for a bid its min_bid
// plus the disk's share of dph_total.
[[nodiscard]] double offerHourly(const QJsonObject& offer, bool spot);

// actual_status (the container), intended_status and cur_state (the contract) → one status.
// A container that exited while it should run never gets there ("poll trap" in the spec):
// Error, so the user destroys it; offline and unknown hosts likewise.
[[nodiscard]] InstanceStatus statusFrom(const QJsonObject& instance);
// SSH goes to the public IP and the host port mapped to the container's 22/tcp when the
// instance has a direct port; otherwise to Vast's SSH proxy (ssh_host:ssh_port).
[[nodiscard]] Instance instanceFrom(const QJsonObject& instance);

// Instances in the order first seen, each id once: a cursor that hands out a page again
// (Prism does) must not list a machine twice.
[[nodiscard]] QJsonArray uniqueById(const QJsonArray& instances);

// The instance label carrying a launch's client token after the user's name, so a lost launch
// is found among the instances; Vast labels are free text up to 1024 characters.
[[nodiscard]] QString labelFor(const QString& name, const QString& clientToken);
[[nodiscard]] QString nameFromLabel(const QString& label);
// The environment variable carrying the token too (`env` of the create request).
[[nodiscard]] QString tokenEnv();
[[nodiscard]] bool carriesToken(const QJsonObject& instance, const QString& clientToken);

// Whether GET /api/v0/ssh's list holds this key (the list names it `key`, the create answer
// `public_key`: both are read).
[[nodiscard]] bool hasKey(const QJsonArray& keys, const QString& publicKey);

// The new instance's id in a create answer ({"success": true, "new_contract": 1234568}); empty
// when there is none.
[[nodiscard]] QString launchedId(const QJsonObject& answer);
// Vast answers some refusals with 200 and {"success": false, "msg": ...}: the error then, or
// nothing for a real success.
[[nodiscard]] std::optional<Error> refusalIn(const RestResponse& r);
// Vast's error bodies → what the user should do. They vary: {"success": false, "error": code,
// "msg": text} (msg often "error 404/3603: no_such_ask ..."), {"error", "msg"}, and
// {"detail": text} for 429; a bad key is 401, or 404 "Invalid user key" on the offer search.
[[nodiscard]] Error errorFrom(const RestResponse& r);
// No offer fits a launch: which, and what to try instead.
[[nodiscard]] Error noOffer(const QString& gpuName, int count, const QString& region, bool spot);

} // namespace gpudeck::vast
