"""One keymap for every shortcut: defaults < site file (IT) < the reader's own file.

A keymap file is JSON: `{"bindings": {"study.next": ["Ctrl+Shift+N"], "view.slice_next": []}}`;
an action a file names gets exactly the keys listed there (an empty list unbinds it), actions
it does not name keep what the layer below gave them. A key a higher layer gives to one action
is taken from any action below that had it, so the reader's choice always wins. Within one file
two actions on one key are an error of that file (KeymapError naming the file and the key).
"""
from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from app.keymap.defaults import DEFAULTS, ActionSpec
from app.keymap.keys import BadKey, normalize_key

__all__ = ["Conflict", "KeyConflict", "Keymap", "KeymapError", "KeymapProblem", "LoadedKeymap",
           "load_keymap", "save_user_keymap"]

log = logging.getLogger(__name__)


class KeymapProblem(Enum):
    UNREADABLE = "cannot be read"
    NOT_JSON = "is not JSON"
    BAD_SHAPE = "is not a {\"bindings\": {action: [keys]}} object"
    UNKNOWN_ACTION = "names an unknown action"
    BAD_KEY = "names a key that does not exist"
    CONFLICT = "gives one key to two actions"


class KeymapError(Exception):
    """A keymap file this station refuses; the GUI words it from `problem` (never from str())."""

    def __init__(self, path: Path, problem: KeymapProblem, action_id: str = "", key: str = "") -> None:
        where = f" ({action_id}{': ' + key if key else ''})" if action_id or key else ""
        super().__init__(f"{path}: {problem.value}{where}")
        self.path, self.problem, self.action_id, self.key = path, problem, action_id, key


@dataclass(frozen=True)
class Conflict:
    """`key` is already bound to `action_id`, whose context overlaps the one asked for."""

    key: str
    action_id: str


class KeyConflict(Exception):
    def __init__(self, action_id: str, conflicts: list[Conflict]) -> None:
        super().__init__(f"{action_id}: " + ", ".join(f"{c.key} is {c.action_id}'s" for c in conflicts))
        self.action_id, self.conflicts = action_id, conflicts


class Keymap:
    """The live bindings (action id -> keys) over `base` (defaults < site): what reset returns to."""

    def __init__(self, specs: tuple[ActionSpec, ...] = DEFAULTS, base: dict[str, tuple[str, ...]] | None = None) -> None:
        self.specs: dict[str, ActionSpec] = {s.id: s for s in specs}
        defaults = {s.id: tuple(normalize_key(k) for k in s.keys) for s in specs}
        self._base = dict(defaults if base is None else base)
        self._keys = dict(self._base)

    def copy(self) -> "Keymap":
        """An independent copy (the editor changes one and the window adopts it on OK)."""
        other = Keymap.__new__(Keymap)
        other.specs, other._base, other._keys = self.specs, dict(self._base), dict(self._keys)
        return other

    def spec(self, action_id: str) -> ActionSpec:
        return self.specs[action_id]

    def keys(self, action_id: str) -> tuple[str, ...]:
        return self._keys[action_id]

    def base_keys(self, action_id: str) -> tuple[str, ...]:
        return self._base[action_id]

    def conflicts(self, action_id: str, keys: tuple[str, ...] | list[str]) -> list[Conflict]:
        """Who else holds any of `keys` where `action_id`'s key would be live too."""
        ctx = self.specs[action_id].context
        wanted = {normalize_key(k) for k in keys}
        return [Conflict(k, other) for other, held in self._keys.items() if other != action_id
                and self.specs[other].context.overlaps(ctx) for k in held if k in wanted]

    def bind(self, action_id: str, keys: tuple[str, ...] | list[str], *, take: bool = False) -> None:
        """Give `action_id` exactly `keys`. A key another action holds: KeyConflict, or with
        `take` the key is taken from that action (the editor's "reassign")."""
        if action_id not in self.specs:
            raise KeyError(action_id)
        norm = tuple(dict.fromkeys(normalize_key(k) for k in keys))
        clashes = self.conflicts(action_id, norm)
        if clashes and not take:
            raise KeyConflict(action_id, clashes)
        for c in clashes:
            self._keys[c.action_id] = tuple(k for k in self._keys[c.action_id] if k != c.key)
        self._keys[action_id] = norm

    def reset(self, action_id: str | None = None) -> None:
        """Back to defaults < site, for one action (taking its keys back) or for all."""
        if action_id is None:
            self._keys = dict(self._base)
        else:
            self.bind(action_id, self._base[action_id], take=True)

    def overrides(self) -> dict[str, tuple[str, ...]]:
        """What differs from defaults < site: the content of the reader's own file."""
        return {a: k for a, k in self._keys.items() if k != self._base[a]}

    def all_conflicts(self) -> list[tuple[str, Conflict]]:
        seen: list[tuple[str, Conflict]] = []
        ids = list(self._keys)
        for n, a in enumerate(ids):
            later = set(ids[n + 1:])
            seen += [(a, c) for c in self.conflicts(a, self._keys[a]) if c.action_id in later]
        return seen

    def _apply_layer(self, layer: dict[str, tuple[str, ...]]) -> None:
        for action_id, keys in layer.items():
            self.bind(action_id, keys, take=True)


