"""The repository's copy of a station's records, read from a file the repository wrote.

The Audit Record Repository is the authority a reader cannot touch (security.md rows 6, 15).
Syslog has no query protocol, so `yomi audit verify --repository FILE` takes what the
repository stored: one received message per line (rsyslog ``omfile`` with ``%rawmsg%``, or
any ARR export that keeps the RFC 5424 structured data). Each Yomi message carries its event
UUID, sequence number, chain hash and audit source (`syslog_message`); lines of other
programs, and of other stations, are skipped.

The repository may hold a record twice (sent again after a connection broke before the
station saw it closed cleanly): copies with the same UUID, sequence and hash count once.
Two different records under one UUID or one sequence number are a conflict in themselves.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from app.audit.events import AuditError
from app.audit.syslog_message import Stamp, parse_stamp

__all__ = ["RepositoryCopy", "read_repository_copy"]


@dataclass
class RepositoryCopy:
    """The records one audit source has at the repository, by sequence number."""

    source_id: str
    by_seq: dict[int, Stamp] = field(default_factory=dict)
    duplicates: int = 0                                      # identical copies seen again
    conflicts: list[str] = field(default_factory=list)       # one line each, for a person

    @property
    def last_seq(self) -> int:
        return max(self.by_seq, default=0)


def read_repository_copy(path: Path | str, source_id: str) -> RepositoryCopy:
    """Collect `source_id`'s records from the repository file at `path`."""
    path = Path(path)
    copy = RepositoryCopy(source_id)
    by_uuid: dict[str, Stamp] = {}
    try:
        f = open(path, "rb")
    except OSError as exc:
        raise AuditError(f"{path}: cannot read the repository copy ({exc.strerror})") from None
    with f:
        for n, raw in enumerate(f, 1):
            stamp = parse_stamp(raw.decode("utf-8", errors="replace"))
            if stamp is None or stamp.source_id != source_id:
                continue
            seen = by_uuid.get(stamp.uuid) or copy.by_seq.get(stamp.seq)
            if seen is None:
                by_uuid[stamp.uuid] = copy.by_seq[stamp.seq] = stamp
            elif seen == stamp:
                copy.duplicates += 1
            else:
                copy.conflicts.append(f"{path}: line {n}: record {stamp.seq} ({stamp.uuid}) differs from "
                                      f"an earlier copy of record {seen.seq} ({seen.uuid})")
    return copy
