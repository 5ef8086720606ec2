"""Hanging protocols applied to the reading window's views (display only: matching is viewer.hanging).

A study opens on the best protocol that fits it (modality, body part, descriptions): the study
loader asks `series_for` which series to build first, and the protocol's views are hung as
the study comes on screen. When the prior comparison opens a prior, the best fit is chosen
again (chest CT with prior: the prior beside the current in the comparison dock). H cycles
through the protocols that fit, from the one on screen; once the reader has chosen with H,
a prior arriving later does not change their choice. A protocol that names another series
than the one on screen loads it (through the window's own series switch) and hangs its views
once it is on screen.

Per view: plane visible or not (layout), window preset, slab. A protocol with a view of the
prior fits only while a prior is open (the comparison dock's `prior_volume`); its views of
both studies are the comparison's to apply (`PriorComparisonPanel.hang`, with `apply_view`).

The bundled protocols and the centre's own (`<site dir>/hanging/*.json`) are read once, when
the window is built; a bad site file is named in the status bar and the bundled ones are used.
"""
from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject

from app.windows.translation import interface_language

from viewer.hanging import (HangingProtocol, HangingProtocolError, Layout, StudyFacts, StudyRole, ViewSpec,
                            choose_series, load_protocols, matching_protocols, resolve_window, series_facts,
                            series_to_open)

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


class HangingApplier(QObject):
    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window_ = window
        self.problem: HangingProtocolError | None = None
        self.offer(())
        self.current: HangingProtocol | None = None
        self.chosen_by_reader = False   # H was pressed for the study on screen: Yomi's choice stops
        self._study: str | None = None
        self._pending: HangingProtocol | None = None   # waiting for its series to be on screen
        self._last_status = ""
        window.on_study_opened(self._on_study_opened)

    def offer(self, names) -> None:
        """The bundled protocols `names` (the site's `station.hanging_protocols`; none: all) and
        the centre's own."""
        try:
            self.protocols = load_protocols(site_protocol_dir(), offered=names)
        except HangingProtocolError as exc:
            self.problem = exc
            log.warning("%s; the bundled hanging protocols are used", exc)
            self.protocols = load_protocols(offered=names)

    def series_for(self, groups: list) -> str | None:
        """The series a study opens on (its best protocol's); runs on the study loader's thread."""
        return series_to_open(self.protocols, groups)

    def has_prior(self) -> bool:
        comparison = getattr(self.window_, "prior_comparison", None)
        return getattr(comparison, "prior_volume", None) is not None

    def facts(self) -> StudyFacts | None:
        volume = self.window_.volume
        if volume is None:
            return None
        ident = volume.identity
        return StudyFacts(ident.modality, ident.body_part, ident.study_description,
                          series_facts(self.window_.groups),
                          has_prior=self.has_prior())

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
        self.chosen_by_reader = True
        self.hang(nxt)
        return nxt

    def hang_best(self) -> HangingProtocol | None:
        """Yomi's own choice: the best protocol that fits the study on screen, hung unless it is
        the one on screen already (None when none fits)."""
        fits = self.candidates()
        if not fits:
            return None
        if self.current is None or self.current.id != fits[0].id:
            self.hang(fits[0])
        return fits[0]

    def prior_changed(self) -> None:
        """The comparison opened (or dropped) a prior: the best fit again, unless the reader chose."""
        if self.window_.volume is not None and not self.chosen_by_reader:
            self.hang_best()

    def hang(self, protocol: HangingProtocol) -> None:
        win = self.window_
        self.current = protocol
        self._study = win.volume.identity.study_uid if win.volume is not None else None
        chosen = choose_series(protocol, series_facts(win.groups))
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
            self.chosen_by_reader = False
            self.hang_best()

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
        mpr.draw_in_turns(mpr.views.values())
        first = mpr.views[mine[0].plane]
        first.setFocus()
        comparison = getattr(self.window_, "prior_comparison", None)
        if protocol.layout is Layout.SIDE_BY_SIDE and comparison is not None:
            comparison.hang(protocol)
        name = protocol.name[interface_language().value]
        keys = self.window_.keys.keymap.keys("view.next_hanging")
        text = self.tr("Hanging protocol: {0} ({1})").format(name, ", ".join(keys))
        shown = self.window_.status_label.text()
        last, self._last_status = self._last_status, text
        if last and shown.endswith(last):
            shown = shown[: -len(last)].removesuffix(" — ")   # the protocol it replaces
        # chosen by Yomi as the study opened: after what the window says of the study, not instead
        self.window_.status(text if self.chosen_by_reader or not shown else f"{shown} — {text}")
        log.info("hanging protocol %s applied to study %s", protocol.id, self._study)


def install_hanging(window: Any) -> HangingApplier:
    """The applier and its key (H), added to the reading window (called from MainWindow.__init__)."""
    applier = HangingApplier(window)
    window.keys.bind("view.next_hanging", applier.cycle)  # H: app/keymap/defaults.py
    window.hanging = applier
    return applier
