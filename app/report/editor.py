"""The report editor: a thin view over EditSession.

It lays out the template's fields in template order (Tab moves field to field), the nodule
list with the selected nodule's fields, and each scheme's category suggestion with the
override-with-reason controls. Every input goes to the EditSession; after every change the
editor re-reads the model (also after undo/redo), so what is shown is always the model.
A signed report is shown read-only.

A nodule whose change status the prior comparison suggested keeps it unless the reader gives a
reason: choosing another status opens the reason line under it with the keyboard focus; Enter
records both (an empty reason is refused and the line stays), Esc keeps the suggestion.
"""
from __future__ import annotations

import itertools
import logging
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from .categories import SCHEME_NAMES, category_label
from .editing import EditSession
from .errors import ReportError
from .field_widgets import Binding, LabelBinding, UndoKeys, make_binding
from .model import Report
from .rules import jscts, lungrads

__all__ = ["NODULE_FIXED_FIELDS", "ReportEditor", "scheme_categories"]

log = logging.getLogger(__name__)

# Where a nodule was measured comes from the viewer, never from typing.
NODULE_FIXED_FIELDS = ("series_uid", "sop_uid", "sop_class_uid", "slice_index")


def scheme_categories(scheme: str) -> list[str]:
    if scheme == jscts.SCHEME:
        return [j.value for j in jscts.Judgement]
    if scheme == lungrads.SCHEME:
        return list(lungrads.CATEGORIES)
    return []


def _plain(label: QLabel) -> QLabel:
    label.setTextFormat(Qt.PlainText)  # text from data is never markup
    label.setWordWrap(True)
    return label


class _ReasonEdit(QLineEdit):
    """Enter records the reason, Esc drops the change it would explain."""

    def __init__(self, on_enter, on_escape) -> None:
        super().__init__()
        self._on_enter, self._on_escape = on_enter, on_escape
        self.returnPressed.connect(on_enter)

    def keyPressEvent(self, ev) -> None:  # noqa: N802
        if ev.key() == Qt.Key_Escape and not ev.modifiers():
            self._on_escape()
            ev.accept()
            return
        super().keyPressEvent(ev)


