#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <QTemporaryDir>

namespace gpudeck::test {

// Points every XDG folder (config, data, state, cache) at a fresh temporary directory for the
// life of the object, so a test never touches the user's real GPUDeck state, and makes the
// Sandbox fast (short provisioning and boot delays).
class IsolatedEnvironment final {
public:
    IsolatedEnvironment();
    ~IsolatedEnvironment();
    [[nodiscard]] bool isValid() const { return m_dir.isValid(); }
    [[nodiscard]] QString path() const { return m_dir.path(); }
    [[nodiscard]] QString stateDir() const; // XDG_STATE_HOME/gpudeck

private:
    QTemporaryDir m_dir;
    QList<QByteArray> m_redirected; // the cloud API variables it pointed at a closed port
};

// ../shared (specs, captures, logs), from GPUDECK_SHARED_DIR; empty when it is absent.
[[nodiscard]] QString sharedDir();
// A whole file, or empty when it cannot be read (tests then fail on the content).
[[nodiscard]] QByteArray readFile(const QString& path);
// Replaces a file's content; false when it cannot be written.
[[nodiscard]] bool writeFile(const QString& path, const QByteArray& content);
// Where the built programs are (gpudeck-cli, gpudeck-simgpu), from GPUDECK_BIN_DIR.
[[nodiscard]] QString binDir();

} // namespace gpudeck::test

// QSKIP with a clear message when ../shared is not there (a user's own clone).
#define GPUDECK_REQUIRE_SHARED(dirVar)                                                             \
    const QString dirVar = gpudeck::test::sharedDir();                                             \
    if (dirVar.isEmpty())                                                                          \
        QSKIP("../shared is absent (set GPUDECK_SHARED_DIR to the folder with the specs, "         \
              "captures and logs); this test reads its files in place.");
