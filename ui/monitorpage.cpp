#include "monitorpage.h"

#include "alerts.h"
#include "billing.h"
#include "fleet.h"
#include "gpumonitor.h"
#include "monitorhub.h"
#include "remote.h"
#include "trainingmonitor.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDateTimeAxis>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QPushButton>
#include <QScrollArea>
#include <QSignalBlocker>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QValueAxis>

#include <cmath>

namespace gpudeck {

namespace {

enum Metric { Utilization, Memory, Temperature, Power, Clock, MetricCount };

// `x`: the horizontal axis (the chart owns it), by default times.
QChartView* makeChart(const QString& objectName, const QString& title, const QString& unit,
                      QAbstractAxis* x = nullptr)
{
    auto* chart = new QChart;
    chart->setTitle(title);
    chart->legend()->setAlignment(Qt::AlignBottom);
    chart->setMargins(QMargins(4, 4, 4, 4));
    if (!x) {
        auto* times = new QDateTimeAxis;
        times->setFormat(QStringLiteral("HH:mm"));
        times->setTickCount(3); // three times fit a third of the window without eliding
        x = times;
    }
    auto* y = new QValueAxis;
    y->setTitleText(unit);
    y->setLabelFormat(QStringLiteral("%.0f"));
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    auto* view = new QChartView(chart);
    view->setObjectName(objectName);
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumHeight(190);
    return view;
}

QLineSeries* seriesFor(QChart* chart, int index, const QString& name)
{
    const QList<QAbstractSeries*> all = chart->series();
    if (index < all.size())
        return static_cast<QLineSeries*>(all.at(index));
    auto* s = new QLineSeries;
    s->setName(name);
    chart->addSeries(s);
    for (QAbstractAxis* axis : chart->axes())
        s->attachAxis(axis);
    return s;
}

// "val_loss", "train_loss", "eval_loss", "loss" are one family: "loss".
QString metricFamily(const QString& name)
{
    QString f = name;
    for (const char* prefix :
         {"val_", "train_", "eval_", "test_", "valid_", "training_", "validation_"}) {
        if (f.startsWith(QLatin1String(prefix), Qt::CaseInsensitive)) {
            f = f.mid(static_cast<qsizetype>(qstrlen(prefix)));
            break;
        }
    }
    return f.toLower();
}

QString reading(const monitor::Reading<double>& r, const QString& unit, int decimals = 0)
{
    return r ? QStringLiteral("%1 %2").arg(*r, 0, 'f', decimals).arg(unit)
             : monitor::absenceText(r.absence());
}

} // namespace

MonitorPage::MonitorPage(Fleet& fleet, MonitorHub* hub, QString instanceId, QWidget* parent)
    : QWidget(parent)
    , m_fleet(fleet)
    , m_hub(hub)
    , m_id(std::move(instanceId))
{
    setObjectName(QStringLiteral("monitorPage"));
    m_status = new QLabel(tr("Not started."), this);
    m_status->setObjectName(QStringLiteral("monitorStatus"));
    m_status->setWordWrap(true);
    m_alerts = new QLabel(this);
    m_alerts->setObjectName(QStringLiteral("monitorAlerts"));
    m_alerts->setWordWrap(true);
    m_alerts->setStyleSheet(QStringLiteral("QLabel { color: #9a6700; font-weight: bold; }"));
    m_alerts->hide();
    m_window = new QComboBox(this);
    m_window->setObjectName(QStringLiteral("monitorWindow"));
    m_window->setAccessibleName(tr("Time window"));
    m_window->addItem(tr("Last 5 minutes"), 5 * 60 * 1000);
    m_window->addItem(tr("Last hour"), 3600 * 1000);
    m_window->addItem(tr("Last 24 hours"), 24 * 3600 * 1000);
    m_window->addItem(tr("All"), 0);
    connect(m_window, &QComboBox::currentIndexChanged, this, &MonitorPage::refresh);

    m_table = new QTableWidget(0, 7, this);
    m_table->setObjectName(QStringLiteral("gpuTable"));
    m_table->setHorizontalHeaderLabels(
        {tr("GPU"), tr("Name"), tr("Util"), tr("Memory"), tr("Temp"), tr("Power"), tr("SM clock")});
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSizeAdjustPolicy(QAbstractScrollArea::AdjustToContents);
    m_table->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_table->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);

