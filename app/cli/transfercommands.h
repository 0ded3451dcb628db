#pragma once

#include <QStringList>

class QTextStream;

namespace gpudeck {
class Fleet;
}

namespace gpudeck::cli {

// gpudeck-cli put ID LOCAL... REMOTE_DIR [--conflict resume|overwrite|skip|rename] [--verify]
//                  [--parallel N] [--streams N] [--sftp] [--compress] [--accept-new]
// Uploads files and folders into REMOTE_DIR on instance ID (created when missing).
// gpudeck-cli get ID REMOTE... LOCAL_DIR [same options]
// Downloads remote files and folders into LOCAL_DIR (created when missing).
//
// Items go through the same transfer queue as the GUI (at most --parallel at once). A progress
// bar goes to stderr when it is a terminal; each item's result goes to stdout, each failure to
// stderr. Exit status: 0 all done (or skipped), 1 any item failed, 2 usage.
int put(Fleet& fleet, const QStringList& args, QTextStream& out, QTextStream& err);
int get(Fleet& fleet, const QStringList& args, QTextStream& out, QTextStream& err);

} // namespace gpudeck::cli
