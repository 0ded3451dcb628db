// Hugging Face Trainer output, in the four shapes users have:
//  - log dicts printed by the Trainer: {'loss': 0.6931, 'learning_rate': 5e-05, 'epoch': 0.5}
//    (Python repr: single quotes, nan, inf), then {'eval_loss': ..., 'epoch': 1.0} and a final
//    {'train_runtime': 120.5, ..., 'train_loss': 0.42, 'epoch': 3.0};
//  - the metrics blocks of the example scripts: "***** train metrics *****" + "  key = value";
//  - notebook HTML tables (Epoch | Training Loss | Validation Loss | ...) under a progress line
//    "[2675/2675 01:21, Epoch 5/5]"; "No log" when no training loss was logged yet;
//  - trainer_state.json (its log_history), read as a whole at the end.
// The Trainer logs fractional epochs (0.25, 0.5, ...): entries are grouped into the epoch they
// fall in (ceil), and an epoch is complete once an entry at or past its end arrives. Entries at
// epoch 0 (an evaluation before training) form epoch number 0.
#include "logformats.h"

#include "loosejson.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace gpudeck::monitor::detail {

namespace {

// Keys of a log entry that are not metrics of the epoch.
bool isBookkeeping(QStringView key)
{
    return key == u"epoch" || key == u"step" || key == u"total_flos" || key == u"current_flos";
}

// The notebook progress bar above a Trainer table: "[2675/2675 01:21, Epoch 5/5]", or for a
// trial stopped early "[ 530/1605 00:14 < 00:29, 36.80 it/s, Epoch 0.99/3]".
struct NotebookProgress {
    std::optional<qint64> steps;
    std::optional<qint64> stepsTotal;
    std::optional<double> seconds;
    std::optional<double> epoch; // epochs done, fractional
    std::optional<int> total;
};

std::optional<NotebookProgress> readNotebookProgress(QByteArrayView t)
{
    const qsizetype open = t.indexOf('[');
    const qsizetype epochAt = t.indexOf(", Epoch ");
    const qsizetype close = t.lastIndexOf(']');
    if (open < 0 || epochAt < open || close < epochAt)
        return std::nullopt;
    NotebookProgress p;
    const QList<QByteArrayView> head = splitSpace(t.sliced(open + 1, epochAt - open - 1));
    if (!head.isEmpty()) {
        const qsizetype slash = head[0].indexOf('/');
        if (slash > 0) {
            if (const auto a = parseDouble(head[0].first(slash)))
                p.steps = static_cast<qint64>(*a);
            if (const auto b = parseDouble(head[0].sliced(slash + 1)))
                p.stepsTotal = static_cast<qint64>(*b);
        }
    }
    if (head.size() >= 2)
        p.seconds = parseDuration(head[1]);
    const QByteArrayView e = t.sliced(epochAt + 8, close - epochAt - 8);
    const qsizetype slash = e.indexOf('/');
    if (slash > 0) {
        p.epoch = parseDouble(e.first(slash));
        p.total = parseInt(e.sliced(slash + 1));
    }
    return p;
}

// The text of every <tag>...</tag> on the line.
QList<QByteArrayView> cellsTagged(QByteArrayView t, QByteArrayView open, QByteArrayView close)
{
    QList<QByteArrayView> out;
    qsizetype from = 0;
    while (true) {
        const qsizetype a = t.indexOf(open, from);
        if (a < 0)
            break;
        const qsizetype b = t.indexOf(close, a + open.size());
        if (b < 0)
            break;
        out.append(trimmedView(t.sliced(a + open.size(), b - a - open.size())));
        from = b + close.size();
    }
    return out;
}

class HuggingFaceParser final : public FormatParser {
public:
    HuggingFaceParser()
        : FormatParser(LogFormat::HuggingFace)
    {}

