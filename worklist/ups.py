"""A worklist from UPS-RS (PS3.18 chapter 11): search, claim, complete or cancel workitems.

"Assigned to me" is asked of the server through Scheduled Human Performers (0040,4034) >
Human Performer's Name (0040,4037); a server that cannot match that key (Microsoft's)
answers 400, and the search is repeated without it. Either way the answers are filtered
here, so only this reader's items are listed; the server stays the authority on what a
reader may retrieve.

Claiming sends a new Transaction UID with state IN PROGRESS; the UID is written to the
ClaimStore before the request leaves, since the server never returns it and completing
or cancelling after a restart needs it.
"""
from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass

from pydicom.uid import generate_uid

from worklist.centre import BadData, Forbidden, Priority, Status, WorkItem
from worklist.claims import ClaimStore
from worklist.dicomweb import DICOM_JSON, DicomWebClient, dicom_json_value
from worklist.names import pn_from_json
from worklist.qido_worklist import same_person_name

__all__ = ["UpsSettings", "UpsWorklist", "workitem_to_item"]

log = logging.getLogger(__name__)

_PERFORMER_NAME_KEY = "00404034.00404037"


@dataclass(frozen=True)
class UpsSettings:
    reader_name: str               # Human Performer's Name as the centre writes it (PN)
    reader_code: str = ""          # or the Human Performer Code Sequence code value (e.g. login ID)
    # "standard": PUT /workitems/{uid}/state; "dcm4chee": PUT .../state/{requester}
    state_path_variant: str = "standard"
    requester: str = ""            # dcm4chee's {requester} (an AE title)
    limit: int = 500


def _dt_iso(value: str) -> str:
    """DICOM DT (YYYYMMDDHHMMSS...) to ISO 8601, enough to sort on."""
    v = value.strip()
    if len(v) < 8 or not v[:8].isdigit():
        return ""
    out = f"{v[0:4]}-{v[4:6]}-{v[6:8]}"
    if len(v) >= 12 and v[8:12].isdigit():
        out += f"T{v[8:10]}:{v[10:12]}"
        if len(v) >= 14 and v[12:14].isdigit():
            out += f":{v[12:14]}"
    return out


def _priority(value: str) -> Priority:
    # UPS has no STAT: HIGH is the urgent level, so it heads the list (ups-rs.md).
    v = value.strip().upper()
    return {"HIGH": Priority.STAT, "STAT": Priority.STAT, "LOW": Priority.LOW}.get(v, Priority.ROUTINE)


def _performers(wi: dict) -> list[tuple[str, str]]:
    out = []
    for perf in (wi.get("00404034") or {}).get("Value") or []:
        if not isinstance(perf, dict):
            continue
        name = pn_from_json(perf.get("00404037")).split("=")[0]
        code = ""
        for c in (perf.get("00404009") or {}).get("Value") or []:
            code = str(dicom_json_value(c, "00080100")) or code
        out.append((name, code))
    return out


def _study_uid(wi: dict) -> str:
    for seq in ("0040A370", "00404021"):  # Referenced Request, Input Information
        for item in (wi.get(seq) or {}).get("Value") or []:
            uid = str(dicom_json_value(item, "0020000D"))
            if uid:
                return uid
    return str(dicom_json_value(wi, "0020000D"))


def workitem_to_item(wi: dict) -> WorkItem:
    uid = str(dicom_json_value(wi, "00080018"))
    state = str(dicom_json_value(wi, "00741000")).strip().upper()
    try:
        status = Status(state)
    except ValueError:
        raise BadData(f"workitem {uid} has an unknown state") from None
    performers = _performers(wi)
    return WorkItem(
        study_uid=_study_uid(wi),
        patient_id=str(dicom_json_value(wi, "00100020")),
        patient_name=pn_from_json(wi.get("00100010")),
        patient_birth_date=str(dicom_json_value(wi, "00100030")),
        patient_sex=str(dicom_json_value(wi, "00100040")),
        study_description=str(dicom_json_value(wi, "00741204")),
        accession_number=str(dicom_json_value(wi, "00080050")),
        priority=_priority(str(dicom_json_value(wi, "00741200"))),
        status=status,
        arrived=_dt_iso(str(dicom_json_value(wi, "00404005"))),
        assigned_to=performers[0][0] if performers else "",
        workitem_uid=uid,
    )


