"""The reading workflow follows the reader's session: lock drops every key and pauses sending,
unlock gives them back, logout and give-back purge the study; at start-up signed outputs are
reconciled with the outbox; once the centre confirms a report its files are deleted.
Real Session (real user store, scrypt), real demo centre, real outbox + Sender, real signing."""
from __future__ import annotations

import json

import pydicom
import pytest

from app.demo import DEMO_READER, prepare_demo
from app.reading import events as ev
from app.reading.controller import ReadingController
from app.reading.delivery import SignedOutputsInconsistent, SignedOutputsPurged, SignedOutputsRequeued
from app.report.draft_store import DraftStore
from app.report.errors import DraftStoreError
from app.report.sealed_files import Purpose, ReaderSecret
from tests.at_rest.scan import KNOWN_PATIENTS, PatientFixture, scan
from tests.infra.standin import make_instance
from tests.report.conftest import JP_NAME, fill_required
from worklist.cache import StudyCache
from worklist.outbox import ItemState, Outbox, Sender

PASSWORD = "Correct-Horse-Battery-42"


@pytest.fixture
def session(tmp_path):
    from app.audit import AuditLog
    from app.session import Session, UserStore, add_user

    store = UserStore(tmp_path / "users.json")
    add_user(store, "sato", PASSWORD, "Sato Hanako", "Sato^Hanako=佐藤^花子", must_change_password=False)
    s = Session(store, audit_log=AuditLog(tmp_path / "audit.jsonl"))
    s.login("sato", PASSWORD)
    return s


@pytest.fixture
def demo(tmp_path):
    return prepare_demo(tmp_path / "centre").centre


def _controller(demo, inbox, session, outbox, cache=None):
    c = ReadingController(demo, DEMO_READER, post=inbox.post, outbox=outbox, cache=cache, session=session)
    c.subscribe(inbox.record)
    return c


def test_lock_drops_the_keys_unlock_restores_them_logout_purges(demo, inbox, session, tmp_path):
    outbox = Outbox(tmp_path / "outbox")
    cache = StudyCache(tmp_path / "cache", "sato", session.cache_key(), max_bytes=10**8, ttl_seconds=3600)
    c = _controller(demo, inbox, session, outbox, cache)
    drafts = DraftStore.default(c.secret)
    try:
        assert outbox.unlocked and not cache.locked
        c.refresh()
        inbox.until(lambda: inbox.of(ev.WorklistUpdated))
        item = inbox.of(ev.WorklistUpdated)[0].items[0]
        c.open(item)
        inbox.until(lambda: inbox.of(ev.StudyClaimed))
        uid, data = make_instance(study_uid=item.study_uid)
        cache.put(item.study_uid, uid, data)

        session.lock()
        assert cache.locked and not outbox.unlocked and not c.secret.available
        assert cache.get(item.study_uid, uid) is None
        with pytest.raises(DraftStoreError):
            drafts.list() or drafts.save(_report(item.study_uid))

        session.unlock(PASSWORD)
        assert not cache.locked and outbox.unlocked and c.secret.available
        assert cache.get(item.study_uid, uid) == data

        session.lock()  # "Log out" on the lock screen: the cache has no key by then
        session.logout()
        assert cache.locked and not outbox.unlocked
    finally:
        c.close()
    # the study being read was purged at logout: a new login finds nothing of it
    from app.session import Session

    s2 = Session(session.store)
    s2.login("sato", PASSWORD)
    fresh = StudyCache(tmp_path / "cache", "sato", s2.cache_key(), max_bytes=10**8, ttl_seconds=3600)
    assert fresh.sop_uids(item.study_uid) == []


def test_give_back_purges_the_study_from_the_cache(demo, inbox, session, tmp_path):
    cache = StudyCache(tmp_path / "cache", "sato", session.cache_key(), max_bytes=10**8, ttl_seconds=3600)
    c = _controller(demo, inbox, session, Outbox(tmp_path / "outbox"), cache)
    try:
        c.refresh()
        inbox.until(lambda: inbox.of(ev.WorklistUpdated))
        item = inbox.of(ev.WorklistUpdated)[0].items[0]
        c.open(item)
        inbox.until(lambda: inbox.of(ev.StudyClaimed))
        uid, data = make_instance(study_uid=item.study_uid)
        cache.put(item.study_uid, uid, data)
        c.give_back()
        inbox.until(lambda: inbox.of(ev.StudyGivenBack))
        assert cache.sop_uids(item.study_uid) == []
    finally:
        c.close()


def _report(study_uid: str):
    from app.report.identity import StudyIdentity
    from app.report.model import Report
    from app.report.templates import load_template

    r = Report(load_template("lung-screening-ldct"),
               StudyIdentity(study_uid, "PID-0001", JP_NAME, "19500401", "M", "ACC-9", "20240105", "101500", "S1"),
               "ja")
    fill_required(r)
    return r


def _sign_without_queueing(study_uid: str, secret: ReaderSecret, signed_root):
    """What a process killed between writing the signed outputs and queuing them leaves."""
    from app.report.identity import Signer
    from app.report.signing import sign

    report = _report(study_uid)
    drafts = DraftStore.default(secret)
    drafts.save(report)
    sign(report, Signer("Sato^Hanako=佐藤^花子", "sato", "Yomi"), signed_root, secret=secret)
    return report


