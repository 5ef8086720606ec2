"""The HTTP filter's decision: may this request from this user go on to Orthanc?

Users not listed under Readers pass untouched (Orthanc's own access rules); a request with
no user is refused unless Orthanc itself checks passwords (AuthenticationEnabled). A reader gets
only DICOMweb (studies, series, instances within their studies) and the workitem routes;
everything else, Orthanc's REST API, WADO-URI and the explorer included, is refused. A
refusal is answered 403 by Orthanc before any plugin sees the request.
"""
from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from .assignments import Assignments, Snapshot
from .config import CentreConfig, ReaderConfig
from .double_reading import DoubleReading
from .routes import UID_RE, Kind, Route, parse_route

__all__ = ["Refusal", "Decision", "StowContext", "Gate", "canonical_key"]


class Refusal(enum.Enum):
    NOT_DICOMWEB = "outside DICOMweb"
    ROUTE = "route not open to readers"
    AMBIGUOUS_QUERY = "query names a key twice or contradicts the path"
    UNSCOPED_SEARCH = "search not limited to the reader's studies"
    NOT_ASSIGNED = "study not assigned to the reader"
    HIERARCHY = "series or instance not in that study"
    STOW_NOT_ASSIGNED = "store outside an assigned study"
    NO_IDENTITY = "no user in the request"
    NOT_CONFIGURED = "plugin configuration unusable"
    INTERNAL = "error while checking"
    BLIND = "report withheld: double reading, the reader's own reading is not signed yet"
    REQUESTER = "reading withheld: the requester receives the final report only"


@dataclass(frozen=True)
class StowContext:
    """What the received-instance check needs about a reader's STOW, kept per HTTP thread."""

    reader: ReaderConfig
    study: str = ""           # the study in the URL, if any


@dataclass(frozen=True)
class Decision:
    allowed: bool
    refusal: Refusal | None = None
    stow: StowContext | None = None
    reader: ReaderConfig | None = None


ALLOW = Decision(True)

# QIDO keys the filter reads, under every spelling the DICOMweb plugin accepts (case-insensitive)
_ALIASES = {
    "0020000d": "0020000D", "studyinstanceuid": "0020000D",
    "0020000e": "0020000E", "seriesinstanceuid": "0020000E",
    "00080018": "00080018", "sopinstanceuid": "00080018",
    "00100020": "00100020", "patientid": "00100020",
}
_WILDCARDS = set("*?\\,")


def canonical_key(key: str) -> str:
    k = key.strip().lower()
    return _ALIASES.get(k, k)


def _query(get: Mapping[str, str]) -> dict[str, str] | None:
    """The query keyed by tag; None when one key appears under two spellings (which wins is the server's)."""
    out: dict[str, str] = {}
    for key, value in get.items():
        k = canonical_key(key)
        if k in out and k in _ALIASES.values():
            return None
        out[k] = str(value)
    return out


