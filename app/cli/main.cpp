#include "cli.h"
#include "logging.h"
#include "resources.h"
#include "workerthreads.h"

#include <QCoreApplication>
#include <QTextStream>

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    const gpudeck::WorkerThreadsJoin joinWorkers;
    QCoreApplication::setApplicationName(QStringLiteral("gpudeck-cli"));
    QCoreApplication::setApplicationVersion(QStringLiteral(GPUDECK_VERSION));
    gpudeck::installDefaultLogRules();
    gpudeck::initResources(); // the bundled catalogs
    QTextStream out(stdout);
    QTextStream err(stderr);
    return gpudeck::cli::run(app.arguments().mid(1), out, err);
}
