"""Category suggestions of every scheme a template names, and the reader's overrides.

The rules suggest; the reader may choose otherwise only with a stated reason (Override). A
scheme whose rules cannot decide suggests nothing and the reader must choose, also with a reason.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from .errors import FieldValueError, RuleInputError
from .finding import Finding
from .messages import Message, MsgId, msg
from .rules import jscts, lungrads

__all__ = ["SCHEME_NAMES", "Override", "SchemeResult", "evaluate", "check_category", "category_label"]

SCHEME_NAMES: dict[str, dict[str, str]] = {
    jscts.SCHEME: {"ja": "日本CT検診学会 判定基準 第6版", "en": "JSCTS criteria, 6th ed. (2024)"},
    lungrads.SCHEME: {"ja": "Lung-RADS v2022", "en": "Lung-RADS v2022"},
}


@dataclass(frozen=True)
class Override:
    scheme: str
    category: str
    reason: str
    suggested: str | None  # what the rules suggested when the reader chose otherwise

    def to_dict(self) -> dict[str, Any]:
        return {"scheme": self.scheme, "category": self.category, "reason": self.reason, "suggested": self.suggested}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Override":
        return cls(str(d["scheme"]), str(d["category"]), str(d["reason"]), d.get("suggested"))


@dataclass(frozen=True)
class SchemeResult:
    scheme: str
    suggested: str | None
    basis: Message
    final: str | None
    override: Override | None
    recommendation: dict[str, str]  # ja/en, of the final category ({} when there is none)
    follow_up_months: int | None
    recommendation_verified: bool
    nodules: tuple[tuple[str | None, Message], ...]  # per nodule: (suggested category, basis)


def check_category(scheme: str, category: str) -> None:
    """Raise FieldValueError unless `category` is a value of `scheme`."""
    if scheme == lungrads.SCHEME:
        base = category[:-1] if category.endswith("S") and len(category) > 1 else category
        if base in lungrads.CATEGORIES:
            return
    elif scheme == jscts.SCHEME:
        if category in {j.value for j in jscts.Judgement}:
            return
    else:
        raise FieldValueError(f"unknown scheme {scheme!r}")
    raise FieldValueError(f"{category!r} is not a category of {scheme}")


def category_label(scheme: str, category: str | None, lang: str) -> str:
    if category is None:
        return "—"
    if scheme == jscts.SCHEME:
        return jscts.JUDGEMENT_LABELS[jscts.Judgement(category)][lang]
    return category


def _refused(exc: RuleInputError) -> Message:
    return exc.message if isinstance(exc.message, Message) else msg(MsgId.NODULE_INPUT_INVALID)


def _lungrads(fields: Mapping[str, Any], nodules: Sequence[Finding]) -> tuple[str | None, Message, list[tuple[str | None, Message]]]:
    per: list[lungrads.NoduleCategory] = []
    for n in nodules:
        try:
            per.append(lungrads.categorise_nodule(n.facts()))
        except RuleInputError as exc:
            per.append(lungrads.NoduleCategory(None, _refused(exc)))
    incomplete = fields.get("lungrads_incomplete") not in (None, "", "no")
    exam = lungrads.categorise_exam(per, incomplete=incomplete, significant_other=bool(fields.get("significant_other")))
    return exam.category, exam.basis, [(p.category, p.basis) for p in per]


def _jscts(nodules: Sequence[Finding]) -> tuple[str | None, Message, list[tuple[str | None, Message]]]:
    per: list[tuple[str | None, Message]] = []
    judged: list[jscts.NoduleJudgement] = []
    for n in nodules:
        try:
            j = jscts.screening_judgement(n.facts())
        except RuleInputError as exc:
            per.append((None, _refused(exc)))
            continue
        judged.append(j)
        per.append((j.judgement.value, j.basis))
    if len(judged) != len(per):
        missing = [str(i + 1) for i, p in enumerate(per) if p[0] is None]
        return None, msg(MsgId.NODULES_INCOMPLETE, numbers=", ".join(missing)), per
    exam = jscts.exam_judgement(judged)
    return exam.judgement.value, exam.basis, per


def _recommendation(scheme: str, category: str | None) -> tuple[dict[str, str], int | None, bool]:
    if category is None:
        return {}, None, True
    if scheme == lungrads.SCHEME:
        m = lungrads.management(category)
        return {"ja": m.ja, "en": m.en}, m.follow_up_months, m.verified
    j = jscts.Judgement(category)
    return dict(jscts.JUDGEMENT_LABELS[j]), jscts.FOLLOW_UP_MONTHS[j], True


def evaluate(schemes: Sequence[str], fields: Mapping[str, Any], nodules: Sequence[Finding],
             overrides: Mapping[str, Override]) -> dict[str, SchemeResult]:
    """Suggestion, final category and recommendation of each scheme, in the template's order."""
    out: dict[str, SchemeResult] = {}
    for scheme in schemes:
        if scheme == lungrads.SCHEME:
            suggested, basis, per = _lungrads(fields, nodules)
        elif scheme == jscts.SCHEME:
            suggested, basis, per = _jscts(nodules)
        else:
            raise FieldValueError(f"unknown scheme {scheme!r}")
        ov = overrides.get(scheme)
        final = ov.category if ov is not None else suggested
        rec, months, verified = _recommendation(scheme, final)
        out[scheme] = SchemeResult(scheme, suggested, basis, final, ov, rec, months, verified, tuple(per))
    return out
