#pragma once

#include <QString>

#include <optional>
#include <utility>
#include <variant>

namespace gpudeck {

// What went wrong, in terms a caller can act on. The message is for the user and says what to do;
// the detail is for logs and "Details..." buttons and never contains a secret.
enum class ErrorCode {
    InvalidInput,      // the request itself is wrong (bad name, unknown plan, region)
    Unauthorized,      // 401: token missing, wrong or expired
    Forbidden,         // 403: token lacks a permission
    NotFound,          // 404: the instance or plan does not exist (any more)
    Conflict,          // 409/422: provider refused the request as it stands
    RateLimited,       // 429: wait for retryAfterSeconds (or back off) and try again
    NoCapacity,        // the region has no machine of that plan right now
    ProviderFailure,   // 5xx or an answer we could not understand
    Network,           // could not reach the provider or host
    Timeout,           // no answer in time
    Unsupported,       // the provider cannot do this (e.g. stop on Lambda)
    MissingDependency, // a program or package we need is not installed
    Ssh,               // SSH connection, authentication or host key problem
    AuthDenied,        // the SSH server refused every credential offered (login user or key)
    HostKeyChanged,    // the host key differs from the recorded one: refused until forgotten
    Io,                // local file system problem
    Cancelled,         // the user cancelled
    Internal,          // a bug: should never reach a user
};

struct Error {
    ErrorCode code = ErrorCode::Internal;
    QString message;
    QString detail;
    std::optional<int> retryAfterSeconds;
};

[[nodiscard]] inline Error makeError(ErrorCode code, QString message, QString detail = {})
{
    return Error{code, std::move(message), std::move(detail), std::nullopt};
}

// A value or an Error. Small on purpose: check ok(), then read value() or error().
template <typename T> class [[nodiscard]] Result {
public:
    Result(T value)
        : m_data(std::move(value))
    {}
    Result(Error error)
        : m_data(std::move(error))
    {}

    bool ok() const { return std::holds_alternative<T>(m_data); }
    explicit operator bool() const { return ok(); }
    const T& value() const& { return std::get<T>(m_data); }
    T& value() & { return std::get<T>(m_data); }
    T&& value() && { return std::get<T>(std::move(m_data)); }
    const T* operator->() const { return &std::get<T>(m_data); }
    const Error& error() const { return std::get<Error>(m_data); }

private:
    std::variant<T, Error> m_data;
};

template <> class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error)
        : m_error(std::move(error))
    {}

    bool ok() const { return !m_error.has_value(); }
    explicit operator bool() const { return ok(); }
    const Error& error() const { return *m_error; }

private:
    std::optional<Error> m_error;
};

} // namespace gpudeck