    m_charts = {
        makeChart(QStringLiteral("chartUtilization"), tr("GPU utilisation"), QStringLiteral("%")),
        makeChart(QStringLiteral("chartMemory"), tr("Memory used of total"), QStringLiteral("%")),
        makeChart(QStringLiteral("chartTemperature"), tr("Temperature"), QStringLiteral("°C")),
        makeChart(QStringLiteral("chartPower"), tr("Power, % of its limit"), QStringLiteral("%")),
        makeChart(QStringLiteral("chartClock"), tr("SM clock"), QStringLiteral("MHz"))};

    m_logPath = new QLineEdit(QStringLiteral("~/train.log"), this);
    m_logPath->setObjectName(QStringLiteral("trainingLogPath"));
    m_logPath->setToolTip(tr("The training job's log on the machine (Keras, PyTorch, Lightning "
                             "metrics.csv, Hugging Face, fastai, YOLO results.csv, JSON Lines)"));
    m_follow = new QPushButton(tr("&Follow"), this);
    m_follow->setObjectName(QStringLiteral("followLogButton"));
    connect(m_follow, &QPushButton::clicked, this, &MonitorPage::followLog);
    connect(m_logPath, &QLineEdit::returnPressed, this, &MonitorPage::followLog);
    m_trainingStatus = new QLabel(this);
    m_trainingStatus->setObjectName(QStringLiteral("trainingStatus"));
    m_trainingStatus->setWordWrap(true);
    m_trainingSummary = new QLabel(tr("No training log followed yet."), this);
    m_trainingSummary->setObjectName(QStringLiteral("trainingSummary"));
    m_trainingSummary->setWordWrap(true);
    m_trainingSummary->setTextFormat(Qt::RichText);
    m_metric = new QComboBox(this);
    m_metric->setObjectName(QStringLiteral("trainingMetric"));
    m_metric->setToolTip(tr("Which metric to chart per epoch (with its validation twin)"));
    connect(m_metric, &QComboBox::currentIndexChanged, this, &MonitorPage::refreshTraining);
    auto* epochAxis = new QValueAxis;
    epochAxis->setTitleText(tr("epoch"));
    epochAxis->setTitleVisible(false); // the chart title says "per epoch"; height is scarce
    epochAxis->setLabelFormat(QStringLiteral("%.0f"));
    epochAxis->setTickType(QValueAxis::TicksDynamic);
    epochAxis->setTickAnchor(1);
    epochAxis->setTickInterval(1);
    m_trainingChart =
        makeChart(QStringLiteral("chartTraining"), tr("Loss per epoch"), QString(), epochAxis);
    m_trainingChart->setMinimumHeight(210);

    auto* top = new QHBoxLayout;
    top->addWidget(m_status, 1);
    top->addWidget(new QLabel(tr("Show:"), this));
    top->addWidget(m_window);

    // The training run first (its progress is what people watch), then the GPU charts in
    // three columns.
    auto* grid = new QGridLayout;
    for (int i = 0; i < m_charts.size(); ++i)
        grid->addWidget(m_charts.at(i), 1 + i / 3, i % 3);

    auto* trainingBox = new QGroupBox(tr("Training run"), this);
    auto* tl = new QHBoxLayout(trainingBox);
    auto* left = new QVBoxLayout;
    auto* logRow = new QHBoxLayout;
    logRow->addWidget(new QLabel(tr("Log file:"), trainingBox));
    logRow->addWidget(m_logPath, 1);
    logRow->addWidget(m_follow);
    left->addLayout(logRow);
    left->addWidget(m_trainingStatus);
    left->addWidget(m_trainingSummary);
    auto* metricRow = new QHBoxLayout;
    metricRow->addWidget(new QLabel(tr("Chart:"), trainingBox));
    metricRow->addWidget(m_metric, 1);
    left->addLayout(metricRow);
    left->addStretch();
    tl->addLayout(left, 1);
    tl->addWidget(m_trainingChart, 2);
    grid->addWidget(trainingBox, 0, 0, 1, 3);