    void line(QByteArrayView raw) override
    {
        const QByteArrayView t = trimmedView(raw);
        if (t.isEmpty()) {
            m_block.clear();
            return;
        }
        collectJson(t);
        if (t.startsWith("***** ") && t.endsWith(" *****")) {
            if (t.contains("Running training")) {
                startRun(); // a new Trainer.train() call (a trial, a second fit)
                m_lastEpochValue.reset();
                m_planned.reset();
            }
            startBlock(t.sliced(6, t.size() - 12));
            return;
        }
        if (!m_block.isEmpty()) {
            if (blockLine(t))
                return;
            m_block.clear();
        }
        if (t.startsWith("Num Epochs = ")) { // under "***** Running training *****"
            m_planned = parseInt(t.sliced(13));
            return;
        }
        if (t.contains("<table")) {
            m_headers.clear();
            m_row.clear();
            m_tableStarted = true;
            return;
        }
        if (m_tableStarted && t.contains("<th")) {
            for (QByteArrayView h : cellsTagged(t, "<th>", "</th>"))
                m_headers.append(QString::fromUtf8(h));
            return;
        }
        if (m_tableStarted && t.contains("<td")) {
            for (QByteArrayView cell : cellsTagged(t, "<td>", "</td>"))
                m_row.append(cell.toByteArray()); // the line's bytes do not outlive it
            if (t.contains("</tr>"))
                tableRow();
            return;
        }
        if (m_tableStarted && t.contains("</tr>")) {
            tableRow();
            return;
        }
        if (t.contains("</table>")) {
            if (!m_tableRun && m_notebook)
                emptyTable(*m_notebook);
            m_tableStarted = false;
            m_tableRun = false;
            m_notebook.reset();
            return;
        }
        if (auto progress = readNotebookProgress(t)) {
            m_notebook = progress;
            return;
        }
        const qsizetype brace = t.indexOf('{');
        if (brace >= 0 && t.endsWith('}') && t.contains("epoch")) {
            if (const auto v = parseLooseJson(t.sliced(brace)); v && v->isObject())
                logEntry(*v);
        }
    }

    void finish() override
    {
        if (m_json.isEmpty())
            return;
        QString error;
        const auto doc = parseLooseJson(m_json, &error);
        m_json.clear();
        if (!doc || !doc->isObject()) {
            if (m_runs.isEmpty())
                setProblem(
                    QStringLiteral("This trainer_state.json is not valid JSON (%1).").arg(error));
            return;
        }
        const LooseValue* history = doc->member(u"log_history");
        if (!history || !history->isArray()) {
            if (m_runs.isEmpty())
                setProblem(QStringLiteral("This JSON file has no \"log_history\"; expected a "
                                          "Hugging Face trainer_state.json."));
            return;
        }
        m_runs.clear();
        m_lastEpochValue.reset();
        const LooseValue* planned = doc->member(u"num_train_epochs");
        const LooseValue* trial = doc->member(u"trial_name");
        startRun(trial && trial->type == LooseValue::Type::String ? trial->string : QString());
        for (const LooseValue& entry : history->items) {
            if (entry.isObject())
                logEntry(entry);
        }
        if (planned && planned->isNumber()) {
            for (Epoch& e : currentRun().epochs)
                e.total = static_cast<int>(planned->number);
        }
        // The state file is written at checkpoints: every epoch up to its "epoch" is done.
        if (const LooseValue* reached = doc->member(u"epoch"); reached && reached->isNumber()) {
            for (Epoch& e : currentRun().epochs) {
                if (e.number <= static_cast<int>(reached->number + 1e-6))
                    markComplete(e);
            }
        }
        touched();
    }

private:
    void collectJson(QByteArrayView t)
    {
        // A JSON document (trainer_state.json) starts with a lone "{"; keep it whole for finish().
        constexpr qsizetype kMaxJson = 256 << 20;
        if (m_notJson)
            return;
        if (m_json.isEmpty() && t != "{") {
            m_notJson = true;
            return;
        }
        if (m_json.size() < kMaxJson) {
            m_json.append(t);
            m_json.append('\n');
        }
    }

    void logEntry(const LooseValue& entry)
    {
        const LooseValue* epochValue = entry.member(u"epoch");
        if (!epochValue || !epochValue->isNumber())
            return;
        const double value = epochValue->number;
        const int group = epochGroup(value);
        Epoch* last = lastEpoch();
        if (last && m_lastEpochValue && value + 1e-9 < *m_lastEpochValue) {
            startRun(); // the epoch went back: a new training (trial, rerun)
            last = nullptr;
        }
        m_lastEpochValue = value;
        if (last && group > last->number)
            markComplete(*last);
        Epoch& e = epochNumbered(group);
        if (m_planned)
            e.total = m_planned;
        for (size_t i = 0; i < entry.keys.size(); ++i) {
            const QString& key = entry.keys[i];
            const LooseValue& v = entry.items[i];
            if (!v.isNumber() || isBookkeeping(key))
                continue;
            if (key == QLatin1String("train_runtime")) {
                currentRun().totalSeconds = v.number; // the Trainer's last log: training ended
                currentRun().finished = true;
                continue;
            }
            e.metrics.insert(key, v.number);
        }
        if (value > 0 && std::abs(value - group) < 1e-6)
            markComplete(e); // an entry at the epoch's end
        touched();
    }

