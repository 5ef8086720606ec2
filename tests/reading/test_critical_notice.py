"""Critical-result notices over a real loopback HTTP receiver that fails, then accepts, then
acknowledges; a pending notice survives a restart of the station; every step is audited."""
from __future__ import annotations

import json
from pathlib import Path

from app.audit.chain import AuditLog
from app.audit.emitters import CRITICAL_ACKNOWLEDGED, CRITICAL_NOTIFIED
from app.reading.critical_notice import NoticeState, NoticeStore, Notifier, WebhookChannel
from app.reading.site_rules import NotifyChannel
from app.report.critical import CriticalFinding, CriticalKind
from common.backoff import Backoff
from tests.fixtures.orthanc import free_port
from tests.fixtures.webhook_receiver import CentreReceiver


class Clock:
    def __init__(self) -> None:
        self.t = 1_000_000.0

    def __call__(self) -> float:
        return self.t


FINDING = CriticalFinding(CriticalKind.AORTIC_DISSECTION, "Stanford A", "2026-05-08T05:00:00+00:00")


def _events(log: AuditLog):
    return [r.event for r in log.records() if r.event.event_id.code == "110110"]


def test_fails_twice_then_accepted_then_acknowledged(tmp_path: Path):
    clock = Clock()
    audit = AuditLog(tmp_path / "audit.jsonl")
    store = NoticeStore(tmp_path / "notices", clock=clock)
    store.add("rep-1", "1.2.3.4", "1.2.3.4.5", FINDING, [NotifyChannel.WEBHOOK])
    with CentreReceiver(fail=2) as centre:
        notifier = Notifier(store, {NotifyChannel.WEBHOOK: WebhookChannel(centre.url, retries=3, backoff_factor=0)},
                            reader="R-17", ack_poll_s=60, audit_log=audit)
        changed = notifier.deliver_due()
        assert [n.state for n in changed] == [NoticeState.DELIVERED]
        assert len(centre.posts) == 1  # two 503s retried inside the call, then accepted once
        sent = centre.posts[0]
        assert sent == {"notice_id": changed[0].notice_id, "report_id": "rep-1", "study_uid": "1.2.3.4",
                        "sr_sop_uid": "1.2.3.4.5", "kind": "aortic_dissection",
                        "flagged_at": "2026-05-08T05:00:00+00:00", "reader": "R-17"}
        assert "Stanford" not in json.dumps(sent)  # the reader's words travel in the SR only
        assert centre.headers[0]["Idempotency-Key"] == changed[0].notice_id
        # not acknowledged yet: asked again after ack_poll_s, still delivered
        assert notifier.deliver_due() == []  # not due before the poll interval
        clock.t += 61
        assert notifier.deliver_due() == []
        centre.acknowledged_by = "Dr Suzuki (centre)"
        clock.t += 61
        acked = notifier.deliver_due()
    assert [n.state for n in acked] == [NoticeState.ACKNOWLEDGED]
    assert acked[0].acknowledged_by == "Dr Suzuki (centre)" and acked[0].acknowledged_at
    kinds = [e.event_types[0] for e in _events(audit)]
    assert kinds == [CRITICAL_NOTIFIED, CRITICAL_ACKNOWLEDGED]
    assert all(e.outcome == 0 for e in _events(audit))
    assert store.of_report("rep-1")[0].state is NoticeState.ACKNOWLEDGED


def test_pending_notice_survives_a_restart(tmp_path: Path):
    clock = Clock()
    audit = AuditLog(tmp_path / "audit.jsonl")
    port = free_port()
    url = f"http://127.0.0.1:{port}/critical"   # nobody listens yet: the centre is down
    store = NoticeStore(tmp_path / "notices", clock=clock)
    store.add("rep-2", "1.2.3.9", "1.2.3.9.1", FINDING, [NotifyChannel.WEBHOOK])
    store.add("rep-2", "1.2.3.9", "1.2.3.9.1", FINDING, [NotifyChannel.WEBHOOK])  # again: one notice
    notifier = Notifier(store, {NotifyChannel.WEBHOOK: WebhookChannel(url, retries=1, backoff_factor=0)},
                        reader="R-17", backoff=Backoff(base_s=30, jitter=0), audit_log=audit)
    assert notifier.deliver_due() == []
    [pending] = store.of_report("rep-2")
    assert pending.state is NoticeState.PENDING and pending.attempts == 1 and "ConnectionError" in pending.reason
    assert pending.next_attempt == clock.t + 30
    assert [e.outcome for e in _events(audit)] == [4]  # the failed attempt is audited as such
    store.close()

    # the station restarts; the centre is back
    store = NoticeStore(tmp_path / "notices", clock=clock)
    with CentreReceiver(port=port) as centre:
        notifier = Notifier(store, {NotifyChannel.WEBHOOK: WebhookChannel(url, retries=1, backoff_factor=0)},
                            reader="R-17", audit_log=audit)
        assert notifier.deliver_due() == []  # its retry is not due yet
        clock.t += 30
        [done] = notifier.deliver_due()
    assert done.state is NoticeState.DELIVERED and done.attempts == 2
    assert [p["report_id"] for p in centre.posts] == ["rep-2"]


def test_a_refusal_is_kept_with_its_reason(tmp_path: Path):
    store = NoticeStore(tmp_path / "notices", clock=Clock())
    store.add("rep-3", "1.2.3.7", "1.2.3.7.1", FINDING, [NotifyChannel.WEBHOOK])
    with CentreReceiver() as centre:
        # a 404 (a wrong URL in the site file) is a refusal, not something to retry
        channel = WebhookChannel(centre.url, retries=0)
        centre.server.RequestHandlerClass.do_POST = lambda self: self._answer(404)
        [failed] = Notifier(store, {NotifyChannel.WEBHOOK: channel}, reader="R-17",
                            audit_log=AuditLog(tmp_path / "a.jsonl")).deliver_due()
    assert failed.state is NoticeState.FAILED and "404" in failed.reason
    assert store.due() == []


def test_a_notice_for_a_channel_turned_off_waits(tmp_path: Path):
    store = NoticeStore(tmp_path / "notices", clock=Clock())
    store.add("rep-4", "1.2.3.6", "1.2.3.6.1", FINDING, [NotifyChannel.WEBHOOK])
    assert Notifier(store, {}, reader="R-17", audit_log=AuditLog(tmp_path / "a.jsonl")).deliver_due() == []
    assert store.of_report("rep-4")[0].state is NoticeState.PENDING
