#pragma once

#include "restclient.h"
#include "types.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>

namespace gpudeck::digitalocean {

// DigitalOcean API v2 JSON → GPUDeck values. Pure functions, so replay tests can feed them the
// spec's examples and the recorded libcloud responses.

// Per second since 2026-01-01, at least 60 s and $0.01 per Droplet, capped at the size's monthly
// price; a powered-off Droplet is billed in full (only destroying it ends the charge). The disk
// is part of the size's price.
[[nodiscard]] BillingRule billingRule(double monthlyUsd);

// GPU sizes only (those with gpu_info). A size lists the regions where it can be created now
// (`regions`, `available`): that is its availability.
[[nodiscard]] QList<Plan> plansFromSizes(const QJsonArray& sizes, const QDateTime& fetchedAt);
// Regions that can take a Droplet now, in the API's order.
[[nodiscard]] QList<Region> regionsFrom(const QJsonArray& regions);
// The images a GPU Droplet can boot, the AI/ML-ready one (drivers and CUDA or ROCm) first.
[[nodiscard]] QList<Image> gpuImages();
// The image slug to send for `imageId` on size `sizeSlug`: "ai-ml-ready" names the one image
// family whose slug depends on the GPU (gpu-h100x1-base, gpu-h100x8-base, gpu-amd-base).
[[nodiscard]] QString imageSlugFor(const QString& imageId, const QString& sizeSlug);
[[nodiscard]] InstanceStatus statusFrom(const QString& dropletStatus);
[[nodiscard]] Instance instanceFrom(const QJsonObject& droplet);
// The tag carrying a launch's client token (tags: letters, digits, ":", "-", "_").
[[nodiscard]] QString tokenTag(const QString& clientToken);
// A Droplet name DigitalOcean accepts (a hostname: letters, digits, ".", "-"), derived from
// what the user typed.
[[nodiscard]] QString safeName(const QString& name, const QString& clientToken);
// {"id","message","request_id"} → what the user should do.
[[nodiscard]] Error errorFrom(const RestResponse& r);
// DigitalOcean pages with links.pages.next (a full URL): the request for the next page.
[[nodiscard]] RestRequest nextPage(const QJsonObject& page, const RestRequest& current);

} // namespace gpudeck::digitalocean
