#include "sshhostprovider.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSaveFile>

#include <pwd.h>
#include <unistd.h>

namespace gpudeck {

QJsonObject SshHost::toJson() const
{
    return {{QStringLiteral("name"), name},
            {QStringLiteral("host"), host},
            {QStringLiteral("port"), port},
            {QStringLiteral("user"), user},
            {QStringLiteral("key"), keyFile},
            {QStringLiteral("hourly_usd"), hourlyUsd},
            {QStringLiteral("via_ssh_config"), viaSshConfig},
            {QStringLiteral("added_at"), addedAt.toString(Qt::ISODateWithMs)}};
}

SshHost SshHost::fromJson(const QJsonObject& o)
{
    SshHost h;
    h.name = o.value(QStringLiteral("name")).toString();
    h.host = o.value(QStringLiteral("host")).toString();
    h.port = o.value(QStringLiteral("port")).toInt(22);
    h.user = o.value(QStringLiteral("user")).toString();
    h.keyFile = o.value(QStringLiteral("key")).toString();
    h.hourlyUsd = o.value(QStringLiteral("hourly_usd")).toDouble();
    h.viaSshConfig = o.value(QStringLiteral("via_ssh_config")).toBool();
    h.addedAt =
        QDateTime::fromString(o.value(QStringLiteral("added_at")).toString(), Qt::ISODateWithMs);
    return h;
}

SshHostProvider::SshHostProvider(const ProviderContext& context, QObject* parent)
    : Provider(parent)
    , m_file(context.configDir + QStringLiteral("/hosts.json"))
{}

ProviderCapabilities SshHostProvider::capabilities() const
{
    return {}; // no launch, destroy, stop or catalog: the machine is the user's own
}

QString SshHostProvider::guardNote() const
{
    return QStringLiteral("Your own machines, reached over SSH. GPUDeck never starts, stops or "
                          "deletes them; an hourly amount you set is counted in cost views.");
}

Instance SshHostProvider::toInstance(const SshHost& h)
{
    Instance i;
    i.id = h.name;
    i.name = h.name;
    i.provider = QStringLiteral("ssh");
    i.planId = QStringLiteral("own machine");
    i.status = InstanceStatus::Running;
    i.statusDetail = QStringLiteral("Your own machine: GPUDeck does not start or stop it.");
    i.host = h.host;
    i.sshPort = h.port;
    i.user = h.user;
    i.identityFile = h.keyFile;
    i.viaSshConfig = h.viaSshConfig;
    i.priceHourly = h.hourlyUsd;
    i.createdAt = h.addedAt;
    i.startedAt = h.addedAt;
    i.runIntervals = {{h.addedAt, QDateTime()}};
    return i;
}

Result<QList<SshHost>> SshHostProvider::hosts() const
{
    QFile f(m_file);
    if (!f.exists())
        return QList<SshHost>{};
    if (!f.open(QIODevice::ReadOnly))
        return makeError(ErrorCode::Io, QStringLiteral("Could not read %1.").arg(m_file));
    QJsonParseError err{};
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &err);
    if (err.error != QJsonParseError::NoError || !doc.isArray())
        return makeError(ErrorCode::Io,
                         QStringLiteral("%1 is damaged (%2). Fix or remove it to add hosts again.")
                             .arg(m_file, err.errorString()));
    QList<SshHost> out;
    for (const QJsonValue& v : doc.array())
        out << SshHost::fromJson(v.toObject());
    return out;
}

Result<void> SshHostProvider::save(const QList<SshHost>& list) const
{
    QJsonArray a;
    for (const SshHost& h : list)
        a.append(h.toJson());
    QDir().mkpath(QFileInfo(m_file).absolutePath());
    QSaveFile f(m_file);
    const QByteArray bytes = QJsonDocument(a).toJson();
    if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size() || !f.commit())
        return makeError(ErrorCode::Io, QStringLiteral("Could not write %1.").arg(m_file));
    return {};
}

