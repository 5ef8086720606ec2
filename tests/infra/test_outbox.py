"""Durable outbox: states, retries, dead letters, restart, and a kill -9 crash test.

The centre is the stand-in HTTP receiver of tests/infra/standin.py (a real local HTTP
server storing by UID): a reading centre cannot exist on this machine otherwise. An
Orthanc variant of the crash test runs when tests/fixtures/orthanc.py can start Orthanc.
"""
from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.infra.conftest import ARTIFACTS, REPO, wait_until
from tests.infra.standin import HttpCentre, Receiver, make_instance
from worklist.outbox import Backoff, ItemState, Outbox, OutboxError, Sender

KEY = bytes(range(32))  # the reader's outbox key (the app derives it from the session)
FAST = Backoff(base_s=0.01, factor=2.0, cap_s=0.05, jitter=0.0)


def _states(outbox: Outbox, report: str) -> list[ItemState]:
    return [s.state for s in outbox.status(report)]


def test_enqueue_is_durable_and_idempotent(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "ob", key=KEY)
    items = [make_instance(), make_instance()]
    box.enqueue("r1", items)
    # another connection (as after a restart) sees the rows already committed
    con = sqlite3.connect(tmp_path / "ob" / Outbox.DB_NAME)
    assert con.execute("SELECT COUNT(*) FROM items WHERE state='queued'").fetchone()[0] == 2
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()
    assert [s.sop_uid for s in box.status("r1")] == [u for u, _ in items]
    assert all(s.attempts == 0 and s.next_attempt is not None for s in box.status("r1"))
    box.enqueue("r1", items)  # a second "sign" click: same bytes, no new rows
    assert len(box.status("r1")) == 2
    with pytest.raises(OutboxError):
        box.enqueue("r1", [(items[0][0], items[1][1])])  # same UID, other content
    with pytest.raises(OutboxError):
        box.enqueue("r2", [])
    assert box.status("unknown") == []
    assert oct((tmp_path / "ob" / Outbox.DB_NAME).stat().st_mode & 0o777) == "0o600"


def test_sender_delivers_and_notifies(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "ob", key=KEY)
    seen: list[tuple[str, ItemState]] = []
    other: list[ItemState] = []

    def bad_listener(_status: object) -> None:
        raise RuntimeError("listener bug")

    box.subscribe(bad_listener)  # must not stop the others
    sub = box.subscribe(lambda s: seen.append((s.sop_uid, s.state)))
    box.subscribe(lambda s: other.append(s.state))
    with Receiver() as rx:
        sender = Sender(box, HttpCentre(rx.url), backoff=FAST, poll_s=0.1)
        sender.start()
        uid, data = make_instance()
        box.enqueue("r1", [(uid, data)])
        wait_until(lambda: _states(box, "r1") == [ItemState.SENT])
        assert sender.stop()
    assert rx.stored[uid] == data and rx.deliveries == 1
    assert [st for u, st in seen if u == uid] == [ItemState.QUEUED, ItemState.SENDING, ItemState.SENT]
    assert other[-1] == ItemState.SENT
    sub.unsubscribe()
    box.enqueue("r2", [make_instance()])
    assert len([s for s in seen]) == 3  # nothing after unsubscribe


def test_retryable_errors_back_off_then_succeed(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "ob", key=KEY)
    seen: list[tuple[ItemState, int, str]] = []
    box.subscribe(lambda s: seen.append((s.state, s.attempts, s.reason)))
    with Receiver() as rx:
        rx.script.extend([503, 502])
        sender = Sender(box, HttpCentre(rx.url), backoff=FAST, poll_s=0.1)
        box.enqueue("r1", [make_instance()])
        sender.start()
        wait_until(lambda: _states(box, "r1") == [ItemState.SENT])
        sender.stop()
    (st,) = box.status("r1")
    assert st.attempts == 3 and rx.refused == 2 and rx.deliveries == 1 and st.reason == ""
    assert seen == [
        (ItemState.QUEUED, 0, ""),
        (ItemState.SENDING, 1, ""), (ItemState.QUEUED, 1, "the centre answered 503"),
        (ItemState.SENDING, 2, "the centre answered 503"), (ItemState.QUEUED, 2, "the centre answered 502"),
        (ItemState.SENDING, 3, "the centre answered 502"), (ItemState.SENT, 3, ""),
    ]


def test_unreachable_stays_queued_with_reason(tmp_path: Path) -> None:
    from tests.fixtures.orthanc import free_port

    box = Outbox(tmp_path / "ob", key=KEY)
    sender = Sender(box, HttpCentre(f"http://127.0.0.1:{free_port()}/instances", timeout_s=2),
                    backoff=Backoff(base_s=0.01, cap_s=0.02, jitter=0.0), poll_s=0.1)
    box.enqueue("r1", [make_instance()])
    sender.start()
    wait_until(lambda: box.status("r1")[0].attempts >= 3)
    assert sender.stop()
    (st,) = box.status("r1")
    assert st.state == ItemState.QUEUED and st.reason == "the centre could not be reached"
    assert st.next_attempt is not None


