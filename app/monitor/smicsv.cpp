#include "smicsv.h"

#include "smivalue.h"

#include <algorithm>

namespace gpudeck::monitor {

using namespace detail;

namespace {

struct FieldName {
    const char* name;
    SmiField field;
};

// Aliases as `nvidia-smi --help-query-gpu` lists them ("name" or "gpu_name"). When several
// columns feed one reading (power.draw and power.draw.instant), the first with a value wins.
constexpr FieldName kFieldNames[] = {
    {"timestamp", SmiField::Timestamp},
    {"index", SmiField::Index},
    {"uuid", SmiField::Uuid},
    {"gpu_uuid", SmiField::Uuid},
    {"name", SmiField::Name},
    {"gpu_name", SmiField::Name},
    {"pci.bus_id", SmiField::BusId},
    {"gpu_bus_id", SmiField::BusId},
    {"utilization.gpu", SmiField::UtilizationGpu},
    {"utilization.memory", SmiField::UtilizationMemory},
    {"memory.used", SmiField::MemoryUsed},
    {"memory.total", SmiField::MemoryTotal},
    {"temperature.gpu", SmiField::Temperature},
    {"temperature.memory", SmiField::MemoryTemperature},
    {"power.draw", SmiField::PowerDraw},
    {"power.draw.instant", SmiField::PowerDraw},
    {"power.draw.average", SmiField::PowerDraw},
    {"power.limit", SmiField::PowerLimit},
    {"enforced.power.limit", SmiField::PowerLimit},
    {"clocks.current.sm", SmiField::SmClock},
    {"clocks.sm", SmiField::SmClock},
    {"clocks.current.graphics", SmiField::GraphicsClock},
    {"clocks.gr", SmiField::GraphicsClock},
    {"clocks.current.memory", SmiField::MemoryClock},
    {"clocks.mem", SmiField::MemoryClock},
    {"pstate", SmiField::PState},
    {"fan.speed", SmiField::Fan},
    {"driver_version", SmiField::DriverVersion},
    {"driver_model.current", SmiField::DriverModel},
    {"persistence_mode", SmiField::Persistence},
    {"compute_mode", SmiField::ComputeMode},
    {"mig.mode.current", SmiField::MigMode},
    {"pid", SmiField::Pid},
    {"process_name", SmiField::ProcessName},
    {"used_gpu_memory", SmiField::UsedMemory},
    {"used_memory", SmiField::UsedMemory},
};

bool isNameChar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.';
}

// "memory.used [MiB]" -> "memory.used"; empty if the cell is not a property name.
QByteArrayView headerName(QByteArrayView cell)
{
    cell = trimmed(cell);
    const qsizetype bracket = cell.indexOf('[');
    QByteArrayView name = bracket >= 0 ? trimmed(cell.first(bracket)) : cell;
    if (bracket >= 0 && !cell.endsWith(']'))
        return {};
    if (name.isEmpty() || !std::all_of(name.begin(), name.end(), isNameChar))
        return {};
    const char c = name.front();
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
        return {};
    return name;
}

// Reads "yyyy/MM/dd HH:mm:ss.zzz" without building a QString per row.
QDateTime fastCsvTimestamp(QByteArrayView v)
{
    auto num = [&](qsizetype from, qsizetype len) -> int {
        int n = 0;
        for (qsizetype i = from; i < from + len; ++i) {
            const char c = v[i];
            if (c < '0' || c > '9')
                return -1;
            n = n * 10 + (c - '0');
        }
        return n;
    };
    if (v.size() >= 19 && v[4] == '/' && v[7] == '/' && v[10] == ' ' && v[13] == ':' &&
        v[16] == ':') {
        const int ms = v.size() >= 23 && v[19] == '.' ? num(20, 3) : 0;
        const QDate date(num(0, 4), num(5, 2), num(8, 2));
        const QTime time(num(11, 2), num(14, 2), num(17, 2), std::max(ms, 0));
        if (date.isValid() && time.isValid())
            return QDateTime(date, time);
    }
    return parseCsvTimestamp(v);
}

template <typename T> void setIfEmpty(Reading<T>& target, Reading<T> value)
{
    // A column with a value beats an earlier one without (power.draw [N/A], power.draw.instant
    // 442 W); between two absences the first reason is kept.
    if (!target.has_value() && (value.has_value() || target.absence() == Absence::NotReported))
        target = std::move(value);
}

} // namespace

