#include "remotecommand.h"

namespace gpudeck::ssh {

namespace {

const QLatin1String kPrefix("exec sh -c 'eval \"$(printf %s ");
const QLatin1String kMiddle(" | base64 -d || echo exit 125)\"' gpudeck");

// Turns the encoded arguments back into "$1", "$2", …: each is decoded and appended, then the
// encoded one shifted off. The '.' keeps trailing newlines, which $(…) would strip.
const QLatin1String
    kDecodeArguments("i=$#\n"
                     "while [ \"$i\" -gt 0 ]; do\n"
                     "  v=$(printf %s \"${1#x}\" | base64 -d && printf .) || exit 125\n"
                     "  set -- \"$@\" \"${v%.}\"\n"
                     "  shift\n"
                     "  i=$((i - 1))\n"
                     "done\n"
                     "unset i v\n");

// The script runs in the background while the shell reads its stdin, which stays open as long
// as the channel does. At end of file (the channel closed, or the connection dropped) it ends
// its whole process group: sshd made the session its own group, so that is exactly what this
// command started. When the script ends first, the watcher goes and its status is the result.
const QLatin1String kWatchChannelBefore("exec 3<&0\n"
                                        "{\n");
const QLatin1String kWatchChannelAfter("\n} </dev/null &\n"
                                       "gpudeck_job=$!\n"
                                       "{ while read -r _; do :; done; kill 0; } <&3 &\n"
                                       "gpudeck_watch=$!\n"
                                       "exec 3<&-\n"
                                       "wait \"$gpudeck_job\"\n"
                                       "gpudeck_status=$?\n"
                                       "kill \"$gpudeck_watch\" 2>/dev/null\n"
                                       "exit \"$gpudeck_status\"\n");

bool isSafe(QChar c)
{
    return (c >= QLatin1Char('a') && c <= QLatin1Char('z')) ||
           (c >= QLatin1Char('A') && c <= QLatin1Char('Z')) ||
           (c >= QLatin1Char('0') && c <= QLatin1Char('9')) || c == QLatin1Char('+') ||
           c == QLatin1Char('/') || c == QLatin1Char('=');
}

bool allSafe(QStringView s)
{
    for (const QChar c : s) {
        if (!isSafe(c))
            return false;
    }
    return true;
}

} // namespace

QString remoteCommand(QStringView script, const QList<QByteArray>& args, RemoteLifetime lifetime)
{
    QString body = kDecodeArguments;
    if (lifetime == RemoteLifetime::UntilChannelCloses)
        body += kWatchChannelBefore + script + kWatchChannelAfter;
    else
        body += script;
    QString line = kPrefix + QString::fromLatin1(body.toUtf8().toBase64()) + kMiddle;
    for (const QByteArray& a : args)
        line += QStringLiteral(" x") + QString::fromLatin1(a.toBase64());
    return line;
}

QString remoteCommand(QStringView script, const QStringList& args, RemoteLifetime lifetime)
{
    QList<QByteArray> bytes;
    bytes.reserve(args.size());
    for (const QString& a : args)
        bytes << a.toUtf8();
    return remoteCommand(script, bytes, lifetime);
}

bool isRemoteCommand(QStringView line)
{
    if (!line.startsWith(kPrefix))
        return false;
    line = line.sliced(kPrefix.size());
    const qsizetype middle = line.indexOf(kMiddle);
    if (middle <= 0 || !allSafe(line.first(middle)))
        return false;
    line = line.sliced(middle + kMiddle.size());
    // " xBASE64" words
    while (!line.isEmpty()) {
        if (!line.startsWith(QLatin1String(" x")))
            return false;
        line = line.sliced(2);
        const qsizetype end = line.indexOf(QLatin1Char(' '));
        const QStringView word = end < 0 ? line : line.first(end);
        if (!allSafe(word))
            return false;
        line = end < 0 ? QStringView() : line.sliced(end);
    }
    return true;
}

QString pathArgument(const QString& path)
{
    return path.startsWith(QLatin1Char('-')) ? QStringLiteral("./") + path : path;
}

} // namespace gpudeck::ssh
