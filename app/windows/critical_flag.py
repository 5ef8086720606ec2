"""The critical-result flag of the report on screen (one key, then a keyboard-first dialog),
and the centre's acknowledgement of it, shown under the report.

The dialog lists the kinds (1-4 choose, Enter accepts, Esc cancels); "other" needs the
reader's words. After signing, the notice goes to the centre through the site's channels
(app.reading.critical_notice) on a worker; this module only shows what came back.
"""
from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QLabel, QLineEdit, QListWidget, QListWidgetItem,
                               QPushButton, QVBoxLayout, QWidget)

from app.reading.critical_notice import Notice, NoticeState, NoticeStore, Notifier, UpsNoticeChannel, WebhookChannel
from app.reading.site_rules import CriticalSettings, NotifyChannel
from app.report.critical import CriticalFinding, CriticalKind

__all__ = ["CriticalDialog", "CriticalNotices", "notice_text", "KIND_TEXT", "attach", "open_flag_dialog",
           "show_notices"]

log = logging.getLogger(__name__)
NOTICE_POLL_MS = 30_000

# English source text of each kind (translated through Qt; the report's own language is used
# for the PDF banner by app.report.render).
KIND_TEXT: dict[CriticalKind, str] = {
    CriticalKind.SUSPECTED_CANCER: QT_TRANSLATE_NOOP("CriticalDialog", "Suspected cancer, prompt contact needed"),
    CriticalKind.PNEUMOTHORAX: QT_TRANSLATE_NOOP("CriticalDialog", "Pneumothorax"),
    CriticalKind.AORTIC_DISSECTION: QT_TRANSLATE_NOOP("CriticalDialog", "Aortic dissection"),
    CriticalKind.OTHER: QT_TRANSLATE_NOOP("CriticalDialog", "Other urgent finding (describe)"),
}


class CriticalDialog(QDialog):
    """Choose the kind of critical finding; `finding()` after accept, None when cleared."""

    CLEARED = 2  # done() code of the "clear the flag" button

    def __init__(self, parent: QWidget | None, current: CriticalFinding | None) -> None:
        super().__init__(parent)
        self.setObjectName("critical-dialog")
        self.setWindowTitle(self.tr("Critical result"))
        self.kinds = QListWidget(self)
        for n, kind in enumerate(CriticalKind, 1):
            item = QListWidgetItem(f"{n}  {self.tr(KIND_TEXT[kind])}")
            item.setData(Qt.UserRole, kind.value)
            self.kinds.addItem(item)
        self.text = QLineEdit(self)
        self.text.setPlaceholderText(self.tr("Description (required for other)"))
        self.error = QLabel(self)
        self.error.setTextFormat(Qt.PlainText)
        self.error.setStyleSheet("color: #c81e1e")
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        self.clear_button = QPushButton(self.tr("Clear the flag"), self)
        self.clear_button.setEnabled(current is not None)
        buttons.addButton(self.clear_button, QDialogButtonBox.ResetRole)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        self.clear_button.clicked.connect(lambda: self.done(self.CLEARED))
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(self.tr("Kind of critical or urgent finding (1-4):"), self))
        lay.addWidget(self.kinds)
        lay.addWidget(self.text)
        lay.addWidget(self.error)
        lay.addWidget(buttons)
        kinds = list(CriticalKind)
        self.kinds.setCurrentRow(kinds.index(current.kind) if current else 0)
        if current is not None:
            self.text.setText(current.text)
        self.kinds.setFocus()
        self._finding: CriticalFinding | None = None

    def keyPressEvent(self, ev) -> None:  # noqa: N802
        key = ev.key()
        if Qt.Key_1 <= key <= Qt.Key_4 and not self.text.hasFocus():
            self.kinds.setCurrentRow(key - Qt.Key_1)
            if list(CriticalKind)[key - Qt.Key_1] is CriticalKind.OTHER:
                self.text.setFocus()
            return
        super().keyPressEvent(ev)

    def _accept(self) -> None:
        kind = CriticalKind(self.kinds.currentItem().data(Qt.UserRole))
        if kind is CriticalKind.OTHER and not self.text.text().strip():
            self.error.setText(self.tr("Describe the finding for the kind 'other'."))
            self.text.setFocus()
            return
        self._finding = CriticalFinding.now(kind, self.text.text())
        self.accept()

    def finding(self) -> CriticalFinding | None:
        return self._finding


def notice_text(notices: list[Notice]) -> str:
    """One translated line on where the critical result's notices stand ('' when none)."""
    if not notices:
        return ""
    acked = [n for n in notices if n.state is NoticeState.ACKNOWLEDGED]
    if acked:
        n = acked[0]
        return QCoreApplication.translate("CriticalNotices", "Critical result acknowledged by the centre: %1 (%2)").replace("%1", n.acknowledged_by) \
            .replace("%2", n.acknowledged_at)
    if any(n.state is NoticeState.FAILED for n in notices):
        reason = next(n.reason for n in notices if n.state is NoticeState.FAILED)
        return QCoreApplication.translate("CriticalNotices", "Critical result: the centre refused the notice (%1)").replace("%1", reason)
    if any(n.state is NoticeState.DELIVERED for n in notices):
        return QCoreApplication.translate("CriticalNotices", "Critical result: the centre has it, not yet acknowledged")
    return QCoreApplication.translate("CriticalNotices", "Critical result: not yet told to the centre, trying again (%1 attempts)").replace(
        "%1", str(max(n.attempts for n in notices)))


