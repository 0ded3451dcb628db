#pragma once

#include "types.h"

#include <QWidget>

class QLabel;
class QLineEdit;
class QPushButton;

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
    QPushButton* m_launch = nullptr;
    QLabel* m_status = nullptr;
    QWidget* m_empty = nullptr; // "no plan matches" with a reset, instead of an empty table
    QString m_statusTail;       // prices' date and the providers' problems

    void updateStatus();
    void resetFilters();
};

} // namespace gpudeck
