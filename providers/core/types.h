#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace gpudeck {

// How a provider turns running time into money. Billing is computed in app/billing.
struct BillingRule {
    enum class Granularity { Second, Minute, Hour };
    Granularity granularity = Granularity::Second;
    int minimumSeconds = 0;            // minimum charge per start (e.g. 60 s on AWS, DO)
    bool stoppedBillsCompute = false;  // Linode, DigitalOcean: powered off still costs
    bool stoppedBillsStorage = true;   // disks bill while they exist
    double storageUsdPerGbMonth = 0.0; // 0 when storage is included in the plan price
    int minimumCents = 0;              // minimum charge per machine (DigitalOcean: $0.01)
    // Compute never costs more than this per 730-hour month (Linode: the plan's monthly
    // price); 0: no cap.
    double monthlyCapUsd = 0.0;

    [[nodiscard]] int granularitySeconds() const;
    [[nodiscard]] QString describe() const; // e.g. "per second, 60 s minimum"
    [[nodiscard]] QJsonObject toJson() const;
    static BillingRule fromJson(const QJsonObject& o);
    bool operator==(const BillingRule&) const = default;
};

struct Region {
    QString id;   // provider's id, e.g. "us-east-1"
    QString name; // human name, e.g. "N. Virginia"
    bool operator==(const Region&) const = default;
};

struct Image {
    QString id;
    QString name;
    bool cudaReady = false;
    bool operator==(const Image&) const = default;
};

// One rentable machine type with its price. Prices are USD per hour.
struct Plan {
    QString provider; // provider id, e.g. "sandbox"
    QString id;       // provider's plan id
    QString name;     // what the user reads, e.g. "1x A100 80GB (Sandbox)"
    QString gpuModel;
    int gpuCount = 0;
    double vramGb = 0; // per GPU
    int vcpus = 0;
    double ramGb = 0;
    double diskGb = 0;
    QStringList regions;
    // Regions with capacity for this plan now, when the provider says; empty: unknown, and
    // `available` is the provider's overall answer.
    QStringList regionsAvailable;
    double onDemandHourly = 0;
    std::optional<double> spotHourly;
    bool available = true;
    QDateTime fetchedAt;
    BillingRule billing;
    // The price when it is not by the hour (Colab Pro: "$9.99/month"); onDemandHourly is then
    // 0 and compares with nothing. Empty: the hourly price is the price.
    QString priceNote;
    // What the numbers do not say, in the user's words: what kind of offer this is and its
    // limits (Colab: a notebook with session limits, not a rentable machine).
    QString note;

    [[nodiscard]] bool hasHourlyPrice() const;
    [[nodiscard]] double pricePerGpuHour() const;
    [[nodiscard]] QJsonObject toJson() const;
    static Plan fromJson(const QJsonObject& o);
    bool operator==(const Plan&) const = default;
};

enum class InstanceStatus {
    Requested,
    Provisioning,
    Booting,
    Running,
    Stopping,
    Stopped,
    Destroying,
    Destroyed,
    Error
};

[[nodiscard]] QString statusName(InstanceStatus s); // stable lowercase word for JSON and CLI
[[nodiscard]] std::optional<InstanceStatus> statusFromName(const QString& name);
[[nodiscard]] bool isTransitional(InstanceStatus s);

// A span of time during which a machine was running (billed as running).
struct RunInterval {
    QDateTime start;
    QDateTime end; // invalid while still running
    bool operator==(const RunInterval&) const = default;
};

struct Instance {
    QString id;
    QString name;
    QString provider;
    QString planId;
    QString region;
    InstanceStatus status = InstanceStatus::Requested;
    QString statusDetail; // provider's own words, e.g. why it failed
    QString host;
    int sshPort = 22;
    QString user;
    QString hostKeySha256; // "SHA256:..." when the provider tells us the host key
    // The user's own key for this machine (SSH hosts); empty when GPUDeck's key is used.
    QString identityFile;
    // `host` is a ~/.ssh/config alias: connect through the user's SSH configuration.
    bool viaSshConfig = false;
    // The Files tab shows the login home as the machine's root and stays inside it (Sandbox
    // machines live in a folder of this computer, next to their own host keys).
    bool homeIsFileRoot = false;
    double priceHourly = 0; // price at launch, USD/h
    double diskGb = 0;
    int gpuCount = 0;
    QString gpuModel;
    BillingRule billing;
    QDateTime createdAt;
    QDateTime startedAt;             // last start
    QList<RunInterval> runIntervals; // when the provider knows them (Sandbox does)

    [[nodiscard]] QJsonObject toJson() const;
    static Instance fromJson(const QJsonObject& o);
    bool operator==(const Instance&) const = default;
};

struct Catalog {
    QList<Plan> plans;
    QList<Region> regions;
    QList<Image> images;
    QDateTime fetchedAt;
};

struct LaunchRequest {
    QString planId;
    QString region;
    QString name;
    QString imageId;
    QStringList sshPublicKeys; // OpenSSH one-line public keys to authorise
    double diskGb = 0;         // 0: the plan's default disk
    bool spot = false;         // interruptible / spot price where the provider has one
    // Client-chosen token that makes the request idempotent: a provider that already saw it
    // returns the existing instance instead of launching a second one.
    QString clientToken;
};

} // namespace gpudeck
