"""CT volumes from DICOM: split series, sort, spacing, gantry tilt, rescale to HU (no Qt, no VTK).

The flow: `scan_paths` (files, header only) or `group_datasets` (network) -> `SeriesGroup`
per series -> `SeriesGroup.info()` (geometry summary, no pixels) or `build_volume` (voxels).

Decisions, made for the reader's safety (a measurement must never be taken on invented
data without the reader knowing):

* Series are split by Series Instance UID, then by orientation (IOP rounded to 1e-3),
  rows/columns, pixel spacing, convolution kernel and image type. Two series are never
  merged because their slice positions coincide (the two lung reconstructions of
  shared/data/ct/lung-dx-a0001 stay two volumes). A split group's key is the series UID
  plus "#n".
* Slices are sorted by the projection of Image Position (Patient) on the slice normal
  cross(row direction, column direction); Instance Number only breaks ties. Slice index k
  therefore grows along the normal (for axial IOP 1,0,0,0,1,0: towards superior).
* Duplicate positions in one group (same position, different SOP instance): the group is
  split by Acquisition Number when that separates them; otherwise the duplicates are kept
  apart as further groups ("#n"), never merged and never silently dropped. The same SOP
  instance received twice is read once.
* Slice spacing comes from the positions, never from Slice Thickness.
  - Positions on a regular grid (within 2 % of a step): kept exactly as acquired.
  - Missing slices (a gap > 1.5x the median step): blank slices filled with FILL_HU
    (CT, -3024 HU: below air, shown black) or 0 (other modalities) are inserted so the
    affine stays true; they are never interpolated, `slice_kinds[k] == "gap"`,
    `sop_instance_uids[k] == ""`, `hu_at` refuses them, and a warning
    "missing slices: gap of X mm ..." names the gap.
  - Uneven spacing not on a grid: resampled onto a regular grid at the median step, each
    new slice linearly interpolated between its two acquired neighbours (never across a
    gap); acquired slices that fall on the grid are kept exact. `slice_kinds` says which
    slices are "interpolated", and a warning says how many.
  The affine is thus always true: a distance measured on the volume is a distance in the
  patient; the warnings and `slice_kinds` tell the reader where the data are not acquired.
* Gantry tilt (the slice step not parallel to the normal): each slice is shifted in its
  own plane by its offset from the first slice (linear interpolation, FILL outside the
  field) onto an orthogonal grid; warning "gantry tilt X° corrected by resampling".
* Values: Rescale Slope/Intercept per frame -> HU (or the modality's unit,
  `value_unit`); int16 when slopes/intercepts are integers and the values fit, else
  float32.
* A single slice is a one-slice volume; its slice spacing comes from Spacing Between
  Slices, else Slice Thickness, else 1.0 mm, with a warning saying which.
* No Pixel Spacing: 1.0 is used, `measurable` is False and a warning says distances are in
  pixels, not mm. Imager Pixel Spacing (projection radiographs) is used with a warning that
  it is at the detector. No Image Orientation/Position: identity axes, `oriented` is False,
  and a warning says orientation labels are unknown.
* Transfer syntaxes without an installed decoder (retired JPEG processes 6/8, 10/12)
  raise `UnsupportedTransferSyntax` naming the file and syntax, before any decoding.
* Bounds (`DecodeLimits`, default 512 MiB per file, 2 GiB per volume): a file whose
  deflated dataset or declared pixel data exceeds the file cap is a `FileProblem`
  ("too large: ..."), never read; a series whose voxels (as allocated: grid slices x rows x
  columns x 2 or 4 bytes) exceed the series cap raises `VolumeTooLarge` before decoding.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from pydicom.dataset import Dataset

from common.dicom_bounds import DecodeLimits, TooLarge
from common.slice_position import slice_position
from viewer.dicom_files import (
    DEFAULT_LIMITS,
    FileProblem,
    FrameHeader,
    Identity,
    UnsupportedTransferSyntax,
    VolumeCancelled,
    VolumeError,
    VolumeTooLarge,
    check_decodable,
    dataset_headers,
    decode_frames,
    iter_files,
    read_file_headers,
)
from viewer.geometry import StackPlan, Slot, normal_of, plan_stack, shift_slice
from viewer.sampling import NoVoxelData
from viewer.volume_warnings import VolumeWarning, Warn

__all__ = [
    "DecodeLimits", "FILL_HU", "FileProblem", "Identity", "SeriesGroup", "SeriesInfo", "UnsupportedTransferSyntax",
    "Volume", "VolumeCancelled", "VolumeError", "VolumeTooLarge", "build_volume", "group_datasets", "group_frames",
    "headers_of", "load_volume",
    "phantom_markers", "scan_paths", "synthetic_phantom",
]

log = logging.getLogger(__name__)

FILL_HU = -3024          # blank CT voxels (gaps, outside the field after tilt correction)
FILL_OTHER = 0.0
INT16_MIN, INT16_MAX = -32768, 32767

Progress = Callable[[int, int], "bool | None"]


@dataclass
class SeriesInfo:
    """Geometry summary of one series, as `yomi inspect --json` prints it."""

    series_uid: str
    description: str
    modality: str
    rows: int
    columns: int
    slices: int
    pixel_spacing: tuple[float, float]
    slice_spacing: tuple[float, float, float]
    orientation: tuple[float, ...]
    tilt_deg: float
    warnings: list[str]      # VolumeWarning, or an error's own text (a series that cannot be read here)
    key: str = ""
    identity: Identity | None = None
    grid_slices: int = 0     # slices of the built volume (acquired + interpolated + gap fillers)


@dataclass
class _Layout:
    """A group's frames in volume order plus the plan that makes them a regular grid."""

    frames: list[FrameHeader]
    plan: StackPlan
    iop: tuple[float, ...]
    pixel_spacing: tuple[float, float]
    warnings: list[VolumeWarning]
    measurable: bool
    oriented: bool


