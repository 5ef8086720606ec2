"""The prior comparison in the reading window: find the patient's priors when a study opens,
load the most recent comparable one, register it, show both side by side (ComparisonView),
and compare a measured nodule with the prior (G in the comparison view, or Ctrl+Shift+C).
A prior on screen makes the hanging protocols choose again (app/windows/hanging_apply.py):
the chest CT with prior protocol sets this dock's plane and windows (`hang`); V turns the
comparison between axial and coronal.

Everything that waits runs off the GUI thread: the priors search as a job of the reading
controller, the prior's retrieval and volume build in a StudyLoader (through the caching
centre, so the prior is also kept for the next opening), the registration on a thread of its
own (cancelled when another study opens), the nodule measurement as a job. Their answers
come back by signal or through the controller's post and are only shown here.
"""
from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtWidgets import QComboBox, QDockWidget, QVBoxLayout, QWidget

from app.reading.priors import CurrentStudy, PriorCandidate, lookup_priors, prior_to_open
from app.reading.study_load import LoadCancelled
from app.report.errors import ReportError
from app.report.prior_comparison import (PriorComparison, PriorNotMeasured, compare_with_prior, interval_days,
                                         report_changes)
from app.windows.comparison_view import ComparisonView
from app.windows.study_loader import StudyLoader
from common.background import lower_priority
from common.dicom_dates import format_da
from viewer.nodule_measure import Why
from viewer.registration import Registration, register_rigid
from viewer.views.link_model import Side

log = logging.getLogger(__name__)


