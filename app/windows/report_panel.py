"""The report dock of the reading window: the draft of the study on screen, the editor, the
live preview, signing and the report's delivery status.

Wiring only: the report model (app/report) decides, the outbox (worklist/outbox) delivers,
the session re-authenticates. Decisions taken here, in one place:

- Draft: opening a study restores the newest draft (or signed report) of that study from the
  DraftStore (crash recovery); else a new lung-screening draft. The template box switches an
  empty draft to another template. Every change is written by the reading workflow's
  DraftSaver on its own thread (`window.reading.drafts`); the panel waits for it only where
  the disk must be current: before reading drafts back, when the window closes and when the
  program quits.
- Signing: the passwords are asked here; who signs and with which certificate is decided in
  app/reading. Re-authentication, signing and the outbox commit run on a worker (`_SignJob`);
  only the PDF print hops back to the GUI thread, which Qt requires. The panel says "signed"
  only after the outbox committed the SR and the encapsulated PDF.
- Without a Session (bare windows: tests, and `yomi --demo` as app/gui.py starts it today)
  there is no one to re-authenticate: the report is signed under the window's reader name
  and a Security Alert (Use of Restricted Function) records that it was signed without
  re-authentication.
- Certificate: the key IT bound to the logged-in account (app/reading/certificates.py; the
  demo PKI for the demo reader); the panel only asks its password or the card's PIN. The
  site's organisation, TSA and CRLs come from `window.signing_settings` (app/gui.py).
- Delivery: the window's reading workflow tracks each report (app/reading/delivery.py) and
  releases the study once every object is stored; the panel shows the typed state.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSize, Qt, QTimer, Signal
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

from app.report.draft_saver import DraftSaver
from app.report.draft_store import DraftStore
from app.report.editing import EditSession
from app.report.editor import ReportEditor
from app.report.errors import ReportError
from app.report.identity import StudyIdentity
from app.report.measurement_link import finding_from_lengths, pick_axes
from app.report.model import Report
from app.report.render import render_html
from app.report.signing import SignedReport
from app.report.templates import TemplateError, list_templates, load_template
from app.windows import critical_flag
from app.reading.certificates import CertificateChoice, CertificateKind, SigningSettings, choose_certificate
from app.reading.delivery import DeliveryState, ReportDelivery, SignedOutputsInconsistent
from app.reading.events import CompletionFailed, DeliveryChanged, ReadingEvent, StudyCompleted
from app.windows.report_texts import delivery_text, problem_texts, interface_language
from app.windows.error_text import error_text
from app.windows.lock_screen import exec_resumable
from app.windows.prompts import ask_secret
from worklist.outbox import OutboxError

__all__ = ["DEFAULT_TEMPLATE", "ReportPanel", "identity_from_volume", "install_report_panel"]

log = logging.getLogger(__name__)

DEFAULT_TEMPLATE = "lung-screening-ldct"


def identity_from_volume(ident: Any) -> StudyIdentity:
    """The report's identity from the identity of the volume on screen (viewer.dicom_files.Identity)."""
    return StudyIdentity(study_uid=ident.study_uid, patient_id=ident.patient_id, patient_name=ident.patient_name,
                         patient_birth_date=ident.birth_date, patient_sex=ident.sex,
                         accession_number=ident.accession, study_date=ident.study_date,
                         study_description=ident.study_description)


class ReportHost(Protocol):
    """What the report panel needs from the reading window (app/windows/main_window.py)."""

    centre: Any
    reader: str
    session: Any            # app.session.Session, or None in a bare window
    reading: Any            # app.reading.controller.ReadingController
    gui_thread: Any         # app.windows.gui_post.GuiPost
    volume: Any             # viewer.volume.Volume on screen, or None

    def on_study_opened(self, fn: Any) -> None: ...   # fn(volume, item) once a study is on screen

    @property
    def current(self) -> Any: ...
    def measured_lengths(self) -> list: ...
    def jump_to_instance(self, sop_instance_uid: str) -> bool: ...
    def status(self, text: str) -> None: ...
    def next_study(self) -> None: ...


