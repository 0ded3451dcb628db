#include "ec2provider.h"

#include "awscredentials.h"
#include "catalogcache.h"
#include "ec2api.h"
#include "publicaddress.h"
#include "restclient.h"
#include "xmltree.h"

#include <QNetworkRequest>

#include <memory>

namespace gpudeck {

using namespace gpudeck::aws;

namespace {

const QString kGroupName = QStringLiteral("gpudeck-ssh");
const QString kManagedTag = QStringLiteral("gpudeck");

} // namespace

Ec2Provider::Ec2Provider(const ProviderContext& context, QObject* parent)
    : Provider(parent)
    , m_context(context)
    , m_region(defaultRegion())
{
    m_credentials = resolveCredentials({});
    m_address = new PublicAddress(QStringLiteral("aws"), this);
}

Ec2Provider::~Ec2Provider() = default;

ProviderCapabilities Ec2Provider::capabilities() const
{
    ProviderCapabilities c;
    c.launch = true;
    c.destroy = true;
    c.stopStart = true;
    c.liveCatalog = true;
    c.spot = true;
    c.stoppedStillBills = false;
    c.needsAccount = true;
    c.diskSize = true;
    c.sshFirewall = true;
    return c;
}

QString Ec2Provider::guardNote() const
{
    return QStringLiteral(
        "EC2 bills per second with a 60-second minimum each time an instance starts. A stopped "
        "instance costs nothing for compute but its EBS volumes keep billing until it is "
        "terminated. GPUDeck launches instances whose own shutdown terminates them, so the "
        "on-instance watchdog can end all billing even while this computer is off. Spot "
        "instances can be taken back by AWS at any time and cannot be stopped, only "
        "terminated.");
}

QString Ec2Provider::spotNote() const
{
    return QStringLiteral(
        "AWS may take a Spot instance back whenever it needs the capacity, with a two-minute "
        "warning. GPUDeck asks for it to be terminated then: its disk is deleted and work not "
        "saved elsewhere is lost; you pay for the time it ran. A Spot instance cannot be "
        "stopped, only terminated, and its price follows demand.");
}

QString Ec2Provider::selfStopCommand() const
{
    // InstanceInitiatedShutdownBehavior=terminate: an OS shutdown ends the instance.
    return QStringLiteral("shutdown -h now");
}

QStringList Ec2Provider::loginUsers(const Instance& /*instance*/) const
{
    return {QStringLiteral("ubuntu"), QStringLiteral("ec2-user"), QStringLiteral("root")};
}

void Ec2Provider::setCredential(const QString& token)
{
    m_stored = token;
    m_credentials = resolveCredentials(token);
}

bool Ec2Provider::hasCredential() const
{
    return m_credentials.isValid();
}

void Ec2Provider::setBackoffBaseMs(int ms)
{
    m_backoffMs = ms;
    for (RestClient* c : std::as_const(m_clients))
        c->setBackoffBaseMs(ms);
    m_address->setBackoffBaseMs(ms);
}

RestClient& Ec2Provider::rest(const QString& region)
{
    if (RestClient* c = m_clients.value(region))
        return *c;
    RestConfig config;
    config.providerId = QStringLiteral("aws");
    config.providerName = QStringLiteral("AWS");
    config.defaultBaseUrl = QStringLiteral("https://ec2.%1.amazonaws.com").arg(region);
    config.baseUrlSetting = m_context.apiBaseUrl;
    config.errorMapper = &aws::errorFrom;
    config.isThrottled = &aws::isThrottled;
    config.signer = [this, region](QNetworkRequest& req, const QByteArray& method,
                                   const QByteArray& payload) -> Result<void> {
        if (!m_credentials.isValid())
            return makeError(ErrorCode::Unauthorized,
                             QStringLiteral("No AWS credentials are set. Add an access key in "
                                            "Settings → Accounts, or set AWS_ACCESS_KEY_ID and "
                                            "AWS_SECRET_ACCESS_KEY, or a profile in "
                                            "~/.aws/credentials."));
        SigV4Input in;
        in.method = method;
        in.url = req.url();
        in.headers = {
            {"content-type", req.header(QNetworkRequest::ContentTypeHeader).toString().toLatin1()}};
        in.payload = payload;
        in.region = region;
        in.service = QStringLiteral("ec2");
        in.at = QDateTime::currentDateTimeUtc();
        const SigV4Output out = aws::sign(in, m_credentials);
        req.setRawHeader("X-Amz-Date", out.amzDate);
        if (!m_credentials.sessionToken.isEmpty())
            req.setRawHeader("X-Amz-Security-Token", m_credentials.sessionToken.toUtf8());
        req.setRawHeader("Authorization", out.authorization);
        return {};
    };
    auto* c = new RestClient(config, this);
    c->setBackoffBaseMs(m_backoffMs);
    // EC2 throttles per account and action with a token bucket; GPUDeck stays far below it.
    c->rateLimiter().setLimit(QStringLiteral("default"), {20, 1000});
    m_clients.insert(region, c);
    return *c;
}

void Ec2Provider::call(const QString& region, const QString& action, const QUrlQuery& params,
                       Callback<XmlNode> done, bool idempotent)
{
    RestRequest r;
    r.method = "POST";
    r.path = QStringLiteral("/");
    r.rawBody = queryBody(action, params);
    r.contentType = "application/x-www-form-urlencoded; charset=utf-8";
    r.jsonAnswer = false;
    r.idempotent = idempotent;
    rest(region).send(r, [done, action](Result<RestResponse> res) {
        if (!res.ok()) {
            done(res.error());
            return;
        }
        Result<XmlNode> x = XmlNode::parse(res.value().body);
        if (!x.ok()) {
            Error e = x.error();
            e.message = QStringLiteral("AWS sent an answer to %1 GPUDeck could not read. Try "
                                       "again in a moment.")
                            .arg(action);
            done(e);
            return;
        }
        done(std::move(x));
    });
}

void Ec2Provider::checkCredential(Callback<QString> done)
{
    call(m_region, QStringLiteral("DescribeAccountAttributes"), {},
         [this, done](Result<XmlNode> r) {
             if (!r.ok()) {
                 done(r.error());
                 return;
             }
             done(QStringLiteral("access key %1 (%2)")
                      .arg(m_credentials.accessKeyId.left(8) + QStringLiteral("…"),
                           m_credentials.source));
         });
}

void Ec2Provider::fetchCatalog(Callback<Catalog> done)
{
    if (!hasCredential()) {
        // Every EC2 call is signed: without an account, the bundled table is the catalog.
        Catalog c;
        c.fetchedAt = QDateTime::fromString(
            QString::fromLatin1(kEc2PriceTableDate) + QStringLiteral("-01T00:00:00Z"), Qt::ISODate);
        c.plans = plansFromTable(m_region, c.fetchedAt);
        c.regions = {{m_region, m_region}};
        for (const Plan& p : c.plans)
            m_plans.insert(p.id, p);
        deliver<Catalog>(std::move(done), std::move(c));
        return;
    }
    fetchLive(m_region, [this, done](Result<Catalog> live) {
        const CatalogCache cache(m_context.cacheDir);
        if (live.ok()) {
            (void)cache.save(live.value());
            done(std::move(live));
            return;
        }
        Result<Catalog> saved = cache.load();
        if (saved.ok() && live.error().code != ErrorCode::Unauthorized) {
            for (const Plan& p : saved.value().plans)
                m_plans.insert(p.id, p);
            done(std::move(saved));
            return;
        }
        done(live.error());
    });
}

void Ec2Provider::fetchLive(const QString& region, Callback<Catalog> done)
{
    struct Parts {
        XmlNode types, spot, images, regions;
        int pending = 4;
        std::optional<Error> error;
    };
    auto parts = std::make_shared<Parts>();
    const auto finish = [this, parts, region, done] {
        if (--parts->pending > 0)
            return;
        if (parts->error) {
            done(*parts->error);
            return;
        }
        Catalog c;
        c.fetchedAt = QDateTime::currentDateTimeUtc();
        c.plans = plansFrom(parts->types, region, spotPricesFrom(parts->spot), c.fetchedAt);
        c.images = imagesFrom(parts->images);
        c.regions = regionsFrom(parts->regions);
        if (c.regions.isEmpty())
            c.regions = {{region, region}};
        for (const Plan& p : c.plans)
            m_plans.insert(p.id, p);
        done(std::move(c));
    };
    QUrlQuery types;
    QUrlQuery spot;
    int n = 1;
    for (const Ec2TypeInfo& t : gpuTypeTable()) {
        types.addQueryItem(QStringLiteral("InstanceType.%1").arg(n), QString::fromLatin1(t.type));
        spot.addQueryItem(QStringLiteral("InstanceType.%1").arg(n), QString::fromLatin1(t.type));
        ++n;
    }
    spot.addQueryItem(QStringLiteral("ProductDescription.1"), QStringLiteral("Linux/UNIX"));
    spot.addQueryItem(QStringLiteral("StartTime"),
                      QDateTime::currentDateTimeUtc().toString(Qt::ISODate));
    const auto keep = [parts, finish](XmlNode Parts::*slot, bool required) {
        return [parts, finish, slot, required](Result<XmlNode> r) {
            if (r.ok())
                parts.get()->*slot = r.value();
            else if (required && !parts->error)
                parts->error = r.error();
            finish();
        };
    };
    call(region, QStringLiteral("DescribeInstanceTypes"), types, keep(&Parts::types, true));
    // Spot prices, images and the region list are extras: without them the plans still show.
    call(region, QStringLiteral("DescribeSpotPriceHistory"), spot, keep(&Parts::spot, false));
    QUrlQuery images;
    images.addQueryItem(QStringLiteral("Owner.1"), QStringLiteral("amazon"));
    images.addQueryItem(QStringLiteral("Filter.1.Name"), QStringLiteral("name"));
    images.addQueryItem(QStringLiteral("Filter.1.Value.1"),
                        QStringLiteral("Deep Learning*AMI GPU*Ubuntu*"));
    images.addQueryItem(QStringLiteral("Filter.2.Name"), QStringLiteral("architecture"));
    images.addQueryItem(QStringLiteral("Filter.2.Value.1"), QStringLiteral("x86_64"));
    call(region, QStringLiteral("DescribeImages"), images, keep(&Parts::images, false));
    call(region, QStringLiteral("DescribeRegions"), {}, keep(&Parts::regions, false));
}

void Ec2Provider::withPlans(const QString& region, std::function<void()> then)
{
    if (!m_plans.isEmpty()) {
        then();
        return;
    }
    (void)region;
    fetchCatalog([then](Result<Catalog>) { then(); });
}

void Ec2Provider::listInstances(Callback<QList<Instance>> done)
{
    if (!hasCredential()) {
        deliver<QList<Instance>>(std::move(done), QList<Instance>{});
        return;
    }
    withPlans(m_region, [this, done] {
        QUrlQuery q;
        q.addQueryItem(QStringLiteral("Filter.1.Name"), QStringLiteral("tag-key"));
        q.addQueryItem(QStringLiteral("Filter.1.Value.1"), kManagedTag);
        call(m_region, QStringLiteral("DescribeInstances"), q, [this, done](Result<XmlNode> r) {
            if (!r.ok()) {
                done(r.error());
                return;
            }
            QList<Instance> out;
            for (const Instance& i : instancesFrom(r.value(), m_region, m_plans))
                if (i.status != InstanceStatus::Destroyed)
                    out.append(i);
            withVolumes(m_region, std::move(out), done);
        });
    });
}

void Ec2Provider::getInstance(const QString& id, Callback<Instance> done)
{
    const std::pair<QString, QString> where = splitId(id, m_region);
    const QString region = where.first;
    const QString instanceId = where.second;
    withPlans(region, [this, region, instanceId, done] {
        QUrlQuery q;
        q.addQueryItem(QStringLiteral("InstanceId.1"), instanceId);
        call(region, QStringLiteral("DescribeInstances"), q,
             [this, region, done](Result<XmlNode> r) {
                 if (!r.ok()) {
                     done(r.error());
                     return;
                 }
                 const QList<Instance> list = instancesFrom(r.value(), region, m_plans);
                 // A terminated instance stays visible for about an hour; for GPUDeck it
                 // is gone (that is how a destroy is confirmed).
                 if (list.isEmpty() || list.first().status == InstanceStatus::Destroyed) {
                     done(makeError(ErrorCode::NotFound,
                                    QStringLiteral("AWS does not know this instance (any "
                                                   "more).")));
                     return;
                 }
                 withVolumes(region, {list.first()},
                             [done](Result<QList<Instance>> sized) { done(sized->first()); });
             });
    });
}

void Ec2Provider::withVolumes(const QString& region, QList<Instance> list,
                              Callback<QList<Instance>> done)
{
    if (list.isEmpty()) {
        done(std::move(list));
        return;
    }
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("Filter.1.Name"), QStringLiteral("attachment.instance-id"));
    int n = 1;
    for (const Instance& i : std::as_const(list))
        q.addQueryItem(QStringLiteral("Filter.1.Value.%1").arg(n++), splitId(i.id, region).second);
    call(
        region, QStringLiteral("DescribeVolumes"), q,
        [region, list, done](Result<XmlNode> r) mutable {
            // The disks are what a stopped instance keeps paying for; without the answer the
            // machines still show (their storage rate unknown until the next refresh).
            if (r.ok()) {
                const QHash<QString, double> gb = volumeSizesFrom(r.value());
                for (Instance& i : list) {
                    const double size = gb.value(splitId(i.id, region).second);
                    if (size > 0)
                        i.diskGb = size;
                }
            }
            done(std::move(list));
        },
        true);
}

