"""The current study and its prior side by side, linked through the registration.

A widget a layout (or a hanging protocol) can place anywhere: two SliceWidgets in one plane
(axial or coronal: the hanging protocol's, or the keymap's key), a title above each and a
coloured band inside each view naming the study and its date (CURRENT / PRIOR: the prior's
date is on the prior's own image, with its patient banner and orientation labels, so a
screenshot or a glance cannot take one for the other), and a warning line that is shown whenever the link cannot
be trusted as it is: the registration fell back to the table position, the prior was acquired
in another orientation, or the prior may be another patient's (then the views are unlinked,
never aligned silently). The linking itself is viewer.views.link_model (Qt-free).

Keys (with the focus in either view; the views' own keys stay theirs):
  U  link / unlink the two views (linking again brings the prior to the current position)
  S  swap sides (the prior on the left / on the right)
  T  toggle between side by side and one view at a time (S then shows the other study)
  G  find the nodule just measured on the current study in the prior and measure it there
  V  axial / coronal (both views change, still linked)
(the defaults of the keymap's "view.comparison_*" actions: a reader may change them)
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from app.keymap.model import Keymap
from app.reading.priors import IdentityProblem
from viewer.registration import Caution, Fallback, Registration
from viewer.views.link_model import ComparisonLink, Side
from viewer.views.qt_view import SliceWidget

WARNING_STYLE = "QLabel { background: #b00020; color: white; font-weight: bold; padding: 4px; }"
PLANES = ("axial", "coronal")   # the planes the comparison shows (and V toggles between)
# The study bands inside the views: the current in blue, the prior in orange (white text on both).
TAG_COLOURS = {Side.CURRENT: (0.0, 0.35, 0.75), Side.PRIOR: (0.85, 0.4, 0.0)}


class ComparisonView(QWidget):
    compareRequested = Signal()          # G: measure the current nodule in the prior
    linkChanged = Signal(bool)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("comparison-view")
        self.link = ComparisonLink()
        self.plane = PLANES[0]
        self.views = {side: SliceWidget(self.plane, self) for side in Side}
        self.titles = {side: QLabel(self) for side in Side}
        for side, w in self.views.items():
            w.viewChanged.connect(lambda s=side: self._follow(s))
            w.setObjectName(f"comparison-{side.value}")
        self.warning = QLabel(self)
        self.warning.setObjectName("comparison-warning")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet(WARNING_STYLE)
        self.warning.hide()
        self.state_label = QLabel(self)
        self.single = False
        self.registration: Registration | None = None
        self.identity_problems: tuple[IdentityProblem, ...] = ()
        self._lay = QGridLayout(self)
        self._lay.setContentsMargins(0, 0, 0, 0)
        self._lay.setSpacing(2)
        self._lay.addWidget(self.warning, 2, 0, 1, 2)
        self._lay.addWidget(self.state_label, 3, 0, 1, 2)
        self._place()
        self.set_titles("", "")

    # ---- content ----------------------------------------------------------------------
    def set_titles(self, current_date: str, prior_date: str) -> None:
        self.titles[Side.CURRENT].setText(self.tr("Current {0}").format(current_date))
        self.titles[Side.PRIOR].setText(self.tr("Prior {0}").format(prior_date) if prior_date
                                        else self.tr("No prior"))
        tags = {Side.CURRENT: self.tr("CURRENT {0}").format(current_date).strip(),
                Side.PRIOR: self.tr("PRIOR {0}").format(prior_date).strip() if prior_date else ""}
        for side, w in self.views.items():
            w.view.set_study_tag(tags[side], TAG_COLOURS[side])
            if w.view.volume is not None:
                w.view.update()

    # ---- plane ------------------------------------------------------------------------
    def set_plane(self, plane: str) -> None:
        """Both views to `plane` (one of PLANES), keeping each one's position, window and zoom;
        the prior then follows the current through the registration, as in any plane."""
        if plane not in PLANES:
            raise ValueError(f"the comparison shows {' or '.join(PLANES)}, not {plane!r}")
        if plane == self.plane:
            return
        self.plane = plane
        for w in self.views.values():
            view = w.view
            view.plane = plane
            if view.volume is None:
                continue
            old = view.state
            view.set_volume(view.volume)          # a new state: the standard axes of the plane
            view.state.cursor = view.snap(old.cursor)
            view.state.window = old.window
            view.update()
            view.zoom_by(old.zoom / view.state.zoom)
        self._sync_prior()
        self.refresh_views()

    def toggle_plane(self) -> None:
        self.set_plane(PLANES[(PLANES.index(self.plane) + 1) % len(PLANES)])

    def refresh_views(self) -> None:
        self._sync_prior()
        for w in self.views.values():
            if w.isVisible():
                w.refresh()

    def set_current(self, volume) -> None:
        view = self.views[Side.CURRENT]
        view.view.set_volume(volume)
        if view.isVisible():   # hidden until a prior is there: drawn when it is (refresh_views)
            view.refresh()

    def set_prior(self, volume, identity_problems: tuple[IdentityProblem, ...] = ()) -> None:
        """Show the prior at table position until a registration arrives; a prior that may be
        another patient's is shown unlinked with the warning."""
        self.registration = None
        self.identity_problems = tuple(p for p in identity_problems if p is not IdentityProblem.ISSUER_UNKNOWN)
        self.link.set_matrix(np.eye(4))
        self.link.linked = not self.identity_problems
        self.views[Side.PRIOR].set_volume(volume)
        self.state_label.setText(self.tr("Registering the prior to the current study…"))
        self._sync_prior()
        self._show_warnings()

    def clear(self) -> None:
        """Neither study: the current study closed (another one opens)."""
        self.registration = None
        self.identity_problems = ()
        self.link.set_matrix(np.eye(4))
        self.set_titles("", "")
        for w in self.views.values():
            w.view.set_study_tag("")   # no CURRENT / PRIOR band over an empty view
            w.clear_volume()
        self.state_label.setText("")
        self._show_warnings()

    def set_registration(self, registration: Registration) -> None:
        self.registration = registration
        self.link.set_matrix(registration.matrix)
        if registration.ok:
            self.state_label.setText(self.tr("Prior registered: rotation {0:.1f}°, shift {1:.1f} mm").format(
                registration.rotation_deg, registration.translation_mm))
        else:
            self.state_label.setText(self.tr("Prior linked by table position"))
        self._sync_prior()
        self._show_warnings()

    def set_progress(self, done: int, total: int) -> None:
        self.state_label.setText(self.tr("Registering the prior to the current study… {0}%").format(
            int(100 * done / max(total, 1))))

    def has_prior(self) -> bool:
        return self.views[Side.PRIOR].view.volume is not None

    def warning_kinds(self) -> list:
        """What the warning line says now, as typed values (tests and the status line)."""
        out: list = list(self.identity_problems)
        if self.registration is not None and not self.registration.ok:
            out.append(self.registration.fallback)
        if self.registration is not None and Caution.OTHER_ORIENTATION in self.registration.cautions:
            out.append(Caution.OTHER_ORIENTATION)
        return out

    def _show_warnings(self) -> None:
        lines = []
        if self.identity_problems:
            what = ", ".join(_identity_text(self, p) for p in self.identity_problems)
            lines.append(self.tr("This prior may be another patient's ({0}): the views are not linked.").format(what))
        reg = self.registration
        if reg is not None and not reg.ok:
            lines.append(self.tr("Registration not used ({0}): the prior is aligned by table position only; "
                                 "check the positions by eye.").format(_fallback_text(self, reg.fallback)))
        if reg is not None and Caution.OTHER_ORIENTATION in reg.cautions:
            lines.append(self.tr("The prior was acquired in another orientation."))
        self.warning.setText("\n".join(lines))
        self.warning.setVisible(bool(lines))

    # ---- linking ----------------------------------------------------------------------
    def _follow(self, side: Side) -> None:
        source, target = self.views[side].view, self.views[side.other].view
        if source.state is None or target.state is None:
            return
        if self.link.follow(side, source.state, target.state, apply=lambda _s: self._redraw(target)):
            self.views[side.other].GetRenderWindow().Render()

    @staticmethod
    def _redraw(view) -> None:
        view.update()
        view.refit()

    def _sync_prior(self) -> None:
        if self.has_prior() and self.views[Side.CURRENT].view.volume is not None:
            self._follow(Side.CURRENT)

    def toggle_link(self) -> None:
        """A doubtful prior may be linked knowingly by the reader; its warning stays."""
        if self.link.toggle_link():
            self._sync_prior()
        self.linkChanged.emit(self.link.linked)

    def swap(self) -> None:
        self.link.swap()
        self._place()

    def toggle_single(self) -> None:
        self.single = not self.single
        self._place()

    def _place(self) -> None:
        left = self.link.left()
        for col, side in enumerate((left, left.other)):
            self._lay.addWidget(self.titles[side], 0, col)
            self._lay.addWidget(self.views[side], 1, col)
        shown = {left} if self.single else set(Side)
        for side in Side:
            self.views[side].setVisible(side in shown)
            self.titles[side].setVisible(side in shown)
        self._lay.setRowStretch(1, 1)

    def keyPressEvent(self, ev: QKeyEvent) -> None:  # noqa: N802
        # The comparison's own keys, from the reader's keymap (app/keymap/defaults.py); the
        # reading window binds the same actions, so the menu and F1 list them.
        keys = getattr(self.window(), "keys", None)
        keymap = keys.keymap if keys is not None else Keymap()
        pressed = QKeySequence(ev.keyCombination()).toString(QKeySequence.PortableText)
        for action, do in self.key_actions().items():
            if pressed in keymap.keys(action):
                do()
                return
        if not self._view_key(ev):
            ev.ignore()

    def key_actions(self) -> dict:
        """The comparison's keymap actions, each a callable that does it and redraws."""
        def then_draw(do):
            def run() -> None:
                do()
                self.refresh_views()
            return run
        return {"view.comparison_plane": self.toggle_plane,
                "view.comparison_link": then_draw(self.toggle_link),
                "view.comparison_swap": then_draw(self.swap),
                "view.comparison_single": then_draw(self.toggle_single),
                "view.comparison_find": self.compareRequested.emit}

    def _view_key(self, ev: QKeyEvent) -> bool:
        """A slice, window or slab key of the reader's keymap, for the side with the focus."""
        from app.windows.reading_actions import view_command_of_key

        window = self.window()
        focus = window.focusWidget()  # the window's focus child, active window or not
        target = next((w for w in self.views.values() if w is focus or w.hasFocus()), None)
        if target is None or getattr(window, "keys", None) is None:
            return False
        command = view_command_of_key(window, ev)
        if command is None:
            return False
        target.perform(command)
        return True

    def close_views(self) -> None:
        for w in self.views.values():
            w.GetRenderWindow().Finalize()


