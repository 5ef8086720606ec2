"""Test stand-ins that cannot exist here otherwise: a reading centre that stores by UID.

`Receiver` is a real HTTP server on 127.0.0.1 (stdlib `http.server`) that stores DICOM
instances by SOP Instance UID, like a PACS: a second delivery of a held UID is answered
as stored and counted as a duplicate (Orthanc does the same with OverwriteInstances=false,
security.md row 19). It can be told to answer the next requests with given HTTP codes, or
a random share of them with 503, to replay a failing centre.

`HttpCentre` is the client half: it implements only `Centre.submit` (the one method the
outbox uses) over plain HTTP, mapping failures to the `worklist.centre` errors the real
DICOMweb centre raises. The other Centre methods are outside the outbox and not provided.
"""
from __future__ import annotations

import io
import json
import random
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pydicom
from pydicom.dataset import FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from worklist.centre import BadData, ServerError, Unauthorised, Unreachable

BASIC_TEXT_SR = "1.2.840.10008.5.1.4.1.1.88.11"


def make_instance(sop_uid: str | None = None, *, study_uid: str = "2.25.1", size: int = 2000) -> tuple[str, bytes]:
    """A small real DICOM Part 10 object (Basic Text SR header, no personal data)."""
    sop_uid = sop_uid or generate_uid()
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = BASIC_TEXT_SR
    meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = pydicom.Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = BASIC_TEXT_SR
    ds.SOPInstanceUID = sop_uid
    ds.StudyInstanceUID = study_uid
    ds.SeriesInstanceUID = sop_uid + ".1" if len(sop_uid) < 60 else generate_uid()
    ds.Modality = "SR"
    ds.ImageComments = ("outbox test " * (size // 12 + 1))[:size]
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return sop_uid, buf.getvalue()


class Receiver:
    """A centre's storage endpoint: POST /instances with one Part 10 body."""

    def __init__(self, *, fail_rate: float = 0.0, max_delay_s: float = 0.0, seed: int = 0) -> None:
        self.fail_rate = fail_rate
        self.max_delay_s = max_delay_s
        self._rng = random.Random(seed)
        self.lock = threading.Lock()
        self.stored: dict[str, bytes] = {}
        self.deliveries = 0       # requests that reached storage (incl. duplicates)
        self.duplicates = 0       # deliveries of a UID already held
        self.mismatched = 0       # duplicates whose bytes differ from the held copy
        self.refused = 0          # requests answered with an error code
        self.script: deque[int] = deque()  # HTTP codes for the next requests
        self.confirm_other_uid = False     # answer 200 without naming the UID
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:
                try:
                    body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                except OSError:
                    return  # client killed mid-request
                code, payload = receiver._handle(body)
                data = json.dumps(payload).encode()
                try:
                    self.send_response(code)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/instances"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _handle(self, body: bytes) -> tuple[int, object]:
        with self.lock:
            scripted = self.script.popleft() if self.script else None
            delay = self._rng.random() * self.max_delay_s
            fail = scripted is None and self._rng.random() < self.fail_rate
        if delay:
            time.sleep(delay)  # widens the window in which a kill lands mid-request
        if scripted is not None and scripted != 200:
            with self.lock:
                self.refused += 1
            return scripted, {"error": f"scripted {scripted}"}
        if fail:
            with self.lock:
                self.refused += 1
            return 503, {"error": "busy"}
        try:
            uid = str(pydicom.dcmread(io.BytesIO(body), stop_before_pixels=True).SOPInstanceUID)
        except Exception:
            with self.lock:
                self.refused += 1
            return 400, {"error": "not DICOM"}
        with self.lock:
            self.deliveries += 1
            if uid in self.stored:
                self.duplicates += 1
                if self.stored[uid] != body:
                    self.mismatched += 1
            else:
                self.stored[uid] = body
            answer = ["2.25.999"] if self.confirm_other_uid else [uid]
        return 200, {"stored": answer}

    def __enter__(self) -> "Receiver":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class HttpCentre:
    """`Centre.submit` over plain HTTP to a `Receiver` (see module docstring)."""

    name = "stand-in"

    def __init__(self, url: str, timeout_s: float = 10.0) -> None:
        self.url = url
        self.timeout_s = timeout_s

    def submit(self, instances: Iterable[bytes]) -> list[str]:
        accepted: list[str] = []
        for body in instances:
            req = urllib.request.Request(self.url, data=body, method="POST",
                                         headers={"Content-Type": "application/dicom"})
            try:
                with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:
                    accepted.extend(json.loads(resp.read())["stored"])
            except urllib.error.HTTPError as exc:
                if exc.code >= 500:
                    raise ServerError(f"the centre answered {exc.code}", url=self.url) from None
                if exc.code == 401:
                    raise Unauthorised("the centre refused the credentials", url=self.url) from None
                raise BadData(f"the centre refused the instance ({exc.code})", url=self.url) from None
            except (urllib.error.URLError, OSError) as exc:
                raise Unreachable("the centre could not be reached", url=self.url) from exc
        return accepted


class StowCentre:
    """`Centre.submit` as a minimal STOW-RS client, for the Orthanc variant of the crash test.

    Deliberately independent of worklist/dicomweb.py (tested on its own): success only when
    our UID is in ReferencedSOPSequence (0008,1199) and not in FailedSOPSequence (0008,1198).
    """

    name = "orthanc"

    def __init__(self, dicomweb_url: str, auth: tuple[str, str], timeout_s: float = 10.0) -> None:
        self.url = dicomweb_url.rstrip("/") + "/studies"
        self.auth = auth
        self.timeout_s = timeout_s

    def submit(self, instances: Iterable[bytes]) -> list[str]:
        import requests

        boundary = "yomi-stow-boundary"
        body = b""
        for data in instances:
            body += f"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n".encode() + data + b"\r\n"
        body += f"--{boundary}--\r\n".encode()
        headers = {"Content-Type": f'multipart/related; type="application/dicom"; boundary={boundary}',
                   "Accept": "application/dicom+json"}
        try:
            r = requests.post(self.url, data=body, headers=headers, auth=self.auth, timeout=self.timeout_s)
        except requests.RequestException as exc:
            raise Unreachable("the centre could not be reached", url=self.url) from exc
        if r.status_code >= 500:
            raise ServerError(f"the centre answered {r.status_code}", url=self.url)
        if r.status_code == 401:
            raise Unauthorised("the centre refused the credentials", url=self.url)
        if r.status_code not in (200, 202):
            raise BadData(f"the centre refused the instance ({r.status_code})", url=self.url)
        ans = r.json()
        failed = {i.get("00081155", {}).get("Value", [""])[0] for i in ans.get("00081198", {}).get("Value", [])}
        return [uid for i in ans.get("00081199", {}).get("Value", [])
                if (uid := i.get("00081155", {}).get("Value", [""])[0]) and uid not in failed]
