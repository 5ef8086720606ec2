"""A volume laid out from the series metadata before its pixels arrive, filled in place.

Over DICOMweb the series metadata (one request) give every instance's geometry, so the
volume can be allocated once, at its final size, and each slice written into it as its
instance arrives: the views show the one array as it fills, and nothing is rebuilt. Each
arriving instance's own header is checked against what the metadata promised (position,
orientation, size, spacing, rescale); a difference abandons the fill (`FillAbandoned`) and
the caller builds the volume from the instances' own headers instead, as for a series the
fill cannot take (tilted, unevenly spaced: those need all slices to resample).

Slices not yet arrived are `slice_kinds[k] == "pending"`, hold the blank fill value and
have no SOP Instance UID, so `Volume.values_at` refuses them as it refuses gap fillers.
A slice becomes "acquired" only after its values are written. Compressed frames are decoded
in a `DecodePool` when one is given (every core); `wait()` then waits for the last.
"""
from __future__ import annotations

import concurrent.futures as cf
import copy
import logging
import math
import threading

import numpy as np

from pydicom.dataset import Dataset, FileMetaDataset

from viewer.decode_pool import DecodePool, is_compressed
from viewer.dicom_files import DEFAULT_LIMITS, DecodeLimits, FrameHeader, VolumeError, check_decodable, decode_frames
from viewer.volume import (FILL_HU, FILL_OTHER, SeriesGroup, Volume, _affine, _check_volume_size, _layout,
                           _value_unit, is_integral, rescale_into, unit_warnings)

__all__ = ["FillAbandoned", "NotFillable", "VolumeFill"]

log = logging.getLogger(__name__)

PENDING = "pending"
_POSITION_MM = 0.01     # an instance's position may differ from its metadata by rounding only
_COSINE = 1e-4


class NotFillable(VolumeError):
    """The series cannot be filled in place (it needs all its slices to be resampled)."""


class FillAbandoned(VolumeError):
    """An arriving instance is not what the metadata said: the volume must be built from
    the instances themselves."""


