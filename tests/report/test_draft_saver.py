"""The draft autosave writes on its own thread, one draft at a time, newest wins, and a flush
leaves every change on disk. Real sealed files; the test only watches the writes (which
thread, how many) and can hold the writer at a gate."""
from __future__ import annotations

import json
import threading

import pytest

from app.report.draft_saver import DraftSaver
from app.report.draft_store import DraftStore
from app.report.editing import EditSession
from app.report.errors import DraftStoreError
from app.report.sealed_files import KeysUnavailable, ReaderSecret
from tests.report.conftest import make_report

KEY = bytes(range(32))


class Keys:
    """The reader's secret as a session gives it: gone while locked."""

    def __init__(self) -> None:
        self.held = True

    def __call__(self) -> bytes:
        if not self.held:
            raise KeysUnavailable("the keys of reader sato are not held (locked)")
        return KEY


@pytest.fixture
def keys():
    return Keys()


@pytest.fixture
def store(tmp_path, keys):
    return DraftStore(tmp_path / "drafts", ReaderSecret("sato", keys))


@pytest.fixture
def writes(store, monkeypatch):
    """Each sealed write: (thread, the draft's impression); `gate` holds the writer until set."""
    real = store.folder.write
    seen: list[tuple[threading.Thread, object]] = []
    gate = threading.Event()
    gate.set()

    def watched(name, data):
        seen.append((threading.current_thread(), json.loads(data)["fields"].get("impression")))
        assert gate.wait(20), "the test never opened the gate"
        return real(name, data)

    monkeypatch.setattr(store.folder, "write", watched)
    return seen, gate


def _on_disk(store, report_id):
    return DraftStore(store.directory, store.folder.secret).load(report_id)


def test_changes_are_written_on_the_savers_thread_newest_wins(store, writes):
    seen, gate = writes
    saver = DraftSaver(store)
    session = EditSession(make_report(), saver)
    gate.clear()
    session.set_field("impression", "a")            # the writer takes this one and waits at the gate
    while not seen:
        threading.Event().wait(0.01)
    for text in ("ab", "abc", "abcd", "abcde"):      # typed meanwhile: only the newest is kept
        session.set_field("impression", text)
    assert not saver.idle
    gate.set()
    assert saver.flush(10)
    assert [t for t, _ in seen] == [saver._thread] * 2 and saver._thread is not threading.main_thread()
    assert [text for _, text in seen] == ["a", "abcde"]
    assert _on_disk(store, session.report.report_id).fields["impression"] == "abcde"
    saver.close()


def test_a_deletion_replaces_a_pending_write_and_a_later_save_wins_again(store, writes):
    seen, gate = writes
    saver = DraftSaver(store)
    report = make_report()
    other = make_report()
    gate.clear()
    saver.save(other)                     # held at the gate
    while not seen:
        threading.Event().wait(0.01)
    saver.save(report)
    saver.delete(report.report_id)        # the template changed: the pending write must not land
    gate.set()
    assert saver.flush(10)
    assert not store.path(report.report_id).exists() and store.path(other.report_id).exists()
    report.set_field("impression", "again")
    saver.save(report)
    saver.delete(other.report_id)
    assert saver.flush(10)
    assert _on_disk(store, report.report_id).fields["impression"] == "again"
    assert not store.path(other.report_id).exists()
    saver.close()


def test_a_draft_waits_for_the_keys_and_is_written_once_they_are_back(store, keys):
    saver = DraftSaver(store)
    report = make_report()
    report.set_field("impression", "typed just before the lock")
    keys.held = False
    saver.save(report)
    assert saver.flush(10)                # nothing can be sealed now, nothing is lost either
    assert not store.path(report.report_id).exists()
    keys.held = True
    saver.retry()                          # the unlock
    assert saver.flush(10)
    assert _on_disk(store, report.report_id).fields["impression"] == "typed just before the lock"
    saver.close()


def test_a_failed_write_is_told_to_the_listeners_through_post(store, tmp_path):
    posted, told = [], []
    saver = DraftSaver(store, post=posted.append)
    saver.subscribe(told.append)
    store.directory.rmdir()
    store.directory.write_bytes(b"not a folder")   # the drafts folder is gone, a file in its place
    report = make_report()
    saver.save(report)
    assert saver.flush(10)
    assert told == [] and len(posted) == 1         # delivered on the shell's thread, not the writer's
    posted[0]()
    assert len(told) == 1 and isinstance(told[0], DraftStoreError) and report.report_id in str(told[0])
    saver.close()


def test_close_flushes_and_later_saves_are_written_at_once(store, writes):
    seen, _gate = writes
    saver = DraftSaver(store)
    report = make_report()
    report.set_field("impression", "last words")
    saver.save(report)
    saver.close()
    assert _on_disk(store, report.report_id).fields["impression"] == "last words"
    report.set_field("impression", "after close")
    saver.save(report)                      # nothing runs in the background any more
    assert seen[-1] == (threading.current_thread(), "after close")
    assert _on_disk(store, report.report_id).fields["impression"] == "after close"
