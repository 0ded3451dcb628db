#include "prismmock.h"

#include <QDeadlineTimer>
#include <QFileInfo>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>

namespace gpudeck::test {

PrismMock::~PrismMock()
{
    if (m_process.state() != QProcess::NotRunning) {
        m_process.terminate();
        if (!m_process.waitForFinished(5000)) {
            m_process.kill();
            m_process.waitForFinished(2000);
        }
    }
}

QString PrismMock::executable()
{
    const QString env = qEnvironmentVariable("GPUDECK_PRISM");
    if (!env.isEmpty() && QFileInfo(env).isExecutable())
        return env;
    const QString tools =
        QStringLiteral(GPUDECK_SOURCE_DIR "/.tools/prism/node_modules/.bin/prism");
    if (QFileInfo(tools).isExecutable() &&
        !QStandardPaths::findExecutable(QStringLiteral("node")).isEmpty())
        return tools;
    return QStandardPaths::findExecutable(QStringLiteral("prism"));
}

bool PrismMock::start(const QString& spec)
{
    const QString prism = executable();
    if (prism.isEmpty()) {
        m_error = QStringLiteral("prism is not installed");
        return false;
    }
    {
        QTcpServer probe;
        if (!probe.listen(QHostAddress::LocalHost, 0)) {
            m_error = QStringLiteral("no free loopback port");
            return false;
        }
        m_port = probe.serverPort();
    }
    m_process.setProcessChannelMode(QProcess::MergedChannels);
    m_process.start(prism,
                    {QStringLiteral("mock"), QStringLiteral("-h"), QStringLiteral("127.0.0.1"),
                     QStringLiteral("-p"), QString::number(m_port), spec});
    if (!m_process.waitForStarted(10000)) {
        m_error = QStringLiteral("prism did not start: ") + m_process.errorString();
        return false;
    }
    // Prism reads and dereferences the spec before it listens: a large spec takes seconds.
    QDeadlineTimer deadline(60000);
    while (!deadline.hasExpired()) {
        m_process.waitForReadyRead(200);
        m_log += m_process.readAll();
        if (m_process.state() == QProcess::NotRunning) {
            m_error = QStringLiteral("prism exited: ") + QString::fromUtf8(m_log.right(2000));
            return false;
        }
        if (m_log.contains("Prism is listening")) {
            QTcpSocket s;
            s.connectToHost(QHostAddress::LocalHost, m_port);
            if (s.waitForConnected(1000))
                return true;
        }
    }
    m_error =
        QStringLiteral("prism did not listen in time: ") + QString::fromUtf8(m_log.right(2000));
    return false;
}

QString PrismMock::baseUrl() const
{
    return QStringLiteral("http://127.0.0.1:%1").arg(m_port);
}

QString PrismMock::log()
{
    m_log += m_process.readAll();
    return QString::fromUtf8(m_log);
}

QStringList PrismMock::violations()
{
    QStringList out;
    static const QRegularExpression ansi(QStringLiteral("\\x1b\\[[0-9;]*m"));
    for (QString line : log().split(QLatin1Char('\n'))) {
        line.remove(ansi);
        if (line.contains(QLatin1String("Violation:")) ||
            line.contains(QLatin1String("sl-violations")) ||
            line.contains(QLatin1String("did not pass the validation")))
            out << line.trimmed();
    }
    return out;
}

} // namespace gpudeck::test
