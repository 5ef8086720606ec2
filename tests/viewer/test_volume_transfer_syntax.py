"""Every transfer syntax in ../shared/data/transfer-syntax (cornerstone test images, MIT) gives
the HU of the uncompressed CTImage.dcm; the retired JPEG processes give a clear error."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest

from viewer.volume import UnsupportedTransferSyntax, load_volume, scan_paths

LOSSLESS = [
    "1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1.99",
    "1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70", "1.2.840.10008.1.2.4.80",
    "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.5",
]
# lossy: (mean |dHU|, 99th percentile |dHU|) allowed; measured 0.6/2, 0.7/1, 3.6/15, 19.6/57 HU
LOSSY = {
    "1.2.840.10008.1.2.4.91": (1.0, 3.0),
    "1.2.840.10008.1.2.4.81": (1.0, 2.0),
    "1.2.840.10008.1.2.4.51": (5.0, 20.0),
    "1.2.840.10008.1.2.4.50": (25.0, 70.0),   # 8-bit baseline JPEG of a 16-bit CT
}
RETIRED = ["1.2.840.10008.1.2.4.53", "1.2.840.10008.1.2.4.55"]


def _file(data_dir: Path, ts: str) -> Path:
    found = [p for p in (data_dir / "transfer-syntax").glob("CTImage.dcm_*") if p.name.endswith(f"_{ts}.dcm")]
    assert len(found) == 1, ts
    return found[0]


@pytest.fixture(scope="module")
def reference(data_dir: Path):
    return load_volume(data_dir / "transfer-syntax" / "CTImage.dcm")


def test_reference_slice(reference, data_dir):
    ds = pydicom.dcmread(data_dir / "transfer-syntax" / "CTImage.dcm")
    assert reference.shape == (1, 512, 512) and reference.voxels.dtype == np.int16
    hu = ds.pixel_array.astype(np.int32) * int(ds.RescaleSlope) + int(ds.RescaleIntercept)
    assert np.array_equal(reference.voxels[0], hu)
    # single slice: spacing from Spacing Between Slices, and the reader is told
    assert reference.spacing[2] == pytest.approx(float(ds.SpacingBetweenSlices))
    assert any(w.startswith("single slice") and "Spacing Between Slices" in w for w in reference.warnings)
    assert reference.window_presets == [(40.0, 400.0, "")]


@pytest.mark.parametrize("ts", LOSSLESS)
def test_lossless_syntax_gives_identical_hu(ts, reference, data_dir):
    vol = load_volume(_file(data_dir, ts))
    assert vol.shape == (1, 512, 512)
    assert np.array_equal(vol.voxels, reference.voxels)
    assert np.allclose(vol.affine, reference.affine)


@pytest.mark.parametrize("ts", sorted(LOSSY))
def test_lossy_syntax_gives_close_hu(ts, reference, data_dir):
    vol = load_volume(_file(data_dir, ts))
    diff = np.abs(vol.voxels.astype(np.float64) - reference.voxels)
    mean_max, p99_max = LOSSY[ts]
    assert diff.mean() <= mean_max
    assert np.percentile(diff, 99) <= p99_max
    assert diff.mean() > 0          # it really is lossy: the comparison is not with itself


@pytest.mark.parametrize("ts", RETIRED)
def test_retired_jpeg_processes_raise_clear_error(ts, data_dir):
    path = _file(data_dir, ts)
    with pytest.raises(UnsupportedTransferSyntax) as err:
        load_volume(path)
    message = str(err.value)
    assert path.name in message and ts in message and "cannot be decoded" in message
    # the header scan still lists it, with the reason as a warning
    groups, _ = scan_paths([path])
    assert any(ts in w for w in groups[0].info().warnings)


def test_enhanced_multiframe_ct_loads_with_per_frame_geometry(data_dir):
    """CT0012 is an Enhanced CT (2 frames, JPEG 12-bit, fragmented, no offset table) holding a
    perfusion map (rCBF, Rescale Type US): frames at z = -159 and -149, IOP -1,0,0,0,1,0."""
    path = data_dir / "transfer-syntax" / "CT0012.fragmented_no_bot_jpeg_baseline.51.dcm"
    ds = pydicom.dcmread(path)
    vol = load_volume(path)
    assert vol.shape == (2, 512, 512)
    # normal = (-1,0,0) x (0,1,0) = (0,0,-1): k grows towards inferior, so k=0 is z=-149 (frame 2)
    assert vol.affine[:3, 0] == pytest.approx([-0.388672, 0, 0])
    assert vol.affine[:3, 1] == pytest.approx([0, 0.388672, 0])
    assert vol.affine[:3, 2] == pytest.approx([0, 0, -10.0])
    assert vol.affine[:3, 3] == pytest.approx([99.5, -301.5, -149.0])
    frames = ds.pixel_array.astype(np.int32) - 1024
    assert np.array_equal(vol.voxels[0], frames[1]) and np.array_equal(vol.voxels[1], frames[0])
    assert vol.value_unit == "US"
    assert any("not Hounsfield" in w for w in vol.warnings)
    assert vol.window_presets == [(49.0, 102.0, "")]


def test_objects_without_grey_pixels_are_reported(data_dir):
    groups, problems = scan_paths([data_dir / "transfer-syntax" / "no-pixel-data.dcm",
                                   data_dir / "transfer-syntax" / "no-pixel-spacing.dcm"])
    assert groups == []
    reasons = {Path(p.path).name: p.reason for p in problems}
    assert reasons["no-pixel-data.dcm"].startswith("no pixel data (Basic Text SR Storage)")
    assert reasons["no-pixel-spacing.dcm"].startswith("colour image (PALETTE COLOR)")
