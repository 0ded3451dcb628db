#pragma once

#include "fakehttpserver.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QMap>
#include <QSet>

#include <memory>

typedef struct evp_pkey_st EVP_PKEY;

namespace gpudeck::test {

// A stateful stand-in for Google Compute Engine v1 and Google's OAuth2 token endpoint on
// loopback (Google cannot be reached from tests). It makes its own service account (a fresh
// RSA key): the token endpoint checks every JWT assertion the way Google does (RS256 signature
// against the account's public key, iss, aud, scope, iat/exp) and hands out access tokens that
// expire; every Compute call needs a live one of them (a wrong, expired or revoked token → 401).
// VMs go PROVISIONING → STAGING → RUNNING (with an external natIP) as they are read, stop →
// TERMINATED, start → RUNNING, delete (then 404). Inserts return zone operations that finish
// as they are waited for; a requestId seen before answers the first insert's operation and
// makes nothing. Throttling (429 with Retry-After) and capacity (ZONE_RESOURCE_POOL_EXHAUSTED
// in the operation) are injected on demand.
//
// Pointing a provider at it: GPUDECK_API_BASE_GCE=baseUrl(), GPUDECK_OAUTH_TOKEN_URL=tokenUrl(),
// GPUDECK_API_BASE_GCE_CHECKIP=checkIpUrl(), and the key from serviceAccountJson() (the
// credential itself, or a file written by writeKeyFile() named by
// GOOGLE_APPLICATION_CREDENTIALS).
//
// It also serves the Cloud Billing Catalog API's Compute Engine SKUs
// (GET /v1/services/6F81-5844-456A/skus?key=…): a small list in Google's shapes over two pages
// (nextPageToken), only to the API key billingKey() (else 400 API_KEY_INVALID as Google answers).
// GPUDECK_API_BASE_GCE_BILLING=billingUrl(), GPUDECK_GCE_BILLING_API_KEY=billingKey().
class FakeGce final : public QObject {
    Q_OBJECT
public:
    explicit FakeGce(QString project = QStringLiteral("gpudeck-test"), QObject* parent = nullptr);
    ~FakeGce() override;

    bool listen(quint16 port = 0) { return m_server.listen(port); }
    [[nodiscard]] FakeHttpServer& server() { return m_server; }
    [[nodiscard]] QString baseUrl() const; // …/compute/v1
    [[nodiscard]] QString tokenUrl() const;
    [[nodiscard]] QString checkIpUrl() const;
    [[nodiscard]] QString billingUrl() const; // the server's root: paths start with /v1
    [[nodiscard]] QString billingKey() const { return QStringLiteral("AIzaSyFakeBillingKey0123"); }
    // The SKUs served, both pages: us-central1 N1 and A2 vCPU/RAM, T4, V100 and A100 GPUs (on
    // demand and spot, priced unlike the 2021 table), a europe-west4 N1 core without its RAM
    // SKU, and SKUs GPUDeck ignores (commitments, disks, custom N1, T4 workstation).
    [[nodiscard]] static QJsonArray billingSkus();
    // Every billing call answers this status and body from now on (0: serve the SKUs again).
    void breakBilling(int status, const QByteArray& body = {})
    {
        m_billingStatus = status;
        m_billingBody = body;
    }
    [[nodiscard]] int billingCalls() const { return m_billingCalls; }
    [[nodiscard]] QStringList billingPageTokens() const { return m_billingPageTokens; }
    [[nodiscard]] QString project() const { return m_project; }
    [[nodiscard]] QString clientEmail() const;
    // The service account's key as Google's console downloads it; token_uri is tokenUrl().
    [[nodiscard]] QByteArray serviceAccountJson() const;
    [[nodiscard]] bool writeKeyFile(const QString& path) const;
    [[nodiscard]] QByteArray publicKeyPem() const;

