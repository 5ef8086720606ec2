"""The typed audit event record and the codes it carries (DICOM PS3.15 A.5, RFC 3881).

Every field is typed (codes as `Code`, closed RFC 3881 value sets as enums) so an event is
built from facts, never from free text about a patient: the patient appears only as the
Patient ID object (type PERSON, role PATIENT, ID type "Patient Number"), never by name.

`to_dict`/`from_dict` are the on-disk form hashed by the chain: their output must not change
for an existing event, or logs written by an earlier version would stop verifying.
"""
from __future__ import annotations

import base64
import enum
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

__all__ = [
    "AuditError", "UNKNOWN_USER", "Code", "C", "STUDY_ROOT_FIND", "Action", "Outcome", "ObjectType", "ObjectRole",
    "NetworkAccessPointType", "ActiveParticipant", "ParticipantObject", "AuditEvent", "MAX_LISTED_INSTANCES",
]


class AuditError(Exception):
    """The audit log could not be written or read; one line, no personal data."""


# The UserID recorded for a failed login whose typed user ID matches no account: what was
# typed may be a password (typed into the wrong field), so it is never written, not even
# hashed (a hash of a short secret is found by trying candidates; a keyed hash would need a
# key the reader, who can read the log, cannot read). Failed logins on real accounts keep
# the account's ID.
UNKNOWN_USER = "(unknown user)"


@dataclass(frozen=True)
class Code:
    """A coded value (code, scheme, meaning), e.g. Code("110114", "DCM", "User Authentication")."""

    code: str
    scheme: str
    meaning: str


# Study Root Query/Retrieve - FIND: the query model a QIDO-RS study search corresponds to,
# the object of a Query event (a SOP Class UID, not a coded value).
STUDY_ROOT_FIND = "1.2.840.10008.5.1.4.1.2.2.1"


class C:
    """The DICOM (DCM) and RFC 3881 codes this station emits (PS3.16, PS3.15 A.5.3)."""

    USER_AUTHENTICATION = Code("110114", "DCM", "User Authentication")
    LOGIN = Code("110122", "DCM", "Login")
    LOGOUT = Code("110123", "DCM", "Logout")
    QUERY = Code("110112", "DCM", "Query")
    INSTANCES_ACCESSED = Code("110103", "DCM", "DICOM Instances Accessed")
    INSTANCES_TRANSFERRED = Code("110104", "DCM", "DICOM Instances Transferred")
    EXPORT = Code("110106", "DCM", "Export")
    SECURITY_ALERT = Code("110113", "DCM", "Security Alert")
    AUDIT_LOG_USED = Code("110101", "DCM", "Audit Log Used")
    SOURCE = Code("110153", "DCM", "Source Role ID")
    DESTINATION = Code("110152", "DCM", "Destination Role ID")
    DESTINATION_MEDIA = Code("110154", "DCM", "Destination Media")
    STUDY_INSTANCE_UID = Code("110180", "DCM", "Study Instance UID")
    SOP_CLASS_UID = Code("110181", "DCM", "SOP Class UID")
    PATIENT_NUMBER = Code("2", "RFC-3881", "Patient Number")
    URI = Code("12", "RFC-3881", "URI")
    NODE_AUTHENTICATION = Code("110126", "DCM", "Node Authentication")
    USE_OF_RESTRICTED_FUNCTION = Code("110132", "DCM", "Use of Restricted Function")
    SOFTWARE_CONFIGURATION = Code("110131", "DCM", "Software Configuration")
    # Idle lock/unlock have no DICOM code; they ride on User Authentication Logout/Login
    # with this local code added as a second EventTypeCode so a reviewer can tell them apart.
    IDLE_LOCK = Code("LOCK", "99YOMI", "Session locked")
    UNLOCK = Code("UNLOCK", "99YOMI", "Session unlocked")
    STUDY_ROOT_FIND = STUDY_ROOT_FIND  # kept here too: callers used to find it on C


class Action(str, enum.Enum):
    """EventActionCode."""

    CREATE = "C"
    READ = "R"
    UPDATE = "U"
    DELETE = "D"
    EXECUTE = "E"


class Outcome(enum.IntEnum):
    """EventOutcomeIndicator; a failure is its own event, never folded into a success."""

    SUCCESS = 0
    MINOR_FAILURE = 4
    SERIOUS_FAILURE = 8
    MAJOR_FAILURE = 12


class ObjectType(enum.IntEnum):
    """ParticipantObjectTypeCode (RFC 3881 5.5.1)."""

    PERSON = 1
    SYSTEM_OBJECT = 2
    ORGANIZATION = 3
    OTHER = 4


class ObjectRole(enum.IntEnum):
    """ParticipantObjectTypeCodeRole (RFC 3881 5.5.2): the whole closed set, so any record
    an ARR or an older Yomi wrote still reads back."""

    PATIENT = 1
    LOCATION = 2
    REPORT = 3  # DICOM uses it for a study
    RESOURCE = 4
    MASTER_FILE = 5
    USER = 6
    LIST = 7
    DOCTOR = 8
    SUBSCRIBER = 9
    GUARANTOR = 10
    SECURITY_USER_ENTITY = 11
    SECURITY_USER_GROUP = 12
    SECURITY_RESOURCE = 13
    SECURITY_GRANULARITY_DEFINITION = 14
    PROVIDER = 15
    DATA_DESTINATION = 16
    DATA_ARCHIVE = 17
    SCHEDULE = 18
    CUSTOMER = 19
    JOB = 20
    JOB_STREAM = 21
    TABLE = 22
    ROUTING_CRITERIA = 23
    QUERY = 24


