"""Where a view's plane lies in a volume, and how screen pixels map to the patient (numpy only).

A view's world is its plane: world (x, y) = in-plane mm along the view's `right` and `up`
from a fixed plane origin (the volume centre projected on the plane), so the image does
not jump as the slice moves or the cursor moves in-plane. The plane snaps to the volume's
slice grid along its normal, so an axial view of an axial series always shows an acquired
slice, never a blend of two. The camera is a parallel projection described by plain
numbers (zoom, pan in world mm); `SliceView` hands them to VTK and draws nothing itself here.

Display pixels follow VTK: origin at the bottom-left of the viewport, y up.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from common.choice import Choice

from viewer.tools.window_level import Window
from viewer.views.planes import PlaneAxes, step_along, volume_corners

__all__ = ["SlabMode", "SliceNavigation", "ViewGrid", "ViewState", "Viewport"]

ZOOM_RANGE = (0.1, 40.0)
MIN_PIXEL_MM = 0.2  # the reslice never samples finer than this, whatever the voxels


class SlabMode(Choice):
    """How a thick slab is projected; a `str` enum, so "mip" and SlabMode.MIP are the same."""

    MIP = "mip"
    MINIP = "minip"
    AVG = "avg"


@dataclass
class ViewState:
    """What one view shows; the volume is shared, this is per view (as Slicer separates them)."""

    axes: PlaneAxes
    cursor: np.ndarray                 # LPS point the plane passes through
    window: Window
    slab_mm: float = 0.0               # 0 = thin slice
    slab_mode: SlabMode = SlabMode.MIP
    zoom: float = 1.0                  # 1 = fit the plane's extent to the view
    pan: np.ndarray = field(default_factory=lambda: np.zeros(2))  # world mm offset of the camera


@dataclass(frozen=True)
class ViewGrid:
    """The reslice output for one view: sample (i, j) lies at world origin + (i, j) * spacing."""

    spacing: float
    origin: tuple[float, float]
    extent: tuple[int, int, int, int]   # i0, i1, j0, j1 (inclusive)
    on_pixels: bool                     # samples are the screen pixels' centres: draw them 1:1


@dataclass(frozen=True)
class Viewport:
    """Size of the drawing area in display pixels."""

    width: int
    height: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "width", max(1, int(self.width)))
        object.__setattr__(self, "height", max(1, int(self.height)))


class SliceNavigation:
    """Slice grid, plane position, camera and coordinate transforms of one view.

    Built from a volume's affine and voxel shape (k, j, i); mutates only `state`.
    """

    def __init__(self, affine: np.ndarray, shape_kji: tuple[int, int, int], state: ViewState) -> None:
        self.affine = np.asarray(affine, float)
        self.shape = tuple(int(n) for n in shape_kji)
        self.state = state
        self.corners = volume_corners(self.affine, self.shape)
        self.centre = self.corners.mean(axis=0)
        self.update_geometry()

    @property
    def axes(self) -> PlaneAxes:
        return self.state.axes

    # ---- in-plane sampling ------------------------------------------------------------
    def update_geometry(self) -> None:
        """Recompute the in-plane extent and sampling after the plane orientation changed."""
        ax = self.axes
        rel = self.corners - self.centre
        xs, ys = rel @ ax.right, rel @ ax.up
        in_plane = float(np.linalg.norm(self.affine[:3, :3], axis=0)[:2].min())
        self.pixel_mm = max(min(in_plane, self.step_mm()), MIN_PIXEL_MM)
        s = self.pixel_mm
        self.output_size = (int(np.ceil((xs.max() - xs.min()) / s)) + 1,
                            int(np.ceil((ys.max() - ys.min()) / s)) + 1)
        nx, ny = self.output_size
        self.extent_xy = (float(xs.min()), float(xs.min() + (nx - 1) * s),
                          float(ys.min()), float(ys.min() + (ny - 1) * s))

    # ---- along the normal -------------------------------------------------------------
    def step_mm(self) -> float:
        return step_along(self.axes.normal, self.affine)

    def normal_range(self) -> tuple[float, float]:
        d = (self.corners - self.centre) @ self.axes.normal
        return float(d.min()), float(d.max())

    def _snapped(self, d: float) -> float:
        lo, hi = self.normal_range()
        step = self.step_mm()
        d = float(np.clip(d, lo, hi))
        return lo + round((d - lo) / step) * step

    def _distance(self, p: np.ndarray) -> float:
        return float(np.dot(np.asarray(p, float) - self.centre, self.axes.normal))

    def position_mm(self) -> float:
        """Signed distance of the shown plane from the volume centre along the normal."""
        return self._snapped(self._distance(self.state.cursor))

    def snap(self, point: np.ndarray) -> np.ndarray:
        """`point` moved along this view's normal onto the plane this view would show."""
        p = np.asarray(point, float)
        d = self._distance(p)
        return p + (self._snapped(d) - d) * self.axes.normal

    def index_sign(self) -> float:
        """+1 if slice numbers grow along the view normal, -1 if against it.

        Slice numbers follow the volume's own voxel axis closest to the normal, so that
        slice N of an axial view of an axial series is the series' N-th image in
        position order (what `--slice`, the status line and the report's references use).
        """
        cols = self.affine[:3, :3]
        dots = (cols / np.linalg.norm(cols, axis=0)).T @ self.axes.normal
        return 1.0 if dots[int(np.argmax(np.abs(dots)))] >= 0 else -1.0

    def slice_count(self) -> int:
        lo, hi = self.normal_range()
        return int(round((hi - lo) / self.step_mm())) + 1

    def slice_index(self) -> int:
        """0-based slice number (see index_sign)."""
        return self.index_of_position(self.position_mm())

    def index_of_position(self, d: float) -> int:
        lo, hi = self.normal_range()
        off = self._snapped(d) - lo if self.index_sign() > 0 else hi - self._snapped(d)
        return int(round(off / self.step_mm()))

    def position_of_index(self, k: int) -> float:
        """Distance along the normal of slice `k` (clamped to the volume's slices)."""
        lo, hi = self.normal_range()
        k = int(np.clip(k, 0, self.slice_count() - 1))
        return lo + k * self.step_mm() if self.index_sign() > 0 else hi - k * self.step_mm()

    def set_slice_index(self, k: int) -> None:
        self.move_along_normal(self.position_of_index(k))

    def scroll(self, steps: int) -> None:
        """Move `steps` slices; positive = increasing slice number."""
        self.set_slice_index(self.slice_index() + steps)

    def move_along_normal(self, d: float) -> None:
        """Put the cursor at distance `d` along the normal, keeping its in-plane position."""
        lo, hi = self.normal_range()
        d = float(np.clip(d, lo, hi))
        self.state.cursor = self.state.cursor + (d - self._distance(self.state.cursor)) * self.axes.normal

    def set_patient_coordinate(self, axis: int, mm: float) -> None:
        """Move the plane so that it passes through LPS coordinate `axis` = mm."""
        n = self.axes.normal
        if abs(n[axis]) < 1e-6:
            raise ValueError("the plane is parallel to that patient axis")
        target = self.state.cursor.copy()
        target[axis] = mm
        d = self._distance(target)
        lo, hi = self.normal_range()
        tol = self.step_mm() / 2
        if not lo - tol <= d <= hi + tol:
            ends = sorted(float(self.centre[axis] + x * n[axis]) for x in (lo, hi))
            raise ValueError(f"{'xyz'[axis]} = {mm:.1f} mm is outside the series "
                             f"({ends[0]:.1f} to {ends[1]:.1f} mm)")
        self.move_along_normal(d)

    def on_plane(self, p: np.ndarray) -> bool:
        """True if `p` lies within half a slice (or half the slab) of the shown plane."""
        d = float(np.dot(np.asarray(p, float) - self.plane_origin(), self.axes.normal))
        return abs(d) <= max(self.step_mm() / 2, self.state.slab_mm / 2) + 1e-9

    def is_oblique(self) -> bool:
        return float(np.abs(self.axes.normal).max()) <= 0.999

    # ---- slab -------------------------------------------------------------------------
    def set_slab(self, mm: float, mode: SlabMode | str | None = None) -> None:
        mode = SlabMode.parse(mode) if mode else None  # check before changing anything
        self.state.slab_mm = max(0.0, float(mm))
        if mode is not None:
            self.state.slab_mode = mode

    def slab_slices(self) -> int:
        """Slices the slab projects (1 = a thin slice)."""
        if self.state.slab_mm <= 0:
            return 1
        return max(1, int(round(self.state.slab_mm / self.step_mm())))

    # ---- plane coordinates ------------------------------------------------------------
    def plane_origin(self) -> np.ndarray:
        return self.centre + self.position_mm() * self.axes.normal

    def world_to_lps(self, x: float, y: float) -> np.ndarray:
        return self.plane_origin() + x * self.axes.right + y * self.axes.up

    def lps_to_world(self, p: np.ndarray) -> tuple[float, float]:
        rel = np.asarray(p, float) - self.plane_origin()
        return float(rel @ self.axes.right), float(rel @ self.axes.up)

    # ---- camera -----------------------------------------------------------------------
    def reset_camera(self) -> None:
        self.state.zoom = 1.0
        self.state.pan = np.zeros(2)

    def zoom_by(self, factor: float) -> None:
        self.state.zoom = float(np.clip(self.state.zoom * factor, *ZOOM_RANGE))

    def pan_by_pixels(self, dx: float, dy: float, viewport: Viewport) -> None:
        """Drag by (dx, dy) display pixels: the image follows the mouse."""
        self.state.pan = self.state.pan - np.array([dx, dy], float) * self.mm_per_pixel(viewport)

    def fit_scale(self, viewport: Viewport) -> float:
        """Half the world height shown at zoom 1: the whole plane fits, with a pixel to spare."""
        x0, x1, y0, y1 = self.extent_xy
        half_h = (y1 - y0) / 2 + self.pixel_mm
        half_w = (x1 - x0) / 2 + self.pixel_mm
        return max(half_h, half_w * viewport.height / viewport.width)

    def parallel_scale(self, viewport: Viewport) -> float:
        """Half the world height shown (VTK's parallel scale)."""
        return self.fit_scale(viewport) / self.state.zoom

    def mm_per_pixel(self, viewport: Viewport) -> float:
        return 2 * self.parallel_scale(viewport) / viewport.height

    def view_grid(self, viewport: Viewport) -> ViewGrid:
        """How the plane is sampled for what `viewport` shows: only the visible part, one
        sample more on each side (a 3000-slice coronal plane is 512 x 4286 samples at voxel
        size; the view shows a few hundred pixels of it), never finer than a voxel.

        Where a screen pixel is coarser than a voxel (the whole plane in view) the samples
        are the screen pixels' centres, so the image is drawn one sample to one pixel with
        no second interpolation: a texture sampled half a pixel off would blur every edge by
        averaging neighbours. Zoomed in past the voxels, the samples are voxel-spaced from
        the plane's corner and the drawing magnifies them smoothly."""
        x0, x1, y0, y1 = self.extent_xy
        if viewport.width < 2 or viewport.height < 2:
            nx, ny = self.output_size
            return ViewGrid(self.pixel_mm, (x0, y0), (0, nx - 1, 0, ny - 1), on_pixels=False)
        mm = self.mm_per_pixel(viewport)
        cx, cy = self.camera_centre()
        if mm >= self.pixel_mm:
            s, on_pixels = mm, True
            ox = cx - (viewport.width / 2 - 0.5) * s      # centre of display pixel (0, 0)
            oy = cy - (viewport.height / 2 - 0.5) * s
            nx, ny = viewport.width, viewport.height
            lo_x, hi_x, lo_y, hi_y = x0 - ox, x1 - ox, y0 - oy, y1 - oy    # the plane, on the grid
        else:
            s, on_pixels = self.pixel_mm, False
            ox, oy = x0, y0
            nx, ny = self.output_size
            half_w, half_h = viewport.width / 2 * mm, viewport.height / 2 * mm
            lo_x, hi_x = cx - half_w - x0, cx + half_w - x0                  # the view, on the grid
            lo_y, hi_y = cy - half_h - y0, cy + half_h - y0

        def span(lo: float, hi: float, n: int) -> tuple[int, int]:
            a = int(np.clip(np.floor(lo / s) - 1, 0, n - 1))
            b = int(np.clip(np.ceil(hi / s) + 1, 0, n - 1))
            return a, max(a, b)

        return ViewGrid(s, (ox, oy), (*span(lo_x, hi_x, nx), *span(lo_y, hi_y, ny)), on_pixels)

    def camera_centre(self) -> tuple[float, float]:
        """World point at the centre of the viewport."""
        x0, x1, y0, y1 = self.extent_xy
        return (x0 + x1) / 2 + float(self.state.pan[0]), (y0 + y1) / 2 + float(self.state.pan[1])

    def display_to_world(self, x_px: float, y_px: float, viewport: Viewport) -> tuple[float, float]:
        cx, cy = self.camera_centre()
        s = self.mm_per_pixel(viewport)
        return cx + (x_px - viewport.width / 2) * s, cy + (y_px - viewport.height / 2) * s

    def world_to_display(self, x: float, y: float, viewport: Viewport) -> tuple[float, float]:
        cx, cy = self.camera_centre()
        s = self.mm_per_pixel(viewport)
        return viewport.width / 2 + (x - cx) / s, viewport.height / 2 + (y - cy) / s

    def display_to_lps(self, x_px: float, y_px: float, viewport: Viewport) -> np.ndarray:
        return self.world_to_lps(*self.display_to_world(x_px, y_px, viewport))

    def lps_to_display(self, p: np.ndarray, viewport: Viewport) -> tuple[float, float]:
        return self.world_to_display(*self.lps_to_world(p), viewport)