    // The address running VMs report as their external natIP (SSH on port 22 there).
    void setSshHost(const QString& host) { m_sshHost = host; }
    // What the public-address check answers (the firewall rule's source).
    void setPublicAddress(const QString& ip) { m_publicIp = ip; }
    void setTokenLifetime(int seconds) { m_tokenLifetime = seconds; }
    // Every access token handed out so far stops working (the next call gets 401).
    void revokeTokens() { m_tokens.clear(); }
    // The next `n` Compute calls answer 429 rateLimitExceeded with Retry-After.
    void throttleNext(int n, int retryAfterSec = 1)
    {
        m_throttle = n;
        m_retryAfter = retryAfterSec;
    }
    // Inserts in `zone` fail in their operation with ZONE_RESOURCE_POOL_EXHAUSTED.
    void exhaustZone(const QString& zone) { m_exhausted.insert(zone); }
    void setPollsPerStep(int n) { m_pollsPerStep = n; }
    // A list of the VMs moves each on too (end-to-end tests refresh by listing).
    void setAdvanceOnList(bool on) { m_advanceOnList = on; }

    [[nodiscard]] int instanceCount() const { return int(m_vms.size()); }
    [[nodiscard]] QJsonObject instance(const QString& name) const { return m_vms.value(name).json; }
    [[nodiscard]] QStringList instanceNames() const { return m_vms.keys(); }
    [[nodiscard]] QJsonObject firewall() const { return m_firewall; }
    [[nodiscard]] int tokensIssued() const { return m_issued; }
    [[nodiscard]] int rejectedAssertions() const { return m_rejectedAssertions; }
    [[nodiscard]] int rejectedTokens() const { return m_rejectedTokens; }
    [[nodiscard]] QStringList requestIds() const { return m_requestIds; }
    [[nodiscard]] QByteArray lastAssertion() const { return m_lastAssertion; }

private:
    struct Vm {
        QJsonObject json;
        QString pending; // the status the next reads lead to
        int polls = 0;
    };
    FakeHttpReply handle(const FakeHttpRequest& r);
    FakeHttpReply token(const FakeHttpRequest& r);
    FakeHttpReply compute(const FakeHttpRequest& r, const QStringList& parts);
    FakeHttpReply insert(const FakeHttpRequest& r, const QString& zone);
    FakeHttpReply billing(const FakeHttpRequest& r);
    [[nodiscard]] QString verifyAssertion(const QByteArray& jwt) const;
    QJsonObject operation(const QString& zone, const QString& type, const QString& target,
                          bool done, const QJsonObject& error = {});
    void advance(Vm& vm);
    void advanceOperation(QJsonObject& op);

    FakeHttpServer m_server;
    QString m_project;
    EVP_PKEY* m_key = nullptr;
    QByteArray m_privatePem;
    QString m_sshHost = QStringLiteral("127.0.0.1");
    QString m_publicIp = QStringLiteral("203.0.113.7");
    int m_tokenLifetime = 3600;
    QMap<QString, QDateTime> m_tokens; // access token → expiry
    int m_issued = 0;
    int m_rejectedAssertions = 0;
    int m_rejectedTokens = 0;
    int m_throttle = 0;
    int m_retryAfter = 1;
    int m_pollsPerStep = 1;
    bool m_advanceOnList = false;
    int m_nextOp = 1;
    qint64 m_nextId = 5427110364119200000;
    QSet<QString> m_exhausted;
    QMap<QString, Vm> m_vms;
    QMap<QString, QJsonObject> m_operations; // name → operation
    QMap<QString, QString> m_requestOps;     // requestId → operation name
    QMap<QString, int> m_opPolls;
    QStringList m_requestIds;
    QJsonObject m_firewall;
    QByteArray m_lastAssertion;
    int m_billingStatus = 0;
    QByteArray m_billingBody;
    int m_billingCalls = 0;
    QStringList m_billingPageTokens;
};

} // namespace gpudeck::test