class NetworkAccessPointType(enum.IntEnum):
    """NetworkAccessPointTypeCode (RFC 3881 5.3.5)."""

    MACHINE_NAME = 1
    IP_ADDRESS = 2
    TELEPHONE_NUMBER = 3
    EMAIL_ADDRESS = 4
    URI = 5


def _coerce(obj: object, name: str, kind: type[enum.Enum]) -> None:
    # Frozen dataclasses: plain ints (positional callers, JSON) become the enum member, and a
    # value outside the set raises ValueError here rather than writing an invalid record.
    object.__setattr__(obj, name, kind(getattr(obj, name)))


@dataclass(frozen=True)
class ActiveParticipant:
    user_id: str
    user_is_requestor: bool
    network_access_point_id: str = ""
    network_access_point_type: NetworkAccessPointType = NetworkAccessPointType.MACHINE_NAME
    role: Code | None = None
    user_name: str = ""  # the reader's own name (never a patient's)

    def __post_init__(self) -> None:
        _coerce(self, "network_access_point_type", NetworkAccessPointType)


# ParticipantObject fields added after the first on-disk format; `to_dict` leaves them out
# while empty, so the dict (and hash) of an event without them is what earlier versions wrote.
_LATER_OBJECT_FIELDS = ("instance_count", "sop_class_uid", "instances")

# A study of thousands of instances would make a message far over the 32 768 octets an ARR
# must accept (RFC 5425, security.md row 15): above this many, only the count is recorded.
MAX_LISTED_INSTANCES = 50


@dataclass(frozen=True)
class ParticipantObject:
    object_id: str
    type_code: ObjectType
    type_role: ObjectRole
    id_type: Code
    query: bytes = b""    # ParticipantObjectQuery (base64 in XML)
    details: tuple[tuple[str, str], ...] = ()  # (type, value) ParticipantObjectDetail
    # Written by earlier versions only ("2 instances"): the schema (PS3.15 A.5.1) allows no
    # text in ParticipantObjectDescription, so `atna` renders a count found here as SOPClass.
    description: str = ""
    # ParticipantObjectDescription / SOPClass: how many instances, of which SOP Class (may be
    # unknown), and their UIDs when few enough to list (`MAX_LISTED_INSTANCES`).
    instance_count: int = 0
    sop_class_uid: str = ""
    instances: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _coerce(self, "type_code", ObjectType)
        _coerce(self, "type_role", ObjectRole)
        object.__setattr__(self, "instances", tuple(self.instances))


@dataclass(frozen=True)
class AuditEvent:
    event_id: Code
    action: Action
    outcome: Outcome
    participants: tuple[ActiveParticipant, ...]
    objects: tuple[ParticipantObject, ...] = ()
    event_types: tuple[Code, ...] = ()
    outcome_description: str = ""
    date_time: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    source_id: str = ""
    event_uuid: str = field(default_factory=lambda: str(uuid.uuid4()))  # dedupe key for forwarding

    def __post_init__(self) -> None:
        _coerce(self, "action", Action)
        _coerce(self, "outcome", Outcome)
        if self.date_time.tzinfo is None:
            raise AuditError("audit event time must carry a time zone (UTC)")
        if not self.participants:
            raise AuditError(f"audit event {self.event_id.code} needs an active participant")

    def to_dict(self) -> dict:
        """The JSON form the chain hashes: enums as their plain values, times in UTC."""
        d = asdict(self)
        d["action"] = self.action.value
        d["outcome"] = int(self.outcome)
        d["date_time"] = self.date_time.astimezone(timezone.utc).isoformat(timespec="microseconds")
        for p in d["participants"]:
            p["network_access_point_type"] = int(p["network_access_point_type"])
        for o in d["objects"]:
            o["type_code"], o["type_role"] = int(o["type_code"]), int(o["type_role"])
            o["query"] = base64.b64encode(o["query"]).decode("ascii")
            o["details"] = [list(x) for x in o["details"]]
            o["instances"] = list(o["instances"])
            for key in _LATER_OBJECT_FIELDS:  # absent when unused: earlier records keep their form
                if not o[key]:
                    del o[key]
        return d

    @classmethod
    def from_dict(cls, d: Mapping) -> "AuditEvent":
        """Inverse of `to_dict`; raises ValueError/KeyError/TypeError on a malformed record."""
        def code(x: Mapping | None) -> Code | None:
            return Code(**x) if x else None

        return cls(
            event_id=Code(**d["event_id"]),
            action=Action(d["action"]),
            outcome=Outcome(d["outcome"]),
            participants=tuple(
                ActiveParticipant(**{**p, "role": code(p.get("role"))}) for p in d["participants"]),
            objects=tuple(
                ParticipantObject(**{**o, "id_type": Code(**o["id_type"]),
                                     "query": base64.b64decode(o["query"]),
                                     "details": tuple(tuple(x) for x in o["details"]),
                                     "instances": tuple(o.get("instances", ()))})
                for o in d["objects"]),
            event_types=tuple(Code(**c) for c in d["event_types"]),
            outcome_description=d["outcome_description"],
            date_time=datetime.fromisoformat(d["date_time"]),
            source_id=d["source_id"],
            event_uuid=d["event_uuid"],
        )
