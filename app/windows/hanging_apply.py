"""Hanging protocols applied to the reading window's views (display only: matching is viewer.hanging).

H cycles through the protocols that fit the study on screen, best first: the first press
hangs the best one. A protocol that names another series than the one on screen loads it
(through the window's own series switch) and hangs its views once it is on screen.

Per view: plane visible or not (layout), window preset, slab. A protocol with a view of the
prior (chest CT with prior) fits only while a prior is open (`window.prior_volume`, set by the
side-by-side comparison view); its prior views are for that view to apply (`apply_view`).

The bundled protocols and the centre's own (`<site dir>/hanging/*.json`) are read once, when
the window is built; a bad site file is named in the status bar and the bundled ones are used.
"""
from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject

from viewer.hanging import (HangingProtocol, HangingProtocolError, Layout, SeriesFacts, StudyFacts, StudyRole,
                            ViewSpec, choose_series, load_protocols, matching_protocols, resolve_window)

__all__ = ["HangingApplier", "apply_view", "install_hanging"]

log = logging.getLogger(__name__)


def site_protocol_dir():
    from app.session.site_store import site_dir

    return site_dir() / "hanging"


def apply_view(view: Any, spec: ViewSpec) -> None:
    """One SliceView to a protocol's view: window, slab (thin when the protocol gives none)."""
    view.set_window(resolve_window(spec, view.volume.window_presets))
    if spec.slab_mode is not None:
        view.set_slab(max(spec.slab_mm, view.step_mm()), spec.slab_mode)
    else:
        view.set_slab(0.0)


def _series_facts(groups: list) -> tuple[SeriesFacts, ...]:
    out = []
    for g in groups:
        first = g.frames[0] if g.frames else None
        step = (first.spacing_between_slices or first.slice_thickness or 0.0) if first is not None else 0.0
        out.append(SeriesFacts(g.key, g.identity.series_description, first.kernel if first is not None else "",
                               len(g.frames), float(step)))
    return tuple(out)


class HangingApplier(QObject):
    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window_ = window
        self.problem: HangingProtocolError | None = None
        try:
            self.protocols = load_protocols(site_protocol_dir())
        except HangingProtocolError as exc:
            self.problem = exc
            log.warning("%s; the bundled hanging protocols are used", exc)
            self.protocols = load_protocols()
        self.current: HangingProtocol | None = None
        self._study: str | None = None
        self._pending: HangingProtocol | None = None   # waiting for its series to be on screen
        window.studyOpened.connect(self._on_study_opened)

    def facts(self) -> StudyFacts | None:
        volume = self.window_.volume
        if volume is None:
            return None
        ident = volume.identity
        return StudyFacts(ident.modality, ident.body_part, ident.study_description,
                          _series_facts(self.window_.groups),
                          has_prior=getattr(self.window_, "prior_volume", None) is not None)

    def candidates(self) -> list[HangingProtocol]:
        facts = self.facts()
        return matching_protocols(self.protocols, facts) if facts is not None else []

    def cycle(self) -> HangingProtocol | None:
        """The next protocol that fits the study on screen (the best one first), hung."""
        if self.problem is not None:
            self.window_.status(self.tr("Hanging protocol {0} not used: {1} ({2})").format(
                self.problem.source, self.problem.key, self.problem.problem))
            self.problem = None
        fits = self.candidates()
        if not fits:
            self.window_.status(self.tr("No hanging protocol fits this study"))
            return None
        ids = [p.id for p in fits]
        nxt = fits[(ids.index(self.current.id) + 1) % len(fits)] if self.current and self.current.id in ids \
            else fits[0]
        self.hang(nxt)
        return nxt

    def hang(self, protocol: HangingProtocol) -> None:
        win = self.window_
        self.current = protocol
        self._study = win.volume.identity.study_uid if win.volume is not None else None
        chosen = choose_series(protocol, _series_facts(win.groups))
        if chosen is not None and win.volume is not None and chosen.key != win.volume.key:
            index = win.series_box.findData(chosen.key)
            if index >= 0:
                self._pending = protocol
                win.series_box.setCurrentIndex(index)
                win.series_box.activated.emit(index)  # as if the reader chose it in the box
                return
        self._apply_views(protocol)

    def _on_study_opened(self, volume: Any, item: Any) -> None:
        if self._pending is not None and volume.identity.study_uid == self._study:
            protocol, self._pending = self._pending, None
            self._apply_views(protocol)
        elif volume.identity.study_uid != self._study:
            self.current, self._pending, self._study = None, None, None

    def _apply_views(self, protocol: HangingProtocol) -> None:
        mpr = self.window_.mpr
        mine = protocol.views_of(StudyRole.CURRENT)
        planes = {v.plane for v in mine}
        if protocol.layout is Layout.MPR:
            mpr.set_layout("mpr")
        elif protocol.layout is Layout.SINGLE and mine[0].plane == "axial":
            mpr.set_layout("axial")
        else:
            # One view of a plane other than axial, or the current study's side of a comparison:
            # the planes the protocol names, the others hidden.
            mpr.layout_mode = protocol.layout.value
            mpr.show_planes(planes)
        was, mpr._syncing = mpr._syncing, True  # each view gets its own window: no copying across
        try:
            for spec in mine:
                apply_view(mpr.views[spec.plane].view, spec)
        finally:
            mpr._syncing = was
        mpr.refresh()
        first = mpr.views[mine[0].plane]
        first.setFocus()
        name = protocol.name["ja" if self.window_.locale().language() == self.window_.locale().Language.Japanese
                             else "en"]
        keys = self.window_.keys.keymap.keys("view.next_hanging")
        self.window_.status(self.tr("Hanging protocol: {0} ({1})").format(name, ", ".join(keys)))
        log.info("hanging protocol %s applied to study %s", protocol.id, self._study)


def install_hanging(window: Any) -> HangingApplier:
    """The applier and its key (H), added to the reading window (called from MainWindow.__init__)."""
    applier = HangingApplier(window)
    window.keys.bind("view.next_hanging", applier.cycle)  # H: app/keymap/defaults.py
    window.hanging = applier
    return applier
