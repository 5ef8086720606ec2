"""Which of the centre's other studies of a patient is the prior to compare with (Qt-free).

Same person: the centre lists studies by Patient ID (and Issuer of Patient ID, when both
sides carry one: worklist/priors_qido.py). A Patient ID can still be reused or mistyped, so
each candidate is checked against the study on screen; sex, birth date or name differing is
an `IdentityProblem` the reader is shown, and such a study is never opened as the prior by
itself (the reader may open it knowingly; the warning stays on screen).

Names are compared on the alphabetic group (common.person_name.same_person_name) after
folding full-width letters and the dash variants Japanese systems mix (ｰ, －, ‐, ‒, –, —, ―, ー
between Latin letters) into their ASCII forms, and only when neither name came garbled from
QIDO (worklist.names.pn_is_garbled: the ideographic bytes of an ISO 2022 name lost).

Comparable (decided here, said in the README): a study dated before the current one, with
CT among its modalities, and a body part of the same region (CHEST, LUNG, THORAX count as one;
a study with no body part is taken as comparable, since many chest CTs omit it, while two
different known parts are not). The most recent comparable study without an identity
problem is prefetched and opened beside the current one.
"""
from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from app import audit
from common.person_name import same_person_name
from worklist.centre import CentreError, PriorsSource, PriorStudy
from worklist.names import pn_is_garbled

__all__ = ["IdentityProblem", "NotComparable", "PriorCandidate", "CurrentStudy", "assess_priors",
           "prior_to_open", "fold_width_and_dashes", "lookup_priors"]

_CHEST = frozenset({"CHEST", "LUNG", "THORAX", "CHEST_ABDOMEN", "CHESTABDOMEN", "CHEST_ABDOMEN_PELVIS"})
_DASHES = re.compile("[\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uff0d\uff70\u30fc]")


class IdentityProblem(enum.Enum):
    SEX_DIFFERS = "sex_differs"
    BIRTH_DATE_DIFFERS = "birth_date_differs"
    NAME_DIFFERS = "name_differs"
    ISSUER_UNKNOWN = "issuer_unknown"   # one side has an Issuer of Patient ID, the other none


class NotComparable(enum.Enum):
    NOT_EARLIER = "not_earlier"
    NOT_CT = "not_ct"
    OTHER_BODY_PART = "other_body_part"


@dataclass(frozen=True)
class CurrentStudy:
    """The study on screen, as its instances say (viewer.dicom_files.Identity)."""

    study_uid: str
    study_date: str
    patient_id: str
    issuer_of_patient_id: str = ""
    patient_name: str = ""
    patient_sex: str = ""
    patient_birth_date: str = ""
    body_part: str = ""

    @classmethod
    def of_identity(cls, ident) -> "CurrentStudy":
        return cls(ident.study_uid, ident.study_date, ident.patient_id, getattr(ident, "issuer_of_patient_id", ""),
                   ident.patient_name, ident.sex, ident.birth_date, getattr(ident, "body_part", ""))


@dataclass(frozen=True)
class PriorCandidate:
    study: PriorStudy
    problems: tuple[IdentityProblem, ...] = ()
    not_comparable: tuple[NotComparable, ...] = ()

    @property
    def comparable(self) -> bool:
        return not self.not_comparable

    @property
    def same_patient(self) -> bool:
        """No problem that says another person (an unknown issuer alone is only a caution)."""
        return not [p for p in self.problems if p is not IdentityProblem.ISSUER_UNKNOWN]


def fold_width_and_dashes(text: str) -> str:
    """Full-width and half-width forms to their normal width (NFKC), dash variants to '-'.

    Local to the priors check until common.person_name carries the project's one
    normalisation (another branch is writing it): then this goes and that is called."""
    folded = unicodedata.normalize("NFKC", str(text or ""))
    return _DASHES.sub("-", folded)


def _same_name(a: str, b: str) -> bool | None:
    """None when the names cannot be compared (one empty or garbled)."""
    if not a or not b or pn_is_garbled(a) or pn_is_garbled(b):
        return None
    return same_person_name(fold_width_and_dashes(a), fold_width_and_dashes(b))


def _region(parts: Iterable[str]) -> set[str]:
    return {"CHEST" if p.upper() in _CHEST else p.upper() for p in parts if p}


def _check(current: CurrentStudy, prior: PriorStudy) -> PriorCandidate:
    problems = []
    if current.patient_sex and prior.patient_sex and current.patient_sex.upper() != prior.patient_sex.upper():
        problems.append(IdentityProblem.SEX_DIFFERS)
    if current.patient_birth_date and prior.patient_birth_date \
            and current.patient_birth_date.strip() != prior.patient_birth_date.strip():
        problems.append(IdentityProblem.BIRTH_DATE_DIFFERS)
    if _same_name(current.patient_name, prior.patient_name) is False:
        problems.append(IdentityProblem.NAME_DIFFERS)
    if bool(current.issuer_of_patient_id) != bool(prior.issuer_of_patient_id):
        problems.append(IdentityProblem.ISSUER_UNKNOWN)
    why_not = []
    if not prior.study_date or not current.study_date or prior.study_date >= current.study_date:
        why_not.append(NotComparable.NOT_EARLIER)
    if "CT" not in {m.upper() for m in prior.modalities}:
        why_not.append(NotComparable.NOT_CT)
    mine, theirs = _region([current.body_part]), _region(prior.body_parts)
    if mine and theirs and not mine & theirs:
        why_not.append(NotComparable.OTHER_BODY_PART)
    return PriorCandidate(prior, tuple(problems), tuple(why_not))


def assess_priors(current: CurrentStudy, studies: Iterable[PriorStudy]) -> list[PriorCandidate]:
    """Every other study of the list, checked; newest first (the current study left out)."""
    out = [_check(current, s) for s in studies if s.study_uid != current.study_uid]
    return sorted(out, key=lambda c: (c.study.study_date, c.study.study_uid), reverse=True)


def prior_to_open(candidates: Iterable[PriorCandidate]) -> PriorCandidate | None:
    """The most recent comparable study of the same patient, or None."""
    for c in candidates:
        if c.comparable and c.same_patient:
            return c
    return None


def lookup_priors(centre, reader: str, current: CurrentStudy, audit_log=None) -> list[PriorCandidate]:
    """Ask the centre for the patient's studies (on a worker: it is a centre call) and check
    them; the search is audited as a query (the Patient ID is kept in the audit record only)."""
    if not isinstance(centre, PriorsSource):
        return []
    params = {"priors": "PatientID+IssuerOfPatientID", "PatientID": current.patient_id}
    try:
        studies = centre.priors(current.patient_id, current.issuer_of_patient_id)
    except CentreError:
        audit.query(reader, params, ok=False, log=audit_log)
        raise
    audit.query(reader, params, log=audit_log)
    return assess_priors(current, studies)
