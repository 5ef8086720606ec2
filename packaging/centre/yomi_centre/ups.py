"""UPS-RS (PS3.18 chapter 11) over the centre's assignments: search, retrieve, create, update, change state.

Workitems come from two places:
- created by the centre (POST /workitems by a user who is not a reader), stored as sent;
- derived from (0008,1060) for every study no created workitem refers to: one per reader
  name in it, with a UID fixed by the study and the name (2.25 + UUID v5), so claiming
  it twice is the same workitem; its state is stored only once it leaves SCHEDULED.
A reader sees only workitems whose Scheduled Human Performer is them, whatever the query;
other users see all. Claims follow 11.7: SCHEDULED -> IN PROGRESS with the Transaction UID
the client sends, then COMPLETED or CANCELED only with that UID (400 otherwise), 409 when
the workitem is not in the state the change needs, 404 when unknown.
"""
from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field

from .assignments import Assignments, Snapshot, performer_is
from .config import CentreConfig, ReaderConfig
from .critical_notice import PRIORITY, PROGRESS_SEQ, merge_notices, reader_update_refusal
from .dicom_json import element, first, performers, pn_json, study_refs
from .double_reading import Role, role_code_item
from .names import alphabetic_key, wildcard_match
from .routes import UID_RE
from .store import StoredWorkitem, WorkitemStore

__all__ = ["Answer", "UpsService", "derived_uid"]

DICOM_JSON = "application/dicom+json"
UPS_PUSH_SOP_CLASS = "1.2.840.10008.5.1.4.34.6.1"
STATE, TRANSACTION, SOP_UID, SOP_CLASS = "00741000", "00081195", "00080018", "00080016"
_PRIORITY_ORDER = {"HIGH": 0, "MEDIUM": 1, "LOW": 2}
_NAMESPACE = uuid.UUID("6f1b2f1e-5d0e-4d8e-9a51-7e2c0b7a9c31")   # Yomi centre derived workitems
_PERFORMER_KEYS = {"00404034.00404037", "scheduledhumanperformerssequence.humanperformername"}
_MATCH_KEYS = {"00741000": STATE, "procedurestepstate": STATE, "00080018": SOP_UID, "sopinstanceuid": SOP_UID,
               "00100020": "00100020", "patientid": "00100020"}
_KEY_RE = re.compile(r"^[0-9a-z.]{1,64}$")   # only such keys are echoed back (never a value)
_CONTROL_KEYS = {"includefield", "limit", "offset", "fuzzymatching"}


@dataclass
class Answer:
    status: int
    body: str = ""
    content_type: str = DICOM_JSON
    headers: dict[str, str] = field(default_factory=dict)


def _error(status: int, message: str) -> Answer:
    return Answer(status, message, "text/plain")


def derived_uid(study_uid: str, reader_name: str) -> str:
    return "2.25." + str(uuid.uuid5(_NAMESPACE, f"{study_uid}|{alphabetic_key(reader_name)}").int)


def _public(dataset: dict, state: str) -> dict:
    """The workitem as answered: with its state, never with the Transaction UID (11.5)."""
    out = {k: v for k, v in dataset.items() if k not in (STATE, TRANSACTION)}
    out[STATE] = element("CS", state)
    return dict(sorted(out.items()))


def _start_datetime(tags: dict) -> str:
    date = str(tags.get("StudyDate", "")).strip()
    time = str(tags.get("StudyTime", "")).strip().split(".")[0]
    return f"{date}{time}" if date else ""


