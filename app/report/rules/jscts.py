"""Japanese Society of CT Screening (JSCTS) nodule criteria, 6th edition (2024).

As quoted in the project reference (lung-screening.md section 2a). JSCTS gives a judgement
and an action, not a letter class: the A-E letters belong to the chest X-ray scheme and are
deliberately not produced here. `screening_judgement` holds the screening-site (検診機関)
rows; `workup_advice` the work-up-centre (精密検査機関) rows. Sizes: mean diameter, 0.1 mm.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal

from ..errors import RuleInputError
from ..messages import Message, msg
from ..messages import MsgId as M
from .nodule import NoduleFacts, NoduleKind, NoduleStatus

__all__ = [
    "SCHEME",
    "GROWTH_THRESHOLD_MM",
    "Judgement",
    "NoduleJudgement",
    "ExamJudgement",
    "WorkupAdvice",
    "JUDGEMENT_LABELS",
    "FOLLOW_UP_MONTHS",
    "screening_judgement",
    "exam_judgement",
    "workup_advice",
    "is_growth",
]

SCHEME = "jscts-6"
REFER_MM = Decimal("6")  # mean >= 6 mm -> 要精検 [J2][J4]
NEW_NODULE_MM = Decimal("4")  # new, >= 4 mm, cancer not excludable -> refer if judged necessary [J2]
GROWTH_THRESHOLD_MM = Decimal("2")  # growth = >= 2 mm [J4][J5]


class Judgement(str, enum.Enum):
    """Screening-site results, least to most urgent."""

    NO_NODULE = "no_nodule"
    ANNUAL = "annual_ct"
    REFER_IF_NECESSARY = "refer_if_necessary"
    REFER = "refer"


_ORDER = list(Judgement)

JUDGEMENT_LABELS: dict[Judgement, dict[str, str]] = {
    Judgement.NO_NODULE: {"ja": "結節なし", "en": "No nodule"},
    Judgement.ANNUAL: {"ja": "12か月後にCT再検査", "en": "CT again in 12 months"},
    Judgement.REFER_IF_NECESSARY: {"ja": "新規結節（4 mm以上、肺癌を否定できない）：必要に応じて要精検",
                                   "en": "New nodule >= 4 mm, cancer not excludable: refer for work-up if judged necessary"},
    Judgement.REFER: {"ja": "要精検（精密検査医療機関へ紹介）", "en": "Refer for work-up at a diagnostic centre"},
}

FOLLOW_UP_MONTHS: dict[Judgement, int | None] = {
    Judgement.NO_NODULE: None,
    Judgement.ANNUAL: 12,
    Judgement.REFER_IF_NECESSARY: None,
    Judgement.REFER: None,
}


@dataclass(frozen=True)
class NoduleJudgement:
    judgement: Judgement
    basis: Message


@dataclass(frozen=True)
class ExamJudgement:
    judgement: Judgement
    basis: Message
    follow_up_months: int | None


def is_growth(prior_mean_mm: Decimal, current_mean_mm: Decimal) -> bool:
    """JSCTS growth: mean diameter increase of 2 mm or more [J4][J5]."""
    return current_mean_mm - prior_mean_mm >= GROWTH_THRESHOLD_MM


def screening_judgement(n: NoduleFacts) -> NoduleJudgement:
    """The screening-site (検診機関) judgement for one nodule, any type; size = total mean."""
    if n.strongly_suspicious:
        return NoduleJudgement(Judgement.REFER, msg(M.JSCTS_STRONGLY_SUSPICIOUS))
    if n.mean_mm >= REFER_MM:
        return NoduleJudgement(Judgement.REFER, msg(M.JSCTS_MEAN_AT_LEAST_6))
    if n.status is NoduleStatus.NEW and n.mean_mm >= NEW_NODULE_MM and n.cancer_not_excludable:
        return NoduleJudgement(Judgement.REFER_IF_NECESSARY,
                               msg(M.JSCTS_NEW_AT_LEAST_4))
    return NoduleJudgement(Judgement.ANNUAL, msg(M.JSCTS_MEAN_BELOW_6))


def exam_judgement(nodules: list[NoduleJudgement]) -> ExamJudgement:
    """The exam's judgement: that of its most urgent nodule."""
    if not nodules:
        return ExamJudgement(Judgement.NO_NODULE, msg(M.JSCTS_NO_NODULE), FOLLOW_UP_MONTHS[Judgement.NO_NODULE])
    worst_index = max(range(len(nodules)), key=lambda i: _ORDER.index(nodules[i].judgement))
    worst = nodules[worst_index]
    return ExamJudgement(worst.judgement, msg(M.JSCTS_MOST_URGENT, n=worst_index + 1, basis=worst.basis),
                         FOLLOW_UP_MONTHS[worst.judgement])


@dataclass(frozen=True)
class WorkupAdvice:
    """A work-up centre's next step: definitive diagnosis, or thin-section CT at these months."""

    definitive_diagnosis: bool
    ts_ct_months: tuple[int, ...]
    basis: str


def workup_advice(n: NoduleFacts, *, smoker: bool, growth_mm: Decimal | None = None,
                  denser: bool = False) -> WorkupAdvice | None:
    """The 精密検査機関 rows [J1][J2][J5][S1][S2]; None where no row applies (reader decides).

    `growth_mm` is the increase of the mean diameter since the previous thin-section CT.
    Every referred nodule >= 6 mm is first seen again at 3 months to rule out inflammation [S1].
    """
    grown = growth_mm is not None and growth_mm >= GROWTH_THRESHOLD_MM
    if n.kind is NoduleKind.GROUND_GLASS:
        if n.mean_mm >= Decimal(15):
            return WorkupAdvice(False, (3,), "pure GGN >= 15 mm: TS-CT at 3 months; unchanged or larger -> definitive diagnosis [J5][S2]")
        if grown or denser:
            return WorkupAdvice(True, (), "pure GGN < 15 mm grown >= 2 mm or denser -> definitive diagnosis [J5]")
        return WorkupAdvice(False, (3, 12, 24), "pure GGN < 15 mm: TS-CT at 3, 12, 24 months; keep following [J5]")
    if n.kind is NoduleKind.PART_SOLID:
        if n.solid_mean_mm is None:
            raise RuleInputError("part-solid nodule needs the size of its solid component")
        if n.mean_mm >= Decimal(15):
            return WorkupAdvice(True, (), "part-solid, total >= 15 mm -> definitive diagnosis [S2]")
        if n.solid_mean_mm >= Decimal(8):
            return WorkupAdvice(True, (), "part-solid, total < 15 mm, solid >= 8 mm -> definitive diagnosis [J1][J2]")
        return WorkupAdvice(False, (3, 6, 12, 24, 36, 48, 60),
                            "part-solid, total < 15 mm, solid < 8 mm: TS-CT at 3, 6, 12, 24, 36, 48, 60 months [J1][J2][J3]")
    if n.mean_mm >= Decimal(10):
        return WorkupAdvice(True, (), "solid, mean >= 10 mm -> definitive diagnosis [S1][S2]")
    if n.mean_mm >= REFER_MM:
        if grown:
            return WorkupAdvice(True, (), "solid 6 to < 10 mm grown >= 2 mm -> definitive diagnosis [S1][J6]")
        months = (3, 6, 12, 18, 24) if smoker else (3, 12, 24)
        who = "smoker" if smoker else "non-smoker"
        return WorkupAdvice(False, months, f"solid 6 to < 10 mm, {who}: TS-CT at {', '.join(map(str, months))} months [S1][J6]")
    return None
