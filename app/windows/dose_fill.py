"""The study's dose in the report: CTDIvol, DLP and their source filled from what the study
holds (app/report/dose.py, read while the study loaded), and a warning in the report panel
when a screening study is above the JECS limit (the report itself carries the to-do line,
in its own language: app/report/render.py).

Filled once per draft, only into empty fields: a value the reader typed is never replaced.
When the reader changes a filled value, the source becomes "entered by hand": the report never
names the dose SR or the image headers for a number that did not come from them.
"""
from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QLabel

from app.report.dose import DoseSource, ctdivol_check
from app.report.errors import ReportError

__all__ = ["DoseFill", "install_dose"]

log = logging.getLogger(__name__)
_FIELDS = ("ctdivol", "dlp", "dose_source")


class DoseFill(QObject):
    def __init__(self, window: Any, panel: Any) -> None:
        super().__init__(panel)
        self.window_ = window
        self.panel = panel
        self.warning = QLabel(panel)
        self.warning.setObjectName("dose-warning")
        self.warning.setTextFormat(Qt.PlainText)
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("QLabel { color: #ffffff; background: #b00000; padding: 4px; font-weight: bold; }")
        self.warning.hide()
        panel.layout().insertWidget(1, self.warning)
        self._filled: tuple[str, Any, Any] | None = None   # report id, ctdivol, dlp as filled
        panel.editor.changed.connect(self._on_changed)
        window.on_study_opened(self.fill)

    def fill(self, volume: Any = None, item: Any = None) -> None:
        report, dose = self.panel.report, getattr(self.window_, "study_dose", None)
        if report is None or dose is None or report.is_signed or report.fields.get("ctdivol") is not None:
            self.show_check()
            return
        have = {f.id for f in report.template.fields}
        if "ctdivol" not in have:
            self.show_check()
            return

        def change(r: Any) -> None:
            if dose.ctdivol_mgy is not None:
                r.set_field("ctdivol", str(dose.ctdivol_mgy))
            if dose.dlp_mgycm is not None and "dlp" in have and r.fields.get("dlp") is None:
                r.set_field("dlp", str(dose.dlp_mgycm))
            if "dose_source" in have:
                r.set_field("dose_source", dose.source.value)

        try:
            self.panel.session.apply("dose from the study", change)
        except ReportError as exc:
            self.window_.status(str(exc))
            return
        self._filled = (report.report_id, report.fields.get("ctdivol"), report.fields.get("dlp"))
        source = (self.tr("the CT Radiation Dose SR") if dose.source is DoseSource.DOSE_SR
                  else self.tr("the images' CTDIvol (no DLP)"))
        self.window_.status(self.tr("Dose filled from {0}").format(source))
        log.info("report %s: dose filled from %s", report.report_id, dose.source.value)
        self.show_check()

    def _on_changed(self) -> None:
        report = self.panel.report
        filled = self._filled
        if report is not None and not report.is_signed and filled is not None and filled[0] == report.report_id \
                and report.fields.get("dose_source") not in (None, "manual") \
                and (report.fields.get("ctdivol"), report.fields.get("dlp")) != filled[1:]:
            self._filled = None
            try:
                self.panel.session.set_field("dose_source", "manual")
            except ReportError as exc:
                self.window_.status(str(exc))
        self.show_check()

    def show_check(self) -> None:
        report = self.panel.report
        check = ctdivol_check(report.fields.get("ctdivol"), report.template.id) if report is not None else None
        if check is None:
            self.warning.hide()
            return
        self.warning.setText(self.tr("CTDIvol {0} mGy is above the screening limit of {1} mGy "
                                     "(JECS, standard body)").format(check.ctdivol_mgy, check.limit_mgy))
        self.warning.show()


def install_dose(window: Any) -> DoseFill:
    fill = DoseFill(window, window.report_panel)
    window.dose_fill = fill
    return fill
