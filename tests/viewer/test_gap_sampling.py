"""One sampling rule for every read-out: hover, ROI statistics and lengths refuse slices the
scanner did not acquire, with the reason, on a real CT with three slices missing."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tests.ts_catalogue import japanese
from tests.viewer.gap_volume import DROPPED, gap_volume
from viewer.sampling import NoVoxelData, Refusal, VoxelReading
from viewer.tools.measure import Measurements, ellipse_stats
from viewer.volume import FILL_HU, VolumeError

RIGHT, UP = np.array([1.0, 0.0, 0.0]), np.array([0.0, -1.0, 0.0])   # the axial view's screen axes


@pytest.fixture(scope="module")
def gap(lung_series2):
    return gap_volume(lung_series2)


def _hu(ds) -> np.ndarray:
    return ds.pixel_array.astype(np.int32) * float(ds.RescaleSlope) + float(ds.RescaleIntercept)


def _centre_of_slice(vol, k: int, di: float = 0.0, dj: float = 0.0) -> np.ndarray:
    return vol.index_to_lps([255.0 + di, 300.0 + dj, k])    # inside the body (mediastinum)


def test_the_volume_fills_the_gap_and_hu_at_refuses_it_with_the_reason(gap):
    vol, _ = gap
    ks = [k for k, kind in enumerate(vol.slice_kinds) if kind == "gap"]
    assert ks == list(DROPPED) and np.all(vol.voxels[ks] == FILL_HU)
    with pytest.raises(NoVoxelData) as info:
        vol.hu_at((255, 300, 31))
    exc = info.value
    assert exc.kind is Refusal.GAP and exc.slice_index == 31
    assert exc.reason == "slice 32 is a blank gap filler: slices are missing there"
    assert exc.text(japanese) == "スライス 32 は欠損部の空白スライスです（この位置のスライスがありません）"
    assert isinstance(exc, VolumeError)       # callers catching the package's error still do
    with pytest.raises(NoVoxelData) as outside:
        vol.hu_at((600, 0, 10))
    assert outside.value.kind is Refusal.OUTSIDE


def test_interpolated_slices_are_refused_too(gap):
    vol, _ = gap
    kinds = list(vol.slice_kinds)
    kinds[12] = "interpolated"
    vol2 = dataclasses.replace(vol, slice_kinds=kinds)
    with pytest.raises(NoVoxelData) as info:
        vol2.values_at(np.array([[10, 10, 11], [10, 10, 12]]))
    assert info.value.kind is Refusal.INTERPOLATED
    assert info.value.reason == "slice 13 is interpolated, not acquired"


def test_values_at_reads_the_stored_voxels_of_acquired_slices(gap):
    vol, kept = gap
    pts = np.array([[0, 0, 0], [511, 511, 63], [255.4, 300.6, 29.2]])
    got = vol.values_at(pts)
    assert got.tolist() == [vol.voxels[0, 0, 0], vol.voxels[63, 511, 511], vol.voxels[29, 301, 255]]
    # slice 29 of the volume is the 30th dataset read by pydicom, unchanged
    assert got[2] == _hu(kept[29])[301, 255]


def test_hover_reading_gives_the_value_or_the_reason(gap):
    vol, kept = gap
    ok = VoxelReading.at(vol, _centre_of_slice(vol, 40))
    assert ok.refusal is None and ok.value == _hu(kept[40 - len(DROPPED)])[300, 255] and ok.unit == "HU"
    refused = VoxelReading.at(vol, _centre_of_slice(vol, 30))
    assert refused.value is None and refused.refusal.kind is Refusal.GAP
    assert "slice 31 is a blank gap filler" in refused.refusal.reason


def test_ellipse_on_the_gap_is_refused_with_the_reason_not_a_mean_of_fill(gap):
    vol, _ = gap
    ms = Measurements()
    c = _centre_of_slice(vol, 31)
    roi = ms.add_ellipse(vol, c, c + 15 * RIGHT + 10 * UP, RIGHT, UP)
    assert roi.stats is None and roi.refusal.kind is Refusal.GAP
    assert roi.label() == "no value:\nslice 32 is a blank gap filler: slices are missing there"
    assert "3024" not in roi.label() and "mean" not in roi.label()
    assert roi.label(japanese).startswith("値なし:\nスライス 32 は欠損部の空白スライスです")


def test_coronal_ellipse_reaching_into_the_gap_is_refused(gap):
    vol, _ = gap
    c = vol.index_to_lps([255.0, 300.0, 26.0])      # acquired slice, 20 mm below the gap
    coronal_up = np.array([0.0, 0.0, 1.0])
    with pytest.raises(NoVoxelData):
        ellipse_stats(vol, c, 20 * RIGHT, 25 * coronal_up)   # reaches k = 31
    stats = ellipse_stats(vol, c, 20 * RIGHT, 12 * coronal_up)  # stays on acquired slices
    assert stats.count > 0


def test_ellipse_on_an_acquired_slice_gives_the_stored_hu(gap):
    vol, kept = gap
    k = 40
    pixels = _hu(kept[k - len(DROPPED)])
    # a one-voxel ROI is exactly that voxel's value from the file
    c = _centre_of_slice(vol, k)
    tiny = ellipse_stats(vol, c, 0.3 * RIGHT, 0.3 * UP)
    assert tiny.count == 1 and tiny.mean == pixels[300, 255]
    # a larger ROI in soft tissue: the voxels whose centres lie in the ellipse, numpy on the file
    ci, cj, ra, rb = 270, 260, 12.0, 8.0
    stats = ellipse_stats(vol, vol.index_to_lps([ci, cj, k]), ra * RIGHT, rb * UP)
    sp = vol.spacing[0]
    jj, ii = np.mgrid[0:512, 0:512]
    inside = ((ii - ci) * sp / ra) ** 2 + ((jj - cj) * sp / rb) ** 2 <= 1.0
    expected = pixels[inside]
    assert inside.sum() <= stats.count <= inside.sum() * 1.1   # edge voxels the ellipse touches count too
    assert 0 < expected.mean() < 100                            # soft tissue, not air, not fill
    assert stats.mean == pytest.approx(expected.mean(), abs=5.0)
    assert stats.sd == pytest.approx(expected.std(ddof=1), rel=0.2)
    assert stats.min <= expected.min() and stats.max >= expected.max() and stats.min > FILL_HU


def test_length_with_an_end_on_the_gap_is_flagged_and_says_why(gap):
    vol, _ = gap
    ms = Measurements()
    fine = ms.add_length(vol, _centre_of_slice(vol, 40), _centre_of_slice(vol, 40, di=30))
    assert fine.refusal is None and fine.label() == f"{fine.mm:.1f} mm"
    flagged = ms.add_length(vol, _centre_of_slice(vol, 31), _centre_of_slice(vol, 31, di=30))
    assert flagged.mm == pytest.approx(30 * vol.spacing[0])     # the distance itself stays true
    assert flagged.refusal.kind is Refusal.GAP
    assert flagged.label().endswith("slice 32 is a blank gap filler: slices are missing there")
    assert flagged.label(japanese) == (f"{flagged.mm:.1f} mm（撮像データ上ではありません）:\n"
                                       "スライス 32 は欠損部の空白スライスです（この位置のスライスがありません）")
    # an end beyond the image edge is no reason to flag a length on acquired data
    off = ms.add_length(vol, _centre_of_slice(vol, 40), vol.index_to_lps([700.0, 300.0, 40]))
    assert off.refusal is None
    assert ms.remove_last() and [m.id for m in ms.lengths] == [fine.id, flagged.id]
