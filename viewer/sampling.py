"""Why a voxel value is refused, and what a read-out carries (no Qt, no VTK).

The sampling rule itself lives in `Volume.values_at` / `Volume.hu_at`: a value is read only
from an acquired slice inside the volume. Gap fillers (FILL_HU, where slices are missing)
and interpolated slices hold numbers the scanner never measured, so a mean or a hover
read-out taken there would look like data and be wrong. Callers get a typed refusal,
`NoVoxelData`, whose `.kind` code can branch on and whose `.reason` a reader understands
(`text(translate)` in the reader's language: the source texts are marked here for lupdate).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from viewer.dicom_files import VolumeError
from viewer.texts import QT_TRANSLATE_NOOP, Translate, untranslated

__all__ = ["NoVoxelData", "Refusal", "VoxelReading"]


class Refusal(StrEnum):
    """Why no value is given (the values are `Volume.slice_kinds` words, plus outside)."""

    OUTSIDE = "outside"
    GAP = "gap"
    INTERPOLATED = "interpolated"
    PENDING = "pending"          # still arriving from the centre


CONTEXT = "Sampling"
# {slice} is 1-based, as the view's status line counts slices
_REASONS = {
    Refusal.OUTSIDE: QT_TRANSLATE_NOOP("Sampling", "outside the volume"),
    Refusal.GAP: QT_TRANSLATE_NOOP("Sampling", "slice {slice} is a blank gap filler: slices are missing there"),
    Refusal.INTERPOLATED: QT_TRANSLATE_NOOP("Sampling", "slice {slice} is interpolated, not acquired"),
    Refusal.PENDING: QT_TRANSLATE_NOOP("Sampling", "slice {slice} has not arrived yet"),
}


class NoVoxelData(VolumeError):
    """No stored value to give at that point; `.reason` is worded for the reader.

    `slice_index` is the 0-based k of the volume's stack (None when outside); the reason
    names it 1-based, as the view's status line counts slices.
    """

    def __init__(self, kind: Refusal, slice_index: int | None = None, volume: str = "") -> None:
        self.kind = kind
        self.slice_index = slice_index
        self.reason = self.text()
        super().__init__(f"volume {volume}: {self.reason}" if volume else self.reason)

    def text(self, translate: Translate = untranslated) -> str:
        """The reason in the reader's language (English with no translator)."""
        k = self.slice_index
        return translate(CONTEXT, _REASONS[self.kind]).format(slice=k + 1 if k is not None else "")

    @classmethod
    def for_slice(cls, kind: str, k: int, volume: str = "") -> "NoVoxelData":
        if kind not in (Refusal.GAP, Refusal.INTERPOLATED, Refusal.PENDING):
            raise ValueError(f"slice kind {kind!r} is not a refused kind")
        return cls(Refusal(kind), k, volume)

    @classmethod
    def outside(cls, volume: str = "") -> "NoVoxelData":
        return cls(Refusal.OUTSIDE, None, volume)


@dataclass(frozen=True)
class VoxelReading:
    """What the hover read-out shows at an LPS point: a stored value, or why there is none."""

    point: np.ndarray                    # LPS mm
    value: float | None = None
    unit: str = "HU"
    refusal: NoVoxelData | None = None

    @classmethod
    def at(cls, volume, point) -> "VoxelReading":
        p = np.asarray(point, float)
        try:
            return cls(p, volume.hu_at(volume.lps_to_index(p)), volume.value_unit)
        except NoVoxelData as exc:
            return cls(p, None, volume.value_unit, exc)