@dataclass
class SeriesGroup:
    """Headers of one series (after splitting), not yet voxels."""

    key: str
    identity: Identity
    sources: list
    frames: list[FrameHeader] = field(default_factory=list, repr=False)
    split_by: str = ""

    def info(self) -> SeriesInfo:
        layout = _layout(self)
        first = layout.frames[0]
        warnings = list(layout.warnings)
        for fr in layout.frames:
            try:
                check_decodable(fr)
            except UnsupportedTransferSyntax as exc:
                warnings.append(str(exc))
                break
        try:
            _check_volume_size(self.key, layout, DEFAULT_LIMITS)
        except VolumeTooLarge as exc:
            warnings.append(str(exc))
        return SeriesInfo(
            series_uid=self.identity.series_uid or first.series_uid,
            description=self.identity.series_description,
            modality=self.identity.modality,
            rows=first.rows,
            columns=first.columns,
            slices=len(layout.frames),
            pixel_spacing=layout.pixel_spacing,
            slice_spacing=layout.plan.spacing_stats,
            orientation=tuple(layout.iop) if layout.oriented else (),
            tilt_deg=round(layout.plan.tilt_deg, 3),
            warnings=warnings,
            key=self.key,
            identity=self.identity,
            grid_slices=len(layout.plan.slots),
        )


