#pragma once

#include "types.h"

#include <QHash>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTimer;

namespace gpudeck {

class CatalogFilter;
class CatalogModel;
class FrozenColumnView;
class LimitSpinBox;

// The Compare flow: every plan with its price, sortable and filterable, and Launch.
class CatalogPage final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CatalogPage)
public:
    explicit CatalogPage(QWidget* parent = nullptr);

    // How the page names a provider and, when its plans cannot be launched, why (shown instead
    // of a Launch button for its rows). Call before setPlans.
    void setProvider(const QString& id, const QString& displayName, const QString& noLaunchNote);
    void setPlans(const QList<Plan>& plans, const QStringList& problems);
    [[nodiscard]] const QList<Plan>& plans() const;
    // The selected plan (provider, plan id), or empties.
    [[nodiscard]] std::pair<QString, QString> selectedPlan() const;
    [[nodiscard]] QByteArray headerState() const;
    void restoreHeaderState(const QByteArray& state);

signals:
    void launchRequested(const QString& providerId, const QString& planId);

private:
    CatalogModel* m_model = nullptr;
    CatalogFilter* m_filter = nullptr;
    FrozenColumnView* m_view = nullptr; // the Plan column stays when the table scrolls sideways
    QLineEdit* m_search = nullptr;
    LimitSpinBox* m_minVram = nullptr; // emptied: no minimum
    LimitSpinBox* m_maxPrice = nullptr;
    QComboBox* m_provider = nullptr; // "All providers", then each provider with plans
    QComboBox* m_region = nullptr;   // "All regions", then every plan's regions
    QCheckBox* m_availableOnly = nullptr;
    QCheckBox* m_spotOnly = nullptr;
    QPushButton* m_launch = nullptr;
    QLabel* m_planNote = nullptr; // the selected plan's note and why it cannot be launched
    QLabel* m_status = nullptr;
    QWidget* m_empty = nullptr; // "no plan matches" with a reset, instead of an empty table
    QTimer* m_ageTimer = nullptr;
    QString m_statusTail; // prices' date and the providers' problems
    QHash<QString, QString> m_providerNames;
    QHash<QString, QString> m_noLaunch;

    void buildFilterChoices();
    void selectionChanged();
    void updateStatus();
    void resetFilters();
};

} // namespace gpudeck
