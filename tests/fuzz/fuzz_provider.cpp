// Every cloud provider's answers as they come over the network: the bytes are read as JSON (as
// RestClient does) — or as XML for AWS's Query API — and handed to that provider's pure
// parsers — instances, plans, error bodies, paging — whatever shape they have. The first byte
// chooses the provider.
#include "aws/ec2api.h"
#include "digitalocean/digitaloceanapi.h"
#include "fuzzinput.h"
#include "gce/gceapi.h"
#include "gce/serviceaccount.h"
#include "lambda/lambdaapi.h"
#include "linode/linodeapi.h"
#include "runpod/runpodapi.h"
#include "vast/vastapi.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace gpudeck;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 1)
        return 0;
    RestResponse r;
    r.status = 400 + data[0] % 200;
    r.body = fuzz::bytes(data + 1, size - 1).toByteArray();
    r.json = QJsonDocument::fromJson(r.body);
    const QJsonObject o = r.json.object();
    QJsonArray a = r.json.array();
    for (const QString& key : o.keys())
        if (o.value(key).isArray() && a.isEmpty())
            a = o.value(key).toArray();
    const QDateTime at = QDateTime::fromSecsSinceEpoch(1764547200);
    switch (data[0] % 7) {
    case 6: {
        // EC2 answers XML; the parsers read the tree QXmlStreamReader built.
        (void)aws::errorFrom(r);
        (void)aws::errorCode(r.body);
        const Result<XmlNode> x = XmlNode::parse(r.body);
        if (!x.ok())
            break;
        const QList<Plan> plans = aws::plansFrom(x.value(), QStringLiteral("us-east-1"),
                                                 aws::spotPricesFrom(x.value()), at);
        QHash<QString, Plan> byId;
        for (const Plan& p : plans)
            byId.insert(p.id, p);
        (void)aws::instancesFrom(x.value(), QStringLiteral("us-east-1"), byId);
        (void)aws::imagesFrom(x.value());
        (void)aws::regionsFrom(x.value());
        (void)aws::volumeSizesFrom(x.value());
        break;
    }
    case 0:
        (void)linode::instanceFrom(o, {});
        (void)linode::plansFromTypes(a, {QStringLiteral("us-east")}, {}, {}, at);
        (void)linode::errorFrom(r);
        (void)linode::nextPage(o, RestRequest{});
        break;
    case 1:
        (void)lambda::instanceFrom(o);
        (void)lambda::plansFromTypes(o.value(QStringLiteral("data")).toObject(), at);
        (void)lambda::errorFrom(r);
        break;
    case 2:
        (void)runpod::instanceFrom(o);
        (void)runpod::plansFromGpus(a, at);
        (void)runpod::errorFrom(r);
        break;
    case 3:
        (void)digitalocean::instanceFrom(o);
        (void)digitalocean::plansFromSizes(a, at);
        (void)digitalocean::regionsFrom(a);
        (void)digitalocean::errorFrom(r);
        (void)digitalocean::nextPage(o, RestRequest{});
        break;
    case 4:
        (void)vast::instanceFrom(o);
        (void)vast::plansFromOffers(vast::offersOf(o), at);
        (void)vast::regionsFromOffers(vast::offersOf(o));
        (void)vast::uniqueById(a);
        (void)vast::launchedId(o);
        (void)vast::errorFrom(r);
        break;
    default:
        (void)gce::instanceFrom(o);
        (void)gce::plansFrom(gce::flattenAggregated(o, QStringLiteral("acceleratorTypes")),
                             gce::flattenAggregated(o, QStringLiteral("machineTypes")), at);
        (void)gce::plansFrom(a, a, at);
        (void)gce::zonesFrom(gce::flattenAggregated(o, QStringLiteral("acceleratorTypes")));
        (void)gce::imagesFrom(o.value(QStringLiteral("items")).toArray());
        (void)gce::flattenAggregated(o, QStringLiteral("instances"));
        (void)gce::operationError(o);
        (void)gce::errorFrom(r);
        (void)gce::isThrottled(r);
        (void)gce::nextPage(o, RestRequest{});
        (void)gce::parseKey(r.body);
        (void)gce::parseTokenAnswer(o, at);
        (void)gce::tokenError(r.status, o);
        // The Cloud Billing Catalog's SKU pages (prices when the user gives an API key).
        const gce::BillingRates rates =
            gce::billingRatesFrom(o.value(QStringLiteral("skus")).toArray(), at);
        (void)gce::billedPriceFor(rates, QStringLiteral("n1-standard-8+1xnvidia-tesla-t4"),
                                  QStringLiteral("us-central1"));
        (void)gce::skuUnitPrice(o);
        (void)gce::skuKind(o);
        (void)gce::billingErrorFrom(r);
        break;
    }
    return 0;
}
