"""The report dock of the reading window: the draft of the study on screen, the editor, the
live preview, signing and the report's delivery status.

Wiring only: the report model (app/report) decides, the outbox (worklist/outbox) delivers,
the session re-authenticates. Decisions taken here, in one place:

- Draft: opening a study restores the newest draft (or signed report) of that study from the
  DraftStore (crash recovery); else a new lung-screening draft. The template box switches an
  empty draft to another template.
- Signing runs on the GUI thread (the PDF writer uses Qt). The panel says "signed" only after
  `Outbox.enqueue` returned, i.e. the SR and the encapsulated PDF are durable in the outbox.
- Without a Session (bare windows: tests, and `yomi --demo` as app/gui.py starts it today)
  there is no one to re-authenticate: the report is signed under the window's reader name
  and a Security Alert (Use of Restricted Function) records that it was signed without
  re-authentication.
- Certificate: for the demo reader on the local demo centre, the demo PKI (created once in
  the data dir); else the PKCS#12 named by YOMI_SIGNING_P12, whose password is asked with
  the login password; else the PDF goes unsigned, marked so on its face (the SR is still
  VERIFIED by the re-authenticated reader).
- Outbox: the window's; without one, the panel opens the outbox of the window's centre
  (app.paths.outbox_dir) and runs its own
  Sender for the window's centre (stopped when the window goes).
- When every object of a signed report is confirmed by the centre, the panel calls
  `centre.release(item, completed=True)` off the GUI thread, once: the local centre marks the
  study completed; UPS-RS completes the procedure step; the QIDO worklist only drops the local
  claim (the stored SR is what tells everyone the study is read). A failure is shown, and
  the study is released again the next time its status arrives.
"""
from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.report.draft_store import DraftStore
from app.report.editing import EditSession
from app.report.editor import ReportEditor
from app.report.errors import ReportError
from app.report.identity import Signer, StudyIdentity
from app.report.measurement_link import finding_from_lengths, pick_axes
from app.report.model import Report
from app.report.render import render_html
from app.report.signing import SignedReport, sign
from app.report.templates import list_templates, load_template
from worklist.outbox import ItemState, ItemStatus, Outbox, OutboxError, Sender

__all__ = ["DEFAULT_TEMPLATE", "ReportPanel", "identity_from_volume", "install_report_panel"]

log = logging.getLogger(__name__)

DEFAULT_TEMPLATE = "lung-screening-ldct"
P12_ENV = "YOMI_SIGNING_P12"


def identity_from_volume(ident: Any) -> StudyIdentity:
    """The report's identity from the identity of the volume on screen (viewer.dicom_files.Identity)."""
    return StudyIdentity(study_uid=ident.study_uid, patient_id=ident.patient_id, patient_name=ident.patient_name,
                         patient_birth_date=ident.birth_date, patient_sex=ident.sex,
                         accession_number=ident.accession, study_date=ident.study_date,
                         study_description=ident.study_description)


@dataclass(frozen=True)
class Certificate:
    p12: Path | None
    password: bytes | None
    label: str


class _OutboxBridge(QObject):
    """Outbox listeners run on the sender's thread; this hops them to the GUI thread."""

    status = Signal(object)          # ItemStatus
    released = Signal(str, str)      # report id, outcome message


