"""One audit record as an RFC 5424 syslog message, framed for TLS transport (RFC 5425).

    <PRI>1 TIMESTAMP HOSTNAME yomi PROCID DICOM+RFC3881 [yomi@32473 uuid=.. seq=.. hash=.. src=..] BOM<AuditMessage/>

- PRI: facility 10 (security/authorization, security.md row 15) times 8 plus the severity:
  5 (notice) for a success, 4 (warning) for any failure outcome.
- MSGID "DICOM+RFC3881" (PS3.15 A.6, security.md row 15); APP-NAME "yomi".
- STRUCTURED-DATA: the record's event UUID (the repository de-duplicates by it: a record sent
  twice after a lost connection counts once), its sequence number and chain hash, and the
  audit source ID. With these the repository's copy can be compared with the station's log
  record by record (`repository`, `trail`). ``32473`` is the IANA example enterprise number
  (RFC 5612): a site with its own Private Enterprise Number sets `SD_ID`.
- MSG: a UTF-8 BOM, then the DICOM audit message (`atna.to_dicom_xml`), which holds no line
  break, so a repository writing one message per line (rsyslog `%rawmsg%`) keeps it whole.
- Framing (RFC 5425 4.3): octet counting, ``MSG-LEN SP SYSLOG-MSG``.
"""
from __future__ import annotations

import os
import re
import socket
from dataclasses import dataclass
from datetime import timezone

from app.audit.atna import to_dicom_xml
from app.audit.chain import Record
from app.audit.events import Outcome

__all__ = ["FACILITY", "APP_NAME", "MSGID", "SD_ID", "Stamp", "to_syslog", "frame", "parse_stamp"]

FACILITY = 10
APP_NAME = "yomi"
MSGID = "DICOM+RFC3881"
SD_ID = "yomi@32473"
_BOM = "\ufeff"


@dataclass(frozen=True)
class Stamp:
    """What the structured data of one forwarded record says about it."""

    uuid: str
    seq: int
    hash: str
    source_id: str


def _sd_escape(value: str) -> str:
    # RFC 5424 6.3.3: '"', '\' and ']' are escaped inside PARAM-VALUE
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


def _header_token(value: str, limit: int) -> str:
    # HOSTNAME and APP-NAME are PRINTUSASCII without spaces; "-" is the nil value
    clean = "".join(ch for ch in value if 33 <= ord(ch) <= 126)[:limit]
    return clean or "-"


def to_syslog(rec: Record, source_id: str, *, hostname: str | None = None) -> bytes:
    """The RFC 5424 message (bytes, no framing) of one chained record."""
    ev = rec.event
    severity = 5 if ev.outcome is Outcome.SUCCESS else 4
    ts = ev.date_time.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    sd = (f'[{SD_ID} uuid="{_sd_escape(ev.event_uuid)}" seq="{rec.seq}" hash="{_sd_escape(rec.hash)}"'
          f' src="{_sd_escape(source_id)}"]')
    header = (f"<{FACILITY * 8 + severity}>1 {ts} {_header_token(hostname or socket.gethostname(), 255)}"
              f" {APP_NAME} {os.getpid()} {MSGID} {sd} ")
    return header.encode("ascii") + (_BOM + to_dicom_xml(ev)).encode("utf-8")


def frame(message: bytes) -> bytes:
    """RFC 5425 octet-counted frame."""
    return str(len(message)).encode("ascii") + b" " + message


_STAMP = re.compile(r'\[' + re.escape(SD_ID) + r'((?:\s+[a-z]+="(?:[^"\\]|\\.)*")+)\s*\]')
_PARAM = re.compile(r'([a-z]+)="((?:[^"\\]|\\.)*)"')


def parse_stamp(line: str) -> Stamp | None:
    """The Yomi stamp of one received message (a repository line), None if it carries none."""
    m = _STAMP.search(line)
    if m is None:
        return None
    params = {k: re.sub(r"\\(.)", r"\1", v) for k, v in _PARAM.findall(m.group(1))}
    try:
        return Stamp(params["uuid"], int(params["seq"]), params["hash"], params["src"])
    except (KeyError, ValueError):
        return None