class VolumeFill:
    """The volume of one planned series group (headers from metadata), filled slice by slice."""

    def __init__(self, group: SeriesGroup, limits: DecodeLimits = DEFAULT_LIMITS,
                 pool: DecodePool | None = None) -> None:
        layout = _layout(group)
        frames, plan = layout.frames, layout.plan
        if len({(f.rows, f.columns) for f in frames}) != 1:
            raise NotFillable(f"series {group.key}: slices of different sizes")
        if plan.tilt_corrected or any(s.kind == "interpolated" for s in plan.slots):
            raise NotFillable(f"series {group.key}: resampled (tilt or uneven spacing)")
        _check_volume_size(group.key, layout, limits)
        self.key = group.key
        self._planned: dict[tuple[str, int | None], tuple[int, FrameHeader]] = {}
        for k, slot in enumerate(plan.slots):
            if slot.kind == "acquired":
                fr = frames[slot.first]
                self._planned[(fr.sop_uid, fr.frame)] = (k, fr)
        unit = _value_unit(frames)
        self.fill_value = FILL_HU if unit == "HU" else FILL_OTHER
        rows, cols = frames[0].rows, frames[0].columns
        voxels = np.empty((len(plan.slots), rows, cols), dtype=np.int16 if is_integral(frames) else np.float32)
        for k in range(voxels.shape[0]):  # slice by slice: other threads get the interpreter in between
            voxels[k] = self.fill_value
        warnings = [*layout.warnings, *unit_warnings(frames, unit)]
        first = frames[0]
        self.volume = Volume(
            voxels=voxels, affine=_affine(layout), identity=group.identity,
            frame_of_reference_uid=first.frame_of_reference_uid,
            sop_instance_uids=[""] * len(plan.slots), window_presets=list(first.windows),
            warnings=warnings, tilt_deg=float(plan.tilt_deg),
            slice_kinds=[PENDING if s.kind == "acquired" else s.kind for s in plan.slots], value_unit=unit,
            measurable=layout.measurable, oriented=layout.oriented, key=group.key,
        )
        self._lowest = math.inf
        self.volume.min_value = self.fill_value  # the views' background while slices are missing
        self.filled = 0
        self._pool = pool
        self._lock = threading.Lock()
        # Notified as each decoded frame is written. A future is done before its frame is
        # written (its callbacks run after), so waiting on the futures themselves spun.
        self._written = threading.Condition(self._lock)
        self._decoding: set[cf.Future] = set()
        self._failure: Exception | None = None
        self._queued: set[int] = set()   # slices sent to the decode pool

    @property
    def planned_frames(self) -> set[tuple[str, int | None]]:
        return set(self._planned)

    @property
    def complete(self) -> bool:
        return self.filled == len(self._planned)

    def put(self, frames: list[FrameHeader]) -> bool:
        """Write the frames of one arrived instance; False if they are not of this series.

        Raises FillAbandoned when the instance differs from its metadata, UnsupportedTransferSyntax
        or VolumeError when its pixels cannot be decoded (as `build_volume` would)."""
        mine = [(self._planned[(fr.sop_uid, fr.frame)], fr) for fr in frames if (fr.sop_uid, fr.frame) in self._planned]
        if not mine:
            return False
        self._raise_failure()
        for (k, planned), fr in mine:
            if self.volume.slice_kinds[k] != PENDING or k in self._queued:
                continue  # the same instance twice: read once
            why = _differs(planned, fr)
            if why:
                raise FillAbandoned(f"series {self.key}: instance {fr.sop_uid} {why} than its metadata said")
            check_decodable(fr)
            if self._pool is not None and isinstance(fr.source, Dataset) and is_compressed(fr.transfer_syntax):
                self._decode_elsewhere(k, fr)
            else:
                for _, stored in decode_frames([fr]):
                    self._write(k, fr, stored)
        return True

    def decode_in(self, pool: DecodePool) -> None:
        """Decode the compressed frames still to come in `pool`."""
        self._pool = pool

    def wait(self) -> None:
        """Until every frame sent to the decode pool is written; raises what decoding raised."""
        with self._written:
            while self._decoding:
                self._written.wait()
        self._raise_failure()

    def _decode_elsewhere(self, k: int, fr: FrameHeader) -> None:
        # A bounded queue: retrieval waits for the decoders rather than piling up datasets.
        with self._written:
            while len(self._decoding) >= 2 * self._pool.workers and self._failure is None:
                self._written.wait()
        self._raise_failure()
        self._queued.add(k)
        future = self._pool.submit(_pixels_only(fr.source), fr.frame)
        with self._lock:
            self._decoding.add(future)
        future.add_done_callback(lambda f, k=k, fr=fr: self._decoded(f, k, fr))

    def _decoded(self, future: cf.Future, k: int, fr: FrameHeader) -> None:
        try:
            stored = future.result()
            if stored.shape != (fr.rows, fr.columns):
                raise VolumeError(f"{fr.name}: decoded frame is {stored.shape}, header says {fr.rows}x{fr.columns}")
            self._write(k, fr, stored)
        except FillAbandoned as exc:
            self._failure = self._failure or exc
        except cf.CancelledError:
            pass
        except Exception as exc:  # as decode_frames words it: the file and the syntax
            self._failure = self._failure or VolumeError(
                f"{fr.name}: cannot decode pixel data ({fr.transfer_syntax}): {type(exc).__name__}: "
                f"{str(exc).splitlines()[0][:160] if str(exc) else ''}")
        finally:
            with self._written:
                self._decoding.discard(future)
                self._written.notify_all()

    def _write(self, k: int, fr: FrameHeader, stored: np.ndarray) -> None:
        vox = self.volume.voxels
        if not rescale_into(vox[k], fr, stored):
            raise FillAbandoned(f"series {self.key}: values of instance {fr.sop_uid} exceed int16")
        lowest = float(vox[k].min())
        with self._lock:
            self._lowest = min(self._lowest, lowest)
            self.volume.sop_instance_uids[k] = fr.sop_uid
            self.volume.slice_kinds[k] = "acquired"  # last: only now may it be measured
            self.filled += 1
            if self.filled == len(self._planned):
                has_blank = any(kind != "acquired" for kind in self.volume.slice_kinds)
                self.volume.min_value = min(self._lowest, self.fill_value) if has_blank else self._lowest

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure


_PIXEL_MODULE = ("Rows", "Columns", "SamplesPerPixel", "BitsAllocated", "BitsStored", "HighBit",
                 "PixelRepresentation", "PhotometricInterpretation", "PlanarConfiguration", "NumberOfFrames")


def _pixels_only(ds: Dataset) -> Dataset:
    """What a decoder needs of `ds`, apart from it: the caller drops `ds`'s pixel data
    once its frames are queued, before the pool may have sent them."""
    out = Dataset()
    for keyword in _PIXEL_MODULE:
        if keyword in ds:
            out[keyword] = copy.copy(ds[keyword])
    out["PixelData"] = copy.copy(ds["PixelData"])  # the element; its bytes are shared, never changed
    out.file_meta = FileMetaDataset()
    out.file_meta.TransferSyntaxUID = ds.file_meta.TransferSyntaxUID
    return out


def _differs(planned: FrameHeader, got: FrameHeader) -> str:
    """What of the arrived frame is not as planned ('' when it is)."""
    if (got.rows, got.columns) != (planned.rows, planned.columns):
        return "has another size"
    if got.series_uid != planned.series_uid:
        return "is of another series"
    if (got.iop is None) != (planned.iop is None) or (
            got.iop is not None and max(abs(a - b) for a, b in zip(got.iop, planned.iop)) > _COSINE):
        return "has another orientation"
    if (got.ipp is None) != (planned.ipp is None) or (
            got.ipp is not None and max(abs(a - b) for a, b in zip(got.ipp, planned.ipp)) > _POSITION_MM):
        return "has another position"
    if got.pixel_spacing != planned.pixel_spacing:
        return "has another pixel spacing"
    if (got.slope, got.intercept) != (planned.slope, planned.intercept):
        return "has another rescale"
    if (got.kernel, got.image_type) != (planned.kernel, planned.image_type):
        return "has another kernel or image type"
    return ""