void Ec2Provider::ensureKeyPair(const QString& region, const QString& publicKey,
                                Callback<QString> done)
{
    const QString name = keyPairName(publicKey);
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("KeyName"), name);
    q.addQueryItem(QStringLiteral("PublicKeyMaterial"),
                   QString::fromLatin1(publicKey.trimmed().toUtf8().toBase64()));
    call(region, QStringLiteral("ImportKeyPair"), q, [name, done](Result<XmlNode> r) {
        // The name is derived from the key: a duplicate is this very key, imported before.
        if (!r.ok() && r.error().code != ErrorCode::Conflict) {
            done(r.error());
            return;
        }
        done(name);
    });
}

void Ec2Provider::ensureSecurityGroup(const QString& region, Callback<QString> done)
{
    QUrlQuery find;
    find.addQueryItem(QStringLiteral("Filter.1.Name"), QStringLiteral("group-name"));
    find.addQueryItem(QStringLiteral("Filter.1.Value.1"), kGroupName);
    call(region, QStringLiteral("DescribeSecurityGroups"), find,
         [this, region, done](Result<XmlNode> r) {
             if (!r.ok()) {
                 done(r.error());
                 return;
             }
             const QList<XmlNode> groups = r.value().items(QStringLiteral("securityGroupInfo"));
             if (!groups.isEmpty()) {
                 openSsh(region, groups.first().at(QStringLiteral("groupId")), done);
                 return;
             }
             QUrlQuery create;
             create.addQueryItem(QStringLiteral("GroupName"), kGroupName);
             create.addQueryItem(QStringLiteral("GroupDescription"),
                                 QStringLiteral("GPUDeck: SSH from the user's address only"));
             call(region, QStringLiteral("CreateSecurityGroup"), create,
                  [this, region, done](Result<XmlNode> c) {
                      if (!c.ok()) {
                          done(c.error());
                          return;
                      }
                      openSsh(region, c.value().at(QStringLiteral("groupId")), done);
                  });
         });
}

