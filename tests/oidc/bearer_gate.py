"""A loopback gate in front of the real Orthanc that does what the centre's plugin will do:
check each request's bearer token with the identity provider, then let it through.

Orthanc 1.10 cannot validate bearer tokens itself, and the centre-side plugin is another
piece of work, so this gate stands in for it in tests: it records the Authorization header
of every request, asks the provider's `/userinfo` whether the token is good (the mock's
access tokens are opaque, so that is the only way), answers 401 with
`WWW-Authenticate: Bearer error="invalid_token"` if not, and otherwise forwards the request
to Orthanc with Orthanc's own credentials. `refuse_next` / `refuse_all` make it refuse
tokens the provider still accepts (a centre that has revoked the reader).
"""
from __future__ import annotations

import http.server
import threading
from dataclasses import dataclass

import requests

_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length", "authorization", "host",
                         "content-encoding"})


@dataclass
class Seen:
    method: str
    path: str
    authorization: str
    let_through: bool


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    gate: "BearerGate"


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, *args: object) -> None:
        pass

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":   # a streamed STOW
            out = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        gate = self.server.gate
        body = self._body()
        auth = self.headers.get("Authorization", "")
        ok = gate._accepts(auth)
        gate._record(Seen(self.command, self.path, auth, ok))
        if not ok:
            self._send(401, b"", {"WWW-Authenticate": 'Bearer error="invalid_token"'})
            return
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        answer = requests.request(self.command, gate.upstream + self.path, data=body or None, headers=headers,
                                  auth=gate.upstream_auth, timeout=60, allow_redirects=False)
        self._send(answer.status_code, answer.content,
                   {k: v for k, v in answer.headers.items() if k.lower() not in _HOP_BY_HOP})

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = _handle


class BearerGate:
    """`url` replaces Orthanc's base URL; `seen` lists every request as it arrived."""

    def __init__(self, upstream: str, upstream_auth: tuple[str, str], userinfo_url: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.upstream_auth = upstream_auth
        self.userinfo_url = userinfo_url
        self.seen: list[Seen] = []
        self.refuse_next = 0
        self.refuse_all = False
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.gate = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def _record(self, seen: Seen) -> None:
        with self._lock:
            self.seen.append(seen)

    def _accepts(self, authorization: str) -> bool:
        with self._lock:
            if self.refuse_all:
                return False
            if self.refuse_next > 0:
                self.refuse_next -= 1
                return False
        if not authorization.startswith("Bearer "):
            return False
        r = requests.get(self.userinfo_url, headers={"Authorization": authorization}, timeout=5)
        return r.status_code == 200

    def __enter__(self) -> "BearerGate":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
