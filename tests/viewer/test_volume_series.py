"""Series splitting, sorting, spacing, gaps and geometry on the real CT data in ../shared/data.

Sources: ct/lung-dx-a0001 is TCIA Lung-PET-CT-Dx (doi:10.7937/TCIA.2020.NNC2-0461, CC BY 4.0);
edge/dicomdirtests comes from pydicom's test files (MIT).
"""
from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pydicom
import pytest

from tests.ts_catalogue import japanese
from viewer.volume_warnings import Warn
from viewer.volume import (
    FILL_HU,
    VolumeCancelled,
    VolumeError,
    build_volume,
    group_datasets,
    load_volume,
    scan_paths,
)


@pytest.fixture(scope="module")
def lung_groups(lung_dir: Path):
    groups, problems = scan_paths([lung_dir])
    return groups, problems


@pytest.fixture(scope="module")
def lung_volumes(lung_groups):
    groups, _ = lung_groups
    return {g.identity.series_uid: build_volume(g) for g in groups}


def _read_all(folder: Path) -> list[pydicom.Dataset]:
    return [pydicom.dcmread(p) for p in sorted(folder.glob("*.dcm"))]


def test_two_reconstructions_at_same_positions_stay_two_volumes(lung_groups, lung_dir):
    groups, problems = lung_groups
    assert len(groups) == 2
    assert {len(g.frames) for g in groups} == {64}
    uids = {g.identity.series_uid for g in groups}
    expected = {pydicom.dcmread(next((lung_dir / s).glob("*.dcm")), stop_before_pixels=True).SeriesInstanceUID
                for s in ("series-2-5mm", "series-3-5mm")}
    assert uids == expected
    kernels = {g.frames[0].kernel for g in groups}
    assert kernels == {"L", "B"}
    # the tumour annotations (XML) beside the images are reported, not loaded
    assert problems and all(p.path.endswith(".xml") and "not a DICOM" in p.reason for p in problems)


def test_lung_volume_shape_spacing_and_affine(lung_volumes, lung_series2):
    ref = pydicom.dcmread(next(lung_series2.glob("*.dcm")), stop_before_pixels=True)
    ps = [float(v) for v in ref.PixelSpacing]
    for vol in lung_volumes.values():
        assert vol.shape == (64, 512, 512)
        assert vol.voxels.dtype == np.int16 and vol.voxels.flags["C_CONTIGUOUS"]
        # spacing from positions (files span -124 .. -439 mm in 63 steps)
        assert vol.spacing == pytest.approx((ps[1], ps[0], 5.0))
        # IOP 1,0,0,0,1,0: i -> +x (patient left), j -> +y (posterior), k -> +z (superior)
        assert vol.affine[:3, 0] == pytest.approx([ps[1], 0, 0])
        assert vol.affine[:3, 1] == pytest.approx([0, ps[0], 0])
        assert vol.affine[:3, 2] == pytest.approx([0, 0, 5.0])
        assert vol.affine[2, 3] == pytest.approx(-439.0)       # k = 0 is the most inferior slice
        assert vol.warnings == [] and vol.tilt_deg == pytest.approx(0.0)
        assert vol.slice_kinds == ["acquired"] * 64


def test_slices_follow_positions_and_hu_match_files(lung_volumes, lung_series2):
    by_uid = {}
    for p in lung_series2.glob("*.dcm"):
        ds = pydicom.dcmread(p)
        by_uid[ds.SOPInstanceUID] = ds
    vol = lung_volumes[next(iter(by_uid.values())).SeriesInstanceUID]
    assert set(vol.sop_instance_uids) == set(by_uid)
    for k in (0, 17, 63):
        ds = by_uid[vol.sop_instance_uids[k]]
        assert vol.index_to_lps([0, 0, k]) == pytest.approx([float(c) for c in ds.ImagePositionPatient])
        hu = ds.pixel_array.astype(np.int32) * int(ds.RescaleSlope) + int(ds.RescaleIntercept)
        assert np.array_equal(vol.voxels[k], hu)
    zs = [float(by_uid[u].ImagePositionPatient[2]) for u in vol.sop_instance_uids]
    assert zs == sorted(zs)