    auto* content = new QWidget(this);
    auto* layout = new QVBoxLayout(content);
    layout->addLayout(top);
    layout->addWidget(m_alerts);
    layout->addWidget(m_table);
    layout->addLayout(grid, 1);
    auto* scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(content);
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(scroll);

    m_timer.setInterval(1000);
    connect(&m_timer, &QTimer::timeout, this, &MonitorPage::refresh);
}

MonitorPage::~MonitorPage() = default;

void MonitorPage::start()
{
    if (m_started || !m_hub)
        return;
    GpuMonitor* gpus = m_hub->monitor(m_id);
    if (!gpus) {
        m_status->setText(tr("The machine is not running."));
        return;
    }
    m_started = true;
    attach(gpus);
    followLog();
}

void MonitorPage::attach(GpuMonitor* gpus)
{
    m_gpus = gpus;
    m_status->setText(gpus->message());
    connect(gpus, &GpuMonitor::stateChanged, this,
            [this](GpuMonitor::State, const QString& message) { m_status->setText(message); });
}

void MonitorPage::setMonitors(std::unique_ptr<GpuMonitor> gpus,
                              std::unique_ptr<TrainingMonitor> training)
{
    m_started = true;
    m_ownedGpus = std::move(gpus);
    m_training = std::move(training);
    attach(m_ownedGpus.get());
}

void MonitorPage::followLog()
{
    const std::optional<Instance> i = m_fleet.find(m_id);
    const QString path = m_logPath->text().trimmed();
    if (!i || path.isEmpty())
        return;
    m_training = std::make_unique<TrainingMonitor>(
        endpointFor(*i, m_fleet.keyPathFor(*i), m_fleet.paths()), path);
    connect(m_training.get(), &TrainingMonitor::stateChanged, this,
            [this](TrainingMonitor::State, const QString& message) {
                m_trainingStatus->setText(message);
            });
    connect(m_training.get(), &TrainingMonitor::updated, this, &MonitorPage::refreshTraining);
    connect(m_training.get(), &TrainingMonitor::updated, this, &MonitorPage::trainingProgressed);
    m_training->start();
    refreshTraining();
}

void MonitorPage::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    start();
    if (!m_gpus && m_started && m_hub) { // the machine was restarted: its monitor is a new one
        if (GpuMonitor* gpus = m_hub->monitor(m_id))
            attach(gpus);
    }
    refresh();
    m_timer.start();
}

void MonitorPage::hideEvent(QHideEvent* event)
{
    QWidget::hideEvent(event);
    m_timer.stop(); // streams keep running; drawing waits until the page is seen again
}

qint64 MonitorPage::windowMs() const
{
    return m_window->currentData().toLongLong();
}

void MonitorPage::refresh()
{
    if (!m_gpus)
        return;
    refreshCharts();
    refreshTable();
    refreshTraining();
    const QList<Alert> alerts =
        evaluateAlerts(*m_gpus, m_training.get(), QDateTime::currentMSecsSinceEpoch());
    QStringList lines;
    for (const Alert& a : alerts)
        lines << QStringLiteral("⚠ ") + a.text;
    m_alerts->setText(lines.join(QLatin1Char('\n')));
    m_alerts->setVisible(!lines.isEmpty());
}

