"""The report draft is autosaved off the GUI thread: typing in the real report dock seals and
writes the draft on the autosave's thread (app/report/draft_saver.py), never the GUI's, and
closing the window leaves the last text on disk, so the next window restores it.

Every sealed write is watched (which thread wrote which text); nothing is replaced.
"""
from __future__ import annotations

import json
import threading

import pytest

from app.demo import DEMO_READER
from app.report.sealed_files import SealedFolder
from tests.report_gui.helpers import make_window, open_study, screenshot

REAL_CT = "Lung_Dx-A0001"


@pytest.fixture
def draft_writes(monkeypatch):
    """(thread, impression) of every sealed draft write, in order."""
    real = SealedFolder.write
    seen: list[tuple[threading.Thread, object]] = []

    def watched(self, name, data):
        if name.endswith(".yd"):
            seen.append((threading.current_thread(), json.loads(data)["fields"].get("impression")))
        return real(self, name, data)

    monkeypatch.setattr(SealedFolder, "write", watched)
    return seen


def test_typing_saves_the_draft_off_the_gui_thread_and_close_then_reopen_restores_it(
        qtbot, windows, demo, outbox, draft_writes, artifacts):
    win = make_window(qtbot, windows, demo.centre, DEMO_READER, outbox=outbox)
    open_study(qtbot, win, REAL_CT)
    rid = win.report_panel.report.report_id
    edit = win.report_panel.editor.bindings["impression"].edit
    edit.setFocus()
    text = "No nodule. Mild emphysema in both upper lobes."
    qtbot.keyClicks(edit, text)      # each key is a change of the model, handed to the autosave
    assert win.report_panel.report.fields["impression"] == text
    qtbot.waitUntil(lambda: draft_writes and draft_writes[-1][1] == text, timeout=10000)
    assert all(t is not threading.main_thread() for t, _ in draft_writes)
    assert {t.name for t, _ in draft_writes} == {"yomi-draft-save"}
    # newest wins: a write that was still pending when the next key came is never made
    assert len(draft_writes) <= len(text)

    qtbot.keyClicks(edit, " END")
    win.close()                       # the last keys are on disk once the window is closed
    assert draft_writes[-1][1] == text + " END"
    assert all(t is not threading.main_thread() for t, _ in draft_writes)

    again = make_window(qtbot, windows, demo.centre, DEMO_READER, outbox=outbox)
    open_study(qtbot, again, REAL_CT)
    restored = again.report_panel
    assert restored.report.report_id == rid
    assert restored.report.fields["impression"] == text + " END"
    assert restored.editor.bindings["impression"].edit.toPlainText() == text + " END"
    assert text + " END" in restored.preview.toPlainText()
    qtbot.wait(100)
    screenshot(again, artifacts / "draft-restored-after-close.png")
    # opening drafts again wrote nothing on the GUI thread either
    assert all(t is not threading.main_thread() for t, _ in draft_writes)