SmiField smiFieldFromName(QByteArrayView name)
{
    name = trimmed(name);
    for (const FieldName& f : kFieldNames) {
        if (name == QByteArrayView(f.name))
            return f.field;
    }
    return SmiField::Other;
}

QByteArray streamingQueryFields()
{
    return QByteArrayLiteral(
        "timestamp,index,uuid,name,pci.bus_id,utilization.gpu,utilization.memory,memory.used,"
        "memory.total,temperature.gpu,power.draw,power.limit,clocks.sm,clocks.mem,pstate,"
        "fan.speed");
}

QString streamingCommand(int intervalMs)
{
    return QStringLiteral("nvidia-smi --query-gpu=%1 --format=csv,noheader,nounits -lms %2")
        .arg(QString::fromLatin1(streamingQueryFields()))
        .arg(std::max(intervalMs, 1));
}

QList<QByteArrayView> splitCsvLine(QByteArrayView line)
{
    QList<QByteArrayView> cells;
    qsizetype start = 0;
    for (qsizetype i = 0; i <= line.size(); ++i) {
        if (i == line.size() || line[i] == ',') {
            cells.append(trimmed(line.sliced(start, i - start)));
            start = i + 1;
        }
    }
    return cells;
}

SmiCsvParser::SmiCsvParser() = default;

SmiCsvParser SmiCsvParser::withFields(QByteArrayView commaSeparatedFields)
{
    SmiCsvParser p;
    QList<QByteArrayView> names = splitCsvLine(commaSeparatedFields);
    names.removeIf([](QByteArrayView n) { return n.isEmpty(); });
    p.setColumns(names);
    return p;
}

QList<QByteArray> SmiCsvParser::columnNames() const
{
    QList<QByteArray> names;
    for (const Column& c : m_columns)
        names.append(c.name);
    return names;
}

namespace {

bool isHeaderCells(const QList<QByteArrayView>& cells)
{
    // Rows start with a number, a timestamp, a uuid or [N/A]: reject them on the first cell.
    if (cells.isEmpty() || headerName(cells.front()).isEmpty())
        return false;
    bool known = false;
    for (QByteArrayView cell : cells) {
        const QByteArrayView name = headerName(cell);
        if (name.isEmpty())
            return false;
        known = known || smiFieldFromName(name) != SmiField::Other;
    }
    return known;
}

} // namespace

bool SmiCsvParser::looksLikeHeader(QByteArrayView line)
{
    return isHeaderCells(splitCsvLine(trimmed(line)));
}

void SmiCsvParser::setColumns(const QList<QByteArrayView>& names)
{
    m_columns.clear();
    m_processNameColumn = -1;
    m_processQuery = false;
    for (QByteArrayView cell : names) {
        const QByteArrayView name = headerName(cell);
        Column c;
        c.name = (name.isEmpty() ? trimmed(cell) : name).toByteArray();
        c.field = smiFieldFromName(c.name);
        if (c.field == SmiField::ProcessName)
            m_processNameColumn = static_cast<int>(m_columns.size());
        if (c.field == SmiField::Pid)
            m_processQuery = true;
        m_columns.push_back(std::move(c));
    }
    m_lastRaw.assign(m_columns.size(), QByteArray());
    m_lastText.assign(m_columns.size(), QString());
}

