#pragma once

#include "gpumonitor.h"

#include <QPointer>
#include <QTimer>
#include <QWidget>

#include <memory>

class QChart;
class QChartView;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableWidget;

namespace gpudeck {

class Fleet;
class MonitorHub;
class TrainingMonitor;

// Live GPU charts (utilisation, memory used of total, temperature, power against its limit,
// SM clock) over 5 min / 1 h / 24 h / all, the current values and processes, and the training
// run followed from its log: epochs, loss per epoch, ETA and the projected cost to finish.
// Charts are refreshed in bulk from a timer while the page is visible, never per sample.
class MonitorPage final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MonitorPage)
public:
    // `hub` supplies the instance's GPU monitor (shared with the instance list and alerts).
    MonitorPage(Fleet& fleet, MonitorHub* hub, QString instanceId, QWidget* parent = nullptr);
    ~MonitorPage() override;

    // Starts the streams (once); called when the page is first shown.
    void start();
    // Shows these monitors instead of the hub's (the benchmark, with a monitor filled with a
    // day of samples).
    void setMonitors(std::unique_ptr<GpuMonitor> gpus, std::unique_ptr<TrainingMonitor> training);
    [[nodiscard]] GpuMonitor* gpus() const { return m_gpus; }
    [[nodiscard]] TrainingMonitor* training() const { return m_training.get(); }
    // Redraws now (the timer does this every second while visible).
    void refresh();

protected:
    void showEvent(QShowEvent* event) override;
    void hideEvent(QHideEvent* event) override;

signals:
    // The training log being followed grew (new steps or epochs): activity for the guard.
    void trainingProgressed();

private:
    void attach(GpuMonitor* gpus);
    void followLog();
    void refreshCharts();
    void refreshTable();
    void refreshTraining();
    [[nodiscard]] qint64 windowMs() const;

    Fleet& m_fleet;
    MonitorHub* m_hub;
    QString m_id;
    QPointer<GpuMonitor> m_gpus;
    std::unique_ptr<GpuMonitor> m_ownedGpus; // the benchmark's, filled by hand
    std::unique_ptr<TrainingMonitor> m_training;
    QLabel* m_status = nullptr;
    QLabel* m_alerts = nullptr;
    QComboBox* m_window = nullptr;
    QTableWidget* m_table = nullptr;
    struct Chart {
        QChartView* view;
        QString title;
    };
    QList<QChartView*> m_charts;
    QLineEdit* m_logPath = nullptr;
    QPushButton* m_follow = nullptr;
    QLabel* m_trainingStatus = nullptr;
    QLabel* m_trainingSummary = nullptr;
    QChartView* m_trainingChart = nullptr;
    QComboBox* m_metric = nullptr;
    QStringList m_families;
    QTimer m_timer;
    bool m_started = false;
};

} // namespace gpudeck
