#include "generalsettingspage.h"

#include "settings.h"
#include "theme.h"

#include <QComboBox>
#include <QFontComboBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QSpinBox>
#include <QVBoxLayout>

namespace gpudeck {

GeneralSettingsPage::GeneralSettingsPage(Settings& settings, QWidget* parent)
    : SettingsPage(parent)
    , m_settings(settings)
{
    setObjectName(QStringLiteral("generalSettingsPage"));
    const QFont fixed = QFontDatabase::systemFont(QFontDatabase::FixedFont);

    m_font = new QFontComboBox(this);
    m_font->setObjectName(QStringLiteral("terminalFontBox"));
    m_font->setFontFilters(QFontComboBox::MonospacedFonts);
    m_font->setAccessibleName(tr("Terminal font"));
    const QString family = m_settings.terminalFontFamily();
    m_font->setCurrentFont(QFont(family.isEmpty() ? fixed.family() : family));
    m_fontSize = new QSpinBox(this);
    m_fontSize->setObjectName(QStringLiteral("terminalFontSizeBox"));
    m_fontSize->setAccessibleName(tr("Terminal font size"));
    m_fontSize->setRange(6, 72);
    m_fontSize->setSuffix(tr(" pt"));
    const int size = m_settings.terminalFontSize();
    m_fontSize->setValue(size > 0 ? size : std::max(6, fixed.pointSize()));
    m_scrollback = new QSpinBox(this);
    m_scrollback->setObjectName(QStringLiteral("terminalScrollbackBox"));
    m_scrollback->setAccessibleName(tr("Scrollback lines"));
    m_scrollback->setRange(Settings::kMinScrollback, Settings::kMaxScrollback);
    m_scrollback->setSingleStep(1000);
    m_scrollback->setGroupSeparatorShown(true);
    m_scrollback->setSuffix(tr(" lines"));
    m_scrollback->setValue(m_settings.terminalScrollback());
    auto* terminal = new QGroupBox(tr("Terminal"), this);
    auto* tform = new QFormLayout(terminal);
    tform->addRow(tr("&Font:"), m_font);
    tform->addRow(tr("Font &size:"), m_fontSize);
    tform->addRow(tr("Sc&rollback:"), m_scrollback);
    auto* zoomNote = new QLabel(
        tr("Ctrl+plus and Ctrl+minus zoom one terminal; Ctrl+0 returns to this size."), terminal);
    zoomNote->setWordWrap(true);
    tform->addRow(zoomNote);

    m_concurrency = new QSpinBox(this);
    m_concurrency->setObjectName(QStringLiteral("transferConcurrencyBox"));
    m_concurrency->setAccessibleName(tr("Transfers at once"));
    m_concurrency->setRange(1, Settings::kMaxTransferConcurrency);
    m_concurrency->setValue(m_settings.transferConcurrency());
    auto* transfers = new QGroupBox(tr("Transfers"), this);
    auto* xform = new QFormLayout(transfers);
    xform->addRow(tr("Transfers at &once:"), m_concurrency);
    auto* xnote = new QLabel(tr("Each transfer has its own SSH connection. More at once helps "
                                "with many small items on a fast link; one large file already "
                                "uses several channels."),
                             transfers);
    xnote->setWordWrap(true);
    xform->addRow(xnote);

    m_theme = new QComboBox(this);
    m_theme->setObjectName(QStringLiteral("themeBox"));
    m_theme->setAccessibleName(tr("Theme"));
    m_theme->addItem(tr("Follow the system"), QStringLiteral("system"));
    m_theme->addItem(tr("Light"), QStringLiteral("light"));
    m_theme->addItem(tr("Dark"), QStringLiteral("dark"));
    m_theme->setCurrentIndex(m_theme->findData(m_settings.theme()));
    auto* appearance = new QGroupBox(tr("Appearance"), this);
    auto* aform = new QFormLayout(appearance);
    aform->addRow(tr("&Theme:"), m_theme);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(appearance);
    layout->addWidget(terminal);
    layout->addWidget(transfers);
    layout->addStretch(1);
}

void GeneralSettingsPage::apply()
{
    const QFont fixed = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    const QString family = m_font->currentFont().family();
    m_settings.setTerminalFontFamily(family == fixed.family() ? QString() : family);
    m_settings.setTerminalFontSize(m_fontSize->value() == fixed.pointSize() ? 0
                                                                            : m_fontSize->value());
    m_settings.setTerminalScrollback(m_scrollback->value());
    m_settings.setTransferConcurrency(m_concurrency->value());
    const QString theme = m_theme->currentData().toString();
    if (theme != m_settings.theme()) {
        m_settings.setTheme(theme);
        applyTheme(theme);
    }
}

} // namespace gpudeck
