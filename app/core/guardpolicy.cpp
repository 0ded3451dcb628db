#include "guardpolicy.h"

#include "billing.h"
#include "numbers.h"

namespace gpudeck {

QString actionName(GuardPolicy::Action a)
{
    return a == GuardPolicy::Action::Stop ? QStringLiteral("stop") : QStringLiteral("destroy");
}

QJsonObject GuardPolicy::toJson() const
{
    return {{QStringLiteral("idle_timeout_seconds"), idleTimeoutSeconds},
            {QStringLiteral("max_lifetime_seconds"), maxLifetimeSeconds},
            {QStringLiteral("budget_cap_cents"), budgetCapCents},
            {QStringLiteral("countdown_seconds"), countdownSeconds},
            {QStringLiteral("gpu_idle_percent"), gpuIdlePercent},
            {QStringLiteral("cpu_idle_load"), cpuIdleLoad},
            {QStringLiteral("action"), actionName(action)},
            {QStringLiteral("results_folder"), resultsFolder},
            {QStringLiteral("download_dir"), downloadDir}};
}

GuardPolicy GuardPolicy::fromJson(const QJsonObject& o)
{
    GuardPolicy p;
    auto num = [&](const char* key, qint64 fallback) {
        const QJsonValue v = o.value(QLatin1String(key));
        return v.isDouble() && v.toDouble() >= 0 ? wholeNumber(v.toDouble()).value_or(fallback)
                                                 : fallback;
    };
    p.idleTimeoutSeconds = num("idle_timeout_seconds", p.idleTimeoutSeconds);
    p.maxLifetimeSeconds = num("max_lifetime_seconds", p.maxLifetimeSeconds);
    p.budgetCapCents = num("budget_cap_cents", p.budgetCapCents);
    p.countdownSeconds = num("countdown_seconds", p.countdownSeconds);
    p.gpuIdlePercent = o.value(QStringLiteral("gpu_idle_percent")).toDouble(p.gpuIdlePercent);
    p.cpuIdleLoad = o.value(QStringLiteral("cpu_idle_load")).toDouble(p.cpuIdleLoad);
    p.action = o.value(QStringLiteral("action")).toString() == QLatin1String("stop")
                   ? Action::Stop
                   : Action::Destroy;
    p.resultsFolder = o.value(QStringLiteral("results_folder")).toString();
    p.downloadDir = o.value(QStringLiteral("download_dir")).toString();
    return p;
}

QString GuardPolicy::describe() const
{
    QStringList parts;
    parts << (idleTimeoutSeconds > 0
                  ? QStringLiteral("idle %1").arg(formatDuration(idleTimeoutSeconds))
                  : QStringLiteral("no idle limit"));
    parts << (maxLifetimeSeconds > 0
                  ? QStringLiteral("lifetime %1").arg(formatDuration(maxLifetimeSeconds))
                  : QStringLiteral("no lifetime limit"));
    parts << (budgetCapCents > 0 ? QStringLiteral("budget %1").arg(formatCents(budgetCapCents))
                                 : QStringLiteral("no budget cap"));
    QString then =
        QStringLiteral("%1 after %2")
            .arg(actionName(action), countdownSeconds > 0 ? formatDuration(countdownSeconds)
                                                          : QStringLiteral("no countdown"));
    if (!resultsFolder.isEmpty())
        then += QStringLiteral(", downloading %1 first").arg(resultsFolder);
    return parts.join(QStringLiteral(" · ")) + QStringLiteral(" → ") + then;
}

} // namespace gpudeck
