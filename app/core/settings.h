#pragma once

#include <QSettings>

namespace gpudeck {

struct AppPaths;

// Every setting GPUDeck stores, typed, in one place. Backed by an INI file in the XDG config
// folder. Secrets never go here (they belong in the system keychain).
class Settings final {
    Q_DISABLE_COPY_MOVE(Settings)
public:
    explicit Settings(const AppPaths& paths);

    [[nodiscard]] QByteArray windowGeometry() const;
    void setWindowGeometry(const QByteArray& v);
    [[nodiscard]] QByteArray windowState() const;
    void setWindowState(const QByteArray& v);
    [[nodiscard]] QByteArray catalogHeaderState() const;
    void setCatalogHeaderState(const QByteArray& v);

    // Sandbox machines are local servers: by default the GUI destroys them when it quits, so
    // nothing is left running behind it. Cloud machines are never destroyed on quit.
    [[nodiscard]] bool destroySandboxOnQuit() const;
    void setDestroySandboxOnQuit(bool v);

    // Hours used for the "cost of N hours" estimate in the launch dialog.
    [[nodiscard]] int launchEstimateHours() const;
    void setLaunchEstimateHours(int v);

private:
    QSettings m_settings;
};

} // namespace gpudeck
