"""A solid nodule measured around a point: long and short axis on its largest axial section,
and its volume (numpy only; no Qt, no VTK).

Used where the reader asks Yomi to find and measure a nodule already measured on the current
study at its registered position in the prior (and, for the volume, on the current too), so
both exams are measured by the same rule:

* the edge is at half height between the surrounding lung (median of the lung voxels in a
  box of +/-`SEARCH_MM` around the point) and the nodule's peak near the point (full width at
  half maximum: a partial-volume edge lands where the object's boundary is);
* the nodule is the 6-connected region above that level grown from the brightest voxel
  within `SEED_MM` of the point, on acquired slices only;
* long axis = the largest distance across the section (pixel centres, plus one pixel: the
  edge pixels are half inside); short axis = the width perpendicular to it, same rule;
* volume = each voxel of the region and its one-voxel rim counted by the share of nodule it
  holds, (HU - lung) / (peak - lung) clipped to 0..1, times the voxel volume: partial volume
  counted, not thresholded away (5 mm slices cut a 6 mm nodule into two).

Refusals are typed (`NoNodule` with a `Why`): nothing above the lung near the point, or a
region reaching the box's edge (attached to a vessel or the chest wall): then the reader
measures by hand.
"""
from __future__ import annotations

import enum
import math
from collections import deque
from dataclasses import dataclass

import numpy as np

__all__ = ["Why", "NoNodule", "NoduleMeasurement", "measure_nodule", "SEARCH_MM", "SEED_MM"]

SEARCH_MM = 15.0
SEED_MM = 4.0
LUNG_BELOW_HU = -500.0
MIN_CONTRAST_HU = 200.0  # a nodule's peak stands at least this far above the lung around it


class Why(enum.Enum):
    OUTSIDE = "outside"                 # the point lies outside the volume
    NOT_ACQUIRED = "not_acquired"       # the slice is a gap filler or interpolated
    NO_LUNG_AROUND = "no_lung_around"   # the point is not in the lung
    NOTHING_THERE = "nothing_there"     # no nodule above the lung near the point
    NOT_ISOLATED = "not_isolated"       # the region reaches the search box's edge


class NoNodule(Exception):
    def __init__(self, why: Why) -> None:
        super().__init__(why.value)
        self.why = why


@dataclass(frozen=True)
class NoduleMeasurement:
    long_mm: float
    short_mm: float
    volume_mm3: float
    slice_index: int                       # k of the largest section
    long_axis: tuple[np.ndarray, np.ndarray]    # LPS end points
    short_axis: tuple[np.ndarray, np.ndarray]
    centre: np.ndarray                     # LPS centroid of the region

    @property
    def mean_mm(self) -> float:
        return (self.long_mm + self.short_mm) / 2


def _grow(mask: np.ndarray, seed: tuple[int, int, int]) -> np.ndarray:
    region = np.zeros_like(mask)
    region[seed] = True
    todo = deque([seed])
    steps = ((1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1))
    while todo:
        k, j, i = todo.popleft()
        for dk, dj, di in steps:
            n = (k + dk, j + dj, i + di)
            if all(0 <= n[a] < mask.shape[a] for a in range(3)) and mask[n] and not region[n]:
                region[n] = True
                todo.append(n)
    return region


def _dilate(region: np.ndarray) -> np.ndarray:
    out = region.copy()
    for axis in range(3):
        out[tuple(slice(1, None) if a == axis else slice(None) for a in range(3))] |= \
            region[tuple(slice(None, -1) if a == axis else slice(None) for a in range(3))]
        out[tuple(slice(None, -1) if a == axis else slice(None) for a in range(3))] |= \
            region[tuple(slice(1, None) if a == axis else slice(None) for a in range(3))]
    return out