@dataclass
class Volume:
    """Voxels (k, j, i) in HU plus a true LPS affine; see the module docstring for the rules."""

    voxels: np.ndarray
    affine: np.ndarray
    identity: Identity
    frame_of_reference_uid: str
    sop_instance_uids: list[str]
    window_presets: list[tuple[float, float, str]]
    warnings: list[VolumeWarning]   # each its English text, with a code (viewer.volume_warnings)
    tilt_deg: float
    slice_kinds: list[str] = field(default_factory=list)   # per k: acquired | interpolated | gap
    value_unit: str = "HU"
    measurable: bool = True        # False: no pixel spacing, distances are in pixels
    oriented: bool = True          # False: no patient orientation, no L/R/A/P/S/I labels
    key: str = ""

    def __post_init__(self) -> None:
        if self.voxels.ndim != 3:
            raise VolumeError(f"volume {self.key or self.identity.series_uid}: voxels must be 3-D")
        if self.affine.shape != (4, 4):
            raise VolumeError(f"volume {self.key or self.identity.series_uid}: affine must be 4x4")
        if not self.slice_kinds:
            self.slice_kinds = ["acquired"] * self.voxels.shape[0]
        if len(self.sop_instance_uids) != self.voxels.shape[0] or len(self.slice_kinds) != self.voxels.shape[0]:
            raise VolumeError(f"volume {self.key or self.identity.series_uid}: per-slice lists do not match")

    @property
    def spacing(self) -> tuple[float, float, float]:
        norms = np.linalg.norm(self.affine[:3, :3], axis=0)
        return (float(norms[0]), float(norms[1]), float(norms[2]))

    @property
    def shape(self) -> tuple[int, int, int]:
        k, j, i = self.voxels.shape
        return (int(k), int(j), int(i))

    def index_to_lps(self, ijk: Any) -> np.ndarray:
        """(i, j, k) voxel index (column, row, slice; fractional allowed) -> LPS mm. Accepts (..., 3)."""
        ijk = np.asarray(ijk, dtype=float)
        return ijk @ self.affine[:3, :3].T + self.affine[:3, 3]

    def lps_to_index(self, xyz: Any) -> np.ndarray:
        """LPS mm -> fractional (i, j, k). Accepts (..., 3)."""
        xyz = np.asarray(xyz, dtype=float)
        return (xyz - self.affine[:3, 3]) @ np.linalg.inv(self.affine[:3, :3]).T

    @cached_property
    def min_value(self) -> float:
        """The lowest stored value (the views' background). A full pass over the voxels:
        the loader computes it on its own thread, so the GUI thread only reads it."""
        return float(np.min(self.voxels)) if self.voxels.size else -1024.0

    def contains(self, ijk: Any) -> np.ndarray:
        """Which (..., 3) fractional (i, j, k) have their nearest voxel inside the volume."""
        idx = np.rint(np.asarray(ijk, dtype=float)).astype(np.int64)
        nk, nj, ni = self.voxels.shape
        return np.all((idx >= 0) & (idx < np.array([ni, nj, nk])), axis=-1)

    def values_at(self, ijk: Any) -> np.ndarray:
        """Stored values of the voxels nearest to (..., 3) fractional (i, j, k): the one sampling rule.

        Refuses the whole request (`NoVoxelData`) if any point's nearest voxel lies on a slice
        that was not acquired (gap filler or interpolated) or outside the volume, so that no
        statistic ever mixes invented values with measured ones.
        """
        name = self.key or self.identity.series_uid
        idx = np.rint(np.asarray(ijk, dtype=float)).astype(np.int64)
        if idx.shape[-1:] != (3,):
            raise ValueError("values_at expects (..., 3) voxel indices (i, j, k)")
        flat = idx.reshape(-1, 3)
        nk, nj, ni = self.voxels.shape
        ks = flat[:, 2]
        on_stack = np.unique(ks[(ks >= 0) & (ks < nk)])
        # the slice reason first: "slice 12 is a gap filler" says more than "outside"
        for k in on_stack:
            if self.slice_kinds[k] != "acquired":
                raise NoVoxelData.for_slice(self.slice_kinds[k], int(k), name)
        if not self.contains(flat).all():
            raise NoVoxelData.outside(name)
        return self.voxels[flat[:, 2], flat[:, 1], flat[:, 0]].reshape(idx.shape[:-1])

    def hu_at(self, ijk: Any) -> float:
        """Value of the voxel nearest to (i, j, k); `NoVoxelData` outside or on a slice not acquired."""
        return float(self.values_at(np.asarray(ijk, dtype=float).reshape(1, 3))[0])


