"""The keymap without Qt: key spelling, defaults < site < user files, conflicts, reset, saving."""
from __future__ import annotations

import json

import pytest

from app.keymap.defaults import DEFAULTS, Context
from app.keymap.keys import BadKey, KeyProblem, normalize_key
from app.keymap.model import KeyConflict, Keymap, KeymapError, KeymapProblem, load_keymap, save_user_keymap


def _write(path, bindings) -> object:
    path.write_text(json.dumps({"bindings": bindings}), encoding="utf-8")
    return path


@pytest.mark.parametrize("text, canon", [
    ("control+shift+n", "Ctrl+Shift+N"), ("Shift+Ctrl+N", "Ctrl+Shift+N"), ("pageup", "PgUp"),
    ("Delete", "Del"), ("+", "+"), ("Ctrl++", "Ctrl++"), ("f12", "F12"), ("[", "["), (" e ", "E"),
])
def test_one_spelling_per_key(text, canon):
    assert normalize_key(text) == canon


@pytest.mark.parametrize("text, problem", [
    ("", KeyProblem.EMPTY), ("Ctrl+", KeyProblem.NO_KEY), ("Hyper+K", KeyProblem.UNKNOWN_MODIFIER),
    ("Ctrl+Banana", KeyProblem.UNKNOWN_KEY), ("Ctrl+K, Ctrl+C", KeyProblem.CHORD),
])
def test_keys_that_are_not_keys_are_refused_with_the_reason(text, problem):
    with pytest.raises(BadKey) as err:
        normalize_key(text)
    assert err.value.problem is problem and err.value.text == text


def test_the_defaults_are_valid_unique_and_free_of_conflicts():
    ids = [s.id for s in DEFAULTS]
    assert len(ids) == len(set(ids))
    keymap = Keymap()
    assert keymap.all_conflicts() == []
    # the layouts left F1 for the shortcut sheet
    assert keymap.keys("help.shortcuts") == ("F1",)
    assert keymap.keys("view.layout_single") == ("Ctrl+1",) and keymap.keys("view.layout_mpr") == ("Ctrl+2",)


def test_site_overrides_defaults_and_the_reader_overrides_the_site(tmp_path):
    site = _write(tmp_path / "site.json", {"study.next": ["Ctrl+Right"], "view.slice_next": ["Up", "K"]})
    user = _write(tmp_path / "user.json", {"study.next": ["ctrl+shift+right"]})
    loaded = load_keymap(site, user)
    km = loaded.keymap
    assert loaded.errors == []
    assert km.keys("study.next") == ("Ctrl+Shift+Right",)       # the reader's
    assert km.keys("view.slice_next") == ("Up", "K")             # the site's
    assert km.keys("study.give_back") == ("Ctrl+Shift+G",)       # the default
    km.reset("study.next")                                        # reset goes back to the site's
    assert km.keys("study.next") == ("Ctrl+Right",)
    assert load_keymap(None, None).keymap.keys("study.next") == ("Ctrl+Shift+N",)


def test_a_key_the_reader_takes_is_taken_from_the_action_below(tmp_path):
    user = _write(tmp_path / "user.json", {"study.next": ["F5"]})  # F5 was refresh's
    km = load_keymap(None, user).keymap
    assert km.keys("study.next") == ("F5",) and km.keys("file.refresh_worklist") == ()
    assert km.all_conflicts() == []


@pytest.mark.parametrize("content, problem, action, key", [
    ("{not json", KeymapProblem.NOT_JSON, "", ""),
    ('["F5"]', KeymapProblem.BAD_SHAPE, "", ""),
    ('{"bindings": {"study.launch_rocket": ["F9"]}}', KeymapProblem.UNKNOWN_ACTION, "study.launch_rocket", ""),
    ('{"bindings": {"study.next": ["Ctrl+Banana"]}}', KeymapProblem.BAD_KEY, "study.next", "Ctrl+Banana"),
    ('{"bindings": {"study.next": "F9"}}', KeymapProblem.BAD_SHAPE, "study.next", ""),
    ('{"bindings": {"study.next": ["F9"], "study.give_back": ["f9"]}}', KeymapProblem.CONFLICT,
     "study.give_back", "F9"),
])
def test_a_bad_file_is_named_with_its_action_and_key_and_the_rest_still_applies(tmp_path, content, problem,
                                                                                 action, key):
    site = _write(tmp_path / "site.json", {"study.next": ["Ctrl+Right"]})
    bad = tmp_path / "user.json"
    bad.write_text(content, encoding="utf-8")
    loaded = load_keymap(site, bad)
    [err] = loaded.errors
    assert isinstance(err, KeymapError)
    assert (err.path, err.problem, err.action_id, err.key) == (bad, problem, action, key)
    assert str(bad) in str(err)
    assert loaded.keymap.keys("study.next") == ("Ctrl+Right",)  # the site layer still applies
    assert bad.read_text(encoding="utf-8") == content            # and the reader's file is left as it was


def test_view_keys_and_window_keys_collide_but_only_where_both_are_live():
    assert Context.IMAGES.overlaps(Context.WINDOW) and Context.WINDOW.overlaps(Context.IMAGES)
    km = Keymap()
    with pytest.raises(KeyConflict) as err:
        km.bind("view.slice_next", ["W"])  # W is the window/level tool's, in the images too
    assert [(c.key, c.action_id) for c in err.value.conflicts] == [("W", "tools.window")]
    assert km.keys("view.slice_next") == ("Up",)  # refused: nothing changed
    with pytest.raises(KeyConflict):
        km.bind("study.next", ["Up"])  # a window-wide Up would take the images' Up
    km.bind("view.slice_next", ["W"], take=True)
    assert km.keys("view.slice_next") == ("W",) and km.keys("tools.window") == ()
    km.reset()
    assert km.keys("tools.window") == ("W",) and km.keys("view.slice_next") == ("Up",)


def test_the_reader_file_holds_only_their_changes_and_loads_back(tmp_path):
    km = Keymap()
    km.bind("view.slice_next", ["J"])
    km.bind("study.next", ["Ctrl+Shift+N", "Ctrl+Right"])
    path = tmp_path / "cfg" / "keymap" / "reader.json"
    save_user_keymap(km, path)
    assert json.loads(path.read_text())["bindings"] == {"view.slice_next": ["J"],
                                                        "study.next": ["Ctrl+Shift+N", "Ctrl+Right"]}
    again = load_keymap(None, path).keymap
    assert again.keys("view.slice_next") == ("J",) and again.overrides() == km.overrides()
    copy = again.copy()
    copy.reset()
    assert again.keys("view.slice_next") == ("J",)  # a copy is the editor's, not the window's
