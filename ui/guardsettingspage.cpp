#include "guardsettingspage.h"

#include "guardpolicyeditor.h"
#include "settings.h"

#include <QLabel>
#include <QVBoxLayout>

namespace gpudeck {

GuardSettingsPage::GuardSettingsPage(Settings& settings, QWidget* parent)
    : SettingsPage(parent)
    , m_settings(settings)
{
    setObjectName(QStringLiteral("guardPage"));
    m_editor = new GuardPolicyEditor(false, this);
    m_editor->setPolicy(m_settings.guardDefaults());
    auto* scope = new QLabel(tr("These apply to machines guarded from now on; machines already "
                                "guarded keep their own policy (Overview → Policy…)."),
                             this);
    scope->setWordWrap(true);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_editor);
    layout->addWidget(scope);
    layout->addStretch(1);
}

void GuardSettingsPage::apply()
{
    m_settings.setGuardDefaults(m_editor->policy());
}

} // namespace gpudeck
