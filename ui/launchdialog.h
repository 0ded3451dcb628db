#pragma once

#include "provider.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace gpudeck {

// Name, plan, region (named, with where the provider has one free now), image (CUDA-ready
// first), disk size where the provider lets it be chosen, on-demand or spot, and the price for
// N hours, before anything is sent.
// The Launch button works once: a second click cannot send a second launch.
class LaunchDialog final : public QDialog {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LaunchDialog)
public:
    LaunchDialog(QList<Plan> plans, const QString& selectedProvider, const QString& selectedPlan,
                 QList<Provider*> providers, QHash<QString, Catalog> catalogs, int estimateHours,
                 QWidget* parent = nullptr);

    [[nodiscard]] QString providerId() const;
    [[nodiscard]] LaunchRequest request() const;
    [[nodiscard]] int estimateHours() const;

signals:
    void launchRequested(const QString& providerId, const gpudeck::LaunchRequest& request);

private:
    void planChanged();
    void updateEstimate();
    [[nodiscard]] const Plan* currentPlan() const;
    [[nodiscard]] const Provider* providerOf(const Plan& plan) const;
    [[nodiscard]] bool spotChosen() const;

    QList<Plan> m_plans;
    QList<Provider*> m_providers;
    QHash<QString, Catalog> m_catalogs;
    QComboBox* m_plan = nullptr;
    QComboBox* m_region = nullptr;
    QComboBox* m_image = nullptr;
    QSpinBox* m_disk = nullptr;
    QLabel* m_diskNote = nullptr;
    QCheckBox* m_spot = nullptr;
    QLabel* m_spotNote = nullptr; // the interruption rule, or why there is no spot offer
    QLineEdit* m_name = nullptr;
    QSpinBox* m_hours = nullptr;
    QLabel* m_price = nullptr;
    QLabel* m_guard = nullptr;
    QLabel* m_problem = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
};

} // namespace gpudeck
