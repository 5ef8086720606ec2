"""DICOM unique identifiers: one check, used wherever a UID becomes a path or a URL.

A UID read from a draft, a file name, a worklist item or a server answer is untrusted until it
passes here: `../`, `/`, `%2F` or a NUL byte in a "UID" would otherwise write outside a folder
or reach another resource. The rule is the one of PS3.5 §9.1: dot-separated components of
digits, at most 64 characters. Leading zeros (forbidden by the standard except for a lone "0")
are tolerated: real devices emit them and they are harmless in a path or a URL.
"""
from __future__ import annotations

import re

__all__ = ["InvalidUid", "UID_PATTERN", "UID_MAX_LENGTH", "is_valid_uid", "require_uid"]

UID_MAX_LENGTH = 64
UID_PATTERN = re.compile(r"[0-9]+(?:\.[0-9]+)*")


class InvalidUid(ValueError):
    """A string that is not a DICOM UID where one is required (`what` says which one)."""

    def __init__(self, what: str, value: object) -> None:
        shown = repr(value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        super().__init__(
            f"{what} is not a valid DICOM UID (digits and dots, at most "
            f"{UID_MAX_LENGTH} characters): {shown}"
        )
        self.what = what
        self.value = value


def is_valid_uid(s: object) -> bool:
    """True when `s` is a str of dot-separated digit groups, at most 64 characters."""
    return (
        isinstance(s, str)
        and 0 < len(s) <= UID_MAX_LENGTH
        # fullmatch with an ASCII-only class: "\d" would admit other scripts' digits, and
        # "$" would admit a trailing newline.
        and UID_PATTERN.fullmatch(s) is not None
    )


def require_uid(s: object, what: str) -> str:
    """Return `s` unchanged when it is a valid UID; raise `InvalidUid` naming `what` otherwise."""
    if not is_valid_uid(s):
        raise InvalidUid(what, s)
    assert isinstance(s, str)
    return s