class ReportPanel(QWidget):
    signedReport = Signal(str)       # report id, once signed and queued

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window_ = window
        self.store = DraftStore.default()
        self.store.restore()  # after a crash: drop half-written temp files
        self.session: EditSession | None = None
        self.study_uid: str | None = None
        self.organisation = getattr(window.centre, "name", "") or "Yomi"
        self._used_lengths: set[int] = set()
        self._unqueued: SignedReport | None = None
        self._items: dict[str, Any] = {}       # report id -> WorkItem to release when sent
        self._released: set[str] = set()
        self._status: dict[str, dict[str, ItemStatus]] = {}
        self._own_sender: Sender | None = None
        self.outbox = window.outbox
        if self.outbox is None:
            from app.paths import outbox_dir

            self.outbox = Outbox(outbox_dir(f"centre:{window.centre.name}"))
            self._own_sender = Sender(self.outbox, window.centre)
            self._own_sender.start()
        self._bridge = _OutboxBridge(self)
        self._bridge.status.connect(self._on_status, Qt.QueuedConnection)
        self._bridge.released.connect(self._on_released, Qt.QueuedConnection)
        self._subscription = self.outbox.subscribe(self._bridge.status.emit)
        self._build()

    # -- layout ----------------------------------------------------------------------------
    def _build(self) -> None:
        top = QHBoxLayout()
        self.template_box = QComboBox()
        for t in list_templates():
            self.template_box.addItem(t.title["ja"] + " / " + t.title["en"], t.id)
        self.template_box.activated.connect(self._template_chosen)
        # long bilingual titles must not force the dock (and the window) wider than the screen
        self.template_box.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.template_box.setMinimumContentsLength(16)
        self.language_box = QComboBox()
        self.language_box.addItem("日本語", "ja")
        self.language_box.addItem("English", "en")
        self.language_box.activated.connect(self._language_chosen)
        top.addWidget(self.template_box, 1)
        top.addWidget(self.language_box)

        self.editor = ReportEditor()
        self.editor.message.connect(self.status)
        self.editor.jumpRequested.connect(self._jump)
        self.editor.changed.connect(self._render)
        self.preview = QTextBrowser()
        self.preview.setOpenLinks(False)
        self.preview.setOpenExternalLinks(False)
        split = QSplitter(Qt.Vertical)
        split.addWidget(self.editor)
        split.addWidget(self.preview)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)

        self.problems_label = self._label()
        self.state_label = self._label()
        self.outbox_label = self._label()
        buttons = QHBoxLayout()
        self.sign_button = QPushButton("署名 Sign (Ctrl+Shift+S)")
        self.sign_button.clicked.connect(self.sign)
        self.addendum_button = QPushButton("追記 Addendum")
        self.addendum_button.clicked.connect(self.start_addendum)
        self.retry_button = QPushButton("再送 Retry")
        self.retry_button.clicked.connect(self.retry_failed)
        for b in (self.sign_button, self.addendum_button, self.retry_button):
            buttons.addWidget(b)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(top)
        lay.addWidget(split, 1)
        lay.addWidget(self.problems_label)
        lay.addLayout(buttons)
        lay.addWidget(self.state_label)
        lay.addWidget(self.outbox_label)
        self._render()

    @staticmethod
    def _label() -> QLabel:
        label = QLabel()
        label.setTextFormat(Qt.PlainText)
        label.setWordWrap(True)
        return label

    # -- study and draft ---------------------------------------------------------------------
    @property
    def report(self) -> Report | None:
        return self.session.report if self.session else None

    def open_study(self, volume: Any, item: Any = None) -> None:
        """studyOpened: the reader's draft of this study, or a new one."""
        identity = identity_from_volume(volume.identity)
        if item is not None:
            self._current_item = item
        if self.session is not None and self.study_uid == identity.study_uid:
            return  # another series of the same study: same report
        self.study_uid = identity.study_uid
        self._used_lengths = set()
        report = self._newest_for(identity.study_uid)
        if report is None:
            report = Report(load_template(DEFAULT_TEMPLATE), identity, "ja")
            log.info("report %s started for study %s", report.report_id, identity.study_uid)
        else:
            log.info("report %s restored for study %s (%s)", report.report_id, identity.study_uid,
                     report.state.value)
        self._set_report(report)

    def _newest_for(self, study_uid: str) -> Report | None:
        for info in self.store.list():  # newest first
            if info.study_uid == study_uid:
                try:
                    return self.store.load_path(info.path)
                except ReportError as exc:
                    self.status(str(exc))
        return None

    def _set_report(self, report: Report) -> None:
        self.session = EditSession(report, self.store)
        self.template_box.setCurrentIndex(max(0, self.template_box.findData(report.template.id)))
        self.language_box.setCurrentIndex(max(0, self.language_box.findData(report.language)))
        self.editor.set_session(self.session)
        if report.is_signed:
            self._status[report.report_id] = {s.sop_uid: s for s in self.outbox.status(report.report_id)}
        self._render()

    def _template_chosen(self, index: int) -> None:
        report = self.report
        tid = self.template_box.itemData(index)
        if report is None or tid == report.template.id:
            return
        if report.is_signed or report.fields or report.nodules or report.overrides:
            self.status("the template can only be changed on an empty draft")
            self.template_box.setCurrentIndex(max(0, self.template_box.findData(report.template.id)))
            return
        self.store.delete(report.report_id)
        self._set_report(Report(load_template(tid), report.identity, report.language))

    def _language_chosen(self, index: int) -> None:
        if self.session is None or self.report.is_signed:
            return
        try:
            self.session.set_language(self.language_box.itemData(index))
        except ReportError as exc:
            self.status(str(exc))

    # -- measurement to nodule ------------------------------------------------------------
    def add_nodule_from_measurement(self) -> None:
        """Ctrl+M: the newest length (and its perpendicular partner) becomes a nodule."""
        win = self.window_
        volume = getattr(win, "volume", None)
        if self.session is None or volume is None:
            self.status("open a study first")
            return
        if self.report.is_signed:
            self.status("the report is signed; start an addendum to add a nodule")
            return
        lengths = [m for w in win.mpr.views.values() for m in w.view.lengths]
        try:
            pick = pick_axes(lengths, volume, exclude=self._used_lengths)
            short = None
            if pick.short is None:
                short = self.ask_short_axis(pick.long.mm)
                if short is None:
                    return
            finding = finding_from_lengths(pick, volume, short)
            index = self.session.add_nodule(finding)
        except ReportError as exc:
            self.status(str(exc))
            return
        self._used_lengths.update(m.id for m in (pick.long, pick.short) if m is not None)
        self.editor.select_nodule(index)
        self.status(f"nodule {index + 1}: {finding.long_mm} × {finding.short_mm} mm on image {finding.sop_uid}")

    def ask_short_axis(self, long_mm: float) -> float | None:
        value, ok = QInputDialog.getDouble(self, "Yomi", "短径 Short axis (mm)", round(long_mm / 2, 1), 0.1,
                                           round(long_mm, 1), 1)
        return value if ok else None

    def _jump(self, sop_uid: str) -> None:
        self.window_.jump_to_instance(sop_uid)

    # -- preview -----------------------------------------------------------------------------
    def _render(self) -> None:
        report = self.report
        if report is None:
            self.preview.setPlainText("")
            self.problems_label.setText("")
            self.sign_button.setEnabled(False)
            self.addendum_button.setEnabled(False)
            self.retry_button.setEnabled(False)
            return
        bar = self.preview.verticalScrollBar().value()
        self.preview.setHtml(render_html(report, report.language))  # render_html escapes every value
        self.preview.verticalScrollBar().setValue(bar)
        problems = [] if report.is_signed else report.problems()
        self.problems_label.setText(("未入力 To do: " + "; ".join(problems)) if problems else "")
        self.sign_button.setEnabled(not report.is_signed or self._unqueued is not None)
        self.addendum_button.setEnabled(report.is_signed)
        self._show_state()

    # -- signing -------------------------------------------------------------------------------
    def ask_password(self) -> str | None:
        dlg = QInputDialog(self)
        dlg.setWindowTitle("Yomi")
        dlg.setLabelText("署名のためパスワードを入力 / Password to sign")
        dlg.setTextEchoMode(QLineEdit.Password)
        dlg.setObjectName("sign-password")
        self.password_dialog = dlg
        try:
            ok = dlg.exec()
            return dlg.textValue() if ok else None
        finally:
            self.password_dialog = None
            dlg.deleteLater()

    def certificate(self) -> Certificate | None:
        """The reader's signing certificate; None when the reader cancelled a password prompt."""
        from app.demo import DEMO_READER
        from worklist.local import LocalCentre

        win = self.window_
        if isinstance(win.centre, LocalCentre) and win.reader == DEMO_READER:
            from app.report.demo_pki import ensure_demo_pki

            pki = ensure_demo_pki()
            return Certificate(pki.p12, pki.password, "DEMO certificate")
        path = os.environ.get(P12_ENV, "")
        if path:
            pw, ok = QInputDialog.getText(self, "Yomi", "証明書のパスワード / Certificate password",
                                          QLineEdit.Password)
            if not ok:
                return None
            return Certificate(Path(path), pw.encode("utf-8"), Path(path).name)
        return Certificate(None, None, "no certificate: PDF not digitally signed")

    def _signer(self) -> Signer | None:
        """Re-authenticate and name the signer; None if the reader cancelled or failed."""
        from app import audit
        from app.session import SessionError

        win = self.window_
        session = win.session
        if session is None:
            audit.security_alert(win.reader, audit.C.USE_OF_RESTRICTED_FUNCTION, f"report:{self.report.report_id}",
                                 "report signed without re-authentication: no reader session")
            log.warning("report %s signed without re-authentication (no session)", self.report.report_id)
            return Signer(win.reader, win.reader, self.organisation)
        password = self.ask_password()
        if password is None:
            self.status("signing cancelled")
            return None
        try:
            session.reauthenticate(password)
        except SessionError as exc:
            self.status(f"not signed: {exc}")
            return None
        user = session.user
        return Signer(user.dicom_name, user.user_id, self.organisation)

    def sign(self) -> None:
        """Ctrl+Shift+S: re-authenticate, sign (GUI thread), enqueue; only then say signed."""
        report = self.report
        if report is None:
            return
        if self._unqueued is not None:
            self._enqueue(self._unqueued)
            return
        if report.is_signed:
            self.status("already signed; use Addendum for a correction")
            return
        problems = report.problems()
        if problems:
            self.status("not ready to sign: " + "; ".join(problems))
            return
        volume = getattr(self.window_, "volume", None)
        on_screen = volume.identity.study_uid if volume is not None else ""
        signer = self._signer()
        if signer is None:
            return
        cert = self.certificate()
        if cert is None:
            self.status("signing cancelled")
            return
        from app.paths import data_dir

        try:
            signed = sign(report, signer, data_dir() / "signed", cert.p12, cert.password, study_on_screen=on_screen)
        except ReportError as exc:
            self.status(f"not signed: {exc}")
            return
        self._items[report.report_id] = getattr(self, "_current_item", None) or self.window_.current
        self._enqueue(signed)

    def _enqueue(self, signed: SignedReport) -> None:
        rid = signed.report.report_id
        try:
            self.outbox.enqueue(rid, [(signed.sr_sop_uid, signed.sr),
                                      (signed.encapsulated_sop_uid, signed.encapsulated_pdf)])
        except OutboxError as exc:
            self._unqueued = signed
            self.status(f"signed outputs are in {signed.folder} but NOT queued for sending: {exc}. "
                        "Press Sign to queue them again.")
            self._render()
            return
        self._unqueued = None
        self._status[rid] = {s.sop_uid: s for s in self.outbox.status(rid)}
        try:
            self.store.save(signed.report)  # reopening the study shows the signed report
        except ReportError as exc:
            log.warning("signed report %s not kept in drafts: %s", rid, exc)
        self.editor.refresh()
        self.status(f"signed and queued: SR {signed.sr_sop_uid}, PDF {signed.encapsulated_sop_uid}")
        self.signedReport.emit(rid)
        self._check_all_sent(rid)

    def start_addendum(self) -> None:
        report = self.report
        if report is None or not report.is_signed:
            return
        self._set_report(report.addendum())
        self.status(f"addendum to report {report.report_id}")

    def retry_failed(self) -> None:
        if self.report is not None:
            n = self.outbox.retry_failed(self.report.report_id)
            self.status(f"{n} item(s) queued again")

    # -- delivery status ---------------------------------------------------------------------
    def _on_status(self, st: ItemStatus) -> None:
        self._status.setdefault(st.report_id, {})[st.sop_uid] = st
        self._check_all_sent(st.report_id)
        self._show_state()

    def report_state(self, report_id: str) -> str:
        """'queued', 'sending', 'sent', 'failed: reason' for the report's objects together."""
        items = list(self._status.get(report_id, {}).values())
        if not items:
            return ""
        failed = [s for s in items if s.state is ItemState.FAILED]
        if failed:
            return "failed: " + "; ".join(f"{s.sop_uid}: {s.reason}" for s in failed)
        if all(s.state is ItemState.SENT for s in items):
            return "sent"
        if any(s.state is ItemState.SENDING for s in items):
            return "sending"
        waiting = [s for s in items if s.reason]
        return "queued" + (f" (retrying: {waiting[0].reason})" if waiting else "")

    def _show_state(self) -> None:
        report = self.report
        if report is None:
            return
        if report.is_signed:
            st = self.report_state(report.report_id) or "not in the outbox"
            self.state_label.setText(f"署名済み Signed {report.signature.signed_at} — {st}")
        elif self._unqueued is not None:
            self.state_label.setText("署名処理中: 送信キュー未登録 / outputs written, not queued")
        else:
            kind = "追記 Addendum draft" if report.predecessor else "下書き Draft"
            self.state_label.setText(f"{kind} (autosaved) — report {report.report_id}")
        others = [f"{rid[:8]}: {self.report_state(rid)}" for rid in self._status if rid != report.report_id]
        self.outbox_label.setText(("Outbox — " + " | ".join(others)) if others else "")
        self.retry_button.setEnabled(self.report_state(report.report_id).startswith("failed"))

    def _check_all_sent(self, report_id: str) -> None:
        if report_id in self._released or self.report_state(report_id) != "sent":
            return
        item = self._items.get(report_id)
        if item is None:
            return  # signed in an earlier run: its study was released then or stays for the reader
        self._released.add(report_id)
        centre, bridge = self.window_.centre, self._bridge
        user = self.window_.session.user.user_id if self.window_.session and self.window_.session.user \
            else self.window_.reader
        audit_log = self.window_.session.audit_log if self.window_.session else None
        sop_uids = list(self._status[report_id])
        patient_id = self.report.identity.patient_id if self.report and self.report.report_id == report_id else ""

        def release() -> None:  # network: never on the GUI thread
            from app import audit
            from worklist.centre import CentreError

            try:
                audit.transferred(user, item.study_uid, patient_id, peer=getattr(centre, "name", "centre"),
                                  sent=True, sop_uids=sop_uids, log=audit_log)
            except Exception:  # the report is delivered; a failing audit write is logged, not fatal
                log.exception("audit of report %s delivery failed", report_id)
            try:
                centre.release(item, completed=True)
                bridge.released.emit(report_id, "study completed at the centre")
            except CentreError as exc:
                bridge.released.emit(report_id, f"delivered, but the study could not be marked completed: {exc.reason}")

        threading.Thread(target=release, name="yomi-report-release", daemon=True).start()

    def _on_released(self, report_id: str, message: str) -> None:
        if message.startswith("delivered, but"):
            self._released.discard(report_id)  # try again at the next status
        self.status(f"report {report_id}: {message}")

    # -- messages and teardown ---------------------------------------------------------------
    def status(self, text: str) -> None:
        self.state_label.setToolTip(text)
        self.window_.status(text)

    def shutdown(self) -> None:
        """Stop listening and stop the panel's own sender (idempotent); the drafts are on disk."""
        self._subscription.unsubscribe()
        if self._own_sender is not None:
            self._own_sender.stop()
            self._own_sender = None


