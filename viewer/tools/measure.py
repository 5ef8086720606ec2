"""Measurements in patient space: lengths in mm and ellipse ROIs with HU statistics.

Points are LPS millimetres, so a length is the true distance whatever the plane, zoom or
pixel spacing. ROI statistics sample the stored voxels through `Volume.values_at` (nearest
voxel, no interpolation) on the ROI's plane, so mean/SD/min/max are of real HU values, not
of display pixels, and an ROI touching a gap filler or an interpolated slice is refused
with the reason (`NoVoxelData`) instead of a mean of invented values. A length keeps its
millimetres (the affine is true across a gap) but carries the refusal when an end lies on
such a slice, and its label says so. Labels are worded in the reader's language by the
`Translate` the view is given (source texts marked here for lupdate, context "Measure").
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from viewer.sampling import NoVoxelData, Refusal
from viewer.texts import QT_TRANSLATE_NOOP, Translate, untranslated

CONTEXT = "Measure"
_LENGTH = QT_TRANSLATE_NOOP("Measure", "{mm:.1f} mm")
_LENGTH_REFUSED = QT_TRANSLATE_NOOP("Measure", "{length}, not on acquired data:\n{reason}")
_ROI = QT_TRANSLATE_NOOP("Measure", "mean {mean:.1f} HU  SD {sd:.1f}\nmin {min:.0f}  max {max:.0f}  {area:.1f} mm²")
_NO_VALUE = QT_TRANSLATE_NOOP("Measure", "no value:\n{reason}")
# An ROI's values are the voxels of its plane: on a slab view (a MIP, say) the picture shows
# something else, and a reader must not take the mean for the slab's.
_ON_SLAB = QT_TRANSLATE_NOOP("Measure", "values of the centre plane, not of the slab")


def slab_note(translate: Translate = untranslated) -> str:
    return translate(CONTEXT, _ON_SLAB)

_ids = itertools.count(1)


@dataclass
class Length:
    p1: np.ndarray
    p2: np.ndarray
    id: int = field(default_factory=lambda: next(_ids))
    refusal: NoVoxelData | None = None  # an end lies on a slice with no acquired data

    @property
    def mm(self) -> float:
        return float(np.linalg.norm(np.asarray(self.p2) - np.asarray(self.p1)))

    def check(self, volume) -> NoVoxelData | None:
        """Flag the length if an end lies on a gap filler or interpolated slice.

        An end outside the image is no reason to flag: the distance is still true.
        """
        try:
            volume.values_at(volume.lps_to_index(np.array([self.p1, self.p2], float)))
            self.refusal = None
        except NoVoxelData as exc:
            self.refusal = None if exc.kind == Refusal.OUTSIDE else exc
        return self.refusal

    def label(self, translate: Translate = untranslated) -> str:
        text = translate(CONTEXT, _LENGTH).format(mm=self.mm)
        if self.refusal is None:
            return text
        return translate(CONTEXT, _LENGTH_REFUSED).format(length=text, reason=self.refusal.text(translate))


@dataclass(frozen=True)
class RoiStats:
    mean: float
    sd: float
    min: float
    max: float
    count: int
    area_mm2: float

    def label(self, translate: Translate = untranslated) -> str:
        return translate(CONTEXT, _ROI).format(mean=self.mean, sd=self.sd, min=self.min, max=self.max,
                                               area=self.area_mm2)


@dataclass
class EllipseRoi:
    """An ellipse in a view plane: centre and the two semi-axes as LPS vectors."""

    center: np.ndarray
    axis_a: np.ndarray  # semi-axis along the view's right direction (mm vector)
    axis_b: np.ndarray  # semi-axis along the view's up direction (mm vector)
    stats: RoiStats | None = None
    id: int = field(default_factory=lambda: next(_ids))
    refusal: NoVoxelData | None = None  # why there are no statistics

    def compute(self, volume) -> RoiStats | None:
        """Statistics from `volume`, or None with `refusal` set (ValueError if wholly outside)."""
        try:
            self.stats, self.refusal = ellipse_stats(volume, self.center, self.axis_a, self.axis_b), None
        except NoVoxelData as exc:
            self.stats, self.refusal = None, exc
        return self.stats

    def label(self, translate: Translate = untranslated) -> str:
        if self.refusal is not None:
            return translate(CONTEXT, _NO_VALUE).format(reason=self.refusal.text(translate))
        return self.stats.label(translate) if self.stats else ""


def ellipse_stats(volume, center, axis_a, axis_b) -> RoiStats:
    """HU statistics of the voxels whose centres lie in the ellipse (on its plane).

    The plane is sampled on a grid finer than the voxels; each sample takes its nearest
    voxel and each voxel counts once. Samples beyond the image edge are left out; a sample
    on a slice that was not acquired refuses the whole ROI (`NoVoxelData`).
    """
    center = np.asarray(center, float)
    a = np.asarray(axis_a, float)
    b = np.asarray(axis_b, float)
    ra, rb = np.linalg.norm(a), np.linalg.norm(b)
    if ra <= 0 or rb <= 0:
        raise ValueError("ellipse with a zero-length axis")
    step = 0.5 * float(np.linalg.norm(volume.affine[:3, :3], axis=0).min())
    ua, ub = a / ra, b / rb
    sa = np.arange(-ra, ra + step / 2, step)
    sb = np.arange(-rb, rb + step / 2, step)
    ga, gb = np.meshgrid(sa, sb, indexing="xy")
    inside = (ga / ra) ** 2 + (gb / rb) ** 2 <= 1.0
    pts = center + ga[inside, None] * ua + gb[inside, None] * ub
    ijk = volume.lps_to_index(pts)
    ijk = ijk[volume.contains(ijk)]
    if len(ijk) == 0:
        raise ValueError("the ellipse lies outside the volume")
    idx = np.unique(np.rint(ijk).astype(np.int64), axis=0)
    vals = volume.values_at(idx).astype(float)
    return RoiStats(
        mean=float(vals.mean()), sd=float(vals.std(ddof=1)) if len(vals) > 1 else 0.0,
        min=float(vals.min()), max=float(vals.max()), count=int(len(vals)),
        area_mm2=float(np.pi * ra * rb),
    )


@dataclass
class Measurements:
    """The lengths and ROIs drawn in one view, in the order drawn."""

    lengths: list[Length] = field(default_factory=list)
    ellipses: list[EllipseRoi] = field(default_factory=list)

    def add_length(self, volume, p1, p2) -> Length:
        m = Length(np.asarray(p1, float), np.asarray(p2, float))
        m.check(volume)
        self.lengths.append(m)
        return m

    def add_ellipse(self, volume, center, corner, right, up) -> EllipseRoi:
        """An ellipse in the plane spanned by `right` and `up` (unit LPS vectors), bounded by
        the box from `center` to `corner`; ValueError if it is flat or wholly outside."""
        c = np.asarray(center, float)
        rel = np.asarray(corner, float) - c
        roi = EllipseRoi(c, abs(float(rel @ right)) * np.asarray(right, float),
                         abs(float(rel @ up)) * np.asarray(up, float))
        roi.compute(volume)
        self.ellipses.append(roi)
        return roi

    def remove_last(self) -> bool:
        """Remove the newest measurement of either kind; False when there is none."""
        if not (self.lengths or self.ellipses):
            return False
        last = max([*self.lengths, *self.ellipses], key=lambda m: m.id)
        kind = self.lengths if isinstance(last, Length) else self.ellipses
        # by identity: dataclass equality would compare the numpy points
        del kind[next(n for n, m in enumerate(kind) if m is last)]
        return True
