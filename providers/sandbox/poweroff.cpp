#include "poweroff.h"

#include "processes.h"

#include <QFile>

namespace gpudeck::sandbox {

QByteArray poweroffScript()
{
    // The tag is the machine's own (kTagVariable, set by session.sh for every session), so
    // this ends exactly that machine's processes, itself last.
    return QStringLiteral(
               "#!/bin/sh\n"
               "# GPUDeck Sandbox machine power switch (like `shutdown -h now`).\n"
               "d=\"${GPUDECK_SANDBOX_DIR:?not on a GPUDeck Sandbox machine}\"\n"
               "tag=\"$%1\"\n"
               "date -u +%Y-%m-%dT%H:%M:%SZ > \"$d/%2.tmp\" && mv -f \"$d/%2.tmp\" \"$d/%2\" || "
               "exit 1\n"
               "echo \"The Sandbox machine is powering off.\"\n"
               "pid=$(cat \"$d/sshd.pid\" 2>/dev/null)\n"
               "[ -n \"$pid\" ] && kill \"$pid\" 2>/dev/null\n"
               "for p in /proc/[0-9]*; do\n"
               "    n=${p#/proc/}\n"
               "    [ \"$n\" = $$ ] && continue\n"
               "    if grep -qzxF \"%1=$tag\" \"$p/environ\" 2>/dev/null; then\n"
               "        kill \"$n\" 2>/dev/null\n"
               "    fi\n"
               "done\n"
               "exit 0\n")
        .arg(QLatin1String(kTagVariable), QLatin1String(kPoweroffFile))
        .toUtf8();
}

std::optional<QDateTime> poweredOffAt(const QString& machineDir)
{
    QFile f(machineDir + QLatin1Char('/') + QLatin1String(kPoweroffFile));
    if (!f.open(QIODevice::ReadOnly))
        return std::nullopt;
    QDateTime t = QDateTime::fromString(QString::fromLatin1(f.readAll().trimmed()), Qt::ISODate);
    if (!t.isValid())
        return std::nullopt;
    return t.toUTC();
}

} // namespace gpudeck::sandbox
