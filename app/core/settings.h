#pragma once

#include "guardpolicy.h"

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

    // A provider's API address override (scheme://host:port; empty: the real API). The
    // environment's GPUDECK_API_BASE_<ID> wins over it (RestClient::resolveBaseUrl).
    [[nodiscard]] QString apiBaseUrl(const QString& providerId) const;
    void setApiBaseUrl(const QString& providerId, const QString& v);

    // Sandbox machines are local servers: by default the GUI destroys them when it quits, so
    // nothing is left running behind it. Cloud machines are never destroyed on quit.
    [[nodiscard]] bool destroySandboxOnQuit() const;
    void setDestroySandboxOnQuit(bool v);

    // Hours used for the "cost of N hours" estimate in the launch dialog.
    [[nodiscard]] int launchEstimateHours() const;
    void setLaunchEstimateHours(int v);

    // Terminal text: an empty family means the system's fixed-width font, 0 its size.
    [[nodiscard]] QString terminalFontFamily() const;
    void setTerminalFontFamily(const QString& v);
    [[nodiscard]] int terminalFontSize() const;
    void setTerminalFontSize(int v);
    // Lines kept above the screen per terminal (memory: about 1 KiB per 80-column line).
    [[nodiscard]] int terminalScrollback() const;
    void setTerminalScrollback(int v);
    static constexpr int kMinScrollback = 100;
    static constexpr int kMaxScrollback = 200'000;

    // Transfers that run at once per window (each has its own SSH connection).
    [[nodiscard]] int transferConcurrency() const;
    void setTransferConcurrency(int v);
    static constexpr int kMaxTransferConcurrency = 8;

    // "system" (default), "light" or "dark".
    [[nodiscard]] QString theme() const;
    void setTheme(const QString& v);

    // The billing guard's policy for machines guarded from now on (idle timeout, lifetime,
    // budget, countdown, action); GuardPolicy's defaults until the user changes them.
    [[nodiscard]] GuardPolicy guardDefaults() const;
    void setGuardDefaults(const GuardPolicy& v);

    // Whether the welcome page was shown (first start).
    [[nodiscard]] bool welcomeShown() const;
    void setWelcomeShown(bool v);

private:
    QSettings m_settings;
};

} // namespace gpudeck