# ---------------------------------------------------------------- grouping

def _split_key(fr: FrameHeader) -> tuple:
    iop = tuple(round(c, 3) + 0.0 for c in fr.iop) if fr.iop else None
    ps = tuple(round(c, 4) for c in fr.pixel_spacing) if fr.pixel_spacing else None
    return (iop, fr.rows, fr.columns, ps, fr.kernel, tuple(fr.image_type[:3]))


def _describe(key: tuple) -> str:
    iop, rows, cols, ps, kernel, itype = key
    parts = []
    if itype:
        parts.append("/".join(itype))
    if kernel:
        parts.append(f"kernel {kernel}")
    parts.append(f"{rows}x{cols}")
    parts.append("IOP " + (",".join(f"{c:g}" for c in iop) if iop else "none"))
    return ", ".join(parts)


def _position(fr: FrameHeader) -> float:
    # the same number retrieval orders slices by (common.slice_position)
    return slice_position(fr.ipp, fr.iop)  # type: ignore[arg-type]


def _stacks(frames: list[FrameHeader]) -> list[tuple[list[FrameHeader], str]]:
    """One group's frames as stacks with unique positions (see module docstring)."""
    if frames[0].iop is None:
        # no geometry: every image stands alone (e.g. the projections of a CR series)
        return [([fr], "image without patient position") for fr in frames]
    by_pos: dict[float, list[FrameHeader]] = defaultdict(list)
    for fr in frames:
        by_pos[round(_position(fr), 2)].append(fr)
    if all(len(v) == 1 for v in by_pos.values()):
        return [(frames, "")]
    acq = defaultdict(list)
    for fr in frames:
        acq[fr.acquisition_number].append(fr)
    if len(acq) > 1 and all(
        len({round(_position(f), 2) for f in group}) == len(group) for group in acq.values()
    ):
        return [(g, f"acquisition {a}") for a, g in sorted(acq.items())]
    layers: list[list[FrameHeader]] = []
    for pos in sorted(by_pos):
        for depth, fr in enumerate(sorted(by_pos[pos], key=lambda f: (f.instance_number, f.sop_uid))):
            if depth == len(layers):
                layers.append([])
            layers[depth].append(fr)
    return [(layer, f"duplicate positions, copy {n + 1}") for n, layer in enumerate(layers)]


def _group(frames: Iterable[FrameHeader]) -> list[SeriesGroup]:
    seen_sop: set[tuple[str, int | None]] = set()
    by_series: dict[str, dict[tuple, list[FrameHeader]]] = defaultdict(lambda: defaultdict(list))
    for fr in frames:
        ident = (fr.sop_uid, fr.frame)
        if fr.sop_uid and ident in seen_sop:
            log.info("SOP instance %s received twice; read once", fr.sop_uid)
            continue
        seen_sop.add(ident)
        by_series[fr.series_uid][_split_key(fr)].append(fr)
    groups: list[SeriesGroup] = []
    for uid, parts in by_series.items():
        stacks: list[tuple[list[FrameHeader], str]] = []
        for key, fr_list in parts.items():
            for stack, why in _stacks(fr_list):
                stacks.append((stack, "; ".join(p for p in (_describe(key) if len(parts) > 1 else "", why) if p)))
        stacks.sort(key=lambda s: (-len(s[0]), min(f.instance_number for f in s[0])))
        for n, (stack, why) in enumerate(stacks):
            key = uid if len(stacks) == 1 else f"{uid}#{n + 1}"
            sources: list = []
            for fr in stack:
                if not any(fr.source is s for s in sources):
                    sources.append(fr.source)
            groups.append(SeriesGroup(key=key, identity=stack[0].identity, sources=sources,
                                      frames=stack, split_by=why))
    groups.sort(key=lambda g: (g.identity.study_uid, g.identity.series_number.zfill(8), g.key))
    return groups


