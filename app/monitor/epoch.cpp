#include "epoch.h"

namespace gpudeck::monitor {

namespace {

struct FormatNames {
    LogFormat format;
    const char* name;
    const char* title;
};

constexpr FormatNames kFormats[] = {
    {LogFormat::Unknown, "auto", "auto-detected"},
    {LogFormat::Keras, "keras", "Keras model.fit output"},
    {LogFormat::PyTorch, "pytorch", "PyTorch examples style (\"Train Epoch: N [...] Loss:\")"},
    {LogFormat::Lightning, "lightning", "PyTorch Lightning CSVLogger metrics.csv"},
    {LogFormat::HuggingFace, "hf",
     "Hugging Face Trainer (log dicts, metrics blocks, notebook tables, trainer_state.json)"},
    {LogFormat::FastAi, "fastai", "fastai table"},
    {LogFormat::Yolo, "yolo", "YOLOv5 / Ultralytics results.csv"},
    {LogFormat::JsonLines, "jsonl", "JSON Lines with an \"epoch\" key"},
    {LogFormat::Regex, "regex", "user-defined regular expression"},
};

} // namespace

QString logFormatName(LogFormat format)
{
    for (const FormatNames& f : kFormats) {
        if (f.format == format)
            return QString::fromLatin1(f.name);
    }
    return {};
}

QString logFormatTitle(LogFormat format)
{
    for (const FormatNames& f : kFormats) {
        if (f.format == format)
            return QString::fromLatin1(f.title);
    }
    return {};
}

std::optional<LogFormat> logFormatFromName(QStringView name)
{
    for (const FormatNames& f : kFormats) {
        if (name.compare(QLatin1String(f.name), Qt::CaseInsensitive) == 0)
            return f.format;
    }
    if (name.compare(QLatin1String("huggingface"), Qt::CaseInsensitive) == 0 ||
        name.compare(QLatin1String("transformers"), Qt::CaseInsensitive) == 0)
        return LogFormat::HuggingFace;
    if (name.compare(QLatin1String("csv"), Qt::CaseInsensitive) == 0)
        return LogFormat::Lightning;
    return std::nullopt;
}

int Run::completedEpochs() const
{
    int n = 0;
    for (const Epoch& e : epochs)
        n += e.complete ? 1 : 0;
    return n;
}

std::optional<int> Run::plannedEpochs() const
{
    for (auto it = epochs.crbegin(); it != epochs.crend(); ++it) {
        if (it->total)
            return it->total;
    }
    return std::nullopt;
}

const Epoch* Run::lastComplete() const
{
    for (auto it = epochs.crbegin(); it != epochs.crend(); ++it) {
        if (it->complete)
            return &*it;
    }
    return nullptr;
}

QString primaryLossName(const Epoch& epoch)
{
    static const char* const kExact[] = {"loss",          "train_loss", "training_loss",
                                         "Training Loss", "train/loss", "Loss"};
    for (const char* name : kExact) {
        const QString key = QString::fromLatin1(name);
        if (epoch.metrics.contains(key))
            return key;
    }
    // Training losses of multi-loss models (train_disc_loss, train/box_loss): the first by name.
    for (auto it = epoch.metrics.cbegin(); it != epoch.metrics.cend(); ++it) {
        const QString lower = it.key().toLower();
        if (!lower.contains(QLatin1String("loss")))
            continue;
        const bool held =
            lower.startsWith(QLatin1String("val")) || lower.startsWith(QLatin1String("eval")) ||
            lower.startsWith(QLatin1String("test")) || lower.startsWith(QLatin1String("predict")) ||
            lower.startsWith(QLatin1String("best"));
        if (!held)
            return it.key();
    }
    return {};
}

std::optional<double> primaryLoss(const Epoch& epoch)
{
    const QString name = primaryLossName(epoch);
    if (name.isEmpty())
        return std::nullopt;
    return epoch.metrics.value(name);
}

} // namespace gpudeck::monitor