def test_air_outside_body_and_window_presets(lung_volumes):
    presets = {round(v.window_presets[0][0]): v.window_presets for v in lung_volumes.values()}
    # both values of the multi-valued Window Center/Width are read
    assert presets[-600] == [(-600.0, 1600.0, ""), (-600.0, 1600.0, "")]
    assert presets[60] == [(60.0, 350.0, ""), (60.0, 350.0, "")]
    for vol in lung_volumes.values():
        # anterior air in front of the chest, mid-volume, centre column
        air = vol.voxels[32, 20:40, 246:266]
        assert -1050 < float(np.median(air)) < -950
        assert -1050 < vol.hu_at((256, 30, 32)) < -900
    a, b = lung_volumes.values()
    assert not np.array_equal(a.voxels, b.voxels)   # different kernels, different images


def test_index_lps_round_trip_and_hu_at_bounds(lung_volumes):
    vol = next(iter(lung_volumes.values()))
    ijk = np.array([[10.0, 20.0, 30.0], [511.0, 0.0, 63.0]])
    assert vol.lps_to_index(vol.index_to_lps(ijk)) == pytest.approx(ijk)
    with pytest.raises(VolumeError):
        vol.hu_at((512, 0, 0))


def test_network_datasets_sort_by_position_not_instance_number(lung_series2, lung_volumes):
    datasets = _read_all(lung_series2)
    for n, ds in enumerate(datasets):        # scramble Instance Number and arrival order
        ds.InstanceNumber = (n * 37) % 64 + 1
    datasets.reverse()
    groups, problems = group_datasets(datasets)
    assert problems == [] and len(groups) == 1
    vol = build_volume(groups[0])
    ref = lung_volumes[datasets[0].SeriesInstanceUID]
    assert vol.sop_instance_uids == ref.sop_instance_uids
    assert np.array_equal(vol.voxels, ref.voxels)
    assert np.allclose(vol.affine, ref.affine)


def test_progress_reports_and_cancels(lung_groups):
    group = lung_groups[0][0]
    calls: list[tuple[int, int]] = []
    build_volume(group, progress=lambda done, total: calls.append((done, total)))
    assert calls[0] == (1, 64) and calls[-1] == (64, 64) and len(calls) == 64
    with pytest.raises(VolumeCancelled, match=group.key):
        build_volume(group, progress=lambda done, total: done < 5)


def test_missing_slices_are_flagged_never_interpolated(data_dir):
    folder = data_dir / "edge" / "dicomdirtests" / "77654033" / "CT2"
    vol = load_volume(folder)
    files = {(ds := pydicom.dcmread(p)).SOPInstanceUID: ds for p in folder.iterdir()}
    assert vol.slice_kinds.count("acquired") == 4
    gap_warnings = [w for w in vol.warnings if w.startswith("missing slices: gap of 202.5 mm")]
    assert len(gap_warnings) == 1
    [gap] = gap_warnings   # typed: its code and numbers, worded in the reader's language by the view
    assert gap.code is Warn.MISSING_SLICES and gap.params["gap"] == pytest.approx(202.5, abs=0.05)
    assert gap.text(japanese).startswith("スライス欠損：") and "202.5 mm の空き" in gap.text(japanese)
    assert vol.spacing[2] == pytest.approx(1.25, abs=0.01)
    # each acquired slice sits exactly where the scanner put it, with its own pixels
    for k, uid in enumerate(vol.sop_instance_uids):
        if uid:
            ds = files[uid]
            assert vol.index_to_lps([0, 0, k]) == pytest.approx([float(c) for c in ds.ImagePositionPatient], abs=0.02)
            hu = ds.pixel_array.astype(np.int32) * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
            assert np.array_equal(vol.voxels[k], hu)
    gap_k = vol.slice_kinds.index("gap")
    assert vol.sop_instance_uids[gap_k] == "" and np.all(vol.voxels[gap_k] == FILL_HU)
    with pytest.raises(VolumeError, match="gap"):
        vol.hu_at((0, 0, gap_k))


