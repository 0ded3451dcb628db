#pragma once

#include <QTableView>

namespace gpudeck {

// A table whose first column stays in place while the others scroll sideways (the catalog's
// plan names stay readable next to the prices, disks and regions). A second view lies over the
// first column, sharing the model and the selection model; scrolling, row and column sizes,
// sorting and activation are kept in step. Style the table before setModel(): the overlay takes
// its selection behaviour, alternating colours and word wrap from it then.
class FrozenColumnView final : public QTableView {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FrozenColumnView)
public:
    explicit FrozenColumnView(QWidget* parent = nullptr);

    void setModel(QAbstractItemModel* model) override;
    // The overlay that shows the first column (for objectName and tests).
    [[nodiscard]] QTableView* frozenView() const { return m_frozen; }

protected:
    void resizeEvent(QResizeEvent* event) override;
    void updateGeometries() override;
    QModelIndex moveCursor(CursorAction cursorAction, Qt::KeyboardModifiers modifiers) override;
    void scrollTo(const QModelIndex& index, ScrollHint hint = EnsureVisible) override;

private:
    void showOnlyFirstColumn();
    void updateFrozenGeometry();

    QTableView* m_frozen = nullptr;
};

} // namespace gpudeck
