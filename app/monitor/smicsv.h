#pragma once

#include "gpusample.h"
#include "result.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QStringList>

#include <vector>

namespace gpudeck::monitor {

// The --query-gpu / --query-compute-apps properties GPUDeck reads; everything else is skipped.
enum class SmiField {
    Other,
    Timestamp,
    Index,
    Uuid,
    Name,
    BusId,
    UtilizationGpu,
    UtilizationMemory,
    MemoryUsed,
    MemoryTotal,
    Temperature,
    MemoryTemperature,
    PowerDraw,
    PowerLimit,
    SmClock,
    GraphicsClock,
    MemoryClock,
    PState,
    Fan,
    DriverVersion,
    DriverModel,
    Persistence,
    ComputeMode,
    MigMode,
    // --query-compute-apps
    Pid,
    ProcessName,
    UsedMemory,
};

// The field a query property name stands for ("memory.used", "gpu_uuid", "power.draw.instant").
[[nodiscard]] SmiField smiFieldFromName(QByteArrayView name);

// The properties GPUDeck asks for when it streams samples:
// nvidia-smi --query-gpu=<this> --format=csv,noheader,nounits -lms N
// All of them exist since drivers of the Kepler era: one unknown property fails the whole query.
[[nodiscard]] QByteArray streamingQueryFields();
// That command line, sampling every `intervalMs` milliseconds; feed its output to
// SmiCsvParser::withFields(streamingQueryFields()).
[[nodiscard]] QString streamingCommand(int intervalMs);

// What a batch of CSV lines yielded.
struct SmiCsvBatch {
    QList<GpuSample> gpus;       // one per --query-gpu row
    QList<GpuProcess> processes; // one per --query-compute-apps row
    int rejectedLines = 0;       // lines that did not fit the columns
    QString lastProblem;         // why the last rejected line was rejected
    [[nodiscard]] bool isEmpty() const { return gpus.isEmpty() && processes.isEmpty(); }
};

// Incremental reader of `nvidia-smi --query-gpu=... --format=csv[,noheader][,nounits]` (and
// --query-compute-apps). Feed bytes as they arrive (any chunking, partial lines are kept); each
// complete row becomes a sample. Values may carry units ("38 %", "575 MiB") or not; "[N/A]",
// "[Not Supported]", "[Unknown Error]" and "[Requested functionality has been deprecated]" become
// empty readings that keep the reason. Allocation-light: no regex, rows are split in place and
// repeated strings (uuid, name, bus id) are shared with the previous row.
class SmiCsvParser final {
public:
    // Expects a header line ("index, memory.used [MiB], ...") before the rows.
    SmiCsvParser();
    // For noheader streams: the column order is the --query-gpu list, comma separated.
    [[nodiscard]] static SmiCsvParser withFields(QByteArrayView commaSeparatedFields);

    [[nodiscard]] SmiCsvBatch feed(QByteArrayView bytes);
    // End of input: parses a last line that had no newline.
    [[nodiscard]] SmiCsvBatch finish();

    [[nodiscard]] bool hasColumns() const { return !m_columns.empty(); }
    [[nodiscard]] bool isProcessQuery() const { return m_processQuery; }
    [[nodiscard]] QList<QByteArray> columnNames() const;
    [[nodiscard]] int rowsParsed() const { return m_rows; }

    // Is `line` a CSV header of query property names (with optional "[unit]" suffixes)?
    [[nodiscard]] static bool looksLikeHeader(QByteArrayView line);

private:
    void setColumns(const QList<QByteArrayView>& names);
    void parseLine(QByteArrayView line, SmiCsvBatch& batch);
    void parseRow(const QList<QByteArrayView>& cells, SmiCsvBatch& batch);
    QString shared(int column, QByteArrayView value);

    struct Column {
        QByteArray name;
        SmiField field = SmiField::Other;
    };
    std::vector<Column> m_columns;
    std::vector<QByteArray> m_lastRaw; // per column: previous raw text, for string sharing
    std::vector<QString> m_lastText;
    QByteArray m_pending;
    int m_processNameColumn = -1;
    int m_rows = 0;
    bool m_processQuery = false;
};

// A whole CSV output in one go. Without `fields`, the first line must be the header.
[[nodiscard]] Result<SmiSnapshot> parseSmiCsv(QByteArrayView text, QByteArrayView fields = {});

// Query field lists of tools whose noheader output users may hand us without the command line
// (gpustat, Telegraf, GPUDeck's own stream). Used to recognise a bare noheader CSV by its shape.
struct KnownCsvLayout {
    QString origin;
    QByteArray fields;
};
[[nodiscard]] const std::vector<KnownCsvLayout>& knownCsvLayouts();
// The layout whose column count and value shapes fit `line`, or nullptr.
[[nodiscard]] const KnownCsvLayout* guessCsvLayout(QByteArrayView line);

// Splits a CSV line at commas and trims each cell (nvidia-smi never quotes).
[[nodiscard]] QList<QByteArrayView> splitCsvLine(QByteArrayView line);

} // namespace gpudeck::monitor
