"""From the viewer's length measurements to a nodule: which lengths are the long and short
axis, and which image they lie on. Qt-free (numpy only), so the rules are tested without a view.

A nodule references one acquired image (the SR's image region), so both axes must lie on
one slice of the volume's own stack. The slice is taken from the measurement's points,
not from the view's current position: the reader may have scrolled away after measuring.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from .errors import FieldValueError
from .finding import Finding, Segment

__all__ = ["PERPENDICULAR_DEG", "AxisPick", "angle_deg", "finding_from_lengths", "pick_axes"]

# A second length counts as the short axis when it crosses the long one at 60-120 degrees:
# readers draw the short axis "roughly perpendicular", not exactly.
PERPENDICULAR_DEG = (60.0, 120.0)
_ON_SLICE = 0.25  # fraction of a slice step a point may sit off the slice (rounding of picks)


class LengthLike(Protocol):
    p1: np.ndarray
    p2: np.ndarray
    id: int

    @property
    def mm(self) -> float: ...


@dataclass(frozen=True)
class AxisPick:
    long: Any              # the Length used as long axis
    short: Any | None      # the Length used as short axis, or None (the reader must give it)
    slice_index: int       # k of the volume's stack both lie on


def angle_deg(a: LengthLike, b: LengthLike) -> float:
    """Angle between two segments' directions, 0-180 degrees."""
    u = np.asarray(a.p2, float) - np.asarray(a.p1, float)
    v = np.asarray(b.p2, float) - np.asarray(b.p1, float)
    nu, nv = float(np.linalg.norm(u)), float(np.linalg.norm(v))
    if nu == 0 or nv == 0:
        return 0.0
    c = float(np.clip(np.dot(u, v) / (nu * nv), -1.0, 1.0))
    return math.degrees(math.acos(c))


def _slice_of(length: LengthLike, volume: Any) -> int | None:
    """The stack index both ends lie on, or None when the segment leaves the slice (oblique)."""
    ks = volume.lps_to_index(np.array([length.p1, length.p2], float))[:, 2]
    k = round(float(ks.mean()))
    if np.any(np.abs(ks - k) > _ON_SLICE):
        return None
    return k


def pick_axes(lengths: Sequence[LengthLike], volume: Any, *, exclude: set[int] = frozenset()) -> AxisPick:
    """The axes of the nodule the reader just measured, from the lengths not yet used
    (`exclude` ids): the newest length, and the most recent other length on the same slice
    crossing it at 60-120 degrees if there is one; the longer of the two is the long axis."""
    usable = sorted((m for m in lengths if m.id not in exclude and m.mm > 0), key=lambda m: m.id)
    if not usable:
        raise FieldValueError("no length measurement to make a nodule from: measure with the length tool (L)")
    last = usable[-1]
    k = _slice_of(last, volume)
    if k is None:
        raise FieldValueError("the measurement does not lie on one image: measure the nodule on the axial view")
    partner = None
    for m in reversed(usable[:-1]):
        if _slice_of(m, volume) == k and PERPENDICULAR_DEG[0] <= angle_deg(last, m) <= PERPENDICULAR_DEG[1]:
            partner = m
            break
    if partner is None:
        return AxisPick(last, None, k)
    long, short = (last, partner) if last.mm >= partner.mm else (partner, last)
    return AxisPick(long, short, k)


def _pixels(length: LengthLike, volume: Any) -> Segment:
    ijk = volume.lps_to_index(np.array([length.p1, length.p2], float))
    return (float(ijk[0, 0]), float(ijk[0, 1]), float(ijk[1, 0]), float(ijk[1, 1]))


def finding_from_lengths(pick: AxisPick, volume: Any, short_mm: float | None = None, **details: Any) -> Finding:
    """The nodule for `pick` on `volume`: sizes (0.1 mm), series, the slice's SOP Instance UID,
    and the drawn axes in the image's pixels. `short_mm` is the reader's typed short axis when
    no perpendicular length was drawn."""
    uids = volume.sop_instance_uids
    if not 0 <= pick.slice_index < len(uids) or not uids[pick.slice_index]:
        raise FieldValueError(f"slice {pick.slice_index} is not an acquired image (interpolated or gap): "
                              "measure on an acquired slice")
    kinds = getattr(volume, "slice_kinds", None)
    if kinds and kinds[pick.slice_index] != "acquired":
        raise FieldValueError(f"slice {pick.slice_index} is {kinds[pick.slice_index]}, not an acquired image")
    if pick.short is not None:
        short_mm = pick.short.mm
    if short_mm is None:
        raise FieldValueError("the short axis is missing: draw it perpendicular to the long axis or type it")
    return Finding.from_measurement(
        pick.long.mm, short_mm, volume.identity.series_uid, uids[pick.slice_index], pick.slice_index,
        long_axis_px=_pixels(pick.long, volume),
        short_axis_px=_pixels(pick.short, volume) if pick.short is not None else None, **details)