class RegistrationJob(QObject):
    """register_rigid on its own thread, with progress and cancel."""

    progress = Signal(object, int, int)
    done = Signal(object, object)        # job, viewer.registration.Registration

    def __init__(self, current, prior) -> None:
        super().__init__()
        self.current, self.prior = current, prior
        self.cancel_event = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="yomi-registration", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        self.cancel_event.set()

    def wait(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        lower_priority()
        result = register_rigid(self.current, self.prior, cancel=self.cancel_event,
                                progress=lambda d, t: self.progress.emit(self, d, t))
        self.current = self.prior = None  # a cancelled job kept for shutdown must not keep two volumes
        self.done.emit(self, result)


class PriorComparisonPanel(QWidget):
    def __init__(self, window) -> None:
        super().__init__(window)
        self.window_ = window
        self.view = ComparisonView(self)
        self.priors_box = QComboBox(self)
        self.priors_box.setObjectName("priors-list")
        self.priors_box.activated.connect(self._prior_chosen)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.priors_box)
        lay.addWidget(self.view, 1)
        self.view.compareRequested.connect(self.compare_nodule)
        self.current_volume = None
        self.prior_volume = None
        self.candidates: list[PriorCandidate] = []
        self.chosen: PriorCandidate | None = None
        self.loader: StudyLoader | None = None
        self.job: RegistrationJob | None = None
        self._stopped: list = []      # cancelled loads and registrations, waited for at shutdown
        self._study_uid = ""

    # ---- a study opened -----------------------------------------------------------------
    def study_opened(self, volume, _item) -> None:
        self._stop()
        self.current_volume, self.prior_volume, self.chosen, self.candidates = volume, None, None, []
        self._study_uid = volume.identity.study_uid
        self.priors_box.clear()
        self.view.set_current(volume)
        self.view.set_titles(format_da(volume.identity.study_date), "")
        current = CurrentStudy.of_identity(volume.identity)
        win, uid = self.window_, self._study_uid
        audit_log = win.session.audit_log if win.session else None
        win.reading.run(lambda: lookup_priors(win.centre, win.reader, current, audit_log),
                        done=lambda found: self._priors_found(uid, found),
                        failed=lambda exc: self._priors_failed(uid, exc))

    def study_closed(self) -> None:
        """The current study left the screen: its prior goes too, and what was looking for it stops."""
        self._stop()
        self.current_volume, self.prior_volume, self.chosen, self.candidates = None, None, None, []
        self._study_uid = ""
        self.priors_box.clear()
        self.view.clear()

    def _priors_found(self, uid: str, found: list[PriorCandidate]) -> None:
        if uid != self._study_uid:
            return
        self.candidates = found
        self.priors_box.clear()
        dock = getattr(self, "dock", None)
        if found and dock is not None and dock.isHidden():
            dock.show()
        for c in found:
            mark = "  ⚠" if not c.same_patient else ""
            text = f"{format_da(c.study.study_date)}  {c.study.study_description}  {'/'.join(c.study.modalities)}{mark}"
            self.priors_box.addItem(text.strip(), c.study.study_uid)
        chosen = prior_to_open(found)
        if chosen is None:
            self.window_.status(self.tr("{0} other studies of this patient listed; none is a comparable CT "
                                        "of the same patient to open by itself").format(len(found)) if found
                                else self.tr("No prior CT of this patient at the centre"))
            return
        self.priors_box.setCurrentIndex(found.index(chosen))
        self._open(chosen)

    def _priors_failed(self, uid: str, exc: Exception) -> None:
        if uid == self._study_uid:
            self.window_.status(self.tr("Priors could not be searched: {0}").format(getattr(exc, "reason", str(exc))))

    def _prior_chosen(self, index: int) -> None:
        if 0 <= index < len(self.candidates):
            self._open(self.candidates[index])

    def _open(self, candidate: PriorCandidate) -> None:
        self._stop()
        self.chosen = candidate
        self.loader = StudyLoader(self.window_.centre, candidate.study.study_uid)
        self.loader.loaded.connect(self._prior_loaded)
        self.loader.failed.connect(self._prior_failed)
        self.loader.start()

    def _prior_loaded(self, loader, result) -> None:
        if loader is not self.loader:
            return
        self.loader = None
        self.prior_volume = volume = result.volume
        ident = volume.identity
        self.window_.reading.study_on_screen(ident.study_uid, ident.patient_id,
                                             [u for u in volume.sop_instance_uids if u])
        self.view.set_titles(format_da(self.current_volume.identity.study_date), format_da(ident.study_date))
        self.view.set_prior(volume, self.chosen.problems if self.chosen else ())
        self.job = RegistrationJob(self.current_volume, volume)
        self.job.progress.connect(self._registration_progress)
        self.job.done.connect(self._registered)
        self.job.start()
        hanging = getattr(self.window_, "hanging", None)
        if hanging is not None:
            hanging.prior_changed()   # chest CT with prior: this dock, in the protocol's plane and window

    def _prior_failed(self, loader, exc: Exception) -> None:
        if loader is not self.loader:
            return
        self.loader = None
        if not isinstance(exc, LoadCancelled):
            self.window_.status(self.tr("The prior could not be opened: {0}").format(getattr(exc, "reason", str(exc))))

    def _registration_progress(self, job, done: int, total: int) -> None:
        if job is self.job:
            self.view.set_progress(done, total)

    def _registered(self, job, registration: Registration) -> None:
        if job is not self.job:
            return
        self.job = None
        self.view.set_registration(registration)

    def _stop(self) -> None:
        for running in (self.loader, self.job):
            if running is not None:
                running.cancel()
                self._stopped.append(running)
        self.loader = self.job = None
        self._stopped = [r for r in self._stopped if _alive(r)]

    # ---- the hanging protocol's side by side ----------------------------------------------
    def hang(self, protocol) -> None:
        """A side-by-side protocol (viewer.hanging): its plane and each study's window here, the
        dock shown and raised."""
        from app.windows.hanging_apply import apply_view
        from viewer.hanging import StudyRole

        specs = {Side.CURRENT: protocol.views_of(StudyRole.CURRENT), Side.PRIOR: protocol.views_of(StudyRole.PRIOR)}
        self.view.set_plane((specs[Side.PRIOR] or specs[Side.CURRENT])[0].plane)
        for side in (Side.CURRENT, Side.PRIOR):   # the current first: linked, the prior follows it
            widget = self.view.views[side]
            if specs[side] and widget.view.volume is not None:
                apply_view(widget.view, specs[side][0])
        self.view.refresh_views()
        dock = getattr(self, "dock", None)
        if dock is not None:
            dock.show()
            dock.raise_()

    def toggle_plane(self) -> None:
        """The comparison in coronal instead of axial, and back (the keymap's key)."""
        self.view.toggle_plane()

    # ---- a nodule across time -----------------------------------------------------------
    def compare_nodule(self) -> None:
        """The newest length pair on the current study, found and measured in the prior; the
        growth goes into the selected (else the last) nodule of the report."""
        win, view = self.window_, self.view
        reg = view.registration
        if self.prior_volume is None or reg is None:
            win.status(self.tr("No registered prior to compare with yet"))
            return
        lengths = view.views[Side.CURRENT].view.lengths or win.measured_lengths()
        current, prior = self.current_volume, self.prior_volume
        try:
            days = interval_days(prior.identity.study_date, current.identity.study_date)
        except ReportError as exc:
            win.status(str(exc))
            return
        win.reading.run(lambda: compare_with_prior(lengths, current, prior, reg, days),
                        done=self._compared, failed=self._not_compared)

    def _not_compared(self, exc: Exception) -> None:
        if isinstance(exc, PriorNotMeasured):
            why = {Why.OUTSIDE: self.tr("the registered position is outside the prior"),
                   Why.NOT_ACQUIRED: self.tr("no acquired slice there"),
                   Why.NO_LUNG_AROUND: self.tr("not in the lung"),
                   Why.NOT_ISOLATED: self.tr("it touches a vessel or the chest wall")}.get(exc.why, exc.why.value)
            self.window_.status(self.tr("The nodule could not be measured on the prior ({0}): "
                                        "measure it there by hand").format(why))
        else:
            self.window_.status(str(exc))  # the report's own FieldValueError text, as Ctrl+M shows it

    def _compared(self, cmp: PriorComparison) -> None:
        prior_view = self.view.views[Side.PRIOR]
        cursor = prior_view.view.state.cursor.copy()
        cursor[:] = cmp.prior_point
        prior_view.view.set_cursor(cursor)
        if cmp.prior is not None:
            prior_view.view.add_length(*cmp.prior.long_axis)
            prior_view.view.add_length(*cmp.prior.short_axis)
        prior_view.refresh()
        g = cmp.growth
        panel = getattr(self.window_, "report_panel", None)
        session = getattr(panel, "session", None)
        if session is not None and session.report.nodules and not session.report.is_signed:
            index = panel.editor.current_nodule()
            index = len(session.report.nodules) - 1 if index is None else index
            session.update_nodule(index, **report_changes(g, session.report.language))
            if self.prior_volume is not None:
                session.set_field("comparison", "prior")
                session.set_field("prior_date", format_da(self.prior_volume.identity.study_date))
        status = {"new": self.tr("new"), "stable": self.tr("stable"), "growing": self.tr("growing"),
                  "shrinking": self.tr("shrinking")}[g.status.value]
        if g.prior_mean_mm is None:
            self.window_.status(self.tr("Nodule {0}: nothing at the registered position on the prior").format(status))
        else:
            text = self.tr("Nodule {0}: {1} mm -> {2} mm ({3:+} mm in {4} days)").format(
                status, g.prior_mean_mm, g.current_mean_mm, float(g.change_mm), g.interval_days)
            if g.vdt_days is not None:
                text += self.tr(", volume doubling time {0:.0f} days").format(g.vdt_days)
            self.window_.status(text)

    def shutdown(self) -> None:
        """The window closes: cancel, then wait for the worker threads, which stop at their next
        step (a registration iteration, a retrieved instance), so that none calls back into
        widgets being deleted or runs on in SimpleITK while the interpreter exits."""
        self._stop()
        for running in self._stopped:
            running.wait(30.0)
        self._stopped = []
        self.view.close_views()


