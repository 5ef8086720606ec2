"""One VTK view of a plane through a volume: reslice, window/level, slab, camera, overlays.

Qt-free: it draws into any vtkRenderer, so the same code serves the reading window
(viewer.views.qt_view) and the headless `yomi render` (viewer.views.offscreen).

Coordinates. The volume's voxels go to VTK as image data in "data space" (index times
spacing, identity direction); the volume's rotation R and origin T (from its LPS affine)
are applied by the reslice axes, so any acquisition orientation displays in radiological
convention. Each view's world is its plane: world (x, y) = in-plane mm along the view's
`right` and `up` from a fixed plane origin (the volume centre projected on the plane),
so the image does not jump as the slice moves or the cursor moves in-plane.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from vtkmodules.util import numpy_support
from vtkmodules.vtkCommonCore import vtkPoints
from vtkmodules.vtkCommonDataModel import vtkCellArray, vtkImageData, vtkPolyData, vtkPolyLine
from vtkmodules.vtkCommonMath import vtkMatrix4x4
from vtkmodules.vtkImagingCore import vtkImageReslice
from vtkmodules.vtkRenderingCore import (
    vtkActor,
    vtkCoordinate,
    vtkImageActor,
    vtkPolyDataMapper,
    vtkRenderer,
    vtkTextActor,
)
import vtkmodules.vtkRenderingFreeType  # noqa: F401  (text rendering backend)
import vtkmodules.vtkRenderingOpenGL2  # noqa: F401  (OpenGL backend)

from viewer.tools.measure import EllipseRoi, Length
from viewer.tools.window_level import PRESETS, Window, series_windows
from viewer.views.fonts import cjk_font_file
from viewer.views.names import display_name
from viewer.views.planes import PlaneAxes, screen_labels, step_along, volume_corners

if TYPE_CHECKING:
    from viewer.volume import Volume

log = logging.getLogger(__name__)

SLAB_MODES = ("mip", "minip", "avg")
_CROSS_COLOURS = {"axial": (0.2, 0.6, 1.0), "coronal": (0.3, 0.9, 0.3), "sagittal": (1.0, 0.75, 0.2)}


@dataclass
class ViewState:
    """What one view shows; the volume is shared, this is per view (as Slicer separates them)."""

    axes: PlaneAxes
    cursor: np.ndarray                 # LPS point the plane passes through
    window: Window
    slab_mm: float = 0.0               # 0 = thin slice
    slab_mode: str = "mip"
    zoom: float = 1.0                  # 1 = fit the plane's extent to the view
    pan: np.ndarray = field(default_factory=lambda: np.zeros(2))  # world mm offset of the camera


def volume_to_vtk(volume: "Volume") -> tuple[vtkImageData, np.ndarray, np.ndarray]:
    """Image data in data space, plus the rotation R (3x3) and origin T of the affine."""
    vox = np.ascontiguousarray(volume.voxels)
    nk, nj, ni = vox.shape
    cols = volume.affine[:3, :3]
    spacing = np.linalg.norm(cols, axis=0)
    rot = cols / spacing
    if not np.allclose(rot.T @ rot, np.eye(3), atol=1e-3):
        raise ValueError(
            f"series {volume.identity.series_uid}: voxel axes are not orthogonal "
            "(a tilted series must be resampled before display)"
        )
    img = vtkImageData()
    img.SetDimensions(ni, nj, nk)
    img.SetSpacing(*spacing)
    img.SetOrigin(0.0, 0.0, 0.0)
    arr = numpy_support.numpy_to_vtk(vox.ravel(), deep=False)
    arr.SetName("HU")
    img.GetPointData().SetScalars(arr)
    img._numpy_keepalive = vox  # VTK holds a pointer into this buffer
    return img, rot, volume.affine[:3, 3].copy()


def _text(size: int, colour=(1.0, 1.0, 1.0), bold: bool = False) -> vtkTextActor:
    t = vtkTextActor()
    p = t.GetTextProperty()
    font = cjk_font_file()
    if font:
        p.SetFontFamily(4)  # VTK_FONT_FILE
        p.SetFontFile(font)
    p.SetFontSize(size)
    p.SetColor(*colour)
    p.SetBold(bold)
    p.SetShadow(True)
    t.GetPositionCoordinate().SetCoordinateSystemToNormalizedViewport()
    return t


class SliceView:
    """A plane of a volume in a vtkRenderer, with labels, banner, crosshair and measurements."""

    def __init__(self, renderer: vtkRenderer, plane: str = "axial", *, font_size: int = 14) -> None:
        self.renderer = renderer
        self.plane = plane
        self.volume: Volume | None = None
        self.state: ViewState | None = None
        self.font_size = font_size
        self.show_crosshair = False
        self.crosshair_planes: dict[str, PlaneAxes] = {}
        self.lengths: list[Length] = []
        self.ellipses: list[EllipseRoi] = []
        self.listeners: list = []  # callables(view) called after a state change

        self._reslice = vtkImageReslice()
        self._reslice.SetOutputDimensionality(2)
        self._reslice.SetInterpolationModeToLinear()
        self._reslice.AutoCropOutputOff()
        self._image = vtkImageActor()
        self._image.GetMapper().SetInputConnection(self._reslice.GetOutputPort())
        self._image.GetProperty().SetInterpolationTypeToLinear()
        renderer.SetBackground(0, 0, 0)
        cam = renderer.GetActiveCamera()
        cam.ParallelProjectionOn()

        fs = font_size
        self._labels = {k: _text(fs + 4, (1.0, 1.0, 0.3), bold=True) for k in ("left", "right", "top", "bottom")}
        self._labels["left"].SetPosition(0.01, 0.5)
        self._labels["left"].GetTextProperty().SetVerticalJustificationToCentered()
        self._labels["right"].SetPosition(0.99, 0.5)
        self._labels["right"].GetTextProperty().SetJustificationToRight()
        self._labels["right"].GetTextProperty().SetVerticalJustificationToCentered()
        self._labels["top"].SetPosition(0.5, 0.99)
        self._labels["top"].GetTextProperty().SetJustificationToCentered()
        self._labels["top"].GetTextProperty().SetVerticalJustificationToTop()
        self._labels["bottom"].SetPosition(0.5, 0.01)
        self._labels["bottom"].GetTextProperty().SetJustificationToCentered()
        self._banner_left = _text(fs)
        self._banner_left.SetPosition(0.01, 0.99)
        self._banner_left.GetTextProperty().SetVerticalJustificationToTop()
        self._banner_right = _text(fs)
        self._banner_right.SetPosition(0.99, 0.99)
        self._banner_right.GetTextProperty().SetJustificationToRight()
        self._banner_right.GetTextProperty().SetVerticalJustificationToTop()
        self._status = _text(fs)
        self._status.SetPosition(0.01, 0.01)
        self._warning = _text(fs, (1.0, 0.45, 0.2), bold=True)
        self._warning.SetPosition(0.99, 0.01)
        self._warning.GetTextProperty().SetJustificationToRight()
        for t in self._text_actors():
            renderer.AddViewProp(t)
        self._overlay_actors: list = []

        self._img = None
        self._rot = np.eye(3)
        self._origin = np.zeros(3)
        self._extent_xy = (0.0, 1.0, 0.0, 1.0)

    # ---- volume and state -------------------------------------------------------------
    def set_volume(self, volume: "Volume", state: ViewState | None = None) -> None:
        self.volume = volume
        self._img, self._rot, self._origin = volume_to_vtk(volume)
        self._reslice.SetInputData(self._img)
        if not self.renderer.HasViewProp(self._image):
            self.renderer.AddViewProp(self._image)
        vmin = float(np.min(volume.voxels)) if volume.voxels.size else -1024.0
        self._reslice.SetBackgroundLevel(min(vmin, -1024.0))
        corners = volume_corners(volume.affine, volume.voxels.shape)
        self._centre = corners.mean(axis=0)
        self._corners = corners
        keep = state is not None  # same study growing (slices still arriving): keep the view
        if state is None:
            own = series_windows(volume.window_presets)
            win = own[0] if own else PRESETS["mediastinum"]
            state = ViewState(PlaneAxes.standard(self.plane), self._centre.copy(), win)
        self.state = state
        self._update_geometry()
        if keep:
            self._apply_camera()
        else:
            self.reset_camera()
        self.update()

    @property
    def axes(self) -> PlaneAxes:
        return self.state.axes

    def plane_origin(self) -> np.ndarray:
        return self._centre + self.position_mm() * self.axes.normal

    def _update_geometry(self) -> None:
        """Reslice axes and output extent for the current plane orientation."""
        ax = self.axes
        rel = self._corners - self._centre
        xs, ys = rel @ ax.right, rel @ ax.up
        self.pixel_mm = float(min(np.linalg.norm(self.volume.affine[:3, :3], axis=0)[:2].min(),
                                  step_along(ax.normal, self.volume.affine)))
        self.pixel_mm = max(self.pixel_mm, 0.2)
        s = self.pixel_mm
        nx = int(np.ceil((xs.max() - xs.min()) / s)) + 1
        ny = int(np.ceil((ys.max() - ys.min()) / s)) + 1
        self._extent_xy = (float(xs.min()), float(xs.min() + (nx - 1) * s),
                           float(ys.min()), float(ys.min() + (ny - 1) * s))
        self._reslice.SetOutputSpacing(s, s, self.step_mm())
        self._reslice.SetOutputOrigin(self._extent_xy[0], self._extent_xy[2], 0.0)
        self._reslice.SetOutputExtent(0, nx - 1, 0, ny - 1, 0, 0)

    def step_mm(self) -> float:
        return step_along(self.axes.normal, self.volume.affine)

    def _apply_reslice_axes(self) -> None:
        rt = self._rot.T
        m = vtkMatrix4x4()
        cols = [rt @ self.axes.right, rt @ self.axes.up, rt @ self.axes.normal]
        origin = rt @ (self.plane_origin() - self._origin)
        for c in range(3):
            for r in range(3):
                m.SetElement(r, c, float(cols[c][r]))
            m.SetElement(c, 3, float(origin[c]))
        self._reslice.SetResliceAxes(m)
        st = self.state
        if st.slab_mm > 0:
            n = max(1, int(round(st.slab_mm / self.step_mm())))
            {"mip": self._reslice.SetSlabModeToMax, "minip": self._reslice.SetSlabModeToMin,
             "avg": self._reslice.SetSlabModeToMean}[st.slab_mode]()
            self._reslice.SetSlabNumberOfSlices(n)
        else:
            self._reslice.SetSlabNumberOfSlices(1)

    # ---- navigation -------------------------------------------------------------------
    def position_mm(self) -> float:
        """Signed distance of the shown plane from the volume centre along the normal.

        The plane snaps to the slice grid, so an axial view of an axial series always
        shows an acquired slice, never a blend of two, wherever the cursor was put.
        """
        lo, hi = self._normal_range()
        step = self.step_mm()
        d = float(np.clip(np.dot(self.state.cursor - self._centre, self.axes.normal), lo, hi))
        return lo + round((d - lo) / step) * step

    def snap(self, point: np.ndarray) -> np.ndarray:
        """`point` moved along this view's normal onto the plane this view would show."""
        n = self.axes.normal
        p = np.asarray(point, float)
        saved, self.state.cursor = self.state.cursor, p
        try:
            return p + (self.position_mm() - float(np.dot(p - self._centre, n))) * n
        finally:
            self.state.cursor = saved

    def _normal_range(self) -> tuple[float, float]:
        d = (self._corners - self._centre) @ self.axes.normal
        return float(d.min()), float(d.max())

    def _index_sign(self) -> float:
        """+1 if slice numbers grow along the view normal, -1 if against it.

        Slice numbers follow the volume's own voxel axis closest to the normal, so that
        slice N of an axial view of an axial series is the series' N-th image in
        position order (what `--slice`, the status line and the report's references use).
        """
        cols = self.volume.affine[:3, :3]
        dirs = cols / np.linalg.norm(cols, axis=0)
        dots = dirs.T @ self.axes.normal
        return 1.0 if dots[int(np.argmax(np.abs(dots)))] >= 0 else -1.0

    def slice_count(self) -> int:
        lo, hi = self._normal_range()
        return int(round((hi - lo) / self.step_mm())) + 1

    def slice_index(self) -> int:
        """0-based slice number (see _index_sign)."""
        lo, hi = self._normal_range()
        d = self.position_mm() - lo if self._index_sign() > 0 else hi - self.position_mm()
        return int(round(d / self.step_mm()))

    def set_slice_index(self, k: int) -> None:
        lo, hi = self._normal_range()
        k = int(np.clip(k, 0, self.slice_count() - 1))
        self._move_along_normal(lo + k * self.step_mm() if self._index_sign() > 0 else hi - k * self.step_mm())

    def _move_along_normal(self, d: float) -> None:
        lo, hi = self._normal_range()
        d = float(np.clip(d, lo, hi))
        n = self.axes.normal
        raw = float(np.dot(self.state.cursor - self._centre, n))
        self.state.cursor = self.state.cursor + (d - raw) * n
        self.update()

    def scroll(self, steps: int) -> None:
        """Move `steps` slices; positive = increasing slice number."""
        self.set_slice_index(self.slice_index() + steps)

    def set_patient_coordinate(self, axis: int, mm: float) -> None:
        """Move the plane so that it passes through LPS coordinate `axis` = mm."""
        n = self.axes.normal
        if abs(n[axis]) < 1e-6:
            raise ValueError("the plane is parallel to that patient axis")
        target = self.state.cursor.copy()
        target[axis] = mm
        d = float(np.dot(target - self._centre, n))
        lo, hi = self._normal_range()
        tol = self.step_mm() / 2
        if not lo - tol <= d <= hi + tol:
            ends = sorted(float(self._centre[axis] + x * n[axis]) for x in (lo, hi))
            raise ValueError(f"{'xyz'[axis]} = {mm:.1f} mm is outside the series "
                             f"({ends[0]:.1f} to {ends[1]:.1f} mm)")
        self._move_along_normal(d)

    def set_cursor(self, point: np.ndarray) -> None:
        self.state.cursor = np.asarray(point, float).copy()
        self.update()

    def set_axes(self, axes: PlaneAxes) -> None:
        self.state.axes = axes
        self._update_geometry()
        self.update()

    def set_window(self, window: Window) -> None:
        self.state.window = window.clamped()
        self.update()

    def set_slab(self, mm: float, mode: str | None = None) -> None:
        if mode is not None and mode not in SLAB_MODES:
            raise ValueError(f"slab mode {mode!r}: expected one of {', '.join(SLAB_MODES)}")
        self.state.slab_mm = max(0.0, float(mm))
        if mode:
            self.state.slab_mode = mode
        self.update()

    # ---- camera -----------------------------------------------------------------------
    def reset_camera(self) -> None:
        self.state.zoom = 1.0
        self.state.pan = np.zeros(2)
        self._apply_camera()

    def zoom_by(self, factor: float) -> None:
        self.state.zoom = float(np.clip(self.state.zoom * factor, 0.1, 40.0))
        self._apply_camera()
        self._notify()

    def pan_by_pixels(self, dx: float, dy: float) -> None:
        mm_per_px = self._mm_per_pixel()
        self.state.pan = self.state.pan - np.array([dx, dy]) * mm_per_px
        self._apply_camera()
        self._notify()

    def _viewport_size(self) -> tuple[int, int]:
        w, h = self.renderer.GetSize()
        return max(1, w), max(1, h)

    def _fit_scale(self) -> float:
        x0, x1, y0, y1 = self._extent_xy
        w, h = self._viewport_size()
        half_h = (y1 - y0) / 2 + self.pixel_mm
        half_w = (x1 - x0) / 2 + self.pixel_mm
        return max(half_h, half_w * h / w)

    def _mm_per_pixel(self) -> float:
        return 2 * self._fit_scale() / self.state.zoom / self._viewport_size()[1]

    def _apply_camera(self) -> None:
        x0, x1, y0, y1 = self._extent_xy
        cx, cy = (x0 + x1) / 2 + self.state.pan[0], (y0 + y1) / 2 + self.state.pan[1]
        cam = self.renderer.GetActiveCamera()
        cam.SetFocalPoint(cx, cy, 0.0)
        cam.SetPosition(cx, cy, 1000.0)
        cam.SetViewUp(0.0, 1.0, 0.0)
        cam.SetParallelScale(self._fit_scale() / self.state.zoom)
        self.renderer.ResetCameraClippingRange()

    def refit(self) -> None:
        """Call when the viewport size changed: camera fit and text size follow the view."""
        w, _ = self._viewport_size()
        size = int(np.clip(w / 30, 9, self.font_size))
        for t in self._text_actors():
            t.GetTextProperty().SetFontSize(size + 4 if t in self._labels.values() else size)
        self._apply_camera()

    def _text_actors(self) -> list:
        return [*self._labels.values(), self._banner_left, self._banner_right, self._status, self._warning]

    # ---- coordinates ------------------------------------------------------------------
    def world_to_lps(self, x: float, y: float) -> np.ndarray:
        return self.plane_origin() + x * self.axes.right + y * self.axes.up

    def lps_to_world(self, p: np.ndarray) -> tuple[float, float]:
        rel = np.asarray(p, float) - self.plane_origin()
        return float(rel @ self.axes.right), float(rel @ self.axes.up)

    def display_to_lps(self, x_px: float, y_px: float) -> np.ndarray:
        """Display pixel (origin bottom-left, as VTK) -> LPS point on the plane."""
        c = vtkCoordinate()
        c.SetCoordinateSystemToDisplay()
        c.SetValue(float(x_px), float(y_px), 0.0)
        wx, wy, _ = c.GetComputedWorldValue(self.renderer)
        return self.world_to_lps(wx, wy)

    def lps_to_display(self, p: np.ndarray) -> tuple[float, float]:
        wx, wy = self.lps_to_world(p)
        c = vtkCoordinate()
        c.SetCoordinateSystemToWorld()
        c.SetValue(wx, wy, 0.0)
        x, y = c.GetComputedDoubleDisplayValue(self.renderer)
        return float(x), float(y)

    def hu_at(self, p: np.ndarray) -> float | None:
        inv = np.linalg.inv(self.volume.affine)
        ijk = np.rint(inv[:3, :3] @ np.asarray(p, float) + inv[:3, 3]).astype(int)
        nk, nj, ni = self.volume.voxels.shape
        if 0 <= ijk[0] < ni and 0 <= ijk[1] < nj and 0 <= ijk[2] < nk:
            return float(self.volume.voxels[ijk[2], ijk[1], ijk[0]])
        return None

    def on_plane(self, p: np.ndarray) -> bool:
        d = float(np.dot(np.asarray(p, float) - self.state.cursor, self.axes.normal))
        return abs(d) <= max(self.step_mm() / 2, self.state.slab_mm / 2)

    # ---- measurements -----------------------------------------------------------------
    def add_length(self, p1: np.ndarray, p2: np.ndarray) -> Length:
        m = Length(np.asarray(p1, float), np.asarray(p2, float))
        self.lengths.append(m)
        self.update()
        return m

    def add_ellipse(self, center: np.ndarray, corner: np.ndarray) -> EllipseRoi:
        rel = np.asarray(corner, float) - np.asarray(center, float)
        a = abs(float(rel @ self.axes.right)) * self.axes.right
        b = abs(float(rel @ self.axes.up)) * self.axes.up
        roi = EllipseRoi(np.asarray(center, float), a, b)
        roi.compute(self.volume.voxels, self.volume.affine)
        self.ellipses.append(roi)
        self.update()
        return roi

    # ---- drawing ----------------------------------------------------------------------
    def _notify(self) -> None:
        for fn in list(self.listeners):
            try:
                fn(self)
            except Exception:  # one failing listener must not stop the others
                log.exception("view listener failed")

    def update(self) -> None:
        """Recompute the pipeline and overlays from the state (does not render)."""
        if self.volume is None:
            return
        self._apply_reslice_axes()
        prop = self._image.GetProperty()
        prop.SetColorWindow(self.state.window.width)
        prop.SetColorLevel(self.state.window.center)
        self._update_text()
        self._update_overlays()
        self._notify()

    def _update_text(self) -> None:
        labels = screen_labels(self.axes)
        for k, actor in self._labels.items():
            actor.SetInput(labels[k])
        ident = self.volume.identity
        name = display_name(ident.patient_name, ideographic_ok=cjk_font_file() is not None)
        sex_birth = " ".join(x for x in (ident.sex, _fmt_date(ident.birth_date)) if x)
        self._banner_left.SetInput("\n".join(x for x in (name, f"ID {ident.patient_id}", sex_birth) if x))
        series = f"Se {ident.series_number} {ident.series_description}".strip()
        self._banner_right.SetInput("\n".join(x for x in (
            ident.institution, f"{_fmt_date(ident.study_date)} {ident.study_description}".strip(),
            series, ident.modality) if x))
        st = self.state
        w = st.window
        lines = [f"W {w.width:.0f} L {w.center:.0f}" + (f" ({w.name})" if w.name else "")]
        if abs(self.axes.normal).max() > 0.999:
            lines.append(f"{self.plane.capitalize()} {self.slice_index() + 1}/{self.slice_count()}")
        else:
            lines.append(f"Oblique {self.plane}")
        axis = int(np.argmax(np.abs(self.axes.normal)))
        lines.append(f"{'xyz'[axis]} {self.state.cursor[axis]:.1f} mm  zoom {st.zoom:.2f}")
        if st.slab_mm > 0:
            lines.append(f"{st.slab_mode.upper()} slab {st.slab_mm:.1f} mm")
        self._status.SetInput("\n".join(lines))
        self._warning.SetInput("\n".join(f"! {w}" for w in self.volume.warnings[:3]))

    def _clear_overlays(self) -> None:
        for a in self._overlay_actors:
            self.renderer.RemoveViewProp(a)
        self._overlay_actors = []

    def _polyline(self, pts_world: list[tuple[float, float]], colour, width: float = 1.5, closed=False) -> None:
        points = vtkPoints()
        for x, y in pts_world:
            points.InsertNextPoint(x, y, 1.0)
        n = len(pts_world)
        line = vtkPolyLine()
        ids = list(range(n)) + ([0] if closed else [])
        line.GetPointIds().SetNumberOfIds(len(ids))
        for i, pid in enumerate(ids):
            line.GetPointIds().SetId(i, pid)
        cells = vtkCellArray()
        cells.InsertNextCell(line)
        poly = vtkPolyData()
        poly.SetPoints(points)
        poly.SetLines(cells)
        mapper = vtkPolyDataMapper()
        mapper.SetInputData(poly)
        actor = vtkActor()
        actor.SetMapper(mapper)
        prop = actor.GetProperty()
        prop.SetColor(*colour)
        prop.SetLineWidth(width)
        prop.LightingOff()
        self.renderer.AddViewProp(actor)
        self._overlay_actors.append(actor)

    def _label_at(self, text: str, world: tuple[float, float], colour) -> None:
        t = _text(self.font_size, colour)
        t.GetPositionCoordinate().SetCoordinateSystemToWorld()
        t.SetPosition(world[0], world[1])
        t.SetInput(text)
        self.renderer.AddViewProp(t)
        self._overlay_actors.append(t)

    def _update_overlays(self) -> None:
        self._clear_overlays()
        x0, x1, y0, y1 = self._extent_xy
        if self.show_crosshair:
            cx, cy = self.lps_to_world(self.state.cursor)
            for name, other in self.crosshair_planes.items():
                d = np.cross(self.axes.normal, other.normal)
                if np.linalg.norm(d) < 1e-6:
                    continue
                d = d / np.linalg.norm(d)
                dx, dy = float(d @ self.axes.right), float(d @ self.axes.up)
                big = 2 * max(x1 - x0, y1 - y0)
                self._polyline([(cx - big * dx, cy - big * dy), (cx + big * dx, cy + big * dy)],
                               _CROSS_COLOURS.get(name, (1, 1, 1)), 1.0)
        for m in self.lengths:
            if self.on_plane(m.p1) and self.on_plane(m.p2):
                a, b = self.lps_to_world(m.p1), self.lps_to_world(m.p2)
                self._polyline([a, b], (0.2, 1.0, 0.2), 2.0)
                self._label_at(m.label(), (b[0] + 2, b[1] + 2), (0.2, 1.0, 0.2))
        for roi in self.ellipses:
            if self.on_plane(roi.center):
                c = self.lps_to_world(roi.center)
                ra, rb = np.linalg.norm(roi.axis_a), np.linalg.norm(roi.axis_b)
                t = np.linspace(0, 2 * np.pi, 65)[:-1]
                pts = [(c[0] + ra * np.cos(a), c[1] + rb * np.sin(a)) for a in t]
                self._polyline(pts, (0.3, 0.8, 1.0), 2.0, closed=True)
                self._label_at(roi.label(), (c[0] + ra + 2, c[1]), (0.3, 0.8, 1.0))
        self.renderer.ResetCameraClippingRange()


def _fmt_date(d: str) -> str:
    d = (d or "").strip()
    return f"{d[:4]}-{d[4:6]}-{d[6:8]}" if len(d) == 8 and d.isdigit() else d
