"""Every way a centre fails ends as a typed error with a one-line reason and no secret.

Real servers where they can show the fault (Orthanc with a wrong password, nginx TLS with a
test CA, an Orthanc killed mid-retrieval); a tiny local HTTP server is the fault injector
for 5xx answers and slow answers, and a Python TLS server stands for a TLS 1.1-only centre:
neither Orthanc nor nginx here can be made to answer those on demand.
"""
from __future__ import annotations

import http.server
import socket
import ssl
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pydicom
import pytest

from tests.fixtures.orthanc import OrthancServer, make_test_pki, start_orthanc
from worklist.centre import Forbidden, ServerError, TLSFailure, Unauthorised, Unreachable
from worklist.dicomweb import ClientSettings, DicomWebClient
from worklist.retrieval import iter_retrieved

pytestmark = pytest.mark.orthanc


class FaultHandler(http.server.BaseHTTPRequestHandler):
    """/500/* answers 500, /503/* answers 503, /slow/* answers after 2 s; counts requests."""

    counts: dict[str, int] = {}

    def _answer(self) -> None:
        key = f"{self.command} {self.path.split('?')[0]}"
        FaultHandler.counts[key] = FaultHandler.counts.get(key, 0) + 1
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if self.path.startswith("/slow/"):
            time.sleep(2.0)
            code = 200
        elif self.path.startswith("/503/"):
            code = 503
        else:
            code = 500
        body = b"[]"
        self.send_response(code)
        self.send_header("Content-Type", "application/dicom+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fault_server() -> Iterator[str]:
    FaultHandler.counts = {}
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FaultHandler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def client(url: str, **kw) -> DicomWebClient:
    kw.setdefault("backoff", 0.01)
    return DicomWebClient(ClientSettings(url, **kw))


def test_wrong_password_is_unauthorised(orthanc: OrthancServer) -> None:
    with pytest.raises(Unauthorised) as err:
        client(orthanc.dicomweb_url, user=orthanc.user, secret="wrong-pw-123").search_studies(limit=1)
    assert "401" in err.value.reason and "wrong-pw-123" not in str(err.value)


def test_bearer_token_is_sent_and_refused_by_basic_only_server(orthanc: OrthancServer) -> None:
    with pytest.raises(Unauthorised):
        client(orthanc.dicomweb_url, auth="bearer", secret="tok-abc").search_studies(limit=1)


def test_tls_with_test_ca_works(orthanc, orthanc_tls) -> None:
    c = client(orthanc_tls.dicomweb_url, user=orthanc.user, secret=orthanc.password,
               ca_bundle=orthanc_tls.pki.ca_cert)
    assert isinstance(c.search_studies(limit=1), list)


def test_tls_unknown_ca_refused(orthanc, orthanc_tls, tmp_path: Path) -> None:
    with pytest.raises(TLSFailure) as err:  # system store: the test CA is unknown
        client(orthanc_tls.dicomweb_url, user=orthanc.user, secret=orthanc.password).search_studies()
    assert "trusted" in err.value.reason
    other = make_test_pki(tmp_path / "other", "Some Other CA")
    with pytest.raises(TLSFailure):
        client(orthanc_tls.dicomweb_url, user=orthanc.user, secret=orthanc.password,
               ca_bundle=other.ca_cert).search_studies()


def test_tls_verify_false_is_ignored(orthanc, orthanc_tls) -> None:
    import requests

    c = client(orthanc_tls.dicomweb_url, user=orthanc.user, secret=orthanc.password)
    # Even the session underneath, asked for verify=False, keeps verifying.
    with pytest.raises(requests.exceptions.SSLError):
        c._session.get(f"{orthanc_tls.dicomweb_url}/studies", verify=False, timeout=5)


def test_forbidden_location_is_forbidden(orthanc, orthanc_tls) -> None:
    c = client(f"{orthanc_tls.base_url}/forbidden/dicom-web", user=orthanc.user, secret=orthanc.password,
               ca_bundle=orthanc_tls.pki.ca_cert)
    with pytest.raises(Forbidden) as err:
        c.search_studies()
    assert "403" in err.value.reason


def _tls11_server(pki, stop: threading.Event) -> int:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with warnings.catch_warnings():  # TLS 1.0/1.1 are deprecated: that is the point here
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    ctx.load_cert_chain(pki.server_cert, pki.server_key)
    sock = socket.create_server(("127.0.0.1", 0))
    sock.settimeout(0.2)

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            try:
                with ctx.wrap_socket(conn, server_side=True) as s:
                    s.recv(1024)
                    s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n[]")
            except (OSError, ssl.SSLError):
                pass
        sock.close()

    threading.Thread(target=serve, daemon=True).start()
    return sock.getsockname()[1]


def test_tls11_only_server_refused(tmp_path: Path) -> None:
    pki = make_test_pki(tmp_path / "pki")
    stop = threading.Event()
    port = _tls11_server(pki, stop)
    try:
        # Show the server really speaks TLS 1.1, so the refusal below is our client's doing.
        lax = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        lax.load_verify_locations(pki.ca_cert)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            lax.minimum_version = ssl.TLSVersion.TLSv1
        lax.set_ciphers("DEFAULT:@SECLEVEL=0")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as raw, \
                    lax.wrap_socket(raw, server_hostname="127.0.0.1") as s:
                assert s.version() == "TLSv1.1"
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        except ssl.SSLError as exc:
            pytest.skip(f"this OpenSSL cannot speak TLS 1.1 even when asked ({exc.reason})")
        with pytest.raises(TLSFailure) as err:
            client(f"https://127.0.0.1:{port}/dicom-web", ca_bundle=pki.ca_cert, retries=0).search_studies()
        assert "1.2" in err.value.reason or "handshake" in err.value.reason
    finally:
        stop.set()


def test_closed_port_unreachable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(Unreachable):
        client(f"http://127.0.0.1:{port}/dicom-web", retries=1).search_studies()


def test_500_is_server_error_and_get_not_retried_for_500(fault_server: str) -> None:
    with pytest.raises(ServerError) as err:
        client(f"{fault_server}/500/dicom-web", retries=3).search_studies()
    assert "500" in err.value.reason
    assert FaultHandler.counts["GET /500/dicom-web/studies"] == 1


def test_503_retried_on_get_only(fault_server: str) -> None:
    c = client(f"{fault_server}/503/dicom-web", retries=2)
    with pytest.raises(ServerError):
        c.search_studies()
    assert FaultHandler.counts["GET /503/dicom-web/studies"] == 3  # 1 + 2 retries
    with pytest.raises(ServerError):
        c.store([b"x"])
    assert FaultHandler.counts["POST /503/dicom-web/studies"] == 1  # STOW: the outbox retries


def test_slow_answer_beyond_read_timeout_is_unreachable(fault_server: str) -> None:
    with pytest.raises(Unreachable) as err:
        client(f"{fault_server}/slow/dicom-web", read_timeout=0.3).search_studies()
    assert "no answer within 0.3 s" in err.value.reason


def test_server_killed_mid_retrieval_then_resumed(ct_files: list[Path], tmp_path: Path) -> None:
    server = start_orthanc(tmp_path / "orthanc")
    try:
        server.upload(ct_files)
        study = str(pydicom.dcmread(ct_files[0], stop_before_pixels=True).StudyInstanceUID)
        c = client(server.dicomweb_url, user=server.user, secret=server.password, retries=1)
        got: set[str] = set()

        def kill_after_5(done: int, total: int) -> bool:
            if done == 5:
                server.kill()
            return True

        with pytest.raises(Unreachable) as err:
            for item in iter_retrieved(c, study, progress=kill_after_5, workers=2):
                got.add(item.planned.sop_uid)
        assert "of 64 instances" in err.value.reason
        assert 5 <= len(got) < 64
    finally:
        server.stop()
    # The same storage, a new server process (a restart): resume with what we have.
    again = start_orthanc(tmp_path / "orthanc")
    try:
        c = client(again.dicomweb_url, user=again.user, secret=again.password)
        rest = {item.planned.sop_uid for item in iter_retrieved(c, study, have=got)}
        assert not rest & got and len(rest | got) == 64
    finally:
        again.stop()