def _alive(running) -> bool:
    """A StudyLoader or RegistrationJob whose thread still runs (both keep it as `_thread`)."""
    thread = getattr(running, "_thread", None)
    return thread is not None and thread.is_alive()


def install_prior_comparison(window) -> PriorComparisonPanel:
    """Add the prior comparison dock and its key to the reading window (a few lines in MainWindow)."""
    panel = PriorComparisonPanel(window)
    dock = QDockWidget(QCoreApplication.translate("PriorComparisonPanel", "Prior comparison"), window)
    dock.setObjectName("prior-comparison")
    dock.setWidget(panel)
    dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable)
    window.addDockWidget(Qt.BottomDockWidgetArea, dock)
    dock.hide()  # until the patient has another study: no empty pane taking the images' room
    panel.dock = dock
    window.prior_comparison = panel
    window.on_study_opened(panel.study_opened)
    window.on_study_closed(panel.study_closed)
    window.keys.bind("report.compare_with_prior", panel.compare_nodule)  # keys: app/keymap/defaults.py
    window.keys.bind("view.comparison_plane", panel.toggle_plane)
    for action, do in panel.view.key_actions().items():   # U, S, T, G: in the menu and on F1 too
        if action != "view.comparison_plane":
            window.keys.bind(action, do)
    return panel
