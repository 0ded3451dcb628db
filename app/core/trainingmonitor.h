#pragma once

#include "logparser.h"
#include "progress.h"
#include "remotestream.h"

#include <QDateTime>
#include <QObject>

#include <memory>

namespace gpudeck {

// Follows a training log on an instance (`tail -F` over SSH, from the first line) and parses
// it as it grows: runs, epochs, metrics, epoch durations, ETA to the final epoch, and the
// cost of finishing at the instance's rate.
class TrainingMonitor final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TrainingMonitor)
public:
    enum class State { Starting, Following, WaitingForFile, Reconnecting, Failed, Stopped };
    Q_ENUM(State)

    // `path` on the remote machine; "~/" means its home. `format` Unknown: detect it.
    TrainingMonitor(const ssh::Endpoint& endpoint, QString path,
                    monitor::LogFormat format = monitor::LogFormat::Unknown,
                    QObject* parent = nullptr);
    ~TrainingMonitor() override;

    void start();
    void stop();

    [[nodiscard]] State state() const { return m_state; }
    [[nodiscard]] const QString& message() const { return m_message; }
    [[nodiscard]] const QString& path() const { return m_path; }
    [[nodiscard]] const QList<monitor::Run>& runs() const { return m_parser.runs(); }
    [[nodiscard]] monitor::LogFormat format() const { return m_parser.format(); }
    // When the log last grew (any line, progress bars included): a stalled run stops growing.
    [[nodiscard]] QDateTime lastOutputAt() const { return m_lastOutput; }
    // Progress of the latest run.
    [[nodiscard]] monitor::EtaEstimate eta() const;

    // For tests and the CLI: feeds log text as if it had arrived now.
    void feed(const QByteArray& bytes);

    // The remote script that follows the log named by its $1 (~/ is the remote home).
    [[nodiscard]] static QString followScript();

signals:
    void updated();
    void stateChanged(gpudeck::TrainingMonitor::State state, const QString& message);

private:
    void setState(State state, const QString& message);

    ssh::Endpoint m_endpoint;
    QString m_path;
    monitor::LogParser m_parser;
    std::unique_ptr<ssh::RemoteStream> m_stream;
    QDateTime m_lastOutput;
    State m_state = State::Stopped;
    QString m_message;
};

} // namespace gpudeck
