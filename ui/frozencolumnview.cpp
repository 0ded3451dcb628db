#include "frozencolumnview.h"

#include <QHeaderView>
#include <QScrollBar>

namespace gpudeck {

FrozenColumnView::FrozenColumnView(QWidget* parent)
    : QTableView(parent)
{
    m_frozen = new QTableView(this);
    m_frozen->setFocusPolicy(Qt::NoFocus); // the table underneath has the keyboard
    m_frozen->verticalHeader()->hide();
    m_frozen->setFrameShape(QFrame::NoFrame);
    m_frozen->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_frozen->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_frozen->setVerticalScrollMode(ScrollPerPixel);
    m_frozen->setEditTriggers(NoEditTriggers);
    viewport()->stackUnder(m_frozen);
    // Per pixel: the columns slide under the frozen one instead of jumping a column at a time.
    setHorizontalScrollMode(ScrollPerPixel);
    setVerticalScrollMode(ScrollPerPixel);

    connect(horizontalHeader(), &QHeaderView::sectionResized, this,
            [this](int logical, int, int size) {
                if (logical == 0 && m_frozen->columnWidth(0) != size) {
                    m_frozen->setColumnWidth(0, size);
                    updateFrozenGeometry();
                }
            });
    // The first column is resized by its visible header, the overlay's.
    connect(m_frozen->horizontalHeader(), &QHeaderView::sectionResized, this,
            [this](int logical, int, int size) {
                if (logical == 0 && columnWidth(0) != size)
                    setColumnWidth(0, size);
            });
    connect(verticalHeader(), &QHeaderView::sectionResized, this,
            [this](int logical, int, int size) { m_frozen->setRowHeight(logical, size); });
    connect(verticalScrollBar(), &QAbstractSlider::valueChanged, m_frozen->verticalScrollBar(),
            &QAbstractSlider::setValue);
    connect(m_frozen->verticalScrollBar(), &QAbstractSlider::valueChanged, verticalScrollBar(),
            &QAbstractSlider::setValue);
    // Sorting: the overlay's header shows the table's indicator and sorts the table.
    connect(horizontalHeader(), &QHeaderView::sortIndicatorChanged, m_frozen->horizontalHeader(),
            &QHeaderView::setSortIndicator);
    connect(m_frozen->horizontalHeader(), &QHeaderView::sectionClicked, this, [this](int logical) {
        if (!isSortingEnabled())
            return;
        const QHeaderView* h = horizontalHeader();
        const bool again =
            h->sortIndicatorSection() == logical && h->sortIndicatorOrder() == Qt::AscendingOrder;
        sortByColumn(logical, again ? Qt::DescendingOrder : Qt::AscendingOrder);
    });
    connect(m_frozen, &QAbstractItemView::activated, this, &QAbstractItemView::activated);
    connect(m_frozen, &QAbstractItemView::doubleClicked, this, &QAbstractItemView::doubleClicked);
}

void FrozenColumnView::setModel(QAbstractItemModel* model)
{
    QTableView::setModel(model);
    m_frozen->setModel(model);
    QItemSelectionModel* own = m_frozen->selectionModel();
    m_frozen->setSelectionModel(selectionModel()); // one selection, whichever view is clicked
    delete own;
    m_frozen->setSelectionBehavior(selectionBehavior());
    m_frozen->setSelectionMode(selectionMode());
    m_frozen->setAlternatingRowColors(alternatingRowColors());
    m_frozen->setWordWrap(wordWrap());
    m_frozen->setTextElideMode(textElideMode());
    m_frozen->horizontalHeader()->setSortIndicatorShown(isSortingEnabled());
    m_frozen->horizontalHeader()->setSectionsClickable(isSortingEnabled());
    m_frozen->horizontalHeader()->setSortIndicator(horizontalHeader()->sortIndicatorSection(),
                                                   horizontalHeader()->sortIndicatorOrder());
    if (model) {
        // A reset or new columns bring every section back: hide all but the first again.
        connect(model, &QAbstractItemModel::modelReset, this,
                &FrozenColumnView::showOnlyFirstColumn);
        connect(model, &QAbstractItemModel::columnsInserted, this,
                &FrozenColumnView::showOnlyFirstColumn);
    }
    showOnlyFirstColumn();
}

void FrozenColumnView::showOnlyFirstColumn()
{
    const int columns = model() ? model()->columnCount() : 0;
    for (int c = 1; c < columns; ++c)
        m_frozen->setColumnHidden(c, true);
    m_frozen->setColumnWidth(0, columnWidth(0));
    updateFrozenGeometry();
}

void FrozenColumnView::resizeEvent(QResizeEvent* event)
{
    QTableView::resizeEvent(event);
    updateFrozenGeometry();
}

void FrozenColumnView::updateGeometries()
{
    QTableView::updateGeometries();
    updateFrozenGeometry();
}

void FrozenColumnView::updateFrozenGeometry()
{
    if (!m_frozen)
        return;
    const bool shown = model() && model()->columnCount() > 0 && !isColumnHidden(0);
    m_frozen->setVisible(shown);
    if (!shown)
        return;
    if (m_frozen->columnWidth(0) != columnWidth(0))
        m_frozen->setColumnWidth(0, columnWidth(0));
    m_frozen->horizontalHeader()->setFixedHeight(horizontalHeader()->height());
    m_frozen->setGeometry(verticalHeader()->width() + frameWidth(), frameWidth(), columnWidth(0),
                          viewport()->height() + horizontalHeader()->height());
}

QModelIndex FrozenColumnView::moveCursor(CursorAction cursorAction, Qt::KeyboardModifiers modifiers)
{
    const QModelIndex current = QTableView::moveCursor(cursorAction, modifiers);
    // Moving left onto a cell hidden under the frozen column scrolls it out from under it.
    if (cursorAction == MoveLeft && current.column() > 0) {
        const int hiddenBy = m_frozen->columnWidth(0) - visualRect(current).left();
        if (hiddenBy > 0)
            horizontalScrollBar()->setValue(horizontalScrollBar()->value() - hiddenBy);
    }
    return current;
}

void FrozenColumnView::scrollTo(const QModelIndex& index, ScrollHint hint)
{
    if (index.column() > 0) {
        QTableView::scrollTo(index, hint);
        return;
    }
    // The first column is always in view: scroll to its row, never sideways.
    const int x = horizontalScrollBar()->value();
    QTableView::scrollTo(index, hint);
    horizontalScrollBar()->setValue(x);
}

} // namespace gpudeck
