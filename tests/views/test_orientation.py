"""Radiological orientation through the real VTK views, checked on rendered pixels.

The synthetic phantom carries asymmetric +1000 HU markers (left cube, anterior sphere,
superior posterior-right rod; viewer.phantom). With a window of 900/100 only those
markers are white, so where white pixels fall on screen says where the view put the
patient's left, front and head.
"""
from __future__ import annotations

import numpy as np
import pytest

from viewer.tools.window_level import PRESETS, Window
from viewer.views.planes import POSITION_AXIS
from viewer.volume import Volume, phantom_markers, synthetic_phantom

MARKERS_ONLY = Window(900, 100, "markers")


def _white(rgb: np.ndarray) -> np.ndarray:
    return (rgb[..., 0] > 200) & (rgb[..., 1] > 200) & (rgb[..., 2] > 200)


BLACK = Window(5000, 10, "nothing white")


def _image_white(host) -> np.ndarray:
    """White pixels that belong to the image, not to the text overlays.

    Text is drawn the same whatever the window, so pixels white under the current window
    but not under a window that leaves every voxel black are image pixels.
    """
    current = host.view.state.window
    shown = _white(host.rgb())
    status = host.view._status.GetInput()
    host.view.set_window(BLACK)
    host.view._status.SetInput(status)  # the W/L readout would otherwise differ
    text = _white(host.rgb())
    host.view.set_window(current)
    return shown & ~text


def _render(offscreen, volume, plane, coord, window=MARKERS_ONLY, size=400):
    host = offscreen(volume, plane, size)
    host.view.set_window(window)
    host.view.set_patient_coordinate(POSITION_AXIS[plane], coord)
    return host, host.rgb()


def _blobs(mask: np.ndarray):
    """Connected white blobs (4-neighbour flood fill), each as (cx, cy, pixel count) in fractions."""
    h, w = mask.shape
    seen = np.zeros_like(mask, dtype=bool)
    out = []
    for y, x in zip(*np.nonzero(mask)):
        if seen[y, x]:
            continue
        stack, pts = [(y, x)], []
        seen[y, x] = True
        while stack:
            cy, cx = stack.pop()
            pts.append((cy, cx))
            for ny, nx in ((cy + 1, cx), (cy - 1, cx), (cy, cx + 1), (cy, cx - 1)):
                if 0 <= ny < h and 0 <= nx < w and mask[ny, nx] and not seen[ny, nx]:
                    seen[ny, nx] = True
                    stack.append((ny, nx))
        if len(pts) >= 20:  # ignore anti-aliasing specks
            arr = np.array(pts)
            out.append((arr[:, 1].mean() / w, arr[:, 0].mean() / h, len(pts)))
    return out


@pytest.fixture(scope="module")
def phantom() -> Volume:
    return synthetic_phantom()


def test_axial_left_is_screen_right_anterior_is_up(offscreen, phantom, artifacts):
    mk = phantom_markers()
    host, rgb = _render(offscreen, phantom, "axial", mk["left_cube"][2])
    host.save_png(artifacts / "orientation-axial.png")
    mask = _image_white(host)
    blobs = _blobs(mask)
    assert len(blobs) == 2, blobs
    cube = max(blobs, key=lambda b: b[0])       # right-most blob
    sphere = min(blobs, key=lambda b: b[1])     # top-most blob
    assert cube is not sphere
    assert cube[0] > 0.7 and abs(cube[1] - 0.5) < 0.06, "patient's left must be on screen right"
    assert sphere[1] < 0.35 and abs(sphere[0] - 0.5) < 0.06, "anterior must be at the top"


def test_axial_marker_pixel_positions_match_geometry(offscreen, phantom):
    """The cube lands where its LPS position says, through the view's own pixel mapping."""
    mk = phantom_markers()
    host, rgb = _render(offscreen, phantom, "axial", 0.0)
    mask = _image_white(host)
    cube = max(_blobs(mask), key=lambda b: b[0])
    x, y = host.view.lps_to_display(np.array(mk["left_cube"]))
    h, w = mask.shape
    assert abs(cube[0] * w - x) < 3 and abs(cube[1] * h - (h - 1 - y)) < 3


def test_coronal_left_right_and_superior_up(offscreen, phantom, artifacts):
    mk = phantom_markers()
    rod = mk["superior_rod"]
    host, rgb = _render(offscreen, phantom, "coronal", rod[1])
    host.save_png(artifacts / "orientation-coronal.png")
    mask = _image_white(host)
    blobs = _blobs(mask)
    rod_blob = min(blobs, key=lambda b: b[1])
    assert rod_blob[0] < 0.5, "the rod is on the patient's right: screen left in coronal"
    assert rod_blob[1] < 0.45, "the rod is superior: top of the coronal view"
    host, rgb = _render(offscreen, phantom, "coronal", mk["left_cube"][1])
    mask = _image_white(host)
    (cube,) = _blobs(mask)
    assert cube[0] > 0.7, "patient's left on screen right in coronal"


