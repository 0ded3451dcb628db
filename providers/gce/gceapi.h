#pragma once

#include "restclient.h"
#include "types.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>

#include <optional>

namespace gpudeck::gce {

// Compute Engine v1 JSON → GPUDeck values, and the bundled price table. Pure functions, so
// replay tests can feed them libcloud's recorded responses and the fuzzer any bytes.

// The login user GPUDeck puts in the ssh-keys metadata ("gpudeck:ssh-ed25519 …"); Google's
// guest agent creates it with passwordless sudo.
inline constexpr char kLoginUser[] = "gpudeck";
// The network tag the SSH firewall rule applies to, and the rule's name.
inline constexpr char kSshTag[] = "gpudeck-ssh";
// Deep Learning VM images (drivers, CUDA, PyTorch): Google's public image project.
inline constexpr char kDlImageProject[] = "deeplearning-platform-release";

// One GPU machine GPUDeck offers: an N1 machine type with GPUs attached, or an
// accelerator-optimised type whose GPUs come with it (A2).
struct GceOffer {
    const char* planId; // "n1-standard-8+1xnvidia-tesla-t4", "a2-highgpu-1g"
    const char* machineType;
    int vcpus;
    double ramGb;
    const char* accelerator; // acceleratorTypes name
    int gpuCount;
    const char* gpuModel;
    double vramGb; // per GPU
};

// Hourly list prices for the table's regions, on demand and spot. vCPU and memory rates of N1
// (A2 bills its vCPUs and memory at the same rates): libcloud 3.4.1's gce_instances table,
// 2021-11 (its SKU prices; tst_gce checks them against that file). GPU rates: Google's "GPU
// pricing" page of the same period (the spot column is the preemptible price then).
inline constexpr char kGcePriceTableDate[] = "2021-11";
struct GceRegionRates {
    const char* region;
    double vcpu, ramGb, vcpuSpot, ramGbSpot;
};
struct GceGpuRate {
    const char* region;
    const char* accelerator;
    double hourly, spotHourly;
};
[[nodiscard]] const QList<GceOffer>& offerTable();
[[nodiscard]] const QList<GceRegionRates>& regionRateTable();
[[nodiscard]] const QList<GceGpuRate>& gpuRateTable();
// Zones where the table knows an accelerator is offered (the catalog without an account).
[[nodiscard]] QStringList tableZones(const QString& accelerator);
// Balanced persistent disk (pd-balanced, what GPUDeck boots from), us-central1, USD/GB-month.
inline constexpr double kPdBalancedUsdPerGbMonth = 0.10;
inline constexpr int kDefaultDiskGb = 100; // Deep Learning VM images need 50 GB or more

// The plan's hourly price in `region` (a zone names its region), or nothing when the table has
// no rate there.
[[nodiscard]] std::optional<double> priceFor(const QString& planId, const QString& region,
                                             bool spot);

// The Cloud Billing Catalog API (cloudbilling.googleapis.com/v1, read with the user's API key):
// Compute Engine's SKUs with today's list prices. GPUDeck reads the N1 predefined and A2 vCPU
// and memory SKUs and the GPU SKUs, on demand and spot (usageType Preemptible).
inline constexpr char kComputeBillingService[] = "6F81-5844-456A";
inline constexpr char kBillingKeyVariable[] = "GPUDECK_GCE_BILLING_API_KEY";
// Hourly USD rates read from SKUs, by region: "n1-core", "n1-ram", "a2-core", "a2-ram" (per
// vCPU, per GiB) and accelerator names ("nvidia-tesla-t4", per GPU), on demand and spot.
struct BillingRates {
    QHash<QString, double> onDemand, spot; // "<region>|<what>" → USD per hour
    QHash<QString, int> scope;             // same key → how many regions its SKU covered
    QDateTime fetchedAt;
    [[nodiscard]] bool isEmpty() const { return onDemand.isEmpty() && spot.isEmpty(); }
    [[nodiscard]] std::optional<double> rate(const QString& region, const QString& what,
                                             bool spot) const;
};
// A SKU's price per usage unit in USD: the latest pricingInfo, the tier starting at 0 (or the
// first paid tier when the first is a free allowance), units + nanos. Nothing when the SKU has
// no USD price.
[[nodiscard]] std::optional<double> skuUnitPrice(const QJsonObject& sku);
// What a SKU prices in GPUDeck's terms ("n1-core", "a2-ram", "nvidia-tesla-t4") and whether it
// is the spot rate; an empty first when GPUDeck does not use it.
[[nodiscard]] std::pair<QString, bool> skuKind(const QJsonObject& sku);
// Every SKU GPUDeck uses, per region it serves (serviceRegions). A region-specific SKU wins
// over one covering a whole continent.
[[nodiscard]] BillingRates billingRatesFrom(const QJsonArray& skus, const QDateTime& at);
// The plan's hourly price in `region` from the SKUs: only when every part of it (vCPUs, memory
// and GPUs, on demand and spot) is there; else nothing and the table's price stands.
[[nodiscard]] std::optional<std::pair<double, double>>
billedPriceFor(const BillingRates& rates, const QString& planId, const QString& region);
// A Cloud Billing error answer → what the user should do (a bad key says so).
[[nodiscard]] Error billingErrorFrom(const RestResponse& r);

// Per second with a 1-minute minimum; a stopped (TERMINATED) VM bills its disks only.
[[nodiscard]] BillingRule billingRule();

// "us-central1-a" → "us-central1"; anything else as it is.
[[nodiscard]] QString regionOfZone(const QString& zone);
// The last segment of a resource URL ("…/zones/us-central1-a" → "us-central1-a").
[[nodiscard]] QString lastSegment(const QString& url);
// The plan id a VM of `machineType` with these accelerators was launched from.
[[nodiscard]] QString planIdFor(const QString& machineType, const QString& accelerator, int count);

// The table as plans, with live zones and machine specs when given: `acceleratorTypes` and
// `machineTypes` are the flattened aggregated lists (empty: the table's own zones).
// `billing`, when given, prices each plan where its SKUs have every part of the price (those
// plans carry the SKUs' fetch time); the others keep the table's price and its date (so the
// catalog marks them old), with `billingProblem` in their note when the API could not be read.
[[nodiscard]] QList<Plan> plansFrom(const QJsonArray& acceleratorTypes,
                                    const QJsonArray& machineTypes, const QDateTime& at,
                                    const BillingRates* billing = nullptr,
                                    const QString& billingProblem = {});
// The table's date as a time: 2021-11-01T00:00:00Z.
[[nodiscard]] QDateTime priceTableDate();
// Zones offering any of the table's GPUs (from the aggregated acceleratorTypes), sorted.
[[nodiscard]] QList<Region> zonesFrom(const QJsonArray& acceleratorTypes);
// An images list → images: Deep Learning VM images first, newest first; deprecated ones out.
[[nodiscard]] QList<Image> imagesFrom(const QJsonArray& images);
// An aggregated list page ({"items": {"zones/x": {key: [...]}}}) → its elements.
[[nodiscard]] QJsonArray flattenAggregated(const QJsonObject& page, const QString& key);
// The next page of a list (nextPageToken), or a request with an empty path.
[[nodiscard]] RestRequest nextPage(const QJsonObject& page, const RestRequest& current);

[[nodiscard]] InstanceStatus statusFrom(const QString& gceStatus);
// An instance resource → Instance. Ids are "<zone>/<name>", what every later call needs.
[[nodiscard]] Instance instanceFrom(const QJsonObject& instance);
// "us-central1-a/my-vm" → {"us-central1-a", "my-vm"}; no zone: an empty first.
[[nodiscard]] std::pair<QString, QString> splitId(const QString& id);

// The label carrying a launch's client token (label values: lowercase, digits, -, _; ≤ 63).
[[nodiscard]] QString tokenLabel(const QString& clientToken);
// A VM name GCE accepts ([a-z]([-a-z0-9]{0,61}[a-z0-9])?), from the user's words plus a part of
// the token, so two launches named alike do not collide.
[[nodiscard]] QString instanceName(const QString& name, const QString& clientToken);
// The insert's requestId: the client token when it is a UUID, else a UUID derived from it. GCE
// answers a resent insert with the same requestId with the first one's operation.
[[nodiscard]] QString requestIdFor(const QString& clientToken);

struct InsertSpec {
    QString zone, name, planId, image, clientToken;
    QStringList publicKeys;
    double diskGb = 0;
    bool spot = false;
};
// The instances.insert body: GPUs attached, onHostMaintenance TERMINATE (GPU VMs cannot live-
// migrate), spot with instanceTerminationAction STOP, ssh-keys and startup-script metadata,
// the SSH network tag, the token label, an external address.
[[nodiscard]] Result<QJsonObject> insertBody(const InsertSpec& spec);
// What the VMs run at every boot (metadata startup-script): a fixed line on the serial console
// saying the machine is GPUDeck's and which GPUs it sees; no user data.
[[nodiscard]] QString startupScript();

// A DONE operation's error, mapped (ZONE_RESOURCE_POOL_EXHAUSTED → another zone, QUOTA_EXCEEDED
// → quota or another region…); nothing when it succeeded.
[[nodiscard]] std::optional<Error> operationError(const QJsonObject& operation);
[[nodiscard]] bool operationDone(const QJsonObject& operation);
// Google's error body {"error": {code, message, status, errors: [{reason, message}]}} → what
// the user should do.
[[nodiscard]] Error errorFrom(const RestResponse& r);
// 403 rateLimitExceeded / userRateLimitExceeded: nothing done, slow down (as a 429).
[[nodiscard]] bool isThrottled(const RestResponse& r);

} // namespace gpudeck::gce
