#include "smitable.h"

#include "smivalue.h"

namespace gpudeck::monitor {

using namespace detail;

namespace {

struct Token {
    QByteArrayView text;
    qsizetype begin = 0; // offset in the cell
};

QList<Token> tokens(QByteArrayView s)
{
    QList<Token> out;
    qsizetype i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t'))
            ++i;
        const qsizetype begin = i;
        while (i < s.size() && s[i] != ' ' && s[i] != '\t')
            ++i;
        if (i > begin)
            out.append(Token{s.sliced(begin, i - begin), begin});
    }
    return out;
}

// The cells of "| a | b | c |" without the outer empty ones.
QList<QByteArrayView> cellsOf(QByteArrayView line)
{
    QList<QByteArrayView> cells;
    line = trimmed(line);
    if (line.startsWith('|'))
        line = line.sliced(1);
    if (line.endsWith('|'))
        line.chop(1);
    qsizetype start = 0;
    for (qsizetype i = 0; i <= line.size(); ++i) {
        if (i == line.size() || line[i] == '|') {
            cells.append(line.sliced(start, i - start));
            start = i + 1;
        }
    }
    return cells;
}

// "2021MiB / 23028MiB" or "49W / 450W" -> the two halves.
std::pair<QByteArrayView, QByteArrayView> slashPair(QByteArrayView s)
{
    const qsizetype slash = s.indexOf('/');
    if (slash < 0)
        return {trimmed(s), {}};
    return {trimmed(s.first(slash)), trimmed(s.sliced(slash + 1))};
}

// The value after "Driver Version:" (or "KMD Version:" since driver 610) in the banner.
QString bannerValue(QByteArrayView line, QByteArrayView label)
{
    const qsizetype at = line.indexOf(label);
    if (at < 0)
        return {};
    const QList<Token> t = tokens(line.sliced(at + label.size()));
    return t.isEmpty() ? QString() : toQString(t.first().text);
}

bool isRule(QByteArrayView line, char fill)
{
    // "+----+---+" (fill '-') or "|====+===|" (fill '=').
    line = trimmed(line);
    return line.size() > 3 && (line.front() == '+' || line.front() == '|') && line[1] == fill;
}

Error truncatedError(int lineNumber)
{
    return makeError(ErrorCode::InvalidInput,
                     QStringLiteral("The nvidia-smi table stops in the middle of a GPU (line %1): "
                                    "it was cut off.")
                         .arg(lineNumber));
}

Result<GpuSample> parseGpuBlock(const QList<QByteArrayView>& rows, bool driverModelColumn,
                                int lineNumber)
{
    if (rows.size() < 2)
        return truncatedError(lineNumber);
    const QList<QByteArrayView> r1 = cellsOf(rows[0]);
    const QList<QByteArrayView> r2 = cellsOf(rows[1]);
    if (r1.size() < 3 || r2.size() < 3)
        return makeError(ErrorCode::InvalidInput,
                         QStringLiteral("Unexpected GPU row in the nvidia-smi table (line %1).")
                             .arg(lineNumber));
    GpuSample g;
    const QList<Token> id = tokens(r1[0]);
    const auto index = id.isEmpty() ? std::nullopt : parseInteger(id.first().text);
    if (!index || id.size() < 2)
        return makeError(
            ErrorCode::InvalidInput,
            QStringLiteral("No GPU index in the nvidia-smi table (line %1).").arg(lineNumber));
    g.index = static_cast<int>(*index);
    const Token& last = id.last();
    const bool hasMode = id.size() >= 3;
    const qsizetype nameBegin = id[1].begin;
    const qsizetype nameEnd = hasMode ? last.begin : r1[0].size();
    g.name = toQString(trimmed(r1[0].sliced(nameBegin, nameEnd - nameBegin)));
    g.nameTruncated = g.name.endsWith(QLatin1String("..."));
    if (hasMode) {
        if (driverModelColumn)
            g.driverModel = toQString(last.text);
        else
            g.persistence = toQString(last.text);
    }
    const QList<Token> bus = tokens(r1[1]);
    if (!bus.isEmpty())
        g.busId = toQString(bus.first().text);

    // "ERR!   38C    P5    49W / 450W" / "N/A   25C    P0             59W /  500W"
    const QList<Token> state = tokens(r2[0]);
    if (state.size() >= 3) {
        g.fanPercent = numberReading(state[0].text);
        g.temperatureC = numberReading(state[1].text);
        g.pstate = textReading(state[2].text);
        if (state.size() >= 4) {
            const auto [draw, cap] = slashPair(r2[0].sliced(state[3].begin));
            g.powerDrawW = numberReading(draw);
            g.powerLimitW = numberReading(cap);
        }
    }
    const auto [used, total] = slashPair(r2[1]);
    g.memoryUsedMiB = mibReading(used);
    g.memoryTotalMiB = mibReading(total);
    const QList<Token> util = tokens(r2[2]);
    if (!util.isEmpty()) {
        g.utilizationGpuPercent = numberReading(util.first().text);
        if (util.size() >= 2)
            g.computeMode = toQString(trimmed(r2[2].sliced(util[1].begin)));
    }
    if (rows.size() >= 3) {
        const QList<QByteArrayView> r3 = cellsOf(rows[2]);
        if (r3.size() >= 3)
            g.mig = parseEnabled(r3[2]);
    }
    return g;
}

std::optional<MigDevice> parseMigBlock(const QList<QByteArrayView>& rows)
{
    if (rows.isEmpty())
        return std::nullopt;
    const QList<QByteArrayView> r1 = cellsOf(rows[0]);
    if (r1.size() < 3)
        return std::nullopt;
    const QList<Token> ids = tokens(r1[0]);
    if (ids.size() < 4)
        return std::nullopt;
    MigDevice m;
    m.gpuIndex = intReading(ids[0].text).optional();
    m.gpuInstanceId = intReading(ids[1].text).optional();
    m.computeInstanceId = intReading(ids[2].text).optional();
    m.migIndex = intReading(ids[3].text).optional();
    if (!m.gpuIndex)
        return std::nullopt;
    const auto [used, total] = slashPair(r1[1]);
    m.memoryUsedMiB = mibReading(used);
    m.memoryTotalMiB = mibReading(total);
    const QList<Token> sm = tokens(r1[2]);
    if (!sm.isEmpty())
        m.smCount = intReading(sm.first().text);
    return m;
}

std::optional<GpuProcess> parseProcessRow(QByteArrayView line, bool hasInstanceIds)
{
    const QList<QByteArrayView> cells = cellsOf(line);
    if (cells.isEmpty())
        return std::nullopt;
    const QByteArrayView row = cells.first();
    const QList<Token> t = tokens(row);
    const int fixed = hasInstanceIds ? 5 : 3; // GPU [GI CI] PID Type
    if (t.size() < fixed + 1)
        return std::nullopt;
    GpuProcess p;
    const auto gpu = parseInteger(t[0].text);
    if (!gpu)
        return std::nullopt; // "No running processes found"
    p.gpuIndex = static_cast<int>(*gpu);
    int i = 1;
    if (hasInstanceIds) {
        p.gpuInstanceId = intReading(t[1].text).optional();
        p.computeInstanceId = intReading(t[2].text).optional();
        i = 3;
    }
    p.pid = parseInteger(t[i].text);
    p.type = toQString(t[i + 1].text);
    const Token& memory = t.last();
    const bool memoryIsLast = t.size() > fixed + 1;
    const qsizetype nameBegin = t[i + 1].begin + t[i + 1].text.size();
    const qsizetype nameEnd = memoryIsLast ? memory.begin : row.size();
    p.name = toQString(trimmed(row.sliced(nameBegin, nameEnd - nameBegin)));
    p.nameTruncated = p.name.startsWith(QLatin1String("..."));
    if (memoryIsLast)
        p.usedMemoryMiB = mibReading(memory.text);
    return p;
}

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

} // namespace

