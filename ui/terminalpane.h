#pragma once

#include "shellsession.h"

#include <QFont>
#include <QWidget>

#include <memory>

class QLabel;
class QPushButton;

namespace gpudeck {

class Fleet;
struct Instance;

namespace terminal {
class TerminalSurface;
class TerminalView;
} // namespace terminal

// How terminals look and how much they keep (Settings → Terminal and transfers).
struct TerminalProfile {
    QFont font; // the base font; each terminal zooms from it
    int scrollbackLines = 10'000;
};

// One terminal on an instance: a terminal view over an SSH shell, with a banner that says what
// the connection is doing (connecting, reconnecting, failed, ended) and offers to reconnect.
class TerminalPane final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TerminalPane)
public:
    TerminalPane(Fleet& fleet, const QString& instanceId, QWidget* parent = nullptr);
    ~TerminalPane() override;

    [[nodiscard]] terminal::TerminalView* view() const { return m_view; }
    [[nodiscard]] terminal::TerminalSurface* surface() const { return m_surface.get(); }
    [[nodiscard]] ssh::ShellSession::State state() const { return m_state; }
    void setProfile(const TerminalProfile& profile);
    // Closes the session for good (the machine is going away): no reconnect attempts.
    void endSession(const QString& why);

public slots:
    void connectShell();

signals:
    void titleChanged(const QString& title);
    void stateChanged(gpudeck::ssh::ShellSession::State state);

private:
    void showState(ssh::ShellSession::State state, const QString& message);
    // After a changed host key: asks twice, then forgets the recorded key and reconnects.
    void forgetHostKey();

    Fleet& m_fleet;
    QString m_instanceId;
    std::unique_ptr<terminal::TerminalSurface> m_surface;
    terminal::TerminalView* m_view = nullptr;
    std::unique_ptr<ssh::ShellSession> m_shell;
    QLabel* m_banner = nullptr;
    QPushButton* m_reconnect = nullptr;
    QPushButton* m_forgetKey = nullptr;
    QString m_knownFingerprint; // of a changed host key, while the banner offers to forget it
    QString m_newFingerprint;
    QWidget* m_bannerBox = nullptr;
    ssh::ShellSession::State m_state = ssh::ShellSession::State::Closed;
};

} // namespace gpudeck
