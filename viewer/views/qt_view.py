"""A SliceView inside a Qt widget, driven by mouse and keyboard.

The widget translates Qt events into SliceView calls and holds no viewing logic itself.
Mouse: left drag = current tool (window/level by default), middle drag = pan,
right drag = zoom, wheel = scroll (Ctrl+wheel = zoom).
Keys are the shell's keymap (app/keymap/defaults.py: Up/Down one slice, 1-5 presets, ...),
which calls `perform(ViewCommand)` on the view with the focus.
"""
from __future__ import annotations

import math

import numpy as np
import vtkmodules.qt

vtkmodules.qt.PyQtImpl = "PySide6"
from PySide6.QtCore import QCoreApplication, QPoint, Qt, Signal  # noqa: E402
from PySide6.QtGui import QKeyEvent, QMouseEvent, QWheelEvent  # noqa: E402
from vtkmodules.qt.QVTKRenderWindowInteractor import QVTKRenderWindowInteractor  # noqa: E402
from vtkmodules.vtkInteractionStyle import vtkInteractorStyleUser  # noqa: E402
from vtkmodules.vtkRenderingCore import vtkRenderer  # noqa: E402

from viewer.tools.tool import Tool  # noqa: E402
from viewer.tools.window_level import PRESETS, series_windows  # noqa: E402
from viewer.views.navigation import SlabMode  # noqa: E402
from viewer.views.slice_view import SliceView  # noqa: E402
from viewer.views.view_commands import ViewCommand  # noqa: E402

TOOLS = tuple(Tool)
_SLAB_CYCLE = (None, *SlabMode)
_ROTATE = "rotate"  # a crosshair drag with Ctrl held: not a tool of its own


