#pragma once

#include <QStringList>

class QTextStream;

namespace gpudeck::cli {

// Runs one gpudeck-cli command (args without the program name) and returns the exit status.
// Needs a running QCoreApplication; waits for asynchronous work with local event loops.
int run(const QStringList& args, QTextStream& out, QTextStream& err);

} // namespace gpudeck::cli
