#include "testenv.h"

#include "registry.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <csignal>
#include <sys/types.h>

namespace gpudeck::test {

namespace {
const char* const kVars[] = {"XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME",
                             "XDG_CACHE_HOME"};
const char* const kDirs[] = {"config", "data", "state", "cache"};
} // namespace

IsolatedEnvironment::IsolatedEnvironment()
{
    for (size_t i = 0; i < std::size(kVars); ++i) {
        const QString d = m_dir.path() + QLatin1Char('/') + QLatin1String(kDirs[i]);
        QDir().mkpath(d);
        qputenv(kVars[i], QFile::encodeName(d));
    }
    // Tests talk to nothing outside this machine: a cloud API a test does not fake itself points
    // at a closed loopback port (a test's fake sets its own address over this).
    m_redirected = ProviderRegistry::builtin().redirectApis("http://127.0.0.1:9");
    qputenv("GPUDECK_SANDBOX_PROVISION_MS", "300");
    qputenv("GPUDECK_SANDBOX_BOOT_MS", "300");
    qputenv("GPUDECK_SANDBOX_DESTROY_MS", "100");
    qputenv("GPUDECK_SANDBOX_STALE_MS", "1000");
    if (qEnvironmentVariableIsEmpty("GPUDECK_HELPER_DIR") && !binDir().isEmpty())
        qputenv("GPUDECK_HELPER_DIR", QFile::encodeName(binDir()));
}

IsolatedEnvironment::~IsolatedEnvironment()
{
    // A test that failed half-way may leave Sandbox machines running; their processes name
    // this folder in their command line (sshd) or environment (sessions). Nothing outlives the
    // test, whatever happened in it.
    const QByteArray marker = QFile::encodeName(m_dir.path());
    for (const QString& pid :
         QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        bool isPid = false;
        const qint64 n = pid.toLongLong(&isPid);
        if (!isPid || n == QCoreApplication::applicationPid())
            continue;
        QFile cmdline(QStringLiteral("/proc/%1/cmdline").arg(pid));
        QFile environ(QStringLiteral("/proc/%1/environ").arg(pid));
        const bool ours =
            (cmdline.open(QIODevice::ReadOnly) && cmdline.readAll().contains(marker)) ||
            (environ.open(QIODevice::ReadOnly) && environ.readAll().contains(marker));
        if (ours)
            ::kill(static_cast<pid_t>(n), SIGKILL);
    }
    for (const char* v : kVars)
        qunsetenv(v);
    for (const QByteArray& api : m_redirected)
        qunsetenv(api.constData());
}

QString IsolatedEnvironment::stateDir() const
{
    return m_dir.path() + QStringLiteral("/state/gpudeck");
}

QString sharedDir()
{
    const QString d = qEnvironmentVariable("GPUDECK_SHARED_DIR");
    if (d.isEmpty() || !QFileInfo(d + QStringLiteral("/realdata")).isDir())
        return {};
    return QDir(d).absolutePath();
}

QByteArray readFile(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.readAll();
}

bool writeFile(const QString& path, const QByteArray& content)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(content) == content.size();
}

QString binDir()
{
    const QString d = qEnvironmentVariable("GPUDECK_BIN_DIR");
    return d.isEmpty() ? QCoreApplication::applicationDirPath() : d;
}

} // namespace gpudeck::test
