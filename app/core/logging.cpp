#include "logging.h"

#include <QLoggingCategory>

namespace gpudeck {

void installDefaultLogRules()
{
    if (qEnvironmentVariableIsEmpty("QT_LOGGING_RULES"))
        QLoggingCategory::setFilterRules(
            QStringLiteral("gpudeck.*.info=false\ngpudeck.*.debug=false"));
}

} // namespace gpudeck
