#pragma once

#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace gpudeck::monitor {

// Why nvidia-smi printed no value. Kept next to the missing value because "this GPU cannot
// report power" (NotSupported) and "the driver failed to read it" (UnknownError, Error) call for
// different messages and alerts.
enum class Absence {
    NotReported,  // the field was not queried, or this output format does not carry it
    NotAvailable, // [N/A], N/A
    NotSupported, // [Not Supported]
    UnknownError, // [Unknown Error]
    Deprecated,   // [Requested functionality has been deprecated] (drivers 580+)
    Error,        // ERR! in the default table (a fan the driver cannot read)
    Unparsable,   // something else we could not read as a number
};

[[nodiscard]] QString absenceText(Absence why); // "[N/A]", "[Not Supported]", ...

// An optional reading that remembers why it is empty.
template <typename T> class Reading {
public:
    Reading() = default;
    Reading(T value)
        : m_value(std::move(value))
    {}
    [[nodiscard]] static Reading absent(Absence why)
    {
        Reading r;
        r.m_why = why;
        return r;
    }

    [[nodiscard]] bool has_value() const { return m_value.has_value(); }
    explicit operator bool() const { return m_value.has_value(); }
    [[nodiscard]] const T& operator*() const { return *m_value; }
    [[nodiscard]] const T& value() const { return m_value.value(); }
    [[nodiscard]] T value_or(T fallback) const { return m_value.value_or(std::move(fallback)); }
    [[nodiscard]] const std::optional<T>& optional() const { return m_value; }
    // Meaningful only when empty; NotReported when the source did not carry the field at all.
    [[nodiscard]] Absence absence() const { return m_why; }

private:
    std::optional<T> m_value;
    Absence m_why = Absence::NotReported;
};

// One MIG instance of a GPU in MIG mode.
struct MigDevice {
    std::optional<int> gpuIndex;
    std::optional<int> migIndex; // "MIG Dev" in the table, <index> in the XML
    std::optional<int> gpuInstanceId;
    std::optional<int> computeInstanceId;
    QString profile; // "3g.40gb", from `nvidia-smi -L` only
    QString uuid;    // MIG-..., from `nvidia-smi -L` only
    Reading<int> smCount;
    Reading<qint64> memoryUsedMiB;
    Reading<qint64> memoryTotalMiB;
};

// One process using a GPU (default table, -q, -q -x, or --query-compute-apps).
struct GpuProcess {
    std::optional<int> gpuIndex; // table and -q; --query-compute-apps names the GPU by uuid/bus id
    QString gpuUuid;
    QString gpuBusId;
    std::optional<int> gpuInstanceId; // MIG
    std::optional<int> computeInstanceId;
    std::optional<qint64> pid;
    QString type; // C, G, C+G, M...
    QString name; // as printed; the table cuts long names to "...tail"
    bool nameTruncated = false;
    Reading<qint64> usedMemoryMiB; // [N/A] under Windows WDDM
};

// One GPU at one moment, from any nvidia-smi output format.
struct GpuSample {
    std::optional<int> index; // nvidia-smi's index (PCI bus order by default)
    QString uuid;
    QString name;
    bool nameTruncated = false; // the default table cuts names to "NVIDIA GeForce RTX 2080 ..."
    QString busId;              // as printed, e.g. 00000000:01:00.0
    QDateTime timestamp;        // when nvidia-smi took it (CSV timestamp, XML/-q/table header)

    Reading<double> utilizationGpuPercent;
    Reading<double> utilizationMemoryPercent;
    Reading<qint64> memoryUsedMiB;
    Reading<qint64> memoryTotalMiB;
    Reading<double> temperatureC;
    Reading<double> memoryTemperatureC;
    Reading<double> powerDrawW;
    Reading<double> powerLimitW;
    Reading<double> smClockMHz;
    Reading<double> graphicsClockMHz;
    Reading<double> memoryClockMHz;
    Reading<QString> pstate; // P0..P12
    Reading<double> fanPercent;

    QString driverVersion;
    QString driverModel;     // WDDM / TCC on Windows; empty on Linux
    QString persistence;     // On / Off
    QString computeMode;     // Default, E. Process, ...
    std::optional<bool> mig; // MIG mode current
    QList<MigDevice> migDevices;

    // Key for matching samples of one GPU across outputs: uuid, else bus id, else index.
    [[nodiscard]] QString key() const;
};

// Everything one nvidia-smi invocation printed that we understood.
struct SmiSnapshot {
    QList<GpuSample> gpus;
    QList<GpuProcess> processes;
    QString driverVersion;
    QString cudaVersion;
    QDateTime timestamp;
    std::optional<int> attachedGpus; // as announced by -q / -q -x, to spot truncated output
    QStringList warnings;            // oddities that did not stop the parse

    [[nodiscard]] qint64 memoryTotalMiB() const; // sum over GPUs that report it
};

// Normalises a PCI bus id for comparison: "0000:01:00.0" and "00000000:01:00.0" match.
[[nodiscard]] QString normalizedBusId(QStringView busId);

} // namespace gpudeck::monitor