void MonitorPage::refreshCharts()
{
    const std::deque<GpuTrack>& gpus = m_gpus->gpus();
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    qint64 from = windowMs() > 0 ? now - windowMs() : now;
    if (windowMs() == 0) {
        for (const GpuTrack& t : gpus)
            from = std::min(from, t.utilization.firstTime());
    }
    for (int m = 0; m < MetricCount; ++m) {
        QChart* chart = m_charts.at(m)->chart();
        // About one point per horizontal pixel is all a line can show.
        const int maxPoints = std::max(100, static_cast<int>(chart->plotArea().width()));
        double top = 100;
        double bottom = m == Temperature ? 20 : 0;
        int i = 0;
        for (const GpuTrack& t : gpus) {
            const TimeSeries* series = nullptr;
            switch (m) {
            case Utilization:
                series = &t.utilization;
                break;
            case Memory:
                series = &t.memoryPercent;
                break;
            case Temperature:
                series = &t.temperature;
                break;
            case Power:
                series = &t.powerW;
                break;
            default:
                series = &t.smClockMHz;
                break;
            }
            QList<QPointF> pts = series->points(from, now, maxPoints);
            if (m == Power && t.powerLimitW > 0) {
                for (QPointF& p : pts)
                    p.setY(100.0 * p.y() / t.powerLimitW);
            }
            for (const QPointF& p : std::as_const(pts)) {
                top = std::max(top, p.y());
                bottom = std::min(bottom, p.y());
            }
            // Bulk replace: one repaint per series per refresh, whatever the sample rate.
            seriesFor(chart, i++, tr("GPU %1").arg(t.index))->replace(pts);
        }
        if (m == Clock)
            top = top * 1.1;
        auto* x = qobject_cast<QDateTimeAxis*>(chart->axes(Qt::Horizontal).value(0));
        if (x) {
            x->setRange(QDateTime::fromMSecsSinceEpoch(from), QDateTime::fromMSecsSinceEpoch(now));
            x->setFormat(now - from > 6 * 3600 * 1000  ? QStringLiteral("dd HH:mm")
                         : now - from > 10 * 60 * 1000 ? QStringLiteral("HH:mm")
                                                       : QStringLiteral("HH:mm:ss"));
        }
        if (auto* y = qobject_cast<QValueAxis*>(chart->axes(Qt::Vertical).value(0))) {
            y->setRange(bottom, top);
            if (m == Clock)
                y->applyNiceNumbers();
        }
    }
}

void MonitorPage::refreshTable()
{
    const std::deque<GpuTrack>& gpus = m_gpus->gpus();
    m_table->setRowCount(static_cast<int>(gpus.size()));
    int row = 0;
    for (const GpuTrack& t : gpus) {
        const monitor::GpuSample& s = t.last;
        const QStringList cells{
            QString::number(t.index),
            t.name,
            reading(s.utilizationGpuPercent, QStringLiteral("%")),
            s.memoryUsedMiB
                ? QStringLiteral("%1 / %2 MiB").arg(*s.memoryUsedMiB).arg(t.memoryTotalMiB)
                : monitor::absenceText(s.memoryUsedMiB.absence()),
            reading(s.temperatureC, QStringLiteral("°C")),
            s.powerDrawW ? QStringLiteral("%1 / %2 W")
                               .arg(*s.powerDrawW, 0, 'f', 0)
                               .arg(t.powerLimitW, 0, 'f', 0)
                         : monitor::absenceText(s.powerDrawW.absence()),
            reading(s.smClockMHz, QStringLiteral("MHz")),
        };
        for (int c = 0; c < cells.size(); ++c) {
            auto* item = m_table->item(row, c);
            if (!item) {
                item = new QTableWidgetItem;
                m_table->setItem(row, c, item);
            }
            item->setText(cells.at(c));
        }
        ++row;
    }
    QStringList procs;
    for (const monitor::GpuProcess& p : m_gpus->processes())
        procs << QStringLiteral("%1 (pid %2)").arg(p.name).arg(p.pid.value_or(0));
    procs.removeDuplicates();
    m_table->setToolTip(procs.isEmpty()
                            ? tr("No GPU processes")
                            : tr("GPU processes: %1").arg(procs.join(QStringLiteral(", "))));
}