def test_bad_data_dead_letters_and_retry_failed(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "ob", key=KEY)
    with Receiver() as rx:
        rx.script.append(400)
        sender = Sender(box, HttpCentre(rx.url), backoff=FAST, poll_s=0.1)
        box.enqueue("r1", [make_instance(), make_instance()])
        sender.start()
        wait_until(lambda: ItemState.FAILED in _states(box, "r1") and ItemState.QUEUED not in _states(box, "r1"))
        failed = [s for s in box.status("r1") if s.state == ItemState.FAILED]
        assert len(failed) == 1 and failed[0].reason == "the centre refused the instance (400)"
        assert failed[0].next_attempt is None and failed[0].attempts == 1
        assert box.retry_failed("r1") == 1
        wait_until(lambda: _states(box, "r1") == [ItemState.SENT, ItemState.SENT])
        sender.stop()
    assert len(rx.stored) == 2


def test_unconfirmed_uid_is_not_marked_sent(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "ob", key=KEY)
    with Receiver() as rx:
        rx.confirm_other_uid = True
        sender = Sender(box, HttpCentre(rx.url), backoff=FAST, poll_s=0.1)
        box.enqueue("r1", [make_instance()])
        sender.start()
        wait_until(lambda: _states(box, "r1") == [ItemState.FAILED])
        sender.stop()
    assert box.status("r1")[0].reason == "the centre did not confirm storing the instance"


def test_item_sending_at_crash_is_resent_and_duplicate_counts(tmp_path: Path) -> None:
    with Receiver() as rx:
        uid, data = make_instance()
        box = Outbox(tmp_path / "ob", key=KEY)
        box.enqueue("r1", [(uid, data)])
        # first life: the item goes on the wire, the centre stores it, the process dies
        # before recording the answer (state stays 'sending')
        claimed = box.claim_due()
        assert claimed is not None and claimed.sop_uid == uid and claimed.attempts == 1
        assert HttpCentre(rx.url).submit([claimed.data]) == [uid]
        box.close()
        box = Outbox(tmp_path / "ob", key=KEY)
        assert _states(box, "r1") == [ItemState.SENDING]
        sender = Sender(box, HttpCentre(rx.url), backoff=FAST, poll_s=0.1)
        sender.start()
        wait_until(lambda: _states(box, "r1") == [ItemState.SENT])
        sender.stop()
    assert rx.deliveries == 2 and rx.duplicates == 1 and rx.mismatched == 0


def test_stop_wakes_an_idle_sender(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "ob", key=KEY)
    sender = Sender(box, HttpCentre("http://127.0.0.1:9/instances"), poll_s=3600)
    sender.start()
    assert sender.running
    assert sender.stop(timeout=10)  # liveness: would hang for an hour without the wake-up
    assert not sender.running


def test_backoff_is_capped_and_grows() -> None:
    b = Backoff(base_s=1, factor=2, cap_s=8, jitter=0.25)
    rng = random.Random(1)
    assert [Backoff(1, 2, 8, 0).delay(n) for n in (1, 2, 3, 4, 5, 30)] == [1, 2, 4, 8, 8, 8]
    assert all(6 <= b.delay(40, rng) <= 8 for _ in range(100))


class _ScriptedCentre:
    """A centre whose submit answers from a script: an exception to raise or UIDs to confirm."""

    def __init__(self, *answers: object) -> None:
        self.answers = list(answers)

    def submit(self, instances: list[bytes]) -> list[str]:
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return list(answer)  # type: ignore[call-overload]


def test_send_one_returns_the_typed_outcome_it_recorded(tmp_path: Path) -> None:
    from worklist.centre import BadData, Unreachable
    from worklist.outbox import Delivery

    box = Outbox(tmp_path / "ob", key=KEY)
    uid, data = make_instance()
    box.enqueue("r1", [(uid, data)])
    sender = Sender(box, _ScriptedCentre(Unreachable("centre down"), BadData("refused (400)"), [uid]),
                    backoff=Backoff(base_s=5, factor=2, cap_s=5, jitter=0.0))
    retry = sender.send_one()
    assert retry is not None and retry.delivery is Delivery.RETRY and retry.retry_in_s == 5
    assert retry.reason == "centre down" and box.item_status(uid).state == ItemState.QUEUED
    assert 4.0 < box.next_due_in() <= 5.0 and sender.send_one() is None  # not due yet
    box.retry_failed("r1")  # nothing failed yet: changes nothing
    box.mark_retry(uid, "centre down", 0.0)  # due now, as if the backoff had passed
    failed = sender.send_one()
    assert failed.delivery is Delivery.FAILED and box.item_status(uid).reason == "refused (400)"
    assert box.retry_failed("r1") == 1
    sent = sender.send_one()
    assert sent.delivery is Delivery.SENT and box.item_status(uid).state == ItemState.SENT
    assert box.item_status(uid).attempts == 3 and sender.send_one() is None


