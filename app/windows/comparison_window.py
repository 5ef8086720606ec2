"""Comparison reading (比較読影): the judge's window over two signed readings, display and input only.

The logic is app/reading/double_reading.py (matching, differences, reconciliation) and
app/reading/comparison_fetch.py (the fetch, on a worker). This window lists every point of
both readings side by side, differences highlighted, and takes the judge's decision on each:

| key | action |
|---|---|
| Up / Down | move between rows |
| 1 / 2 | the first / second reading's value stands for the selected difference; then type the reason |
| Ctrl+Shift+K (keymap `study.judge_category`) | on a category row: the judge's own category (1–n choose, Enter), then the reason |
| Enter (in the reason) | record the decision, go to the next open difference |
| Ctrl+1 / Ctrl+2 | show the first / second reader's measurement of the selected nodule on the images |
| Ctrl+Shift+S | sign the final report (password, certificate password), queue it for the centre |
| Esc | close (nothing is signed) |

Ctrl+Shift+J in the reading window opens it for the study on screen (`install_comparison`).
Every decision is kept as a sealed draft (app/reading/reconciliation_draft.py), written on a
worker: closing the window unsigned, or a killed station, loses nothing; reopening restores it.
"""
from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal
from PySide6.QtGui import QAction, QColor, QKeySequence
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QHBoxLayout, QHeaderView, QLabel,
                               QLineEdit, QListWidget, QListWidgetItem, QTableWidget, QTableWidgetItem, QVBoxLayout,
                               QWidget)

from app.reading.comparison_fetch import ComparisonRefused, ReadingPair, fetch_readings
from app.reading.double_reading import Choice, DiffKind, Difference, Locator, ReconciliationError, Reconciliation
from app.reading.reconciliation_draft import ReconciliationDrafts, SavedReconciliation, snapshot
from app.reading.roles import FetchDecision, ReadingRole, role_of_item
from app.report.categories import SCHEME_NAMES, category_label
from app.report.editor import scheme_categories
from app.report.finding import Finding
from app.report.templates import Template
from common.person_name import localized_name

__all__ = ["ComparisonWindow", "JudgeCategoryDialog", "install_comparison", "DIFFERENT", "RESOLVED", "show_finding"]

log = logging.getLogger(__name__)
DIFFERENT = QColor(255, 196, 64)     # a difference still open: amber
RESOLVED = QColor(170, 230, 170)     # decided, with its reason: green
_CTX = "ComparisonWindow"
_DECISIONS = {Choice.FIRST: QT_TRANSLATE_NOOP("ComparisonWindow", "first reading"),
              Choice.SECOND: QT_TRANSLATE_NOOP("ComparisonWindow", "second reading"),
              Choice.OWN: QT_TRANSLATE_NOOP("ComparisonWindow", "judge's own")}
_QUALIFICATIONS = {"physician": QT_TRANSLATE_NOOP("ComparisonWindow", "Physician"),
                   "certified_physician": QT_TRANSLATE_NOOP("ComparisonWindow", "Certified physician (lung cancer CT screening)")}
_REFUSALS = {
    FetchDecision.NO_ROLE: QT_TRANSLATE_NOOP("ComparisonWindow", "Study {0}: comparison reading is the final judge's, and the "
                                                   "centre did not assign you as judge. Nothing was changed."),
    FetchDecision.READINGS_NOT_BOTH_SIGNED: QT_TRANSLATE_NOOP(
        "ComparisonWindow", "Study {0}: the two readings are not both signed yet; comparison reading opens once they are. "
              "Nothing was changed."),
    FetchDecision.OWN_READING_NOT_SIGNED: QT_TRANSLATE_NOOP(
        "ComparisonWindow", "Study {0}: your own reading is not signed; the other reading stays hidden until it is."),
}


