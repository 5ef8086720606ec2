"""Key sequences as portable text ("Ctrl+Shift+N", "PgUp", "["): one spelling per key, so two
files naming the same key in different words ("control+n", "Ctrl+N") are seen to collide.

The spelling is Qt's PortableText, which the GUI hands to QKeySequence unchanged; this module
checks and normalises it without Qt, for the keymap files and their tests.
"""
from __future__ import annotations

from enum import Enum

__all__ = ["BadKey", "KeyProblem", "normalize_key"]

_MODIFIERS = {"ctrl": "Ctrl", "control": "Ctrl", "alt": "Alt", "shift": "Shift", "meta": "Meta"}
_MODIFIER_ORDER = ("Ctrl", "Alt", "Shift", "Meta")  # QKeySequence's own order

_NAMED = {name.lower(): name for name in (
    "Up", "Down", "Left", "Right", "PgUp", "PgDown", "Home", "End", "Ins", "Del", "Esc", "Tab",
    "Backtab", "Backspace", "Return", "Enter", "Space", "Print", "Pause", "Menu",
    *(f"F{n}" for n in range(1, 36)))}
_NAMED.update({"pageup": "PgUp", "pagedown": "PgDown", "delete": "Del", "escape": "Esc", "insert": "Ins"})


class KeyProblem(Enum):
    EMPTY = "empty"
    UNKNOWN_KEY = "unknown key"
    UNKNOWN_MODIFIER = "unknown modifier"
    NO_KEY = "modifiers without a key"
    CHORD = "more than one key in sequence"


class BadKey(ValueError):
    """`text` is not a key this station can bind (`problem` says why)."""

    def __init__(self, text: str, problem: KeyProblem) -> None:
        super().__init__(f"{text!r}: {problem.value}")
        self.text = text
        self.problem = problem


def normalize_key(text: str) -> str:
    """The one spelling of `text` ("control+shift+n" -> "Ctrl+Shift+N"); BadKey if none."""
    s = text.strip()
    if not s:
        raise BadKey(text, KeyProblem.EMPTY)
    if "," in s.rstrip(",") and len(s) > 1:
        raise BadKey(text, KeyProblem.CHORD)  # "Ctrl+K, Ctrl+C": one key per binding here
    if s == "+" or s.endswith("++"):
        key, mods = "+", s[:-2].split("+") if len(s) > 1 else []
    else:
        *mods, key = s.split("+")
    seen = []
    for m in mods:
        name = _MODIFIERS.get(m.strip().lower())
        if name is None:
            raise BadKey(text, KeyProblem.UNKNOWN_MODIFIER if m.strip() else KeyProblem.NO_KEY)
        if name not in seen:
            seen.append(name)
    key = key.strip()
    if not key:
        raise BadKey(text, KeyProblem.NO_KEY)
    if len(key) == 1 and key.isprintable() and not key.isspace():
        canon = key.upper()
    else:
        canon = _NAMED.get(key.lower())
        if canon is None:
            raise BadKey(text, KeyProblem.UNKNOWN_MODIFIER if key.lower() in _MODIFIERS else KeyProblem.UNKNOWN_KEY)
    return "+".join([m for m in _MODIFIER_ORDER if m in seen] + [canon])
