#pragma once

#include "restclient.h"
#include "types.h"

#include <QJsonArray>
#include <QJsonObject>

namespace gpudeck::runpod {

// RunPod REST API v2 JSON → GPUDeck values. Pure functions, so replay tests can feed them the
// spec's examples.

// Per second, compute and storage; a stopped pod pays no compute but still pays its volume
// disk until it is terminated.
[[nodiscard]] BillingRule billingRule();

// Plan ids carry the GPU type and count: "NVIDIA GeForce RTX 4090|2".
[[nodiscard]] QString planId(const QString& gpuTypeId, int count);
// {gpuTypeId, count} from a plan id; count 0 when the id is not one of ours.
[[nodiscard]] std::pair<QString, int> parsePlanId(const QString& planId);

// /v2/catalog/gpus `gpus`: one plan per GPU type and count (1, 2, 4, 8 up to the secure
// maximum). Secure cloud is the on-demand price, community cloud the cheaper "spot" one;
// regions are the data centers listed with their availability.
[[nodiscard]] QList<Plan> plansFromGpus(const QJsonArray& gpus, const QDateTime& fetchedAt);
[[nodiscard]] InstanceStatus statusFrom(const QString& podStatus);
// The address is the pod's public IP and the public port mapped to its port 22 (the direct
// TCP SSH endpoint): RunPod's basic SSH proxy cannot do SFTP, so GPUDeck never uses it.
[[nodiscard]] Instance instanceFrom(const QJsonObject& pod);
// The environment variable carrying a launch's client token inside the pod's config.
[[nodiscard]] QString tokenEnv();
[[nodiscard]] bool carriesToken(const QJsonObject& pod, const QString& clientToken);
// RFC 9457 problem+json {title, status, detail, errors[]} → what the user should do.
[[nodiscard]] Error errorFrom(const RestResponse& r);

} // namespace gpudeck::runpod
