"""The font file VTK text uses: a CJK-capable face, because patient names are often Japanese.

VTK's built-in Arial has no kanji or kana: a Japanese name would render as nothing. Noto
Sans CJK (Debian fonts-noto-cjk) covers Latin, kana and kanji.
"""
from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
from pathlib import Path

log = logging.getLogger(__name__)

_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
    "/System/Library/Fonts/ヒラギノ角ゴシック W3.ttc",
    "C:/Windows/Fonts/YuGothR.ttc",
    "C:/Windows/Fonts/msgothic.ttc",
)


@functools.cache
def cjk_font_file() -> str | None:
    """Path of a font file with Japanese glyphs, or None (then names show in romaji only).
    YOMI_CJK_FONT first: the installed bundle names the font it ships (packaging/)."""
    for c in (os.environ.get("YOMI_CJK_FONT", ""), *_CANDIDATES):
        if c and Path(c).is_file():
            return c
    if shutil.which("fc-match"):
        try:
            out = subprocess.run(
                ["fc-match", "-f", "%{file}", "Noto Sans CJK JP:lang=ja"],
                capture_output=True, text=True, timeout=5, check=False,
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            out = ""
        if out and Path(out).is_file() and "cjk" in out.lower():
            return out
    log.warning("no CJK font found: Japanese names will show in their alphabetic form only")
    return None
