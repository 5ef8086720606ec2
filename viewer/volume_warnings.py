"""What a volume warns the reader about, as typed values: a code and its numbers.

The volume, the stack plan and the fill (viewer.volume, viewer.geometry, viewer.volume_fill)
decide; this module words it. A `VolumeWarning` is its English text (a `str`, so logs,
`yomi inspect` and headless renders read it as it was), and carries its `code` and `params`,
so code branches on the code and the reading window shows `text(translate)`, in the reader's
language, from the source text marked here for lupdate (context "VolumeWarning").
"""
from __future__ import annotations

from enum import Enum
from typing import Any

from viewer.texts import QT_TRANSLATE_NOOP, Translate, untranslated

__all__ = ["CONTEXT", "Warn", "VolumeWarning", "warning_line"]

CONTEXT = "VolumeWarning"


class Warn(Enum):
    """A warning's kind; the value is its source text (placeholders named by `params`)."""

    NO_ORIENTATION = QT_TRANSLATE_NOOP(
        "VolumeWarning", "no patient orientation/position in the file: orientation labels unknown")
    IMAGER_PIXEL_SPACING = QT_TRANSLATE_NOOP(
        "VolumeWarning", "pixel spacing is Imager Pixel Spacing (at the detector, not in the patient)")
    NO_PIXEL_SPACING = QT_TRANSLATE_NOOP("VolumeWarning", "no pixel spacing: distances are in pixels, not mm")
    SINGLE_SLICE_SPACING_BETWEEN = QT_TRANSLATE_NOOP(
        "VolumeWarning", "single slice: slice spacing {mm:g} mm taken from Spacing Between Slices")
    SINGLE_SLICE_THICKNESS = QT_TRANSLATE_NOOP(
        "VolumeWarning", "single slice: slice spacing {mm:g} mm taken from Slice Thickness")
    SINGLE_SLICE_DEFAULT = QT_TRANSLATE_NOOP(
        "VolumeWarning", "single slice: slice spacing {mm:g} mm taken from a default of 1.0 mm")
    NOT_HOUNSFIELD = QT_TRANSLATE_NOOP(
        "VolumeWarning", "values are in unit '{unit}' (Rescale Type), not Hounsfield units")
    GANTRY_TILT = QT_TRANSLATE_NOOP(
        "VolumeWarning", "gantry tilt {deg:.1f}° corrected by resampling "
                         "(each slice shifted in-plane, linear interpolation)")
    UNEVEN_SPACING = QT_TRANSLATE_NOOP(
        "VolumeWarning", "uneven slice spacing ({low:.2f} to {high:.2f} mm, median {median:.2f} mm): "
                         "resampled onto a regular {step:.2f} mm grid, {interpolated} of {slices} slices "
                         "interpolated linearly between acquired neighbours")
    MISSING_SLICES = QT_TRANSLATE_NOOP(
        "VolumeWarning", "missing slices: gap of {gap:.1f} mm between slices at {start:.2f} and {end:.2f} mm "
                         "along the normal (expected {median:.2f} mm); {missing} blank slices inserted, "
                         "not interpolated: no measurement possible there")
    PHANTOM = QT_TRANSLATE_NOOP("VolumeWarning", "synthetic phantom: not patient data")


class VolumeWarning(str):
    """One warning: the English text, with its `code` and `params` for translation."""

    code: Warn
    params: dict[str, Any]

    def __new__(cls, code: Warn, **params: Any) -> "VolumeWarning":
        self = super().__new__(cls, code.value.format(**params))
        self.code = code
        self.params = params
        return self

    def text(self, translate: Translate = untranslated) -> str:
        return translate(CONTEXT, self.code.value).format(**self.params)

    def __reduce__(self):   # pickled (worker processes) as what it is, not as a bare str
        return (_rebuild, (self.code.name, self.params))


def _rebuild(name: str, params: dict[str, Any]) -> VolumeWarning:
    return VolumeWarning(Warn[name], **params)


def warning_line(warning: str, translate: Translate = untranslated) -> str:
    """A warning in the reader's language; a plain string (an error's own text, as `yomi
    inspect` lists an undecodable series) as it came."""
    return warning.text(translate) if isinstance(warning, VolumeWarning) else warning
