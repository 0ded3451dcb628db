#pragma once

// Internal to gpudeck_monitor. A forgiving JSON reader for training logs: Python's json.dump
// writes NaN and Infinity (not JSON, so QJsonDocument refuses trainer_state.json files of runs
// that diverged), and Hugging Face prints its log dicts with repr(): single quotes, nan, inf,
// True/False/None.

#include <QByteArrayView>
#include <QString>

#include <optional>
#include <vector>

namespace gpudeck::monitor::detail {

struct LooseValue {
    enum class Type { Null, Bool, Number, String, Array, Object };
    Type type = Type::Null;
    double number = 0;
    bool boolean = false;
    QString string;
    std::vector<LooseValue> items; // array elements, or object values
    std::vector<QString> keys;     // object keys, parallel to items

    [[nodiscard]] bool isNumber() const { return type == Type::Number; }
    [[nodiscard]] bool isObject() const { return type == Type::Object; }
    [[nodiscard]] bool isArray() const { return type == Type::Array; }
    [[nodiscard]] const LooseValue* member(QStringView key) const;
};

// Parses one value (object, array, ...) that fills `text` up to trailing whitespace.
[[nodiscard]] std::optional<LooseValue> parseLooseJson(QByteArrayView text,
                                                       QString* error = nullptr);

} // namespace gpudeck::monitor::detail
