"""Editing a draft: every change through one place, so it can be undone, redone, autosaved
and announced to the editor widget (which then only renders)."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from .finding import Finding
from .critical import CriticalFinding
from .model import Report

__all__ = ["DraftSink", "EditSession"]

log = logging.getLogger(__name__)
T = TypeVar("T")


class DraftSink(Protocol):
    """Where each change goes: a DraftStore writes it before returning (scripts, the crash
    tests' child), a DraftSaver in the background (the reading window)."""

    def save(self, report: Report) -> Any: ...


@dataclass(frozen=True)
class _Step:
    label: str
    before: dict[str, Any]
    after: dict[str, Any]


class EditSession:
    """Undo/redo as a stack of snapshots of the report's content; each change is handed to the
    draft sink (autosave), then subscribers are told."""

    def __init__(self, report: Report, store: DraftSink | None = None, *, limit: int = 200) -> None:
        self.report = report
        self.store = store
        self.limit = limit
        self._undo: list[_Step] = []
        self._redo: list[_Step] = []
        self._listeners: list[Callable[[Report], None]] = []

    # -- observation ---------------------------------------------------------------------
    def subscribe(self, listener: Callable[[Report], None]) -> Callable[[], None]:
        """Call `listener(report)` after every change; returns a function that unsubscribes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _changed(self) -> None:
        if self.store is not None:
            self.store.save(self.report)
        for listener in list(self._listeners):
            try:
                listener(self.report)
            except Exception:  # one failing view must not stop the others or the save
                log.exception("report listener failed (report %s)", self.report.report_id)

    # -- the one way to change ------------------------------------------------------------
    def apply(self, label: str, change: Callable[[Report], T]) -> T:
        before = _content(self.report)
        result = change(self.report)  # raises before anything is recorded if the change is refused
        after = _content(self.report)
        if after != before:
            self._undo.append(_Step(label, before, after))
            del self._undo[:-self.limit]
            self._redo.clear()
            self._changed()
        return result

    def undo(self) -> bool:
        if not self._undo:
            return False
        step = self._undo.pop()
        self.report._load_content(step.before)
        self._redo.append(step)
        self._changed()
        return True

    def redo(self) -> bool:
        if not self._redo:
            return False
        step = self._redo.pop()
        self.report._load_content(step.after)
        self._undo.append(step)
        self._changed()
        return True

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    @property
    def undo_label(self) -> str:
        return self._undo[-1].label if self._undo else ""

    @property
    def redo_label(self) -> str:
        return self._redo[-1].label if self._redo else ""

    # -- conveniences for the editor widget ------------------------------------------------
    def set_field(self, field_id: str, value: Any) -> None:
        self.apply(f"set {field_id}", lambda r: r.set_field(field_id, value))

    def set_language(self, language: str) -> None:
        self.apply("language", lambda r: r.set_language(language))

    def add_nodule(self, nodule: Finding) -> int:
        return self.apply("add nodule", lambda r: r.add_nodule(nodule))

    def update_nodule(self, index: int, **changes: Any) -> Finding:
        return self.apply(f"edit nodule {index + 1}", lambda r: r.update_nodule(index, **changes))

    def remove_nodule(self, index: int) -> None:
        self.apply(f"remove nodule {index + 1}", lambda r: r.remove_nodule(index))

    def add_key_image(self, image: Any) -> int:
        return self.apply("add key image", lambda r: r.add_key_image(image))

    def override(self, scheme: str, category: str, reason: str) -> None:
        self.apply(f"override {scheme}", lambda r: r.override(scheme, category, reason))

    def set_critical(self, finding: CriticalFinding | None) -> None:
        self.apply("critical result", lambda r: r.set_critical(finding))

    def clear_override(self, scheme: str) -> None:
        self.apply(f"clear override {scheme}", lambda r: r.clear_override(scheme))


def _content(report: Report) -> dict[str, Any]:
    d = report.to_dict()
    return {k: d.get(k) for k in ("fields", "nodules", "overrides", "language", "critical", "key_images")}
