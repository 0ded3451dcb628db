#pragma once

#include <QApplication>
#include <QTest>

// Like QTEST_MAIN, but uses the offscreen platform unless a display is available, so GUI tests
// run headless in CI and on a real (or Xvfb) display when DISPLAY is set.
#define GPUDECK_GUITEST_MAIN(TestObject)                                                           \
    int main(int argc, char* argv[])                                                               \
    {                                                                                              \
        if (qEnvironmentVariableIsEmpty("DISPLAY") &&                                              \
            qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY") &&                                      \
            qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))                                        \
            qputenv("QT_QPA_PLATFORM", "offscreen");                                               \
        QApplication app(argc, argv);                                                              \
        app.setAttribute(Qt::AA_Use96Dpi, true);                                                   \
        TestObject tc;                                                                             \
        QTEST_SET_MAIN_SOURCE_PATH                                                                 \
        return QTest::qExec(&tc, argc, argv);                                                      \
    }
