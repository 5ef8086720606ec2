"""Shared fixtures of the infrastructure tests: every test gets its own YOMI_DATA_DIR."""
from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO.parent / "shared" / "data"
ARTIFACTS = REPO / "tests" / "artifacts"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "yomi-data"
    d.mkdir()
    monkeypatch.setenv("YOMI_DATA_DIR", str(d))
    return d


def wait_until(predicate: Callable[[], bool], limit_s: float = 30.0) -> None:
    """Poll until `predicate()` holds; fail (not a speed check) if it never does within the limit."""
    deadline = time.monotonic() + limit_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached within the liveness limit")
        time.sleep(0.02)
