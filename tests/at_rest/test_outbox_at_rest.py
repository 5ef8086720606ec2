"""The outbox keeps no payload in clear, pauses while locked, erases what the centre confirmed,
retries transient STOW failures, dead-letters permanent ones, and is safe for two processes."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.at_rest.stow_server import StowServer
from tests.infra.conftest import REPO, wait_until
from tests.infra.standin import HttpCentre, Receiver, make_instance
from worklist.outbox import Backoff, Delivery, ItemState, Outbox, OutboxLocked, Sender, is_transient_failure

KEY, OTHER = bytes(range(32)), bytes(range(2, 34))
FAST = Backoff(base_s=0.01, factor=2.0, cap_s=0.05, jitter=0.0)


def _db_bytes(directory: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(directory.iterdir()) if p.name.startswith(Outbox.DB_NAME))


def test_payloads_are_sealed_and_erased_once_confirmed(tmp_path):
    box = Outbox(tmp_path / "ob", key=KEY)
    uid, data = make_instance(size=3000)
    marker = b"outbox test outbox test"
    assert marker in data
    box.enqueue("r1", [(uid, data)])
    assert marker not in _db_bytes(tmp_path / "ob")  # not in the database nor its WAL
    for p in (tmp_path / "ob").iterdir():
        assert (p.stat().st_mode & 0o777) == 0o600, p.name
    assert ((tmp_path / "ob").stat().st_mode & 0o777) == 0o700
    with Receiver() as rx:
        sender = Sender(box, HttpCentre(rx.url), backoff=FAST, poll_s=0.05)
        sender.start()
        wait_until(lambda: box.item_status(uid).state is ItemState.SENT)
        sender.stop()
    assert rx.stored[uid] == data  # the centre got the clear bytes
    assert not box.payload_held(uid)
    box.enqueue("r1", [(uid, data)])  # the tombstone keeps a re-enqueue a no-op ...
    assert box.item_status(uid).state is ItemState.SENT
    with pytest.raises(Exception):
        box.enqueue("r1", [(uid, data + b"x")])  # ... and other bytes under the UID refused


def test_a_retention_time_keeps_the_payload_until_purged(tmp_path):
    now = [1000.0]
    box = Outbox(tmp_path / "ob", key=KEY, clock=lambda: now[0], retain_sent_s=3600)
    uid, data = make_instance()
    box.enqueue("r1", [(uid, data)])
    box.mark_sent(uid)
    assert box.payload_held(uid) and box.purge_sent() == 0
    now[0] += 3601
    assert box.purge_sent() == 1 and not box.payload_held(uid)


def test_locked_outbox_sends_nothing_and_queues_nothing_until_unlocked(tmp_path):
    box = Outbox(tmp_path / "ob", key=KEY)
    uid, data = make_instance()
    box.enqueue("r1", [(uid, data)])
    box.lock()
    assert box.claim_due() is None and box.next_due_in() is None
    with pytest.raises(OutboxLocked):
        box.enqueue("r2", [make_instance()])
    box.unlock(OTHER)  # another reader: their key does not open this item
    assert box.claim_due() is None
    box.unlock(KEY)
    due = box.claim_due()
    assert due is not None and due.sop_uid == uid and due.data == data


def test_a_payload_altered_on_disk_is_dead_lettered_not_sent(tmp_path):
    import sqlite3

    box = Outbox(tmp_path / "ob", key=KEY)
    uid, data = make_instance()
    box.enqueue("r1", [(uid, data)])
    con = sqlite3.connect(tmp_path / "ob" / Outbox.DB_NAME)
    blob = con.execute("SELECT data FROM items WHERE sop_uid=?", (uid,)).fetchone()[0]
    con.execute("UPDATE items SET data=? WHERE sop_uid=?", (blob[:-1] + bytes([blob[-1] ^ 1]), uid))
    con.commit()
    con.close()
    assert box.claim_due() is None
    st = box.item_status(uid)
    assert st.state is ItemState.FAILED and "authentication" in st.reason


@pytest.mark.parametrize("code, transient", [
    ("0xA700", True), ("0xA7FF", True), ("A701", True), ("0x0110", True),
    ("0xA900", False), ("0xC000", False), ("0x0122", False), ("0x0124", False), ("not acknowledged", False),
])
def test_failure_reason_classes(code, transient):
    assert is_transient_failure(code) is transient


@pytest.mark.parametrize("answers, outcome", [
    ([(503, None)], Delivery.RETRY),
    ([(202, "A700")], Delivery.RETRY),        # some stored, ours out of resources
    ([(200, "0110")], Delivery.RETRY),        # processing failure inside a 200 answer
    ([(409, "A700")], Delivery.RETRY),
    ([(202, "A900")], Delivery.FAILED),       # does not match the SOP class
    ([(409, "0122")], Delivery.FAILED),       # SOP class not supported
    ([(400, "C000")], Delivery.FAILED),
    ([(200, None)], Delivery.SENT),
])
def test_each_stow_answer_is_retried_or_dead_lettered(tmp_path, answers, outcome):
    from worklist.dicomweb import ClientSettings, DicomWebClient
    from worklist.dicomweb_centre import DicomWebCentre

    box = Outbox(tmp_path / "ob", key=KEY)
    uid, data = make_instance()
    box.enqueue("r1", [(uid, data)])
    with StowServer() as server:
        server.script.extend(answers)
        client = DicomWebClient(ClientSettings(server.url, "reader", "secret", retries=0, backoff=0.01))
        try:
            got = Sender(box, DicomWebCentre("test", client, None), backoff=FAST).send_one()
        finally:
            client.close()
    assert got.delivery is outcome, got
    st = box.item_status(uid)
    if outcome is Delivery.FAILED:
        assert st.state is ItemState.FAILED and answers[0][1] in st.reason  # the reason is shown
    elif outcome is Delivery.RETRY:
        assert st.state is ItemState.QUEUED and st.reason
        assert answers[0][1] is None or answers[0][1] in st.reason


def test_two_processes_sharing_one_outbox_send_each_item_once(tmp_path):
    box = Outbox(tmp_path / "ob", key=KEY)
    items = [make_instance(size=200) for _ in range(40)]
    for k, item in enumerate(items):
        box.enqueue(f"r{k}", [item])
    with Receiver(max_delay_s=0.01, seed=3) as rx:
        code = ("import sys; from tests.infra.standin import HttpCentre; "
                "from worklist.outbox import Outbox, Sender, Backoff; "
                "box = Outbox(sys.argv[1], key=bytes(range(32))); "
                "s = Sender(box, HttpCentre(sys.argv[2]), poll_s=0.02); s.start(); "
                "import time; t = time.monotonic()\n"
                "while box.pending_count() and time.monotonic() - t < 60: time.sleep(0.02)\n"
                "s.stop()")
        procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "ob"), rx.url], cwd=REPO,
                                  env={**os.environ, "PYTHONPATH": str(REPO)}) for _ in range(2)]
        for p in procs:
            assert p.wait(timeout=90) == 0
    assert set(rx.stored) == {u for u, _ in items}
    assert rx.deliveries == len(items) and rx.duplicates == 0  # no item went out twice
    assert all(s.state is ItemState.SENT for s in box.all_status())
