"""The guard of tests/conftest.py must catch a request made by GUI code on the main thread,
and must not flag one made on a worker thread: checked with a real local HTTP server."""
from __future__ import annotations

import http.server
import threading

import requests

from tests import conftest


def _server() -> http.server.ThreadingHTTPServer:
    class Ok(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Ok)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def test_guard_flags_gui_thread_requests_only(monkeypatch):
    srv = _server()
    url = f"http://127.0.0.1:{srv.server_address[1]}/"
    # this file stands in for GUI code for the length of the test
    monkeypatch.setattr(conftest, "_GUI_CODE", conftest._GUI_CODE + (__file__,))
    try:
        worker = threading.Thread(target=lambda: requests.get(url, timeout=5))
        worker.start()
        worker.join()
        assert conftest._gui_http == []
        requests.get(url, timeout=5)
        assert len(conftest._gui_http) == 1 and "GET " + url in conftest._gui_http[0]
    finally:
        conftest._gui_http.clear()
        srv.shutdown()


def test_guard_flags_store_writes_on_the_gui_thread_only(monkeypatch, tmp_path):
    """A sealed draft written by GUI code on the main thread is flagged; the same write on a
    worker (the draft autosave's thread) is not."""
    from app.report.sealed_files import Purpose, ReaderSecret, SealedFolder

    conftest._guard_store_writes()
    folder = SealedFolder(tmp_path / "drafts", ReaderSecret.ephemeral("sato"), Purpose.DRAFTS)
    monkeypatch.setattr(conftest, "_GUI_CODE", conftest._GUI_CODE + (__file__,))
    try:
        worker = threading.Thread(target=lambda: folder.write("a.yd", b"{}"))
        worker.start()
        worker.join()
        assert conftest._gui_writes == [] and folder.read("a.yd") == b"{}"
        folder.write("b.yd", b"{}")
        folder.delete("a.yd")
        assert [w.split(" from ")[0] for w in conftest._gui_writes] == ["SealedFolder.write", "SealedFolder.delete"]
        assert __file__ in conftest._gui_writes[0]
    finally:
        conftest._gui_writes.clear()
