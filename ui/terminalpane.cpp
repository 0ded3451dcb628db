#include "terminalpane.h"

#include "fleet.h"
#include "prompter.h"
#include "remote.h"
#include "terminalsurface.h"
#include "terminalview.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace gpudeck {

using ssh::ShellSession;

TerminalPane::TerminalPane(Fleet& fleet, const QString& instanceId, QWidget* parent)
    : QWidget(parent)
    , m_fleet(fleet)
    , m_instanceId(instanceId)
    , m_surface(std::make_unique<terminal::TerminalSurface>(80, 24))
{
    setObjectName(QStringLiteral("terminalPane"));
    m_view = new terminal::TerminalView(m_surface.get(), this);
    m_view->setObjectName(QStringLiteral("terminalView"));
    m_bannerBox = new QWidget(this);
    m_bannerBox->setObjectName(QStringLiteral("terminalBanner"));
    m_bannerBox->setAutoFillBackground(true);
    m_banner = new QLabel(m_bannerBox);
    m_banner->setObjectName(QStringLiteral("terminalStatus"));
    m_banner->setWordWrap(true);
    m_banner->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_reconnect = new QPushButton(tr("&Reconnect"), m_bannerBox);
    m_reconnect->setObjectName(QStringLiteral("terminalReconnect"));
    m_reconnect->hide();
    connect(m_reconnect, &QPushButton::clicked, this, &TerminalPane::connectShell);
    m_forgetKey = new QPushButton(tr("&Forget the old key…"), m_bannerBox);
    m_forgetKey->setObjectName(QStringLiteral("terminalForgetHostKey"));
    m_forgetKey->hide();
    connect(m_forgetKey, &QPushButton::clicked, this, &TerminalPane::forgetHostKey);
    auto* bannerLayout = new QHBoxLayout(m_bannerBox);
    bannerLayout->setContentsMargins(8, 4, 8, 4);
    bannerLayout->addWidget(m_banner, 1);
    bannerLayout->addWidget(m_forgetKey);
    bannerLayout->addWidget(m_reconnect);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_bannerBox);
    layout->addWidget(m_view, 1);
    setFocusProxy(m_view);
    connect(m_surface.get(), &terminal::TerminalSurface::titleChanged, this,
            &TerminalPane::titleChanged);
    connectShell();
}

TerminalPane::~TerminalPane()
{
    if (m_shell)
        m_shell->stop();
}

void TerminalPane::connectShell()
{
    if (m_shell)
        m_shell->stop();
    m_shell.reset();
    m_knownFingerprint.clear();
    m_newFingerprint.clear();
    const std::optional<Instance> instance = m_fleet.find(m_instanceId);
    if (!instance) {
        showState(ShellSession::State::Failed, tr("%1 is gone.").arg(m_instanceId));
        return;
    }
    m_shell = m_fleet.openShell(*instance, m_surface->cols(), m_surface->rows());
    ShellSession* shell = m_shell.get();
    terminal::TerminalSurface* surface = m_surface.get();
    // Bytes from the shell go into the terminal; the terminal acknowledges them, which is what
    // lets the worker read more (flow control against floods).
    // The shell is the context: data already queued when a shell is replaced or ended goes
    // with it (with the pane as context it was delivered to a deleted shell: UBSan).
    connect(shell, &ShellSession::data, shell, [shell, surface](const QByteArray& bytes) {
        surface->feed(bytes);
        shell->consumed(bytes.size());
    });
    connect(surface, &terminal::TerminalSurface::output, shell, &ShellSession::write);
    connect(surface, &terminal::TerminalSurface::resized, shell, &ShellSession::resize);
    connect(shell, &ShellSession::stateChanged, this, &TerminalPane::showState);
    connect(shell, &ShellSession::hostKeyQuestion, this,
            [this, shell](const QString& where, const QString& fingerprint) {
                const bool accept = Prompter::instance().confirm(
                    this, tr("Unknown host key"),
                    tr("GPUDeck has not connected to %1 before, and no provider vouches for its "
                       "host key.\n\nFingerprint: %2\n\nCompare it with the one the machine's "
                       "owner or console shows (`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` "
                       "on the machine). Connect and remember this key?")
                        .arg(where, fingerprint),
                    tr("Connect"));
                shell->answerHostKey(accept);
            });
    connect(shell, &ShellSession::hostKeyChanged, this,
            [this](const QString&, const QString& known, const QString& now) {
                m_knownFingerprint = known;
                m_newFingerprint = now;
            });
    connect(shell, &ShellSession::promptRequested, this,
            [this, shell](const QString& title, const QString& prompt, bool echo) {
                shell->answerPrompt(Prompter::instance().askText(this, title, prompt, echo));
            });
    shell->start();
}

