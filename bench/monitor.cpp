// A day of monitoring: 24 h of 1 Hz samples for 8 GPUs (5 metrics each). Measures what the
// history holds in memory and how long the Monitor tab takes to redraw its charts for each
// time window, next to the naive way (every sample handed to Qt Charts) for scale.
//
//   QT_QPA_PLATFORM=offscreen gpudeck-bench-monitor
#include "fleet.h"
#include "gpumonitor.h"
#include "monitorpage.h"
#include "trainingmonitor.h"

#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QElapsedTimer>
#include <QFile>
#include <QLineSeries>
#include <QTemporaryDir>
#include <QTextStream>

#include <cmath>

using namespace gpudeck;

namespace {

double rssMb()
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return 0;
    for (const QByteArray& line : f.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.simplified().split(' ').value(1).toDouble() / 1024.0;
    }
    return 0;
}

monitor::GpuSample sample(int gpu, qint64 i)
{
    // A training day: busy with noise, a few idle gaps, slow thermal drift.
    const double t = static_cast<double>(i);
    const bool idle = (i / 3600) % 7 == 3;
    monitor::GpuSample s;
    s.index = gpu;
    s.uuid = QStringLiteral("GPU-bench-%1").arg(gpu);
    s.name = QStringLiteral("NVIDIA H100 80GB HBM3");
    s.utilizationGpuPercent = idle ? 0.0 : 92.0 + 6.0 * std::sin(t / 7.0 + gpu);
    s.memoryUsedMiB = static_cast<qint64>(idle ? 4 : 61000 + 2000 * std::sin(t / 300.0));
    s.memoryTotalMiB = qint64(81559);
    s.temperatureC = idle ? 35.0 : 70.0 + 5.0 * std::sin(t / 900.0 + gpu);
    s.powerDrawW = idle ? 70.0 : 620.0 + 40.0 * std::sin(t / 11.0);
    s.powerLimitW = 700.0;
    s.smClockMHz = idle ? 345.0 : 1980.0;
    return s;
}

} // namespace

int main(int argc, char* argv[])
{
    QApplication app(argc, argv);
    QTextStream out(stdout);
    constexpr int kGpus = 8;
    constexpr qint64 kSeconds = 24 * 3600;

    QTemporaryDir home;
    for (const char* v : {"XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"})
        qputenv(v, QFile::encodeName(home.path() + QLatin1Char('/') + QLatin1String(v)));
    Fleet fleet(AppPaths::standard());

    const double rssBefore = rssMb();
    auto gpus = std::make_unique<GpuMonitor>(ssh::Endpoint{}, 1000);
    const qint64 end = QDateTime::currentMSecsSinceEpoch();
    const qint64 start = end - kSeconds * 1000;
    QElapsedTimer ingest;
    ingest.start();
    QList<monitor::GpuSample> batch;
    for (qint64 i = 0; i < kSeconds; ++i) {
        batch.clear();
        for (int g = 0; g < kGpus; ++g)
            batch << sample(g, i);
        gpus->addSamples(batch, start + i * 1000);
    }
    const double ingestMs = static_cast<double>(ingest.nsecsElapsed()) / 1e6;
    size_t held = 0;
    size_t kept = 0;
    for (const GpuTrack& t : gpus->gpus()) {
        for (const TimeSeries* s :
             {&t.utilization, &t.memoryPercent, &t.temperature, &t.powerW, &t.smClockMHz}) {
            held += s->memoryBytes();
            kept += s->sampleCount();
        }
    }
    const double rssAfter = rssMb();
    const qint64 raw = kSeconds * kGpus * 5;

    out << "| what | value |\n|---|---|\n"
        << QStringLiteral("| samples received (24 h × 1 Hz × %1 GPUs × 5 metrics) | %2 |\n")
               .arg(kGpus)
               .arg(raw)
        << QStringLiteral("| points kept (15 min full rate + 10 s buckets) | %1 |\n").arg(kept)
        << QStringLiteral("| history held (TimeSeries::memoryBytes) | %1 MB |\n")
               .arg(static_cast<double>(held) / (1 << 20), 0, 'f', 2)
        << QStringLiteral("| process RSS growth while ingesting | %1 MB |\n")
               .arg(rssAfter - rssBefore, 0, 'f', 1)
        << QStringLiteral("| ingest time for the whole day | %1 ms (%2 µs per 8-GPU sample) |\n\n")
               .arg(ingestMs, 0, 'f', 0)
               .arg(ingestMs * 1000.0 / static_cast<double>(kSeconds), 0, 'f', 2);

    MonitorPage page(fleet, nullptr, QStringLiteral("bench"));
    page.resize(1280, 900);
    page.setMonitors(std::move(gpus), nullptr);
    page.show();
    QCoreApplication::processEvents();
    auto* window = page.findChild<QComboBox*>(QStringLiteral("monitorWindow"));
    out << "| window | points drawn per chart | redraw (refresh + paint), median of 20 "
           "|\n|---|---|---|\n";
    for (int w = 0; w < window->count(); ++w) {
        window->setCurrentIndex(w);
        QList<double> times;
        for (int k = 0; k < 20; ++k) {
            QElapsedTimer t;
            t.start();
            page.refresh();
            page.repaint();
            times << static_cast<double>(t.nsecsElapsed()) / 1e6;
        }
        std::sort(times.begin(), times.end());
        int points = 0;
        if (auto* chart = page.findChild<QChartView*>(QStringLiteral("chartUtilization"))) {
            for (QAbstractSeries* s : chart->chart()->series())
                points += static_cast<int>(static_cast<QLineSeries*>(s)->count());
        }
        out << QStringLiteral("| %1 | %2 | %3 ms |\n")
                   .arg(window->itemText(w))
                   .arg(points)
                   .arg(times.at(10), 0, 'f', 1);
        out.flush();
    }

    // For scale: the naive way, every one of the day's samples of one metric handed to Qt Charts.
    {
        QChartView naive;
        naive.resize(400, 200);
        auto* series = new QLineSeries;
        naive.chart()->addSeries(series);
        naive.chart()->createDefaultAxes();
        naive.show();
        QList<QPointF> all;
        all.reserve(kSeconds * kGpus);
        for (int g = 0; g < kGpus; ++g)
            for (qint64 i = 0; i < kSeconds; ++i)
                all << QPointF(static_cast<double>(start + i * 1000),
                               sample(g, i).utilizationGpuPercent.value_or(0));
        QElapsedTimer t;
        t.start();
        series->replace(all);
        naive.repaint();
        out << QStringLiteral("\nNaive, for scale: one chart given all %1 raw points of one "
                              "metric: %2 ms per redraw.\n")
                   .arg(all.size())
                   .arg(static_cast<double>(t.nsecsElapsed()) / 1e6, 0, 'f', 0);
    }
    return 0;
}
