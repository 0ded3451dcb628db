#include "knownhosts.h"

#include <QFile>
#include <QSaveFile>

namespace gpudeck::ssh {

QString knownHostsName(const QString& host, int port)
{
    return port == 22 ? host : QStringLiteral("[%1]:%2").arg(host).arg(port);
}

Result<int> forgetHost(const QString& knownHostsFile, const QString& host, int port)
{
    QFile in(knownHostsFile);
    if (!in.exists())
        return 0;
    if (!in.open(QIODevice::ReadOnly))
        return makeError(ErrorCode::Io, QStringLiteral("Could not read %1.").arg(knownHostsFile));
    const QByteArray name = knownHostsName(host, port).toUtf8();
    QByteArray kept;
    int removed = 0;
    for (const QByteArray& line : in.readAll().split('\n')) {
        if (line.isEmpty())
            continue;
        const QByteArray hosts = line.split(' ').value(0);
        if (hosts.split(',').contains(name)) {
            ++removed;
            continue;
        }
        kept += line + '\n';
    }
    in.close();
    if (removed == 0)
        return 0;
    QSaveFile out(knownHostsFile);
    if (!out.open(QIODevice::WriteOnly) || out.write(kept) != kept.size() || !out.commit())
        return makeError(ErrorCode::Io, QStringLiteral("Could not update %1.").arg(knownHostsFile));
    return removed;
}

} // namespace gpudeck::ssh
