#include "provider.h"

namespace gpudeck {

Provider::~Provider() = default;

Error Provider::unsupported(const QString& what) const
{
    return makeError(ErrorCode::Unsupported,
                     QStringLiteral("%1 cannot %2 machines.").arg(displayName(), what));
}

QStringList Provider::loginUsers(const Instance& instance) const
{
    return {instance.user};
}

QString Provider::selfStopCommand() const
{
    return {};
}

bool Provider::selfStopSurvivesReboot() const
{
    return false;
}

QString Provider::spotNote() const
{
    return {};
}

QString Provider::noLaunchNote() const
{
    return unsupported(QStringLiteral("launch")).message;
}

void Provider::stop(const QString& /*id*/, Callback<Instance> done)
{
    deliver<Instance>(std::move(done), unsupported(QStringLiteral("stop")));
}

void Provider::start(const QString& /*id*/, Callback<Instance> done)
{
    deliver<Instance>(std::move(done), unsupported(QStringLiteral("start")));
}

void Provider::allowSshFromHere(const Instance& /*instance*/, Callback<QString> done)
{
    deliver<QString>(std::move(done),
                     makeError(ErrorCode::Unsupported,
                               QStringLiteral("%1 has no firewall GPUDeck manages: SSH is not "
                                              "limited to one address there.")
                                   .arg(displayName())));
}

void Provider::setCredential(const QString& /*token*/) {}

void Provider::checkCredential(Callback<QString> done)
{
    deliver<QString>(std::move(done), unsupported(QStringLiteral("check an account for")));
}

} // namespace gpudeck