class UpsService:
    def __init__(self, config: CentreConfig, store: WorkitemStore, assignments: Assignments) -> None:
        self.config = config
        self.store = store
        self.assignments = assignments

    # --- the workitems there are ---------------------------------------------------------

    def _derived(self, snap: Snapshot) -> dict[str, StoredWorkitem]:
        out: dict[str, StoredWorkitem] = {}
        for uid, rec in snap.studies.items():
            if uid in snap.governed or uid in snap.ambiguous:
                continue
            named = [n for n in rec.reading if alphabetic_key(n)]
            roles = (dict(zip(named, (Role.FIRST, Role.SECOND, Role.JUDGE)))
                     if self.config.roles_from_reading_order and len(named) >= 2 else {})
            for name in rec.reading:
                if not alphabetic_key(name):
                    continue
                wid = derived_uid(uid, name)
                tags = rec.tags
                acc = str(tags.get("AccessionNumber", ""))
                ds = {
                    SOP_CLASS: element("UI", UPS_PUSH_SOP_CLASS),
                    SOP_UID: element("UI", wid),
                    "00080050": element("SH", acc),
                    "00100010": element("PN", pn_json(str(tags.get("PatientName", ""))) or None),
                    "00100020": element("LO", rec.patient_id),
                    "00100030": element("DA", str(tags.get("PatientBirthDate", ""))),
                    "00100040": element("CS", str(tags.get("PatientSex", ""))),
                    "00404005": element("DT", _start_datetime(tags)),
                    "00404034": element("SQ", {"00404037": element("PN", pn_json(name))}),
                    "0040A370": element("SQ", {"0020000D": element("UI", uid), "00080050": element("SH", acc)}),
                    "00741200": element("CS", "MEDIUM"),
                    "00741202": element("LO", "Yomi reading"),
                    "00741204": element("LO", str(tags.get("StudyDescription", "")) or "Read study"),
                }
                if name in roles:
                    ds["00404018"] = role_code_item(roles[name])
                stored = self.store.get(wid)
                if stored and stored.origin == "derived":
                    # what was written to it since (a notice, its acknowledgement) outlives the rebuild
                    ds.update({k: stored.dataset[k] for k in (PROGRESS_SEQ, PRIORITY) if k in stored.dataset})
                state = stored.state if stored and stored.origin == "derived" else "SCHEDULED"
                tx = stored.transaction if stored and stored.origin == "derived" else ""
                out[wid] = StoredWorkitem(wid, "derived", state, tx, ds)
        return out

    def _all(self) -> dict[str, StoredWorkitem]:
        snap = self.assignments.snapshot()
        items = self._derived(snap)
        for wi in snap.created:
            items[wi.uid] = wi
        return items

    @staticmethod
    def _visible(wi: StoredWorkitem, reader: ReaderConfig | None) -> bool:
        return reader is None or performer_is(wi.dataset, reader)

    # --- search / retrieve ---------------------------------------------------------------

    def search(self, reader: ReaderConfig | None, get: dict[str, str]) -> Answer:
        performer = None
        matches: dict[str, str] = {}
        ignored = []
        for key, value in (get or {}).items():
            k = key.strip().lower()
            if k in _PERFORMER_KEYS:
                if self.config.reject_performer_key:
                    return _error(400, "search on Human Performer's Name (0040,4034)>(0040,4037) is not supported here")
                performer = value
            elif k in _MATCH_KEYS:
                matches[_MATCH_KEYS[k]] = value
            elif k not in _CONTROL_KEYS:
                ignored.append(k)
        try:
            limit = int(get.get("limit", 0) or 0)
            offset = int(get.get("offset", 0) or 0)
        except ValueError:
            return _error(400, "limit and offset must be integers")
        found = []
        for wi in self._all().values():
            if not self._visible(wi, reader):
                continue
            if performer is not None and not any(
                    wildcard_match(performer, str(v.get("Alphabetic", "")) if isinstance(v, dict) else str(v))
                    for names, _codes in performers(wi.dataset) for v in names):
                continue
            if STATE in matches and wi.state.upper() != matches[STATE].strip().upper():
                continue
            if SOP_UID in matches and wi.uid not in matches[SOP_UID].split(","):
                continue
            if "00100020" in matches and not wildcard_match(matches["00100020"], first(wi.dataset, "00100020")):
                continue
            found.append(wi)
        found.sort(key=lambda w: (_PRIORITY_ORDER.get(first(w.dataset, "00741200").upper(), 1),
                                  first(w.dataset, "00404005"), w.uid))
        found = found[offset:offset + limit] if limit > 0 else found[offset:]
        headers = {}
        if ignored:
            headers["Warning"] = '299 yomi-centre "search keys not supported, ignored: ' \
                                 + ",".join(k for k in ignored if _KEY_RE.match(k))[:200] + '"'
        if not found:
            return Answer(204, headers=headers)
        return Answer(200, json.dumps([_public(w.dataset, w.state) for w in found]), headers=headers)

    def _find(self, reader: ReaderConfig | None, uid: str) -> tuple[StoredWorkitem | None, Answer | None]:
        wi = self._all().get(uid)
        if wi is None:
            return None, _error(404, f"no workitem {uid}")
        if not self._visible(wi, reader):
            return None, _error(403, f"workitem {uid} is not assigned to this reader")
        return wi, None

    def retrieve(self, reader: ReaderConfig | None, uid: str) -> Answer:
        wi, err = self._find(reader, uid)
        if err:
            return err
        return Answer(200, json.dumps([_public(wi.dataset, wi.state)]))

    # --- create / update (the centre's staff) ----------------------------------------------

    @staticmethod
    def _dataset(body: bytes) -> dict | None:
        try:
            data = json.loads(body.decode("utf-8") if isinstance(body, bytes) else body)
        except (ValueError, UnicodeDecodeError):
            return None
        if isinstance(data, list) and len(data) == 1:
            data = data[0]
        return data if isinstance(data, dict) and all(isinstance(v, dict) for v in data.values()) else None

    def create(self, reader: ReaderConfig | None, body: bytes, location_base: str) -> Answer:
        if reader is not None:
            return _error(403, "readers cannot create workitems")
        ds = self._dataset(body)
        if ds is None:
            return _error(400, "the body is not one DICOM JSON dataset")
        if TRANSACTION in ds:
            return _error(400, "a new workitem cannot carry a Transaction UID (0008,1195)")
        state = first(ds, STATE).strip().upper()
        if state not in ("", "SCHEDULED"):
            return _error(400, "a new workitem must be SCHEDULED (0074,1000)")
        if not study_refs(ds):
            return _error(400, "the workitem names no study: Referenced Request Sequence (0040,A370) > "
                               "Study Instance UID (0020,000D) is required here")
        uid = first(ds, SOP_UID) or "2.25." + str(uuid.uuid4().int)
        if not UID_RE.match(uid) or len(uid) > 64:
            return _error(400, "SOP Instance UID (0008,0018) is not a UID")
        with self.store.lock():
            if uid in self._all():
                return _error(409, f"workitem {uid} exists")
            ds = {k: v for k, v in ds.items() if k != STATE}
            ds[SOP_UID] = element("UI", uid)
            ds.setdefault(SOP_CLASS, element("UI", UPS_PUSH_SOP_CLASS))
            self.store.put(StoredWorkitem(uid, "created", "SCHEDULED", "", ds))
        return Answer(201, headers={"Location": f"{location_base}workitems/{uid}"})

    def update(self, reader: ReaderConfig | None, uid: str, body: bytes, get: dict[str, str] | None = None) -> Answer:
        ds = self._dataset(body)
        if ds is None:
            return _error(400, "the body is not one DICOM JSON dataset")
        if reader is not None:
            return self._reader_update(reader, uid, ds, get or {})
        with self.store.lock():
            wi = self.store.get(uid)
            if wi is None:
                return _error(404, f"no workitem {uid} to update")
            if wi.state != "SCHEDULED" or wi.origin != "created":
                # past scheduling (or derived from the study) the centre only acknowledges notices
                if set(ds) - {PROGRESS_SEQ}:
                    return _error(409, f"workitem {uid} is {wi.state}: only its Procedure Step Progress "
                                       "Information (0074,1002), the acknowledgement of a notice, is updated now")
            for key, value in ds.items():
                if key not in (SOP_UID, STATE, TRANSACTION, SOP_CLASS):
                    wi.dataset[key] = value
            self.store.put(wi)
        return Answer(200)

    def _reader_update(self, reader: ReaderConfig, uid: str, ds: dict, get: dict[str, str]) -> Answer:
        """The claim holder's critical-result notice (critical_notice.py), with the claim's
        Transaction UID as the query (PS3.18 11.6) or, since Orthanc 1.10 hands a plugin no query
        arguments of a POST, as Transaction UID (0008,1195) in the body."""
        tx = [k for k in get if UID_RE.match(k.strip())] or ([first(ds, TRANSACTION)] if first(ds, TRANSACTION) else [])
        ds = {k: v for k, v in ds.items() if k != TRANSACTION}
        why = reader_update_refusal(ds)
        if why:
            return _error(403, why)
        if len(tx) != 1:
            return _error(400, "a reader's update needs the claim's Transaction UID as the query: "
                               "POST /workitems/{uid}?{transaction uid}")
        with self.store.lock():
            wi, err = self._find(reader, uid)
            if err:
                return err
            if wi.state not in ("IN PROGRESS", "COMPLETED"):
                return _error(409, f"workitem {uid} is {wi.state}: a notice goes on a claimed workitem")
            if wi.transaction != tx[0].strip():
                return _error(400, f"the Transaction UID does not match the claim of workitem {uid}")
            stored = self.store.get(uid) or wi
            stored.dataset[PROGRESS_SEQ] = merge_notices(stored.dataset, ds)
            if PRIORITY in ds:
                stored.dataset[PRIORITY] = element("CS", "HIGH")
            self.store.put(stored)
        return Answer(200)

    # --- change state (the reader's claim) -------------------------------------------------

    def change_state(self, reader: ReaderConfig | None, uid: str, body: bytes) -> Answer:
        ds = self._dataset(body)
        tx = first(ds, TRANSACTION) if ds else ""
        new = first(ds, STATE).strip().upper() if ds else ""
        if not tx or not new:
            return _error(400, "the body needs Transaction UID (0008,1195) and Procedure Step State (0074,1000)")
        if not UID_RE.match(tx) or len(tx) > 64:
            return _error(400, "Transaction UID (0008,1195) is not a UID")
        with self.store.lock():
            wi, err = self._find(reader, uid)
            if err:
                return err
            if new == "IN PROGRESS":
                if wi.state != "SCHEDULED":
                    return _error(409, f"workitem {uid} is {wi.state}, not SCHEDULED")
                wi.transaction = tx
            elif new in ("COMPLETED", "CANCELED"):
                if wi.state != "IN PROGRESS":
                    return _error(409, f"workitem {uid} is {wi.state}, not IN PROGRESS")
                if wi.transaction != tx:
                    return _error(400, f"the Transaction UID does not match the claim of workitem {uid}")
            else:
                return _error(400, "Procedure Step State must be IN PROGRESS, COMPLETED or CANCELED")
            wi.state = new
            self.store.put(wi)
        return Answer(200, "{}")


