"""The three-plane MPR layout: axial, coronal and sagittal views with a linked crosshair.

One cursor point (LPS) is shared: picking it in any view moves the other two planes
through it. Rotating the crosshair in a view turns the other two planes about that view's
normal, which gives oblique MPR. The window is shared too, as readers expect when they
change a preset. `set_layout("axial")` shows the axial view alone, "mpr" the three planes
(axial large, coronal and sagittal beside it); the shell's keymap gives them their keys.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QGridLayout, QWidget

from viewer.views.planes import PLANES, PlaneAxes
from viewer.views.qt_view import SliceWidget


class MprWidget(QWidget):
    measurementAdded = Signal(object, str)   # measurement, plane
    viewChanged = Signal()
    hovered = Signal(object)                 # viewer.sampling.VoxelReading under the mouse

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.views: dict[str, SliceWidget] = {p: SliceWidget(p, self) for p in PLANES}
        # Axial large on the left (the plane a chest CT is read in), coronal and sagittal
        # stacked on the right.
        lay = QGridLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.views["axial"], 0, 0, 2, 1)
        lay.addWidget(self.views["coronal"], 0, 1)
        lay.addWidget(self.views["sagittal"], 1, 1)
        lay.setColumnStretch(0, 3)
        lay.setColumnStretch(1, 2)
        for w in self.views.values():
            w.cursorPicked.connect(self.set_cursor)
            w.rotateRequested.connect(self.rotate)
            w.measurementAdded.connect(lambda m, p=w.plane: self.measurementAdded.emit(m, p))
            w.viewChanged.connect(self._on_view_changed)
            w.hovered.connect(self.hovered)
        self.volume = None
        self._syncing = False
        self._closed = False
        self._warmed = False
        self._queue: list[SliceWidget] = []   # views to draw, one per turn of the event loop
        self._queue_running = False
        self.layout_mode = "mpr"

    def set_volume(self, volume, *, keep_view: bool = False) -> None:
        """Show `volume`; with keep_view (more slices of the same series arrived) each view
        keeps its slice, window, zoom, pan and orientation."""
        keep_view = keep_view and self.volume is not None
        self.volume = volume
        self._syncing = True  # the views are not all set up until the loop ends
        try:
            for w in self.views.values():
                w.view.set_volume(volume, w.view.state if keep_view else None, draw=False)
                w.view.show_crosshair = True
            for p, w in self.views.items():
                w.view.crosshair_planes = {q: o.view.axes for q, o in self.views.items() if q != p}
        finally:
            self._syncing = False
        order = sorted(self.views.values(), key=lambda w: not w.isVisible())
        self._draw(order[0])   # the first at once: the new volume is on screen when this returns
        self.draw_in_turns(order[1:])

    def clear_volume(self) -> None:
        """The study on screen closed: every view empty, drawn in turns as for a new volume."""
        self.volume = None
        for w in self.views.values():
            w.view.show_crosshair = False
            w.clear_volume(draw=False)
        self.draw_in_turns(self.views.values())

    def voxels_changed(self) -> None:
        """The volume shown was filled in further (same array): redraw each view in turn."""
        if self.volume is None:
            return
        for w in self.views.values():
            w.view.voxels_changed()
        self.draw_in_turns(self.views.values())

    def draw_in_turns(self, widgets) -> None:
        """Draw these views, the visible ones first, each in a turn of the event loop of its own.

        Software OpenGL draws a large view in 20-80 ms: three at once would keep the GUI thread
        from input for their sum. A view already waiting is not queued twice, so changes that
        come faster than the draws (slices arriving, a held key) cost one draw per view. A 1 ms
        timer, not a zero one: Qt runs zero-timer calls posted together in one batch, with no
        input or other timer in between."""
        for w in widgets:
            if w not in self._queue:
                self._queue.append(w)
        self._queue.sort(key=lambda w: not w.isVisible())
        if not self._queue_running and self._queue:
            self._queue_running = True
            QTimer.singleShot(1, self._draw_next)

    def _draw_next(self) -> None:
        # A finalized render window must not be drawn again.
        if self._closed or not self._queue:
            self._queue.clear()
            self._queue_running = False
            return
        self._draw(self._queue.pop(0))
        if self._queue:
            QTimer.singleShot(1, self._draw_next)
        else:
            self._queue_running = False

    def _draw(self, w: SliceWidget) -> None:
        # The view's own change notice would redraw the other views: they draw in their turn.
        was, self._syncing = self._syncing, True
        try:
            w.view.update()
        finally:
            self._syncing = was
        if w.isVisible():
            w.refresh()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._warmed:
            self._warmed = True
            self._warm_later(list(self.views.values()))

    def _warm_later(self, pending: list[SliceWidget]) -> None:
        # One view per turn of the event loop, as the first draws of a volume (set_volume).
        def next_one() -> None:
            if self._closed or self.volume is not None:
                return
            pending[0].warm_up()
            self._warm_later(pending[1:])
        if pending:
            QTimer.singleShot(1, next_one)

    def close_views(self) -> None:
        """Release the views' OpenGL windows (the window is closing); nothing draws after."""
        self._closed = True
        for w in self.views.values():
            w.GetRenderWindow().Finalize()

    def refresh(self) -> None:
        for w in self.views.values():
            if w.isVisible():
                w.refresh()

    @property
    def axial(self) -> SliceWidget:
        return self.views["axial"]

    def set_layout(self, mode: str) -> None:
        """'axial' = one large axial view; 'mpr' = three planes side by side."""
        self.layout_mode = mode
        self.show_planes(set(PLANES) if mode == "mpr" else {"axial"})

    def show_planes(self, planes: set[str]) -> None:
        """Only these planes' views, filling the layout (a hanging protocol's single coronal view)."""
        for p, w in self.views.items():
            # Not shown again when on screen: setVisible(True) on a view shown with its window
            # (never by itself) maps its native window anew, and the three views then repainted
            # in one turn when a hanging protocol was applied (bench/bench_gui_stall.py).
            if p not in planes or not w.isVisible():
                w.setVisible(p in planes)
        # a column whose views are hidden keeps its stretch, and so its space, unless told
        lay = self.layout()
        lay.setColumnStretch(0, 3 if "axial" in planes else 0)
        lay.setColumnStretch(1, 2 if planes & {"coronal", "sagittal"} else 0)
        self.draw_in_turns(self.views.values())

    def set_cursor(self, point) -> None:
        if self.volume is None:
            return
        point = np.asarray(point, float)
        for w in self.views.values():  # each plane shows a whole slice: put the cursor on it
            point = w.view.snap(point)
        for w in self.views.values():
            w.view.state.cursor = point.copy()
        self._sync_crosshair()
        self.refresh()

    def rotate(self, plane: str, angle: float) -> None:
        """Turn the planes other than `plane` about its normal (oblique reslice)."""
        if self.volume is None:
            return
        axis = self.views[plane].view.axes.normal
        for p, w in self.views.items():
            if p != plane:
                w.view.set_axes(w.view.axes.rotated(axis, angle))
        self._sync_crosshair()
        self.refresh()

    def reset_orientation(self) -> None:
        for p, w in self.views.items():
            w.view.set_axes(PlaneAxes.standard(p))
        self._sync_crosshair()
        self.refresh()

    def set_window(self, window) -> None:
        was, self._syncing = self._syncing, True
        try:
            for w in self.views.values():
                w.view.set_window(window)
        finally:
            self._syncing = was
        self.draw_in_turns(self.views.values())

    def _on_view_changed(self) -> None:
        # A scroll in one view moves the shared cursor; a window change applies to all.
        if self._syncing or self.volume is None:
            return
        src = self.sender()
        if not isinstance(src, SliceWidget):
            return
        self._syncing = True
        try:
            for w in self.views.values():
                if w is src:
                    continue
                if not np.allclose(w.view.state.cursor, src.view.state.cursor):
                    w.view.state.cursor = src.view.state.cursor.copy()
                    w.view.update()
                if w.view.state.window != src.view.state.window:
                    w.view.set_window(src.view.state.window)
            self._sync_crosshair()
            # the view the reader works in draws itself now; the others follow in turns
            self.draw_in_turns(w for w in self.views.values() if w is not src)
        finally:
            self._syncing = False
        self.viewChanged.emit()

    def _sync_crosshair(self) -> None:
        was, self._syncing = self._syncing, True
        try:
            for p, w in self.views.items():
                w.view.crosshair_planes = {q: o.view.axes for q, o in self.views.items() if q != p}
                w.view.update()
        finally:
            self._syncing = was
