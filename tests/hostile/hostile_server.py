"""A hostile DICOMweb server on loopback: real HTTP over real sockets, answers chosen per test.

Orthanc cannot be made to drip bytes, send a 1.5 GB part or put `../` in a UID, so each
test gives this server a `route(handler) -> bool` that writes the answer it wants; every
request's path is recorded, to show what the client did (and did not) ask for.
"""
from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Route = Callable[[http.server.BaseHTTPRequestHandler], None]


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def _answer(self) -> None:
        self.server.paths.append(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        try:
            self.server.route(self)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client hung up: what a bounded client does to a hostile answer

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, *args: object) -> None:
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, route: Route) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.route = route
        self.paths: list[str] = []


@contextmanager
def serve(route: Route) -> Iterator[_Server]:
    srv = _Server(route)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()


def base_url(srv: _Server) -> str:
    return f"http://127.0.0.1:{srv.server_address[1]}/dicom-web"


def send_json(h: http.server.BaseHTTPRequestHandler, body: object, code: int = 200) -> None:
    data = json.dumps(body).encode()
    h.send_response(code)
    h.send_header("Content-Type", "application/dicom+json")
    h.send_header("Content-Length", str(len(data)))
    h.end_headers()
    h.wfile.write(data)


def send_multipart_endless_part(h: http.server.BaseHTTPRequestHandler, declared: int) -> None:
    """A multipart answer whose one part is `declared` bytes of zeros, written 1 MiB at a
    time until done or until the client hangs up (no Content-Length: close-delimited)."""
    h.send_response(200)
    h.send_header("Content-Type", 'multipart/related; type="application/dicom"; boundary=hostile')
    h.send_header("Connection", "close")
    h.end_headers()
    h.wfile.write(b"--hostile\r\nContent-Type: application/dicom\r\n\r\n")
    chunk = bytes(1024 * 1024)
    for _ in range(declared // len(chunk)):
        h.wfile.write(chunk)
    h.wfile.write(b"\r\n--hostile--\r\n")
    h.close_connection = True


def drip(h: http.server.BaseHTTPRequestHandler, data: bytes, every_s: float) -> None:
    """Write `data` one byte at a time, `every_s` apart (well inside any read timeout)."""
    for i in range(len(data)):
        h.wfile.write(data[i:i + 1])
        h.wfile.flush()
        time.sleep(every_s)


def ui(tag: str, value: str) -> dict:
    return {tag: {"vr": "UI", "Value": [value]}}