def test_wait_for_change_sees_a_change_made_before_it_waits(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "ob", key=KEY)
    box.enqueue("r1", [make_instance()])
    assert box.wait_for_change(10.0) is True   # the enqueue above, not lost
    assert box.wait_for_change(0.01) is False  # nothing since


def test_concurrent_enqueue_from_threads(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "ob", key=KEY)
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        try:
            for j in range(10):
                box.enqueue(f"r{k}-{j}", [make_instance(size=100)])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and box.pending_count() == 40


# --- kill -9 ---------------------------------------------------------------------------

KILLS = int(os.environ.get("YOMI_KILL9_KILLS", "55"))


def _child(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tests.infra.outbox_child", *args], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})


def _kill_cycles(tmp_path: Path, url: str, kills: int, seed: int, env: dict[str, str] | None = None
                 ) -> tuple[set[str], dict]:
    """Start a child, let it enqueue and send for a random time, kill -9; repeat; then drain.

    Returns the acknowledged UIDs (enqueue had returned) and the drain summary.
    """
    rng = random.Random(seed)
    outbox_dir, journal = tmp_path / "ob", tmp_path / "journal.txt"
    for _ in range(kills):
        proc = _child("work", str(outbox_dir), url, str(journal), str(rng.randrange(1 << 30)), "4", env=env)
        line = proc.stdout.readline()  # blocks until the child's sender runs
        assert line.strip() == "ready", proc.stderr.read()
        threading.Event().wait(rng.random() * 0.5)  # a random point in enqueue/send
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()
        assert proc.returncode == -signal.SIGKILL
    drain = _child("drain", str(outbox_dir), url, env=env)
    out, err = drain.communicate(timeout=180)
    assert drain.returncode == 0, err
    acknowledged: set[str] = set()
    for line in journal.read_text().splitlines():
        acknowledged.update(line.split()[1:])
    summary = json.loads(out)
    summary["attempts"] = sum(s.attempts for s in Outbox(outbox_dir, key=KEY).all_status())
    return acknowledged, summary


def _record(name: str, figures: dict) -> None:
    print(f"\n{name} figures:", json.dumps(figures))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.json").write_text(json.dumps(figures, indent=1))


def test_kill9_never_loses_an_item(tmp_path: Path) -> None:
    with Receiver(fail_rate=0.15, max_delay_s=0.03, seed=7) as rx:
        acknowledged, summary = _kill_cycles(tmp_path, rx.url, KILLS, seed=20240611)
    in_outbox = set(summary["uids"])
    lost = acknowledged - set(rx.stored)
    _record("outbox-kill9", {
        "kills": KILLS, "acknowledged_items": len(acknowledged), "items_in_outbox": len(in_outbox),
        "send_attempts": summary["attempts"], "deliveries": rx.deliveries, "duplicates": rx.duplicates,
        "refused_503": rx.refused, "stored": len(rx.stored), "lost": len(lost),
        "byte_mismatched_duplicates": rx.mismatched,
    })
    assert KILLS >= 50 and acknowledged
    assert not lost, f"{len(lost)} acknowledged items never reached the centre"
    assert acknowledged <= in_outbox and in_outbox == set(rx.stored)
    assert summary["states"] == {"sent": len(in_outbox)}
    assert rx.mismatched == 0
    assert rx.deliveries == len(rx.stored) + rx.duplicates


@pytest.mark.orthanc
def test_kill9_against_real_orthanc(tmp_path: Path) -> None:
    from tests.fixtures.orthanc import start_orthanc

    try:
        server = start_orthanc(tmp_path / "orthanc")
    except RuntimeError as exc:
        pytest.skip(f"Orthanc cannot start here: {exc}")
    try:
        acknowledged, summary = _kill_cycles(
            tmp_path, server.dicomweb_url, int(os.environ.get("YOMI_KILL9_ORTHANC_KILLS", "20")), seed=99,
            env={"YOMI_TEST_STOW_AUTH": f"{server.user}:{server.password}"})
        held = {i["MainDicomTags"]["SOPInstanceUID"] for i in server.rest("/instances?expand").json()}
    finally:
        server.stop()
    in_outbox = set(summary["uids"])
    lost = acknowledged - held
    _record("outbox-kill9-orthanc", {
        "kills": int(os.environ.get("YOMI_KILL9_ORTHANC_KILLS", "20")),
        "acknowledged_items": len(acknowledged), "items_in_outbox": len(in_outbox),
        "send_attempts": summary["attempts"], "stored_in_orthanc": len(held), "lost": len(lost),
    })
    assert acknowledged and not lost
    assert acknowledged <= in_outbox and in_outbox == held  # one instance per UID, none extra
    assert summary["states"] == {"sent": len(in_outbox)}
