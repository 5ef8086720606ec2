"""Window/level: the standard CT presets, the series' own windows, and mouse-drag adjustment."""
from __future__ import annotations

import re
from dataclasses import dataclass

from viewer.texts import QT_TRANSLATE_NOOP, Translate, untranslated


@dataclass(frozen=True)
class Window:
    center: float
    width: float
    name: str = ""

    def clamped(self) -> "Window":
        return Window(self.center, max(1.0, self.width), self.name)

    def dragged(self, dx_px: float, dy_px: float, hu_per_px: float = 4.0) -> "Window":
        """Mouse drag: right widens, down raises the level (as in most reading stations)."""
        return Window(self.center + dy_px * hu_per_px, self.width + dx_px * hu_per_px, "custom").clamped()


# Keys 1-5 in the viewer, in this order.
PRESETS: dict[str, Window] = {
    "lung": Window(-600, 1500, "lung"),
    "mediastinum": Window(40, 400, "mediastinum"),
    "bone": Window(400, 1800, "bone"),
    "brain": Window(40, 80, "brain"),
    "abdomen": Window(40, 350, "abdomen"),
}
PRESET_KEYS = tuple(PRESETS)

CONTEXT = "WindowLevel"
# what the toolbar and the views call each window (the names above are codes)
PRESET_LABELS: dict[str, str] = {
    "lung": QT_TRANSLATE_NOOP("WindowLevel", "Lung"),
    "mediastinum": QT_TRANSLATE_NOOP("WindowLevel", "Mediastinum"),
    "bone": QT_TRANSLATE_NOOP("WindowLevel", "Bone"),
    "brain": QT_TRANSLATE_NOOP("WindowLevel", "Brain"),
    "abdomen": QT_TRANSLATE_NOOP("WindowLevel", "Abdomen"),
    "custom": QT_TRANSLATE_NOOP("WindowLevel", "custom"),
    "saved": QT_TRANSLATE_NOOP("WindowLevel", "saved"),
}
_SERIES_LABEL = QT_TRANSLATE_NOOP("WindowLevel", "series {0}")
_SERIES_NAME = re.compile(r"series (\d+)")


def window_label(name: str, translate: Translate = untranslated) -> str:
    """A window's name as the reader reads it: a preset's (or a dragged, a remembered window's)
    in the reader's language, a series window without an explanation numbered, the file's own
    explanation (WindowCenterWidthExplanation) as written."""
    if name in PRESET_LABELS:
        return translate(CONTEXT, PRESET_LABELS[name])
    numbered = _SERIES_NAME.fullmatch(name)
    return translate(CONTEXT, _SERIES_LABEL).format(numbered[1]) if numbered else name


def series_windows(presets: list[tuple[float, float, str]]) -> list[Window]:
    """The series' own windows (all values of a multi-valued WindowCenter/Width)."""
    out = []
    for n, (c, w, expl) in enumerate(presets, start=1):
        out.append(Window(float(c), float(w), expl or f"series {n}").clamped())
    return out


def default_window(presets: list[tuple[float, float, str]]) -> Window:
    """What a view shows first: the series' own first window, else mediastinum."""
    own = series_windows(presets)
    return own[0] if own else PRESETS["mediastinum"]


def parse_window(text: str, own: list[Window] | None = None) -> Window:
    """'lung' | 'mediastinum' | ... | 'series' | 'C,W' -> Window; ValueError otherwise."""
    t = text.strip().lower()
    if t in PRESETS:
        return PRESETS[t]
    if t in ("series", "default"):
        if own:
            return own[0]
        raise ValueError("the series carries no window of its own")
    try:
        c, w = (float(x) for x in t.split(","))
    except ValueError:
        raise ValueError(
            f"window {text!r}: expected one of {', '.join(PRESETS)}, 'series', or CENTER,WIDTH"
        ) from None
    if w <= 0:
        raise ValueError(f"window {text!r}: width must be positive")
    return Window(c, w, "custom")
