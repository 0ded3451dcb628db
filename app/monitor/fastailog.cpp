// fastai console tables (v1 and v2):
//   epoch     train_loss  valid_loss  accuracy  [time]
//   1         0.676591    0.205210    0.947000  [00:12]
//   Total time: 02:38
// Each table is one fit call: a run. fastai v1 counts epochs from 1, v2 from 0 (shifted to 1).
// "#na#" marks a value fastai could not compute. Rows may be separated by blank lines; rows
// without a header above them (a log pasted from the middle) cannot be named and are skipped.
#include "logformats.h"

namespace gpudeck::monitor::detail {

namespace {

class FastAiParser final : public FormatParser {
public:
    FastAiParser()
        : FormatParser(LogFormat::FastAi)
    {}

    void line(QByteArrayView raw) override
    {
        const QByteArrayView t = trimmedView(raw);
        if (t.isEmpty())
            return;
        const QList<QByteArrayView> tokens = splitSpace(t);
        if (tokens.size() >= 2 && tokens[0] == "epoch" && !t.contains(',')) {
            m_columns.clear();
            for (QByteArrayView c : tokens)
                m_columns.append(QString::fromUtf8(c));
            m_inTable = true;
            m_offset.reset();
            startRun();
            return;
        }
        if (t.startsWith("Total time:")) {
            if (m_inTable && hasRun()) {
                currentRun().totalSeconds = parseDuration(t.sliced(11));
                currentRun().finished = true;
            }
            touched();
            m_inTable = false;
            return;
        }
        if (!m_inTable)
            return;
        const auto epoch = parseInt(tokens.value(0));
        if (!epoch || tokens.size() != m_columns.size()) {
            m_inTable = false; // the table ended without "Total time"
            return;
        }
        if (!m_offset)
            m_offset = *epoch == 0 ? 1 : 0;
        Epoch& e = appendEpoch(*epoch + *m_offset);
        for (qsizetype i = 1; i < tokens.size(); ++i) {
            const QString& name = m_columns[i];
            if (name == QLatin1String("time")) {
                e.durationSeconds = parseDuration(tokens[i]);
                continue;
            }
            if (const auto v = parseDouble(tokens[i]))
                e.metrics.insert(name, *v);
        }
        markComplete(e);
    }

private:
    QStringList m_columns;
    bool m_inTable = false;
    std::optional<int> m_offset;
};

} // namespace

std::unique_ptr<FormatParser> makeFastAiParser()
{
    return std::make_unique<FastAiParser>();
}

} // namespace gpudeck::monitor::detail
