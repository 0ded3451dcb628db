#include "cli.h"

#include <QCoreApplication>
#include <QLoggingCategory>
#include <QTextStream>

int main(int argc, char* argv[]) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("gpudeck-cli"));
    QCoreApplication::setApplicationVersion(QStringLiteral(GPUDECK_VERSION));
    // Our own progress logging is for debugging (QT_LOGGING_RULES=gpudeck.*=true), not for
    // the output of scripts; warnings still show.
    if (qEnvironmentVariableIsEmpty("QT_LOGGING_RULES"))
        QLoggingCategory::setFilterRules(
            QStringLiteral("gpudeck.*.info=false\ngpudeck.*.debug=false"));
    QTextStream out(stdout);
    QTextStream err(stderr);
    return gpudeck::cli::run(app.arguments().mid(1), out, err);
}
