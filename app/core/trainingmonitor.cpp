#include "trainingmonitor.h"

namespace gpudeck {

TrainingMonitor::TrainingMonitor(const ssh::Endpoint& endpoint, QString path,
                                 monitor::LogFormat format, QObject* parent)
    : QObject(parent)
    , m_endpoint(endpoint)
    , m_path(std::move(path))
    , m_parser(format)
{}

TrainingMonitor::~TrainingMonitor()
{
    stop();
}

QString TrainingMonitor::followScript()
{
    // -F follows the name (the job may start later, or rotate its log); -n +1 reads it from the
    // beginning so earlier epochs count too. "~/" means the home folder, as in a terminal.
    return QStringLiteral("p=$1\n"
                          "case $p in \"~/\"*) p=$HOME/${p#\"~/\"} ;; esac\n"
                          "exec tail -n +1 -F -- \"$p\"");
}

void TrainingMonitor::setState(State state, const QString& message)
{
    if (state == m_state && message == m_message)
        return;
    m_state = state;
    m_message = message;
    emit stateChanged(state, message);
}

void TrainingMonitor::start()
{
    m_stream = std::make_unique<ssh::RemoteStream>(m_endpoint, followScript(), QStringList{m_path});
    connect(m_stream.get(), &ssh::RemoteStream::output, this, &TrainingMonitor::feed);
    connect(m_stream.get(), &ssh::RemoteStream::errorOutput, this, [this](const QByteArray& bytes) {
        // tail -F reports a missing file and keeps waiting for it.
        if (bytes.contains("cannot open") || bytes.contains("No such file"))
            setState(State::WaitingForFile,
                     tr("Waiting for %1 to appear (start the training, or pick its log file).")
                         .arg(m_path));
        else if (bytes.contains("has appeared"))
            setState(State::Following, tr("Following %1.").arg(m_path));
    });
    connect(m_stream.get(), &ssh::RemoteStream::stateChanged, this,
            [this](ssh::RemoteStream::State s, const QString& message) {
                switch (s) {
                case ssh::RemoteStream::State::Connecting:
                    setState(State::Starting, message);
                    break;
                case ssh::RemoteStream::State::Running:
                    if (m_state != State::WaitingForFile)
                        setState(State::Following, tr("Following %1.").arg(m_path));
                    break;
                case ssh::RemoteStream::State::Reconnecting:
                    setState(State::Reconnecting, message);
                    break;
                case ssh::RemoteStream::State::Exited:
                case ssh::RemoteStream::State::Failed:
                    setState(State::Failed, message);
                    break;
                }
            });
    m_stream->start();
}

void TrainingMonitor::stop()
{
    if (m_stream)
        m_stream->stop();
    m_stream.reset();
    setState(State::Stopped, tr("Stopped."));
}

void TrainingMonitor::feed(const QByteArray& bytes)
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    m_lastOutput = now;
    if (m_state == State::WaitingForFile)
        setState(State::Following, tr("Following %1.").arg(m_path));
    if (m_parser.feed(bytes, now))
        emit updated();
}

monitor::EtaEstimate TrainingMonitor::eta() const
{
    const QList<monitor::Run>& all = m_parser.runs();
    return all.isEmpty() ? monitor::EtaEstimate{} : monitor::estimateEta(all.last());
}

} // namespace gpudeck
