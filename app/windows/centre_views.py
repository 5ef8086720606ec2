"""The centre's own views, opened from the reading window: statistics (Ctrl+Shift+T) and the
per-reader backlog (Ctrl+Shift+B). They read through the window's centre connection (the
centre decides what this account may see: a reader's account gets a refusal, shown in the
view) and on the window's workers."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt

from app.reading.backlog import backlog, fetch_centre_workitems
from app.reading.site_rules import SiteRulesError, SiteRules, load_site_rules
from app.reading.statistics import compute_statistics, fetch_readings

from .backlog_view import BacklogView
from .statistics_view import StatisticsView

__all__ = ["install_centre_views"]


def _rules(window: Any) -> SiteRules:
    try:
        return load_site_rules()
    except SiteRulesError as exc:
        window.status(str(exc))
        return SiteRules()


def _open(window: Any, attr: str, make) -> None:
    client = getattr(window.centre, "client", None)
    if client is None:
        window.status(QCoreApplication.translate("CentreViews", "This centre keeps no statistics (no DICOMweb)."))
        return
    view = getattr(window, attr, None)
    if view is None:
        view = make(client)
        view.setParent(window, Qt.Window)
        setattr(window, attr, view)
    view.show()
    view.raise_()
    view.activateWindow()


def open_statistics(window: Any) -> None:
    rules = _rules(window).turnaround
    _open(window, "statistics_view", lambda client: StatisticsView(
        window.reading.run, lambda f, t: compute_statistics(fetch_readings(client, f, t), f, t, rules)))


def open_backlog(window: Any) -> None:
    rules = _rules(window).turnaround

    def make(client) -> BacklogView:
        view = BacklogView(window.reading.run,
                           lambda: backlog(fetch_centre_workitems(client), datetime.now(timezone.utc), rules))
        view.refresh()
        return view
    _open(window, "backlog_view", make)


def install_centre_views(window: Any) -> None:
    for action_id, slot in (("tools.statistics", open_statistics), ("tools.backlog", open_backlog)):
        window.keys.bind(action_id, lambda s=slot: s(window))  # keys: app/keymap/defaults.py