class Gate:
    def __init__(self, config: CentreConfig, assignments: Assignments, double: DoubleReading | None = None) -> None:
        self.config = config
        self.assignments = assignments
        self.double = double

    def reader(self, user: str | None) -> ReaderConfig | None:
        return self.config.readers.get(user) if user else None

    def decide(self, user: str | None, method: str, uri: str, get: Mapping[str, str]) -> Decision:
        if user is None and not self.config.authentication_enabled:
            # Without Orthanc's own password check a request may carry no identity: it could
            # be anyone, a reader included, so it gets nothing.
            return Decision(False, Refusal.NO_IDENTITY)
        reader = self.reader(user)
        if reader is None and user in self.config.requesters:
            return self._decide_requester(method, uri)
        if reader is None:
            return ALLOW
        root = self.config.dicomweb_root
        if not uri.startswith(root):
            return Decision(False, Refusal.NOT_DICOMWEB, reader=reader)
        route = parse_route(uri[len(root):], method)
        if route is None:
            return Decision(False, Refusal.ROUTE, reader=reader)
        query = _query(get or {})
        if query is None:
            return Decision(False, Refusal.AMBIGUOUS_QUERY, reader=reader)
        return self._decide_route(reader, route, query)

    def _decide_route(self, reader: ReaderConfig, route: Route, query: dict[str, str]) -> Decision:
        k = route.kind
        if k in (Kind.WORKITEMS, Kind.WORKITEM, Kind.WORKITEM_STATE):
            return Decision(True, reader=reader)      # the UPS callbacks apply the reader's rules
        snap = self.assignments.snapshot()
        refuse = lambda why: Decision(False, why, reader=reader)  # noqa: E731
        if k == Kind.STOW:
            return Decision(True, stow=StowContext(reader), reader=reader)
        if k == Kind.STOW_STUDY:
            if not snap.may_store(reader, route.study):
                return refuse(Refusal.STOW_NOT_ASSIGNED)
            return Decision(True, stow=StowContext(reader, route.study), reader=reader)
        if k in (Kind.SEARCH_STUDIES, Kind.SEARCH_SERIES, Kind.SEARCH_INSTANCES):
            studies = [u for u in query.get("0020000D", "").split(",") if u]
            if studies:
                if not all(UID_RE.match(u) and snap.may_read(reader, u) for u in studies):
                    return refuse(Refusal.NOT_ASSIGNED)
                if k == Kind.SEARCH_INSTANCES and any(self._withholds_all(snap, reader, u) for u in studies):
                    return refuse(Refusal.BLIND)
                return Decision(True, reader=reader)
            patient = query.get("00100020", "")
            # A Patient ID matched exactly returns that patient's studies only: all priors of
            # an assigned study, which the reader may read.
            if patient and not (_WILDCARDS & set(patient)) and patient in snap.patients(reader):
                return Decision(True, reader=reader)
            return refuse(Refusal.UNSCOPED_SEARCH)
        # Path-scoped: a query key may not name another study or series than the path.
        if query.get("0020000D", route.study) != route.study:
            return refuse(Refusal.AMBIGUOUS_QUERY)
        if route.series and query.get("0020000E", route.series) != route.series:
            return refuse(Refusal.AMBIGUOUS_QUERY)
        if not snap.may_read(reader, route.study):
            return refuse(Refusal.NOT_ASSIGNED)
        record = snap.record(route.study)
        assert record is not None  # may_read checked it
        if route.instance:
            if not self.assignments.instance_in_series(route.instance, route.series, record):
                return refuse(Refusal.HIERARCHY)
        elif route.series and not self.assignments.series_in_study(route.series, record):
            return refuse(Refusal.HIERARCHY)
        if self._withholds(snap, reader, route):
            return refuse(Refusal.BLIND)
        return Decision(True, reader=reader)

    # --- the requesting hospital's account ---------------------------------------------------

    def _decide_requester(self, method: str, uri: str) -> Decision:
        """DICOMweb GET only; under "final", no WADO of a double-read study's readings.

        QIDO answers come from Orthanc's DICOMweb plugin, which a Python plugin cannot trim: a
        requester's search still lists the readings' instances (their UIDs and top-level
        attributes), but nothing of their content can be retrieved: not the instance, its
        metadata, its rendering, nor the whole study while it holds a reading."""
        root = self.config.dicomweb_root
        if not uri.startswith(root):
            return Decision(False, Refusal.NOT_DICOMWEB)
        route = parse_route(uri[len(root):], method)
        if route is None or method != "GET" or route.kind in (Kind.WORKITEMS, Kind.WORKITEM, Kind.WORKITEM_STATE):
            return Decision(False, Refusal.ROUTE)
        if self.config.requester_receives == "all" or self.double is None or not route.study or route.listing:
            return ALLOW                # searches (QIDO), and everything under "all"
        snap = self.assignments.snapshot()
        record = snap.record(route.study)
        if record is None:
            return ALLOW                # Orthanc answers 404
        if route.instance and not self.assignments.instance_in_series(route.instance, route.series, record):
            return Decision(False, Refusal.HIERARCHY)
        if route.series and not route.instance and not self.assignments.series_in_study(route.series, record):
            return Decision(False, Refusal.HIERARCHY)
        withheld = self.double.withheld_from_requester(snap, route.study)
        if (route.series and route.series in withheld) or (route.kind == Kind.STUDY and withheld):
            return Decision(False, Refusal.REQUESTER)
        return ALLOW

    # --- the blind rule of double reading (double_reading.py) ------------------------------

    def _withholds_all(self, snap: Snapshot, reader: ReaderConfig, study_uid: str) -> bool:
        """A request over every instance of the study while the reader is blind and it holds reports."""
        if self.double is None:
            return False
        record = snap.record(study_uid)
        return record is not None and self.double.blind(snap, reader, study_uid) \
            and self.double.has_reports(record.orthanc_id)

    def _withholds(self, snap: Snapshot, reader: ReaderConfig, route: Route) -> bool:
        if self.double is None:
            return False
        if route.kind == Kind.STUDY or (route.kind == Kind.STUDY_SEARCH and route.listing == "instances"):
            return self._withholds_all(snap, reader, route.study)
        if route.kind in (Kind.SERIES, Kind.INSTANCE):
            return self.double.series_is_report(route.series) and self.double.blind(snap, reader, route.study)
        return False
