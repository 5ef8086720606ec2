"""The reading window: worklist on the left, MPR in the centre, status and progress below."""
from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDockWidget,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QToolBar,
)

from app.reading import events as ev
from app.reading.controller import ReadingController
from app.reading.study_load import LoadCancelled, Loaded
from app.windows.gui_post import GuiPost
from app.windows.error_text import error_text, refusal_text
from app.windows.prompts import Dialogs, Prompts
from app.windows.study_loader import StudyLoader
from app.windows.view_labels import step_text
from app.windows.worklist_filter_bar import counts_text
from app.windows.worklist_panel import WorklistPanel
from viewer.views.mpr import MprWidget
from viewer.volume_warnings import warning_line
from worklist.centre import CentreError, WorkItem

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    """The shell: it shows the reading workflow's state (app/reading) and forwards input.

    The report tools register with `on_study_opened(fn)` to hear of a study on screen, listen
    to `mpr.measurementAdded`, and call `jump_to_instance` to show a referenced slice.
    """

    def __init__(self, centre, reader: str, notice: str = "", *, session=None, outbox=None,
                 prompts: Prompts | None = None, prefetch: int = 0, poll_interval_s: float = 0.0,
                 cache=None, retain_signed_s: float = 0.0) -> None:
        super().__init__()
        self.centre = centre
        self.reader = reader
        self.session = session   # app.session.Session of the logged-in reader (None in bare tests)
        self.prompts: Prompts = prompts or Dialogs()
        self._own_sender = None
        if outbox is None:  # a bare window (tests): the outbox of its centre, and its own sender
            from app.reading.delivery import open_outbox

            outbox, self._own_sender = open_outbox(centre)
        self.outbox = outbox     # worklist.outbox.Outbox the signed reports go to
        self.setWindowTitle(self.tr("Yomi — {0} — {1}").format(centre.name, reader))
        avail = QApplication.primaryScreen().availableGeometry()
        self.resize(min(1500, avail.width()), min(900, avail.height()))

        self.gui_thread = GuiPost(self)
        self.reading = ReadingController(
            centre, reader, post=self.gui_thread.post, audit_log=session.audit_log if session else None,
            outbox=outbox, prefetch=prefetch, poll_interval_s=poll_interval_s, cache=cache, session=session,
            retain_signed_s=retain_signed_s)
        self.reading.subscribe(self._on_event)

        self.mpr = MprWidget(self)
        self.setCentralWidget(self.mpr)
        self.worklist = WorklistPanel(self)
        self.worklist.openRequested.connect(self.open_item)
        dock = QDockWidget(self.tr("Worklist"), self)
        dock.setObjectName("worklist")
        dock.setWidget(self.worklist)
        dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable)
        self.addDockWidget(Qt.LeftDockWidgetArea, dock)

        from app.windows.reading_actions import install_reading_actions
        self.keys = install_reading_actions(self)  # menu bar and every shortcut (app/keymap)
        self._toolbar()
        self.status_label = QLabel(notice, self)
        self.progress = QProgressBar(self)
        self.progress.setMaximumWidth(240)
        self.progress.hide()
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.hide()
        self.cancel_button.clicked.connect(self.cancel_load)
        self.hu_label = QLabel("", self)
        self.mpr.hovered.connect(self._show_hover)
        for w in (self.progress, self.cancel_button):
            # their space is kept while hidden: showing them must not resize the views (three
            # VTK re-renders) at every refresh
            policy = w.sizePolicy()
            policy.setRetainSizeWhenHidden(True)
            w.setSizePolicy(policy)
        self.statusBar().addWidget(self.status_label, 1)
        self.statusBar().addPermanentWidget(self.hu_label)
        self.worklist_counts = QLabel("", self)   # rows shown of all assigned, STAT, in progress
        self.worklist.countsChanged.connect(lambda counts: self.worklist_counts.setText(counts_text(counts)))
        self.statusBar().addPermanentWidget(self.worklist_counts)
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.cancel_button)

        self.loader: StudyLoader | None = None
        self._opening: WorkItem | None = None     # claim asked, not answered yet
        self._partial_for: str | None = None  # study whose first slices are on screen
        self._announcing: tuple | None = None  # (volume, item) on screen, not all listeners told yet
        self._study_listeners: list = []       # on_study_opened, in the order registered
        self._close_listeners: list = []       # on_study_closed
        self._audited: tuple[str, set[str]] = ("", set())  # study, instances recorded as accessed
        self.volume = None
        self.groups = []
        self.study_dose = None   # app.report.dose.StudyDose of the study on screen, read while it loaded
        self.refresh_worklist()
        from app.windows.report_panel import install_report_panel
        install_report_panel(self)
        from app.windows.centre_views import install_centre_views
        install_centre_views(self)
        from app.windows.comparison_window import install_comparison
        install_comparison(self)   # Ctrl+Shift+J: comparison reading (double reading's judge)
        from app.windows.comparison_dock import install_prior_comparison
        install_prior_comparison(self)   # the prior beside the current study (issue 12)
        from app.windows.dose_fill import install_dose
        from app.windows.hanging_apply import install_hanging
        from app.windows.key_image_capture import install_key_images
        install_dose(self)
        install_hanging(self)
        install_key_images(self)
        from app.windows.layout_memory import LayoutMemory
        self.layout_memory = LayoutMemory(self, reader)  # restored at first show, saved at lock and close

    @property
    def current(self) -> WorkItem | None:
        return self.reading.current

    def is_loading(self) -> bool:
        """A study is being claimed or loaded, or is on screen and its report not open yet."""
        return self._opening is not None or self.loader is not None or self._announcing is not None

    def on_study_opened(self, fn) -> None:
        """Call `fn(volume, item)` when a study is on screen (after its views have drawn)."""
        self._study_listeners.append(fn)

    def on_study_closed(self, fn) -> None:
        """Call `fn()` when the study on screen leaves it: another study was claimed, or this
        one was given back."""
        self._close_listeners.append(fn)

    def _close_study(self) -> None:
        """Nothing of the study on screen stays: its views, measurements, series, dose, report
        and prior go before the next study's first slices arrive. While the next one loads, the
        window holds no volume a key, a measurement or a capture could act on with the wrong
        report, and the memory of the last (a 3000-slice study: 1.5 GB) is free for the next."""
        if self.loader is not None:
            self.loader.cancel()
            self.loader = None
        self._announcing = None
        self._partial_for = None
        self._audited = ("", set())   # a study opened again is accessed again: recorded again
        self.volume = None
        self.groups = []
        self.study_dose = None
        self.series_box.clear()
        self.mpr.clear_volume()
        # The images take the focus now, as they would at the next study's first slices: the
        # report form is about to hide, and a hidden focus widget leaves the window none.
        self.mpr.axial.setFocus()
        for fn in self._close_listeners:
            try:
                fn()
            except Exception:  # as a failing Qt slot: reported, and the others still close
                sys.excepthook(*sys.exc_info())

    def _announce_study(self, told: tuple | None = None, k: int = 0) -> None:
        """Tell listener k of the study on screen, the next in the next turn of the event loop.

        One turn each: the report panel building its form, the hanging protocol setting up the
        views and the comparison looking for priors took 150-200 ms in one turn (measured)."""
        announcing = self._announcing
        if announcing is None or (told is not None and told is not announcing):
            return  # a newer study is being announced: its own chain tells everyone
        volume, item = announcing
        if volume is not self.volume:  # replaced in between
            self._announcing = None
            return
        listeners = self._study_listeners
        if k < len(listeners):
            try:
                listeners[k](volume, item)
            except Exception:  # as a failing Qt slot: reported, and the others are still told
                sys.excepthook(*sys.exc_info())
        if k + 1 < len(listeners):
            QTimer.singleShot(1, lambda: self._announce_study(announcing, k + 1))
        else:
            self._announcing = None

    # ---- building -------------------------------------------------------------------
    def _toolbar(self) -> None:
        tb = QToolBar(self.tr("View"), self)
        tb.setObjectName("view-tools")
        self.addToolBar(tb)
        self.series_box = QComboBox(self)
        self.series_box.setMinimumWidth(260)
        self.series_box.activated.connect(self._series_chosen)
        tb.addWidget(QLabel(" " + self.tr("Series") + " ", self))
        tb.addWidget(self.series_box)
        keys = self.keys
        for group in (("view.window_lung", "view.window_mediastinum", "view.window_bone", "view.window_brain",
                       "view.window_abdomen"),
                      ("tools.window", "tools.pan", "tools.zoom", "tools.length", "tools.ellipse", "tools.crosshair"),
                      ("view.layout_single", "view.layout_mpr", "study.give_back", "study.next")):
            tb.addSeparator()
            for action_id in group:
                tb.addAction(keys.action(action_id))

    def _set_tool(self, tool: str) -> None:
        for w in self.mpr.views.values():
            w.set_tool(tool)

    # ---- worklist -------------------------------------------------------------------
    def refresh_worklist(self) -> None:
        self.reading.refresh()

    def open_item(self, item: WorkItem) -> None:
        if self.loader is not None:
            self.loader.cancel()
            self.loader = None
        self._opening = item
        self.study_dose = None
        self._busy(self.tr("Opening study {0}…").format(item.study_uid))
        self.reading.open(item)

    def give_back(self) -> None:
        """Return the study on screen to the centre unread (UPS: CANCELED; local: scheduled)."""
        if self.current is None:
            return
        if not self.prompts.confirm(self, self.tr("Give this study back to the reading centre unread?")):
            return
        self.reading.give_back()

    def next_study(self) -> None:
        self._go_to(self.reading.next_item())

    def previous_study(self) -> None:
        self._go_to(self.reading.previous_item())

    def _go_to(self, item: WorkItem | None) -> None:
        if item is None:
            self.status(self.tr("No other study on the worklist"))
            return
        self.worklist.select_study(item.study_uid)
        self.open_item(item)

    def _on_event(self, event: ev.ReadingEvent) -> None:
        """What the reading workflow reports, shown (this runs on the GUI thread)."""
        if isinstance(event, ev.RefreshStarted):
            if not self.is_loading():
                self._busy(self.tr("Refreshing the worklist…"))
        elif isinstance(event, ev.WorklistUpdated):
            self.worklist.apply(event.items, added=event.added, removed=event.removed, changed=event.changed)
            self._idle_unless_loading()
            self.status(self.tr("{0} studies assigned to {1}").format(len(event.items), self.reader))
        elif isinstance(event, ev.WorklistFailed):
            self._idle_unless_loading()
            self.show_error(self.tr("Worklist unavailable: {0}").format(error_text(event.error)))
        elif isinstance(event, ev.RefreshCancelled):
            self._idle_unless_loading()
            self.status(self.tr("Worklist refresh cancelled"))
        elif isinstance(event, ev.StudyClaimed):
            if self._opening is None or self._opening.study_uid != event.item.study_uid:
                return  # cancelled, or another study asked for since
            self._opening = None
            self._close_study()
            hanging = getattr(self, "hanging", None)   # the study opens on its hanging protocol's series
            self._start_loader(StudyLoader(self.centre, event.item.study_uid,
                                           series_choice=hanging.series_for if hanging is not None else None))
        elif isinstance(event, ev.OpenFailed):
            if self._opening is not None and self._opening.study_uid == event.item.study_uid:
                self._opening = None
                self._idle_unless_loading()
                self.show_error(self.tr("Cannot open study: {0}").format(error_text(event.error, study_uid=event.item.study_uid)))
        elif isinstance(event, ev.StudyGivenBack):
            uid = event.item.study_uid
            if (self.volume is not None and self.volume.identity.study_uid == uid) \
                    or (self.loader is not None and self.loader.study_uid == uid):
                self._close_study()   # on screen, or still arriving: it must not appear after
                self._idle_unless_loading()
            self.status(self.tr("Study {0} given back").format(event.item.study_uid))
        elif isinstance(event, ev.GiveBackFailed):
            self.show_error(self.tr("Cannot give the study back: {0}").format(error_text(event.error, study_uid=event.item.study_uid)))

    def _series_chosen(self, index: int) -> None:
        if self.current is None or not self.groups:
            return
        key = self.series_box.itemData(index)
        self._start_loader(StudyLoader(self.centre, self.current.study_uid, key, groups=self.groups))

    def _start_loader(self, loader: StudyLoader) -> None:
        self.loader = loader
        loader.progress.connect(self._on_progress)
        loader.partial.connect(self._on_partial)
        loader.grown.connect(self._on_grown)
        loader.loaded.connect(self._on_loaded)
        loader.failed.connect(self._on_failed)
        self._busy(self.tr("Loading study {0}…").format(loader.study_uid))
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        loader.start()

    def _busy(self, text: str) -> None:
        self.progress.setRange(0, 0)  # busy until the first progress report
        self.progress.show()
        self.cancel_button.show()
        self.status(text)

    def _idle_unless_loading(self) -> None:
        if not self.is_loading() and not self.reading.refreshing:
            self.progress.hide()
            self.cancel_button.hide()

    def cancel_load(self) -> None:
        """Cancel: the study being opened or loaded, else the worklist refresh."""
        if self._opening is not None or self.loader is not None:
            self._opening = None
            if self.loader is not None:
                self.loader.cancel()
            else:
                self.status(self.tr("Loading cancelled"))
                self._idle_unless_loading()
        elif self.reading.refreshing:
            self.reading.cancel_refresh()

    def _on_progress(self, loader, done: int, total: int, what: str) -> None:
        if loader is not self.loader:
            return
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"{step_text(what)} %v/%m")

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
        self._audit_on_screen(volume)
        self.status(self.tr("Study {0}: {1} slices on screen, more arriving…").format(
            volume.identity.study_uid, volume.slice_kinds.count("acquired")))

    def _on_grown(self, loader, volume) -> None:
        """More slices of the volume on screen were filled in (the same array)."""
        if loader is not self.loader or volume is not self.volume:
            return
        self.mpr.voxels_changed()
        self._audit_on_screen(volume)
        self.status(self.tr("Study {0}: {1} of {2} slices on screen, more arriving…").format(
            volume.identity.study_uid, volume.slice_kinds.count("acquired"), volume.shape[0]))

    def _on_loaded(self, loader, result: Loaded) -> None:
        if loader is not self.loader:
            return
        groups, volume, problems = result.groups, result.volume, result.problems
        shown = self.volume
        keep = self._partial_for == self.loader.study_uid and self.volume is not None \
            and self.volume.identity.series_uid == volume.identity.series_uid
        self._partial_for = None
        self.loader = None
        self._idle_unless_loading()
        self.groups = groups
        self.volume = volume
        if result.dose is not None:  # None when switching series: the study's dose stays
            self.study_dose = result.dose
        self.series_box.clear()
        for g, info in zip(groups, result.infos):
            number = g.identity.series_number
            self.series_box.addItem(self.tr("Se {0} {1} ({2} images)").format(number, info.description or g.key, info.slices).strip(), g.key)
            if g.identity.series_uid == volume.identity.series_uid and g.key.startswith(volume.identity.series_uid):
                self.series_box.setCurrentIndex(self.series_box.count() - 1)
        if keep and volume is shown:
            self.mpr.voxels_changed()  # the volume filled in place: nothing to set up again
        else:
            self.mpr.set_volume(volume, keep_view=keep)
        if not keep:
            self.mpr.axial.setFocus()
        # The report tools open the study's draft in a turn of their own, after the views have
        # drawn (a timer, not a zero one: zero-timer calls run in one batch with the views' draws).
        self._announcing = (volume, self.current)
        QTimer.singleShot(5, self._announce_study)
        ident = volume.identity
        self._audit_on_screen(volume)
        msg = self.tr("Study {0}: series {1}, {2} slices").format(ident.study_uid, ident.series_uid, volume.shape[0])
        if problems:
            msg += "; " + self.tr("{0} file(s) skipped: ").format(len(problems)) \
                + "; ".join(f"{p.path}: {p.reason}" for p in problems[:3])
        if volume.warnings:
            msg += " — " + "; ".join(warning_line(w, QCoreApplication.translate) for w in volume.warnings)
        self.status(msg)

    def _audit_on_screen(self, volume) -> None:
        """Instances Accessed as soon as slices are on screen (a load cancelled after its first
        slices was seen all the same), then once more for the instances that arrived later."""
        ident = volume.identity
        if self._audited[0] != ident.study_uid:
            self._audited = (ident.study_uid, set())
        seen = self._audited[1]
        new = [u for u in volume.sop_instance_uids if u and u not in seen]
        if new:
            seen.update(new)
            self.reading.study_on_screen(ident.study_uid, ident.patient_id, new)

    def _on_failed(self, loader, error: Exception) -> None:
        if loader is not self.loader:
            return
        self.loader = None
        self._idle_unless_loading()
        if isinstance(error, LoadCancelled):
            self.status(self.tr("Loading cancelled"))
            return
        if isinstance(error, CentreError):
            self.reading.report_centre_error(error)
        self.show_error(error_text(error, study_uid=loader.study_uid))

    def _show_hover(self, reading) -> None:
        """Patient coordinate and value under the mouse (the stored voxel, not a display value),
        or why there is none (viewer.sampling.VoxelReading)."""
        x, y, z = reading.point
        where = f"x {x:.1f}  y {y:.1f}  z {z:.1f} mm"
        if reading.refusal is not None:
            self.hu_label.setText(self.tr("{0} — no value: {1}").format(where, refusal_text(reading.refusal)))
        else:
            self.hu_label.setText(f"{where}   {reading.value:.0f} {reading.unit}")

    def measured_lengths(self) -> list:
        """Every length measurement drawn in any view, oldest first."""
        return [m for w in self.mpr.views.values() for m in w.view.lengths]

    def jump_to_instance(self, sop_instance_uid: str) -> bool:
        """Show the slice holding `sop_instance_uid` in the axial view (and the MPR cursor)."""
        if self.volume is None or sop_instance_uid not in self.volume.sop_instance_uids:
            self.status(self.tr("Image {0} is not in the series on screen").format(sop_instance_uid))
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
        self.prompts.warn(self, text)

    def closeEvent(self, event) -> None:  # noqa: N802
        if self.loader is not None:
            self.loader.cancel()
        self.reading.close()
        if self._own_sender is not None:
            self._own_sender.stop()
            self._own_sender = None
        self.mpr.close_views()
        self.prior_comparison.shutdown()
        super().closeEvent(event)

