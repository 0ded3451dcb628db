// PyTorch Lightning CSVLogger metrics.csv, and any metrics CSV with an "epoch" column (Keras
// CSVLogger writes "epoch,loss,val_loss", one row per epoch):
//   step,epoch,train_disc_loss,train_gen_loss
//   0,0,1.6226933508321501e+24,nan
// Lightning writes one row per logging call: train rows every N steps and a validation row at
// the epoch's end, each with only its own columns filled (sparse). An epoch's metrics are the
// last value logged for each column; an empty cell is "not logged", "nan" is a NaN. Epochs count
// from 0 in the file and from 1 here. An epoch is complete once a row of a later epoch arrives,
// or at the end of the file.
#include "logformats.h"
#include "numbers.h"

#include <limits>

namespace gpudeck::monitor::detail {

namespace {

class EpochCsvParser final : public FormatParser {
public:
    EpochCsvParser()
        : FormatParser(LogFormat::Lightning)
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
            m_stepColumn = -1;
            for (qsizetype i = 0; i < cells.size(); ++i) {
                m_columns.append(QString::fromUtf8(cells[i]));
                if (cells[i] == "epoch")
                    m_epochColumn = i;
                else if (cells[i] == "step")
                    m_stepColumn = i;
            }
            if (hasRun() && !currentRun().epochs.isEmpty()) {
                finishLast();
                startRun(); // a header again: another run appended to the file
            }
            return;
        }
        if (m_epochColumn < 0 || cells.size() != m_columns.size())
            return;
        const auto epochValue = parseDouble(cells[m_epochColumn]);
        if (!epochValue)
            return; // a row without epoch (some loggers write those for test metrics)
        const std::optional<qint64> epoch = wholeNumber(*epochValue);
        if (!epoch || *epoch < 0 || *epoch >= std::numeric_limits<int>::max())
            return; // not an epoch number
        const int number = static_cast<int>(*epoch) + 1;
        Epoch* last = lastEpoch();
        if (last && number < last->number) {
            finishLast();
            startRun();
        } else if (last && number > last->number) {
            markComplete(*last);
        }
        Epoch& e = epochNumbered(number);
        for (qsizetype i = 0; i < cells.size(); ++i) {
            if (i == m_epochColumn || cells[i].isEmpty())
                continue;
            const auto v = parseDouble(cells[i]);
            if (!v)
                continue;
            if (i == m_stepColumn) {
                if (const std::optional<qint64> steps = wholeNumber(*v))
                    e.stepsDone = *steps;
            } else
                e.metrics.insert(m_columns[i], *v);
        }
        touched();
    }

    void finish() override { finishLast(); }

private:
    bool isHeader(const QList<QByteArrayView>& cells) const
    {
        bool epoch = false;
        for (QByteArrayView c : cells) {
            if (c.isEmpty() || parseDouble(c))
                return false;
            epoch = epoch || c == "epoch";
        }
        return epoch;
    }

    void finishLast()
    {
        if (Epoch* last = lastEpoch())
            markComplete(*last);
    }

    QStringList m_columns;
    qsizetype m_epochColumn = -1;
    qsizetype m_stepColumn = -1;
};

} // namespace

std::unique_ptr<FormatParser> makeEpochCsvParser()
{
    return std::make_unique<EpochCsvParser>();
}

} // namespace gpudeck::monitor::detail
