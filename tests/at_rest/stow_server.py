"""A STOW-RS endpoint that replays scripted answers (status + DICOM JSON body), for the
outbox's handling of each PS3.18 outcome. Real HTTP on 127.0.0.1 (stdlib); the DICOMweb
client under test is the real one. A stand-in because a real archive cannot be made to answer
"out of resources" on demand."""
from __future__ import annotations

import io
import json
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pydicom


def stow_body(sop_uid: str, *, stored: bool = True, failure: int | None = None) -> dict:
    item = {"00081150": {"vr": "UI", "Value": ["1.2.840.10008.5.1.4.1.1.88.11"]},
            "00081155": {"vr": "UI", "Value": [sop_uid]}}
    body: dict = {}
    if stored:
        body["00081199"] = {"vr": "SQ", "Value": [item]}
    if failure is not None:
        body["00081198"] = {"vr": "SQ", "Value": [{**item, "00081197": {"vr": "US", "Value": [failure]}}]}
    return body


class StowServer:
    def __init__(self) -> None:
        self.script: deque[tuple[int, str | None]] = deque()  # (status, failure code or None)
        self.posts = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    body = b""
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            self.rfile.readline()
                            break
                        body += self.rfile.read(size)
                        self.rfile.readline()
                else:
                    body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                owner.posts += 1
                start = body.find(b"DICM") - 128
                uid = str(pydicom.dcmread(io.BytesIO(body[start:]), stop_before_pixels=True).SOPInstanceUID)
                status, failure = owner.script.popleft() if owner.script else (200, None)
                payload = stow_body(uid, stored=status == 200 and failure is None,
                                    failure=int(failure, 16) if failure else None)
                data = json.dumps(payload).encode() if status != 503 else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/dicom+json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/dicom-web"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self) -> "StowServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
