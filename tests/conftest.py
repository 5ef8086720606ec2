"""Shared test set-up: where the real data is, a private user data dir, artefacts folder,
and the guard that fails any test in which the GUI makes an HTTP request, or writes the
draft, signed-output or outbox stores, on its own thread.

Imports no Qt: the Qt-free packages' tests run in a venv without PySide6 (tests/run.sh).
"""
from __future__ import annotations

import importlib.util
import os
import sys
import threading
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = (REPO.parent / "shared" / "data").resolve()
ARTIFACTS = REPO / "tests" / "artifacts"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real test data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


HAS_QT = importlib.util.find_spec("PySide6") is not None


@pytest.fixture(scope="session", autouse=True)
def _one_qt_application():
    """Qt allows one application object per process: make it a QApplication from the start.

    The PDF writer creates a bare QGuiApplication when none exists (as `yomi report export`
    needs); if a report test did that first, later widget tests in the same run would abort.
    Without PySide6 (the Qt-free run) there is nothing to create.
    """
    if not HAS_QT:
        yield None
        return
    if not os.environ.get("DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    yield QApplication.instance() or QApplication([])


# Code that runs on the GUI thread: a request made with one of these on the main thread's
# stack is a request made by the GUI (the test's own set-up and checks may use HTTP freely).
_GUI_CODE = tuple(str(REPO / p) for p in ("app/windows", "app/gui.py", "app/report/editor.py",
                                            "app/report/field_widgets.py", "viewer/views"))
_gui_http: list[str] = []
_gui_writes: list[str] = []


def _gui_caller(skip: int = 2) -> str | None:
    """Where GUI code called from, if the caller runs on the main thread with GUI code on its
    stack: "file:line (function)"; else None."""
    if threading.current_thread() is not threading.main_thread():
        return None
    frame = sys._getframe(skip)
    while frame is not None:
        if frame.f_code.co_filename.startswith(_GUI_CODE):
            return f"{frame.f_code.co_filename}:{frame.f_lineno} ({frame.f_code.co_name})"
        frame = frame.f_back
    return None


def _guard_http() -> None:
    import requests.adapters

    send = requests.adapters.HTTPAdapter.send
    if getattr(send, "_yomi_guard", False):
        return

    def guarded(self, request, *args, **kwargs):
        where = _gui_caller()
        if where is not None:
            _gui_http.append(f"{request.method} {request.url} from {where}")
        return send(self, request, *args, **kwargs)

    guarded._yomi_guard = True  # type: ignore[attr-defined]
    requests.adapters.HTTPAdapter.send = guarded


# The stores whose writes are the reader's waiting: every draft, signed output and outbox
# payload file goes through SealedFolder; the outbox's rows through these Outbox methods.
_STORE_WRITES = (("app.report.sealed_files", "SealedFolder", ("write", "delete", "remove_tree")),
                 ("worklist.outbox", "Outbox", ("enqueue", "retry_failed", "purge_sent", "mark_sent",
                                                "mark_retry", "mark_failed", "record")))


def _guard_store_writes() -> None:
    for module_name, class_name, methods in _STORE_WRITES:
        try:
            cls = getattr(importlib.import_module(module_name), class_name)
        except ImportError:  # a venv without the store's libraries runs no test that writes it
            continue
        for name in methods:
            method = getattr(cls, name)
            if getattr(method, "_yomi_guard", False):
                continue

            def guarded(self, *args, _method=method, _what=f"{class_name}.{name}", **kwargs):
                where = _gui_caller()
                if where is not None:
                    _gui_writes.append(f"{_what} from {where}")
                return _method(self, *args, **kwargs)

            guarded._yomi_guard = True  # type: ignore[attr-defined]
            setattr(cls, name, guarded)


@pytest.fixture(autouse=True)
def _no_http_on_the_gui_thread():
    """Every HTTP request of the station goes through requests' adapter; one sent from the
    main (GUI) thread with GUI code on the stack fails the test that caused it. So does a
    write of the draft, signed-output or outbox stores made there (they belong on workers)."""
    _guard_http()
    _guard_store_writes()
    _gui_http.clear()
    _gui_writes.clear()
    yield
    found, writes = list(_gui_http), list(_gui_writes)
    _gui_http.clear()
    _gui_writes.clear()
    assert not found, "HTTP request on the GUI thread: " + "; ".join(found[:3])
    assert not writes, "store write on the GUI thread: " + "; ".join(writes[:3])


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path_factory, monkeypatch):
    """Every test gets its own user data dir: no test sees another's drafts or cache."""
    if "YOMI_DATA_DIR" not in os.environ or os.environ.get("YOMI_TEST_KEEP_DATA_DIR") != "1":
        monkeypatch.setenv("YOMI_DATA_DIR", str(tmp_path_factory.mktemp("yomi-data")))