def test_sagittal_superior_up_posterior_right(offscreen, phantom, artifacts):
    mk = phantom_markers()
    rod = mk["superior_rod"]
    host, rgb = _render(offscreen, phantom, "sagittal", rod[0])
    host.save_png(artifacts / "orientation-sagittal.png")
    mask = _image_white(host)
    blobs = _blobs(mask)
    assert len(blobs) == 1
    assert blobs[0][0] > 0.5 and blobs[0][1] < 0.45
    host, rgb = _render(offscreen, phantom, "sagittal", mk["anterior_sphere"][0])
    mask = _image_white(host)
    sphere = _blobs(mask)
    assert len(sphere) == 1 and sphere[0][0] < 0.4, "anterior on screen left in sagittal"


def _flipped(vol: Volume) -> Volume:
    """The same patient stored with reversed columns, rows and slices (different affine)."""
    nk, nj, ni = vol.voxels.shape
    aff = vol.affine.copy()
    aff[:3, 3] = (vol.affine @ np.array([ni - 1, nj - 1, nk - 1, 1.0]))[:3]
    aff[:3, :3] = -vol.affine[:3, :3]
    return Volume(
        voxels=np.ascontiguousarray(vol.voxels[::-1, ::-1, ::-1]), affine=aff,
        identity=vol.identity, frame_of_reference_uid=vol.frame_of_reference_uid,
        sop_instance_uids=list(reversed(vol.sop_instance_uids)), window_presets=vol.window_presets,
        warnings=list(vol.warnings), tilt_deg=vol.tilt_deg,
    )


@pytest.mark.parametrize("plane", ["axial", "coronal", "sagittal"])
def test_orientation_comes_from_the_affine_not_the_storage_order(offscreen, phantom, plane):
    flipped = _flipped(phantom)
    coord = phantom_markers()["superior_rod"][POSITION_AXIS[plane]]
    a = _render(offscreen, phantom, plane, coord)[1]
    b = _render(offscreen, flipped, plane, coord)[1]
    assert _white(a).sum() > 100
    assert (_white(a) != _white(b)).mean() < 0.003


@pytest.mark.parametrize("plane,expected", [
    ("axial", {"right": "L", "left": "R", "top": "A", "bottom": "P"}),
    ("coronal", {"right": "L", "left": "R", "top": "S", "bottom": "I"}),
    ("sagittal", {"right": "P", "left": "A", "top": "S", "bottom": "I"}),
])
def test_orientation_labels_drawn_at_each_edge(offscreen, phantom, plane, expected):
    host, rgb = _render(offscreen, phantom, plane, 0.0, PRESETS["mediastinum"])
    assert {k: a.GetInput() for k, a in host.view._labels.items()} == expected
    h, w, _ = rgb.shape
    regions = {"left": (slice(int(h * .4), int(h * .6)), slice(0, int(w * .06))),
               "right": (slice(int(h * .4), int(h * .6)), slice(int(w * .94), w)),
               "top": (slice(0, int(h * .06)), slice(int(w * .4), int(w * .6))),
               "bottom": (slice(int(h * .94), h), slice(int(w * .4), int(w * .6)))}
    for edge, region in regions.items():
        host.view._labels[edge].SetInput("")
        without = host.rgb()
        host.view._labels[edge].SetInput(expected[edge])
        changed = np.abs(rgb[region].astype(int) - without[region].astype(int)).sum(axis=-1) > 60
        assert changed.sum() > 10, f"no label drawn at the {edge} edge"


def test_window_level_changes_pixels(offscreen, phantom):
    host = offscreen(phantom, "axial", 300)
    lung_centre = np.array([-0.45 * 0.84 * 96, -0.05 * 0.6 * 96, 0.0])  # right lung (viewer.phantom)
    x, y = host.view.lps_to_display(lung_centre)
    host.view.set_window(PRESETS["lung"])
    a = host.rgb()
    host.view.set_window(PRESETS["mediastinum"])
    b = host.rgb()
    h = a.shape[0]
    pa, pb = a[h - 1 - int(y), int(x), 0], b[h - 1 - int(y), int(x), 0]
    # -850 HU: lung window (-600/1500) maps to (−850+1350)/1500 = 0.33 grey; mediastinum to black.
    assert 70 < pa < 100 and pb < 5


def test_thick_slab_mip_shows_marker_from_neighbouring_slices(offscreen, phantom):
    """A MIP slab 20 mm thick placed just beside the rod's top end still shows the rod."""
    mk = phantom_markers()
    host = offscreen(phantom, "coronal", 300)
    host.view.set_window(MARKERS_ONLY)
    host.view.set_patient_coordinate(1, mk["superior_rod"][1] + 9.0)
    thin = _image_white(host)
    host.view.set_slab(24.0, "mip")
    thick = _image_white(host)
    host.view.set_slab(24.0, "minip")
    minip = _image_white(host)
    assert thick.sum() > thin.sum() + 50
    assert minip.sum() == 0
