"""Lines of overlay text wrapped to a view's width, Japanese included (no VTK, no Qt).

`textwrap` counts characters and breaks only at spaces: a Japanese sentence has no spaces and
each kanji or kana is as wide as two Latin letters, so its lines ran past the view's edge and
over the next corner's text. Here width is counted in columns (East Asian wide and full-width
characters two, others one), a Latin word stays whole where it fits, a Japanese sentence may
break between any two characters, and closing punctuation (、。）」：) never starts a line.
"""
from __future__ import annotations

import re
import unicodedata

__all__ = ["columns", "wrap"]

_TOKEN = re.compile(r"\s+|[A-Za-z0-9_.,:;%°²+\-/()'\"!?=<>*#@&^~\[\]{}|\\$]+|.")
_NO_LINE_START = set("、。，．）」』】〕！？：；ー・%°")


def columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pieces(token: str, width: int) -> list[str]:
    """A token wider than a whole line, cut into line-sized pieces."""
    out, cur = [], ""
    for ch in token:
        if cur and columns(cur + ch) > width:
            out.append(cur)
            cur = ""
        cur += ch
    return out + ([cur] if cur else [])


def _wrap_line(line: str, width: int, indent: str) -> list[str]:
    lines: list[str] = []
    cur = ""
    for token in _TOKEN.findall(line):
        blank = token.isspace()
        for piece in ([token] if blank else _pieces(token, width)):
            if cur.strip() and columns(cur + piece) > width and not blank and piece[0] not in _NO_LINE_START:
                lines.append(cur.rstrip())
                cur = indent
            if blank and cur == indent and lines:
                continue  # no blank at the start of a continued line
            cur += piece
    if cur.strip() or not lines:
        lines.append(cur.rstrip())
    return lines


def wrap(text: str, width: int, indent: str = "") -> str:
    """`text` with each of its lines wrapped to `width` columns; continued lines start with `indent`."""
    width = max(4, width)
    return "\n".join(out for line in text.splitlines() for out in _wrap_line(line, width, indent))
