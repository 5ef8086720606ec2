"""The report being written: template fields, nodules, category overrides, and its life cycle.

DRAFT -> SIGNED. A signed report is immutable: every mutation raises ReportSignedError; a
correction is an addendum, a new draft that references the signed report (its predecessor).
The model imports no Qt; the editor widget calls these methods (through EditSession for undo
and autosave) and renders `render_html`.
"""
from __future__ import annotations

import copy
import enum
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any, Mapping

from .critical import CriticalFinding
from .categories import SCHEME_NAMES, Override, SchemeResult, check_category, evaluate
from .errors import FieldValueError, NotReadyToSign, ReportSignedError
from .finding import Finding
from .key_images import MAX_KEY_IMAGES, KeyImage
from .identity import Signer, StudyIdentity
from .messages import Message, MsgId, msg
from .templates import LANGUAGES, Template, expand_macros, load_template

__all__ = ["ReportState", "SignatureRecord", "Predecessor", "Report", "FORMAT"]

log = logging.getLogger(__name__)
FORMAT = 1  # version of the draft JSON layout
NORMAL_MACRO = ".nl"  # the normal-report macro word (app/report/templates.expand_macros)


class ReportState(str, enum.Enum):
    DRAFT = "draft"
    SIGNED = "signed"


@dataclass(frozen=True)
class SignatureRecord:
    """What signing fixed for ever: who, when, and the UIDs of every output."""

    signer: Signer
    signed_at: str  # ISO 8601 with UTC offset
    series_uid: str
    sr_sop_uid: str
    pdf_series_uid: str
    encapsulated_sop_uid: str
    pdf_signed: bool  # False: PDF exported without a digital signature (marked as such)

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["signer"] = self.signer.to_dict()
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "SignatureRecord":
        return cls(Signer.from_dict(d["signer"]), str(d["signed_at"]), str(d["series_uid"]), str(d["sr_sop_uid"]),
                   str(d["pdf_series_uid"]), str(d["encapsulated_sop_uid"]), bool(d["pdf_signed"]))


