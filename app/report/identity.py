"""Who and what a report is about, and who signs it: plain, immutable data.

Personal fields are kept out of repr() so a report or identity that ends up in a log line or
an exception shows UIDs only. How a name is shown is common.person_name's (localized_name).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from common.person_name import pn_groups

__all__ = ["StudyIdentity", "Signer", "PHYSICIAN", "CERTIFIED_PHYSICIAN", "qualification_of_roles"]

PHYSICIAN = "physician"
CERTIFIED_PHYSICIAN = "certified_physician"   # 肺がんCT検診認定機構 認定医師


def qualification_of_roles(roles: "list[str] | tuple[str, ...]") -> str:
    return CERTIFIED_PHYSICIAN if "judge" in roles else PHYSICIAN


@dataclass(frozen=True)
class StudyIdentity:
    """The study on screen, copied into every output. `patient_name` is a DICOM PN string
    with all its groups, e.g. 'Yamada^Tarou=山田^太郎=やまだ^たろう' (romaji, kanji, kana), as
    decoded from the images (common.charset_guess); dates are DICOM DA (YYYYMMDD)."""

    study_uid: str
    patient_id: str = field(default="", repr=False)
    patient_name: str = field(default="", repr=False)
    patient_birth_date: str = field(default="", repr=False)
    patient_sex: str = field(default="", repr=False)
    accession_number: str = ""
    study_date: str = ""
    study_time: str = ""
    study_id: str = ""
    study_description: str = ""

    @property
    def kanji_name(self) -> str:
        """The ideographic group ('山田^太郎'), '' when the name has none."""
        return pn_groups(self.patient_name)[1]

    @property
    def kana_name(self) -> str:
        """The phonetic group ('やまだ^たろう'), '' when the name has none."""
        return pn_groups(self.patient_name)[2]

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "StudyIdentity":
        known = {k: str(v) for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass(frozen=True)
class Signer:
    """The reader who signs, already re-authenticated by the session: PN name, ID, organisation,
    and the qualification the site's account grants (a `Qualification` value; the account's
    "judge" role is given by IT to certified physicians, 肺がんCT検診認定医師, only)."""

    name: str = field(repr=False)
    id: str
    organisation: str
    qualification: str = "physician"

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Signer":
        return cls(str(data["name"]), str(data["id"]), str(data["organisation"]),
                   str(data.get("qualification", "physician")))
