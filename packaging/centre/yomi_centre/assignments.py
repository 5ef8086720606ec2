"""Which studies each reader is assigned, and so may read: the one authority for access.

Two sources, per study:
- a study referenced by a UPS workitem the centre created (POST /workitems) is governed by
  its workitems: assigned to the Scheduled Human Performers of those SCHEDULED or IN
  PROGRESS (a completed or cancelled workitem no longer gives access);
- any other study is assigned to the readers named in its Name of Physician(s) Reading
  Study (0008,1060), read from one instance of each image series (an SR or PR the reader
  sent back does not count: it would keep the sender assigned after the centre moved it).
A reader may also read the other studies of the patient (same Patient ID) of an assigned
study: the priors, while that assignment lasts.

The picture is rebuilt only when Orthanc's change log or the workitem store moved on; the
(0008,1060) of a study is re-read only when its LastUpdate changed.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from .config import CentreConfig, ReaderConfig
from .dicom_json import performers, study_refs
from .names import names_match, pn_values
from .orthanc_api import OrthancApi
from .store import WorkitemStore

__all__ = ["StudyRecord", "Snapshot", "Assignments", "ACTIVE_STATES", "performer_is"]

ACTIVE_STATES = frozenset({"SCHEDULED", "IN PROGRESS"})
_CHANGES_PAGE = 2000
_NON_IMAGE = frozenset({"SR", "PR", "KO", "DOC", "REG", "SEG", "RWV"})


@dataclass(frozen=True)
class StudyRecord:
    uid: str
    orthanc_id: str
    patient_id: str
    reading: tuple[str, ...]          # (0008,1060) values, as PN text
    tags: dict = field(default_factory=dict, compare=False)   # Main + Patient main DICOM tags (Orthanc JSON)


def performer_is(ds: dict, reader: ReaderConfig) -> bool:
    """Is this reader one of the workitem's Scheduled Human Performers (by name or code)?"""
    for names, codes in performers(ds):
        if names_match(names, reader.dicom_name):
            return True
        if codes and (reader.performer_code and reader.performer_code in codes):
            return True
    return False


@dataclass
class Snapshot:
    studies: dict[str, StudyRecord]
    ambiguous: frozenset[str]          # Study UIDs Orthanc holds under more than one patient: never served
    governed: frozenset[str]           # studies referenced by a centre-created workitem
    created: list                      # StoredWorkitem of origin "created"
    _assigned: dict[str, frozenset[str]] = field(default_factory=dict)

    def record(self, study_uid: str) -> StudyRecord | None:
        if study_uid in self.ambiguous:
            return None
        return self.studies.get(study_uid)

    def assigned(self, reader: ReaderConfig) -> frozenset[str]:
        """Studies assigned to the reader now (see the module rule)."""
        cached = self._assigned.get(reader.login)
        if cached is not None:
            return cached
        out = set()
        for wi in self.created:
            if wi.state in ACTIVE_STATES and performer_is(wi.dataset, reader):
                out.update(study_refs(wi.dataset))
        for uid, rec in self.studies.items():
            if uid not in self.governed and names_match(list(rec.reading), reader.dicom_name):
                out.add(uid)
        result = frozenset(u for u in out if u not in self.ambiguous)
        self._assigned[reader.login] = result
        return result

    def patients(self, reader: ReaderConfig) -> frozenset[str]:
        return frozenset(r.patient_id for u in self.assigned(reader) if (r := self.record(u)) is not None)

    def may_read(self, reader: ReaderConfig, study_uid: str) -> bool:
        rec = self.record(study_uid)
        if rec is None:
            return False
        return study_uid in self.assigned(reader) or rec.patient_id in self.patients(reader)

    def may_store(self, reader: ReaderConfig, study_uid: str, patient_id: str | None = None) -> bool:
        """A reader stores (the report) only into a study assigned to them, of the same patient."""
        rec = self.record(study_uid)
        if rec is None or study_uid not in self.assigned(reader):
            return False
        return patient_id is None or patient_id == rec.patient_id