@dataclass(frozen=True)
class Predecessor:
    """The signed report an addendum amends (what the SR's Predecessor Documents Sequence names)."""

    report_id: str
    study_uid: str
    series_uid: str
    sr_sop_uid: str
    pdf_series_uid: str
    encapsulated_sop_uid: str
    signed_at: str

    def to_dict(self) -> dict[str, str]:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Predecessor":
        return cls(**{k: str(d[k]) for k in cls.__dataclass_fields__})


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Report:
    """A structured report for one study, made from one template version."""

    def __init__(self, template: Template, identity: StudyIdentity, language: str = "ja", *,
                 report_id: str | None = None, created_at: str | None = None) -> None:
        if language not in LANGUAGES:
            raise FieldValueError(f"unknown language {language!r}")
        if not identity.study_uid:
            raise FieldValueError("a report needs the Study Instance UID of the study on screen")
        self.__dict__.update(
            template=template,
            identity=identity,
            language=language,
            report_id=report_id or uuid.uuid4().hex,
            created_at=created_at or _now(),
            updated_at=created_at or _now(),
            state=ReportState.DRAFT,
            signature=None,
            predecessor=None,
            _fields={},
            _nodules=[],
            _overrides={},
            critical=None,  # CriticalFinding once the reader flags one
            _key_images=[],
        )

    # -- immutability -------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        self._require_draft()
        raise AttributeError(f"use the Report methods to change {name!r}")

    def _require_draft(self) -> None:
        if self.__dict__.get("state") is ReportState.SIGNED:
            raise ReportSignedError(f"report {self.report_id} is signed; write an addendum")

    def _touch(self) -> None:
        self.__dict__["updated_at"] = _now()

    def __repr__(self) -> str:
        return (f"Report(id={self.report_id}, template={self.template.id}@{self.template.version}, "
                f"study={self.identity.study_uid}, state={self.state.value})")

    # -- read access ----------------------------------------------------------------------
    @property
    def fields(self) -> Mapping[str, Any]:
        return MappingProxyType(self._fields)

    @property
    def nodules(self) -> tuple[Finding, ...]:
        return tuple(self._nodules)

    @property
    def key_images(self) -> tuple[KeyImage, ...]:
        return tuple(self._key_images)

    @property
    def overrides(self) -> Mapping[str, Override]:
        return MappingProxyType(self._overrides)

    @property
    def is_signed(self) -> bool:
        return self.state is ReportState.SIGNED

    def categories(self) -> dict[str, SchemeResult]:
        """Suggested and final category of every scheme of the template."""
        return evaluate(self.template.schemes, self._fields, self._nodules, self._overrides)

    def computed(self, field_id: str, lang: str | None = None) -> str:
        """The text of a computed report field (e.g. the recommendation) in `lang`."""
        lang = lang or self.language
        f = self.template.field(field_id)
        if f.compute != "recommendation":
            raise FieldValueError(f"{field_id} is not a computed report field")
        if not self.template.schemes:
            return ""
        primary = self.categories()[self.template.schemes[0]]
        text = primary.recommendation.get(lang, "")
        return text

    # -- mutation -------------------------------------------------------------------------
    def set_language(self, language: str) -> None:
        self._require_draft()
        if language not in LANGUAGES:
            raise FieldValueError(f"unknown language {language!r}")
        self.__dict__["language"] = language
        self._touch()

    def set_field(self, field_id: str, value: Any) -> None:
        """Set a report field; text with macros enabled is expanded ('.nl' -> normal text).
        '.nl' is the normal report too: typed alone in a choice, or in a macro text, the
        template's normal choices fill the fields still empty (never one the reader set)."""
        self._require_draft()
        f = self.template.field(field_id)
        if f.type == "choice" and isinstance(value, str) and value.strip() == NORMAL_MACRO:
            self._fill_normal(text=True)
        else:
            self._fields_set(field_id, self._coerce(f, value))
            if f.macros and isinstance(value, str) and NORMAL_MACRO in value.split():
                self._fill_normal(text=False)
        self._touch()

    def _fill_normal(self, *, text: bool) -> None:
        for fid, code in self.template.normal_choices.items():
            self._fields.setdefault(fid, code)
        target = self.template.normal_text_field
        if text and target and target not in self._fields:
            self._fields[target] = self.template.normal_text[self.language]

    def _fields_set(self, field_id: str, value: Any) -> None:
        if value is None or value == "":
            self._fields.pop(field_id, None)
        else:
            self._fields[field_id] = value

    def _coerce(self, f: Any, value: Any) -> Any:
        if value is None or value == "":
            return None
        if f.type == "computed":
            raise FieldValueError(f"{f.id} is computed and cannot be typed")
        if f.type in ("text", "multiline"):
            if not isinstance(value, str):
                raise FieldValueError(f"{f.id} takes text")
            return expand_macros(value, self.template, self.language, f.id) if f.macros else value
        if f.type == "number":
            try:
                d = Decimal(str(value))
            except InvalidOperation:
                raise FieldValueError(f"{f.id} takes a number") from None
            if not d.is_finite() or d < 0 or isinstance(value, bool):
                raise FieldValueError(f"{f.id} takes a finite number >= 0")
            return str(d)
        if f.type == "choice":
            if f.option(str(value)) is None:
                raise FieldValueError(f"{value!r} is not an option of {f.id}")
            return str(value)
        if f.type == "flag":
            if not isinstance(value, bool):
                raise FieldValueError(f"{f.id} takes true or false")
            return value or None
        raise FieldValueError(f"{f.id}: unsupported type {f.type}")

    def _check_nodule(self, n: Finding) -> Finding:
        if not isinstance(n, Finding):
            raise FieldValueError("a nodule must be a Finding")
        if not self.template.nodule_fields:
            raise FieldValueError(f"template {self.template.id} records no nodules")
        for f in self.template.nodule_fields:
            if f.type == "choice":
                v = getattr(n, f.id)
                if v and f.option(v) is None:
                    raise FieldValueError(f"{v!r} is not an option of nodule field {f.id}")
        return n

    def add_nodule(self, nodule: Finding) -> int:
        """Append a nodule; returns its index (nodule numbers in the report are index + 1)."""
        self._require_draft()
        self._nodules.append(self._check_nodule(nodule))
        self._touch()
        return len(self._nodules) - 1

    def update_nodule(self, index: int, **changes: Any) -> Finding:
        self._require_draft()
        n = self._nodule(index)
        try:
            new = n.replace(**changes)
        except TypeError as exc:
            raise FieldValueError(f"unknown nodule field in {sorted(changes)}") from exc
        self._nodules[index] = self._check_nodule(new)
        self._touch()
        return new

    def remove_nodule(self, index: int) -> None:
        self._require_draft()
        self._nodule(index)
        del self._nodules[index]
        self._touch()

    def _nodule(self, index: int) -> Finding:
        if not 0 <= index < len(self._nodules):
            raise FieldValueError(f"no nodule {index + 1}")
        return self._nodules[index]

    def add_key_image(self, image: KeyImage) -> int:
        """Append a key image (the view on screen); returns its index (number = index + 1)."""
        self._require_draft()
        if not isinstance(image, KeyImage):
            raise FieldValueError("a key image must be a KeyImage")
        if len(self._key_images) >= MAX_KEY_IMAGES:
            raise FieldValueError(f"at most {MAX_KEY_IMAGES} key images per report")
        self._key_images.append(image)
        self._touch()
        return len(self._key_images) - 1

    def remove_key_image(self, index: int) -> None:
        self._require_draft()
        if not 0 <= index < len(self._key_images):
            raise FieldValueError(f"no key image {index + 1}")
        del self._key_images[index]
        self._touch()

    def override(self, scheme: str, category: str, reason: str) -> None:
        """Choose a category other than the suggested one; the reason is required and kept."""
        self._require_draft()
        if scheme not in self.template.schemes:
            raise FieldValueError(f"template {self.template.id} does not use {scheme}")
        check_category(scheme, category)
        if not reason or not reason.strip():
            raise FieldValueError(f"overriding {scheme} needs a stated reason")
        suggested = evaluate((scheme,), self._fields, self._nodules, {})[scheme].suggested
        if category == suggested:
            raise FieldValueError(f"{category} is the suggested {scheme} category; nothing to override")
        self._overrides[scheme] = Override(scheme, category, reason.strip(), suggested)
        self._touch()

    def clear_override(self, scheme: str) -> None:
        self._require_draft()
        self._overrides.pop(scheme, None)
        self._touch()

    # -- signing --------------------------------------------------------------------------
    def problems(self) -> list[Message]:
        """What stops signing, one typed message each (naming fields by their label, nodule
        numbers, schemes; no data): `text(lang)` words it in either report language."""
        out: list[Message] = []
        for f in self.template.fields:
            if f.required and f.type != "computed" and f.id not in self._fields:
                out.append(msg(MsgId.TODO_FIELD_EMPTY, field=dict(f.label)))
        for i, n in enumerate(self._nodules, start=1):
            for f in self.template.nodule_fields:
                if f.required and f.type != "computed" and getattr(n, f.id) in (None, ""):
                    out.append(msg(MsgId.TODO_NODULE_FIELD_EMPTY, n=i, field=dict(f.label)))
            if n.kind == "part_solid" and n.solid_long_mm is None:
                out.append(msg(MsgId.TODO_PART_SOLID_SIZE, n=i))
            if n.status == "growing" and n.prior_mean_mm is None:
                out.append(msg(MsgId.TODO_GROWING_PRIOR, n=i))
        for scheme, result in self.categories().items():
            if result.final is None:
                out.append(msg(MsgId.TODO_CHOOSE_CATEGORY, scheme=dict(SCHEME_NAMES.get(scheme, {"en": scheme})),
                               basis=result.basis))
        return out

    def check_ready(self, signer: Signer) -> None:
        self._require_draft()
        problems = [str(p) for p in self.problems()]
        if not (signer.name and signer.id and signer.organisation):
            problems.append("signer needs a name, an ID and an organisation")
        if problems:
            raise NotReadyToSign(f"report {self.report_id}: " + "; ".join(problems))

    def mark_signed(self, record: SignatureRecord) -> None:
        """DRAFT -> SIGNED; called by signing.sign once every output is on disk."""
        self.check_ready(record.signer)
        self.__dict__.update(state=ReportState.SIGNED, signature=record, updated_at=record.signed_at)
        log.info("report %s signed: SR %s, encapsulated PDF %s", self.report_id, record.sr_sop_uid,
                 record.encapsulated_sop_uid)

    def addendum(self) -> "Report":
        """A new draft carrying this signed report's content, referencing it as predecessor."""
        if not self.is_signed:
            raise FieldValueError(f"report {self.report_id} is not signed; edit it instead")
        sig = self.signature
        new = Report.from_dict({**self.to_dict(), "report_id": None, "state": ReportState.DRAFT.value,
                                "signature": None, "created_at": None, "updated_at": None})
        new.__dict__["predecessor"] = Predecessor(self.report_id, self.identity.study_uid, sig.series_uid,
                                                  sig.sr_sop_uid, sig.pdf_series_uid, sig.encapsulated_sop_uid,
                                                  sig.signed_at)
        return new

    def set_critical(self, finding: CriticalFinding | None) -> None:
        """Flag (or clear, with None) a critical or urgent finding on this draft."""
        self._require_draft()
        self.__dict__["critical"] = finding
        self._touch()

    # -- JSON -------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "report_id": self.report_id,
            "template_id": self.template.id,
            "template_version": self.template.version,
            "language": self.language,
            "state": self.state.value,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "identity": self.identity.to_dict(),
            "fields": copy.deepcopy(self._fields),
            "nodules": [n.to_dict() for n in self._nodules],
            "overrides": {k: v.to_dict() for k, v in self._overrides.items()},
            "key_images": [k.to_dict() for k in self._key_images],
            "signature": self.signature.to_dict() if self.signature else None,
            "predecessor": self.predecessor.to_dict() if self.predecessor else None,
            "critical": self.critical.to_dict() if self.critical else None,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], template: Template | None = None) -> "Report":
        if d.get("format") != FORMAT:
            raise FieldValueError(f"unknown report format {d.get('format')!r}")
        template = template or load_template(str(d["template_id"]), str(d["template_version"]))
        r = cls(template, StudyIdentity.from_dict(d["identity"]), str(d.get("language", "ja")),
                report_id=d.get("report_id"), created_at=d.get("created_at"))
        r._load_content(d)
        if d.get("updated_at"):
            r.__dict__["updated_at"] = str(d["updated_at"])
        if d.get("predecessor"):
            r.__dict__["predecessor"] = Predecessor.from_dict(d["predecessor"])
        if d.get("state") == ReportState.SIGNED.value:
            if not d.get("signature"):
                raise FieldValueError(f"report {r.report_id} says signed but carries no signature")
            r.__dict__.update(state=ReportState.SIGNED, signature=SignatureRecord.from_dict(d["signature"]))
        return r

    def _load_content(self, d: Mapping[str, Any]) -> None:
        """Replace fields, nodules, overrides, language and the critical flag from JSON data
        (also used by undo)."""
        self._require_draft()
        fields: dict[str, Any] = {}
        for fid, value in dict(d.get("fields", {})).items():
            f = self.template.field(fid)
            # Stored values are already expanded; re-coercing must not expand a literal '.nl' twice.
            if f.type in ("text", "multiline"):
                if not isinstance(value, str):
                    raise FieldValueError(f"{fid} takes text")
                fields[fid] = value
            else:
                fields[fid] = self._coerce(f, value)
        nodules = [self._check_nodule(Finding.from_dict(n)) for n in d.get("nodules", [])]
        overrides = {k: Override.from_dict(v) for k, v in dict(d.get("overrides", {})).items()}
        for ov in overrides.values():
            check_category(ov.scheme, ov.category)
        critical = CriticalFinding.from_dict(d["critical"]) if d.get("critical") else None
        self.__dict__.update(_fields=fields, _nodules=nodules, _overrides=overrides,
                             language=str(d.get("language", self.language)), critical=critical)
        if "key_images" in d:  # absent from drafts written before key images existed
            self.__dict__["_key_images"] = [KeyImage.from_dict(k) for k in d["key_images"]]
