#include "awscredentials.h"

#include <QDir>
#include <QFile>

namespace gpudeck::aws {

AwsCredentials parseStoredCredential(const QString& stored)
{
    const QStringList parts = stored.trimmed().split(QLatin1Char(':'));
    AwsCredentials c;
    if (parts.size() < 2)
        return c;
    c.accessKeyId = parts.at(0).trimmed();
    c.secretAccessKey = parts.at(1).trimmed();
    if (parts.size() > 2)
        c.sessionToken = parts.mid(2).join(QLatin1Char(':')).trimmed();
    c.source = QStringLiteral("keychain");
    return c;
}

AwsCredentials credentialsFromEnvironment()
{
    AwsCredentials c;
    c.accessKeyId = qEnvironmentVariable("AWS_ACCESS_KEY_ID");
    c.secretAccessKey = qEnvironmentVariable("AWS_SECRET_ACCESS_KEY");
    c.sessionToken = qEnvironmentVariable("AWS_SESSION_TOKEN");
    c.source = QStringLiteral("environment");
    return c;
}

AwsCredentials credentialsFromProfile(const QString& file, const QString& profile)
{
    AwsCredentials c;
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly))
        return c;
    // The INI dialect of ~/.aws/credentials: [profile] sections, key = value, # or ; comments.
    bool inSection = false;
    while (!f.atEnd()) {
        const QString line = QString::fromUtf8(f.readLine()).trimmed();
        if (line.isEmpty() || line.startsWith(QLatin1Char('#')) ||
            line.startsWith(QLatin1Char(';')))
            continue;
        if (line.startsWith(QLatin1Char('[')) && line.endsWith(QLatin1Char(']'))) {
            inSection = line.mid(1, line.size() - 2).trimmed() == profile;
            continue;
        }
        if (!inSection)
            continue;
        const qsizetype eq = line.indexOf(QLatin1Char('='));
        if (eq < 0)
            continue;
        const QString key = line.left(eq).trimmed().toLower();
        const QString value = line.mid(eq + 1).trimmed();
        if (key == QLatin1String("aws_access_key_id"))
            c.accessKeyId = value;
        else if (key == QLatin1String("aws_secret_access_key"))
            c.secretAccessKey = value;
        else if (key == QLatin1String("aws_session_token"))
            c.sessionToken = value;
    }
    c.source = QStringLiteral("profile %1 in %2").arg(profile, file);
    return c;
}

AwsCredentials resolveCredentials(const QString& stored)
{
    AwsCredentials c = parseStoredCredential(stored);
    if (c.isValid())
        return c;
    c = credentialsFromEnvironment();
    if (c.isValid())
        return c;
    QString file = qEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE");
    if (file.isEmpty())
        file = QDir::homePath() + QStringLiteral("/.aws/credentials");
    QString profile = qEnvironmentVariable("AWS_PROFILE");
    if (profile.isEmpty())
        profile = QStringLiteral("default");
    return credentialsFromProfile(file, profile);
}

QString defaultRegion()
{
    QString r = qEnvironmentVariable("AWS_REGION");
    if (r.isEmpty())
        r = qEnvironmentVariable("AWS_DEFAULT_REGION");
    return r.isEmpty() ? QStringLiteral("us-east-1") : r;
}

} // namespace gpudeck::aws
