"""Drafts saved atomically at every change, restored after a crash, undo/redo in the model."""
import json
import os
import subprocess
import sys
import textwrap

import pytest

from app.report.draft_store import DraftStore
from app.report.editing import EditSession
from app.report.errors import DraftStoreError
from app.report.sealed_files import ReaderSecret
from tests.report.conftest import REPO, make_report
from tests.report.test_model import nodule

KEY = bytes(range(32))  # the reader's secret (a Session's cache_key() on the station)


def _store(path, key=KEY, reader="sato"):
    return DraftStore(path, ReaderSecret(reader, lambda: key))


def _clear(store, report_id):
    """The draft's JSON, opened with the store's key."""
    return json.loads(store.folder.read(store.path(report_id).name))


def test_every_change_is_saved_and_restorable(tmp_path):
    store = _store(tmp_path)
    s = EditSession(make_report(), store)
    s.set_field("emphysema", "mild")
    s.add_nodule(nodule())
    restored = _store(tmp_path).restore()
    assert len(restored) == 1 and restored[0].to_dict() == s.report.to_dict()
    assert (os.stat(store.path(s.report.report_id)).st_mode & 0o777) == 0o600


def test_default_store_lives_in_the_user_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("YOMI_DATA_DIR", str(tmp_path))
    store = DraftStore.default(ReaderSecret("sato", lambda: KEY))
    assert store.directory.parent == tmp_path / "drafts" and "sato" not in store.directory.name
    assert (store.directory.stat().st_mode & 0o777) == 0o700


def test_crash_between_writes_keeps_the_previous_draft(tmp_path):
    store = _store(tmp_path)
    r = make_report()
    r.set_field("emphysema", "mild")
    path = store.save(r)
    before = path.read_bytes()
    # A real process dies inside the next save, after the temp file is written and before the rename.
    child = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(REPO)!r})
        from app.report.draft_store import DraftStore
        from app.report.sealed_files import ReaderSecret
        store = DraftStore({str(tmp_path)!r}, ReaderSecret("sato", lambda: {KEY!r}))
        r = store.load({r.report_id!r})
        r.set_field("emphysema", "severe")
        os.replace = lambda *a, **k: os._exit(9)
        store.save(r)
    """)
    proc = subprocess.run([sys.executable, "-c", child], cwd=REPO, capture_output=True)
    assert proc.returncode == 9, proc.stderr.decode()
    assert path.read_bytes() == before
    assert list(tmp_path.glob(".*.tmp"))  # the torn write is there ...
    restored = store.restore()
    assert restored[0].fields["emphysema"] == "mild"  # ... and ignored
    assert not list(tmp_path.glob(".*.tmp"))


def test_corrupt_draft_is_reported_not_loaded(tmp_path, caplog):
    store = _store(tmp_path)
    good = make_report()
    store.save(good)
    (tmp_path / "deadbeef.yd").write_text("{not json", encoding="utf-8")
    assert [r.report_id for r in store.restore()] == [good.report_id]
    with pytest.raises(DraftStoreError):
        store.load("deadbeef")
    assert "deadbeef.yd" in caplog.text


def test_draft_list_holds_no_personal_data(tmp_path):
    store = _store(tmp_path)
    store.save(make_report())
    info = store.list()[0]
    assert "Yamada" not in repr(info) and info.study_uid.startswith("1.2.")


def test_undo_redo(tmp_path):
    store = _store(tmp_path)
    s = EditSession(make_report(), store)
    seen = []
    unsubscribe = s.subscribe(lambda rep: seen.append(len(rep.nodules)))
    s.add_nodule(nodule())
    s.update_nodule(0, long_mm=9.0)
    s.override("lung-rads-2022", "4B", "reason")
    assert s.report.nodules[0].long_mm == 9
    assert s.undo() and "lung-rads-2022" not in s.report.overrides
    assert s.undo() and s.report.nodules[0].long_mm == 7
    assert _clear(store, s.report.report_id)["nodules"][0]["long_mm"] == "7.0"
    assert s.redo() and s.report.nodules[0].long_mm == 9
    assert s.undo() and s.undo() and not s.report.nodules and not s.can_undo
    assert not s.undo()
    s.set_field("emphysema", "mild")
    assert not s.can_redo  # a new change clears redo
    unsubscribe()
    s.set_field("emphysema", "none")
    # add, edit, override, undo, undo, redo, undo, undo, set; nothing after unsubscribing
    assert seen == [1, 1, 1, 1, 1, 1, 1, 0, 0]


def test_refused_change_leaves_no_undo_step(tmp_path):
    s = EditSession(make_report(), _store(tmp_path))
    with pytest.raises(Exception):
        s.set_field("emphysema", "huge")
    assert not s.can_undo
