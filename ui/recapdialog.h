#pragma once

#include "billing.h"

#include <QDialog>

namespace gpudeck {

// What a destroyed machine cost: wall time, billed time under the provider's rule, rate,
// compute, storage and total. Non-modal; the same figures are in the ledger.
class RecapDialog final : public QDialog {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RecapDialog)
public:
    // `note` says what happened before the destroy (a folder downloaded), shown above the costs.
    RecapDialog(const Recap& recap, const QString& note, QWidget* parent = nullptr);
};

} // namespace gpudeck
