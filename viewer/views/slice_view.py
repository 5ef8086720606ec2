"""One VTK view of a plane through a volume: reslice, window/level, slab, camera, overlays.

Qt-free: it draws into any vtkRenderer, so the same code serves the reading window
(viewer.views.qt_view) and the headless `yomi render` (viewer.views.offscreen).

The view renders a model and holds none of its logic: where the plane is, the camera and
the coordinate transforms are `viewer.views.navigation.SliceNavigation` (numpy only), the
corner texts `viewer.views.banner`, the measurements `viewer.tools.measure.Measurements`.

Coordinates. The volume's voxels go to VTK as image data in "data space" (index times
spacing, identity direction); the volume's rotation R and origin T (from its LPS affine)
are applied by the reslice axes, so any acquisition orientation displays in radiological
convention. Each view's world is its plane (see navigation).
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np
from vtkmodules.util import numpy_support
from vtkmodules.vtkCommonCore import VTK_SHORT, vtkPoints
from vtkmodules.vtkCommonDataModel import vtkCellArray, vtkImageData, vtkPolyData, vtkPolyLine
from vtkmodules.vtkCommonMath import vtkMatrix4x4
from vtkmodules.vtkImagingCore import vtkImageReslice
from vtkmodules.vtkRenderingCore import (
    vtkActor,
    vtkImageActor,
    vtkPolyDataMapper,
    vtkRenderer,
    vtkTextActor,
)
import vtkmodules.vtkRenderingFreeType  # noqa: F401  (text rendering backend)
import vtkmodules.vtkRenderingOpenGL2  # noqa: F401  (OpenGL backend)

from viewer.sampling import VoxelReading
from viewer.texts import Translate, untranslated
from viewer.tools.measure import EllipseRoi, Length, Measurements, slab_note
from viewer.tools.window_level import Window, default_window
from viewer.views import banner
from viewer.views.fonts import cjk_font_file
from viewer.views.navigation import SlabMode, SliceNavigation, ViewState, Viewport
from viewer.views.planes import PlaneAxes, screen_labels
from viewer.views.text_wrap import wrap

if TYPE_CHECKING:
    from viewer.volume import Volume

__all__ = ["SLAB_MODES", "SliceView", "ViewState", "volume_to_vtk"]

log = logging.getLogger(__name__)

SLAB_MODES = tuple(SlabMode)
_CROSS_COLOURS = {"axial": (0.2, 0.6, 1.0), "coronal": (0.3, 0.9, 0.3), "sagittal": (1.0, 0.75, 0.2)}
_LENGTH_COLOUR = (0.2, 1.0, 0.2)
_ROI_COLOUR = (0.3, 0.8, 1.0)
_REFUSED_COLOUR = (1.0, 0.45, 0.2)   # as the volume warnings: no value from invented data
_SLAB_SETTERS = {SlabMode.MIP: "SetSlabModeToMax", SlabMode.MINIP: "SetSlabModeToMin",
                 SlabMode.AVG: "SetSlabModeToMean"}


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
        self.nav: SliceNavigation | None = None
        self.measurements = Measurements()
        self.font_size = font_size
        self.show_crosshair = False
        self.crosshair_planes: dict[str, PlaneAxes] = {}
        self.listeners: list = []  # callables(view) called after a state change

        self._reslice = vtkImageReslice()
        self._reslice.SetOutputDimensionality(2)
        self._reslice.SetInterpolationModeToLinear()
        self._reslice.AutoCropOutputOff()
        self._image = vtkImageActor()
        self._image.GetMapper().SetInputConnection(self._reslice.GetOutputPort())
        renderer.SetBackground(0, 0, 0)
        renderer.GetActiveCamera().ParallelProjectionOn()

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
        self._warning = _text(fs, _REFUSED_COLOUR, bold=True)
        self._warning.SetPosition(0.99, 0.01)
        self._warning.GetTextProperty().SetJustificationToRight()
        # below the patient lines, in the warnings' colour: a guessed name, blanked UIDs
        self._notice = _text(fs, _REFUSED_COLOUR, bold=True)
        self._notice.SetPosition(0.01, 0.99)
        self._notice.GetTextProperty().SetVerticalJustificationToTop()
        # Which study this view shows, in a coloured band under the top label (a comparison's
        # current and prior side by side must never be taken one for the other).
        self._study_tag = _text(fs + 4, bold=True)
        self._study_tag.SetPosition(0.5, 0.93)
        tp = self._study_tag.GetTextProperty()
        tp.SetJustificationToCentered()
        tp.SetVerticalJustificationToTop()
        tp.SetShadow(False)
        tp.SetBackgroundOpacity(0.0)
        self.study_tag_text = ""
        self.translate: Translate = untranslated   # every text drawn, in the reader's language: the Qt layer sets Qt's
        for t in self._text_actors():
            renderer.AddViewProp(t)
        self._overlay_actors: list = []
        self.overlay_texts: list[str] = []  # the measurement labels drawn now (what the reader sees)

        self._img = None
        self._rot = np.eye(3)
        self._origin = np.zeros(3)

    # ---- volume and state -------------------------------------------------------------
    def show_warm_up_scene(self, on: bool) -> None:
        """A two-pixel image and sample text in this renderer (on), or nothing (off).

        Software OpenGL compiles a context's shaders at its first draws of an image and of
        text: about 100 ms per view, measured (bench/RESULTS.md). Drawing this scene once
        before any study pays that at start-up instead of while the reader's first study
        opens."""
        if self.volume is not None:
            return
        if on:
            tiny = vtkImageData()
            tiny.SetDimensions(2, 2, 1)
            tiny.AllocateScalars(VTK_SHORT, 1)
            self._reslice.SetInputData(tiny)
            self._reslice.SetOutputExtent(0, 1, 0, 1, 0, 0)
            self.renderer.AddViewProp(self._image)
            for t in self._text_actors():
                t.SetInput("Aa 0")
        else:
            self._show_nothing()

    def _show_nothing(self) -> None:
        """No image and no text in the renderer (a comparison's study tag stays)."""
        self.renderer.RemoveViewProp(self._image)
        self._reslice.SetInputData(None)
        for t in self._text_actors():
            t.SetInput("")
        self._study_tag.SetInput(self.study_tag_text)

    def set_volume(self, volume: "Volume", state: ViewState | None = None, *, draw: bool = True) -> None:
        """Show `volume` with `state` (None: a new view). With draw=False the caller calls
        update() later (the MPR layout draws its three views in turns of their own)."""
        self.volume = volume
        self._img, self._rot, self._origin = volume_to_vtk(volume)
        self._reslice.SetInputData(self._img)
        if not self.renderer.HasViewProp(self._image):
            self.renderer.AddViewProp(self._image)
        self._reslice.SetBackgroundLevel(min(volume.min_value, -1024.0))
        keep = state is not None  # same study growing (slices still arriving): keep the view
        if state is None:
            state = ViewState(PlaneAxes.standard(self.plane), np.zeros(3), default_window(volume.window_presets))
        self.nav = SliceNavigation(volume.affine, volume.voxels.shape, state)
        if not keep:
            state.cursor = self.nav.centre.copy()
        if keep:
            self._apply_camera()
        else:
            self.reset_camera()
        if draw:
            self.update()

    def clear_volume(self) -> None:
        """Show nothing: the study on screen was closed (another one opens). Its measurements go
        with it: a length of one patient must not be drawn on, or reported for, the next."""
        self.volume = self.nav = self._img = None
        self._show_nothing()
        self._clear_overlays()
        self.measurements = Measurements()

    def voxels_changed(self) -> None:
        """The volume's array was written to (slices filled in): VTK must read it again."""
        if self._img is not None:
            self._img.Modified()
            self._img.GetPointData().GetScalars().Modified()
            self._reslice.SetBackgroundLevel(min(self.volume.min_value, -1024.0))

    @property
    def state(self) -> ViewState | None:
        return self.nav.state if self.nav is not None else None

    @property
    def axes(self) -> PlaneAxes:
        return self.nav.axes

    @property
    def lengths(self) -> list[Length]:
        return self.measurements.lengths

    @property
    def ellipses(self) -> list[EllipseRoi]:
        return self.measurements.ellipses

    @property
    def pixel_mm(self) -> float:
        return self.nav.pixel_mm

    def _fit_output(self) -> None:
        """Reslice only what the view shows (see view_grid); world coordinates do not change
        with the grid. Samples on the screen's pixels are drawn as they are (nearest), voxel
        samples magnified smoothly (linear)."""
        grid = self.nav.view_grid(self.viewport())
        self._reslice.SetOutputOrigin(*grid.origin, 0.0)
        self._reslice.SetOutputSpacing(grid.spacing, grid.spacing, self.nav.step_mm())
        self._reslice.SetOutputExtent(*grid.extent, 0, 0)
        prop = self._image.GetProperty()
        if grid.on_pixels:
            prop.SetInterpolationTypeToNearest()
        else:
            prop.SetInterpolationTypeToLinear()

    def _apply_reslice_axes(self) -> None:
        rt = self._rot.T
        m = vtkMatrix4x4()
        cols = [rt @ self.axes.right, rt @ self.axes.up, rt @ self.axes.normal]
        origin = rt @ (self.nav.plane_origin() - self._origin)
        for c in range(3):
            for r in range(3):
                m.SetElement(r, c, float(cols[c][r]))
            m.SetElement(c, 3, float(origin[c]))
        self._reslice.SetResliceAxes(m)
        if self.state.slab_mm > 0:
            getattr(self._reslice, _SLAB_SETTERS[self.state.slab_mode])()
        self._reslice.SetSlabNumberOfSlices(self.nav.slab_slices())

    # ---- navigation (the model's, followed by a redraw) -------------------------------
    def step_mm(self) -> float:
        return self.nav.step_mm()

    def plane_origin(self) -> np.ndarray:
        return self.nav.plane_origin()

    def position_mm(self) -> float:
        return self.nav.position_mm()

    def snap(self, point: np.ndarray) -> np.ndarray:
        return self.nav.snap(point)

    def slice_count(self) -> int:
        return self.nav.slice_count()

    def slice_index(self) -> int:
        return self.nav.slice_index()

    def set_slice_index(self, k: int) -> None:
        self.nav.set_slice_index(k)
        self.update()

    def scroll(self, steps: int) -> None:
        """Move `steps` slices; positive = increasing slice number."""
        self.nav.scroll(steps)
        self.update()

    def set_patient_coordinate(self, axis: int, mm: float) -> None:
        self.nav.set_patient_coordinate(axis, mm)
        self.update()

    def set_cursor(self, point: np.ndarray) -> None:
        self.state.cursor = np.asarray(point, float).copy()
        self.update()

    def set_axes(self, axes: PlaneAxes) -> None:
        self.state.axes = axes
        self.nav.update_geometry()
        self._apply_camera()   # the plane's extent changed: its fit and centre with it
        self.update()

    def set_window(self, window: Window) -> None:
        self.state.window = window.clamped()
        self.update()

    def set_slab(self, mm: float, mode: SlabMode | str | None = None) -> None:
        self.nav.set_slab(mm, mode)
        self.update()

    def on_plane(self, p: np.ndarray) -> bool:
        return self.nav.on_plane(p)

    # ---- camera -----------------------------------------------------------------------
    def viewport(self) -> Viewport:
        return Viewport(*self.renderer.GetSize())

    def reset_camera(self) -> None:
        self.nav.reset_camera()
        self._apply_camera()

    def zoom_by(self, factor: float) -> None:
        self.nav.zoom_by(factor)
        self._apply_camera()
        self._notify()

    def pan_by_pixels(self, dx: float, dy: float) -> None:
        self.nav.pan_by_pixels(dx, dy, self.viewport())
        self._apply_camera()
        self._notify()

    def _mm_per_pixel(self) -> float:
        return self.nav.mm_per_pixel(self.viewport())

    def _apply_camera(self) -> None:
        cx, cy = self.nav.camera_centre()
        cam = self.renderer.GetActiveCamera()
        cam.SetFocalPoint(cx, cy, 0.0)
        cam.SetPosition(cx, cy, 1000.0)
        cam.SetViewUp(0.0, 1.0, 0.0)
        cam.SetParallelScale(self.nav.parallel_scale(self.viewport()))
        self._fit_output()
        self.renderer.ResetCameraClippingRange()

    def refit(self) -> None:
        """Call when the viewport size changed: camera fit and text size follow the view."""
        size = int(np.clip(self.viewport().width / 30, 9, self.font_size))
        for t in self._text_actors():
            big = t is self._study_tag or t in self._labels.values()
            t.GetTextProperty().SetFontSize(size + 4 if big else size)
        self._apply_camera()

    def _text_actors(self) -> list:
        return [*self._labels.values(), self._banner_left, self._banner_right, self._status, self._warning,
                self._notice, self._study_tag]

    def set_study_tag(self, text: str, background: tuple[float, float, float] = (0.0, 0.0, 0.0)) -> None:
        """Name the study shown (e.g. "PRIOR 2024-06-01") in white on `background`; '' removes it."""
        self.study_tag_text = text
        tp = self._study_tag.GetTextProperty()
        tp.SetBackgroundColor(*background)
        tp.SetBackgroundOpacity(1.0 if text else 0.0)
        self._study_tag.SetInput(text)

    def drawn_texts(self) -> dict[str, str]:
        """What every text actor of the view draws now, by its place: the orientation labels
        ("label-left", ...), "patient", "study", "status", "warnings", "notices", "study-tag" (a
        comparison's CURRENT / PRIOR band), and each measurement's label ("measurement-1", ...).
        Read back from the actors, as drawn."""
        places = [*(f"label-{k}" for k in self._labels), "patient", "study", "status", "warnings", "notices",
                  "study-tag"]
        out = {place: a.GetInput() or "" for place, a in zip(places, self._text_actors())}
        labels = [a for a in self._overlay_actors if isinstance(a, vtkTextActor)]
        out.update({f"measurement-{n}": a.GetInput() or "" for n, a in enumerate(labels, start=1)})
        return out

    # ---- coordinates ------------------------------------------------------------------
    def world_to_lps(self, x: float, y: float) -> np.ndarray:
        return self.nav.world_to_lps(x, y)

    def lps_to_world(self, p: np.ndarray) -> tuple[float, float]:
        return self.nav.lps_to_world(p)

    def display_to_lps(self, x_px: float, y_px: float) -> np.ndarray:
        """Display pixel (origin bottom-left, as VTK) -> LPS point on the plane."""
        return self.nav.display_to_lps(x_px, y_px, self.viewport())

    def lps_to_display(self, p: np.ndarray) -> tuple[float, float]:
        return self.nav.lps_to_display(p, self.viewport())

    def hu_at(self, p: np.ndarray) -> float:
        """Stored value at LPS `p` (`Volume.hu_at`'s rule; NoVoxelData where there is none)."""
        return self.volume.hu_at(self.volume.lps_to_index(p))

    def reading_at(self, p: np.ndarray) -> VoxelReading:
        return VoxelReading.at(self.volume, p)

    # ---- measurements -----------------------------------------------------------------
    def add_length(self, p1: np.ndarray, p2: np.ndarray) -> Length:
        m = self.measurements.add_length(self.volume, p1, p2)
        self.update()
        return m

    def add_ellipse(self, center: np.ndarray, corner: np.ndarray) -> EllipseRoi:
        roi = self.measurements.add_ellipse(self.volume, center, corner, self.axes.right, self.axes.up)
        self.update()
        return roi

    def remove_last_measurement(self) -> bool:
        removed = self.measurements.remove_last()
        if removed:
            self.update()
        return removed

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
        for k, text in screen_labels(self.axes).items():
            self._labels[k].SetInput(text)
        ident = self.volume.identity
        who = banner.patient_text(ident, ideographic_ok=cjk_font_file() is not None)
        self._banner_left.SetInput(who)
        notices = banner.notice_text(ident, self.translate)
        wide = max(20, int(self.viewport().width / (0.6 * self.font_size)))
        notices = wrap(notices, wide, "  ")
        self._notice.SetInput("\n" * len(who.splitlines()) + notices if notices else "")
        self._banner_right.SetInput(banner.study_text(ident))
        self._status.SetInput(banner.status_text(self.plane, self.state, self.slice_index(), self.slice_count(),
                                                 oblique=self.nav.is_oblique(), translate=self.translate))
        # bottom right shares the line with the status at bottom left: keep to half the width
        chars = max(20, int(self.viewport().width / 2 / (0.6 * self.font_size)))
        self._warning.SetInput(wrap(banner.warning_text(self.volume.warnings, self.translate), chars, "  "))

    def _clear_overlays(self) -> None:
        for a in self._overlay_actors:
            self.renderer.RemoveViewProp(a)
        self._overlay_actors = []
        self.overlay_texts = []

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

    def _label_at(self, text: str, right_of: tuple[float, float], left_of: tuple[float, float], colour) -> None:
        """A measurement label beside its shape, on the side with more room, wrapped to fit:
        a refusal reason is long and must be read whole, even in a narrow MPR view."""
        vp = self.viewport()
        x_right = self.nav.world_to_display(*right_of, vp)[0]
        x_left = self.nav.world_to_display(*left_of, vp)[0]
        on_right = vp.width - x_right >= x_left
        room_px = max(vp.width - x_right if on_right else x_left, vp.width / 3)
        chars = max(12, int(room_px / (0.6 * self.font_size)))
        text = wrap(text, chars)
        t = _text(self.font_size, colour)
        if not on_right:
            t.GetTextProperty().SetJustificationToRight()
        t.GetPositionCoordinate().SetCoordinateSystemToWorld()
        anchor = right_of if on_right else left_of
        t.SetPosition(anchor[0], anchor[1])
        t.SetInput(text)
        self.renderer.AddViewProp(t)
        self._overlay_actors.append(t)
        self.overlay_texts.append(text)

    def _update_overlays(self) -> None:
        self._clear_overlays()
        x0, x1, y0, y1 = self.nav.extent_xy
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
        for m in self.measurements_on_plane():
            colour = (_REFUSED_COLOUR if m.refusal else _LENGTH_COLOUR if isinstance(m, Length) else _ROI_COLOUR)
            if isinstance(m, Length):
                a, b = self.lps_to_world(m.p1), self.lps_to_world(m.p2)
                self._polyline([a, b], colour, 2.0)
                right_of, left_of = (max(a[0], b[0]) + 2, b[1] + 2), (min(a[0], b[0]) - 2, b[1] + 2)
            else:
                c = self.lps_to_world(m.center)
                ra, rb = np.linalg.norm(m.axis_a), np.linalg.norm(m.axis_b)
                t = np.linspace(0, 2 * np.pi, 65)[:-1]
                self._polyline([(c[0] + ra * np.cos(a), c[1] + rb * np.sin(a)) for a in t], colour, 2.0, closed=True)
                right_of, left_of = (c[0] + ra + 2, c[1]), (c[0] - ra - 2, c[1])
            text = m.label(self.translate)
            if isinstance(m, EllipseRoi) and m.stats is not None and self.state.slab_mm > 0:
                text += "\n" + slab_note(self.translate)
            self._label_at(text, right_of, left_of, colour)
        self.renderer.ResetCameraClippingRange()

    def measurements_on_plane(self) -> list[Length | EllipseRoi]:
        """The measurements this view draws (those on its plane): lengths, then ROIs."""
        return [*(m for m in self.lengths if self.on_plane(m.p1) and self.on_plane(m.p2)),
                *(r for r in self.ellipses if self.on_plane(r.center))]