def _read_layer(path: Path, specs: dict[str, ActionSpec]) -> dict[str, tuple[str, ...]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KeymapError(path, KeymapProblem.UNREADABLE) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise KeymapError(path, KeymapProblem.NOT_JSON) from exc
    bindings = data.get("bindings") if isinstance(data, dict) else None
    if not isinstance(bindings, dict):
        raise KeymapError(path, KeymapProblem.BAD_SHAPE)
    layer: dict[str, tuple[str, ...]] = {}
    owner: dict[str, list[str]] = {}  # key -> actions of this file holding it
    for action_id, keys in bindings.items():
        if action_id not in specs:
            raise KeymapError(path, KeymapProblem.UNKNOWN_ACTION, action_id)
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise KeymapError(path, KeymapProblem.BAD_SHAPE, action_id)
        norm = []
        for k in keys:
            try:
                norm.append(normalize_key(k))
            except BadKey as exc:
                raise KeymapError(path, KeymapProblem.BAD_KEY, action_id, k) from exc
        ctx = specs[action_id].context
        norm = list(dict.fromkeys(norm))
        for k in norm:
            if any(specs[o].context.overlaps(ctx) for o in owner.get(k, ())):
                raise KeymapError(path, KeymapProblem.CONFLICT, action_id, k)
            owner.setdefault(k, []).append(action_id)
        layer[action_id] = tuple(norm)
    return layer


@dataclass
class LoadedKeymap:
    keymap: Keymap
    errors: list[KeymapError]   # files skipped (each named): the layers below them still apply


def load_keymap(site: Path | None, user: Path | None, specs: tuple[ActionSpec, ...] = DEFAULTS) -> LoadedKeymap:
    """defaults < `site` < `user`; a missing file is no layer, a bad one is skipped and reported."""
    keymap = Keymap(specs)
    errors: list[KeymapError] = []
    for path, is_site in ((site, True), (user, False)):
        if path is None or not path.is_file():
            continue
        try:
            keymap._apply_layer(_read_layer(path, keymap.specs))
        except KeymapError as exc:
            log.warning("keymap file skipped: %s", exc)  # a path and an action id: no personal data
            errors.append(exc)
            continue
        if is_site:  # the site's keys are what "reset" returns to
            keymap._base = dict(keymap._keys)
    return LoadedKeymap(keymap, errors)


def save_user_keymap(keymap: Keymap, path: Path) -> None:
    """Write the reader's differences from defaults < site (a few hundred bytes), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    body = json.dumps({"bindings": {a: list(k) for a, k in keymap.overrides().items()}}, indent=1)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".keymap-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(body + "\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