def scan_paths(paths: Iterable[Path | str],
               limits: DecodeLimits = DEFAULT_LIMITS) -> tuple[list[SeriesGroup], list[FileProblem]]:
    """Series under files/folders (recursed), reading headers only; unusable files with reasons."""
    frames: list[FrameHeader] = []
    problems: list[FileProblem] = []
    for path in iter_files(paths):
        got, problem = read_file_headers(path, limits)
        if problem is not None:
            log.info("skipped %s: %s", path.name, problem.reason)
            problems.append(problem)
        frames.extend(got)
    return _group(frames), problems


def group_datasets(datasets: Iterable[Dataset],
                   limits: DecodeLimits = DEFAULT_LIMITS) -> tuple[list[SeriesGroup], list[FileProblem]]:
    """Series from datasets already in memory (e.g. WADO-RS), pixel data included."""
    frames: list[FrameHeader] = []
    problems: list[FileProblem] = []
    for ds in datasets:
        got, problem = headers_of(ds, limits)
        if problem is not None:
            problems.append(problem)
        frames.extend(got)
    return _group(frames), problems


def headers_of(ds: Dataset, limits: DecodeLimits = DEFAULT_LIMITS) -> tuple[list[FrameHeader], FileProblem | None]:
    """The frame headers of one dataset received over the network, or why it is left out:
    read once per dataset as it arrives, then grouped as often as needed (`group_frames`)."""
    return dataset_headers(ds, limits)


def group_frames(frames: Iterable[FrameHeader]) -> list[SeriesGroup]:
    """Series from frame headers already read (`headers_of`): what `group_datasets` does
    after reading them, without reading them again."""
    return _group(frames)


# ---------------------------------------------------------------- layout and build

def _layout(group: SeriesGroup) -> _Layout:
    if not group.frames:
        raise VolumeError(f"series {group.key}: no image frames")
    first = group.frames[0]
    warnings: list[str] = []
    oriented = first.iop is not None
    if oriented:
        frames = sorted(group.frames, key=lambda f: (_position(f), f.instance_number))
        iop = first.iop
        ipps = np.array([f.ipp for f in frames], dtype=float)
    else:
        frames = list(group.frames)
        iop = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)
        ipps = np.zeros((len(frames), 3))
        warnings.append(VolumeWarning(Warn.NO_ORIENTATION))
    measurable = first.pixel_spacing is not None
    if measurable:
        pixel_spacing = first.pixel_spacing
        if first.spacing_source == "ImagerPixelSpacing":
            warnings.append(VolumeWarning(Warn.IMAGER_PIXEL_SPACING))
    else:
        pixel_spacing = (1.0, 1.0)
        warnings.append(VolumeWarning(Warn.NO_PIXEL_SPACING))
    single_step, why = 1.0, Warn.SINGLE_SLICE_DEFAULT
    if len(frames) == 1:
        if first.spacing_between_slices and first.spacing_between_slices > 0:
            single_step, why = first.spacing_between_slices, Warn.SINGLE_SLICE_SPACING_BETWEEN
        elif first.slice_thickness and first.slice_thickness > 0:
            single_step, why = first.slice_thickness, Warn.SINGLE_SLICE_THICKNESS
        warnings.append(VolumeWarning(why, mm=single_step))
    try:
        plan = plan_stack(ipps, iop, pixel_spacing, single_step)  # type: ignore[arg-type]
    except ValueError as exc:
        raise VolumeError(f"series {group.key}: {exc}") from None
    warnings.extend(plan.warnings)
    return _Layout(frames, plan, iop, pixel_spacing, warnings, measurable, oriented)  # type: ignore[arg-type]


