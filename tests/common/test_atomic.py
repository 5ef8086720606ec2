"""common.atomic: a replaced file is old or new, never torn; modes; no stray temp files."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from common.atomic import write_atomic


def test_replaces_content_owner_only_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "new-dir" / "f.json"
    write_atomic(target, b"one")
    write_atomic(target, b"two", durable=False)
    assert target.read_bytes() == b"two"
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    assert oct(target.parent.stat().st_mode & 0o777) == "0o700"
    assert [p.name for p in target.parent.iterdir()] == ["f.json"]


def test_mode_is_applied(tmp_path: Path) -> None:
    write_atomic(tmp_path / "ca.pem", b"x", mode=0o644)
    assert oct((tmp_path / "ca.pem").stat().st_mode & 0o777) == "0o644"


def test_failed_write_keeps_old_content_and_cleans_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "f"
    write_atomic(target, b"old")

    def broken_replace(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        write_atomic(target, b"new")
    monkeypatch.undo()
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f"]