class SliceWidget(QVTKRenderWindowInteractor):
    """One plane on screen. Signals carry what the MPR layout and the shell need."""

    cursorPicked = Signal(object)             # LPS point chosen with the crosshair tool
    rotateRequested = Signal(str, float)      # plane, angle (rad) about this view's normal
    measurementAdded = Signal(object)         # Length or EllipseRoi
    viewChanged = Signal()
    toolChanged = Signal(object)              # Tool
    hovered = Signal(object)                  # viewer.sampling.VoxelReading under the mouse

    def __init__(self, plane: str = "axial", parent=None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setMinimumSize(200, 200)
        self.renderer = vtkRenderer()
        # A flat image and text gain nothing from multisampling, and software OpenGL pays
        # for it on every draw: 4 samples made a 760 x 900 view's draw 2-3 times slower.
        self.GetRenderWindow().SetMultiSamples(0)
        self.GetRenderWindow().AddRenderer(self.renderer)
        # Qt owns interaction: VTK's own style must not also react to the same events.
        self.GetRenderWindow().GetInteractor().SetInteractorStyle(vtkInteractorStyleUser())
        self.view = SliceView(self.renderer, plane)
        self.view.translate = QCoreApplication.translate   # the banner's notices in the reader's language
        self.view.listeners.append(lambda _v: self.viewChanged.emit())
        self.tool = Tool.WINDOW
        self._drag: tuple[Tool | str, QPoint, QPoint] | None = None  # (action, start, last)
        self._pending: np.ndarray | None = None
        self.setMouseTracking(True)  # HU readout under the mouse, without a button held
        self.Initialize()

    # ---- helpers ----------------------------------------------------------------------
    @property
    def plane(self) -> str:
        return self.view.plane

    def set_volume(self, volume) -> None:
        self.view.set_volume(volume)
        self.refresh()

    def clear_volume(self, *, draw: bool = True) -> None:
        """Nothing on screen (see SliceView.clear_volume); a drag or measurement under way ends."""
        self._drag = None
        self._pending = None
        self.view.clear_volume()
        if draw and self.isVisible():
            self.refresh()

    def warm_up(self) -> None:
        """Draw a throw-away scene once, so the first study's first draw is not also the
        OpenGL context's first (see SliceView.show_warm_up_scene)."""
        if self.view.volume is not None or not self.isVisible():
            return
        for on in (True, False):
            self.view.show_warm_up_scene(on)
            self.GetRenderWindow().Render()

    def refresh(self) -> None:
        if self.view.volume is not None:
            self.view.refit()
        self.GetRenderWindow().Render()

    def set_tool(self, tool: Tool | str) -> None:
        self.tool = Tool.parse(tool)
        self._pending = None
        self.toolChanged.emit(self.tool)

    def _display_xy(self, pos: QPoint) -> tuple[float, float]:
        """Qt widget pixel (top-left origin, logical) -> VTK display (bottom-left, device)."""
        ratio = self.devicePixelRatioF()
        return pos.x() * ratio, (self.height() - pos.y() - 1) * ratio

    def lps_at(self, pos: QPoint) -> np.ndarray:
        return self.view.display_to_lps(*self._display_xy(pos))

    # ---- Qt events --------------------------------------------------------------------
    def focusInEvent(self, ev) -> None:  # noqa: N802
        # Qt's own asks for a repaint, to show a focus frame: a view draws none, and a full
        # render in a paint of Qt's, outside the draw queue, is what the queue is there to avoid
        ev.accept()

    def focusOutEvent(self, ev) -> None:  # noqa: N802
        ev.accept()

    def resizeEvent(self, ev) -> None:  # noqa: N802
        super().resizeEvent(ev)
        if self.view.volume is not None:
            self.view.refit()

    def mousePressEvent(self, ev: QMouseEvent) -> None:  # noqa: N802
        self.setFocus()
        if self.view.volume is None:
            return
        pos = ev.position().toPoint()
        if ev.button() == Qt.LeftButton:
            action = self.tool
            if action.draws:
                self._pending = self.lps_at(pos)
            elif action == Tool.CROSSHAIR:
                if ev.modifiers() & Qt.ControlModifier:
                    action = _ROTATE
                else:
                    self.cursorPicked.emit(self.lps_at(pos))
        elif ev.button() == Qt.MiddleButton:
            action = Tool.PAN
        elif ev.button() == Qt.RightButton:
            action = Tool.ZOOM
        else:
            return
        self._drag = (action, pos, pos)

    def mouseMoveEvent(self, ev: QMouseEvent) -> None:  # noqa: N802
        if self.view.volume is None:
            return
        pos = ev.position().toPoint()
        if self._drag is None:
            self.hovered.emit(self.view.reading_at(self.lps_at(pos)))
            return
        action, start, last = self._drag
        dx, dy = pos.x() - last.x(), pos.y() - last.y()
        if action == Tool.WINDOW:
            self.view.set_window(self.view.state.window.dragged(dx, dy))
        elif action == Tool.PAN:
            self.view.pan_by_pixels(dx, -dy)
        elif action == Tool.ZOOM:
            self.view.zoom_by(math.exp(-dy / 100.0))
        elif action == Tool.CROSSHAIR:
            self.cursorPicked.emit(self.lps_at(pos))
        elif action == _ROTATE:
            c = self.view.lps_to_display(self.view.state.cursor)
            a0 = math.atan2(self._display_xy(last)[1] - c[1], self._display_xy(last)[0] - c[0])
            a1 = math.atan2(self._display_xy(pos)[1] - c[1], self._display_xy(pos)[0] - c[0])
            self.rotateRequested.emit(self.plane, a1 - a0)
        self._drag = (action, start, pos)
        self.refresh()

    def mouseReleaseEvent(self, ev: QMouseEvent) -> None:  # noqa: N802
        if self._drag is None:
            return
        action, start, _ = self._drag
        self._drag = None
        pos = ev.position().toPoint()
        if action in (Tool.LENGTH, Tool.ELLIPSE) and self._pending is not None:
            end = self.lps_at(pos)
            if (pos - start).manhattanLength() >= 3:
                m = (self.view.add_length(self._pending, end) if action == Tool.LENGTH
                     else self._add_ellipse(self._pending, end))
                if m is not None:
                    self.measurementAdded.emit(m)
            self._pending = None
            self.refresh()

    def _add_ellipse(self, center, corner):
        try:
            return self.view.add_ellipse(center, corner)
        except ValueError:  # flat or wholly outside the volume: nothing to measure
            return None

    def wheelEvent(self, ev: QWheelEvent) -> None:  # noqa: N802
        if self.view.volume is None:
            return
        steps = ev.angleDelta().y() // 120 or (1 if ev.angleDelta().y() > 0 else -1)
        if ev.modifiers() & Qt.ControlModifier:
            self.view.zoom_by(1.1 ** steps)
        else:
            self.view.scroll(steps)
        self.refresh()

    def keyPressEvent(self, ev: QKeyEvent) -> None:  # noqa: N802
        # Keys are the shell's (its keymap's QActions, live while a view has the focus); none
        # may reach VTK's own interactor, which would answer some of them (w: wireframe).
        ev.ignore()

    def perform(self, command: ViewCommand) -> None:
        """Do `command` here (the keymap's actions call this on the view with the focus)."""
        v = self.view
        if v.volume is None:
            return
        c = ViewCommand
        if command in (c.SLICE_NEXT, c.SLICE_PREVIOUS, c.PAGE_NEXT, c.PAGE_PREVIOUS):
            v.scroll({c.SLICE_NEXT: 1, c.SLICE_PREVIOUS: -1, c.PAGE_NEXT: 10, c.PAGE_PREVIOUS: -10}[command])
        elif command in (c.FIRST_SLICE, c.LAST_SLICE):
            v.set_slice_index(0 if command is c.FIRST_SLICE else v.slice_count() - 1)
        elif command.value in PRESETS:
            v.set_window(PRESETS[command.value])
        elif command.value.startswith("series window "):
            own = series_windows(v.volume.window_presets)
            n = int(command.value.rsplit(" ", 1)[1])
            if n >= len(own):
                return
            v.set_window(own[n])
        elif command is c.RESET_ZOOM:
            v.reset_camera()
        elif command is c.SLAB_CYCLE:
            cur = v.state.slab_mode if v.state.slab_mm > 0 else None
            nxt = _SLAB_CYCLE[(_SLAB_CYCLE.index(cur) + 1) % len(_SLAB_CYCLE)]
            v.set_slab(0.0 if nxt is None else max(v.state.slab_mm, 10.0), nxt)
        elif command in (c.SLAB_THICKER, c.SLAB_THINNER):
            if v.state.slab_mm <= 0:
                return
            v.set_slab(max(v.step_mm(), v.state.slab_mm + (2.0 if command is c.SLAB_THICKER else -2.0)))
        elif command in (c.ROTATE_BACK, c.ROTATE_FORWARD):
            self.rotateRequested.emit(self.plane, math.radians(5 if command is c.ROTATE_FORWARD else -5))
        elif command is c.DELETE_LAST:
            v.remove_last_measurement()
        self.refresh()