class Assignments:
    def __init__(self, api: OrthancApi, store: WorkitemStore, config: CentreConfig) -> None:
        self.api = api
        self.store = store
        self.config = config
        self._lock = threading.Lock()
        self._key: tuple[Any, int] | None = None
        self._snapshot: Snapshot | None = None
        self._reading: dict[str, tuple[str, tuple[str, ...]]] = {}   # orthanc id -> (LastUpdate, names)

    def _last_change(self) -> Any:
        answer = self.api.get_json("/changes?last")
        return answer.get("Last") if isinstance(answer, dict) else None

    def _forget_changed(self, since: Any) -> None:
        """Drop the cached (0008,1060) of every study touched since change `since`.

        LastUpdate has a one-second grain: a study deleted and sent again within a second
        keeps its ID and its LastUpdate, so the change log is what says it changed.
        """
        if since is None:
            self._reading.clear()
            return
        answer = self.api.get_json(f"/changes?since={since}&limit={_CHANGES_PAGE}")
        if not isinstance(answer, dict) or not answer.get("Done"):
            self._reading.clear()      # too many changes to go through: read everything again
            return
        parents: dict[str, str | None] = {}
        for change in answer.get("Changes") or []:
            level, rid = change.get("ResourceType"), str(change.get("ID", ""))
            if level == "Study":
                self._reading.pop(rid, None)
            elif level in ("Series", "Instance"):
                if rid not in parents:
                    study = self.api.get_json(f"/{'series' if level == 'Series' else 'instances'}/{rid}/study")
                    parents[rid] = str(study.get("ID")) if isinstance(study, dict) else None
                if parents[rid] is None:   # gone already: which study it left is unknown
                    self._reading.clear()
                    return
                self._reading.pop(parents[rid], None)

    def _reading_names(self, study: dict) -> tuple[str, ...]:
        sid, stamp = str(study.get("ID")), str(study.get("LastUpdate"))
        known = self._reading.get(sid)
        if known is not None and known[0] == stamp:
            return known[1]
        names: list[str] = []
        for series_id in study.get("Series") or []:
            series = self.api.get_json(f"/series/{series_id}")
            if not isinstance(series, dict) or not series.get("Instances"):
                continue
            if str((series.get("MainDicomTags") or {}).get("Modality", "")).upper() in _NON_IMAGE:
                continue
            tags = self.api.get_json(f"/instances/{series['Instances'][0]}/simplified-tags")
            if isinstance(tags, dict):
                for v in pn_values(tags.get("NameOfPhysiciansReadingStudy")):
                    if v.strip() and v not in names:
                        names.append(v)
        result = tuple(names)
        self._reading[sid] = (stamp, result)
        return result

    def snapshot(self) -> Snapshot:
        # The store is read before taking our lock: a claim holds the store's lock while it
        # asks for a snapshot, so the two locks are never waited for in the other order.
        version = self.store.version
        created = [w for w in self.store.all() if w.origin == "created"]
        with self._lock:
            key = (self._last_change(), version)
            if self._snapshot is not None and key[0] is not None and key == self._key:
                return self._snapshot
            self._forget_changed(self._key[0] if self._key else None)
            studies: dict[str, StudyRecord] = {}
            ambiguous: set[str] = set()
            live = set()
            for st in self.api.get_json("/studies?expand") or []:
                if not isinstance(st, dict):
                    continue
                main = st.get("MainDicomTags") or {}
                uid = str(main.get("StudyInstanceUID", ""))
                if not uid:
                    continue
                live.add(str(st.get("ID")))
                patient = st.get("PatientMainDicomTags") or {}
                if uid in studies:
                    ambiguous.add(uid)
                studies[uid] = StudyRecord(uid, str(st.get("ID")), str(patient.get("PatientID", "")),
                                           self._reading_names(st), {**patient, **main})
            self._reading = {k: v for k, v in self._reading.items() if k in live}
            governed = frozenset(u for w in created for u in study_refs(w.dataset))
            self._snapshot = Snapshot(studies, frozenset(ambiguous), governed, created)
            self._key = key
            return self._snapshot

    def _lookup(self, uid: str, level: str) -> list[str]:
        """Orthanc IDs of the resources of `level` ("Series", "Instance") with this DICOM UID."""
        return [str(r["ID"]) for r in self.api.post_json("/tools/lookup", uid) or []
                if isinstance(r, dict) and r.get("Type") == level]

    def series_in_study(self, series_uid: str, study: StudyRecord) -> bool:
        found = self._lookup(series_uid, "Series")
        return bool(found) and all((self.api.get_json(f"/series/{sid}") or {}).get("ParentStudy") == study.orthanc_id
                                   for sid in found)

    def instance_in_series(self, instance_uid: str, series_uid: str, study: StudyRecord) -> bool:
        series_ids = set(self._lookup(series_uid, "Series"))
        found = self._lookup(instance_uid, "Instance")
        if not found or not series_ids:
            return False
        if any((self.api.get_json(f"/instances/{iid}") or {}).get("ParentSeries") not in series_ids for iid in found):
            return False
        return self.series_in_study(series_uid, study)
