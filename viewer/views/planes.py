"""Plane geometry of the views, in patient coordinates (LPS, mm); no VTK, no Qt.

A view shows a plane through the volume. Its screen axes are patient directions:
`right` is where screen-right points in the patient, `up` where screen-up points.
The standard planes follow radiological convention:

- axial:    screen right = patient left (+x), screen up = anterior (-y)
- coronal:  screen right = patient left (+x), screen up = superior (+z)
- sagittal: screen right = posterior (+y), screen up = superior (+z)
  (the patient faces screen-left, as on film and in most reading stations)

Orientation labels are computed from these vectors (and so from the volume's affine once
the view maps them into voxel space), never assumed per plane name.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

PLANES = ("axial", "coronal", "sagittal")

_STANDARD = {
    "axial": ((1.0, 0.0, 0.0), (0.0, -1.0, 0.0)),
    "coronal": ((1.0, 0.0, 0.0), (0.0, 0.0, 1.0)),
    "sagittal": ((0.0, 1.0, 0.0), (0.0, 0.0, 1.0)),
}

# The patient coordinate (LPS index) that `--position` addresses for each plane.
POSITION_AXIS = {"axial": 2, "coronal": 1, "sagittal": 0}


@dataclass(frozen=True)
class PlaneAxes:
    """Orthonormal screen axes of a view in LPS: right, up, and normal = right x up."""

    right: np.ndarray
    up: np.ndarray
    normal: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Asked for a hundred times per draw; np.cross costs ~30 us a call.
        r, u = self.right, self.up
        object.__setattr__(self, "normal", np.array([r[1] * u[2] - r[2] * u[1], r[2] * u[0] - r[0] * u[2],
                                                     r[0] * u[1] - r[1] * u[0]], dtype=float))

    @classmethod
    def standard(cls, plane: str) -> "PlaneAxes":
        if plane not in _STANDARD:
            raise ValueError(f"unknown plane {plane!r}; expected one of {', '.join(PLANES)}")
        r, u = _STANDARD[plane]
        return cls(np.array(r, dtype=float), np.array(u, dtype=float))

    def rotated(self, axis: np.ndarray, angle_rad: float) -> "PlaneAxes":
        rot = rotation_matrix(axis, angle_rad)
        return PlaneAxes(orthonormal(rot @ self.right), orthonormal(rot @ self.up))

    def matrix(self) -> np.ndarray:
        """3x3 with columns right, up, normal."""
        return np.column_stack([self.right, self.up, self.normal])


def orthonormal(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    if n == 0.0:
        raise ValueError("zero-length direction")
    return np.asarray(v, dtype=float) / n


def rotation_matrix(axis: np.ndarray, angle_rad: float) -> np.ndarray:
    """Rodrigues' rotation about `axis` (right-handed)."""
    k = orthonormal(axis)
    kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + np.sin(angle_rad) * kx + (1 - np.cos(angle_rad)) * (kx @ kx)


_LETTERS = (("R", "L"), ("A", "P"), ("I", "S"))  # negative, positive along x, y, z (LPS)


def direction_label(v: np.ndarray, min_share: float = 0.2) -> str:
    """Orientation letters for an LPS direction, strongest component first.

    A component enters the label when it carries at least `min_share` of the vector's
    length, so an oblique direction reads e.g. 'LA' and an axis-aligned one a single letter.
    """
    v = orthonormal(np.asarray(v, dtype=float))
    order = np.argsort(-np.abs(v))
    letters = [_LETTERS[i][1 if v[i] > 0 else 0] for i in order if abs(v[i]) >= min_share]
    return "".join(letters)


def screen_labels(axes: PlaneAxes) -> dict[str, str]:
    """Labels for the four screen edges: which patient direction lies there."""
    return {
        "right": direction_label(axes.right),
        "left": direction_label(-axes.right),
        "top": direction_label(axes.up),
        "bottom": direction_label(-axes.up),
    }


def volume_corners(affine: np.ndarray, shape_kji: tuple[int, int, int]) -> np.ndarray:
    """The 8 corner voxel centres of a volume in LPS (8x3)."""
    nk, nj, ni = shape_kji
    pts = np.array(
        [[i, j, k, 1.0] for i in (0, ni - 1) for j in (0, nj - 1) for k in (0, nk - 1)]
    )
    return (affine @ pts.T).T[:, :3]


def step_along(normal: np.ndarray, affine: np.ndarray) -> float:
    """Natural scroll step (mm) along `normal`: one voxel of the axis it crosses fastest."""
    cols = affine[:3, :3]
    spacing = np.linalg.norm(cols, axis=0)
    dirs = cols / spacing
    rate = np.abs(dirs.T @ orthonormal(normal)) / spacing
    return float(1.0 / rate.max())
