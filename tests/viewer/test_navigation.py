"""The view's navigation model with numpy alone: slice grid, snapping, index <-> position,
display <-> LPS, zoom and pan. No VTK and no Qt are imported here (checked below)."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from viewer.tools.window_level import PRESETS
from viewer.views.navigation import SlabMode, SliceNavigation, ViewState, Viewport
from viewer.views.planes import PLANES, PlaneAxes

SHAPE = (30, 40, 50)            # k, j, i
SPACING = (0.8, 0.9, 2.5)       # along i, j, k (mm)
ORIGIN = np.array([-20.0, -17.5, 100.0])
# the voxel axis (0 = i, 1 = j, 2 = k) that each standard plane's slices step along
AXIS_OF_PLANE = {"axial": 2, "coronal": 1, "sagittal": 0}


def _affine(flip_k: bool = False, flip_i: bool = False) -> np.ndarray:
    a = np.eye(4)
    a[:3, :3] = np.diag([SPACING[0] * (-1 if flip_i else 1), SPACING[1], SPACING[2] * (-1 if flip_k else 1)])
    a[:3, 3] = ORIGIN
    return a


def _nav(plane: str = "axial", affine: np.ndarray | None = None) -> SliceNavigation:
    affine = _affine() if affine is None else affine
    state = ViewState(PlaneAxes.standard(plane), np.zeros(3), PRESETS["lung"])
    nav = SliceNavigation(affine, SHAPE, state)
    state.cursor = nav.centre.copy()
    return nav


def _voxel(affine: np.ndarray, p: np.ndarray) -> np.ndarray:
    return np.linalg.solve(affine[:3, :3], np.asarray(p, float) - affine[:3, 3])


def test_module_imports_no_vtk_and_no_qt():
    code = ("import sys; import viewer.views.navigation, viewer.views.banner, viewer.tools.measure, "
            "viewer.sampling, viewer.tools.tool; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('vtkmodules', 'vtk', 'PySide6')]; "
            "print(bad); sys.exit(1 if bad else 0)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize("flip", [False, True], ids=["k-superior", "k-inferior"])
@pytest.mark.parametrize("plane", PLANES)
def test_slice_index_is_the_volumes_own_index_both_ways(plane, flip):
    """Slice k of a standard view is voxel plane k of the series, whichever way the
    series' axis runs, and setting k then reading it back gives k."""
    affine = _affine(flip_k=flip, flip_i=flip)
    nav = _nav(plane, affine)
    axis = AXIS_OF_PLANE[plane]
    n = SHAPE[::-1][axis]
    assert nav.slice_count() == n
    assert nav.step_mm() == pytest.approx(SPACING[axis])
    for k in (0, 1, n // 2, n - 1):
        nav.set_slice_index(k)
        assert nav.slice_index() == k
        assert _voxel(affine, nav.plane_origin())[axis] == pytest.approx(k, abs=1e-9)
        assert nav.index_of_position(nav.position_of_index(k)) == k
    nav.set_slice_index(n + 5)           # beyond the end: the last slice, not outside
    assert nav.slice_index() == n - 1
    nav.set_slice_index(-3)
    assert nav.slice_index() == 0


def test_scroll_up_moves_superior_on_an_inferior_running_series():
    nav = _nav("axial", _affine(flip_k=True))
    nav.set_slice_index(10)
    z = nav.plane_origin()[2]
    nav.scroll(1)
    # k grows towards inferior in this series: slice 11 is 2.5 mm lower
    assert nav.slice_index() == 11 and nav.plane_origin()[2] == pytest.approx(z - 2.5)


@pytest.mark.parametrize("plane", PLANES)
def test_snap_moves_a_point_onto_the_nearest_slice_only_along_the_normal(plane):
    nav = _nav(plane)
    axis = AXIS_OF_PLANE[plane]
    p = _affine()[:3, :3] @ np.array([12.3, 7.6, 4.4]) + ORIGIN   # between slices on every axis
    q = nav.snap(p)
    v = _voxel(_affine(), q)
    expected = np.array([12.3, 7.6, 4.4])
    expected[axis] = round(expected[axis])
    assert v == pytest.approx(expected)
    nav.state.cursor = p
    assert nav.position_mm() == pytest.approx(float(np.dot(q - nav.centre, nav.axes.normal)))


def test_cursor_beyond_the_volume_snaps_to_the_end_slice():
    nav = _nav("axial")
    nav.state.cursor = nav.centre + np.array([0, 0, 500.0])
    assert nav.slice_index() == SHAPE[0] - 1


def test_patient_coordinate_inside_moves_outside_refuses():
    nav = _nav("axial")
    nav.set_patient_coordinate(2, 100.0 + 7 * 2.5 + 1.0)   # 1 mm above slice 7
    assert nav.slice_index() == 7
    with pytest.raises(ValueError, match="outside the series"):
        nav.set_patient_coordinate(2, 100.0 - 10.0)
    with pytest.raises(ValueError, match="parallel"):
        nav.set_patient_coordinate(0, 0.0)


@pytest.mark.parametrize("plane", PLANES)
def test_world_lps_round_trip_and_screen_directions(plane):
    nav = _nav(plane)
    nav.set_slice_index(5)
    x, y = 13.25, -4.5
    p = nav.world_to_lps(x, y)
    assert nav.lps_to_world(p) == pytest.approx((x, y))
    assert nav.on_plane(p)
    # screen right is the plane's `right` direction in the patient
    assert nav.world_to_lps(x + 1, y) - p == pytest.approx(nav.axes.right)


@pytest.mark.parametrize("zoom, pan", [(1.0, (0.0, 0.0)), (2.5, (12.0, -7.0)), (0.4, (-30.0, 3.0))])
def test_display_lps_round_trip_under_zoom_and_pan(zoom, pan):
    nav = _nav("coronal", _affine(flip_k=True))
    vp = Viewport(640, 480)
    nav.state.zoom, nav.state.pan = zoom, np.array(pan)
    for px in ((0.0, 0.0), (320.0, 240.0), (639.0, 17.5), (101.25, 470.0)):
        p = nav.display_to_lps(*px, vp)
        assert nav.on_plane(p)
        assert nav.lps_to_display(p, vp) == pytest.approx(px)
    # the viewport centre shows the camera centre: the extent centre moved by the pan
    x0, x1, y0, y1 = nav.extent_xy
    assert nav.display_to_world(320, 240, vp) == pytest.approx(((x0 + x1) / 2 + pan[0], (y0 + y1) / 2 + pan[1]))


def test_zoom_one_fits_the_whole_plane_and_zoom_scales_mm_per_pixel():
    nav = _nav("axial")
    vp = Viewport(300, 500)     # taller than wide: the width limits the fit
    corners = [nav.lps_to_display(nav.snap(c), vp) for c in nav.corners]
    xs, ys = zip(*corners)
    assert 0 <= min(xs) and max(xs) <= 300 and 0 <= min(ys) and max(ys) <= 500
    assert max(xs) - min(xs) > 0.95 * 300          # fitted, not tiny
    before = nav.mm_per_pixel(vp)
    nav.zoom_by(2.0)
    assert nav.mm_per_pixel(vp) == pytest.approx(before / 2)
    nav.zoom_by(1e6)
    assert nav.state.zoom == 40.0                   # clamped
    nav.reset_camera()
    assert nav.state.zoom == 1.0 and not nav.state.pan.any()


def test_pan_drag_keeps_the_grabbed_point_under_the_mouse():
    nav = _nav("sagittal")
    vp = Viewport(400, 400)
    nav.zoom_by(3.0)
    grabbed = nav.display_to_lps(150.0, 220.0, vp)
    nav.pan_by_pixels(35.0, -12.0, vp)
    assert nav.lps_to_display(grabbed, vp) == pytest.approx((185.0, 208.0))


def test_slab_mode_accepts_enum_and_text_and_refuses_unknown():
    nav = _nav("axial")
    nav.set_slab(10.0, "minip")
    assert nav.state.slab_mode is SlabMode.MINIP and nav.state.slab_mode == "minip"
    assert nav.slab_slices() == 4                   # 10 mm of 2.5 mm slices
    nav.set_slab(7.5, SlabMode.AVG)
    assert nav.slab_slices() == 3
    with pytest.raises(ValueError, match="expected one of mip, minip, avg"):
        nav.set_slab(5.0, "max")
    assert nav.state.slab_mm == 7.5 and nav.state.slab_mode is SlabMode.AVG  # unchanged on refusal
    # a point 3 mm off the plane is inside a 7.5 mm slab, outside a thin slice
    p = nav.plane_origin() + 3.0 * nav.axes.normal
    assert nav.on_plane(p)
    nav.set_slab(0.0)
    assert not nav.on_plane(p) and nav.slab_slices() == 1


def test_oblique_plane_is_reported_and_snaps_on_its_own_step():
    nav = _nav("coronal")
    assert not nav.is_oblique()
    nav.state.axes = nav.axes.rotated(np.array([0.0, 0.0, 1.0]), np.radians(30))
    nav.update_geometry()
    assert nav.is_oblique()
    p = nav.snap(nav.centre + np.array([3.3, 4.4, 0.0]))
    d = float(np.dot(p - nav.centre, nav.axes.normal))
    lo, _ = nav.normal_range()
    assert (d - lo) / nav.step_mm() == pytest.approx(round((d - lo) / nav.step_mm()))


def _sample(grid, i, j):
    return grid.origin[0] + i * grid.spacing, grid.origin[1] + j * grid.spacing


def test_the_view_grid_samples_only_what_the_viewport_shows_and_never_finer_than_its_pixels():
    nav = _nav("coronal")
    x0, x1, y0, y1 = nav.extent_xy
    small = Viewport(40, 40)   # the plane (40 x 75 mm) shown in 40 x 40 pixels: ~1.9 mm a pixel
    grid = nav.view_grid(small)
    i0, i1, j0, j1 = grid.extent
    assert grid.on_pixels and grid.spacing == pytest.approx(nav.mm_per_pixel(small)) and grid.spacing > nav.pixel_mm
    # at zoom 1 the whole plane is visible: the grid covers it, and no more than the viewport
    assert _sample(grid, i0, j0) <= (x0, y0) and _sample(grid, i1, j1) >= (x1, y1)
    assert i1 - i0 + 1 <= small.width and j1 - j0 + 1 <= small.height
    assert (i1 + 1) * (j1 + 1) < nav.output_size[0] * nav.output_size[1] / 3

    big = Viewport(800, 800)   # zoomed in and panned: voxel-size samples, only the visible part
    nav.zoom_by(4.0)
    nav.pan_by_pixels(200, -100, big)
    grid = nav.view_grid(big)
    i0, i1, j0, j1 = grid.extent
    assert grid.spacing == nav.pixel_mm and not grid.on_pixels and grid.origin == (x0, y0)
    left, bottom = nav.display_to_world(0, 0, big)
    right, top = nav.display_to_world(big.width, big.height, big)
    lo_x, hi_x = max(left, x0), min(right, x1)
    lo_y, hi_y = max(bottom, y0), min(top, y1)
    assert x0 + i0 * grid.spacing <= lo_x and x0 + i1 * grid.spacing >= hi_x - grid.spacing   # all visible
    assert y0 + j0 * grid.spacing <= lo_y and y0 + j1 * grid.spacing >= hi_y - grid.spacing
    assert (i1 - i0 + 1) < nav.output_size[0] or (j1 - j0 + 1) < nav.output_size[1]

    nav.pan_by_pixels(-10**6, 0, big)  # the plane dragged off the view: a one-sample grid, not none
    i0, i1, j0, j1 = nav.view_grid(big).extent
    assert i0 <= i1 and j0 <= j1


@pytest.mark.parametrize("plane", ["axial", "coronal", "sagittal"])
def test_where_a_pixel_is_coarser_than_a_voxel_the_samples_are_the_screen_pixels_centres(plane):
    """So the image is drawn one sample to one pixel: a sample half a pixel off the pixel's
    centre would be interpolated a second time on screen, blurring every edge."""
    nav = _nav(plane)
    view = Viewport(37, 29)   # odd sizes: the centre pixel is not on the camera's centre
    nav.pan_by_pixels(3.3, -1.7, view)   # a pan by a fraction of a pixel
    for zoom in (1.0, 0.5):
        nav.state.zoom = zoom
        grid = nav.view_grid(view)
        assert grid.on_pixels and grid.spacing == pytest.approx(nav.mm_per_pixel(view))
        i0, i1, j0, j1 = grid.extent
        for i, j in ((i0, j0), (i1, j1), ((i0 + i1) // 2, (j0 + j1) // 2)):
            assert _sample(grid, i, j) == pytest.approx(nav.display_to_world(i + 0.5, j + 0.5, view))
