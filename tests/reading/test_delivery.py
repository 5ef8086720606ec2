"""Report delivery without Qt: a real outbox and sender to the demo centre; the study is
completed once every object of the report is stored, and a refused release is retried."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from app.demo import DEMO_READER, prepare_demo
from app.reading import events as ev
from app.reading.delivery import DeliveryState, DeliveryTracker, summarise
from app.reading.jobs import Jobs
from tests.infra.standin import make_instance
from worklist.centre import NotFound, WorkItem
from worklist.outbox import ItemState, ItemStatus, Outbox, Sender


def _st(state: ItemState, reason: str = "") -> ItemStatus:
    now = datetime.now(timezone.utc)
    return ItemStatus("r", "1.2", state, 1, None, reason, now)


@pytest.mark.parametrize("states, expected", [
    ([], DeliveryState.NOT_QUEUED),
    ([ItemState.QUEUED, ItemState.QUEUED], DeliveryState.QUEUED),
    ([ItemState.SENT, ItemState.SENDING], DeliveryState.SENDING),
    ([ItemState.SENT, ItemState.SENT], DeliveryState.SENT),
    ([ItemState.SENT, ItemState.FAILED], DeliveryState.FAILED),
    ([ItemState.SENDING, ItemState.FAILED], DeliveryState.FAILED),
])
def test_one_state_per_report(states, expected):
    assert summarise("r", [_st(s, "refused" if s is ItemState.FAILED else "") for s in states]).state is expected


def test_a_waiting_item_with_a_reason_is_retrying():
    d = summarise("r", [_st(ItemState.SENT), _st(ItemState.QUEUED, "HTTP 503")])
    assert d.state is DeliveryState.RETRYING and d.reason == "HTTP 503"


@pytest.fixture
def demo(tmp_path):
    return prepare_demo(tmp_path / "centre").centre


def _tracker(demo, inbox, tmp_path):
    outbox = Outbox(tmp_path / "outbox", key=bytes(range(32)))  # the reader's outbox key
    sender = Sender(outbox, demo, poll_s=0.2)
    sender.start()
    jobs = Jobs(inbox.post)
    tracker = DeliveryTracker(outbox, demo, DEMO_READER, jobs=jobs, post=inbox.post, notify=inbox.record)
    return tracker, sender, jobs


def test_delivered_report_completes_its_study_once(demo, inbox, tmp_path):
    tracker, sender, jobs = _tracker(demo, inbox, tmp_path)
    try:
        item = demo.worklist()[0]
        objects = [make_instance(study_uid=item.study_uid), make_instance(study_uid=item.study_uid)]
        tracker.store("rep-1", objects)
        first = tracker.track("rep-1", item=item, patient_id=item.patient_id)
        assert first.state in (DeliveryState.QUEUED, DeliveryState.SENDING, DeliveryState.SENT)
        inbox.until(lambda: inbox.of(ev.StudyCompleted))
        assert tracker.delivery("rep-1").state is DeliveryState.SENT
        assert {e.study_uid: e.status for e in demo.entries()}[item.study_uid] == "COMPLETED"
        assert len(demo.received()) == 2
        tracker.retry_completions()  # nothing pending: no second release
        inbox.drain(0.5)
        assert len(inbox.of(ev.StudyCompleted)) == 1
    finally:
        sender.stop()
        tracker.close()
        jobs.close()


def test_a_release_the_centre_refuses_is_reported_and_tried_again(demo, inbox, tmp_path):
    tracker, sender, jobs = _tracker(demo, inbox, tmp_path)
    try:
        study = demo.worklist()[0].study_uid
        unknown = WorkItem(study_uid="2.25.424242")  # not on this centre's queue: release refused
        tracker.store("rep-2", [make_instance(study_uid=study)])
        tracker.track("rep-2", item=unknown, patient_id="")
        inbox.until(lambda: inbox.of(ev.CompletionFailed))
        assert isinstance(inbox.of(ev.CompletionFailed)[0].error, NotFound)
        assert tracker.delivery("rep-2").state is DeliveryState.SENT  # the report itself is delivered
        tracker.retry_completions()
        inbox.until(lambda: len(inbox.of(ev.CompletionFailed)) == 2)
        assert not inbox.of(ev.StudyCompleted)
    finally:
        sender.stop()
        tracker.close()
        jobs.close()