Result<void> SshHostProvider::addHost(SshHost host)
{
    static const QRegularExpression validName(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$"));
    if (!validName.match(host.name).hasMatch())
        return makeError(ErrorCode::InvalidInput,
                         QStringLiteral("\"%1\" is not a valid host name for GPUDeck: use up to 63 "
                                        "letters, digits, dots, dashes or underscores.")
                             .arg(host.name));
    if (host.host.isEmpty())
        host.host = host.name;
    if (host.host.contains(QLatin1Char(' ')) || host.host.startsWith(QLatin1Char('-')))
        return makeError(ErrorCode::InvalidInput,
                         QStringLiteral("\"%1\" is not a host name or address.").arg(host.host));
    if (host.port < 1 || host.port > 65535)
        return makeError(ErrorCode::InvalidInput,
                         QStringLiteral("Port %1 is not between 1 and 65535.").arg(host.port));
    if (!host.keyFile.isEmpty()) {
        host.keyFile = QFileInfo(host.keyFile).absoluteFilePath();
        if (!QFileInfo(host.keyFile).isReadable())
            return makeError(ErrorCode::InvalidInput,
                             QStringLiteral("Cannot read the key file %1.").arg(host.keyFile));
    }
    if (host.user.isEmpty() && !host.viaSshConfig) {
        // What ssh would use: the local user name.
        if (const passwd* pw = ::getpwuid(::getuid()))
            host.user = QString::fromLocal8Bit(pw->pw_name);
    }
    if (host.hourlyUsd < 0)
        return makeError(ErrorCode::InvalidInput,
                         QStringLiteral("The hourly amount cannot be negative."));
    Result<QList<SshHost>> list = hosts();
    if (!list.ok())
        return list.error();
    for (const SshHost& h : list.value()) {
        if (h.name == host.name)
            return makeError(ErrorCode::Conflict,
                             QStringLiteral("There is already an SSH host named %1; remove it "
                                            "first or pick another name.")
                                 .arg(host.name));
    }
    if (!host.addedAt.isValid())
        host.addedAt = QDateTime::currentDateTimeUtc();
    list.value() << host;
    return save(list.value());
}

Result<void> SshHostProvider::removeHost(const QString& name)
{
    Result<QList<SshHost>> list = hosts();
    if (!list.ok())
        return list.error();
    const qsizetype before = list->size();
    list.value().removeIf([&](const SshHost& h) { return h.name == name; });
    if (list->size() == before)
        return makeError(ErrorCode::NotFound,
                         QStringLiteral("There is no SSH host named %1.").arg(name));
    return save(list.value());
}

void SshHostProvider::fetchCatalog(Callback<Catalog> done)
{
    Catalog c;
    c.fetchedAt = QDateTime::currentDateTimeUtc();
    deliver<Catalog>(std::move(done), std::move(c));
}

void SshHostProvider::listInstances(Callback<QList<Instance>> done)
{
    Result<QList<SshHost>> list = hosts();
    if (!list.ok()) {
        deliver<QList<Instance>>(std::move(done), list.error());
        return;
    }
    QList<Instance> out;
    for (const SshHost& h : list.value())
        out << toInstance(h);
    deliver<QList<Instance>>(std::move(done), std::move(out));
}

void SshHostProvider::getInstance(const QString& id, Callback<Instance> done)
{
    Result<QList<SshHost>> list = hosts();
    if (!list.ok()) {
        deliver<Instance>(std::move(done), list.error());
        return;
    }
    for (const SshHost& h : list.value()) {
        if (h.name == id) {
            deliver<Instance>(std::move(done), toInstance(h));
            return;
        }
    }
    deliver<Instance>(
        std::move(done),
        makeError(ErrorCode::NotFound, QStringLiteral("There is no SSH host named %1.").arg(id)));
}

void SshHostProvider::launch(const LaunchRequest& /*request*/, Callback<Instance> done)
{
    deliver<Instance>(std::move(done), unsupported(QStringLiteral("launch")));
}

void SshHostProvider::destroy(const QString& /*id*/, Callback<void> done)
{
    deliver<void>(std::move(done), unsupported(QStringLiteral("destroy")));
}

} // namespace gpudeck
