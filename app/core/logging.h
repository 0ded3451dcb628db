#pragma once

namespace gpudeck {

// Our own info/debug logging (categories gpudeck.*) is for debugging, enabled with
// QT_LOGGING_RULES="gpudeck.*=true"; warnings always show. Call once at the start of main().
void installDefaultLogRules();

} // namespace gpudeck
