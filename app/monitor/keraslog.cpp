// Keras model.fit output:
//   Keras 1, verbose=2:   "Epoch 1/50" then "242s - loss: 3.6361 - acc: 0.2768 - val_loss: ..."
//   Keras 2 (tf.keras):   "Epoch 1/30" then
//                         "363/363 [==============================] - 1s 1ms/step - loss: ..."
//                         in progress: "237/422 [=====>....] - ETA: 7s - loss: 0.0398 - ..."
//                         verbose=2:   "1719/1719 - 2s - loss: ..." (TF 2.2+)
//   Keras 3:              "469/469 ━━━━━━━━━━━━━━━━━━━━ 5s 10ms/step - accuracy: ... - loss: ..."
//                         in progress: "  12/469 ━━━━━━━━━━━━━━━━━━━━ 7s 17ms/step - ..." (ETA)
// Notebook outputs elide long stretches with "<<2367 more lines>>"; a result line may then come
// without its "Epoch N/M" header: it is numbered from the next header. After the last epoch
// (N of N) a result line without a header is model.evaluate() on the test set: not an epoch.
#include "logformats.h"

namespace gpudeck::monitor::detail {

namespace {

struct ResultLine {
    QList<std::pair<QString, double>> metrics;
    std::optional<qint64> stepsDone;
    std::optional<qint64> stepsTotal;
    std::optional<double> seconds; // elapsed (final line) or ETA (Keras 3 in progress)
    std::optional<double> perStep; // seconds per step
    bool eta = false;              // Keras 2 "ETA:" segment
    bool keras3 = false;           // the ━ bar
};

bool isBarToken(QByteArrayView t)
{
    return t.startsWith('[') || t.startsWith("\xe2\x94\x81"); // [====>..] or ━
}

// Reads the tokens before the first metric: "363/363", the bar, "1s", "1ms/step", "8:21".
void readLead(QByteArrayView segment, ResultLine& r)
{
    for (QByteArrayView tok : splitSpace(segment)) {
        if (isBarToken(tok)) {
            r.keras3 = r.keras3 || tok.startsWith("\xe2\x94\x81");
            continue;
        }
        const qsizetype slash = tok.indexOf('/');
        if (tok.endsWith("/step")) {
            r.perStep = parseDuration(tok.first(tok.size() - 5));
        } else if (slash > 0) {
            const auto done = parseInt(tok.first(slash));
            const auto total = parseInt(tok.sliced(slash + 1));
            if (done && total) {
                r.stepsDone = *done;
                r.stepsTotal = *total;
            }
        } else if (const auto s = parseDuration(tok)) {
            r.seconds = s;
        }
    }
}

std::optional<ResultLine> readResult(QByteArrayView t)
{
    if (t.startsWith("- "))
        t = t.sliced(2); // Keras 2.0 verbose=2: " - 2s - loss: ..."
    ResultLine r;
    qsizetype start = 0;
    bool first = true;
    while (start <= t.size()) {
        qsizetype end = t.indexOf(" - ", start);
        if (end < 0)
            end = t.size();
        const QByteArrayView segment = trimmedView(t.sliced(start, end - start));
        start = end + 3;
        const qsizetype colon = segment.indexOf(": ");
        if (colon > 0) {
            const QByteArrayView name = trimmedView(segment.first(colon));
            const QByteArrayView value = trimmedView(segment.sliced(colon + 2));
            if (name == "ETA") {
                r.eta = true;
            } else if (!name.contains(' ')) {
                const auto v = parseDouble(value);
                if (!v)
                    return std::nullopt; // "INFO:tensorflow:Assets written to: ..." and the like
                r.metrics.append({QString::fromUtf8(name), *v});
            } else {
                return std::nullopt;
            }
        } else if (first || r.metrics.isEmpty()) {
            readLead(segment, r);
        }
        first = false;
    }
    if (r.metrics.isEmpty())
        return std::nullopt;
    return r;
}

bool isElision(QByteArrayView t)
{
    // "<<2367 more lines>>" (Jupyter's truncated outputs, as copied from notebooks)
    return t.startsWith("<<") && t.endsWith(" more lines>>");
}

class KerasParser final : public FormatParser {
public:
    KerasParser()
        : FormatParser(LogFormat::Keras)
    {}