void Ec2Provider::openSsh(const QString& region, const QString& groupId, Callback<QString> done)
{
    m_address->lookup([this, region, groupId, done](Result<QString> ip) {
        if (!ip.ok()) {
            done(ip.error());
            return;
        }
        QUrlQuery q;
        q.addQueryItem(QStringLiteral("GroupId"), groupId);
        q.addQueryItem(QStringLiteral("IpPermissions.1.IpProtocol"), QStringLiteral("tcp"));
        q.addQueryItem(QStringLiteral("IpPermissions.1.FromPort"), QStringLiteral("22"));
        q.addQueryItem(QStringLiteral("IpPermissions.1.ToPort"), QStringLiteral("22"));
        q.addQueryItem(QStringLiteral("IpPermissions.1.IpRanges.1.CidrIp"),
                       ip.value() + QStringLiteral("/32"));
        q.addQueryItem(QStringLiteral("IpPermissions.1.IpRanges.1.Description"),
                       QStringLiteral("GPUDeck"));
        call(region, QStringLiteral("AuthorizeSecurityGroupIngress"), q,
             [groupId, done](Result<XmlNode> r) {
                 // InvalidPermission.Duplicate: the address is already allowed.
                 if (!r.ok() && !r.error().detail.contains(QLatin1String("Duplicate"))) {
                     done(r.error());
                     return;
                 }
                 done(groupId);
             });
    });
}