def test_signed_but_never_queued_is_queued_at_start_delivered_then_deleted(demo, inbox, session, tmp_path):
    secret = ReaderSecret.of_session(session)
    from app.paths import data_dir, signed_dir

    study = demo.worklist()[0].study_uid
    report = _sign_without_queueing(study, secret, signed_dir("sato"))
    folder = signed_dir("sato") / report.report_id
    assert folder.is_dir() and not DraftStore.default(secret).load(report.report_id).is_signed
    patient = PatientFixture(JP_NAME, "19500401", "PID-0001")
    assert not scan(data_dir(), tmp_path / "outbox", [patient, *KNOWN_PATIENTS])  # sealed on disk

    outbox = Outbox(tmp_path / "outbox")
    c = _controller(demo, inbox, session, outbox)
    sender = Sender(outbox, demo, poll_s=0.05)
    try:
        inbox.until(lambda: inbox.of(SignedOutputsRequeued))
        assert DraftStore.default(secret).load(report.report_id).is_signed  # can no longer be signed twice
        sent = {s.sop_uid for s in outbox.status(report.report_id)}
        assert len(sent) == 2
        assert not scan(data_dir(), tmp_path / "outbox", [patient])  # the outbox holds it sealed
        c.delivery.load(report.report_id)
        sender.start()
        inbox.until(lambda: inbox.of(SignedOutputsPurged), timeout_s=60)
        assert not folder.exists()
        assert not DraftStore.default(secret).path(report.report_id).exists()
        assert all(not outbox.payload_held(u) for u in sent)
        received = {str(pydicom.dcmread(p, stop_before_pixels=True).SOPInstanceUID) for p in demo.received()}
        assert sent <= received
    finally:
        sender.stop()
        c.close()


def test_unreadable_signed_outputs_are_flagged_not_sent(demo, inbox, session, tmp_path):
    from app.paths import signed_dir
    from app.report.signing import REPORT_JSON

    secret = ReaderSecret.of_session(session)
    study = demo.worklist()[0].study_uid
    report = _sign_without_queueing(study, secret, signed_dir("sato"))
    done = signed_dir("sato") / report.report_id / REPORT_JSON
    blob = bytearray(done.read_bytes())
    blob[-1] ^= 1
    done.write_bytes(bytes(blob))
    outbox = Outbox(tmp_path / "outbox")
    c = _controller(demo, inbox, session, outbox)
    try:
        inbox.until(lambda: inbox.of(SignedOutputsInconsistent))
        (flag,) = inbox.of(SignedOutputsInconsistent)
        assert flag.report_id == report.report_id and report.report_id in flag.reason
        assert outbox.status(report.report_id) == []
    finally:
        c.close()


def test_outputs_that_disagree_with_the_outbox_are_flagged(demo, inbox, session, tmp_path):
    from app.paths import signed_dir

    secret = ReaderSecret.of_session(session)
    study = demo.worklist()[0].study_uid
    report = _sign_without_queueing(study, secret, signed_dir("sato"))
    outbox = Outbox(tmp_path / "outbox", key=secret.key(Purpose.OUTBOX))
    outbox.enqueue(report.report_id, [make_instance(study_uid=study)])  # another UID under the id
    c = _controller(demo, inbox, session, outbox)
    try:
        inbox.until(lambda: inbox.of(SignedOutputsInconsistent))
        assert "outbox holds" in inbox.of(SignedOutputsInconsistent)[0].reason
        assert len(outbox.status(report.report_id)) == 1
        assert json.dumps([s.state.value for s in outbox.status(report.report_id)]) == json.dumps(
            [ItemState.QUEUED.value])
    finally:
        c.close()


def test_a_draft_handed_to_the_autosave_just_before_the_idle_lock_is_sealed_before_the_key_drops(
        demo, inbox, tmp_path, monkeypatch):
    """The controller's DraftSaver is flushed by the session before the lock drops the key, even
    when the idle time has run out under the writer's feet (the GUI thread locks; the writer,
    held at a gate, seals once it is let go)."""
    import threading

    from app.audit import AuditLog
    from app.session import Session, SessionState, UserStore, add_user
    from tests.session_support import FAST, Clock

    store = UserStore(tmp_path / "users.json", scrypt=FAST)
    add_user(store, "sato", PASSWORD, "Sato Hanako", "Sato^Hanako", must_change_password=False)
    clock = Clock(0.0)
    session = Session(store, audit_log=AuditLog(tmp_path / "audit.jsonl"), idle_timeout_s=300, clock=clock)
    session.login("sato", PASSWORD)
    c = _controller(demo, inbox, session, Outbox(tmp_path / "outbox"))
    folder = c.drafts.store.folder
    real, gate, writers = folder.write, threading.Event(), []

    def watched(name, data):
        writers.append(threading.current_thread())
        assert gate.wait(20)
        return real(name, data)

    monkeypatch.setattr(folder, "write", watched)
    try:
        report = _report("1.2.826.0.1.3680043.8.498.1")
        report.set_field("impression", "typed a moment before the lock")
        c.drafts.save(report)
        while not writers:
            threading.Event().wait(0.01)
        clock.t = 301.0                                  # idle: the next check locks
        threading.Timer(0.3, gate.set).start()
        assert session.is_locked()                       # the GUI thread's tick: flush, then lock
        assert session.state is SessionState.LOCKED and not c.secret.available
        assert writers[0] is not threading.main_thread()
        session.unlock(PASSWORD)
        kept = DraftStore.default(c.secret).load(report.report_id)
        assert kept.fields["impression"] == "typed a moment before the lock"
    finally:
        gate.set()
        c.close()