SmiCsvBatch SmiCsvParser::feed(QByteArrayView bytes)
{
    SmiCsvBatch batch;
    qsizetype start = 0;
    for (qsizetype i = 0; i < bytes.size(); ++i) {
        if (bytes[i] != '\n')
            continue;
        QByteArrayView piece = bytes.sliced(start, i - start);
        if (!m_pending.isEmpty()) {
            m_pending.append(piece);
            parseLine(m_pending, batch);
            m_pending.clear();
        } else {
            parseLine(piece, batch);
        }
        start = i + 1;
    }
    if (start < bytes.size())
        m_pending.append(bytes.sliced(start));
    // A stream that never sends a newline must not grow without bound; nvidia-smi rows are far
    // below this even with every property queried (~6 KiB on driver 610).
    constexpr qsizetype kMaxLine = 1 << 20;
    if (m_pending.size() > kMaxLine) {
        m_pending.clear();
        ++batch.rejectedLines;
        batch.lastProblem = QStringLiteral("a line longer than 1 MiB was dropped");
    }
    return batch;
}

SmiCsvBatch SmiCsvParser::finish()
{
    SmiCsvBatch batch;
    if (!m_pending.isEmpty()) {
        parseLine(m_pending, batch);
        m_pending.clear();
    }
    return batch;
}

void SmiCsvParser::parseLine(QByteArrayView line, SmiCsvBatch& batch)
{
    line = trimmed(line);
    if (line.isEmpty())
        return;
    const QList<QByteArrayView> cells = splitCsvLine(line);
    // A header may also come again mid-stream (outputs of several runs concatenated).
    const bool header = isHeaderCells(cells);
    if (m_columns.empty() || header) {
        if (!header) {
            ++batch.rejectedLines;
            batch.lastProblem = QStringLiteral("expected a header line of query property names "
                                               "(or give the field list for noheader output)");
            return;
        }
        setColumns(cells);
        return;
    }
    parseRow(cells, batch);
}

QString SmiCsvParser::shared(int column, QByteArrayView value)
{
    // The uuid, name and bus id repeat in every sample of a GPU: reuse the previous QString.
    const auto c = static_cast<size_t>(column);
    if (m_lastRaw[c] != value) {
        m_lastRaw[c] = value.toByteArray();
        m_lastText[c] = QString::fromUtf8(value);
    }
    return m_lastText[c];
}

