"""`yomi render` and the views on the real chest CT of ../shared/data/ct (TCIA Lung-PET-CT-Dx).

Orientation on real data is checked against the stored pixels themselves: the series is
axial with ImageOrientationPatient (1,0,0,0,1,0), i.e. columns run to the patient's left
and rows to posterior, so in radiological display the stored slice must appear unflipped
(column 0 on screen left, row 0 at the top). The rendered picture must correlate with the
stored slice far better than with its left-right or top-bottom mirror image.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest
from vtkmodules.vtkIOImage import vtkPNGReader
from vtkmodules.util import numpy_support

from app.main import main
from viewer.tools.window_level import PRESETS
from viewer.volume import load_volume

SERIES = ("series-2-5mm", "series-3-5mm")


def _png(path: Path) -> np.ndarray:
    r = vtkPNGReader()
    r.SetFileName(str(path))
    r.Update()
    img = r.GetOutput()
    w, h, _ = img.GetDimensions()
    arr = numpy_support.vtk_to_numpy(img.GetPointData().GetScalars()).reshape(h, w, -1)
    return np.flipud(arr[:, :, :3])


@pytest.fixture(scope="module")
def ct_dir(shared_data) -> Path:
    return shared_data / "ct" / "lung-dx-a0001"


@pytest.mark.parametrize("series", SERIES)
@pytest.mark.parametrize("plane", ["axial", "coronal", "sagittal"])
def test_render_every_real_series_every_plane(ct_dir, series, plane, tmp_path, artifacts, capsys):
    out = artifacts / f"render-{series}-{plane}.png"
    rc = main(["render", str(ct_dir / series), "--plane", plane, "--window", "lung", "--out", str(out)])
    assert rc == 0, capsys.readouterr().err
    rgb = _png(out)
    assert rgb.shape == (512, 512, 3)
    centre = rgb[128:384, 128:384].astype(float)
    assert centre.std() > 30, "the image should show anatomy, not a flat field"


def _grey(a: np.ndarray, n: int = 96) -> np.ndarray:
    ys = np.linspace(0, a.shape[0] - 1, n).astype(int)
    xs = np.linspace(0, a.shape[1] - 1, n).astype(int)
    return a[np.ix_(ys, xs)].astype(float)


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


@pytest.mark.parametrize("series", SERIES)
def test_axial_render_matches_stored_pixels_unflipped(ct_dir, series, offscreen):
    vol = load_volume(ct_dir / series)
    host = offscreen(vol, "axial", 512)
    host.view.set_window(PRESETS["lung"])
    k = vol.shape[0] // 2
    host.view.set_slice_index(k)
    rgb = host.rgb()
    # the stored slice at that index, read straight from its file
    uid = vol.sop_instance_uids[k]
    path = next(p for p in (ct_dir / series).glob("*.dcm")
                if pydicom.dcmread(p, stop_before_pixels=True).SOPInstanceUID == uid)
    ds = pydicom.dcmread(path)
    hu = ds.pixel_array * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    lo, hi = -600 - 750, -600 + 750
    stored = np.clip((hu - lo) / (hi - lo), 0, 1)
    # where the first and last voxel centres land on screen (y down)
    nj, ni = hu.shape
    x0, y0 = host.view.lps_to_display(vol.index_to_lps([0, 0, k]))
    x1, y1 = host.view.lps_to_display(vol.index_to_lps([ni - 1, nj - 1, k]))
    h = rgb.shape[0]
    top, bottom = sorted((int(round(h - 1 - y0)), int(round(h - 1 - y1))))
    left, right = sorted((int(round(x0)), int(round(x1))))
    shown = rgb[top:bottom + 1, left:right + 1, 0]
    a = _grey(shown)
    as_stored = _corr(a, _grey(stored))
    assert as_stored > 0.9
    assert as_stored > _corr(a, _grey(stored[:, ::-1])) + 0.1, "left-right flipped"
    assert as_stored > _corr(a, _grey(stored[::-1, :])) + 0.2, "top-bottom flipped"
    # and the first voxel (patient right, anterior) is at the top left of the screen
    assert x0 < x1 and (h - 1 - y0) < (h - 1 - y1)


def test_render_position_slice_and_slab(ct_dir, tmp_path, capsys):
    series = ct_dir / "series-2-5mm"
    vol = load_volume(series)
    z = float(vol.index_to_lps([0, 0, 10])[2])
    out = tmp_path / "pos.png"
    assert main(["render", str(series), "--position", f"{z}", "--out", str(out)]) == 0
    assert main(["render", str(series), "--slice", "11", "--out", str(tmp_path / "s.png")]) == 0
    assert np.array_equal(_png(out)[:400], _png(tmp_path / "s.png")[:400])
    assert main(["render", str(series), "--plane", "coronal", "--slab", "20", "--mode", "mip",
                 "--window=-600,1500", "--out", str(tmp_path / "mip.png")]) == 0
    assert main(["render", str(series), "--plane", "coronal", "--window=-600,1500",
                 "--out", str(tmp_path / "thin.png")]) == 0
    mip, thin = _png(tmp_path / "mip.png"), _png(tmp_path / "thin.png")
    # a MIP is never darker than the thin slice it contains
    assert mip[100:400, 100:400].astype(int).mean() > thin[100:400, 100:400].astype(int).mean()


def test_render_errors_are_one_clear_line(ct_dir, tmp_path, capsys):
    series = ct_dir / "series-2-5mm"
    assert main(["render", str(series), "--position", "5000", "--out", str(tmp_path / "x.png")]) == 1
    err = capsys.readouterr().err
    assert "outside the series" in err and err.count("\n") == 1
    assert main(["render", str(series), "--slice", "999", "--out", str(tmp_path / "x.png")]) == 1
    assert "slices 1-64" in capsys.readouterr().err
    assert main(["render", str(tmp_path), "--out", str(tmp_path / "x.png")]) == 1
    assert str(tmp_path) in capsys.readouterr().err
    assert main(["render", str(series), "--window", "nonsense", "--out", str(tmp_path / "x.png")]) == 1
    assert not (tmp_path / "x.png").exists()


def _bilinear(img: np.ndarray, j: np.ndarray, i: np.ndarray) -> np.ndarray:
    j0, i0 = np.floor(j).astype(int), np.floor(i).astype(int)
    fj, fi = j - j0, i - i0
    j0, i0 = np.clip(j0, 0, img.shape[0] - 2), np.clip(i0, 0, img.shape[1] - 2)
    a, b = img[j0, i0], img[j0, i0 + 1]
    c, d = img[j0 + 1, i0], img[j0 + 1, i0 + 1]
    return (a * (1 - fi) + b * fi) * (1 - fj) + (c * (1 - fi) + d * fi) * fj


@pytest.mark.parametrize("zoom", [1.0, 0.7])
def test_each_screen_pixel_shows_the_volume_at_its_own_centre_interpolated_once(ct_dir, offscreen, zoom):
    """Where a screen pixel is coarser than a voxel, the pixel's grey is the window applied to
    the volume sampled at that pixel's centre. A drawing that samples its image half a pixel
    off interpolates a second time and softens every edge (mean error 5 grey levels before)."""
    vol = load_volume(ct_dir / "series-2-5mm")
    host = offscreen(vol, "axial", 512)
    view = host.view
    view.zoom_by(zoom)
    view.pan_by_pixels(10.3, -7.6)
    view.set_window(PRESETS["lung"])
    rgb = host.rgb()
    assert view.nav.mm_per_pixel(view.viewport()) >= view.pixel_mm
    ys, xs = np.mgrid[128:384, 128:384]                 # clear of the corner texts
    lps = np.stack([view.display_to_lps(x + 0.5, 511 - y + 0.5) for y, x in zip(ys.ravel(), xs.ravel())])
    ijk = vol.lps_to_index(lps)
    assert np.allclose(ijk[:, 2], round(ijk[0, 2]), atol=1e-6), "an axial view shows one acquired slice"
    stored = _bilinear(vol.voxels[round(ijk[0, 2])].astype(float), ijk[:, 1], ijk[:, 0])
    w = PRESETS["lung"]
    expected = np.clip((stored - (w.center - w.width / 2)) / w.width * 255, 0, 255)
    drawn = rgb[128:384, 128:384, 0].astype(float).ravel()
    err = np.abs(drawn - expected)
    assert err.mean() < 1.0 and np.percentile(err, 99) <= 2.0, (err.mean(), np.percentile(err, 99))


def test_after_the_plane_turns_the_drawing_and_the_pointer_maths_agree(ct_dir, offscreen):
    """An oblique plane has another extent, so another fit: the camera must follow at once, or
    a click (display_to_lps) would land millimetres away from the pixel it was made on."""
    import math

    vol = load_volume(ct_dir / "series-2-5mm")
    host = offscreen(vol, "axial", 512)
    view = host.view
    view.set_axes(view.axes.rotated(np.array([1.0, 0.0, 0.0]), math.radians(30)))
    host.window.Render()
    p = view.nav.centre + 60 * view.axes.right + 45 * view.axes.up
    ren = host.renderer
    ren.SetWorldPoint(*view.lps_to_world(p), 0.0, 1.0)
    ren.WorldToDisplay()
    assert ren.GetDisplayPoint()[:2] == pytest.approx(view.lps_to_display(p), abs=0.01)
