#include "sandboxplans.h"

namespace gpudeck::sandbox {

namespace {

BillingRule perSecond()
{
    // Like AWS, GCE and DigitalOcean: per second with a 60 s minimum per start; a stopped
    // machine pays for its disk only.
    BillingRule r;
    r.granularity = BillingRule::Granularity::Second;
    r.minimumSeconds = 60;
    r.stoppedBillsCompute = false;
    r.stoppedBillsStorage = true;
    r.storageUsdPerGbMonth = 0.10;
    return r;
}

BillingRule hourlyRoundedUp()
{
    // Like Linode: every started hour is billed, and a powered-off machine still bills.
    BillingRule r;
    r.granularity = BillingRule::Granularity::Hour;
    r.minimumSeconds = 3600;
    r.stoppedBillsCompute = true;
    r.stoppedBillsStorage = true;
    r.storageUsdPerGbMonth = 0.0; // included in the plan price
    return r;
}

Plan plan(const char* id, const char* name, const char* gpu, int count, double vram, int vcpus,
          double ram, double disk, double hourly, std::optional<double> spot, BillingRule rule)
{
    Plan p;
    p.provider = QStringLiteral("sandbox");
    p.id = QString::fromLatin1(id);
    p.name = QString::fromUtf8(name);
    p.gpuModel = QString::fromLatin1(gpu);
    p.gpuCount = count;
    p.vramGb = vram;
    p.vcpus = vcpus;
    p.ramGb = ram;
    p.diskGb = disk;
    p.regions = {QStringLiteral("local-1"), QStringLiteral("local-2")};
    p.onDemandHourly = hourly;
    p.spotHourly = spot;
    p.available = true;
    p.billing = rule;
    return p;
}

} // namespace

QList<Plan> plans()
{
    return {
        plan("t4-1x", "Sandbox T4 ×1", "Tesla T4", 1, 16, 4, 16, 100, 0.35, 0.11, perSecond()),
        plan("a10-1x-hourly", "Sandbox A10 ×1 (hourly)", "NVIDIA A10", 1, 24, 8, 32, 200, 0.75,
             std::nullopt, hourlyRoundedUp()),
        plan("l4-2x", "Sandbox L4 ×2", "NVIDIA L4", 2, 24, 16, 64, 250, 1.10, 0.44, perSecond()),
        plan("a100-1x", "Sandbox A100 80GB ×1", "NVIDIA A100-SXM4-80GB", 1, 80, 12, 120, 500, 1.29,
             0.69, perSecond()),
        plan("a100-1x-hourly", "Sandbox A100 80GB ×1 (hourly)", "NVIDIA A100-SXM4-80GB", 1, 80, 12,
             120, 500, 1.19, std::nullopt, hourlyRoundedUp()),
        plan("h100-8x", "Sandbox H100 80GB ×8", "NVIDIA H100 80GB HBM3", 8, 80, 208, 1800, 2000,
             23.92, 12.00, perSecond()),
    };
}

QList<Region> regions()
{
    return {{QStringLiteral("local-1"), QStringLiteral("This computer (zone 1)")},
            {QStringLiteral("local-2"), QStringLiteral("This computer (zone 2)")}};
}

QList<Image> images()
{
    return {{QStringLiteral("sandbox-cuda"), QStringLiteral("Sandbox CUDA 12.2 (simulated GPU)"),
             true}};
}

SimulatedGpu simulatedGpu(const Plan& p)
{
    if (p.gpuModel.contains(QLatin1String("H100")))
        return {p.gpuModel, 81559, 700, 1980};
    if (p.gpuModel.contains(QLatin1String("A100")))
        return {p.gpuModel, 81920, 400, 1410};
    if (p.gpuModel.contains(QLatin1String("L4")))
        return {p.gpuModel, 23034, 72, 2040};
    if (p.gpuModel.contains(QLatin1String("A10")))
        return {p.gpuModel, 23028, 150, 1695};
    return {p.gpuModel, 15360, 70, 1590}; // T4
}

} // namespace gpudeck::sandbox
