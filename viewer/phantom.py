"""A synthetic chest phantom in HU with asymmetric orientation markers (demo and render tests).

Axial geometry (IOP 1,0,0,0,1,0), the volume centred on the LPS origin, slice k increasing
= z increasing (superior). With field half-widths X = columns*sx/2, Y = rows*sy/2 and the
body ellipse semi-axes a = 0.84 X (left-right) and b = 0.60 Y (anterior-posterior), the
contents are:

* air -1000 outside the body; body ellipse 40 HU (soft tissue), constant along z;
* two lungs -850 HU, centred at x = +-0.45 a, y = -0.05 b (semi-axes 0.3 a, 0.6 b);
* spine +700 HU, posterior: centre (0, +0.7 b), radius 0.15 b;
* heart +40 HU, slightly to the patient's left (+x) and anterior (-y): centre (0.15 a, -0.25 b);
* markers, +1000 HU:
  - "left_cube":      cube centred at (+0.85 a, 0, 0)   near the patient's LEFT body edge;
  - "anterior_sphere": sphere centred at (0, -0.8 b, 0) near the ANTERIOR body edge;
  - "superior_rod":   rod along z at (-0.4 a, +0.45 b) (posterior-right), only in the most
                      superior quarter of slices; its centre is the middle of that span.
For the default shape (64, 128, 128) and spacing (1.5, 1.5, 3.0): a = 80.64 mm, b = 57.6 mm,
so left_cube ~ (68.5, 0, 0), anterior_sphere ~ (0, -46.1, 0), superior_rod ~ (-32.3, 25.9, z)
with z in the top quarter. Exact values: `marker_centres(shape, spacing)` (also
`viewer.volume.phantom_markers`), which tests use instead of hard-coding.
"""
from __future__ import annotations

import uuid

import numpy as np

from viewer.volume import Identity, Volume
from viewer.volume_warnings import VolumeWarning, Warn

MARKER_HU = 1000
_UID_NAMESPACE = uuid.UUID("6f0f2d52-6d0b-4a59-9a55-7a0b5e1c0a01")


def _uid(label: str) -> str:
    """Deterministic UID under 2.25 (UUID-derived, PS3.5 B.2)."""
    return f"2.25.{uuid.uuid5(_UID_NAMESPACE, label).int}"


def _layout(shape: tuple[int, int, int], spacing: tuple[float, float, float]) -> dict[str, float]:
    nk, nj, ni = shape
    sx, sy, sz = spacing
    half_x, half_y = ni * sx / 2.0, nj * sy / 2.0
    return {
        "a": 0.84 * half_x, "b": 0.60 * half_y,
        "x0": -(ni - 1) * sx / 2.0, "y0": -(nj - 1) * sy / 2.0, "z0": -(nk - 1) * sz / 2.0,
        "marker": max(6.0, 1.5 * max(sx, sy)),   # half-size / radius, mm
        "rod_radius": max(4.0, 1.5 * max(sx, sy)),
        "rod_k0": int(np.ceil(0.75 * nk)),
    }


def marker_centres(shape: tuple[int, int, int] = (64, 128, 128),
                   spacing: tuple[float, float, float] = (1.5, 1.5, 3.0)) -> dict[str, tuple[float, float, float]]:
    """Marker centres in LPS mm for this shape and spacing."""
    g = _layout(shape, spacing)
    nk, sz = shape[0], spacing[2]
    k_mid = (g["rod_k0"] + nk - 1) / 2.0
    return {
        "left_cube": (0.85 * g["a"], 0.0, 0.0),
        "anterior_sphere": (0.0, -0.8 * g["b"], 0.0),
        "superior_rod": (-0.4 * g["a"], 0.45 * g["b"], g["z0"] + k_mid * sz),
    }


def make_phantom(shape: tuple[int, int, int] = (64, 128, 128),
                 spacing: tuple[float, float, float] = (1.5, 1.5, 3.0)) -> Volume:
    """Build the phantom volume (int16 HU), deterministic."""
    nk, nj, ni = shape
    sx, sy, sz = spacing
    g = _layout(shape, spacing)
    a, b = g["a"], g["b"]
    x = g["x0"] + np.arange(ni) * sx
    y = g["y0"] + np.arange(nj) * sy
    z = g["z0"] + np.arange(nk) * sz
    yy, xx = np.meshgrid(y, x, indexing="ij")

    def ellipse(cx: float, cy: float, rx: float, ry: float) -> np.ndarray:
        return ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2 <= 1.0

    plane = np.full((nj, ni), -1000, dtype=np.int16)
    plane[ellipse(0, 0, a, b)] = 40
    plane[ellipse(-0.45 * a, -0.05 * b, 0.3 * a, 0.6 * b)] = -850
    plane[ellipse(0.45 * a, -0.05 * b, 0.3 * a, 0.6 * b)] = -850
    plane[ellipse(0.15 * a, -0.25 * b, 0.25 * b, 0.25 * b)] = 40
    plane[ellipse(0, 0.7 * b, 0.15 * b, 0.15 * b)] = 700
    voxels = np.repeat(plane[None, :, :], nk, axis=0)

    centres = marker_centres(shape, spacing)
    zz = z[:, None, None]
    half = g["marker"]
    cx, cy, cz = centres["left_cube"]
    cube = (np.abs(xx - cx) <= half)[None] & (np.abs(yy - cy) <= half)[None] & (np.abs(zz - cz) <= half)
    voxels[cube] = MARKER_HU
    cx, cy, cz = centres["anterior_sphere"]
    sphere = ((xx - cx) ** 2 + (yy - cy) ** 2)[None] + (zz - cz) ** 2 <= half ** 2
    voxels[sphere] = MARKER_HU
    cx, cy, _ = centres["superior_rod"]
    rod_plane = (xx - cx) ** 2 + (yy - cy) ** 2 <= g["rod_radius"] ** 2
    voxels[g["rod_k0"]:, rod_plane] = MARKER_HU

    affine = np.eye(4)
    affine[0, 0], affine[1, 1], affine[2, 2] = sx, sy, sz
    affine[:3, 3] = (g["x0"], g["y0"], g["z0"])
    label = f"{shape}-{spacing}"
    identity = Identity(
        patient_name="PHANTOM^SYNTHETIC", patient_id="SYNTH-0001", birth_date="", sex="O",
        study_uid=_uid("study"), study_date="20240101", study_description="Synthetic chest phantom",
        accession="SYNTH-0001", series_uid=_uid(f"series {label}"), series_number="1",
        series_description="Synthetic chest phantom (axial)", modality="CT", institution="Yomi",
    )
    return Volume(
        voxels=np.ascontiguousarray(voxels), affine=affine, identity=identity,
        frame_of_reference_uid=_uid("frame of reference"),
        sop_instance_uids=[_uid(f"slice {label} {k}") for k in range(nk)],
        window_presets=[(40.0, 400.0, "soft tissue"), (-600.0, 1500.0, "lung")],
        warnings=[VolumeWarning(Warn.PHANTOM)], tilt_deg=0.0, key=identity.series_uid,
    )