    void line(QByteArrayView raw) override
    {
        const QByteArrayView t = trimmedView(raw);
        if (t.isEmpty())
            return;
        if (isElision(t) || t.startsWith("Train on ")) {
            m_breakRun = true; // the next epoch belongs to a new fit (or we cannot tell)
            return;
        }
        if (t.startsWith("Epoch ")) {
            const QByteArrayView rest = trimmedView(t.sliced(6));
            const qsizetype slash = rest.indexOf('/');
            if (slash > 0) {
                const auto n = parseInt(rest.first(slash));
                const auto total = parseInt(rest.sliced(slash + 1));
                if (n && total) {
                    header(*n, *total);
                    return;
                }
            }
            // "Epoch 00020: early stopping" (the run ends; its last result may still follow),
            // "Epoch 00005: ReduceLROnPlateau reducing learning rate ..."
            if (t.endsWith("early stopping") && hasRun())
                currentRun().finished = true;
            return;
        }
        if (const auto r = readResult(t))
            result(*r);
    }

private:
    void header(int n, int total)
    {
        Epoch* last = lastEpoch();
        if (last && m_breakRun) {
            startRun();
        } else if (last && last->number == n && !last->complete && last->metrics.isEmpty()) {
            last->total = total; // the same header again
            m_lastInferred = false;
            return;
        } else if (last && m_lastInferred && last->number != n - 1 && n > 1 &&
                   n - 1 > numberBefore(*last)) {
            // A result line whose header was elided: now we know which epoch it was.
            last->number = n - 1;
            if (!last->total)
                last->total = total;
        } else if (last && n <= last->number) {
            startRun(); // the counter went back: a new fit
        }
        m_breakRun = false;
        m_lastInferred = false;
        Epoch& e = appendEpoch(n);
        e.total = total;
    }

    // The number of the epoch before `e` in the current run, 0 if none.
    int numberBefore(const Epoch& e)
    {
        const QList<Epoch>& epochs = currentRun().epochs;
        for (qsizetype i = epochs.size() - 1; i > 0; --i) {
            if (&epochs[i] == &e)
                return epochs[i - 1].number;
        }
        return 0;
    }

    void result(const ResultLine& r)
    {
        const bool complete = !r.eta && (!r.stepsTotal || r.stepsDone == r.stepsTotal);
        Epoch* target = lastEpoch();
        // Keras 3 on a terminal may print the last batch (without validation) and then the
        // epoch's final line: both belong to one epoch.
        const bool sameEpoch =
            target && (!target->complete || (r.keras3 && r.stepsDone == target->stepsTotal));
        if (target && !sameEpoch && !m_breakRun && target->complete && target->total &&
            target->number >= *target->total)
            return; // model.evaluate() after the last epoch: not an epoch of this run
        if (!target || !sameEpoch || m_breakRun) {
            // A result without its header (elided, or the header was lost).
            const bool newRun = m_breakRun && target;
            const int number = (target && !newRun) ? target->number + 1 : 1;
            const std::optional<int> total = (target && !newRun) ? target->total : std::nullopt;
            if (newRun)
                startRun();
            m_breakRun = false;
            Epoch& e = appendEpoch(number);
            e.total = total;
            m_lastInferred = true;
            target = &e;
        }
        target->metrics.clear();
        for (const auto& [name, value] : r.metrics)
            target->metrics.insert(name, value);
        if (r.stepsDone)
            target->stepsDone = r.stepsDone;
        if (r.stepsTotal)
            target->stepsTotal = r.stepsTotal;
        touched();
        if (complete) {
            // Keras prints whole seconds; under 1 s ("0s 713us/step") the per-step time is the
            // better measure.
            std::optional<double> seconds = r.seconds;
            if ((!seconds || *seconds < 1) && r.perStep && r.stepsTotal)
                seconds = *r.perStep * static_cast<double>(*r.stepsTotal);
            if (seconds)
                target->durationSeconds = seconds;
            markComplete(*target);
        }
    }

    bool m_breakRun = false;
    bool m_lastInferred = false;
};

} // namespace

std::unique_ptr<FormatParser> makeKerasParser()
{
    return std::make_unique<KerasParser>();
}

} // namespace gpudeck::monitor::detail
