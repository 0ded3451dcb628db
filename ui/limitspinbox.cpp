#include "limitspinbox.h"

namespace gpudeck {

LimitSpinBox::LimitSpinBox(QWidget* parent)
    : QDoubleSpinBox(parent)
{}

bool LimitSpinBox::isEmptied(const QString& text) const
{
    QStringView rest(text);
    if (rest.startsWith(prefix()))
        rest = rest.mid(prefix().size());
    if (rest.endsWith(suffix()))
        rest.chop(suffix().size());
    return rest.trimmed().isEmpty();
}

QValidator::State LimitSpinBox::validate(QString& text, int& pos) const
{
    if (isEmptied(text))
        return QValidator::Acceptable;
    return QDoubleSpinBox::validate(text, pos);
}

double LimitSpinBox::valueFromText(const QString& text) const
{
    return isEmptied(text) ? minimum() : QDoubleSpinBox::valueFromText(text);
}

} // namespace gpudeck
