"""A stand-in UPS-RS server (http.server in a thread) replaying PS3.18 chapter 11's exchanges.

It exists because no UPS-RS server can run here: Orthanc 1.10 has none, dcm4chee and the
Microsoft server are not installable offline (shared/reference/ups-rs.md). It implements
only what the client uses, as the standard describes it:
- GET /workitems?...: 200 with a JSON array, or 204 when nothing matches (11.9); matches
  Scheduled Human Performers > Human Performer's Name (`00404034.00404037`, with `?` and
  `*` wildcards) unless `reject_performer_key` is set, then answers 400 as Microsoft's
  server does for a key it cannot match.
- PUT /workitems/{uid}/state (11.7): SCHEDULED -> IN PROGRESS with a new Transaction UID;
  IN PROGRESS -> COMPLETED/CANCELED only with that Transaction UID (400 if it differs);
  claiming a workitem that is not SCHEDULED answers 409; unknown workitem 404.
"""
from __future__ import annotations

import copy
import fnmatch
import http.server
import json
import threading
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit


def workitem(uid: str, study_uid: str, performer: str, *, priority: str = "MEDIUM",
             start: str = "20240105090000", patient: str = "Yamada^Tarou=山田^太郎=やまだ^たろう") -> dict:
    return {
        "00080018": {"vr": "UI", "Value": [uid]},
        "00100010": {"vr": "PN", "Value": [dict(zip(("Alphabetic", "Ideographic", "Phonetic"), patient.split("=")))]},
        "00100020": {"vr": "LO", "Value": ["PID-1"]},
        "00404005": {"vr": "DT", "Value": [start]},
        "00404034": {"vr": "SQ", "Value": [{"00404037": {"vr": "PN", "Value": [{"Alphabetic": performer}]}}]},
        "0040A370": {"vr": "SQ", "Value": [{"0020000D": {"vr": "UI", "Value": [study_uid]}}]},
        "00741000": {"vr": "CS", "Value": ["SCHEDULED"]},
        "00741200": {"vr": "CS", "Value": [priority]},
        "00741204": {"vr": "LO", "Value": ["CT chest read"]},
    }


@dataclass
class UpsState:
    items: dict[str, dict] = field(default_factory=dict)
    transactions: dict[str, str] = field(default_factory=dict)  # server side only, never returned
    reject_performer_key: bool = False
    searches: list[str] = field(default_factory=list)


def _state(wi: dict) -> str:
    return wi["00741000"]["Value"][0]


class _Handler(http.server.BaseHTTPRequestHandler):
    state: UpsState

    def _send(self, code: int, body: object | None = None) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(code)
        if data:
            self.send_header("Content-Type", "application/dicom+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if not parts.path.endswith("/workitems"):
            return self._send(404)
        self.state.searches.append(parts.query)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        performer = query.get("00404034.00404037")
        if performer is not None and self.state.reject_performer_key:
            return self._send(400)
        found = []
        for wi in self.state.items.values():
            if performer is not None:
                names = [p["00404037"]["Value"][0]["Alphabetic"] for p in wi["00404034"]["Value"]]
                if not any(fnmatch.fnmatchcase(n, unquote(performer)) for n in names):
                    continue
            found.append(copy.deepcopy(wi))
        return self._send(200, found) if found else self._send(204)

    def do_PUT(self) -> None:
        path = urlsplit(self.path).path
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        segments = path.strip("/").split("/")
        if len(segments) < 3 or segments[-1] != "state" or segments[-3] != "workitems":
            return self._send(404)
        uid = segments[-2]
        wi = self.state.items.get(uid)
        if wi is None:
            return self._send(404)
        try:
            tx = body["00081195"]["Value"][0]
            new = body["00741000"]["Value"][0]
        except (KeyError, IndexError, TypeError):
            return self._send(400)
        current = _state(wi)
        if new == "IN PROGRESS":
            if current != "SCHEDULED":
                return self._send(409)
            self.state.transactions[uid] = tx
        elif new in ("COMPLETED", "CANCELED"):
            if current != "IN PROGRESS":
                return self._send(409)
            if self.state.transactions.get(uid) != tx:
                return self._send(400)
        else:
            return self._send(400)
        wi["00741000"]["Value"] = [new]
        return self._send(200, {})

    def log_message(self, *args: object) -> None:
        pass


class UpsServer:
    """Start with `with UpsServer(state) as url:`; `url` is the DICOMweb root."""

    def __init__(self, state: UpsState) -> None:
        handler = type("Handler", (_Handler,), {"state": state})
        self._srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self._srv.server_address[1]}/dicom-web"

    def __enter__(self) -> str:
        threading.Thread(target=self._srv.serve_forever, daemon=True).start()
        return self.url

    def __exit__(self, *exc: object) -> None:
        self._srv.shutdown()
        self._srv.server_close()