class UpsWorklist:
    def __init__(self, client: DicomWebClient, settings: UpsSettings, claims: ClaimStore) -> None:
        if not (settings.reader_name.strip() or settings.reader_code.strip()):
            raise ValueError("a UPS worklist needs the reader's DICOM name or performer code")
        self.client = client
        self.settings = settings
        self.claims = claims

    def _mine(self, wi: dict) -> bool:
        for name, code in _performers(wi):
            if same_person_name(name, self.settings.reader_name):
                return True
            if self.settings.reader_code and code == self.settings.reader_code:
                return True
        return False

    def _search(self) -> list[dict]:
        base = {"includefield": "all"}
        if self.settings.reader_name:
            try:
                return self.client.search("workitems", {_PERFORMER_NAME_KEY: self.settings.reader_name.replace("^", "?"),
                                                        **base}, limit=self.settings.limit)
            except BadData:
                log.info("UPS server cannot match Human Performer's Name; filtering on this side")
        return self.client.search("workitems", base, limit=self.settings.limit)

    def worklist(self) -> list[WorkItem]:
        claimed = self.claims.all()
        items = []
        for wi in self._search():
            if not isinstance(wi, dict) or not self._mine(wi):
                continue
            item = workitem_to_item(wi)
            if item.status == Status.SCHEDULED:
                items.append(item)
            elif item.status == Status.IN_PROGRESS and item.workitem_uid in claimed:
                item.transaction_uid = claimed[item.workitem_uid]
                items.append(item)
        return items

    def _state_path(self, workitem_uid: str) -> str:
        if self.settings.state_path_variant == "dcm4chee":
            if not self.settings.requester:
                raise ValueError("the dcm4chee state path needs a requester AE title")
            return f"workitems/{workitem_uid}/state/{self.settings.requester}"
        return f"workitems/{workitem_uid}/state"

    def _put_state(self, workitem_uid: str, transaction_uid: str, state: Status) -> int:
        payload = {"00081195": {"vr": "UI", "Value": [transaction_uid]},
                   "00741000": {"vr": "CS", "Value": [state.value]}}
        resp = self.client.request("PUT", self._state_path(workitem_uid), data=json.dumps(payload).encode(),
                                   headers={"Content-Type": DICOM_JSON, "Accept": DICOM_JSON},
                                   ok=(200, 400, 409))
        resp.close()
        return resp.status_code

    def claim(self, item: WorkItem) -> WorkItem:
        if not item.workitem_uid:
            raise BadData(f"study {item.study_uid} has no workitem to claim", study_uid=item.study_uid)
        tx = generate_uid()
        self.claims.put(item.workitem_uid, tx)  # before sending: the server never gives it back
        try:
            code = self._put_state(item.workitem_uid, tx, Status.IN_PROGRESS)
        except BaseException:
            self.claims.remove(item.workitem_uid)
            raise
        if code != 200:
            self.claims.remove(item.workitem_uid)
            raise Forbidden(f"workitem {item.workitem_uid} cannot be claimed: it is not scheduled "
                            f"any more, perhaps taken by another reader ({code})", study_uid=item.study_uid)
        log.info("claimed workitem %s", item.workitem_uid)
        return dataclasses.replace(item, status=Status.IN_PROGRESS, transaction_uid=tx)

    def release(self, item: WorkItem, *, completed: bool) -> None:
        tx = item.transaction_uid or self.claims.get(item.workitem_uid)
        if not tx:
            raise BadData(f"no transaction UID kept for workitem {item.workitem_uid}: "
                          "it was not claimed on this station", study_uid=item.study_uid)
        state = Status.COMPLETED if completed else Status.CANCELED
        code = self._put_state(item.workitem_uid, tx, state)
        if code != 200:
            raise BadData(f"workitem {item.workitem_uid} refused the change to {state.value} ({code})",
                          study_uid=item.study_uid)
        self.claims.remove(item.workitem_uid)
        log.info("workitem %s set to %s", item.workitem_uid, state.value)