class CriticalNotices(QObject):
    """Owns the notice store and notifier of this window; every pass runs on a worker."""

    changed = Signal(str)  # report id whose notices changed

    def __init__(self, parent: QObject, run: Any, settings: CriticalSettings, reader: str, directory,
                 audit_log: Any = None, ups_client: Any = None) -> None:
        super().__init__(parent)
        self._run = run   # ReadingController.run: off the GUI thread
        channels: dict = {}
        if NotifyChannel.WEBHOOK in settings.channels and settings.webhook_url:
            channels[NotifyChannel.WEBHOOK] = WebhookChannel(settings.webhook_url, retries=settings.webhook_retries)
        if NotifyChannel.UPS in settings.channels and ups_client is not None:
            channels[NotifyChannel.UPS] = UpsNoticeChannel(ups_client)
        self.settings = settings
        self.store = NoticeStore(directory)
        self.notifier = Notifier(self.store, channels, reader=reader, audit_log=audit_log)
        self.notices: dict[str, list[Notice]] = {}
        self._busy = self._again = False
        self._timer = QTimer(self)
        self._timer.setInterval(NOTICE_POLL_MS)
        self._timer.timeout.connect(self.poll)
        self._timer.start()

    def queue(self, report_id: str, study_uid: str, sr_sop_uid: str, finding: CriticalFinding,
              workitem: tuple[str, str] = ("", "")) -> None:
        """`workitem`: (workitem UID, Transaction UID) of the reader's claim, for the UPS channel."""
        channels = list(self.notifier.channels)

        def work() -> None:
            self.store.add(report_id, study_uid, sr_sop_uid, finding, channels, workitem=workitem)
        self._run(work, done=lambda _r: self.watch(report_id, force=True), failed=self._failed)

    def poll(self, report_id: str = "") -> None:
        if report_id:
            self.notices.setdefault(report_id, [])
        if self._busy:
            self._again = True  # once this pass is back, another one, with this report
            return
        self._busy, self._again = True, False
        wanted = set(self.notices) | ({report_id} if report_id else set())

        def work() -> dict[str, list[Notice]]:
            self.notifier.deliver_due()
            return {rid: self.store.of_report(rid) for rid in wanted}
        self._run(work, done=self._done, failed=self._failed)

    def watch(self, report_id: str, *, force: bool = False) -> None:
        """Show this report's notices (after a restart too)."""
        if force or report_id not in self.notices:
            self.poll(report_id)

    def _done(self, result: dict[str, list[Notice]]) -> None:
        self._busy = False
        for rid, notices in result.items():
            if self.notices.get(rid) != notices:
                self.notices[rid] = notices
                self.changed.emit(rid)
        if self._again:
            self.poll()

    def _failed(self, exc: Exception) -> None:
        self._busy = self._again = False
        log.warning("critical-result notices: %s", exc.__class__.__name__)


def attach(panel: Any) -> CriticalNotices:
    """The report panel's notices, with the site's channels (defaults if the site file is wrong:
    the reader is told, nothing is lost, the notices wait)."""
    from app.paths import data_dir
    from app.reading.site_rules import SiteRulesError, load_site_rules

    try:
        settings = load_site_rules().critical
    except SiteRulesError as exc:
        panel.status(str(exc))
        settings = CriticalSettings()
    reading = panel.window_.reading
    # the UPS channel speaks to the centre the worklist comes from, over its one client
    ups_client = getattr(getattr(panel.window_, "centre", None), "client", None)
    notices = CriticalNotices(panel, reading.run, settings, reading.reader, data_dir() / "critical-notices",
                              getattr(reading, "audit_log", None), ups_client)
    notices.changed.connect(lambda _rid: show_notices(panel))
    return notices


def open_flag_dialog(panel: Any) -> None:
    """The reader's key: flag (or change, or clear) the critical result of the draft on screen."""
    report = panel.report
    if report is None or panel.session is None:
        return
    if report.is_signed:
        panel.status(QCoreApplication.translate("CriticalNotices",
                                                "The report is signed: flag a critical result in an addendum."))
        return
    dlg = CriticalDialog(panel, report.critical)
    panel.critical_dialog = dlg

    def finished(code: int) -> None:
        panel.critical_dialog = None
        panel.window().activateWindow()  # the keyboard back to the report, where the reader was
        if code == QDialog.Accepted:
            panel.session.set_critical(dlg.finding())
        elif code == CriticalDialog.CLEARED:
            panel.session.set_critical(None)
        dlg.deleteLater()
        panel._render()
    dlg.finished.connect(finished)
    dlg.open()
    # The dialog takes the keyboard: its 1-4 must not reach the image views' window keys.
    dlg.activateWindow()
    dlg.kinds.setFocus()


def show_notices(panel: Any) -> None:
    report = panel.report
    notices = panel.critical_notices.notices.get(report.report_id, []) if report is not None else []
    panel.critical_label.setText(notice_text(notices))
    panel.critical_label.setVisible(bool(notices))