void Ec2Provider::allowMyAddress(const QString& region, Callback<QString> done)
{
    ensureSecurityGroup(region.isEmpty() ? m_region : region, std::move(done));
}

void Ec2Provider::allowSshFromHere(const Instance& instance, Callback<QString> done)
{
    const QString region =
        splitId(instance.id, instance.region.isEmpty() ? m_region : instance.region).first;
    m_address->lookup([this, region, done](Result<QString> ip) {
        if (!ip.ok()) {
            done(ip.error());
            return;
        }
        allowMyAddress(region, [ip = ip.value(), done](Result<QString> group) {
            if (!group.ok()) {
                done(group.error());
                return;
            }
            done(QStringLiteral("Port 22 is open to %1 now (security group %2).")
                     .arg(ip, group.value()));
        });
    });
}

void Ec2Provider::pickImage(const QString& region, const QString& wanted, Callback<QString> done)
{
    if (!wanted.isEmpty()) {
        deliver<QString>(std::move(done), wanted);
        return;
    }
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("Owner.1"), QStringLiteral("amazon"));
    q.addQueryItem(QStringLiteral("Filter.1.Name"), QStringLiteral("name"));
    q.addQueryItem(QStringLiteral("Filter.1.Value.1"),
                   QStringLiteral("Deep Learning*AMI GPU*Ubuntu*"));
    call(region, QStringLiteral("DescribeImages"), q, [done](Result<XmlNode> r) {
        if (!r.ok()) {
            done(r.error());
            return;
        }
        const QList<Image> images = imagesFrom(r.value());
        if (images.isEmpty()) {
            done(makeError(ErrorCode::NotFound,
                           QStringLiteral("No deep-learning AMI was found in this region. Pick "
                                          "an image (AMI id) in the launch dialog.")));
            return;
        }
        done(images.first().id);
    });
}

