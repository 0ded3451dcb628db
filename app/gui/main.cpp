#include "fleet.h"
#include "mainwindow.h"
#include "prompter.h"
#include "resources.h"
#include "settings.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QLoggingCategory>
#include <QTimer>

#include <cstdio>

namespace {

// For bench/startup: report the first paint of the main window on stdout, then the resident
// memory after an idle period, then quit. Enabled by GPUDECK_BENCH_STARTUP=<idle ms>.
class StartupProbe final : public QObject {
public:
    explicit StartupProbe(int idleMs)
        : m_idleMs(idleMs) {}

protected:
    bool eventFilter(QObject* watched, QEvent* event) override {
        if (event->type() == QEvent::Paint && !m_painted) {
            m_painted = true;
            std::printf("first-paint\n");
            std::fflush(stdout);
            QTimer::singleShot(m_idleMs, qApp, [] {
                QFile status(QStringLiteral("/proc/self/status"));
                if (status.open(QIODevice::ReadOnly)) {
                    for (const QByteArray& line : status.readAll().split('\n')) {
                        if (line.startsWith("VmRSS:") || line.startsWith("VmHWM:"))
                            std::printf("%s\n", line.simplified().constData());
                    }
                }
                std::fflush(stdout);
                QApplication::exit(0);
            });
        }
        return QObject::eventFilter(watched, event);
    }

private:
    int m_idleMs;
    bool m_painted = false;
};

} // namespace

int main(int argc, char* argv[]) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("gpudeck"));
    QApplication::setApplicationDisplayName(QStringLiteral("GPUDeck"));
    QApplication::setApplicationVersion(QStringLiteral(GPUDECK_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("io.github.gpudeck.GPUDeck"));
    if (qEnvironmentVariableIsEmpty("QT_LOGGING_RULES"))
        QLoggingCategory::setFilterRules(
            QStringLiteral("gpudeck.*.info=false\ngpudeck.*.debug=false"));
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
    gpudeck::MainWindow window(fleet, settings);

    std::unique_ptr<StartupProbe> probe;
    bool benchIdleOk = false;
    const int benchIdleMs = qEnvironmentVariableIntValue("GPUDECK_BENCH_STARTUP", &benchIdleOk);
    if (benchIdleOk) {
        probe = std::make_unique<StartupProbe>(benchIdleMs);
        window.installEventFilter(probe.get());
    }
    window.show();

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
