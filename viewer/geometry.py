"""Slice-stack geometry in patient space (LPS, mm): order, spacing, gaps, gantry tilt.

Pure numpy, no DICOM and no Qt: given the positions and orientation of a stack of slices,
decide where each output slice of a regular volume comes from. `viewer.volume` applies
the plan to decoded pixels. The safety rules (see `viewer.volume` docstring) live here:
gaps are never interpolated, uneven spacing is resampled only between close neighbours,
and every decision produces a warning the reader sees.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from common.slice_position import slice_normal
from viewer.volume_warnings import VolumeWarning, Warn

# A gap larger than this many median steps is missing data, not uneven spacing.
GAP_FACTOR = 1.5
# A slice counts as "on the grid" when within this fraction of a step (plus float noise).
GRID_TOLERANCE = 0.02
GRID_TOLERANCE_MM = 0.001
# In-plane shifts below this many pixels are float noise, not gantry tilt.
TILT_MIN_SHIFT_PX = 0.05
# A crafted or broken position (say 1e6 mm away) must not make us allocate millions of gap slices.
MAX_GRID_SLICES = 20000


@dataclass(frozen=True)
class Slot:
    """Where one output slice comes from: an acquired slice, two neighbours, or nothing."""

    kind: str                # "acquired" | "interpolated" | "gap"
    first: int = -1          # index into the sorted acquired slices
    second: int = -1
    weight: float = 0.0      # share of `second` for "interpolated"


@dataclass
class StackPlan:
    step_mm: float                           # regular slice step along the normal
    slots: list[Slot]
    tilt_deg: float
    shifts_px: np.ndarray                    # (n_acquired, 2): (rows, columns) to shift each slice by
    spacing_stats: tuple[float, float, float]
    warnings: list[VolumeWarning] = field(default_factory=list)

    @property
    def tilt_corrected(self) -> bool:
        return bool(np.any(np.abs(self.shifts_px) > TILT_MIN_SHIFT_PX))


def normal_of(iop: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unit (column-index direction, row-index direction, slice normal) from IOP."""
    u = np.asarray(iop[:3], dtype=float)
    v = np.asarray(iop[3:6], dtype=float)
    u /= np.linalg.norm(u)
    v /= np.linalg.norm(v)
    return u, v, np.asarray(slice_normal(iop))  # the normal the slice positions are measured on


def plan_stack(
    ipps: np.ndarray,
    iop: tuple[float, ...],
    pixel_spacing: tuple[float, float],
    single_step: float,
) -> StackPlan:
    """Plan a regular volume from slices already sorted by their position along the normal.

    `ipps` is (n, 3) LPS mm, sorted; `single_step` is the slice step to use when n == 1.
    """
    u, v, n = normal_of(iop)
    rel = ipps - ipps[0]
    along = rel @ n
    shifts = np.stack([(rel @ v) / pixel_spacing[0], (rel @ u) / pixel_spacing[1]], axis=1)
    warnings: list[VolumeWarning] = []
    if len(ipps) == 1:
        return StackPlan(single_step, [Slot("acquired", 0)], 0.0, shifts, (single_step,) * 3, warnings)

    diffs = np.diff(along)
    stats = (float(diffs.min()), float(np.median(diffs)), float(diffs.max()))
    median = stats[1]
    if median <= 0:
        raise ValueError("slices share one position")

    inplane_mm = float(np.hypot(rel[-1] @ u, rel[-1] @ v))
    tilt = math.degrees(math.atan2(inplane_mm, along[-1]))
    plan = StackPlan(median, [], tilt, shifts, stats, warnings)
    if plan.tilt_corrected:
        warnings.append(VolumeWarning(Warn.GANTRY_TILT, deg=tilt))
    else:
        plan.shifts_px = np.zeros_like(shifts)

    tol = GRID_TOLERANCE * median + GRID_TOLERANCE_MM
    grid_count = along[-1] / median + 1
    if grid_count > MAX_GRID_SLICES:
        raise ValueError(f"slices span {along[-1]:.1f} mm at a {median:.3g} mm step: {grid_count:.0f} "
                         f"slices exceed the {MAX_GRID_SLICES} limit")
    steps = np.rint(along / median).astype(int)
    on_grid = bool(np.all(np.abs(along - steps * median) <= tol) and np.all(np.diff(steps) >= 1))
    if on_grid:
        # least-squares step through all slices, so the last slice lands where it was acquired
        step = float((steps @ along) / (steps @ steps))
        if np.all(np.abs(along - steps * step) <= tol):
            plan.step_mm = step
        slots = [Slot("gap")] * (int(steps[-1]) + 1)
        for i, s in enumerate(steps):
            slots[s] = Slot("acquired", i)
        plan.slots = slots
    else:
        step = median
        count = int(math.floor(along[-1] / step + GRID_TOLERANCE)) + 1
        slots = []
        for g in np.arange(count) * step:
            hi = int(np.searchsorted(along, g - tol, side="left"))
            hi = min(hi, len(along) - 1)
            if abs(along[hi] - g) <= tol:
                slots.append(Slot("acquired", hi))
                continue
            lo = hi - 1
            if along[hi] - along[lo] > GAP_FACTOR * median:
                slots.append(Slot("gap"))
            else:
                slots.append(Slot("interpolated", lo, hi, float((g - along[lo]) / (along[hi] - along[lo]))))
        plan.slots = slots
        n_interp = sum(s.kind == "interpolated" for s in slots)
        warnings.append(VolumeWarning(Warn.UNEVEN_SPACING, low=stats[0], high=stats[2], median=median, step=step,
                                      interpolated=n_interp, slices=len(slots)))

    origin_along = float(ipps[0] @ n)
    for a, b in zip(along[:-1], along[1:]):
        if b - a > GAP_FACTOR * median:
            missing = int(round((b - a) / plan.step_mm)) - 1
            warnings.append(VolumeWarning(Warn.MISSING_SLICES, gap=float(b - a), start=float(origin_along + a),
                                          end=float(origin_along + b), median=median, missing=missing))
    return plan


def _take(a: np.ndarray, offset: int, axis: int, fill: float) -> np.ndarray:
    """b[..j..] = a[..j + offset..] along axis, `fill` where that falls outside."""
    out = np.full(a.shape, fill, dtype=np.float32)
    size = a.shape[axis]
    lo, hi = max(0, -offset), min(size, size - offset)
    if lo < hi:
        dst = [slice(None)] * a.ndim
        src = [slice(None)] * a.ndim
        dst[axis] = slice(lo, hi)
        src[axis] = slice(lo + offset, hi + offset)
        out[tuple(dst)] = a[tuple(src)]
    return out


def shift_slice(img: np.ndarray, d_rows: float, d_cols: float, fill: float) -> np.ndarray:
    """out[j, i] = img[j - d_rows, i - d_cols] with linear interpolation; float32."""
    out = img.astype(np.float32, copy=False)
    for axis, shift in ((0, d_rows), (1, d_cols)):
        if abs(shift) < 1e-6:
            continue
        base = math.floor(-shift)
        w = -shift - base
        out = (1.0 - w) * _take(out, base, axis, fill) + w * _take(out, base + 1, axis, fill)
    return out