void SmiCsvParser::parseRow(const QList<QByteArrayView>& rawCells, SmiCsvBatch& batch)
{
    QList<QByteArrayView> cells = rawCells;
    const auto expected = static_cast<qsizetype>(m_columns.size());
    QByteArray joinedName;
    if (cells.size() > expected && m_processNameColumn >= 0) {
        // nvidia-smi does not quote: a process name with commas spills into the next cells.
        const qsizetype extra = cells.size() - expected;
        const QByteArrayView first = cells[m_processNameColumn];
        const QByteArrayView last = cells[m_processNameColumn + extra];
        joinedName =
            QByteArrayView(first.data(), last.data() + last.size() - first.data()).toByteArray();
        cells.remove(m_processNameColumn + 1, extra);
        cells[m_processNameColumn] = joinedName;
    }
    if (cells.size() != expected) {
        ++batch.rejectedLines;
        batch.lastProblem = QStringLiteral("expected %1 comma-separated values, got %2")
                                .arg(expected)
                                .arg(cells.size());
        return;
    }
    ++m_rows;
    if (m_processQuery) {
        GpuProcess p;
        for (int i = 0; i < expected; ++i) {
            const QByteArrayView v = cells[i];
            switch (m_columns[static_cast<size_t>(i)].field) {
            case SmiField::Uuid:
                p.gpuUuid = absenceOf(v) ? QString() : shared(i, v);
                break;
            case SmiField::BusId:
                p.gpuBusId = absenceOf(v) ? QString() : shared(i, v);
                break;
            case SmiField::Index:
                if (const auto n = parseInteger(v))
                    p.gpuIndex = static_cast<int>(*n);
                break;
            case SmiField::Pid:
                if (const auto n = parseInteger(v))
                    p.pid = *n;
                break;
            case SmiField::ProcessName:
                if (!absenceOf(v))
                    p.name = toQString(v);
                break;
            case SmiField::UsedMemory:
                p.usedMemoryMiB = mibReading(v);
                break;
            default:
                break;
            }
        }
        batch.processes.append(std::move(p));
        return;
    }
    GpuSample g;
    for (int i = 0; i < expected; ++i) {
        const QByteArrayView v = cells[i];
        switch (m_columns[static_cast<size_t>(i)].field) {
        case SmiField::Other:
        case SmiField::Pid:
        case SmiField::ProcessName:
        case SmiField::UsedMemory:
            break;
        case SmiField::Timestamp:
            g.timestamp = fastCsvTimestamp(v);
            break;
        case SmiField::Index:
            if (const auto n = parseInteger(v))
                g.index = static_cast<int>(*n);
            break;
        case SmiField::Uuid:
            if (!absenceOf(v))
                g.uuid = shared(i, v);
            break;
        case SmiField::Name:
            if (!absenceOf(v))
                g.name = shared(i, v);
            break;
        case SmiField::BusId:
            if (!absenceOf(v))
                g.busId = shared(i, v);
            break;
        case SmiField::UtilizationGpu:
            setIfEmpty(g.utilizationGpuPercent, numberReading(v));
            break;
        case SmiField::UtilizationMemory:
            setIfEmpty(g.utilizationMemoryPercent, numberReading(v));
            break;
        case SmiField::MemoryUsed:
            setIfEmpty(g.memoryUsedMiB, mibReading(v));
            break;
        case SmiField::MemoryTotal:
            setIfEmpty(g.memoryTotalMiB, mibReading(v));
            break;
        case SmiField::Temperature:
            setIfEmpty(g.temperatureC, numberReading(v));
            break;
        case SmiField::MemoryTemperature:
            setIfEmpty(g.memoryTemperatureC, numberReading(v));
            break;
        case SmiField::PowerDraw:
            setIfEmpty(g.powerDrawW, numberReading(v));
            break;
        case SmiField::PowerLimit:
            setIfEmpty(g.powerLimitW, numberReading(v));
            break;
        case SmiField::SmClock:
            setIfEmpty(g.smClockMHz, numberReading(v));
            break;
        case SmiField::GraphicsClock:
            setIfEmpty(g.graphicsClockMHz, numberReading(v));
            break;
        case SmiField::MemoryClock:
            setIfEmpty(g.memoryClockMHz, numberReading(v));
            break;
        case SmiField::PState:
            if (const auto why = absenceOf(v))
                g.pstate = Reading<QString>::absent(*why);
            else
                g.pstate = shared(i, v);
            break;
        case SmiField::Fan:
            setIfEmpty(g.fanPercent, numberReading(v));
            break;
        case SmiField::DriverVersion:
            if (!absenceOf(v))
                g.driverVersion = shared(i, v);
            break;
        case SmiField::DriverModel:
            if (!absenceOf(v))
                g.driverModel = shared(i, v);
            break;
        case SmiField::Persistence:
            if (!absenceOf(v))
                g.persistence = shared(i, v);
            break;
        case SmiField::ComputeMode:
            if (!absenceOf(v))
                g.computeMode = shared(i, v);
            break;
        case SmiField::MigMode:
            g.mig = parseEnabled(v);
            break;
        }
    }
    batch.gpus.append(std::move(g));
}