void Ec2Provider::launch(const LaunchRequest& request, Callback<Instance> done)
{
    if (request.clientToken.isEmpty() || request.sshPublicKeys.isEmpty()) {
        deliver<Instance>(std::move(done),
                          makeError(ErrorCode::Internal,
                                    QStringLiteral("A launch needs a client token and a key."),
                                    QStringLiteral("Ec2Provider::launch")));
        return;
    }
    const QString region = request.region.isEmpty() ? m_region : request.region;
    auto fail = [done](const Error& e) { done(e); };
    withPlans(region, [=, this] {
        ensureKeyPair(region, request.sshPublicKeys.first(), [=, this](Result<QString> key) {
            if (!key.ok())
                return fail(key.error());
            ensureSecurityGroup(region, [=, this](Result<QString> group) {
                if (!group.ok())
                    return fail(group.error());
                pickImage(region, request.imageId, [=, this](Result<QString> image) {
                    if (!image.ok())
                        return fail(image.error());
                    QUrlQuery q;
                    q.addQueryItem(QStringLiteral("ImageId"), image.value());
                    q.addQueryItem(QStringLiteral("InstanceType"), request.planId);
                    q.addQueryItem(QStringLiteral("MinCount"), QStringLiteral("1"));
                    q.addQueryItem(QStringLiteral("MaxCount"), QStringLiteral("1"));
                    q.addQueryItem(QStringLiteral("KeyName"), key.value());
                    q.addQueryItem(QStringLiteral("SecurityGroupId.1"), group.value());
                    q.addQueryItem(QStringLiteral("ClientToken"), request.clientToken.left(64));
                    // The watchdog's `shutdown` then ends all billing, not just compute.
                    q.addQueryItem(QStringLiteral("InstanceInitiatedShutdownBehavior"),
                                   QStringLiteral("terminate"));
                    if (request.spot) {
                        q.addQueryItem(QStringLiteral("InstanceMarketOptions.MarketType"),
                                       QStringLiteral("spot"));
                        q.addQueryItem(
                            QStringLiteral("InstanceMarketOptions.SpotOptions.SpotInstanceType"),
                            QStringLiteral("one-time"));
                        q.addQueryItem(QStringLiteral("InstanceMarketOptions.SpotOptions."
                                                      "InstanceInterruptionBehavior"),
                                       QStringLiteral("terminate"));
                    }
                    if (request.diskGb > 0) {
                        // /dev/sda1 is the root device of Ubuntu and deep-learning AMIs.
                        q.addQueryItem(QStringLiteral("BlockDeviceMapping.1.DeviceName"),
                                       QStringLiteral("/dev/sda1"));
                        q.addQueryItem(QStringLiteral("BlockDeviceMapping.1.Ebs.VolumeSize"),
                                       QString::number(qRound(request.diskGb)));
                        q.addQueryItem(QStringLiteral("BlockDeviceMapping.1.Ebs.VolumeType"),
                                       QStringLiteral("gp3"));
                        q.addQueryItem(
                            QStringLiteral("BlockDeviceMapping.1.Ebs.DeleteOnTermination"),
                            QStringLiteral("true"));
                    }
                    q.addQueryItem(QStringLiteral("TagSpecification.1.ResourceType"),
                                   QStringLiteral("instance"));
                    q.addQueryItem(QStringLiteral("TagSpecification.1.Tag.1.Key"),
                                   QStringLiteral("Name"));
                    q.addQueryItem(QStringLiteral("TagSpecification.1.Tag.1.Value"), request.name);
                    q.addQueryItem(QStringLiteral("TagSpecification.1.Tag.2.Key"), kManagedTag);
                    q.addQueryItem(QStringLiteral("TagSpecification.1.Tag.2.Value"),
                                   QStringLiteral("1"));
                    // With a ClientToken AWS answers a resend with the instance it already
                    // launched, so this call may be retried like a read (EC2 idempotency).
                    call(
                        region, QStringLiteral("RunInstances"), q,
                        [=, this](Result<XmlNode> r) {
                            if (!r.ok())
                                return fail(r.error());
                            const QList<Instance> list = instancesFrom(r.value(), region, m_plans);
                            if (list.isEmpty())
                                return fail(
                                    makeError(ErrorCode::ProviderFailure,
                                              QStringLiteral("AWS accepted the launch but named no "
                                                             "instance; look in the EC2 console."),
                                              QStringLiteral("RunInstances without instancesSet")));
                            Instance i = list.first();
                            if (request.diskGb > 0)
                                i.diskGb = request.diskGb;
                            if (request.spot && m_plans.value(i.planId).spotHourly)
                                i.priceHourly = *m_plans.value(i.planId).spotHourly;
                            done(i);
                        },
                        true);
                });
            });
        });
    });
}

void Ec2Provider::power(const QString& id, const QString& action, Callback<Instance> done)
{
    const std::pair<QString, QString> where = splitId(id, m_region);
    const QString region = where.first;
    const QString instanceId = where.second;
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("InstanceId.1"), instanceId);
    call(region, action, q, [this, id, done](Result<XmlNode> r) {
        if (!r.ok()) {
            done(r.error());
            return;
        }
        getInstance(id, done);
    });
}

void Ec2Provider::stop(const QString& id, Callback<Instance> done)
{
    power(id, QStringLiteral("StopInstances"), std::move(done));
}

void Ec2Provider::start(const QString& id, Callback<Instance> done)
{
    power(id, QStringLiteral("StartInstances"), std::move(done));
}

void Ec2Provider::destroy(const QString& id, Callback<void> done)
{
    const std::pair<QString, QString> where = splitId(id, m_region);
    const QString region = where.first;
    const QString instanceId = where.second;
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("InstanceId.1"), instanceId);
    call(region, QStringLiteral("TerminateInstances"), q, [done](Result<XmlNode> r) {
        if (!r.ok() && r.error().code != ErrorCode::NotFound) {
            done(r.error());
            return;
        }
        done(Result<void>{});
    });
}

} // namespace gpudeck
