#pragma once

#include <QString>
#include <Qt>

#include <optional>

#include <vterm_keycodes.h>

// Qt key events to what libvterm's keyboard functions take. Internal to the terminal library:
// the view hands keys to TerminalSurface::sendKey, which uses these.
namespace gpudeck::terminal::keymap {

[[nodiscard]] VTermModifier modifiers(Qt::KeyboardModifiers mods);

// Keys libvterm encodes itself (cursor keys, editing keys, F1–F12, keypad), honouring the
// modes the program set (DECCKM, keypad application mode); VTERM_KEY_NONE for everything else.
[[nodiscard]] VTermKey key(int qtKey, Qt::KeyboardModifiers mods);

// The C0 byte a Ctrl chord stands for (Ctrl+C → 0x03, Ctrl+[ → ESC, Ctrl+Space → NUL), taken
// from the key code because the event's text differs by platform: the control character on
// X11, the plain letter on macOS, nothing at all under QTest.
[[nodiscard]] std::optional<char> controlByte(int qtKey);

} // namespace gpudeck::terminal::keymap