    void startBlock(QByteArrayView title)
    {
        // "train metrics", "eval metrics", "predict metrics", "test metrics", "best metrics"
        m_block = QString::fromUtf8(trimmedView(title));
        if (!m_block.endsWith(QLatin1String(" metrics"))) {
            m_block.clear();
            return;
        }
        const bool train = m_block.startsWith(QLatin1String("train"));
        const bool runHasEpochs = hasRun() && !currentRun().epochs.isEmpty();
        const bool runHasSummary = hasRun() && m_summaryRun == m_runs.size() - 1;
        if (train && runHasEpochs && !runHasSummary) {
            // The summary of the epochs logged above it: its values join the last epoch.
            m_ownEpoch = false;
        } else if (train || !runHasEpochs) {
            // A summary without per-epoch logs (the example scripts' results files): a run of
            // its own, with one epoch numbered from its "epoch = 30.0" line.
            if (train)
                startRun();
            markComplete(appendEpoch(0));
            m_ownEpoch = true;
        }
        if (train) {
            m_summaryRun = m_runs.size() - 1;
            currentRun().finished = true;
        }
    }

    // "  train_loss               =     0.0549"
    bool blockLine(QByteArrayView t)
    {
        const qsizetype eq = t.indexOf(" = ");
        if (eq <= 0)
            return false;
        const QString key = QString::fromUtf8(trimmedView(t.first(eq)));
        const QByteArrayView value = trimmedView(t.sliced(eq + 3));
        if (key.contains(QLatin1Char(' ')))
            return false;
        Epoch* e = lastEpoch();
        if (!e)
            return false;
        if (key == QLatin1String("epoch")) {
            if (const auto v = parseDouble(value); v && m_ownEpoch)
                e->number = epochGroup(*v);
            touched();
            return true;
        }
        // Runtimes print as h:mm:ss.ff ("2:01:44.85"), other values as numbers.
        const auto v = value.contains(':') ? parseDuration(value) : parseDouble(value);
        if (!v)
            return true;
        if (key == QLatin1String("train_runtime"))
            currentRun().totalSeconds = *v;
        else
            e->metrics.insert(key, *v);
        touched();
        return true;
    }

    void tableRow()
    {
        const QList<QByteArray> row = std::exchange(m_row, {});
        if (row.isEmpty() || m_headers.isEmpty())
            return;
        if (!m_tableRun) {
            startRun();
            m_tableRun = true;
            if (m_notebook)
                currentRun().totalSeconds = m_notebook->seconds;
        }
        const bool byStep =
            m_headers.first().compare(QLatin1String("Step"), Qt::CaseInsensitive) == 0;
        const auto first = parseInt(row.first());
        if (!first)
            return;
        const int number = byStep ? static_cast<int>(currentRun().epochs.size()) + 1 : *first;
        Epoch& e = appendEpoch(number);
        if (byStep)
            e.stepsDone = *first;
        if (!byStep && m_notebook)
            e.total = m_notebook->total;
        for (qsizetype i = 1; i < row.size() && i < m_headers.size(); ++i) {
            if (const auto v = parseDouble(row[i]))
                e.metrics.insert(m_headers[i], *v); // "No log" stays absent
        }
        markComplete(e);
    }

    // A table without rows: a trial stopped (pruned) before its first evaluation. Its progress
    // bar still says how far it got.
    void emptyTable(const NotebookProgress& p)
    {
        if (!p.epoch)
            return;
        startRun();
        const int number = std::max(1, epochGroup(*p.epoch));
        Epoch& e = appendEpoch(number);
        e.total = p.total;
        // The bar counts the run's steps; an epoch's share is what fits an epoch.
        if (p.steps && p.stepsTotal && p.total && *p.total > 0) {
            const qint64 perEpoch = *p.stepsTotal / *p.total;
            e.stepsTotal = perEpoch;
            e.stepsDone = std::clamp<qint64>(*p.steps - (number - 1) * perEpoch, 0, perEpoch);
        }
        currentRun().totalSeconds = p.seconds;
        if (p.steps && p.stepsTotal && *p.steps >= *p.stepsTotal)
            markComplete(e);
        currentRun().finished = true;
        touched();
    }

    QString m_block;
    qsizetype m_summaryRun = -1; // the run whose "train metrics" block was read
    bool m_ownEpoch = false;     // the metrics blocks fill an epoch of their own
    QStringList m_headers;
    QList<QByteArray> m_row;
    bool m_tableStarted = false;
    bool m_tableRun = false;
    std::optional<NotebookProgress> m_notebook;
    std::optional<int> m_planned; // "Num Epochs = 3" of the training banner
    std::optional<double> m_lastEpochValue;
    QByteArray m_json;
    bool m_notJson = false;
};

} // namespace

std::unique_ptr<FormatParser> makeHuggingFaceParser()
{
    return std::make_unique<HuggingFaceParser>();
}

} // namespace gpudeck::monitor::detail
