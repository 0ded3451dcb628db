#include "fleet.h"
#include "logging.h"
#include "mainwindow.h"
#include "prompter.h"
#include "resources.h"
#include "settings.h"
#include "startupprobe.h"
#include "theme.h"
#include "workerthreads.h"

#include <QApplication>
#include <QTimer>

int main(int argc, char* argv[])
{
    QApplication app(argc, argv);
    const gpudeck::WorkerThreadsJoin joinWorkers;
    QApplication::setApplicationName(QStringLiteral("gpudeck"));
    QApplication::setApplicationDisplayName(QStringLiteral("GPUDeck"));
    QApplication::setApplicationVersion(QStringLiteral(GPUDECK_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("io.github.gpudeck.GPUDeck"));
    gpudeck::installDefaultLogRules();
    gpudeck::initResources();
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/gpudeck.svg")));

    gpudeck::Fleet fleet(gpudeck::AppPaths::standard());
    const gpudeck::Result<void> opened = fleet.open();
    if (!opened.ok()) {
        gpudeck::Prompter::instance().showError(nullptr, QStringLiteral("GPUDeck cannot start"),
                                                opened.error());
        return 1;
    }
    gpudeck::Settings settings(fleet.paths());
    gpudeck::applyTheme(settings.theme());
    gpudeck::MainWindow window(fleet, settings);

    int benchIdleMs = 0;
    if (gpudeck::StartupProbe::requested(&benchIdleMs))
        window.installEventFilter(new gpudeck::StartupProbe(benchIdleMs, &window));
    window.show();
    window.showWelcomeIfFirstRun();

    const QStringList interrupted = fleet.interruptedLaunches();
    if (!interrupted.isEmpty()) {
        QTimer::singleShot(0, &window, [&window, interrupted] {
            gpudeck::Prompter::instance().showError(
                &window, QStringLiteral("Interrupted launch"),
                gpudeck::makeError(gpudeck::ErrorCode::Internal,
                                   QStringLiteral("GPUDeck stopped while a launch was in flight. "
                                                  "Check the instance list for a machine you did "
                                                  "not expect:\n") +
                                       interrupted.join(QLatin1Char('\n'))));
        });
    }
    return app.exec();
}
