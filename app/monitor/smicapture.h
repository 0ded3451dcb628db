#pragma once

#include "gpusample.h"
#include "result.h"

#include <QByteArrayView>
#include <QList>
#include <QString>

namespace gpudeck::monitor {

enum class SmiSectionKind {
    QueryCsv,  // --query-gpu / --query-compute-apps CSV (with or without header)
    Xml,       // -q -x
    QueryText, // -q
    Table,     // the default table
    List,      // -L, and the "GPU N: name (UUID: ...)" lines of `nvlink --status`
};

[[nodiscard]] QString sectionKindName(SmiSectionKind kind); // "query_csv", "xml", ...

struct SmiSection {
    SmiSectionKind kind = SmiSectionKind::Table;
    int firstLine = 0;         // 1-based, in the capture
    QString command;           // the "# $ nvidia-smi ..." banner above it, if any
    QString csvLayout;         // for a noheader CSV: where its field list came from
    bool processQuery = false; // --query-compute-apps: its process list is complete even empty
    SmiSnapshot snapshot;
};

// A capture file: one nvidia-smi output, or several pasted under "# $ nvidia-smi ..." banners
// (as the nvidia_gpu_exporter captures are). Sections we cannot read (help text, topo, pmon,
// dmon) are skipped; a section we recognise but that is cut off makes the whole capture an
// error, because a silently short GPU list is worse than a clear message.
struct SmiCapture {
    QList<SmiSection> sections;
    QStringList warnings;

    // The GPUs of the capture, from its most detailed section (XML, then query CSV, -q text,
    // table, list). A capture of an idle and a loaded state lists each GPU once.
    [[nodiscard]] const SmiSection* bestSection() const;
    [[nodiscard]] QList<GpuSample> gpus() const;
    // MIG devices a GPU of the best section lacks are taken from another section of the same
    // GPU (the query CSV has none, the table and -q have them).
    // The processes of the same moment as gpus(): the best section's own, else those of the
    // --query-compute-apps output that follows it (captures pair the two), else the first
    // section that lists any.
    [[nodiscard]] QList<GpuProcess> processes() const;
    [[nodiscard]] QString driverVersion() const; // the first section that says
    [[nodiscard]] QString cudaVersion() const;
};

struct SmiCaptureOptions {
    // Field order for noheader CSV lines, when no banner names the query. Empty: take it from
    // the banner, else recognise a known tool's layout (gpustat, Telegraf, GPUDeck's stream).
    QByteArray csvFields;
};

[[nodiscard]] Result<SmiCapture> parseSmiCapture(QByteArrayView data,
                                                 const SmiCaptureOptions& options = {});

} // namespace gpudeck::monitor
