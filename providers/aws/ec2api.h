#pragma once

#include "restclient.h"
#include "types.h"
#include "xmltree.h"

#include <QHash>
#include <QUrlQuery>

namespace gpudeck::aws {

// EC2 Query API version every request names (the model in botocore's ec2/2016-11-15).
inline constexpr char kEc2ApiVersion[] = "2016-11-15";

// One GPU instance type of the bundled table: what GPUDeck offers when it cannot ask AWS.
struct Ec2TypeInfo {
    const char* type;
    const char* gpuModel;
    int gpuCount;
    double vramGb; // per GPU
    int vcpus;
    double ramGb;
    double usdPerHour; // Linux on-demand, us-east-1
};

// Hand-written from AWS's EC2 On-Demand pricing page (Linux, us-east-1) as of 2021-11, the
// same figures libcloud 3.4.1 ships (tst_aws checks them against that table).
inline constexpr char kEc2PriceTableDate[] = "2021-11";
[[nodiscard]] const QList<Ec2TypeInfo>& gpuTypeTable();
// gp3 EBS in us-east-1, USD per GB-month, same source and date.
inline constexpr double kEbsGp3UsdPerGbMonth = 0.08;

// Per second with a 60 s minimum per start (Linux); stopped instances bill EBS only.
[[nodiscard]] BillingRule billingRule();

// A form body for the Query API: Action, Version, then the parameters.
[[nodiscard]] QByteArray queryBody(const QString& action, const QUrlQuery& params);

// AWS error XML (<Response><Errors><Error><Code>...) → a message saying what to do.
[[nodiscard]] Error errorFrom(const RestResponse& r);
[[nodiscard]] QString errorCode(const QByteArray& body);
// 503 RequestLimitExceeded (and the Throttling codes) mean "nothing done, slow down".
[[nodiscard]] bool isThrottled(const RestResponse& r);

// DescribeInstanceTypes → GPU plans (types without GpuInfo are left out); prices from the
// table, spot prices when known.
[[nodiscard]] QList<Plan> plansFrom(const XmlNode& describeInstanceTypes, const QString& region,
                                    const QHash<QString, double>& spot, const QDateTime& at);
// The bundled table as plans, for users without credentials.
[[nodiscard]] QList<Plan> plansFromTable(const QString& region, const QDateTime& at);
// DescribeSpotPriceHistory → the newest Linux/UNIX price per instance type (lowest over zones).
[[nodiscard]] QHash<QString, double> spotPricesFrom(const XmlNode& history);
// DescribeImages → images, deep-learning AMIs first, newest first within each group.
[[nodiscard]] QList<Image> imagesFrom(const XmlNode& describeImages);
// DescribeRegions → regions.
[[nodiscard]] QList<Region> regionsFrom(const XmlNode& describeRegions);
// One <item> of an instancesSet → Instance. Ids are "<region>/<instance-id>" so a later call
// knows which regional endpoint to ask.
[[nodiscard]] Instance instanceFrom(const XmlNode& item, const QString& region,
                                    const QHash<QString, Plan>& plans);
// DescribeVolumes: the EBS gigabytes attached to each instance (instance id → GB), which is what a
// stopped instance keeps paying for.
[[nodiscard]] QHash<QString, double> volumeSizesFrom(const XmlNode& describeVolumes);

[[nodiscard]] QList<Instance> instancesFrom(const XmlNode& describeInstances, const QString& region,
                                            const QHash<QString, Plan>& plans);
[[nodiscard]] InstanceStatus statusFrom(const QString& ec2State);
// "us-east-1/i-0abc" → {"us-east-1", "i-0abc"}; a bare id gets `fallbackRegion`.
[[nodiscard]] std::pair<QString, QString> splitId(const QString& id, const QString& fallbackRegion);
// The key pair name GPUDeck imports a public key under: stable per key, so a second import of
// the same key is a harmless InvalidKeyPair.Duplicate.
[[nodiscard]] QString keyPairName(const QString& publicKey);

} // namespace gpudeck::aws