void MonitorPage::refreshTraining()
{
    if (!m_training)
        return;
    const QList<monitor::Run>& runs = m_training->runs();
    if (runs.isEmpty()) {
        m_trainingSummary->setText(tr("No epoch in %1 yet.").arg(m_training->path()));
        return;
    }
    const monitor::Run& run = runs.last();
    const monitor::EtaEstimate eta = m_training->eta();
    const std::optional<Instance> inst = m_fleet.find(m_id);
    const double rate = inst ? inst->priceHourly : 0;
    QString text = tr("<b>%1</b> (%2) · epoch %3%4")
                       .arg(run.name.toHtmlEscaped(), monitor::logFormatTitle(run.format))
                       .arg(eta.completedEpochs)
                       .arg(eta.totalEpochs ? tr(" of %1").arg(*eta.totalEpochs) : QString());
    if (eta.secondsPerEpoch)
        text += tr(" · %1 per epoch").arg(formatDuration(std::llround(*eta.secondsPerEpoch)));
    if (eta.finished()) {
        text += tr(" · <b>finished</b>");
    } else if (eta.remainingSeconds) {
        text += tr(" · ETA %1").arg(formatDuration(std::llround(*eta.remainingSeconds)));
        if (const std::optional<qint64> cents = monitor::projectedCostCents(eta, rate))
            text += tr(" · finishing costs ≈ <b>%1</b> at %2")
                        .arg(formatCents(*cents), formatHourly(rate));
    }
    if (const monitor::Epoch* last = run.lastComplete()) {
        if (const std::optional<double> loss = monitor::primaryLoss(*last))
            text +=
                tr("<br>last %1: %2").arg(monitor::primaryLossName(*last)).arg(*loss, 0, 'g', 5);
    }
    m_trainingSummary->setText(text);

    // One metric family per epoch: "loss" with "val_loss", "accuracy" with "val_accuracy"...
    QChart* chart = m_trainingChart->chart();
    QStringList families;
    for (const monitor::Epoch& e : run.epochs) {
        for (auto it = e.metrics.begin(); it != e.metrics.end(); ++it) {
            const QString f = metricFamily(it.key());
            if (!families.contains(f))
                families << f;
        }
    }
    families.sort();
    if (families.contains(QStringLiteral("loss"))) {
        families.removeAll(QStringLiteral("loss"));
        families.prepend(QStringLiteral("loss")); // what people look at first
    }
    const QString chosen = m_metric->currentText();
    if (QStringList(families) != m_families) {
        const QSignalBlocker block(m_metric);
        m_metric->clear();
        m_metric->addItems(families);
        m_families = families;
        const int keep = families.indexOf(chosen);
        m_metric->setCurrentIndex(keep >= 0 ? keep : 0);
    }
    const QString family = m_metric->currentText();
    chart->setTitle(tr("%1 per epoch").arg(family));
    QStringList names;
    for (const monitor::Epoch& e : run.epochs) {
        for (auto it = e.metrics.begin(); it != e.metrics.end(); ++it) {
            if (metricFamily(it.key()) == family && !names.contains(it.key()))
                names << it.key();
        }
    }
    // Series beyond the family's names (another family had more) are emptied.
    for (qsizetype extra = names.size(); extra < chart->series().size(); ++extra)
        static_cast<QLineSeries*>(chart->series().at(extra))->clear();
    double top = 0;
    double bottom = 0;
    bool first = true;
    int maxEpoch = 1;
    for (int n = 0; n < names.size(); ++n) {
        QList<QPointF> pts;
        for (const monitor::Epoch& e : run.epochs) {
            const auto it = e.metrics.constFind(names.at(n));
            if (!e.complete || it == e.metrics.constEnd() || !std::isfinite(*it))
                continue;
            pts << QPointF(e.number, *it);
            top = first ? *it : std::max(top, *it);
            bottom = first ? *it : std::min(bottom, *it);
            first = false;
            maxEpoch = std::max(maxEpoch, e.number);
        }
        QLineSeries* series = seriesFor(chart, n, names.at(n));
        series->setName(names.at(n));
        series->replace(pts);
    }
    if (auto* x = qobject_cast<QValueAxis*>(chart->axes(Qt::Horizontal).value(0))) {
        const int last = std::max(maxEpoch, eta.totalEpochs.value_or(1));
        x->setRange(1, std::max(last, 2));
        // A tick per epoch up to a dozen, then about ten ticks.
        x->setTickInterval(std::max(1, last / 10));
    }
    if (auto* y = qobject_cast<QValueAxis*>(chart->axes(Qt::Vertical).value(0))) {
        const double pad = std::max((top - bottom) * 0.1, 1e-3);
        y->setRange(bottom - pad, top + pad);
        y->setTickCount(4); // more labels than this do not fit the chart's height
        y->setLabelFormat(QStringLiteral("%.3g"));
    }
}

} // namespace gpudeck
