"""Measurements in patient space: lengths in mm and ellipse ROIs with HU statistics.

Points are LPS millimetres, so a length is the true distance whatever the plane, zoom or
pixel spacing. ROI statistics sample the stored voxels (nearest voxel, no interpolation)
on the ROI's plane, so mean/SD/min/max are of real HU values, not of display pixels.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

_ids = itertools.count(1)


@dataclass
class Length:
    p1: np.ndarray
    p2: np.ndarray
    id: int = field(default_factory=lambda: next(_ids))

    @property
    def mm(self) -> float:
        return float(np.linalg.norm(np.asarray(self.p2) - np.asarray(self.p1)))

    def label(self) -> str:
        return f"{self.mm:.1f} mm"


@dataclass(frozen=True)
class RoiStats:
    mean: float
    sd: float
    min: float
    max: float
    count: int
    area_mm2: float

    def label(self) -> str:
        return (f"mean {self.mean:.1f} HU  SD {self.sd:.1f}\n"
                f"min {self.min:.0f}  max {self.max:.0f}  {self.area_mm2:.1f} mm²")


@dataclass
class EllipseRoi:
    """An ellipse in a view plane: centre and the two semi-axes as LPS vectors."""

    center: np.ndarray
    axis_a: np.ndarray  # semi-axis along the view's right direction (mm vector)
    axis_b: np.ndarray  # semi-axis along the view's up direction (mm vector)
    stats: RoiStats | None = None
    id: int = field(default_factory=lambda: next(_ids))

    def compute(self, voxels: np.ndarray, affine: np.ndarray) -> RoiStats:
        self.stats = ellipse_stats(voxels, affine, self.center, self.axis_a, self.axis_b)
        return self.stats

    def label(self) -> str:
        return self.stats.label() if self.stats else ""


def ellipse_stats(voxels: np.ndarray, affine: np.ndarray, center, axis_a, axis_b) -> RoiStats:
    """HU statistics of the voxels whose centres lie in the ellipse (on its plane).

    The plane is sampled on a grid finer than the voxels; each sample takes its nearest
    voxel and each voxel counts once.
    """
    center = np.asarray(center, float)
    a = np.asarray(axis_a, float)
    b = np.asarray(axis_b, float)
    ra, rb = np.linalg.norm(a), np.linalg.norm(b)
    if ra <= 0 or rb <= 0:
        raise ValueError("ellipse with a zero-length axis")
    step = 0.5 * float(np.linalg.norm(affine[:3, :3], axis=0).min())
    ua, ub = a / ra, b / rb
    sa = np.arange(-ra, ra + step / 2, step)
    sb = np.arange(-rb, rb + step / 2, step)
    ga, gb = np.meshgrid(sa, sb, indexing="xy")
    inside = (ga / ra) ** 2 + (gb / rb) ** 2 <= 1.0
    pts = center + ga[inside, None] * ua + gb[inside, None] * ub
    inv = np.linalg.inv(affine)
    ijk = (inv[:3, :3] @ pts.T + inv[:3, 3:4]).T
    idx = np.rint(ijk).astype(int)
    nk, nj, ni = voxels.shape
    ok = (idx[:, 0] >= 0) & (idx[:, 0] < ni) & (idx[:, 1] >= 0) & (idx[:, 1] < nj) \
        & (idx[:, 2] >= 0) & (idx[:, 2] < nk)
    idx = np.unique(idx[ok], axis=0)
    if len(idx) == 0:
        raise ValueError("the ellipse lies outside the volume")
    vals = voxels[idx[:, 2], idx[:, 1], idx[:, 0]].astype(float)
    return RoiStats(
        mean=float(vals.mean()), sd=float(vals.std(ddof=1)) if len(vals) > 1 else 0.0,
        min=float(vals.min()), max=float(vals.max()), count=int(len(vals)),
        area_mm2=float(np.pi * ra * rb),
    )
