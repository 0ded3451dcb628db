#pragma once

#include <QDoubleSpinBox>

namespace gpudeck {

// A filter limit whose minimum means "no limit" (shown as the special value text, e.g. "any").
// An emptied box means that minimum at once and stays empty while it is edited: a plain
// QDoubleSpinBox takes an empty text for unfinished input, keeps filtering by the old value and
// puts that value back when focus leaves (Ctrl+A, Backspace "restored the old value").
class LimitSpinBox final : public QDoubleSpinBox {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LimitSpinBox)
public:
    explicit LimitSpinBox(QWidget* parent = nullptr);

    QValidator::State validate(QString& text, int& pos) const override;
    double valueFromText(const QString& text) const override;

private:
    [[nodiscard]] bool isEmptied(const QString& text) const;
};

} // namespace gpudeck