def _value_unit(frames: list[FrameHeader]) -> str:
    modality = frames[0].identity.modality
    rtype = frames[0].rescale_type
    if rtype and rtype != "HU":
        return rtype
    if modality == "CT" and (rtype == "HU" or not rtype):
        return "HU"
    return rtype or "stored value"


def unit_warnings(frames: list[FrameHeader], unit: str) -> list[VolumeWarning]:
    """A CT whose values are not HU says so (the built and the filled volume alike)."""
    if unit != "HU" and frames[0].identity.modality == "CT":
        return [VolumeWarning(Warn.NOT_HOUNSFIELD, unit=unit)]
    return []


def is_integral(frames: list[FrameHeader]) -> bool:
    """Whether every frame's rescale keeps integers (then the volume is int16 if values fit)."""
    return all(float(f.slope).is_integer() and float(f.intercept).is_integer() for f in frames)


def rescale_into(out: np.ndarray, fr: FrameHeader, stored: np.ndarray) -> bool:
    """Write the frame's values (slope/intercept applied) into `out`, one slice of a volume;
    False, with nothing written, when `out` is int16 and the values do not fit it."""
    if out.dtype == np.int16:
        values = stored.astype(np.int32)
        if fr.slope != 1:
            values *= int(fr.slope)
        values += int(fr.intercept)
        if values.min(initial=0) < INT16_MIN or values.max(initial=0) > INT16_MAX:
            return False
        out[...] = values
    else:
        out[...] = stored.astype(np.float32) * np.float32(fr.slope) + np.float32(fr.intercept)
    return True


def _stack_values(frames: list[FrameHeader], progress: Progress | None, key: str) -> np.ndarray:
    """Decode and rescale every frame into one (n, rows, cols) array, int16 when it fits."""
    total = len(frames)
    rows, cols = frames[0].rows, frames[0].columns
    integral = is_integral(frames)
    out = np.empty((total, rows, cols), dtype=np.int16 if integral else np.float32)
    for done, (fr, stored) in enumerate(decode_frames(frames), start=1):
        if not rescale_into(out[done - 1], fr, stored):
            log.info("series %s: values exceed int16, using float32", key)
            out = out.astype(np.float32)
            rescale_into(out[done - 1], fr, stored)
        if progress is not None and progress(done, total) is False:
            raise VolumeCancelled(f"series {key}: cancelled after {done} of {total} slices")
    return out


def _check_volume_size(key: str, layout: _Layout, limits: DecodeLimits) -> None:
    """VolumeTooLarge if the arrays build_volume allocates would pass the series cap."""
    frames = layout.frames
    itemsize = 2 if is_integral(frames) else 4
    slices = max(len(frames), len(layout.plan.slots))
    size = slices * frames[0].rows * frames[0].columns * itemsize
    if size > limits.max_series_bytes:
        what = f"series {key}: a volume of {slices}x{frames[0].rows}x{frames[0].columns}"
        raise VolumeTooLarge(str(TooLarge(what, size, limits.max_series_bytes)))


