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

from pydicom.dataset import Dataset
from pydicom.uid import generate_uid

from common.dicom_dates import dt_to_iso
from common.uids import is_valid_uid
from common.person_name import pn_groups, pn_text, same_person_name
from worklist.centre import BadData, Forbidden, Priority, Status, WorkItem
from worklist.claims import ClaimStore
from worklist.dicom_json import dataset_from_json, text
from worklist.dicomweb import DICOM_JSON, DicomWebClient, uid_for_url

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


def _priority(value: str) -> Priority:
    # UPS has no STAT: HIGH is the urgent level, so it heads the list (ups-rs.md).
    v = value.strip().upper()
    return {"HIGH": Priority.STAT, "STAT": Priority.STAT, "LOW": Priority.LOW}.get(v, Priority.ROUTINE)


def _performers(wi: Dataset) -> list[tuple[str, str]]:
    """(alphabetic name, code value) of each Scheduled Human Performer."""
    out = []
    for perf in wi.get("ScheduledHumanPerformersSequence") or []:
        name = pn_groups(perf.get("HumanPerformerName"))[0]
        code = ""
        for c in perf.get("HumanPerformerCodeSequence") or []:
            code = text(c, "CodeValue") or code
        out.append((name, code))
    return out


def _study_uid(wi: Dataset) -> str:
    for seq in ("ReferencedRequestSequence", "InputInformationSequence"):
        for item in wi.get(seq) or []:
            uid = text(item, "StudyInstanceUID")
            if uid:
                return uid
    return text(wi, "StudyInstanceUID")


# Double reading: the centre names each workitem's role (first/second reader, judge) with a
# 99YOMI code in Scheduled Workitem Code Sequence (0040,4018); app/reading/roles.py reads it.
_ROLE_SCHEME = "99YOMI"


def _reading_role(wi: Dataset) -> str:
    for code in wi.get("ScheduledWorkitemCodeSequence") or []:
        if text(code, "CodingSchemeDesignator") == _ROLE_SCHEME:
            return text(code, "CodeValue")
    return ""


def workitem_to_item(wi: Dataset | dict) -> WorkItem:
    """A UPS workitem (Dataset, or its DICOM JSON) as a worklist row."""
    if not isinstance(wi, Dataset):
        wi = dataset_from_json(wi, what="a UPS workitem")
    uid = text(wi, "SOPInstanceUID")
    try:
        status = Status(text(wi, "ProcedureStepState").strip().upper())
    except ValueError:
        raise BadData(f"workitem {uid} has an unknown state") from None
    performers = _performers(wi)
    return WorkItem(
        study_uid=_study_uid(wi),
        patient_id=text(wi, "PatientID"),
        patient_name=pn_text(wi.get("PatientName")),
        patient_birth_date=text(wi, "PatientBirthDate"),
        patient_sex=text(wi, "PatientSex"),
        study_description=text(wi, "ProcedureStepLabel"),
        accession_number=text(wi, "AccessionNumber"),
        priority=_priority(text(wi, "ScheduledProcedureStepPriority")),
        status=status,
        arrived=dt_to_iso(text(wi, "ScheduledProcedureStepStartDateTime")),
        assigned_to=performers[0][0] if performers else "",
        workitem_uid=uid,
        extra={"reading_role": role} if (role := _reading_role(wi)) else {},
    )


class UpsWorklist:
    def __init__(self, client: DicomWebClient, settings: UpsSettings, claims: ClaimStore) -> None:
        if not (settings.reader_name.strip() or settings.reader_code.strip()):
            raise ValueError("a UPS worklist needs the reader's DICOM name or performer code")
        self.client = client
        self.settings = settings
        self.claims = claims

    def _mine(self, wi: Dataset) -> bool:
        for name, code in _performers(wi):
            if same_person_name(name, self.settings.reader_name):
                return True
            if self.settings.reader_code and code == self.settings.reader_code:
                return True
        return False

    def _search(self) -> list[Dataset]:
        return [dataset_from_json(wi, what="a UPS workitem") for wi in self._search_json() if isinstance(wi, dict)]

    def _search_json(self) -> list[dict]:
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
            if not self._mine(wi):
                continue
            item = workitem_to_item(wi)
            if not (is_valid_uid(item.workitem_uid) and is_valid_uid(item.study_uid)):
                # its UIDs would go into URLs (state PUT, retrieval): a hostile or broken
                # server's item is left out, the rest of the worklist stays usable
                log.warning("workitem left out of the worklist: invalid workitem or study UID %r / %r",
                            item.workitem_uid[:80], item.study_uid[:80])
                continue
            if item.status == Status.SCHEDULED:
                items.append(item)
            elif item.status == Status.IN_PROGRESS and item.workitem_uid in claimed:
                item.transaction_uid = claimed[item.workitem_uid]
                items.append(item)
        return items

    def _state_path(self, workitem_uid: str) -> str:
        workitem_uid = uid_for_url(workitem_uid, "Workitem UID")
        if self.settings.state_path_variant == "dcm4chee":
            if not self.settings.requester:
                raise ValueError("the dcm4chee state path needs a requester AE title")
            return f"workitems/{workitem_uid}/state/{self.settings.requester}"
        return f"workitems/{workitem_uid}/state"

    def _put_state(self, workitem_uid: str, transaction_uid: str, state: Status) -> int:
        payload = Dataset()
        payload.TransactionUID = transaction_uid
        payload.ProcedureStepState = state.value
        resp = self.client.request("PUT", self._state_path(workitem_uid),
                                   data=json.dumps(payload.to_json_dict()).encode(),
                                   headers={"Content-Type": DICOM_JSON, "Accept": DICOM_JSON},
                                   ok=(200, 400, 409))
        resp.close()
        return resp.status_code

    def claim(self, item: WorkItem) -> WorkItem:
        if not item.workitem_uid:
            raise BadData(f"study {item.study_uid} has no workitem to claim", study_uid=item.study_uid)
        uid_for_url(item.workitem_uid, "Workitem UID", item.study_uid)  # before it is kept or sent
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
