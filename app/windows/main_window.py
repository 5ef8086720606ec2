"""The reading window: worklist on the left, MPR in the centre, status and progress below."""
from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QToolBar,
)

from app import audit
from app.windows.study_loader import StudyLoader
from app.windows.worklist_panel import WorklistPanel
from viewer.tools.window_level import PRESETS
from viewer.views.mpr import MprWidget
from worklist.centre import CentreError, WorkItem

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    """The shell: it wires models to widgets and holds no reading or reporting logic.

    `studyOpened(volume, item)` fires when a study is on screen; report tools listen to it
    and to `mpr.measurementAdded`, and call `jump_to_instance` to show a referenced slice.
    """

    studyOpened = Signal(object, object)  # Volume, WorkItem

    def __init__(self, centre, reader: str, notice: str = "", *, session=None, outbox=None) -> None:
        super().__init__()
        self.centre = centre
        self.reader = reader
        self.session = session   # app.session.Session of the logged-in reader (None in bare tests)
        self.outbox = outbox     # worklist.outbox.Outbox the signed reports go to
        self.setWindowTitle(f"Yomi — {centre.name} — {reader}")
        avail = QApplication.primaryScreen().availableGeometry()
        self.resize(min(1500, avail.width()), min(900, avail.height()))

        self.mpr = MprWidget(self)
        self.setCentralWidget(self.mpr)
        self.worklist = WorklistPanel(self)
        self.worklist.openRequested.connect(self.open_item)
        dock = QDockWidget("Worklist", self)
        dock.setObjectName("worklist")
        dock.setWidget(self.worklist)
        dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable)
        self.addDockWidget(Qt.LeftDockWidgetArea, dock)

        self._toolbar()
        self.status_label = QLabel(notice, self)
        self.progress = QProgressBar(self)
        self.progress.setMaximumWidth(240)
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.hide()
        self.cancel_button.clicked.connect(self.cancel_load)
        self.hu_label = QLabel("", self)
        self.mpr.hovered.connect(self._show_hover)
        self.statusBar().addWidget(self.status_label, 1)
        self.statusBar().addPermanentWidget(self.hu_label)
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.cancel_button)

        self.loader: StudyLoader | None = None
        self._partial_for: str | None = None  # study whose first slices are on screen
        self.prefetch_count = 0  # studies to fetch ahead (set from the centre's configuration)
        self.current: WorkItem | None = None
        self.volume = None
        self.groups = []
        self.refresh_worklist()
        from app.windows.report_panel import install_report_panel
        install_report_panel(self)

    # ---- building -------------------------------------------------------------------
    def _toolbar(self) -> None:
        tb = QToolBar("View", self)
        tb.setObjectName("view-tools")
        self.addToolBar(tb)
        self.series_box = QComboBox(self)
        self.series_box.setMinimumWidth(260)
        self.series_box.activated.connect(self._series_chosen)
        tb.addWidget(QLabel(" Series ", self))
        tb.addWidget(self.series_box)
        tb.addSeparator()
        for n, name in enumerate(PRESETS, start=1):
            act = QAction(f"{name.capitalize()} ({n})", self)
            act.triggered.connect(lambda _c=False, w=PRESETS[name]: self.mpr.set_window(w))
            tb.addAction(act)
        tb.addSeparator()
        for key, tool, label in (("W", "window", "W/L"), ("P", "pan", "Pan"), ("Z", "zoom", "Zoom"),
                                 ("L", "length", "Length"), ("E", "ellipse", "Ellipse"),
                                 ("C", "crosshair", "Crosshair")):
            act = QAction(f"{label} ({key})", self)
            act.triggered.connect(lambda _c=False, t=tool: self._set_tool(t))
            tb.addAction(act)
        tb.addSeparator()
        one = QAction("1 view (F1)", self)
        one.triggered.connect(lambda: self.mpr.set_layout("axial"))
        three = QAction("MPR (F2)", self)
        three.triggered.connect(lambda: self.mpr.set_layout("mpr"))
        tb.addAction(one)
        tb.addAction(three)
        refresh = QAction("Refresh worklist", self)
        refresh.setShortcut(QKeySequence("F5"))
        refresh.triggered.connect(self.refresh_worklist)
        self.addAction(refresh)
        give_back = QAction("Give back study", self)
        give_back.setShortcut(QKeySequence("Ctrl+Shift+G"))
        give_back.triggered.connect(self.give_back)
        tb.addAction(give_back)
        self.addAction(give_back)  # the shortcut works even when the button is in the toolbar's overflow
        focus_list = QAction("Worklist", self)
        focus_list.setShortcut(QKeySequence("Ctrl+L"))
        focus_list.triggered.connect(lambda: self.worklist.table.setFocus())
        self.addAction(focus_list)

    def _set_tool(self, tool: str) -> None:
        for w in self.mpr.views.values():
            w.set_tool(tool)

    # ---- worklist -------------------------------------------------------------------
    def refresh_worklist(self) -> None:
        try:
            items = self.centre.worklist()
        except CentreError as exc:
            audit.query(self.reader, {"worklist": "assigned", "centre": self.centre.name}, ok=False)
            audit.centre_refused(self.reader, exc.url or self.centre.name, exc)
            self.show_error(f"Worklist unavailable: {exc.reason}")
            return
        self.worklist.set_items(items)
        audit.query(self.reader, {"worklist": "assigned", "centre": self.centre.name})
        self.status(f"{len(items)} studies assigned to {self.reader}")

    def open_item(self, item: WorkItem) -> None:
        if self.loader is not None:
            self.loader.cancel()
        try:
            self.centre.claim(item)
        except CentreError as exc:
            audit.centre_refused(self.reader, exc.url or self.centre.name, exc)
            self.show_error(f"Cannot open study: {exc.reason}")
            return
        self.current = item
        self._start_loader(StudyLoader(self.centre, item.study_uid))
        self._prefetch_after(item)

    def _prefetch_after(self, item: WorkItem) -> None:
        """Ask a caching centre to fetch the next studies of the list while this one is read."""
        prefetch = getattr(self.centre, "prefetch", None)
        if not self.prefetch_count or prefetch is None:
            return
        uids = [i.study_uid for i in self.worklist.items]
        start = uids.index(item.study_uid) + 1 if item.study_uid in uids else 0
        prefetch(uids[start:start + self.prefetch_count])

    def give_back(self) -> None:
        """Return the study on screen to the centre unread (UPS: CANCELED; local: scheduled)."""
        item = self.current
        if item is None:
            return
        if not getattr(self, "quiet_errors", False) and QMessageBox.question(
                self, "Yomi", "Give this study back to the reading centre unread?") != QMessageBox.Yes:
            return
        try:
            self.centre.release(item, completed=False)
        except CentreError as exc:
            audit.centre_refused(self.reader, exc.url or self.centre.name, exc)
            self.show_error(f"Cannot give the study back: {exc.reason}")
            return
        self.current = None
        self.refresh_worklist()
        self.status(f"Study {item.study_uid} given back")

    def _series_chosen(self, index: int) -> None:
        if self.current is None or not self.groups:
            return
        key = self.series_box.itemData(index)
        self._start_loader(StudyLoader(self.centre, self.current.study_uid, key, groups=self.groups))

    def _start_loader(self, loader: StudyLoader) -> None:
        self.loader = loader
        loader.progress.connect(self._on_progress)
        loader.partial.connect(self._on_partial)
        loader.loaded.connect(self._on_loaded)
        loader.failed.connect(self._on_failed)
        self.progress.setValue(0)
        self.progress.show()
        self.cancel_button.show()
        self.status(f"Loading study {loader.study_uid}…")
        loader.start()

    def cancel_load(self) -> None:
        if self.loader is not None:
            self.loader.cancel()

    def _on_progress(self, loader, done: int, total: int, what: str) -> None:
        if loader is not self.loader:
            return
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"{what} %v/%m")

    def _on_partial(self, loader, volume) -> None:
        """First slices of a study still arriving: show them, keep the reader's view after."""
        if loader is not self.loader:
            return
        same = self.volume is not None and self.volume.identity.series_uid == volume.identity.series_uid \
            and self._partial_for == self.loader.study_uid
        self.volume = volume
        self._partial_for = self.loader.study_uid
        self.mpr.set_volume(volume, keep_view=same)
        if not same:
            self.mpr.axial.setFocus()
        self.status(f"Study {volume.identity.study_uid}: {volume.shape[0]} slices on screen, more arriving…")

    def _on_loaded(self, loader, groups, volume, problems) -> None:
        if loader is not self.loader:
            return
        keep = self._partial_for == self.loader.study_uid and self.volume is not None \
            and self.volume.identity.series_uid == volume.identity.series_uid
        self._partial_for = None
        self.loader = None
        self.progress.hide()
        self.cancel_button.hide()
        self.groups = groups
        self.volume = volume
        self.series_box.clear()
        for g in groups:
            info = g.info()
            number = g.identity.series_number
            self.series_box.addItem(f"Se {number} {info.description or g.key} ({info.slices} images)".strip(), g.key)
            if g.identity.series_uid == volume.identity.series_uid and g.key.startswith(volume.identity.series_uid):
                self.series_box.setCurrentIndex(self.series_box.count() - 1)
        self.mpr.set_volume(volume, keep_view=keep)
        if not keep:
            self.mpr.axial.setFocus()
        self.studyOpened.emit(volume, self.current)
        ident = volume.identity
        audit.study_opened(self.reader, ident.study_uid, ident.patient_id,
                           sop_uids=[u for u in volume.sop_instance_uids if u])
        msg = f"Study {volume.identity.study_uid}: series {volume.identity.series_uid}, {volume.shape[0]} slices"
        if problems:
            msg += f"; {len(problems)} file(s) skipped: " + "; ".join(f"{p.path}: {p.reason}" for p in problems[:3])
        if volume.warnings:
            msg += " — " + "; ".join(volume.warnings)
        self.status(msg)

    def _on_failed(self, loader, message: str) -> None:
        if loader is not self.loader:
            return
        self.loader = None
        self.progress.hide()
        self.cancel_button.hide()
        if message == "cancelled":
            self.status("Loading cancelled")
        else:
            if isinstance(loader.error, CentreError):
                audit.centre_refused(self.reader, loader.error.url or self.centre.name, loader.error)
            self.show_error(message)

    def _show_hover(self, point, hu) -> None:
        """Patient coordinate and HU under the mouse (the stored voxel, not a display value)."""
        x, y, z = point
        where = f"x {x:.1f}  y {y:.1f}  z {z:.1f} mm"
        self.hu_label.setText(f"{where}   {hu:.0f} HU" if hu is not None else where)

    def jump_to_instance(self, sop_instance_uid: str) -> bool:
        """Show the slice holding `sop_instance_uid` in the axial view (and the MPR cursor)."""
        if self.volume is None or sop_instance_uid not in self.volume.sop_instance_uids:
            self.status(f"Image {sop_instance_uid} is not in the series on screen")
            return False
        k = self.volume.sop_instance_uids.index(sop_instance_uid)
        nk, nj, ni = self.volume.shape
        self.mpr.set_cursor(self.volume.index_to_lps([(ni - 1) / 2, (nj - 1) / 2, k]))
        return True

    # ---- messages -------------------------------------------------------------------
    def status(self, text: str) -> None:
        self.status_label.setText(text)

    def show_error(self, text: str) -> None:
        self.status(text)
        if not getattr(self, "quiet_errors", False):
            QMessageBox.warning(self, "Yomi", text)

    def closeEvent(self, ev) -> None:  # noqa: N802
        if self.loader is not None:
            self.loader.cancel()
        for w in self.mpr.views.values():
            w.GetRenderWindow().Finalize()
        super().closeEvent(ev)
