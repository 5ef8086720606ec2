"""Why a voxel value is refused, and what a read-out carries (no Qt, no VTK).

The sampling rule itself lives in `Volume.values_at` / `Volume.hu_at`: a value is read only
from an acquired slice inside the volume. Gap fillers (FILL_HU, where slices are missing)
and interpolated slices hold numbers the scanner never measured, so a mean or a hover
read-out taken there would look like data and be wrong. Callers get a typed refusal,
`NoVoxelData`, whose `.kind` code can branch on and whose `.reason` a reader understands.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from viewer.dicom_files import VolumeError

__all__ = ["NoVoxelData", "Refusal", "VoxelReading"]


class Refusal(StrEnum):
    """Why no value is given (the values are `Volume.slice_kinds` words, plus outside)."""

    OUTSIDE = "outside"
    GAP = "gap"
    INTERPOLATED = "interpolated"
    PENDING = "pending"          # still arriving from the centre


class NoVoxelData(VolumeError):
    """No stored value to give at that point; `.reason` is worded for the reader.

    `slice_index` is the 0-based k of the volume's stack (None when outside); the reason
    names it 1-based, as the view's status line counts slices.
    """

    def __init__(self, kind: Refusal, reason: str, slice_index: int | None = None, volume: str = "") -> None:
        super().__init__(f"volume {volume}: {reason}" if volume else reason)
        self.kind = kind
        self.reason = reason
        self.slice_index = slice_index

    @classmethod
    def for_slice(cls, kind: str, k: int, volume: str = "") -> "NoVoxelData":
        if kind == Refusal.GAP:
            return cls(Refusal.GAP, f"slice {k + 1} is a blank gap filler: slices are missing there", k, volume)
        if kind == Refusal.INTERPOLATED:
            return cls(Refusal.INTERPOLATED, f"slice {k + 1} is interpolated, not acquired", k, volume)
        if kind == Refusal.PENDING:
            return cls(Refusal.PENDING, f"slice {k + 1} has not arrived yet", k, volume)
        raise ValueError(f"slice kind {kind!r} is not a refused kind")

    @classmethod
    def outside(cls, volume: str = "") -> "NoVoxelData":
        return cls(Refusal.OUTSIDE, "outside the volume", None, volume)


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
