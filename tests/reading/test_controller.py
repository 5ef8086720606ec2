"""The reading workflow without Qt, against real centres: the embedded demo centre on real
CT files, and a DICOMweb centre on a port where nothing listens (a real refused connection).
"""
from __future__ import annotations

import socket
import threading

import pytest

from app.demo import DEMO_READER, prepare_demo
from app.reading import events as ev
from app.reading.controller import ReadingController
from worklist.centre import Status, Unreachable


class Gated:
    """A real centre whose worklist() waits for the test to open the gate (a slow server)."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.name = inner.name
        self.gate = threading.Event()
        self.calls = 0

    def worklist(self):
        self.calls += 1
        self.gate.wait(30)
        return self.inner.worklist()

    def __getattr__(self, name):
        return getattr(self.inner, name)


@pytest.fixture
def demo(tmp_path):
    return prepare_demo(tmp_path / "centre").centre


def _controller(centre, inbox, **kw) -> ReadingController:
    c = ReadingController(centre, DEMO_READER, post=inbox.post, **kw)
    c.subscribe(inbox.record)
    return c


def test_refresh_lists_assigned_studies_then_reports_only_what_changed(demo, inbox):
    c = _controller(demo, inbox)
    try:
        c.refresh()
        inbox.until(lambda: inbox.of(ev.WorklistUpdated))
        first = inbox.of(ev.WorklistUpdated)[0]
        assert [i.priority.name for i in first.items] == ["STAT", "ROUTINE"]
        assert set(first.added) == {i.study_uid for i in first.items} and not first.removed

        c.refresh()  # nothing changed at the centre: nothing to redraw
        inbox.until(lambda: not c.refreshing and len(inbox.of(ev.RefreshStarted)) == 2)
        assert len(inbox.of(ev.WorklistUpdated)) == 1

        routine = first.items[1]
        c.open(routine)
        inbox.until(lambda: inbox.of(ev.StudyClaimed))
        assert c.current.study_uid == routine.study_uid
        claimed = inbox.of(ev.WorklistUpdated)[-1]  # the row shows the claim at once
        assert claimed.changed == (routine.study_uid,) and not claimed.added and not claimed.removed
        assert next(i for i in claimed.items if i.study_uid == routine.study_uid).status is Status.IN_PROGRESS
        c.refresh()  # the centre agrees: still nothing to redraw
        inbox.until(lambda: not c.refreshing and len(inbox.of(ev.RefreshStarted)) == 3)
        assert len(inbox.of(ev.WorklistUpdated)) == 2
    finally:
        c.close()


def test_a_refresh_asked_during_one_is_folded_into_one_more(demo, inbox):
    slow = Gated(demo)
    c = _controller(slow, inbox)
    try:
        g1 = c.refresh()
        assert c.refresh() == g1 and c.refresh() == g1  # no pile of requests at a slow centre
        slow.gate.set()
        inbox.until(lambda: slow.calls == 2 and not c.refreshing)
        assert slow.calls == 2 and len(inbox.of(ev.RefreshStarted)) == 2
        assert not c.refreshing
    finally:
        c.close()


def test_cancelled_refresh_shows_nothing_and_frees_the_next(demo, inbox):
    slow = Gated(demo)
    c = _controller(slow, inbox)
    try:
        gen = c.refresh()
        assert c.refreshing
        c.cancel_refresh()
        assert not c.refreshing and inbox.of(ev.RefreshCancelled)[0].generation == gen
        slow.gate.set()
        gen2 = c.refresh()
        inbox.until(lambda: inbox.of(ev.WorklistUpdated))
        assert [e.generation for e in inbox.of(ev.WorklistUpdated)] == [gen2]  # the cancelled one never lands
    finally:
        c.close()


def test_give_back_releases_unread_and_refreshes(demo, inbox):
    c = _controller(demo, inbox)
    try:
        c.refresh()
        inbox.until(lambda: inbox.of(ev.WorklistUpdated))
        item = c.items[1]
        c.open(item)
        inbox.until(lambda: inbox.of(ev.StudyClaimed))
        assert {e.study_uid: e.status for e in demo.entries()}[item.study_uid] == "IN PROGRESS"
        c.give_back()
        inbox.until(lambda: inbox.of(ev.StudyGivenBack) and len(inbox.of(ev.RefreshStarted)) == 2
                    and not c.refreshing)
        assert c.current is None
        assert {e.study_uid: e.status for e in demo.entries()}[item.study_uid] == "SCHEDULED"
    finally:
        c.close()


def test_next_study_follows_worklist_order(demo, inbox):
    c = _controller(demo, inbox)
    try:
        c.refresh()
        inbox.until(lambda: inbox.of(ev.WorklistUpdated))
        stat, routine = c.items
        assert c.next_item() == stat  # nothing open: the top of the list
        c.open(stat)
        inbox.until(lambda: inbox.of(ev.StudyClaimed))
        assert c.next_item().study_uid == routine.study_uid
    finally:
        c.close()


def test_polling_refreshes_by_itself(demo, inbox):
    c = _controller(demo, inbox, poll_interval_s=0.2)
    try:
        inbox.until(lambda: len(inbox.of(ev.RefreshStarted)) >= 3, timeout_s=20)
        assert inbox.of(ev.WorklistUpdated)
    finally:
        c.close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_centre_fails_typed(tmp_path, inbox):
    from app.config import CentreConfig, open_centre

    cfg = CentreConfig(name="nowhere", dicomweb_url=f"http://127.0.0.1:{_closed_port()}/dicom-web", user="u",
                       reader_dicom_name="Reader^Test", retries=0, connect_timeout=2.0)
    centre = open_centre(cfg, "pw", tmp_path / "state")
    c = ReadingController(centre, "reader", post=inbox.post)
    c.subscribe(inbox.record)
    try:
        c.refresh()
        inbox.until(lambda: inbox.of(ev.WorklistFailed))
        assert isinstance(inbox.of(ev.WorklistFailed)[0].error, Unreachable)
        assert not c.refreshing
    finally:
        c.close()
        close = getattr(centre, "close", None)
        if close:
            close()