bool isSmiTableBanner(QByteArrayView line)
{
    return trimmed(line).startsWith("| NVIDIA-SMI ");
}

Result<SmiSnapshot> parseSmiTable(QByteArrayView text)
{
    enum class Part { Seek, GpuHeader, GpuBody, MigHeader, MigBody, ProcHeader, ProcBody };
    Part part = Part::Seek;
    SmiSnapshot snap;
    bool sawBanner = false;
    bool driverModelColumn = false;
    bool processInstanceIds = true;
    QList<QByteArrayView> block;
    int blockLine = 0;
    const QList<QByteArrayView> lines = splitLines(text);

    auto closeBlock = [&]() -> Result<void> {
        if (block.isEmpty())
            return {};
        if (part == Part::GpuBody) {
            Result<GpuSample> g = parseGpuBlock(block, driverModelColumn, blockLine);
            if (!g.ok())
                return g.error();
            GpuSample s = std::move(g).value();
            s.driverVersion = snap.driverVersion;
            s.timestamp = snap.timestamp;
            snap.gpus.append(std::move(s));
        } else if (part == Part::MigBody) {
            if (const auto m = parseMigBlock(block)) {
                for (GpuSample& g : snap.gpus) {
                    if (g.index == m->gpuIndex)
                        g.migDevices.append(*m);
                }
            }
        }
        block.clear();
        return {};
    };

    for (int n = 0; n < lines.size(); ++n) {
        const QByteArrayView line = lines[n];
        const QByteArrayView t = trimmed(line);
        const int lineNumber = n + 1;
        if (isSmiTableBanner(t)) {
            if (sawBanner && !snap.gpus.isEmpty())
                break; // a second table: one snapshot per call
            sawBanner = true;
            snap.driverVersion = bannerValue(t, "Driver Version:");
            if (snap.driverVersion.isEmpty())
                snap.driverVersion = bannerValue(t, "KMD Version:");
            snap.cudaVersion = bannerValue(t, "CUDA Version:");
            if (snap.cudaVersion.isEmpty())
                snap.cudaVersion = bannerValue(t, "CUDA UMD Version:");
            part = Part::GpuHeader;
            continue;
        }
        switch (part) {
        case Part::Seek:
            if (!sawBanner && !t.isEmpty() && !t.startsWith('+') && !t.startsWith('|')) {
                const QDateTime when = parseCTimestamp(t);
                if (when.isValid())
                    snap.timestamp = when;
            }
            if (t.startsWith("| MIG devices:"))
                part = Part::MigHeader;
            else if (t.startsWith("| Processes:"))
                part = Part::ProcHeader;
            break;
        case Part::GpuHeader:
        case Part::MigHeader:
        case Part::ProcHeader:
            if (t.contains("Driver-Model") || t.contains("TCC/WDDM"))
                driverModelColumn = true;
            if (part == Part::ProcHeader && t.contains("PID"))
                processInstanceIds = t.contains(" GI ");
            if (isRule(t, '=')) {
                part = part == Part::GpuHeader   ? Part::GpuBody
                       : part == Part::MigHeader ? Part::MigBody
                                                 : Part::ProcBody;
            } else if (!t.startsWith('|') && !t.startsWith('+') && !t.isEmpty()) {
                part = Part::Seek;
            }
            break;
        case Part::GpuBody:
        case Part::MigBody:
            if (t.startsWith("| MIG devices:") || t.startsWith("| Processes:")) {
                if (!block.isEmpty())
                    return truncatedError(blockLine);
                part = t.startsWith("| MIG") ? Part::MigHeader : Part::ProcHeader;
            } else if (t.startsWith('|')) {
                if (block.isEmpty())
                    blockLine = lineNumber;
                block.append(t);
            } else if (t.startsWith('+')) {
                if (Result<void> r = closeBlock(); !r.ok())
                    return r.error();
            } else {
                // The table ended; a block still open was cut off.
                if (!block.isEmpty())
                    return truncatedError(blockLine);
                part = Part::Seek;
            }
            break;
        case Part::ProcBody:
            if (t.startsWith('|')) {
                if (auto p = parseProcessRow(t, processInstanceIds)) {
                    for (const GpuSample& g : snap.gpus) {
                        if (g.index == p->gpuIndex) {
                            p->gpuUuid = g.uuid;
                            p->gpuBusId = g.busId;
                        }
                    }
                    snap.processes.append(std::move(*p));
                }
            } else {
                part = Part::Seek;
            }
            break;
        }
    }
    if ((part == Part::GpuBody || part == Part::MigBody) && !block.isEmpty())
        return truncatedError(blockLine);
    if (part == Part::GpuBody && snap.gpus.isEmpty())
        return truncatedError(static_cast<int>(lines.size()));
    if (!sawBanner)
        return makeError(ErrorCode::InvalidInput,
                         QStringLiteral("Not the nvidia-smi table: no \"| NVIDIA-SMI\" banner."));
    if (snap.gpus.isEmpty())
        return makeError(ErrorCode::InvalidInput,
                         QStringLiteral("The nvidia-smi table lists no GPU: it was cut off or "
                                        "the driver found none."));
    return snap;
}

} // namespace gpudeck::monitor