def build_volume(group: SeriesGroup, progress: Progress | None = None,
                 limits: DecodeLimits = DEFAULT_LIMITS) -> Volume:
    """Decode a group's pixels into a regular volume; `progress(done, total)` -> False cancels."""
    layout = _layout(group)
    frames, plan = layout.frames, layout.plan
    if len({(f.rows, f.columns) for f in frames}) != 1:
        raise VolumeError(f"series {group.key}: slices of different sizes")
    _check_volume_size(group.key, layout, limits)
    for fr in frames:
        check_decodable(fr)
    stack = _stack_values(frames, progress, group.key)
    unit = _value_unit(frames)
    fill = FILL_HU if unit == "HU" else FILL_OTHER
    layout.warnings.extend(unit_warnings(frames, unit))

    if plan.tilt_corrected:
        for idx, (d_rows, d_cols) in enumerate(plan.shifts_px):
            shifted = shift_slice(stack[idx], float(d_rows), float(d_cols), fill)
            stack[idx] = np.rint(shifted) if stack.dtype == np.int16 else shifted

    trivial = len(plan.slots) == len(frames) and all(
        s.kind == "acquired" and s.first == k for k, s in enumerate(plan.slots))
    if trivial:
        voxels = stack
    else:
        voxels = np.empty((len(plan.slots),) + stack.shape[1:], dtype=stack.dtype)
        for k, slot in enumerate(plan.slots):
            voxels[k] = _slot_pixels(slot, stack, fill)
    voxels = np.ascontiguousarray(voxels)

    affine = _affine(layout)
    sop_uids = [frames[s.first].sop_uid if s.kind == "acquired" else "" for s in plan.slots]
    first = frames[0]
    vol = Volume(
        voxels=voxels, affine=affine, identity=group.identity,
        frame_of_reference_uid=first.frame_of_reference_uid,
        sop_instance_uids=sop_uids, window_presets=list(first.windows),
        warnings=layout.warnings, tilt_deg=float(plan.tilt_deg),
        slice_kinds=[s.kind for s in plan.slots], value_unit=unit,
        measurable=layout.measurable, oriented=layout.oriented, key=group.key,
    )
    log.info("series %s: volume %s %s, spacing %s", group.key, vol.shape, voxels.dtype,
             tuple(round(s, 3) for s in vol.spacing))
    return vol


def _affine(layout: _Layout) -> np.ndarray:
    u, v, n = normal_of(layout.iop)
    affine = np.eye(4)
    affine[:3, 0] = u * layout.pixel_spacing[1]
    affine[:3, 1] = v * layout.pixel_spacing[0]
    affine[:3, 2] = n * layout.plan.step_mm
    affine[:3, 3] = layout.frames[0].ipp if layout.oriented else (0.0, 0.0, 0.0)
    return affine


def _slot_pixels(slot: Slot, stack: np.ndarray, fill: float) -> np.ndarray:
    if slot.kind == "acquired":
        return stack[slot.first]
    if slot.kind == "gap":
        return np.full(stack.shape[1:], fill, dtype=stack.dtype)
    mixed = (1.0 - slot.weight) * stack[slot.first].astype(np.float32) + slot.weight * stack[slot.second]
    return np.rint(mixed) if stack.dtype == np.int16 else mixed


def load_volume(path: Path | str, series_uid: str | None = None,
                progress: Progress | None = None, limits: DecodeLimits = DEFAULT_LIMITS) -> Volume:
    """Scan a file or folder, pick a series (by UID or key; default the most slices), build it."""
    groups, problems = scan_paths([path], limits)
    if not groups:
        reason = problems[0].reason if len(problems) == 1 else f"{len(problems)} files unusable"
        raise VolumeError(f"{path}: no image series found ({reason})")
    if series_uid is not None:
        chosen = [g for g in groups if g.key == series_uid] or [
            g for g in groups if g.identity.series_uid == series_uid]
        if not chosen:
            raise VolumeError(f"{path}: no series {series_uid}")
        group = chosen[0]
    else:
        group = max(groups, key=lambda g: len(g.frames))
    return build_volume(group, progress, limits)


def synthetic_phantom(shape: tuple[int, int, int] = (64, 128, 128),
                      spacing: tuple[float, float, float] = (1.5, 1.5, 3.0)) -> Volume:
    """A chest-like HU phantom with orientation markers; see `viewer.phantom`."""
    from viewer.phantom import make_phantom

    return make_phantom(shape, spacing)


def phantom_markers(shape: tuple[int, int, int] = (64, 128, 128),
                    spacing: tuple[float, float, float] = (1.5, 1.5, 3.0)) -> dict[str, tuple[float, float, float]]:
    """Centres (LPS mm) of the phantom's orientation markers for that shape and spacing."""
    from viewer.phantom import marker_centres

    return marker_centres(shape, spacing)
