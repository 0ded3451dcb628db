// YOLO results.csv, one row per finished epoch.
//   YOLOv5: padded columns ("               epoch,      train/box_loss,...,x/lr0"), epochs
//           counted from 0.
//   Ultralytics (YOLOv8 and later): "epoch,time,train/box_loss,...,lr/pg0", epochs from 1; 8.0
//           padded its columns too; "time" (8.1+) is seconds since training started.
// A resumed training appends rows again from the resumed epoch: a row for an epoch already seen
// replaces it and drops the ones after it. A header line again starts another run.
#include "logformats.h"

namespace gpudeck::monitor::detail {

namespace {

class YoloParser final : public FormatParser {
public:
    YoloParser()
        : FormatParser(LogFormat::Yolo)
    {}

    void line(QByteArrayView raw) override
    {
        const QByteArrayView t = trimmedView(raw);
        if (t.isEmpty())
            return;
        const QList<QByteArrayView> cells = splitComma(t);
        if (isHeader(cells)) {
            m_columns.clear();
            m_epochColumn = -1;
            m_timeColumn = -1;
            bool v5 = false;
            for (qsizetype i = 0; i < cells.size(); ++i) {
                m_columns.append(QString::fromUtf8(cells[i]));
                if (cells[i] == "epoch")
                    m_epochColumn = i;
                else if (cells[i] == "time")
                    m_timeColumn = i;
                v5 = v5 || cells[i] == "x/lr0" || cells[i] == "train/obj_loss";
            }
            m_offset = v5 ? 1 : 0;
            if (hasRun() && !currentRun().epochs.isEmpty())
                startRun();
            return;
        }
        if (m_epochColumn < 0 || cells.size() != m_columns.size())
            return;
        const auto epochValue = parseDouble(cells[m_epochColumn]);
        if (!epochValue)
            return;
        const int number = static_cast<int>(*epochValue) + m_offset;
        QList<Epoch>& epochs = currentRun().epochs;
        // A resumed run rewrites from its checkpoint epoch on.
        while (!epochs.isEmpty() && epochs.last().number >= number)
            epochs.removeLast();
        Epoch& e = appendEpoch(number);
        for (qsizetype i = 0; i < cells.size(); ++i) {
            if (i == m_epochColumn)
                continue;
            const auto v = parseDouble(cells[i]);
            if (!v)
                continue;
            if (i == m_timeColumn)
                e.elapsedSeconds = *v;
            else
                e.metrics.insert(m_columns[i], *v);
        }
        markComplete(e);
    }

private:
    static bool isHeader(const QList<QByteArrayView>& cells)
    {
        bool epoch = false;
        for (QByteArrayView c : cells) {
            if (c.isEmpty() || parseDouble(c))
                return false;
            epoch = epoch || c == "epoch";
        }
        return epoch;
    }

    QStringList m_columns;
    qsizetype m_epochColumn = -1;
    qsizetype m_timeColumn = -1;
    int m_offset = 0;
};

} // namespace

std::unique_ptr<FormatParser> makeYoloParser()
{
    return std::make_unique<YoloParser>();
}

} // namespace gpudeck::monitor::detail
