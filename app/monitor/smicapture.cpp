#include "smicapture.h"

#include "smicsv.h"
#include "smiquerytext.h"
#include "smitable.h"
#include "smivalue.h"
#include "smixml.h"

namespace gpudeck::monitor {

using namespace detail;

namespace {

QList<QByteArrayView> splitLines(QByteArrayView text)
{
    QList<QByteArrayView> lines;
    qsizetype start = 0;
    for (qsizetype i = 0; i <= text.size(); ++i) {
        if (i == text.size() || text[i] == '\n') {
            QByteArrayView l = text.sliced(start, i - start);
            if (l.endsWith('\r'))
                l.chop(1);
            if (i < text.size() || !l.isEmpty())
                lines.append(l);
            start = i + 1;
        }
    }
    return lines;
}

QByteArrayView span(const QList<QByteArrayView>& lines, qsizetype first, qsizetype last)
{
    const char* begin = lines[first].data();
    const char* end = lines[last].data() + lines[last].size();
    return QByteArrayView(begin, end - begin);
}

// What a "# $ nvidia-smi ..." banner asked for.
struct Command {
    QString text;
    QByteArray queryFields; // --query-gpu= / --query-compute-apps= list
    bool queryGpu = false;
    bool queryApps = false;
    bool otherQuery = false; // --query-accounted-apps, --query-retired-pages, ...
    bool noheader = false;
};

Command parseCommand(QByteArrayView cmd)
{
    Command c;
    c.text = toQString(cmd);
    auto valueOf = [&](QByteArrayView option) -> QByteArray {
        const qsizetype at = cmd.indexOf(option);
        if (at < 0)
            return {};
        qsizetype end = at + option.size();
        while (end < cmd.size() && cmd[end] != ' ')
            ++end;
        QByteArray v = cmd.sliced(at + option.size(), end - at - option.size()).toByteArray();
        v.replace('"', QByteArray()).replace('\'', QByteArray());
        return v;
    };
    if (QByteArray f = valueOf("--query-gpu="); !f.isEmpty()) {
        c.queryGpu = true;
        c.queryFields = f;
    } else if (QByteArray a = valueOf("--query-compute-apps="); !a.isEmpty()) {
        c.queryApps = true;
        c.queryFields = a;
    } else if (cmd.contains("--query-")) {
        c.otherQuery = true;
    }
    c.noheader = valueOf("--format=").contains("noheader");
    return c;
}

// "# $ nvidia-smi -q" (nvidia_gpu_exporter captures) or "# nvidia-smi --list-gpus" (older
// samples): the command, else empty.
std::optional<QByteArrayView> bannerCommand(QByteArrayView t)
{
    if (t.startsWith("# $ "))
        return trimmed(t.sliced(4));
    if (t.startsWith("# nvidia-smi"))
        return trimmed(t.sliced(2));
    return std::nullopt;
}

bool isSeparator(QByteArrayView t)
{
    return t.startsWith("####") || bannerCommand(t).has_value();
}

// "GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-...)"
std::optional<GpuSample> listGpu(QByteArrayView t)
{
    if (!t.startsWith("GPU "))
        return std::nullopt;
    const qsizetype colon = t.indexOf(": ");
    const qsizetype uuidAt = t.lastIndexOf("(UUID: ");
    if (colon < 0 || uuidAt < colon || !t.endsWith(')'))
        return std::nullopt;
    const auto index = parseInteger(t.sliced(4, colon - 4));
    if (!index)
        return std::nullopt;
    GpuSample g;
    g.index = static_cast<int>(*index);
    g.name = toQString(trimmed(t.sliced(colon + 2, uuidAt - colon - 2)));
    g.uuid = toQString(trimmed(t.sliced(uuidAt + 7, t.size() - uuidAt - 8)));
    return g;
}

// "  MIG 3g.40gb     Device  0: (UUID: MIG-...)"
std::optional<MigDevice> listMig(QByteArrayView t)
{
    if (!t.startsWith("MIG "))
        return std::nullopt;
    const qsizetype deviceAt = t.indexOf("Device");
    const qsizetype colon = t.indexOf(':');
    const qsizetype uuidAt = t.lastIndexOf("(UUID: ");
    if (deviceAt < 0 || colon < deviceAt || uuidAt < colon || !t.endsWith(')'))
        return std::nullopt;
    MigDevice m;
    m.profile = toQString(trimmed(t.sliced(4, deviceAt - 4)));
    if (const auto n = parseInteger(t.sliced(deviceAt + 6, colon - deviceAt - 6)))
        m.migIndex = static_cast<int>(*n);
    m.uuid = toQString(trimmed(t.sliced(uuidAt + 7, t.size() - uuidAt - 8)));
    return m;
}

bool hasGpuMeasurement(const SmiCsvParser& p)
{
    for (const QByteArray& name : p.columnNames()) {
        switch (smiFieldFromName(name)) {
        case SmiField::Index:
        case SmiField::MemoryTotal:
        case SmiField::MemoryUsed:
        case SmiField::UtilizationGpu:
        case SmiField::Temperature:
        case SmiField::PowerDraw:
        case SmiField::Pid:
            return true;
        default:
            break;
        }
    }
    return false;
}

int rank(SmiSectionKind kind)
{
    switch (kind) {
    case SmiSectionKind::Xml:
        return 0;
    case SmiSectionKind::QueryCsv:
        return 1;
    case SmiSectionKind::QueryText:
        return 2;
    case SmiSectionKind::Table:
        return 3;
    case SmiSectionKind::List:
        return 4;
    }
    return 5;
}

Error sectionError(const Error& e, int line)
{
    Error out = e;
    out.message = QStringLiteral("Line %1: %2").arg(line).arg(e.message);
    return out;
}

} // namespace

QString sectionKindName(SmiSectionKind kind)
{
    switch (kind) {
    case SmiSectionKind::QueryCsv:
        return QStringLiteral("query_csv");
    case SmiSectionKind::Xml:
        return QStringLiteral("xml");
    case SmiSectionKind::QueryText:
        return QStringLiteral("query_text");
    case SmiSectionKind::Table:
        return QStringLiteral("table");
    case SmiSectionKind::List:
        return QStringLiteral("list");
    }
    return {};
}

const SmiSection* SmiCapture::bestSection() const
{
    const SmiSection* best = nullptr;
    for (const SmiSection& s : sections) {
        if (s.snapshot.gpus.isEmpty())
            continue;
        if (!best || rank(s.kind) < rank(best->kind))
            best = &s;
    }
    return best;
}

QList<GpuSample> SmiCapture::gpus() const
{
    const SmiSection* best = bestSection();
    if (!best)
        return {};
    auto same = [](const GpuSample& a, const GpuSample& b) {
        return (!a.uuid.isEmpty() && a.uuid == b.uuid) ||
               (!a.busId.isEmpty() && !b.busId.isEmpty() &&
                normalizedBusId(a.busId) == normalizedBusId(b.busId));
    };
    QList<GpuSample> out = best->snapshot.gpus;
    for (GpuSample& g : out) {
        // Sizes and SM counts come from the table, -q or XML; profiles and MIG uuids from -L.
        const QList<MigDevice>* measured = g.migDevices.isEmpty() ? nullptr : &g.migDevices;
        const QList<MigDevice>* listed = nullptr;
        for (const SmiSection& s : sections) {
            for (const GpuSample& other : s.snapshot.gpus) {
                if (&other == &g || !same(g, other) || other.migDevices.isEmpty())
                    continue;
                if (s.kind == SmiSectionKind::List)
                    listed = listed ? listed : &other.migDevices;
                else
                    measured = measured ? measured : &other.migDevices;
            }
        }
        QList<MigDevice> devices = measured ? *measured : (listed ? *listed : QList<MigDevice>());
        if (measured && listed) {
            for (MigDevice& m : devices) {
                for (const MigDevice& l : *listed) {
                    if (m.migIndex && m.migIndex == l.migIndex) {
                        m.profile = l.profile;
                        m.uuid = l.uuid;
                    }
                }
            }
        }
        g.migDevices = devices;
    }
    return out;
}

QString SmiCapture::driverVersion() const
{
    if (const SmiSection* best = bestSection(); best && !best->snapshot.driverVersion.isEmpty())
        return best->snapshot.driverVersion;
    for (const SmiSection& s : sections) {
        if (!s.snapshot.driverVersion.isEmpty())
            return s.snapshot.driverVersion;
    }
    return {};
}

QString SmiCapture::cudaVersion() const
{
    for (const SmiSection& s : sections) {
        if (!s.snapshot.cudaVersion.isEmpty())
            return s.snapshot.cudaVersion;
    }
    return {};
}

QList<GpuProcess> SmiCapture::processes() const
{
    const SmiSection* best = bestSection();
    if (best && !best->snapshot.processes.isEmpty())
        return best->snapshot.processes;
    if (best) {
        for (qsizetype i = best - sections.constData() + 1; i < sections.size(); ++i) {
            if (sections[i].kind == best->kind && !sections[i].snapshot.gpus.isEmpty())
                break; // the next moment of the capture
            if (sections[i].processQuery)
                return sections[i].snapshot.processes;
        }
    }
    for (const SmiSection& s : sections) {
        if (!s.snapshot.processes.isEmpty())
            return s.snapshot.processes;
    }
    return {};
}

Result<SmiCapture> parseSmiCapture(QByteArrayView data, const SmiCaptureOptions& options)
{
    if (data.contains('\0'))
        return makeError(ErrorCode::InvalidInput,
                         QStringLiteral("This is a binary file, not nvidia-smi output."));
    const QList<QByteArrayView> lines = splitLines(data);
    SmiCapture capture;
    std::optional<Command> command;
    const qsizetype count = lines.size();

    auto addSection = [&](SmiSectionKind kind, qsizetype first,
                          Result<SmiSnapshot> parsed) -> std::optional<Error> {
        if (!parsed.ok())
            return sectionError(parsed.error(), static_cast<int>(first + 1));
        SmiSection s;
        s.kind = kind;
        s.firstLine = static_cast<int>(first + 1);
        s.command = command ? command->text : QString();
        s.snapshot = std::move(parsed).value();
        for (const QString& w : s.snapshot.warnings)
            capture.warnings.append(QStringLiteral("Line %1: %2").arg(s.firstLine).arg(w));
        capture.sections.append(std::move(s));
        command.reset();
        return std::nullopt;
    };

    qsizetype i = 0;
    while (i < count) {
        const QByteArrayView t = trimmed(lines[i]);
        if (const auto cmd = bannerCommand(t)) {
            command = parseCommand(*cmd);
            ++i;
            continue;
        }
        if (t.isEmpty() || t.startsWith('#')) {
            ++i;
            continue;
        }

        // -q -x
        if (t.startsWith("<?xml") || t.startsWith("<nvidia_smi_log")) {
            qsizetype last = i;
            while (last + 1 < count && !lines[last].contains("</nvidia_smi_log>") &&
                   !isSeparator(trimmed(lines[last + 1])))
                ++last;
            if (auto e = addSection(SmiSectionKind::Xml, i, parseSmiXml(span(lines, i, last))))
                return *e;
            i = last + 1;
            continue;
        }

        // -q
        if (isSmiQueryTextBanner(t)) {
            qsizetype last = i;
            while (last + 1 < count) {
                const QByteArrayView next = trimmed(lines[last + 1]);
                if (isSeparator(next) || isSmiQueryTextBanner(next) || next.startsWith("<?xml") ||
                    isSmiTableBanner(next) || next.startsWith("+---"))
                    break;
                ++last;
            }
            if (auto e = addSection(SmiSectionKind::QueryText, i,
                                    parseSmiQueryText(span(lines, i, last))))
                return *e;
            i = last + 1;
            continue;
        }

        // The default table, from its top rule (or its banner when the rule is missing).
        const bool tableTop =
            (t.startsWith("+---") && i + 1 < count && isSmiTableBanner(lines[i + 1])) ||
            isSmiTableBanner(t);
        if (tableTop) {
            qsizetype first = i;
            // The timestamp line nvidia-smi prints above the table belongs to it.
            if (i > 0 && parseCTimestamp(trimmed(lines[i - 1])).isValid())
                first = i - 1;
            qsizetype last = i;
            bool sawBanner = isSmiTableBanner(t);
            while (last + 1 < count) {
                const QByteArrayView next = trimmed(lines[last + 1]);
                if (!next.isEmpty() && !next.startsWith('|') && !next.startsWith('+'))
                    break;
                if (isSmiTableBanner(next)) {
                    if (sawBanner)
                        break;
                    sawBanner = true;
                }
                if (next.startsWith("+---") && last + 2 < count && sawBanner &&
                    isSmiTableBanner(lines[last + 2]))
                    break; // the next table starts
                ++last;
            }
            if (auto e = addSection(SmiSectionKind::Table, first,
                                    parseSmiTable(span(lines, first, last))))
                return *e;
            i = last + 1;
            continue;
        }

        // -L (and the GPU lines of `nvlink --status`)
        if (auto g = listGpu(t)) {
            SmiSnapshot snap;
            snap.gpus.append(*g);
            qsizetype last = i;
            while (last + 1 < count) {
                const QByteArrayView raw = lines[last + 1];
                const QByteArrayView next = trimmed(raw);
                if (auto more = listGpu(next)) {
                    snap.gpus.append(*more);
                } else if (auto mig = listMig(next)) {
                    mig->gpuIndex = snap.gpus.last().index;
                    snap.gpus.last().migDevices.append(*mig);
                } else if (next.isEmpty() || !(raw.startsWith(' ') || raw.startsWith('\t'))) {
                    break;
                }
                ++last;
            }
            if (auto e = addSection(SmiSectionKind::List, i, std::move(snap)))
                return *e;
            i = last + 1;
            continue;
        }

        // --query-gpu / --query-compute-apps CSV
        const bool header = SmiCsvParser::looksLikeHeader(t) && splitCsvLine(t).size() >= 2;
        QByteArray fields;
        QString layout;
        if (!header && t.contains(',')) {
            if (command && (command->queryGpu || command->queryApps) && command->noheader) {
                fields = command->queryFields;
                layout = QStringLiteral("the command line above it");
            } else if (!options.csvFields.isEmpty()) {
                fields = options.csvFields;
                layout = QStringLiteral("the given field list");
            } else if (const KnownCsvLayout* known = guessCsvLayout(t)) {
                fields = known->fields;
                layout = known->origin;
            }
        }
        if (header || !fields.isEmpty()) {
            qsizetype last = i;
            while (last + 1 < count) {
                const QByteArrayView next = trimmed(lines[last + 1]);
                if (next.isEmpty() || next.startsWith('#'))
                    break;
                ++last;
            }
            const bool unwanted = command && command->otherQuery;
            SmiCsvParser probe = header ? SmiCsvParser() : SmiCsvParser::withFields(fields);
            if (header)
                (void)probe.feed(QByteArray(t.toByteArray() + '\n'));
            if (unwanted || !hasGpuMeasurement(probe)) {
                // --query-accounted-apps, --query-retired-pages and the like: not GPU samples.
                command.reset();
                i = last + 1;
                continue;
            }
            Result<SmiSnapshot> parsed = parseSmiCsv(span(lines, i, last), fields);
            if (auto e = addSection(SmiSectionKind::QueryCsv, i, std::move(parsed)))
                return *e;
            capture.sections.last().csvLayout = layout;
            capture.sections.last().processQuery = probe.isProcessQuery();
            i = last + 1;
            continue;
        }
        ++i;
    }

    if (capture.sections.isEmpty())
        return makeError(
            ErrorCode::InvalidInput,
            QStringLiteral("No nvidia-smi output recognised. Expected the default `nvidia-smi` "
                           "table, `nvidia-smi -q` or `-q -x` output, `nvidia-smi -L`, or "
                           "`--query-gpu=... --format=csv` lines (for noheader CSV, give the "
                           "field list with --fields)."));
    // Sections of one machine should agree on how many GPUs it has.
    qsizetype gpuCount = -1;
    for (const SmiSection& s : capture.sections) {
        if (s.snapshot.gpus.isEmpty())
            continue;
        if (gpuCount >= 0 && s.snapshot.gpus.size() != gpuCount)
            capture.warnings.append(QStringLiteral("Section at line %1 lists %2 GPUs, an earlier "
                                                   "one %3.")
                                        .arg(s.firstLine)
                                        .arg(s.snapshot.gpus.size())
                                        .arg(gpuCount));
        gpuCount = s.snapshot.gpus.size();
    }
    return capture;
}

} // namespace gpudeck::monitor
