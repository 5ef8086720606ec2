"""A volume laid out from metadata and filled in place equals the one built from the files.

Data: the real 64-slice chest CT (TCIA Lung-PET-CT-Dx, doi:10.7937/TCIA.2020.NNC2-0461).
The "metadata" are each file's own header without its pixel data, as a DICOMweb server's
series metadata are; `planned_headers` lays the series out from them.
"""
from __future__ import annotations

import concurrent.futures as cf
import random

import numpy as np
import pydicom
import pytest

from viewer.decode_pool import _stored_values
from viewer.dicom_files import dataset_headers, planned_headers
from viewer.sampling import NoVoxelData, Refusal
from viewer.volume import build_volume, group_frames, load_volume
from viewer.volume_fill import FillAbandoned, NotFillable, VolumeFill


def _datasets(folder) -> list[pydicom.Dataset]:
    return [pydicom.dcmread(f) for f in sorted(folder.glob("*.dcm"))]


def _plan(datasets: list[pydicom.Dataset]):
    metas = []
    for ds in datasets:
        meta = pydicom.dcmread(ds.filename, stop_before_pixels=True)
        metas.append(meta)
    groups = group_frames([fr for m in metas for fr in planned_headers(m)])
    assert len(groups) == 1
    return groups[0]


def test_filled_in_any_order_equals_the_built_volume_and_refuses_what_has_not_arrived(lung_series2):
    datasets = _datasets(lung_series2)
    fill = VolumeFill(_plan(datasets))
    vol = fill.volume
    assert vol.shape == (64, 512, 512) and set(vol.slice_kinds) == {"pending"}
    assert not any(vol.sop_instance_uids)
    with pytest.raises(NoVoxelData) as refused:
        vol.hu_at((256, 256, 32))
    assert refused.value.kind == Refusal.PENDING and "has not arrived" in refused.value.reason

    order = list(range(64))
    random.Random(7).shuffle(order)
    arrays = []
    for n, idx in enumerate(order, start=1):
        frames, problem = dataset_headers(datasets[idx])
        assert problem is None
        assert fill.put(frames)
        arrays.append(vol.voxels)
        assert vol.slice_kinds.count("acquired") == n
    assert fill.complete
    assert all(a is vol.voxels for a in arrays)  # one array, filled in place, never rebuilt

    built = load_volume(lung_series2)
    assert np.array_equal(vol.voxels, built.voxels)
    assert vol.voxels.dtype == built.voxels.dtype
    assert np.allclose(vol.affine, built.affine)
    assert vol.sop_instance_uids == built.sop_instance_uids
    assert vol.slice_kinds == built.slice_kinds
    assert vol.min_value == built.min_value
    assert vol.hu_at((256, 256, 32)) == built.hu_at((256, 256, 32))


def test_an_instance_not_as_its_metadata_said_abandons_the_fill(lung_series2):
    datasets = _datasets(lung_series2)[:8]
    fill = VolumeFill(_plan(datasets))
    moved = datasets[3]
    moved.ImagePositionPatient = [float(v) + (2.0 if i == 2 else 0.0) for i, v in enumerate(moved.ImagePositionPatient)]
    frames, _ = dataset_headers(datasets[0])
    assert fill.put(frames)
    frames, _ = dataset_headers(moved)
    with pytest.raises(FillAbandoned, match=f"instance {moved.SOPInstanceUID} has another position"):
        fill.put(frames)


def test_frames_of_another_series_are_not_taken(lung_dir):
    lung = _datasets(lung_dir / "series-2-5mm")[:4]
    mediastinal = _datasets(lung_dir / "series-3-5mm")[:1]
    fill = VolumeFill(_plan(lung))
    frames, _ = dataset_headers(mediastinal[0])
    assert fill.put(frames) is False
    assert fill.filled == 0


def test_a_series_with_a_gap_fills_around_the_blank_slices(lung_series2):
    datasets = _datasets(lung_series2)
    kept = datasets[:20] + datasets[30:]   # ten slices missing: a 50 mm gap
    fill = VolumeFill(_plan(kept))
    for ds in kept:
        frames, _ = dataset_headers(ds)
        fill.put(frames)
    assert fill.complete
    built = build_volume(group_frames([fr for ds in kept for fr in dataset_headers(ds)[0]])[0])
    assert fill.volume.slice_kinds == built.slice_kinds and "gap" in built.slice_kinds
    assert np.array_equal(fill.volume.voxels, built.voxels)
    assert fill.volume.min_value == built.min_value


def test_an_uneven_series_is_left_to_the_classic_build(lung_series2):
    datasets = _datasets(lung_series2)[:10]
    for n, ds in enumerate(datasets):  # positions 0, 5, 10.7, ...: resampled from all slices
        ipp = [float(v) for v in ds.ImagePositionPatient]
        ipp[2] += 0.7 * (n % 2)
        ds.ImagePositionPatient = ipp
    metas = []
    for ds in datasets:
        meta = pydicom.Dataset(ds)
        del meta.PixelData
        metas.append(meta)
    group = group_frames([fr for m in metas for fr in planned_headers(m)])[0]
    with pytest.raises(NotFillable):
        VolumeFill(group)


class _HandPool:
    """A decode pool whose frames the test finishes by hand, one at a time, on its own thread."""

    workers = 1  # the fill keeps at most 2 frames in flight

    def __init__(self) -> None:
        self.sent: list[tuple[cf.Future, pydicom.Dataset, int | None]] = []

    def submit(self, ds, frame):
        future = cf.Future()
        self.sent.append((future, ds, frame))
        return future

    def finish(self, n: int) -> None:
        future, ds, frame = self.sent[n]
        future.set_result(_stored_values(ds, frame))  # what a DecodePool worker runs


def test_a_full_decode_queue_waits_without_spinning_while_a_decoded_frame_is_written(lung_series2, monkeypatch):
    """A frame's future is done before its frame is written (the callback runs after): the
    thread queueing the next frame must sleep until the write ends, not spin on done futures
    (it did: 40% of the interpreter went to that loop on 1000 JPEG 2000 slices)."""
    import threading
    import time

    from pydicom.uid import RLELossless

    datasets = _datasets(lung_series2)
    fill = VolumeFill(_plan(datasets))
    for ds in datasets[:3]:
        ds.compress(RLELossless, generate_instance_uid=False)
    pool = _HandPool()
    fill.decode_in(pool)
    slow_write, writing = fill._write, threading.Event()

    def write(k, fr, stored):
        writing.set()
        time.sleep(0.5)
        slow_write(k, fr, stored)

    monkeypatch.setattr(fill, "_write", write)
    for ds in datasets[:2]:
        assert fill.put(dataset_headers(ds)[0])
    assert len(pool.sent) == 2
    finisher = threading.Thread(target=pool.finish, args=(0,))
    finisher.start()
    assert writing.wait(10)
    cpu = time.thread_time()
    assert fill.put(dataset_headers(datasets[2])[0])  # waits for the first frame's write
    cpu = time.thread_time() - cpu
    finisher.join()
    assert len(pool.sent) == 3 and fill.filled == 1
    assert cpu < 0.1, f"the queueing thread used {cpu:.2f} s of CPU while it waited"
    for n in (1, 2):
        pool.finish(n)
    fill.wait()
    assert fill.filled == 3
    built = load_volume(lung_series2)
    for ds in datasets[:3]:
        k = built.sop_instance_uids.index(ds.SOPInstanceUID)
        assert np.array_equal(fill.volume.voxels[k], built.voxels[k])