def test_scout_with_other_orientation_splits_off(data_dir):
    groups, _ = scan_paths([data_dir / "edge" / "dicomdirtests" / "98892001"])
    scouts = [g for g in groups if "LOCALIZER" in g.frames[0].image_type]
    axial = [g for g in groups if "AXIAL" in g.frames[0].image_type]
    assert len(scouts) == 2 and all(len(g.frames) == 1 for g in scouts)
    assert scouts[0].identity.series_uid == scouts[1].identity.series_uid
    assert scouts[0].key != scouts[1].key and scouts[0].key.startswith(scouts[0].identity.series_uid + "#")
    assert {g.frames[0].iop for g in scouts} == {(0.0, -1.0, 0.0, 0.0, 0.0, -1.0), (1.0, 0.0, 0.0, 0.0, 0.0, -1.0)}
    assert len(axial) == 1 and len(axial[0].frames) == 5
    vol = build_volume(axial[0])
    assert vol.shape == (5, 16, 16) and vol.spacing[2] == pytest.approx(2.5)
    assert all(build_volume(g).shape == (1, 16, 16) for g in scouts)


def test_series_with_three_orientations_splits_in_three(data_dir):
    groups, _ = scan_paths([data_dir / "edge" / "dicomdirtests" / "98892003" / "MR2"])
    by_uid: dict[str, list] = {}
    for g in groups:
        by_uid.setdefault(g.identity.series_uid, []).append(g)
    # two series of three orthogonal slices each, plus a one-image series (file 15970)
    assert sorted(len(v) for v in by_uid.values()) == [1, 3, 3]
    for parts in by_uid.values():
        assert len({g.frames[0].iop for g in parts}) == len(parts)


def test_duplicate_positions_are_kept_apart(lung_series2):
    datasets = _read_all(lung_series2)
    copies = []
    for ds in datasets[:5]:
        dup = copy.deepcopy(ds)
        dup.SOPInstanceUID = pydicom.uid.generate_uid()
        copies.append(dup)
    groups, _ = group_datasets(datasets + copies)
    assert sorted(len(g.frames) for g in groups) == [5, 64]
    assert all("duplicate positions" in g.split_by for g in groups)
    assert {len(build_volume(g).sop_instance_uids) for g in groups} == {5, 64}


def test_uneven_spacing_resampled_and_gap_left_blank(lung_series2):
    datasets = sorted(_read_all(lung_series2), key=lambda d: float(d.ImagePositionPatient[2]))[:12]
    # slice 5 moved 2 mm off the 5 mm grid, slices 8 and 9 missing
    datasets[5].ImagePositionPatient[2] = float(datasets[5].ImagePositionPatient[2]) + 2.0
    kept = datasets[:8] + datasets[10:]
    groups, _ = group_datasets(kept)
    vol = build_volume(groups[0])
    assert any(w.startswith("uneven slice spacing") for w in vol.warnings)
    assert any(w.startswith("missing slices: gap of 15.0 mm") for w in vol.warnings)
    assert vol.spacing[2] == pytest.approx(5.0)
    assert vol.shape[0] == 12
    kinds = vol.slice_kinds
    assert kinds[5] == "interpolated" and kinds[8] == "gap" and kinds[9] == "gap"
    assert kinds.count("acquired") == 9
    # the interpolated slice lies between its acquired neighbours (positions 4 and the moved 5)
    hu4 = datasets[4].pixel_array.astype(np.float32) - 1024
    hu5 = datasets[5].pixel_array.astype(np.float32) - 1024
    w = 5.0 / 7.0
    assert np.allclose(vol.voxels[5], np.rint((1 - w) * hu4 + w * hu5), atol=1)


