#pragma once

#include <QStringList>

class QTextStream;

namespace gpudeck::cli {

// gpudeck-cli parse-smi FILE [--fields LIST] [--json]
// Prints the GPUs (and processes, MIG devices) found in an nvidia-smi capture.
// Exit status: 0 parsed, 1 unreadable or not recognised, 2 usage.
int parseSmi(const QStringList& args, QTextStream& out, QTextStream& err);

// gpudeck-cli parse-log FILE [--format auto|keras|pytorch|lightning|hf|fastai|yolo|jsonl]
//                            [--regex RE] [--rate USD_PER_HOUR] [--json]
// Prints the runs of a training log with their epochs (number, metrics, duration) and, when the
// plan is known, the ETA (and cost to finish at --rate).
// Exit status: 0 parsed, 1 unreadable or not recognised, 2 usage.
int parseLog(const QStringList& args, QTextStream& out, QTextStream& err);

} // namespace gpudeck::cli