class ReportPanel(QWidget):
    signedReport = Signal(str)       # report id, once signed and queued

    def __init__(self, window: ReportHost) -> None:
        super().__init__(window)
        self.window_ = window
        self.drafts: DraftSaver = window.reading.drafts   # writes off the GUI thread
        self.store: DraftStore = self.drafts.store         # sealed for the reader
        self.store.restore()  # after a crash: drop half-written temp files
        self._unsubscribe_drafts = self.drafts.subscribe(self._draft_not_saved)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self._flush_drafts)
        self.session: EditSession | None = None
        self.study_uid: str | None = None
        self.organisation = window.centre.name or "Yomi"
        self._used_lengths: set[int] = set()
        self._unqueued: SignedReport | None = None
        self._signing = False
        self._item: Any = None              # the WorkItem of the study the report is for
        from app.reading.sign_grace import DEFAULT_GRACE_S, SigningGrace
        self.grace = SigningGrace(getattr(window, "sign_grace_s", DEFAULT_GRACE_S))
        self._typed_cert: Any = None        # the key of the signature running, if its passwords were typed
        self._then_next = False             # sign-and-next: open the next study once this one is queued
        self.delivery_tracker = window.reading.delivery
        self._subscription = window.reading.subscribe(self._on_event)
        self._build()
        QTimer.singleShot(1, self._prepare_form)   # while no study is open yet

    def _prepare_form(self) -> None:
        if self.session is None:
            try:
                self.editor.prepare(load_template(self.default_template), "ja")
            except TemplateError as exc:  # said again, and refused, when a report starts on it
                log.warning("report form not prepared: %s", exc)

    # -- layout ----------------------------------------------------------------------------
    WIDTH_IN_LINES = 32   # the dock's first width, in line heights: the form, about 28 Japanese characters a line

    def sizeHint(self) -> QSize:  # noqa: N802
        # Not the contents' hint: that grows as the form is built and its labels fill, and the
        # window's layout pins the docks at their hints when it first shows (layout_memory).
        hint = super().sizeHint()
        return QSize(max(hint.width(), self.WIDTH_IN_LINES * self.fontMetrics().height()), hint.height())

    def _build(self) -> None:
        top = QHBoxLayout()
        self.template_box = QComboBox()
        self.default_template = DEFAULT_TEMPLATE
        self.offer_templates(())
        self.template_box.activated.connect(self._template_chosen)
        # long bilingual titles must not force the dock (and the window) wider than the screen
        self.template_box.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.template_box.setMinimumContentsLength(16)
        self.language_box = QComboBox()
        self.language_box.addItem(self.tr("Japanese"), "ja")
        self.language_box.addItem(self.tr("English"), "en")
        self.language_box.setToolTip(self.tr("Language of the report (the screen's language is a setting of its own)"))
        self.language_box.activated.connect(self._language_chosen)
        top.addWidget(self.template_box, 1)
        top.addWidget(self.language_box)

        self.editor = ReportEditor()
        self.editor.message.connect(self.status)
        self.editor.jumpRequested.connect(self._jump)
        self.editor.changed.connect(self._render)
        self.editor.statusOverridden.connect(self._audit_status_override)
        self.preview = QTextBrowser()
        self.preview.setOpenLinks(False)
        self.preview.setOpenExternalLinks(False)
        split = QSplitter(Qt.Vertical)
        split.setObjectName("report-editor-preview")  # named: the reader's sizes are remembered (layout_memory)
        split.addWidget(self.editor)
        split.addWidget(self.preview)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)

        self.problems_label = self._label()
        self.state_label = self._label()
        self.outbox_label = self._label()
        self.critical_label = self._label()
        self.critical_label.setObjectName("critical-notice")
        self.critical_label.hide()
        self.critical_notices = critical_flag.attach(self)
        buttons = QHBoxLayout()
        self.sign_button = QPushButton(self.tr("Sign (Ctrl+Shift+S)"))
        self.sign_button.clicked.connect(self.sign)
        self.addendum_button = QPushButton(self.tr("Addendum"))
        self.addendum_button.clicked.connect(self.start_addendum)
        self.retry_button = QPushButton(self.tr("Retry"))
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
        lay.addWidget(self.critical_label)
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
        """A study on screen (MainWindow.on_study_opened): the reader's draft of this study, or a new one."""
        identity = identity_from_volume(volume.identity)
        if item is not None:
            self._item = item
        if self.session is not None and self.study_uid == identity.study_uid:
            return  # another series of the same study: same report
        self.study_uid = identity.study_uid
        self._used_lengths = set()
        report = self._newest_for(identity.study_uid)
        if report is None:
            report = Report(load_template(self.default_template), identity, "ja")
            log.info("report %s started for study %s", report.report_id, identity.study_uid)
        else:
            log.info("report %s restored for study %s (%s)", report.report_id, identity.study_uid,
                     report.state.value)
        self._set_report(report)

    def close_study(self) -> None:
        """The study on screen left it (another opens, or it was given back): its draft is on
        disk and out of reach, so nothing typed, measured or captured until the next study's
        report opens can land in it. A signature under way finishes on its own report."""
        self.drafts.flush()
        self.session = None
        self.study_uid = None   # _item stays: a signature finishing now completes that study's workitem
        self._used_lengths = set()
        self.editor.set_session(None)
        self._render()

    def _newest_for(self, study_uid: str) -> Report | None:
        self.drafts.flush()  # a change made just before is on disk before drafts are read back
        for info in self.store.list():  # newest first
            if info.study_uid == study_uid:
                try:
                    return self.store.load_path(info.path)
                except ReportError as exc:
                    self.status(error_text(exc, study_uid=study_uid))
        return None

    def _set_report(self, report: Report) -> None:
        self.session = EditSession(report, self.drafts)
        self.template_box.setCurrentIndex(max(0, self.template_box.findData(report.template.id)))
        self.language_box.setCurrentIndex(max(0, self.language_box.findData(report.language)))
        self.editor.set_session(self.session)
        if report.is_signed:
            self.delivery_tracker.load(report.report_id)
            if report.critical is not None:
                self.critical_notices.watch(report.report_id)
        self._render()

    def offer_templates(self, ids) -> None:
        """Only these bundled templates in the list (the site's `station.templates`, validated
        by app.config); none given: all. A new report starts on the default template when it is
        offered, else on the first offered."""
        offered = list(ids)
        templates = {t.id: t for t in list_templates()}
        chosen = [templates[i] for i in offered if i in templates] if offered else list(templates.values())
        self.template_box.clear()
        for t in chosen:
            self.template_box.addItem(t.title[interface_language()], t.id)
        ids_shown = [t.id for t in chosen]
        self.default_template = DEFAULT_TEMPLATE if DEFAULT_TEMPLATE in ids_shown or not ids_shown else ids_shown[0]

    def _template_chosen(self, index: int) -> None:
        report = self.report
        tid = self.template_box.itemData(index)
        if report is None or tid == report.template.id:
            return
        if report.is_signed or report.fields or report.nodules or report.overrides:
            self.status(self.tr("The template can only be changed on an empty draft."))
            self.template_box.setCurrentIndex(max(0, self.template_box.findData(report.template.id)))
            return
        self.drafts.delete(report.report_id)
        self._set_report(Report(load_template(tid), report.identity, report.language))

    def _language_chosen(self, index: int) -> None:
        if self.session is None or self.report.is_signed:
            return
        try:
            self.session.set_language(self.language_box.itemData(index))
        except ReportError as exc:
            self.status(error_text(exc))

    # -- measurement to nodule ------------------------------------------------------------
    def add_nodule_from_measurement(self) -> None:
        """Ctrl+M: the newest length (and its perpendicular partner) becomes a nodule."""
        win = self.window_
        volume = win.volume
        if self.session is None or volume is None:
            self.status(self.tr("Open a study first."))
            return
        if self.report.is_signed:
            self.status(self.tr("The report is signed: start an addendum to add a nodule."))
            return
        lengths = win.measured_lengths()
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
            self.status(error_text(exc))
            return
        self._used_lengths.update(m.id for m in (pick.long, pick.short) if m is not None)
        self.editor.select_nodule(index)
        self.status(self.tr("Nodule {0}: {1} × {2} mm on image {3}").format(
            index + 1, finding.long_mm, finding.short_mm, finding.sop_uid))

    def ask_short_axis(self, long_mm: float) -> float | None:
        value, ok = QInputDialog.getDouble(self, "Yomi", self.tr("Short axis (mm)"), round(long_mm / 2, 1), 0.1,
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
            self._show_state()
            return
        bar = self.preview.verticalScrollBar().value()
        self.preview.setHtml(render_html(report, report.language))  # render_html escapes every value
        self.preview.verticalScrollBar().setValue(bar)
        problems = [] if report.is_signed else report.problems()
        self.problems_label.setText((self.tr("To do: {0}").format("; ".join(problem_texts(problems)))) if problems else "")
        self.sign_button.setEnabled(not self._signing and (not report.is_signed or self._unqueued is not None))
        self.addendum_button.setEnabled(report.is_signed)
        critical_flag.show_notices(self)
        self._show_state()

    # -- signing -------------------------------------------------------------------------------
    def ask_password(self) -> str | None:
        dlg = QInputDialog(self)
        dlg.setWindowTitle("Yomi")
        dlg.setLabelText(self.tr("Your password, to sign"))
        dlg.setTextEchoMode(QLineEdit.Password)
        dlg.setObjectName("sign-password")
        self.password_dialog = dlg
        try:
            # resumable: an idle lock while this is open hides it and shows it again after the unlock
            ok = exec_resumable(dlg)
            return dlg.textValue() if ok else None
        finally:
            self.password_dialog = None
            dlg.deleteLater()

    def _account_choice(self) -> CertificateChoice | None:
        """The key IT bound to the logged-in account (the demo PKI for the demo reader), not yet
        opened; None, with the reason in the status bar, when there is none or it is unusable."""
        from app.demo import DEMO_READER
        from worklist.local import LocalCentre

        win = self.window_
        user = win.session.user if win.session is not None else None
        try:
            choice = choose_certificate(demo_reader=isinstance(win.centre, LocalCentre) and win.reader == DEMO_READER,
                                        account_key=user.signing_key if user is not None else None,
                                        pkcs11_module=self.signing_settings().pkcs11_module)
        except ValueError as exc:
            log.info("signing key unusable: %s", exc)
            self.status(self.tr("The signing key of this account cannot be used. Ask IT."))
            return None
        if choice.kind is CertificateKind.NONE:
            self.status(self.tr("No signing key is bound to your account: a report is signed only with your own "
                                "certificate. Ask IT to bind it (yomi user reset --signing-p12 / --signing-pkcs11)."))
            return None
        return choice

    def certificate(self, choice: CertificateChoice | None = None) -> CertificateChoice | None:
        """The account's key (`choice`, else looked up) with its password / PIN asked of the
        reader; None when the reader cancelled the prompt or there is no usable key."""
        choice = choice or self._account_choice()
        if choice is None:
            return None
        if choice.needs_password:
            prompt = self.tr("Card PIN") if choice.is_card else self.tr("Certificate password")
            pw = ask_secret(self, prompt, "certificate-password")
            if pw is None:
                return None
            choice = choice.with_password(pw)
        return choice

    def signing_settings(self) -> SigningSettings:
        """The site's signing defaults the shell gave the window (`window.signing_settings`),
        else the centre's name as organisation and no TSA or CRL."""
        given = getattr(self.window_, "signing_settings", None)
        return given if given is not None else SigningSettings(self.organisation)

    def sign(self) -> None:
        """Ctrl+Shift+S: the password (and the certificate's) asked here; re-authentication,
        signing and queueing on a worker; "signed" shown only once the outbox holds it."""
        from app.reading.signer import needs_reauthentication

        report = self.report
        if report is None or self._signing:
            return
        if self._unqueued is not None:
            self._queue(self._unqueued)
            return
        if report.is_signed:
            self.status(self.tr("Already signed: use Addendum for a correction."))
            return
        problems = report.problems()
        if problems:
            self.status(self.tr("Not ready to sign: {0}").format("; ".join(problem_texts(problems))))
            return
        win = self.window_
        choice = self._account_choice()
        if choice is None:
            return  # no usable key: said in the status bar, nothing asked
        password = None
        held = self.grace.certificate(win.session)  # within the grace: no password asked
        if held is None and needs_reauthentication(win.session):
            password = self.ask_password()
            if password is None:
                self.status(self.tr("Signing cancelled"))
                return
        cert = held or self.certificate(choice)
        if cert is None:
            self.status(self.tr("Signing cancelled"))
            return
        self._typed_cert = cert if held is None else None
        self._set_signing(True)
        volume = win.volume
        job = _SignJob(report, win.session, win.reader, self.signing_settings(), password, cert,
                       volume.identity.study_uid if volume is not None else "", win.gui_thread,
                       self.delivery_tracker, reading_pdf_sent(win), reading_role_of_window(win),
                       within_grace=held is not None)
        win.reading.run(job.run, done=self._signed, failed=self._sign_failed)

    def sign_and_next(self) -> None:
        """Ctrl+Shift+Return: sign, and once the outbox holds the report open the next study.
        A refused, failed or cancelled signature (or outputs not queued) stays on this study."""
        report = self.report
        if report is not None and report.is_signed and self._unqueued is None and not self._signing:
            self.window_.next_study()  # signed and queued before: nothing left here
            return
        self._then_next = True
        self.sign()
        if not self._signing:  # nothing started: refused or cancelled, said in the status bar
            self._then_next = False

    def _set_signing(self, busy: bool) -> None:
        """While a worker signs, the report is not to be edited (it turns SIGNED there)."""
        self._signing = busy
        self.editor.setEnabled(not busy)
        self.sign_button.setEnabled(not busy)
        if busy:
            self.state_label.setText(self.tr("Signing…"))
        else:
            self._render()

    def _sign_failed(self, exc: Exception) -> None:
        from app.session import SessionError

        self._then_next = False
        self._typed_cert = None
        self._set_signing(False)
        if isinstance(exc, (SessionError, ReportError)):
            self.status(self.tr("Not signed: {0}").format(error_text(exc)))
        else:
            log.error("signing report failed unexpectedly (%s)", type(exc).__name__)
            self.status(self.tr("Not signed: {0}").format(error_text(exc)))

    def _signed(self, outcome: "_SignOutcome") -> None:
        if self._typed_cert is not None:  # the passwords were right: the grace starts now
            self.grace.remember(self.window_.session, self._typed_cert)
            self._typed_cert = None
        self._set_signing(False)
        if outcome.queue_error is not None:
            self._not_queued(outcome.signed, outcome.queue_error)
        else:
            self._queued(outcome.signed)

    def _queue(self, signed: SignedReport) -> None:
        """Queue outputs signed earlier whose queueing failed (the reader pressed Sign again);
        the outbox commit runs on a worker, like the first attempt's."""
        def failed(exc: Exception) -> None:
            if not isinstance(exc, OutboxError):
                self._sign_failed(exc)
                return
            self._set_signing(False)
            self._not_queued(signed, exc)

        def done(_none: None) -> None:
            self._set_signing(False)
            self._queued(signed)

        self._set_signing(True)
        self.window_.reading.run(lambda: self.delivery_tracker.store(signed.report.report_id,
                                                                     _objects(signed, reading_pdf_sent(self.window_)),
                                                                     urgent=signed.report.critical is not None),
                                 done=done, failed=failed)

    def _not_queued(self, signed: SignedReport, exc: OutboxError) -> None:
        self._then_next = False
        self._unqueued = signed
        self.status(self.tr("The signed outputs are in {0} but NOT queued for sending: {1} "
                            "Press Sign to queue them again.").format(signed.folder, error_text(exc)))
        self._render()

    def _queued(self, signed: SignedReport) -> None:
        rid = signed.report.report_id
        item = self._item or self.window_.current
        self.delivery_tracker.track(
            rid, item=item if item is not None and item.study_uid == signed.report.identity.study_uid else None,
            patient_id=signed.report.identity.patient_id)
        self._unqueued = None
        # reopening the study shows the signed report; if the process dies before this is
        # written, start-up's reconcile (app/reading/delivery.py) marks the draft signed
        self.drafts.save(signed.report)
        self.editor.refresh()
        if signed.report.critical is not None:
            claim = (item.workitem_uid, item.transaction_uid) if item is not None \
                and item.study_uid == signed.report.identity.study_uid else ("", "")
            self.critical_notices.queue(rid, signed.report.identity.study_uid, signed.sr_sop_uid,
                                        signed.report.critical, claim)
        self.status(self.tr("Signed and queued: SR {0}, PDF {1}").format(signed.sr_sop_uid, signed.encapsulated_sop_uid))
        self.signedReport.emit(rid)
        self._render()
        if self._then_next:
            self._then_next = False
            self.window_.next_study()

    def start_addendum(self) -> None:
        report = self.report
        if report is None or not report.is_signed:
            return
        self._set_report(report.addendum())
        self.status(self.tr("Addendum to report {0}").format(report.report_id))

    def retry_failed(self) -> None:
        """Retry: the outbox's rows change on a worker (a database write)."""
        if self.report is None:
            return
        rid = self.report.report_id
        self.window_.reading.run(lambda: self.delivery_tracker.retry_failed(rid),
                                 done=lambda n: self.status(self.tr("{0} item(s) queued again").format(n)),
                                 failed=lambda exc: self.status(error_text(exc)))

    # -- delivery status ---------------------------------------------------------------------
    def delivery(self, report_id: str) -> ReportDelivery:
        return self.delivery_tracker.delivery(report_id)

    def _on_event(self, event: ReadingEvent) -> None:
        if isinstance(event, DeliveryChanged):
            self._show_state()
        elif isinstance(event, StudyCompleted):
            self.status(self.tr("Report {0}: study completed at the centre").format(event.report_id))
        elif isinstance(event, SignedOutputsInconsistent):
            log.info("signed outputs of report %s inconsistent: %s", event.report_id, event.reason)
            self.status(self.tr("Report {0}: signed outputs NOT sent, please check them.")
                        .format(event.report_id))
        elif isinstance(event, CompletionFailed):
            self.status(self.tr("Report {0}: delivered, but the study could not be marked completed: {1}")
                        .format(event.report_id, error_text(event.error)))

    def _state_text(self, d: ReportDelivery) -> str:
        return delivery_text(d)

    def _show_state(self) -> None:
        report = self.report
        if report is None:   # no study on screen: no report's state, every report's delivery below
            self.state_label.setText("")
        else:
            self._show_report_state(report)
        rid = report.report_id if report is not None else None
        others = [f"{r[:8]}: {self._state_text(self.delivery(r))}" for r in self.delivery_tracker.reports() if r != rid]
        self.outbox_label.setText(self.tr("Outbox — {0}").format(" | ".join(others)) if others else "")

    def _show_report_state(self, report: Report) -> None:
        mine = self.delivery(report.report_id)
        if report.is_signed:
            st = self._state_text(mine) if mine.state is not DeliveryState.NOT_QUEUED else \
                self.tr("not in the outbox")
            self.state_label.setText(self.tr("Signed {0} — {1}").format(report.signature.signed_at, st))
        elif self._unqueued is not None:
            self.state_label.setText(self.tr("Signed outputs written, not queued for sending"))
        else:
            kind = self.tr("Addendum draft") if report.predecessor else self.tr("Draft")
            self.state_label.setText(self.tr("{0} (autosaved) — report {1}").format(kind, report.report_id))
        self.retry_button.setEnabled(mine.state is DeliveryState.FAILED)

    # -- messages and teardown ---------------------------------------------------------------
    def _audit_status_override(self, index: int) -> None:
        """The audit trail records a nodule's overridden change status with its reason."""
        report = self.report
        if report is None or not 0 <= index < len(report.nodules):
            return
        n = report.nodules[index]
        self.window_.reading.status_overridden(report.identity.study_uid, report.identity.patient_id,
                                               report_id=report.report_id, nodule=index + 1,
                                               suggested=n.suggested_status, chosen=n.status,
                                               reason=n.status_reason)

    def status(self, text: str) -> None:
        self.state_label.setToolTip(text)
        self.window_.status(text)

    def _draft_not_saved(self, exc: ReportError) -> None:
        self.status(error_text(exc))

    def _flush_drafts(self) -> None:
        self.drafts.flush()

    def shutdown(self) -> None:
        """Stop listening (idempotent); the drafts are on disk once this returns."""
        self._subscription.unsubscribe()
        self._unsubscribe_drafts()
        self._flush_drafts()


def _objects(signed: SignedReport, pdf: bool = True) -> list[tuple[str, bytes]]:
    return signed.objects(pdf)


def reading_role_of_window(window: Any) -> str:
    """The double-reading role of the study on screen, as signing names it ("" for a single reading)."""
    from app.reading.roles import ReadingRole, role_of_item

    item = getattr(window, "current", None)
    role = role_of_item(item) if item is not None else None
    return role.value if role in (ReadingRole.FIRST, ReadingRole.SECOND) else ""


def reading_pdf_sent(window: Any) -> bool:
    """Double reading: a reading's PDF goes to the centre only when the site says the requester
    receives every reading (app/reading/requester_policy.py; `window.requester_receives`)."""
    from app.reading.requester_policy import RequesterReceives, sends_pdf
    from app.reading.roles import role_of_item

    item = getattr(window, "current", None)
    policy = getattr(window, "requester_receives", RequesterReceives.FINAL)
    return sends_pdf(role_of_item(item) if item is not None else None, policy)


@dataclass(frozen=True)
class _SignOutcome:
    signed: SignedReport
    queue_error: OutboxError | None


@dataclass(frozen=True)
class _SignJob:
    """What a worker needs to sign one report; nothing here touches a widget."""

    report: Report
    session: Any
    reader: str
    settings: SigningSettings
    password: str | None
    cert: CertificateChoice
    study_on_screen: str
    gui_thread: Any        # app.windows.gui_post.GuiPost: the PDF is printed on the GUI thread
    tracker: Any           # app.reading.delivery.DeliveryTracker
    send_pdf: bool = True  # double reading under "final only": a reading's PDF stays home
    reading_role: str = ""  # double reading: "first" / "second", named in the SR
    final: Any = None       # double reading: the judge's FinalContext (app/report/final_report.py)
    within_grace: bool = False  # passwords typed moments ago (app/reading/sign_grace.py)

    def run(self) -> _SignOutcome:
        from app.reading.signer import sign_as_reader
        from app.report.pdf import html_to_pdf

        signed = sign_as_reader(
            self.session, self.reader, self.password, self.report, choice=self.cert, settings=self.settings,
            out_dir=self.tracker.signed_root, secret=self.tracker.secret, study_on_screen=self.study_on_screen,
            render_pdf=lambda html, title: self.gui_thread.call(lambda: html_to_pdf(html, title)),
            audit_log=self.session.audit_log if self.session is not None else None, reading_role=self.reading_role,
            final=self.final, within_grace=self.within_grace)
        try:
            self.tracker.store(signed.report.report_id, _objects(signed, self.send_pdf),
                               urgent=signed.report.critical is not None)
        except OutboxError as exc:
            return _SignOutcome(signed, exc)
        return _SignOutcome(signed, None)


SignJob = _SignJob   # the comparison window's final report signs the same way


def install_report_panel(window: Any) -> ReportPanel:
    """Add the report dock and its keys to the reading window (called from MainWindow.__init__)."""
    panel = ReportPanel(window)
    dock = QDockWidget(QCoreApplication.translate("ReportPanel", "Report"), window)
    dock.setObjectName("report")
    dock.setWidget(panel)
    dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable)
    window.addDockWidget(Qt.RightDockWidgetArea, dock)
    window.report_panel = panel
    window.on_study_opened(panel.open_study)
    window.on_study_closed(panel.close_study)
    for action_id, slot in (("report.nodule_from_measurement", panel.add_nodule_from_measurement),
                            ("report.sign", panel.sign), ("report.sign_and_next", panel.sign_and_next),
                            ("report.flag_critical", lambda: critical_flag.open_flag_dialog(panel)),
                            ("report.undo", panel.editor.undo),
                            ("report.redo", panel.editor.redo), ("report.focus_editor", panel.editor.focus_first_field)):
        window.keys.bind(action_id, slot)  # keys: app/keymap/defaults.py
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