def measure_nodule(volume, point_lps) -> NoduleMeasurement:
    """Measure the nodule at `point_lps` in `volume` (viewer.volume.Volume); raises NoNodule."""
    spacing = np.linalg.norm(volume.affine[:3, :3], axis=0)  # (i, j, k) mm
    ijk = volume.lps_to_index(np.asarray(point_lps, float))
    c = np.rint(ijk).astype(int)
    nk, nj, ni = volume.shape
    if not (0 <= c[0] < ni and 0 <= c[1] < nj and 0 <= c[2] < nk):
        raise NoNodule(Why.OUTSIDE)
    reach = np.maximum(np.ceil(SEARCH_MM / spacing).astype(int), 1)
    lo = np.maximum(c - reach, 0)
    hi = np.minimum(c + reach + 1, (ni, nj, nk))
    box = volume.voxels[lo[2]:hi[2], lo[1]:hi[1], lo[0]:hi[0]].astype(np.float32)
    kinds = getattr(volume, "slice_kinds", None) or ["acquired"] * nk
    acquired = np.array([kinds[k] == "acquired" for k in range(lo[2], hi[2])])
    if kinds[c[2]] != "acquired":
        raise NoNodule(Why.NOT_ACQUIRED)
    lung = box[acquired][box[acquired] < LUNG_BELOW_HU]
    if lung.size < box[acquired].size * 0.3:
        raise NoNodule(Why.NO_LUNG_AROUND)
    background = float(np.median(lung))
    seed_reach = np.ceil(SEED_MM / spacing[:2]).astype(int)
    kc, jc, ic = c[2] - lo[2], c[1] - lo[1], c[0] - lo[0]
    near = box[kc, max(jc - seed_reach[1], 0):jc + seed_reach[1] + 1, max(ic - seed_reach[0], 0):ic + seed_reach[0] + 1]
    peak = float(near.max())
    if peak - background < MIN_CONTRAST_HU:
        raise NoNodule(Why.NOTHING_THERE)
    dj, di = np.unravel_index(int(np.argmax(near)), near.shape)
    seed = (kc, max(jc - seed_reach[1], 0) + dj, max(ic - seed_reach[0], 0) + di)
    level = (background + peak) / 2
    mask = (box >= level) & acquired[:, None, None]
    region = _grow(mask, seed)
    edges = (region[:, 0, :].any() or region[:, -1, :].any() or region[:, :, 0].any() or region[:, :, -1].any()
             or (region[0].any() and lo[2] > 0) or (region[-1].any() and hi[2] < nk))
    if edges:
        raise NoNodule(Why.NOT_ISOLATED)

    share = np.clip((box - background) / (peak - background), 0.0, 1.0)
    rim = _dilate(region) & acquired[:, None, None]
    volume_mm3 = float(share[rim].sum() * np.prod(spacing))

    areas = region.sum(axis=(1, 2))
    k_best = int(np.argmax(areas))
    js, is_ = np.nonzero(region[k_best])
    pts = np.stack([is_ * spacing[0], js * spacing[1]], axis=1)  # in-plane mm, (i, j) axes
    d2 = ((pts[:, None, :] - pts[None, :, :]) ** 2).sum(axis=2)
    a, b = np.unravel_index(int(np.argmax(d2)), d2.shape)
    pixel = float(min(spacing[0], spacing[1]))
    long_mm = math.sqrt(float(d2[a, b])) + pixel
    u = (pts[b] - pts[a]) / max(math.sqrt(float(d2[a, b])), 1e-9) if a != b else np.array([1.0, 0.0])
    v = np.array([-u[1], u[0]])
    across = pts @ v
    short_mm = min(float(across.max() - across.min()) + pixel, long_mm)

    def lps(p_mm: np.ndarray) -> np.ndarray:
        i, j = p_mm[0] / spacing[0] + lo[0], p_mm[1] / spacing[1] + lo[1]
        return volume.index_to_lps([i, j, k_best + lo[2]])

    mid = pts.mean(axis=0)
    long_axis = (lps(pts[a] - u * pixel / 2), lps(pts[b] + u * pixel / 2))
    short_axis = (lps(mid + v * (across.min() - mid @ v - pixel / 2)),
                  lps(mid + v * (across.max() - mid @ v + pixel / 2)))
    kk, jj, ii = np.nonzero(region)
    centre = volume.index_to_lps([float(ii.mean() + lo[0]), float(jj.mean() + lo[1]), float(kk.mean() + lo[2])])
    return NoduleMeasurement(round(long_mm, 1), round(short_mm, 1), volume_mm3, k_best + lo[2],
                             long_axis, short_axis, centre)
