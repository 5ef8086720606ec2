"""The enrolment QR code (otpauth:// URI for an authenticator app), drawn by `segno`.

Qt-free: the terminal form for `yomi user add`, PNG bytes for the login dialog to show.
"""
from __future__ import annotations

import io

import segno

__all__ = ["terminal_qr", "png_qr"]


def terminal_qr(uri: str) -> str:
    """The QR code as block characters (two modules per character row), quiet zone included."""
    out = io.StringIO()
    segno.make(uri, error="m").terminal(out=out, compact=True, border=2)
    return out.getvalue()


def png_qr(uri: str, scale: int = 6) -> bytes:
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="png", scale=scale, border=4)
    return out.getvalue()
