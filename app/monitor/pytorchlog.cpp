// The pytorch/examples logging style and its many copies:
//   "Train Epoch: 1 [12800/45000 (28%)]\tLoss: 2.316770"      progress inside epoch 1
//   "====> Epoch: 1 Average loss: 2.3434"                      (VAE example) epoch 1 done
//   "====> Epoch 1 Average train loss: 2.3434"                 (variant)
//   "====> Validation loss: 1.9504,  acc: 22.94%"              metrics of the epoch just done
//   "Test set: Average loss: 0.0333, Accuracy: 9892/10000 (99%)"  (MNIST example) epoch done
// The progress lines count samples, not batches: steps are "samples done / samples".
#include "logformats.h"

namespace gpudeck::monitor::detail {

namespace {

// "Validation loss" -> ("val", "loss"); "Test set loss" -> ("test", "loss"); "acc" -> ("", "acc")
std::pair<QString, QString> splitLabel(QByteArrayView label)
{
    QString prefix;
    QStringList words;
    for (QByteArrayView w : splitSpace(label)) {
        const QString word = QString::fromUtf8(w).toLower();
        if (word == QLatin1String("validation") || word == QLatin1String("valid") ||
            word == QLatin1String("val"))
            prefix = QStringLiteral("val");
        else if (word == QLatin1String("test"))
            prefix = QStringLiteral("test");
        else if (word == QLatin1String("train") || word == QLatin1String("training"))
            prefix = QStringLiteral("train");
        else if (word != QLatin1String("set") && word != QLatin1String("average") &&
                 word != QLatin1String("avg") && word != QLatin1String("mean"))
            words.append(word);
    }
    return {prefix, words.join(QLatin1Char('_'))};
}

// "Validation loss: 1.9504,  acc: 22.94%" -> {val_loss: 1.9504, val_acc: 22.94}
// "Average loss: 0.0333, Accuracy: 9892/10000 (99%)" with prefix "test"
QList<std::pair<QString, double>> readPairs(QByteArrayView text, QString prefix)
{
    QList<std::pair<QString, double>> out;
    for (QByteArrayView part : splitComma(text)) {
        const qsizetype colon = part.indexOf(':');
        if (colon <= 0)
            continue;
        auto [labelPrefix, name] = splitLabel(part.first(colon));
        if (!labelPrefix.isEmpty())
            prefix = labelPrefix;
        if (name.isEmpty())
            continue;
        QByteArrayView value = trimmedView(part.sliced(colon + 1));
        std::optional<double> v;
        const qsizetype slash = value.indexOf('/');
        if (slash > 0 && value.contains('(')) { // "9892/10000 (99%)" -> 98.92 (percent)
            const auto a = parseDouble(value.first(slash));
            const QList<QByteArrayView> rest = splitSpace(value.sliced(slash + 1));
            const auto b = rest.isEmpty() ? std::nullopt : parseDouble(rest.first());
            if (a && b && *b > 0)
                v = 100.0 * *a / *b;
        } else {
            if (value.endsWith('%'))
                value.chop(1);
            v = parseDouble(splitSpace(value).value(0));
        }
        if (!v)
            continue;
        out.append({prefix.isEmpty() ? name : prefix + QLatin1Char('_') + name, *v});
    }
    return out;
}

class PyTorchParser final : public FormatParser {
public:
    PyTorchParser()
        : FormatParser(LogFormat::PyTorch)
    {}

    void line(QByteArrayView raw) override
    {
        const QByteArrayView t = trimmedView(raw);
        if (t.startsWith(">>> ")) {
            m_pendingName = QString::fromUtf8(trimmedView(t.sliced(4)));
            if (hasRun() && currentRun().epochs.isEmpty())
                currentRun().name = m_pendingName;
            return;
        }
        if (t.startsWith("Train Epoch:")) {
            progress(trimmedView(t.sliced(12)));
            return;
        }
        if (t.startsWith("====>")) {
            summary(trimmedView(t.sliced(5)));
            return;
        }
        if (t.startsWith("Test set:")) {
            if (Epoch* e = lastEpoch()) {
                for (const auto& [name, v] : readPairs(t.sliced(9), QStringLiteral("test")))
                    e->metrics.insert(name, v);
                markComplete(*e);
                touched();
            }
        }
    }

private:
    // The epoch `n` for a new line about it: the last one, the next one, or the first of a new
    // run when the counter went back.
    Epoch& epochFor(int n)
    {
        Epoch* last = lastEpoch();
        if (last && last->number == n)
            return *last;
        if (last && n < last->number)
            newRun();
        else if (last)
            markComplete(*last); // the next epoch started: the previous one is over
        return appendEpoch(n);
    }

    void newRun()
    {
        startRun(m_pendingName);
        m_pendingName.clear();
    }

    void progress(QByteArrayView rest)
    {
        // "1 [12800/45000 (28%)]\tLoss: 2.316770"
        const qsizetype bracket = rest.indexOf('[');
        const auto n = parseInt(bracket > 0 ? rest.first(bracket) : splitSpace(rest).value(0));
        if (!n)
            return;
        if (!hasRun())
            newRun();
        Epoch& e = epochFor(*n);
        if (e.complete)
            return;
        const qsizetype close = rest.indexOf(']');
        if (bracket > 0 && close > bracket) {
            const QByteArrayView inside = rest.sliced(bracket + 1, close - bracket - 1);
            const QList<QByteArrayView> tokens = splitSpace(inside);
            const qsizetype slash = tokens.value(0).indexOf('/');
            if (slash > 0) {
                const auto done = parseDouble(tokens[0].first(slash));
                const auto total = parseDouble(tokens[0].sliced(slash + 1));
                if (done && total) {
                    e.stepsDone = static_cast<qint64>(*done);
                    e.stepsTotal = static_cast<qint64>(*total);
                }
            }
        }
        const QByteArrayView after = close > 0 ? rest.sliced(close + 1) : rest;
        for (const auto& [name, v] : readPairs(after, {}))
            e.metrics.insert(name, v); // running values until the epoch's summary
        touched();
    }

    void summary(QByteArrayView rest)
    {
        if (rest.startsWith("Epoch")) {
            // "Epoch: 1 Average loss: 2.3434" / "Epoch 1 Average train loss: 2.3434"
            QByteArrayView r = trimmedView(rest.sliced(5));
            if (r.startsWith(':'))
                r = trimmedView(r.sliced(1));
            const QList<QByteArrayView> tokens = splitSpace(r);
            const auto n = parseInt(tokens.value(0));
            if (!n)
                return;
            if (!hasRun())
                newRun();
            Epoch& e = epochFor(*n);
            const QByteArrayView pairs = trimmedView(r.sliced(tokens[0].size()));
            for (const auto& [name, v] : readPairs(pairs, {})) {
                // The epoch's training average replaces the last batch's loss.
                const QString key =
                    name == QLatin1String("train_loss") ? QStringLiteral("loss") : name;
                e.metrics.insert(key, v);
            }
            if (e.stepsTotal)
                e.stepsDone = e.stepsTotal;
            markComplete(e);
            touched();
            return;
        }
        Epoch* e = lastEpoch();
        if (!e)
            return;
        const QList<std::pair<QString, double>> pairs = readPairs(rest, {});
        for (const auto& [name, v] : pairs)
            e->metrics.insert(name, v);
        if (!pairs.isEmpty())
            touched();
    }

    QString m_pendingName;
};

} // namespace

std::unique_ptr<FormatParser> makePyTorchParser()
{
    return std::make_unique<PyTorchParser>();
}

} // namespace gpudeck::monitor::detail