Result<SmiSnapshot> parseSmiCsv(QByteArrayView text, QByteArrayView fields)
{
    SmiCsvParser parser = fields.isEmpty() ? SmiCsvParser() : SmiCsvParser::withFields(fields);
    SmiCsvBatch all = parser.feed(text);
    SmiCsvBatch tail = parser.finish();
    all.gpus += tail.gpus;
    all.processes += tail.processes;
    all.rejectedLines += tail.rejectedLines;
    if (!tail.lastProblem.isEmpty())
        all.lastProblem = tail.lastProblem;
    if (all.rejectedLines > 0)
        return makeError(ErrorCode::InvalidInput,
                         QStringLiteral("Not nvidia-smi CSV output: %1 line(s) did not fit (%2).")
                             .arg(all.rejectedLines)
                             .arg(all.lastProblem));
    if (!parser.hasColumns())
        return makeError(ErrorCode::InvalidInput,
                         QStringLiteral("No nvidia-smi CSV header found; expected a line such as "
                                        "\"index, name, memory.total [MiB]\"."));
    SmiSnapshot s;
    s.gpus = std::move(all.gpus);
    s.processes = std::move(all.processes);
    for (const GpuSample& g : s.gpus) {
        if (!g.driverVersion.isEmpty())
            s.driverVersion = g.driverVersion;
        if (g.timestamp.isValid() && !s.timestamp.isValid())
            s.timestamp = g.timestamp;
    }
    return s;
}

const std::vector<KnownCsvLayout>& knownCsvLayouts()
{
    // Field lists copied from the tools' sources (gpustat 0.x core.py, Telegraf's nvidia_smi
    // plugin before it moved to XML); the captures in ../shared/realdata/nvidia-smi use them.
    static const std::vector<KnownCsvLayout> layouts{
        {QStringLiteral("gpustat --query-gpu"),
         QByteArrayLiteral(
             "index,uuid,name,temperature.gpu,utilization.gpu,memory.used,memory.total")},
        {QStringLiteral("gpustat --query-compute-apps"),
         QByteArrayLiteral("gpu_uuid,pid,used_memory")},
        {QStringLiteral("telegraf nvidia_smi (CSV era)"),
         QByteArrayLiteral(
             "fan.speed,memory.total,memory.used,memory.free,pstate,temperature.gpu,name,uuid,"
             "compute_mode,utilization.gpu,utilization.memory,index,power.draw,"
             "pcie.link.gen.current,pcie.link.width.current,encoder.stats.sessionCount,"
             "encoder.stats.averageFps,encoder.stats.averageLatency,clocks.current.graphics,"
             "clocks.current.sm,clocks.current.memory,clocks.current.video")},
        {QStringLiteral("GPUDeck stream"), streamingQueryFields()},
    };
    return layouts;
}

const KnownCsvLayout* guessCsvLayout(QByteArrayView line)
{
    const QList<QByteArrayView> cells = splitCsvLine(trimmed(line));
    if (cells.size() < 2)
        return nullptr;
    for (const KnownCsvLayout& layout : knownCsvLayouts()) {
        const QList<QByteArrayView> names = splitCsvLine(layout.fields);
        if (names.size() != cells.size())
            continue;
        // The shape must fit too: a uuid column holds GPU-..., an index column an integer.
        bool fits = true;
        bool anchored = false;
        for (qsizetype i = 0; i < names.size() && fits; ++i) {
            const SmiField f = smiFieldFromName(names[i]);
            const QByteArrayView v = cells[i];
            if (f == SmiField::Uuid) {
                fits = v.startsWith("GPU-") || v.startsWith("MIG-");
                anchored = anchored || fits;
            } else if (f == SmiField::Index || f == SmiField::Pid) {
                fits = parseInteger(v).has_value() || absenceOf(v).has_value();
            } else if (f == SmiField::MemoryTotal || f == SmiField::MemoryUsed ||
                       f == SmiField::UsedMemory) {
                fits = mibReading(v).has_value() || absenceOf(v).has_value();
            }
        }
        if (fits && anchored)
            return &layout;
    }
    return nullptr;
}

} // namespace gpudeck::monitor