def _identity_text(widget: QWidget, p: IdentityProblem) -> str:
    return {IdentityProblem.SEX_DIFFERS: QCoreApplication.translate("ComparisonView", "sex differs"),
            IdentityProblem.BIRTH_DATE_DIFFERS: QCoreApplication.translate("ComparisonView", "birth date differs"),
            IdentityProblem.NAME_DIFFERS: QCoreApplication.translate("ComparisonView", "name differs")}.get(p, p.value)


def _fallback_text(widget: QWidget, f: Fallback | None) -> str:
    return {Fallback.NOT_CONVERGED: QCoreApplication.translate("ComparisonView", "it did not converge"),
            Fallback.IMPLAUSIBLE_TRANSFORM: QCoreApplication.translate("ComparisonView", "implausible rotation or shift"),
            Fallback.POOR_MATCH: QCoreApplication.translate("ComparisonView", "the images do not match"),
            Fallback.NO_OVERLAP: QCoreApplication.translate("ComparisonView", "the studies do not overlap"),
            Fallback.NOT_ORIENTED: QCoreApplication.translate("ComparisonView", "a study has no patient orientation"),
            Fallback.FAILED: QCoreApplication.translate("ComparisonView", "it failed"),
            Fallback.CANCELLED: QCoreApplication.translate("ComparisonView", "cancelled")}.get(f, "")