void TerminalPane::endSession(const QString& why)
{
    if (m_shell)
        m_shell->stop();
    m_shell.reset();
    showState(ShellSession::State::Closed, why);
}

void TerminalPane::setProfile(const TerminalProfile& profile)
{
    m_view->setTerminalFont(profile.font);
    m_surface->setScrollbackLimit(profile.scrollbackLines);
}

void TerminalPane::showState(ShellSession::State state, const QString& message)
{
    m_state = state;
    m_banner->setText(message);
    const bool ok = state == ShellSession::State::Connected;
    const bool bad = state == ShellSession::State::Failed || state == ShellSession::State::Closed;
    QPalette pal = palette();
    pal.setColor(QPalette::Window, bad ? QColor(0xf8, 0xd7, 0xda)
                                   : state == ShellSession::State::Reconnecting
                                       ? QColor(0xff, 0xf3, 0xcd)
                                       : pal.color(QPalette::Window));
    pal.setColor(QPalette::WindowText, bad || state == ShellSession::State::Reconnecting
                                           ? QColor(0x21, 0x25, 0x29)
                                           : pal.color(QPalette::WindowText));
    m_bannerBox->setPalette(pal);
    m_reconnect->setVisible(bad);
    m_forgetKey->setVisible(bad && !m_newFingerprint.isEmpty());
    // A screen without a session must not look like it waits for typing.
    m_view->setSessionEnded(bad);
    // Once connected the banner goes away, unless it has news (a reconnect replaced the shell).
    m_bannerBox->setVisible(!ok || message.contains(QLatin1String("new shell")));
    if (ok)
        m_view->setFocus();
    emit stateChanged(state);
}

void TerminalPane::forgetHostKey()
{
    const std::optional<Instance> instance = m_fleet.find(m_instanceId);
    if (!instance || m_newFingerprint.isEmpty())
        return;
    // Two questions on purpose: forgetting the key is what an attacker in the middle would want.
    if (!Prompter::instance().confirm(
            this, tr("Host key changed"),
            tr("The host key of %1 is not the one GPUDeck recorded.\n\nRecorded: %2\nNow:      "
               "%3\n\nThis happens when the machine was rebuilt or its address was given to "
               "another machine. It can also mean that someone is intercepting the connection. "
               "Forget the recorded key?")
                .arg(instance->name, m_knownFingerprint, m_newFingerprint),
            tr("Forget the old key")))
        return;
    if (!Prompter::instance().confirm(
            this, tr("Forget the old key?"),
            tr("Only continue if you know why the key of %1 changed (you rebuilt or reinstalled "
               "it, or its owner told you). After this GPUDeck connects to whatever answers at "
               "%2:%3 and shows you its key.\n\nReally forget the recorded key?")
                .arg(instance->name, instance->host)
                .arg(instance->sshPort),
            tr("Forget it and reconnect")))
        return;
    const Result<int> removed = gpudeck::forgetHostKey(*instance, m_fleet.paths());
    if (!removed.ok()) {
        Prompter::instance().showError(this, tr("Could not forget the host key"), removed.error());
        return;
    }
    connectShell();
}

} // namespace gpudeck
