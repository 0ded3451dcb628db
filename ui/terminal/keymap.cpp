#include "keymap.h"

namespace gpudeck::terminal::keymap {

VTermModifier modifiers(Qt::KeyboardModifiers mods)
{
    int out = VTERM_MOD_NONE;
    if (mods & Qt::ShiftModifier)
        out |= VTERM_MOD_SHIFT;
    if (mods & Qt::AltModifier)
        out |= VTERM_MOD_ALT;
    if (mods & Qt::ControlModifier)
        out |= VTERM_MOD_CTRL;
    return static_cast<VTermModifier>(out);
}

VTermKey key(int qtKey, Qt::KeyboardModifiers mods)
{
    if (qtKey >= Qt::Key_F1 && qtKey <= Qt::Key_F35)
        return static_cast<VTermKey>(VTERM_KEY_FUNCTION(qtKey - Qt::Key_F1 + 1));

    if (mods & Qt::KeypadModifier) {
        // Keypad Enter stays Enter: libvterm sends LF for it outside keypad application mode,
        // where xterm and every shell expect CR.
        // Only with the keypad flag: the same key codes come from the main keyboard too, and
        // there they are plain text whatever the keypad mode.
        switch (qtKey) {
        case Qt::Key_0:
            return VTERM_KEY_KP_0;
        case Qt::Key_1:
            return VTERM_KEY_KP_1;
        case Qt::Key_2:
            return VTERM_KEY_KP_2;
        case Qt::Key_3:
            return VTERM_KEY_KP_3;
        case Qt::Key_4:
            return VTERM_KEY_KP_4;
        case Qt::Key_5:
            return VTERM_KEY_KP_5;
        case Qt::Key_6:
            return VTERM_KEY_KP_6;
        case Qt::Key_7:
            return VTERM_KEY_KP_7;
        case Qt::Key_8:
            return VTERM_KEY_KP_8;
        case Qt::Key_9:
            return VTERM_KEY_KP_9;
        case Qt::Key_Asterisk:
            return VTERM_KEY_KP_MULT;
        case Qt::Key_Plus:
            return VTERM_KEY_KP_PLUS;
        case Qt::Key_Comma:
            return VTERM_KEY_KP_COMMA;
        case Qt::Key_Minus:
            return VTERM_KEY_KP_MINUS;
        case Qt::Key_Period:
            return VTERM_KEY_KP_PERIOD;
        case Qt::Key_Slash:
            return VTERM_KEY_KP_DIVIDE;
        case Qt::Key_Equal:
            return VTERM_KEY_KP_EQUAL;
        default:
            break;
        }
    }

    switch (qtKey) {
    case Qt::Key_Return:
    case Qt::Key_Enter:
        return VTERM_KEY_ENTER;
    case Qt::Key_Tab:
    case Qt::Key_Backtab:
        return VTERM_KEY_TAB;
    case Qt::Key_Backspace:
        return VTERM_KEY_BACKSPACE;
    case Qt::Key_Escape:
        return VTERM_KEY_ESCAPE;
    case Qt::Key_Up:
        return VTERM_KEY_UP;
    case Qt::Key_Down:
        return VTERM_KEY_DOWN;
    case Qt::Key_Left:
        return VTERM_KEY_LEFT;
    case Qt::Key_Right:
        return VTERM_KEY_RIGHT;
    case Qt::Key_Insert:
        return VTERM_KEY_INS;
    case Qt::Key_Delete:
        return VTERM_KEY_DEL;
    case Qt::Key_Home:
        return VTERM_KEY_HOME;
    case Qt::Key_End:
        return VTERM_KEY_END;
    case Qt::Key_PageUp:
        return VTERM_KEY_PAGEUP;
    case Qt::Key_PageDown:
        return VTERM_KEY_PAGEDOWN;
    default:
        return VTERM_KEY_NONE;
    }
}

std::optional<char> controlByte(int qtKey)
{
    if (qtKey >= Qt::Key_A && qtKey <= Qt::Key_Z)
        return static_cast<char>(qtKey - Qt::Key_A + 1);
    switch (qtKey) {
    case Qt::Key_Space:
    case Qt::Key_At:
    case Qt::Key_2:
        return '\x00';
    case Qt::Key_BracketLeft:
    case Qt::Key_3:
        return '\x1b';
    case Qt::Key_Backslash:
    case Qt::Key_4:
        return '\x1c';
    case Qt::Key_BracketRight:
    case Qt::Key_5:
        return '\x1d';
    case Qt::Key_AsciiCircum:
    case Qt::Key_6:
        return '\x1e';
    case Qt::Key_Underscore:
    case Qt::Key_Slash:
    case Qt::Key_7:
        return '\x1f';
    case Qt::Key_Question:
    case Qt::Key_8:
        return '\x7f';
    default:
        return std::nullopt;
    }
}

} // namespace gpudeck::terminal::keymap
