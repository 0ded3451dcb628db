#pragma once

#include <QProcess>
#include <QString>
#include <QStringList>

namespace gpudeck::test {

// `prism mock` (npm @stoplight/prism-cli, installed by scripts/install-prism.sh) serving a
// provider's published spec on a free loopback port, for contract tests: the real client talks
// to it, and every request that breaks the spec shows up as a violation in Prism's log (Prism
// also answers such requests with an `sl-violations` header and, for errors, a 4xx).
class PrismMock final {
public:
    ~PrismMock();
    // The prism executable: GPUDECK_PRISM, else the repository's .tools/prism, else PATH.
    // Empty when none is installed.
    [[nodiscard]] static QString executable();
    // Starts Prism on `spec` and waits until it listens. False with `error()` set otherwise.
    bool start(const QString& spec);
    [[nodiscard]] QString baseUrl() const;
    [[nodiscard]] QString error() const { return m_error; }
    // Prism's log lines reporting a violation (request or response against the spec).
    [[nodiscard]] QStringList violations();
    [[nodiscard]] QString log();

private:
    QProcess m_process;
    quint16 m_port = 0;
    QString m_error;
    QByteArray m_log;
};

} // namespace gpudeck::test

// QSKIP with a clear message when Prism is not installed.
#define GPUDECK_REQUIRE_PRISM()                                                                    \
    if (gpudeck::test::PrismMock::executable().isEmpty())                                          \
        QSKIP("Prism is not installed (run scripts/install-prism.sh, or set GPUDECK_PRISM); the "  \
              "contract test needs it.");