class ReportEditor(QWidget):
    message = Signal(str)          # a one-line problem or notice for the status line
    jumpRequested = Signal(str)    # SOP Instance UID of a nodule's image
    changed = Signal()             # the model changed and the editor shows it
    statusOverridden = Signal(int)  # nodule index: its suggested change status was overridden with a reason

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session: EditSession | None = None
        self._unsubscribe = None
        self._layout_key: tuple[str, str, str] | None = None
        self.bindings: dict[str, Binding] = {}
        self.nodule_bindings: dict[str, Binding] = {}
        self.undo_keys = UndoKeys(self.undo, self.redo, self)
        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)  # the form follows the dock width
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.scroll)
        self.nodule_list: QListWidget | None = None
        self.category_rows: dict[str, tuple[QLabel, QComboBox, QLineEdit, QPushButton, QPushButton]] = {}
        self.status_reason: QLineEdit | None = None
        self.status_reason_label: QLabel | None = None
        self._pending_status: tuple[int, str] | None = None  # (nodule, status) waiting for its reason

    # -- model ---------------------------------------------------------------------------
    @property
    def report(self) -> Report | None:
        return self.session.report if self.session else None

    def set_session(self, session: EditSession | None) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.session = session
        if session is not None:
            self._unsubscribe = session.subscribe(lambda _r: self.refresh())
        self.refresh()

    def undo(self) -> None:
        if self.session is not None and not self.session.report.is_signed and not self.session.undo():
            self.message.emit(self.tr("Nothing to undo"))

    def redo(self) -> None:
        if self.session is not None and not self.session.report.is_signed and not self.session.redo():
            self.message.emit(self.tr("Nothing to redo"))

    def _apply(self, binding: Binding, change) -> None:
        if self.session is None:
            return
        try:
            change(self.session)
        except ReportError as exc:
            from app.windows.error_text import error_text

            binding.mark_invalid(error_text(exc))
            self.message.emit(error_text(exc))
            return
        binding.clear_invalid()

    def _commit_field(self, field_id: str, value: Any) -> None:
        self._apply(self.bindings[field_id], lambda s: s.set_field(field_id, value))

    def _commit_nodule(self, field_id: str, value: Any) -> None:
        index = self.current_nodule()
        if index is None:
            return
        if field_id in ("long_mm", "short_mm") and value is None:
            self.nodule_bindings[field_id].mark_invalid(self.tr("A nodule needs both axes"))
            return
        if field_id == "status" and self._asks_reason(index, value):
            return
        self._apply(self.nodule_bindings[field_id], lambda s: s.update_nodule(index, **{field_id: value}))

    # -- the suggested change status, overridden with a reason ------------------------------
    def _asks_reason(self, index: int, status: Any) -> bool:
        """True when `status` leaves the comparison's suggestion: the reason line is asked first."""
        n = self.report.nodules[index]
        if not n.suggested_status or not status or status == n.suggested_report_status \
                or self.status_reason is None:
            self._pending_status = None
            return False
        if status == n.status and n.status_overridden:
            return False  # already overridden to this: nothing new to explain
        if self._pending_status == (index, str(status)):
            return True  # the same choice again (the combo also commits as the focus leaves it)
        self._pending_status = (index, str(status))
        self.nodule_bindings["status"].show(status)  # the full label of what was chosen, not the typed part
        self._show_status_reason()
        self.status_reason.clear()
        # after the key that chose it (Tab moves the focus on once this returns)
        QTimer.singleShot(0, self._focus_status_reason)
        self.message.emit(self.tr("Nodule {0}: the comparison suggested “{1}”; type the reason for the change "
                                  "and press Enter (Esc keeps the suggestion)").format(
            index + 1, self._suggested_label(n)))
        return True

    def _focus_status_reason(self) -> None:
        if self.status_reason is not None and self.status_reason.isVisible():
            self.scroll.ensureWidgetVisible(self.status_reason)
            self.status_reason.setFocus(Qt.OtherFocusReason)

    def _suggested_label(self, n) -> str:
        from .render import suggested_status_label

        return suggested_status_label(self.report, n, self.report.language)

    def _commit_status_reason(self) -> None:
        edit = self.status_reason
        if edit is None or self.session is None:
            return
        index = self.current_nodule()
        if self._pending_status is not None and self._pending_status[0] == index:
            status = self._pending_status[1]
        elif index is not None and self.report.nodules[index].status_overridden:
            status = self.report.nodules[index].status  # a better reason for the same change
        else:
            return
        if not edit.text().strip():
            edit.setStyleSheet("background: #ffd6d6;")
            self.message.emit(self.tr("A changed comparison status needs its reason"))
            return
        try:
            self.session.update_nodule(index, status=status, status_reason=edit.text())
        except ReportError as exc:
            from app.windows.error_text import error_text

            self.message.emit(error_text(exc))
            return
        self._pending_status = None
        edit.setStyleSheet("")
        self.statusOverridden.emit(index)
        self.nodule_bindings["status"].focus.setFocus(Qt.OtherFocusReason)

    def _cancel_status_reason(self) -> None:
        self._pending_status = None
        if self.status_reason is not None:
            self.status_reason.setStyleSheet("")
        self.refresh()
        if "status" in self.nodule_bindings:
            self.nodule_bindings["status"].focus.setFocus(Qt.OtherFocusReason)

    def _show_status_reason(self) -> None:
        """The reason line is on screen while a reason is asked for or recorded."""
        if self.status_reason is None:
            return
        index = self.current_nodule()
        n = self.report.nodules[index] if index is not None and self.report is not None else None
        asked = self._pending_status is not None and self._pending_status[0] == index
        visible = asked or (n is not None and n.status_overridden)
        if not asked:
            self.status_reason.setText(n.status_reason if n is not None else "")
        if n is not None and n.suggested_status:
            # a label of the form: in the report's language, as the template's own labels
            words = {"ja": "提案「{0}」からの変更理由 *", "en": "Reason for changing the suggested “{0}” *"}
            self.status_reason_label.setText(words[self.report.language].format(self._suggested_label(n)))
        self.status_reason.setVisible(visible)
        self.status_reason_label.setVisible(visible)
        self.status_reason.setReadOnly(self.report is not None and self.report.is_signed)

    def _add_status_reason(self, form: QFormLayout, chain: list[QWidget], lang: str) -> None:
        status = self.nodule_bindings.get("status")
        if status is None:
            return
        row, _role = form.getWidgetPosition(status.widget)
        edit = _ReasonEdit(self._commit_status_reason, self._cancel_status_reason)
        edit.setObjectName("status-reason")
        edit.setPlaceholderText({"ja": "変更理由（必須）", "en": "reason (required)"}[lang])
        label = _plain(QLabel())
        form.insertRow(row + 1, label, edit)
        self.undo_keys.watch(edit)
        chain.insert(chain.index(status.widget) + 1, edit)
        self.status_reason, self.status_reason_label = edit, label
        edit.hide()
        label.hide()

    # -- building --------------------------------------------------------------------------
    def _form(self, fields, lang: str, bindings: dict, commit, chain: list) -> QFormLayout:
        """One labelled row per field, bound to `commit`; typed fields join the Tab chain."""
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)  # combos use the dock's width
        form.setRowWrapPolicy(QFormLayout.WrapLongRows)  # a long label goes above its field, not beside it
        for f in fields:
            b = make_binding(f, lang, commit)
            bindings[f.id] = b
            form.addRow(_plain(QLabel(f.label[lang] + (" *" if f.required else ""))), b.widget)
            if not isinstance(b, LabelBinding):
                chain.append(b.widget)
                self.undo_keys.watch(b.widget)  # a combo forwards keys to its line edit directly
                self.undo_keys.watch(b.focus)
        return form

    def prepare(self, template, lang: str) -> None:
        """Build the form of `template` in `lang` ahead of a report (at start-up, while the
        reader has no study yet): building it when the first study opened cost that turn
        100-150 ms (measured). It stays hidden until a report is shown."""
        if (template.id, template.version, lang) != self._layout_key:
            self._build(template, lang)
            self.scroll.widget().setVisible(self.report is not None)

    def _build(self, t, lang: str) -> None:
        self.bindings.clear()
        self.nodule_bindings.clear()
        self.category_rows.clear()
        self.nodule_list = None
        self.status_reason = self.status_reason_label = None
        self._pending_status = None
        page = QWidget()
        outer = QVBoxLayout(page)
        chain: list[QWidget] = []
        for section in t.sections:
            box = QGroupBox(section.label[lang])
            box.setLayout(self._form(section.fields, lang, self.bindings, self._commit_field, chain))
            outer.addWidget(box)
        if t.nodule_fields:
            box = QGroupBox({"ja": "結節", "en": "Nodules"}[lang] + "  (Ctrl+M)")
            v = QVBoxLayout(box)
            self.nodule_list = QListWidget()
            self.nodule_list.setMaximumHeight(110)
            self.nodule_list.currentRowChanged.connect(lambda _r: self._show_nodule())
            self.nodule_list.itemActivated.connect(self._jump)
            self.nodule_list.itemClicked.connect(self._jump)
            self.undo_keys.watch(self.nodule_list)
            v.addWidget(self.nodule_list)
            chain.append(self.nodule_list)
            typed = [f for f in t.nodule_fields if f.id not in NODULE_FIXED_FIELDS]
            form = self._form(typed, lang, self.nodule_bindings, self._commit_nodule, chain)
            self._add_status_reason(form, chain, lang)
            v.addLayout(form)
            outer.addWidget(box)
        for scheme in t.schemes:
            box = QGroupBox(SCHEME_NAMES[scheme][lang])
            v = QVBoxLayout(box)
            summary = _plain(QLabel())
            v.addWidget(summary)
            row = QHBoxLayout()
            cat = QComboBox()
            for c in scheme_categories(scheme):
                cat.addItem(category_label(scheme, c, lang), c)
            reason = QLineEdit()
            reason.setPlaceholderText({"ja": "変更理由（必須）", "en": "reason (required)"}[lang])
            do = QPushButton({"ja": "判定を変更", "en": "Override"}[lang])
            undo = QPushButton({"ja": "提案に戻す", "en": "Use suggestion"}[lang])
            do.clicked.connect(lambda _c=False, s=scheme: self._override(s))
            undo.clicked.connect(lambda _c=False, s=scheme: self._clear_override(s))
            cat.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
            cat.setMinimumContentsLength(8)
            v.addWidget(cat)
            for w in (reason, do, undo):
                row.addWidget(w, 1 if w is reason else 0)
            for w in (cat, reason, do, undo):
                chain.append(w)
                self.undo_keys.watch(w)
            v.addLayout(row)
            self.category_rows[scheme] = (summary, cat, reason, do, undo)
            outer.addWidget(box)
        outer.addStretch(1)
        for a, b in itertools.pairwise(chain):
            QWidget.setTabOrder(a, b)
        self.tab_chain = chain
        old = self.scroll.takeWidget()
        if old is not None:
            old.deleteLater()
        self.scroll.setWidget(page)
        self._layout_key = (t.id, t.version, lang)

    def _override(self, scheme: str) -> None:
        _summary, cat, reason, _do, _undo = self.category_rows[scheme]
        if self.session is None:
            return
        try:
            self.session.override(scheme, cat.currentData(), reason.text())
        except ReportError as exc:
            from app.windows.error_text import error_text

            # the model refuses an empty reason like any bad value: say which it is
            self.message.emit(self.tr("An override needs its reason") if not reason.text().strip()
                              else error_text(exc))
            return
        reason.clear()

    def _clear_override(self, scheme: str) -> None:
        if self.session is not None:
            try:
                self.session.clear_override(scheme)
            except ReportError as exc:
                from app.windows.error_text import error_text

                self.message.emit(error_text(exc))

    # -- nodules -----------------------------------------------------------------------------
    def current_nodule(self) -> int | None:
        if self.nodule_list is None or self.report is None:
            return None
        row = self.nodule_list.currentRow()
        return row if 0 <= row < len(self.report.nodules) else None

    def select_nodule(self, index: int) -> None:
        if self.nodule_list is not None:
            self.nodule_list.setCurrentRow(index)

    def _jump(self, item: QListWidgetItem) -> None:
        sop = item.data(Qt.UserRole)
        if sop:
            self.jumpRequested.emit(sop)

    def _nodule_text(self, i: int, report: Report) -> str:
        n = report.nodules[i]
        lang = report.language
        lobe = report.template.nodule_field("lobe").option(n.lobe) if n.lobe else None
        where = lobe.label(lang) if lobe else "?"
        return (f"{i + 1}. {where}  {n.long_mm} × {n.short_mm} mm ({'平均' if lang == 'ja' else 'mean'} {n.mean_mm} mm), "
                f"{'スライス' if lang == 'ja' else 'slice'} {n.slice_index + 1}")

    def _show_nodule(self) -> None:
        report = self.report
        index = self.current_nodule()
        for fid, b in self.nodule_bindings.items():
            if index is None or report is None:
                b.show(None)
                b.set_read_only(True)
                continue
            n = report.nodules[index]
            b.show(getattr(n, fid))
            b.set_read_only(report.is_signed)
        if self._pending_status is not None and self._pending_status[0] != index:
            self._pending_status = None  # another nodule selected: the unexplained change is dropped
        if self._pending_status is not None and "status" in self.nodule_bindings:
            b = self.nodule_bindings["status"]
            b.show(self._pending_status[1])  # what the reader chose stays shown while the reason is asked
        self._show_status_reason()

    # -- rendering the model -------------------------------------------------------------------
    def refresh(self) -> None:
        report = self.report
        if report is None:
            # Hidden, not destroyed: building the form again for the next study would cost its
            # opening a 100-150 ms turn (see prepare). The next report's values replace every
            # field's before it shows; hidden, no field takes focus or keys.
            page = self.scroll.widget()
            if page is not None:
                page.hide()
            self._pending_status = None
            self.changed.emit()
            return
        key = (report.template.id, report.template.version, report.language)
        if key != self._layout_key:
            self._build(report.template, report.language)
        self.scroll.widget().show()
        signed = report.is_signed
        for fid, b in self.bindings.items():
            f = b.field
            b.show(report.computed(fid) if f.type == "computed" else report.fields.get(fid))
            b.set_read_only(signed)
        if self.nodule_list is not None:
            keep = self.nodule_list.currentRow()
            self.nodule_list.blockSignals(True)
            self.nodule_list.clear()
            for i, n in enumerate(report.nodules):
                item = QListWidgetItem(self._nodule_text(i, report))
                item.setData(Qt.UserRole, n.sop_uid)
                self.nodule_list.addItem(item)
            if report.nodules:
                self.nodule_list.setCurrentRow(min(max(keep, 0), len(report.nodules) - 1))
            self.nodule_list.blockSignals(False)
            self._show_nodule()
        results = report.categories() if self.category_rows else {}
        lang = report.language
        for scheme, (summary, cat, reason, do, undo) in self.category_rows.items():
            res = results[scheme]
            lines = [(f"{'提案' if lang == 'ja' else 'Suggested'}: {category_label(scheme, res.suggested, lang)}"
                      f"  ({res.basis.text(lang)})"),
                     f"{'最終' if lang == 'ja' else 'Final'}: {category_label(scheme, res.final, lang)}"]
            if res.override is not None:
                lines.append(f"{'変更理由' if lang == 'ja' else 'Reason'}: {res.override.reason}")
            summary.setText("\n".join(lines))
            for w in (cat, reason, do, undo):
                w.setEnabled(not signed)
            undo.setEnabled(not signed and res.override is not None)
        self.changed.emit()

    def focus_first_field(self) -> None:
        chain = getattr(self, "tab_chain", [])
        if chain:
            chain[0].setFocus(Qt.TabFocusReason)