def _t(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


def refusal_text(exc: ComparisonRefused) -> str:
    return _t(_REFUSALS.get(exc.decision, _REFUSALS[FetchDecision.NO_ROLE])).format(exc.study_uid)


def show_finding(window: Any, finding: Finding) -> bool:
    """Show a reader's nodule on the images: its slice, and its two axes drawn as lengths."""
    if not window.jump_to_instance(finding.sop_uid):
        return False
    volume = window.volume
    k = volume.sop_instance_uids.index(finding.sop_uid)
    view = window.mpr.views["axial"].view
    for seg in (finding.long_axis_px, finding.short_axis_px):
        if seg is not None:
            c1, r1, c2, r2 = seg
            view.add_length(volume.index_to_lps([c1, r1, k]), volume.index_to_lps([c2, r2, k]))
    return True


class JudgeCategoryDialog(QDialog):
    """The judge's own category of one scheme: 1–n choose, Enter accepts, Esc cancels."""

    def __init__(self, parent: QWidget, scheme: str, lang: str, current: str | None) -> None:
        super().__init__(parent)
        self.setObjectName("judge-category")
        self.setWindowTitle(self.tr("The judge's own category"))
        self.scheme = scheme
        self.choices = QListWidget(self)
        codes = scheme_categories(scheme)
        for n, code in enumerate(codes, 1):
            item = QListWidgetItem(f"{n}  {category_label(scheme, code, lang)}")
            item.setData(Qt.UserRole, code)
            self.choices.addItem(item)
        self.choices.setCurrentRow(codes.index(current) if current in codes else 0)
        self.choices.itemActivated.connect(lambda _item: self.accept())
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(self.tr("{0}: the final category (1-{1}):").format(SCHEME_NAMES[scheme][lang],
                                                                                 len(codes)), self))
        lay.addWidget(self.choices)
        lay.addWidget(buttons)
        self.choices.setFocus()

    def keyPressEvent(self, ev) -> None:  # noqa: N802
        n = ev.key() - Qt.Key_1
        if 0 <= n < min(self.choices.count(), 9) and not ev.modifiers() & ~Qt.KeypadModifier:
            self.choices.setCurrentRow(n)
            return
        super().keyPressEvent(ev)

    def category(self) -> str:
        return str(self.choices.currentItem().data(Qt.UserRole))