def test_gantry_tilt_is_resampled_onto_orthogonal_grid(lung_series2):
    """A tilted series built from real slices: IPP y moves one row per 5 mm slice (~9.6 deg)."""
    datasets = sorted(_read_all(lung_series2), key=lambda d: float(d.ImagePositionPatient[2]))[:10]
    row_mm = float(datasets[0].PixelSpacing[0])
    y0 = float(datasets[0].ImagePositionPatient[1])
    originals = [d.pixel_array.astype(np.int32) - 1024 for d in datasets]
    for k, ds in enumerate(datasets):
        ds.ImagePositionPatient[1] = y0 + k * row_mm
    groups, _ = group_datasets(datasets)
    vol = build_volume(groups[0])
    expected_deg = float(np.degrees(np.arctan(row_mm / 5.0)))
    assert vol.tilt_deg == pytest.approx(expected_deg, abs=0.01)
    assert f"gantry tilt {expected_deg:.1f}° corrected by resampling" in vol.warnings[0]
    assert vol.warnings[0].code is Warn.GANTRY_TILT
    assert vol.warnings[0].text(japanese).startswith(f"ガントリ傾斜 {expected_deg:.1f}° を再サンプリングで補正")
    assert vol.affine[:3, 2] == pytest.approx([0, 0, 5.0])        # orthogonal slice step
    for k in (1, 4, 9):
        # row j of tilted slice k lies at row j + k of the orthogonal grid
        assert np.array_equal(vol.voxels[k, k:, :], originals[k][: 512 - k, :])
        assert np.all(vol.voxels[k, :k, :] == FILL_HU)
        # and the patient position of a voxel is the position the scanner gave that pixel
        lps = vol.index_to_lps([100, 200 + k, k])
        ds = datasets[k]
        assert lps == pytest.approx(np.array([float(c) for c in ds.ImagePositionPatient])
                                    + np.array([100 * float(ds.PixelSpacing[1]), 200 * row_mm, 0]))


def test_fractional_tilt_uses_linear_interpolation(lung_series2):
    datasets = sorted(_read_all(lung_series2), key=lambda d: float(d.ImagePositionPatient[2]))[:4]
    y0 = float(datasets[0].ImagePositionPatient[1])
    step = 5.0 * np.tan(np.radians(15.0))
    originals = [d.pixel_array.astype(np.float64) - 1024 for d in datasets]
    for k, ds in enumerate(datasets):
        ds.ImagePositionPatient[1] = y0 + k * step
    vol = build_volume(group_datasets(datasets)[0][0])
    assert vol.tilt_deg == pytest.approx(15.0, abs=0.01)
    assert "gantry tilt 15.0° corrected by resampling" in vol.warnings[0]
    shift = 2 * step / float(datasets[0].PixelSpacing[0])          # slice 2, in rows
    base, frac = int(np.floor(shift)), shift - np.floor(shift)
    j = 300
    src = j - shift                       # the original row that lands on row j
    lo = int(np.floor(src))
    expected = (1 - (src - lo)) * originals[2][lo] + (src - lo) * originals[2][lo + 1]
    assert base >= 1 and 0 < frac < 1
    assert np.allclose(vol.voxels[2, j], np.rint(expected), atol=1)


def test_absurd_position_is_refused_not_allocated(lung_series2):
    datasets = sorted(_read_all(lung_series2), key=lambda d: float(d.ImagePositionPatient[2]))[:10]
    datasets[9].ImagePositionPatient[2] = 1.0e6           # a broken or crafted header
    groups, _ = group_datasets(datasets)
    with pytest.raises(VolumeError, match="exceed the 20000 limit"):
        groups[0].info()
    with pytest.raises(VolumeError, match=groups[0].key):
        build_volume(groups[0])


def test_volume_module_imports_no_qt_and_no_vtk():
    import subprocess
    import sys

    code = ("import sys, viewer.volume; viewer.volume.synthetic_phantom((4, 8, 8)); "
            "print([m for m in sys.modules if m.startswith(('PySide6', 'vtk'))])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "[]"