def install_report_panel(window: Any) -> ReportPanel:
    """Add the report dock and its keys to the reading window (called from MainWindow.__init__)."""
    panel = ReportPanel(window)
    dock = QDockWidget("読影レポート Report", window)
    dock.setObjectName("report")
    dock.setWidget(panel)
    dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable)
    window.addDockWidget(Qt.RightDockWidgetArea, dock)
    window.report_panel = panel
    window.studyOpened.connect(panel.open_study)
    for keys, slot, text in ((("Ctrl+M",), panel.add_nodule_from_measurement, "Measurement to nodule"),
                             (("Ctrl+Shift+S",), panel.sign, "Sign report"),
                             (("Ctrl+Z",), panel.editor.undo, "Undo report change"),
                             (("Ctrl+Shift+Z", "Ctrl+Y"), panel.editor.redo, "Redo report change"),
                             (("Ctrl+E",), panel.editor.focus_first_field, "Go to the report editor")):
        act = QAction(text, window)
        act.setShortcuts([QKeySequence(k) for k in keys])
        act.setShortcutContext(Qt.WindowShortcut)
        act.triggered.connect(slot)
        window.addAction(act)
    panel._closer = _CloseWatcher(panel)
    window.installEventFilter(panel._closer)
    return panel


class _CloseWatcher(QObject):
    """Shuts the panel down when the window closes (main_window.py stays free of report code)."""

    def __init__(self, panel: ReportPanel) -> None:
        super().__init__(panel)
        self.panel = panel

    def eventFilter(self, obj: QObject, ev: QEvent) -> bool:
        if ev.type() == QEvent.Close:
            self.panel.shutdown()
        return False