class ComparisonWindow(QWidget):
    """Both readings side by side; the judge decides each difference with a reason, then signs."""

    signRequested = Signal(object, object)      # final Report, FinalContext

    def __init__(self, pair: ReadingPair, locate: Locator | None, reading_window: Any = None, *,
                 drafts: ReconciliationDrafts | None = None, saved: SavedReconciliation | None = None) -> None:
        super().__init__(reading_window, Qt.Window)   # a window of its own, closed with the reading window
        self.setObjectName("comparison")
        self.reading_window = reading_window
        self.pair = pair
        self.rec = Reconciliation(pair.first, pair.second, locate)
        self.restored = ReconciliationDrafts.apply(self.rec, saved)
        self.drafts = drafts
        self._draft_seq = 0
        self._category_rows: dict[int, str] = {}      # table row -> scheme of a category row
        self.template: Template = pair.first.report.template
        self.lang = pair.first.report.language
        self._rows: list[tuple[str, Difference | None, int | None]] = []   # (kind, difference, pair index)
        self.setWindowTitle(self.tr("Comparison reading — study {0}").format(pair.study_uid))
        lay = QVBoxLayout(self)
        heads = QHBoxLayout()
        self.first_label = QLabel(self._reader_line(self.tr("First reading"), pair.first))
        self.second_label = QLabel(self._reader_line(self.tr("Second reading"), pair.second))
        heads.addWidget(self.first_label)
        heads.addWidget(self.second_label)
        lay.addLayout(heads)
        self.summary = QLabel()
        lay.addWidget(self.summary)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels([self.tr("Item"), self.tr("First reading"), self.tr("Second reading"),
                                              self.tr("Decision"), self.tr("Reason")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.table.installEventFilter(self)
        lay.addWidget(self.table, 1)
        reason_row = QHBoxLayout()
        reason_row.addWidget(QLabel(self.tr("Reason for the change:")))
        self.reason = QLineEdit()
        self.reason.setObjectName("reason")
        self.reason.returnPressed.connect(self._commit)
        reason_row.addWidget(self.reason, 1)
        lay.addLayout(reason_row)
        self.status = QLabel()
        self.status.setWordWrap(True)
        lay.addWidget(self.status)
        self._pending: Choice | None = None
        self._pending_own = ""            # Choice.OWN: the category the judge chose
        self.category_dialog: JudgeCategoryDialog | None = None
        keymap_actions = getattr(reading_window, "keys", None)
        own = keymap_actions.action("study.judge_category") if keymap_actions is not None else None
        if own is not None:
            self.addAction(own)           # the reading window's keymap action, live here too
        for keys, slot, text in ((QKeySequence("Ctrl+1"), lambda: self.show_measurement(ReadingRole.FIRST),
                                  self.tr("Show the first reader's measurement")),
                                 (QKeySequence("Ctrl+2"), lambda: self.show_measurement(ReadingRole.SECOND),
                                  self.tr("Show the second reader's measurement")),
                                 (QKeySequence("Ctrl+Shift+S"), self.sign, self.tr("Sign the final report")),
                                 (QKeySequence(Qt.Key_Escape), self.close, self.tr("Close"))):
            action = QAction(text, self)
            action.setShortcut(keys)
            action.setShortcutContext(Qt.WindowShortcut)
            action.triggered.connect(slot)
            self.addAction(action)
        self._fill()
        if self.restored:
            self.status.setText(self.tr("Your reconciliation in progress was restored ({0} decisions).")
                                .format(self.restored))
        self.resize(1100, 560)

    # -- what is shown ----------------------------------------------------------------------
    def _reader_line(self, title: str, reading) -> str:
        s = reading.ref.signer
        qual = _t(_QUALIFICATIONS.get(s.qualification, _QUALIFICATIONS["physician"]))
        return f"{title}: {localized_name(s.name, self.lang)} ({s.id}) — {qual} — {reading.ref.signed_at}"

    def _option(self, field_id: str, value: Any, nodule: bool = False) -> str:
        if value is None or value == "":
            return "—"
        fields = self.template.nodule_fields if nodule else self.template.fields
        f = next((f for f in fields if f.id == field_id), None)
        opt = f.option(str(value)) if f is not None and f.type == "choice" else None
        return opt.label(self.lang) if opt is not None else str(value)

    def _nodule_text(self, n: Finding | None) -> str:
        if n is None:
            return self.tr("(not reported)")
        return (f"{self._option('lobe', n.lobe, True)} {self._option('kind', n.kind, True)} "
                f"{n.long_mm}×{n.short_mm} mm (⌀ {n.mean_mm} mm)")

    def _item_text(self, kind: str, d: Difference | None, k: int | None) -> str:
        if kind == "nodule":
            what = {None: "", DiffKind.NODULE_SIZE: self.tr("size"), DiffKind.NODULE_TYPE: self.tr("type"),
                    DiffKind.NODULE_LOBE: self.tr("lobe"), DiffKind.NODULE_FIRST_ONLY: self.tr("first reading only"),
                    DiffKind.NODULE_SECOND_ONLY: self.tr("second reading only")}[d.kind if d else None]
            return self.tr("Nodule {0}").format(k) + (f" — {what}" if what else "")
        if kind == "category":
            return SCHEME_NAMES[d.subject if d else ""][self.lang] if d else ""
        return self._field_label(d.subject) if d else ""

    def _field_label(self, field_id: str) -> str:
        f = next((f for f in self.template.fields if f.id == field_id), None)
        return f.label[self.lang] if f is not None else field_id

    def _fill(self) -> None:
        a, b = self.pair.first.report, self.pair.second.report
        rows: list[tuple[str, str, str, Difference | None, int | None]] = []
        by_key = {d.key: d for d in self.rec.diffs}
        for k, p in enumerate(self.rec.pairs, start=1):
            na = a.nodules[p.first] if p.first is not None else None
            nb = b.nodules[p.second] if p.second is not None else None
            keys = [f"{w}:{k}" for w in ("nodule", "size", "type", "lobe") if f"{w}:{k}" in by_key]
            for key in keys or [None]:
                d = by_key.get(key) if key else None
                rows.append(("nodule", self._nodule_text(na), self._nodule_text(nb), d, k - 1))
        ca, cb = a.categories(), b.categories()
        for scheme in self.template.schemes:
            d = by_key.get(f"category:{scheme}") or Difference(f"same:{scheme}", DiffKind.CATEGORY, scheme,
                                                              ca[scheme].final, cb[scheme].final)
            rows.append(("category", category_label(scheme, ca[scheme].final, self.lang),
                         category_label(scheme, cb[scheme].final, self.lang), d, None))
        for f in self.template.fields:
            if f.type == "computed":
                continue
            d = by_key.get(f"field:{f.id}") or Difference(f"same:{f.id}", DiffKind.FIELD, f.id, None, None)
            rows.append(("field", self._option(f.id, a.fields.get(f.id)), self._option(f.id, b.fields.get(f.id)),
                         d, None))
        self.table.setRowCount(len(rows))
        self._rows = []
        for r, (kind, first, second, d, k) in enumerate(rows):
            real = d if d is not None and d.key in by_key else None
            self._rows.append((kind, real, k))
            if kind == "category":
                self._category_rows[r] = d.subject
            for c, text in enumerate((self._item_text(kind, d, None if k is None else k + 1), first, second, "", "")):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self._paint()
        if rows:
            self.table.selectRow(self._next_open(-1) if self.rec.diffs else 0)

    def _decision_text(self, res, r: int) -> str:
        if res is None:
            return ""
        text = _t(_DECISIONS[res.choice])
        if res.choice is Choice.OWN:
            text += ": " + category_label(self._category_rows[r], res.value, self.lang)
        return text

    def _paint(self) -> None:
        for r, (_kind, d, _k) in enumerate(self._rows):
            scheme = self._category_rows.get(r)
            # a category both readers agree on still takes the judge's own, with its reason
            key = d.key if d is not None else f"category:{scheme}" if scheme else None
            res = self.rec.resolutions.get(key) if key else None
            colour = RESOLVED if res is not None else None if d is None else DIFFERENT
            self.table.item(r, 3).setText(self._decision_text(res, r))
            self.table.item(r, 4).setText(res.reason if res else "")
            for c in range(5):
                item = self.table.item(r, c)
                if colour is None:
                    item.setData(Qt.BackgroundRole, None)
                else:
                    item.setBackground(colour)
        open_ = len(self.rec.unresolved())
        if self.rec.agreed:
            self.summary.setText(self.tr("The two readings agree: sign the final report (Ctrl+Shift+S)."))
        else:
            self.summary.setText(self.tr("{0} differences, {1} still to decide (1 / 2, then the reason)")
                                 .format(len(self.rec.diffs), open_))

    def _next_open(self, after: int) -> int:
        n = len(self._rows)
        for step in range(1, n + 1):
            r = (after + step) % n
            d = self._rows[r][1]
            if d is not None and d.key not in self.rec.resolutions:
                return r
        return max(after, 0)

    # -- input --------------------------------------------------------------------------------
    def eventFilter(self, obj, event) -> bool:  # noqa: N802
        if obj is self.table and event.type() == event.Type.KeyPress and not event.modifiers():
            if event.key() in (Qt.Key_1, Qt.Key_2):
                self.choose(Choice.FIRST if event.key() == Qt.Key_1 else Choice.SECOND)
                return True
        return super().eventFilter(obj, event)

    def _selected(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def choose(self, choice: Choice) -> None:
        r = self._selected()
        if r is None or self._rows[r][1] is None:
            self.status.setText(self.tr("This row is the same in both readings: nothing to decide."))
            return
        self._pending, self._pending_own = choice, ""
        self.status.setText(self.tr("{0}: the {1} stands — type the reason and press Enter")
                            .format(self.table.item(r, 0).text(), _t(_DECISIONS[choice])))
        self.reason.setFocus()

    def own_category(self) -> None:
        """The judge's own category for the selected category row, from a keyboard list."""
        r = self._selected()
        scheme = self._category_rows.get(r) if r is not None else None
        if scheme is None:
            self.status.setText(self.tr("Select a category row to set the judge's own category."))
            return
        res = self.rec.resolutions.get(f"category:{scheme}")
        current = res.value if res is not None and res.choice is Choice.OWN else None
        dlg = JudgeCategoryDialog(self, scheme, self.lang, current)
        self.category_dialog = dlg

        def finished(code: int) -> None:
            self.category_dialog = None
            self.activateWindow()
            if code == QDialog.Accepted:
                self._pending, self._pending_own = Choice.OWN, dlg.category()
                self.status.setText(self.tr("{0}: the judge's own category {1} — type the reason and press Enter")
                                    .format(self.table.item(r, 0).text(),
                                            category_label(scheme, self._pending_own, self.lang)))
                self.reason.setFocus()
            dlg.deleteLater()
        dlg.finished.connect(finished)
        dlg.open()
        dlg.activateWindow()
        dlg.choices.setFocus()

    def _commit(self) -> None:
        r = self._selected()
        if r is None or self._pending is None:
            return
        d = self._rows[r][1]
        if self._pending is Choice.OWN:
            key = f"category:{self._category_rows[r]}" if r in self._category_rows else None
        else:
            key = d.key if d is not None else None
        if key is None:
            return
        try:
            self.rec.resolve(key, self._pending, self.reason.text(), self._pending_own)
        except ReconciliationError:
            self.status.setText(self.tr("{0}: a reason is required for every change").format(self.table.item(r, 0).text()))
            return
        self._pending, self._pending_own = None, ""
        self.reason.clear()
        self._paint()
        self.status.setText("")
        self._save_draft()
        self.table.selectRow(self._next_open(r))
        self.table.setFocus()

    def _save_draft(self) -> None:
        """The decisions so far, sealed, on a worker (the reading window's jobs)."""
        run = getattr(getattr(self.reading_window, "reading", None), "run", None)
        if self.drafts is None or run is None:
            return
        self._draft_seq += 1
        seq, saved, drafts = self._draft_seq, snapshot(self.rec, self.pair.study_uid), self.drafts

        def failed(exc: Exception) -> None:
            log.warning("reconciliation draft of study %s not saved: %s", saved.study_uid, type(exc).__name__)
            self.status.setText(self.tr("Your decisions could not be kept as a draft ({0}); they stay on screen.")
                                .format(type(exc).__name__))
        run(lambda: drafts.save(saved, seq), failed=failed)

    def show_measurement(self, role: ReadingRole) -> None:
        r = self._selected()
        if r is None or self._rows[r][0] != "nodule":
            self.status.setText(self.tr("Select a nodule row to show its measurement."))
            return
        p = self.rec.pairs[self._rows[r][2]]
        index, reading = (p.first, self.pair.first) if role is ReadingRole.FIRST else (p.second, self.pair.second)
        if index is None:
            self.status.setText(self.tr("This reader did not report this nodule."))
            return
        if self.reading_window is None or not show_finding(self.reading_window, reading.report.nodules[index]):
            self.status.setText(self.tr("The measured image is not in the series on screen."))

    def closeEvent(self, ev) -> None:  # noqa: N802
        # the keyboard back to the reading window, where Ctrl+Shift+J opens the comparison again
        if self.reading_window is not None:
            self.reading_window.activateWindow()
        super().closeEvent(ev)

    def sign(self) -> None:
        try:
            final, ctx = self.rec.final_report()
        except ReconciliationError as exc:
            row = next((r for r, (_k, d, _i) in enumerate(self._rows) if d is not None and d.key == exc.key), None)
            where = self.table.item(row, 0).text() if row is not None else exc.key
            self.status.setText(self.tr("Not signed: {0} still needs a decision with a reason.").format(where))
            if row is not None:
                self.table.selectRow(row)
            return
        self.signRequested.emit(final, ctx)


# -- the reading window's side -----------------------------------------------------------------
def install_comparison(window: Any) -> None:
    """Ctrl+Shift+J in the reading window: comparison reading of the study on screen."""
    window.keys.bind("study.comparison", lambda: open_comparison(window))  # keys: app/keymap/defaults.py
    window.keys.bind("study.judge_category", lambda: _own_category(window))
    window.comparison = None


def _own_category(window: Any) -> None:
    if window.comparison is not None and window.comparison.isVisible():
        window.comparison.own_category()
    else:
        window.status(QCoreApplication.translate("ComparisonWindow", "The judge's own category is set in the "
                                                 "comparison reading: open it first (Ctrl+Shift+J)."))


def _locator_of(window: Any) -> Locator | None:
    volume = getattr(window, "volume", None)
    if volume is None:
        return None
    sops = list(volume.sop_instance_uids)

    def locate(sop_uid: str, column: float, row: float):
        if sop_uid not in sops:
            return None
        return tuple(float(v) for v in volume.index_to_lps([column, row, sops.index(sop_uid)]))
    return locate


def open_comparison(window: Any) -> None:
    item = window.current
    if item is None:
        window.status(QCoreApplication.translate("ComparisonWindow", "Open the study first: comparison reading is of the study on screen."))
        return
    role = role_of_item(item)
    client = getattr(window.centre, "client", None)
    session = getattr(window, "session", None)
    user = session.user.user_id if session is not None and session.user is not None else window.reader
    audit_log = session.audit_log if session is not None else None
    if client is None:
        window.show_error(QCoreApplication.translate("ComparisonWindow", "Study {0}: this centre keeps no readings to compare.").format(item.study_uid))
        return

    secret = getattr(window.reading, "secret", None)

    def fetch() -> tuple[ReadingPair, ReconciliationDrafts | None, SavedReconciliation | None]:
        pair = fetch_readings(client, item.study_uid, role, user=user, patient_id=item.patient_id,
                              audit_log=audit_log)
        drafts = ReconciliationDrafts.default(secret) if secret is not None else None
        return pair, drafts, drafts.load(item.study_uid) if drafts is not None else None

    def failed(exc: Exception) -> None:
        if isinstance(exc, ComparisonRefused):
            window.show_error(refusal_text(exc))
        else:
            log.warning("comparison of study %s failed: %s", item.study_uid, type(exc).__name__)
            window.show_error(QCoreApplication.translate("ComparisonWindow", "Study {0}: the readings could not be compared ({1}).")
                              .format(item.study_uid, type(exc).__name__))

    def done(fetched: tuple) -> None:
        pair, drafts, saved = fetched
        win = ComparisonWindow(pair, _locator_of(window), window, drafts=drafts, saved=saved)
        win.signRequested.connect(lambda final, ctx: sign_final(window, win, final, ctx))
        window.comparison = win
        win.show()
        win.raise_()
        win.activateWindow()   # its keys are window shortcuts: it must be the active window
        win.table.setFocus()

    window.status(QCoreApplication.translate("ComparisonWindow", "Fetching the two readings of study {0}…").format(item.study_uid))
    window.reading.run(fetch, done=done, failed=failed)


def sign_final(window: Any, comparison: ComparisonWindow, final: Any, ctx: Any) -> None:
    """The judge signs with the reading window's signer (password, certificate) on a worker; the
    final SR and PDF go to the outbox as any report does."""
    from app.reading.signer import needs_reauthentication
    from app.windows.report_panel import SignJob

    panel = window.report_panel
    password = None
    if needs_reauthentication(window.session):
        password = panel.ask_password()
        if password is None:
            comparison.status.setText(QCoreApplication.translate("ComparisonWindow", "Signing cancelled."))
            return
    cert = panel.certificate()
    if cert is None:
        comparison.status.setText(QCoreApplication.translate("ComparisonWindow", "Signing cancelled."))
        return
    job = SignJob(final, window.session, window.reader, panel.signing_settings(), password, cert,
                  final.identity.study_uid, window.gui_thread, panel.delivery_tracker, True, "", final=ctx)

    def done(outcome: Any) -> None:
        if outcome.queue_error is not None:
            comparison.status.setText(QCoreApplication.translate("ComparisonWindow", "Signed, but not queued for the centre: {0}")
                                      .format(outcome.queue_error))
            return
        panel.delivery_tracker.track(final.report_id, item=window.current, patient_id=final.identity.patient_id)
        comparison.status.setText(QCoreApplication.translate("ComparisonWindow", "Final report signed and queued for the centre."))
        comparison.signed = outcome.signed
        if comparison.drafts is not None:   # the reconciliation is the signed report's now
            drafts, study = comparison.drafts, final.identity.study_uid
            window.reading.run(lambda: drafts.delete(study))

    def failed(exc: Exception) -> None:
        comparison.status.setText(QCoreApplication.translate("ComparisonWindow", "Not signed: {0}").format(type(exc).__name__))

    window.reading.run(job.run, done=done, failed=failed)


__all__ += ["open_comparison", "sign_final", "refusal_text"]
