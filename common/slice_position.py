"""Where a slice lies along its stack: the projection of its position on the slice normal.

Image Orientation (Patient) gives the row and column directions of a slice; their cross
product is the slice normal, and Image Position (Patient) projected on it (mm, LPS) orders
the slices of a stack. Both the retrieval order (nearest slices first) and the volume
assembly sort by this number, so both must compute it the same way: once, here.
The position grows along the normal (for axial IOP 1,0,0,0,1,0: towards superior).
"""
from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["slice_normal", "slice_position"]


def _unit(v: Sequence[float], what: str) -> tuple[float, float, float]:
    x, y, z = (float(c) for c in v)
    norm = math.sqrt(x * x + y * y + z * z)
    if not math.isfinite(norm) or norm == 0.0:
        raise ValueError(f"{what} is not a direction")
    return x / norm, y / norm, z / norm


def slice_normal(iop: Sequence[float]) -> tuple[float, float, float]:
    """Unit normal of a slice from its 6 direction cosines (row direction x column direction).

    Raises ValueError when `iop` does not hold two non-parallel directions.
    """
    if len(iop) != 6:
        raise ValueError(f"Image Orientation (Patient) needs 6 values, not {len(iop)}")
    r = _unit(iop[:3], "the row direction")
    c = _unit(iop[3:], "the column direction")
    n = (r[1] * c[2] - r[2] * c[1], r[2] * c[0] - r[0] * c[2], r[0] * c[1] - r[1] * c[0])
    return _unit(n, "the slice normal (row and column directions are parallel)")


def slice_position(ipp: Sequence[float], iop: Sequence[float]) -> float:
    """Position (mm) of a slice along its normal; raises ValueError on unusable geometry."""
    if len(ipp) != 3:
        raise ValueError(f"Image Position (Patient) needs 3 values, not {len(ipp)}")
    n = slice_normal(iop)
    return sum(float(p) * c for p, c in zip(ipp, n))
