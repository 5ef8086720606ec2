"""ACR Lung-RADS v2022, as quoted in the project reference (lung-screening.md section 1).

Sizes are mean diameters to 0.1 mm; ranges are [low, high). A nodule or exam the tables do
not cover gets no suggestion (category None) and a basis saying why: the reader then
chooses, with a reason. Thresholds are never guessed.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..errors import RuleInputError
from ..messages import KIND_WORDS, STATUS_WORDS, Message, msg
from ..messages import MsgId as M
from .nodule import NoduleFacts, NoduleKind, NoduleStatus

__all__ = [
    "SCHEME",
    "CATEGORIES",
    "GROWTH_THRESHOLD_MM",
    "JUXTAPLEURAL_LIMIT_MM",
    "NoduleCategory",
    "ExamCategory",
    "Management",
    "categorise_nodule",
    "categorise_exam",
    "management",
    "is_growth",
]

SCHEME = "lung-rads-2022"
CATEGORIES = ("0", "1", "2", "3", "4A", "4B", "4X")
_RANK = {c: i for i, c in enumerate(CATEGORIES)}
INF = Decimal("Infinity")
ANY = (Decimal(0), INF)

# Growth = mean diameter increase > 1.5 mm within 12 months [L2].
GROWTH_THRESHOLD_MM = Decimal("1.5")
# Juxtapleural benign-featured solid nodule: "< 10 mm" [L1]; [L3] writes "<= 10". Site may correct.
JUXTAPLEURAL_LIMIT_MM = Decimal("10")


@dataclass(frozen=True)
class _Row:
    kind: NoduleKind
    statuses: frozenset[NoduleStatus]
    total: tuple[Decimal, Decimal]
    solid: tuple[Decimal, Decimal] | None
    category: str
    basis: Message


def _r(kind: NoduleKind, statuses: str, total: tuple, solid: tuple | None, cat: str, basis: Message) -> _Row:
    sts = frozenset(NoduleStatus(s) for s in statuses.split())
    conv = lambda rng: (Decimal(str(rng[0])), rng[1] if isinstance(rng[1], Decimal) else Decimal(str(rng[1])))  # noqa: E731
    return _Row(kind, sts, conv(total), conv(solid) if solid else None, cat, basis)


S, P, G = NoduleKind.SOLID, NoduleKind.PART_SOLID, NoduleKind.GROUND_GLASS
# The category table [L1], one row per printed cell fragment.
TABLE: tuple[_Row, ...] = (
    _r(S, "baseline", (0, 6), None, "2", msg(M.LR_SOLID_BASELINE_LT6)),
    _r(S, "baseline", (6, 8), None, "3", msg(M.LR_SOLID_BASELINE_6_8)),
    _r(S, "baseline", (8, 15), None, "4A", msg(M.LR_SOLID_BASELINE_8_15)),
    _r(S, "baseline", (15, INF), None, "4B", msg(M.LR_SOLID_BASELINE_GE15)),
    _r(S, "new", (0, 4), None, "2", msg(M.LR_SOLID_NEW_LT4)),
    _r(S, "new", (4, 6), None, "3", msg(M.LR_SOLID_NEW_4_6)),
    _r(S, "new", (6, 8), None, "4A", msg(M.LR_SOLID_NEW_6_8)),
    _r(S, "new", (8, INF), None, "4B", msg(M.LR_SOLID_NEW_GE8)),
    _r(S, "growing", (0, 8), None, "4A", msg(M.LR_SOLID_GROWING_LT8)),
    _r(S, "growing", (8, INF), None, "4B", msg(M.LR_SOLID_GROWING_GE8)),
    _r(P, "baseline", (0, 6), ANY, "2", msg(M.LR_PART_BASELINE_LT6)),
    _r(P, "baseline", (6, INF), (0, 6), "3", msg(M.LR_PART_BASELINE_SOLID_LT6)),
    _r(P, "baseline", (6, INF), (6, 8), "4A", msg(M.LR_PART_BASELINE_SOLID_6_8)),
    _r(P, "baseline", (6, INF), (8, INF), "4B", msg(M.LR_PART_BASELINE_SOLID_GE8)),
    _r(P, "new", (0, 6), ANY, "3", msg(M.LR_PART_NEW_LT6)),
    _r(P, "new", (6, INF), (0, 4), "4A", msg(M.LR_PART_NEW_SOLID_LT4)),
    _r(P, "new", (6, INF), (4, INF), "4B", msg(M.LR_PART_NEW_SOLID_GE4)),
    _r(P, "growing", ANY, (0, 4), "4A", msg(M.LR_PART_GROWING_SOLID_LT4)),
    _r(P, "growing", ANY, (4, INF), "4B", msg(M.LR_PART_GROWING_SOLID_GE4)),
    # "< 30 baseline/new/growing" [L1]; a stable GGN < 30 mm falls under the same size row.
    _r(G, "baseline new growing stable", (0, 30), None, "2", msg(M.LR_GGN_LT30)),
    _r(G, "stable", (30, INF), None, "2", msg(M.LR_GGN_GE30_STABLE)),
    _r(G, "baseline new", (30, INF), None, "3", msg(M.LR_GGN_GE30_BASELINE_NEW)),
)

# Stepped management for a nodule unchanged at its follow-up CT [L1][L3]: the category it was
# given then -> the category now. v1.1's "any 3/4 unchanged 3 months -> 2" is deliberately absent.
STEPPED: dict[str, tuple[str, Message]] = {
    "3": ("2", msg(M.LR_STEP_3)),
    "4A": ("3", msg(M.LR_STEP_4A)),
    "2": ("2", msg(M.LR_STEP_2)),
}


@dataclass(frozen=True)
class NoduleCategory:
    category: str | None
    basis: Message


@dataclass(frozen=True)
class ExamCategory:
    category: str | None  # "4A", "2S" (S modifier appended), or None when the reader must choose
    basis: Message


@dataclass(frozen=True)
class Management:
    category: str
    en: str
    ja: str
    follow_up_months: int | None
    verified: bool  # False: wording not checked against the ACR PDF (reference marks it unverified)


_MANAGEMENT: dict[str, Management] = {
    "0": Management("0", "Comparison with prior CT or additional LDCT; LDCT in 1-3 months if infectious/inflammatory",
                    "過去画像との比較または追加低線量CT。感染・炎症が疑われる場合は1〜3か月後に低線量CT", None, True),
    "1": Management("1", "Continue annual screening: LDCT in 12 months", "12か月後に低線量CT（年1回の検診を継続）", 12, True),
    "2": Management("2", "Continue annual screening: LDCT in 12 months", "12か月後に低線量CT（年1回の検診を継続）", 12, True),
    "3": Management("3", "LDCT in 6 months", "6か月後に低線量CT", 6, True),
    "4A": Management("4A", "LDCT in 3 months; PET/CT may be considered if there is a solid nodule or solid component >= 8 mm",
                     "3か月後に低線量CT。8 mm以上の充実性結節・充実成分があればPET/CTも考慮", 3, False),
    "4B": Management("4B", "Diagnostic chest CT with or without contrast; PET/CT if solid >= 8 mm; tissue sampling; and/or referral",
                     "造影または非造影の診断用胸部CT、8 mm以上の充実成分があればPET/CT、組織採取、または専門医への紹介", None, False),
    "4X": Management("4X", "As 4B: diagnostic chest CT, PET/CT, tissue sampling and/or referral",
                     "4Bと同様：診断用胸部CT、PET/CT、組織採取、または専門医への紹介", None, False),
}


def _in(value: Decimal, rng: tuple[Decimal, Decimal]) -> bool:
    return rng[0] <= value < rng[1]


def is_growth(prior_mean_mm: Decimal, current_mean_mm: Decimal) -> bool:
    """Lung-RADS growth: mean diameter increase > 1.5 mm [L2] (interval <= 12 months assumed)."""
    return current_mean_mm - prior_mean_mm > GROWTH_THRESHOLD_MM


def categorise_nodule(n: NoduleFacts) -> NoduleCategory:
    """The Lung-RADS v2022 category of one nodule, before exam-level modifiers (0, S)."""
    if n.kind is NoduleKind.PART_SOLID and n.solid_mean_mm is None:
        raise RuleInputError("part-solid nodule needs the size of its solid component",
                             message=msg(M.PART_SOLID_NEEDS_SOLID))
    if n.kind is NoduleKind.PART_SOLID and n.solid_mean_mm > n.mean_mm:
        raise RuleInputError("solid component larger than the whole part-solid nodule",
                             message=msg(M.SOLID_LARGER_THAN_NODULE))
    if n.benign_calcification_or_fat:
        return NoduleCategory("1", msg(M.LR_BENIGN_CALCIFICATION))
    status = n.status
    if status is NoduleStatus.GROWING:
        if n.prior_mean_mm is None:
            raise RuleInputError("growing nodule needs the prior size", message=msg(M.GROWING_NEEDS_PRIOR))
        if n.kind is not NoduleKind.PART_SOLID and not is_growth(n.prior_mean_mm, n.mean_mm):
            status = NoduleStatus.STABLE
            increase = n.mean_mm - n.prior_mean_mm
            note = lambda basis: msg(M.LR_NOT_GROWTH, mm=increase, basis=basis)  # noqa: E731
        else:
            note = _as_is
    else:
        note = _as_is
    if (n.juxtapleural_benign_features and n.kind is NoduleKind.SOLID
            and status in (NoduleStatus.BASELINE, NoduleStatus.NEW) and n.mean_mm < JUXTAPLEURAL_LIMIT_MM):
        return _with_4x(n, NoduleCategory("2", msg(M.LR_JUXTAPLEURAL)))
    if n.proven_benign and n.prior_lungrads == "4B":
        return NoduleCategory("2", msg(M.LR_PROVEN_BENIGN))
    if status is NoduleStatus.STABLE and n.kind is not NoduleKind.GROUND_GLASS:
        if n.prior_lungrads is None:
            return NoduleCategory(None, note(msg(M.LR_STABLE_NEEDS_PRIOR)))
        step = STEPPED.get(n.prior_lungrads)
        if step is None:
            return NoduleCategory(None, note(msg(M.LR_STABLE_NO_STEP, prior=n.prior_lungrads)))
        return _with_4x(n, NoduleCategory(step[0], note(step[1])))
    for row in TABLE:
        if row.kind is not n.kind or status not in row.statuses or not _in(n.mean_mm, row.total):
            continue
        if row.solid is not None and not _in(n.solid_mean_mm, row.solid):
            continue
        return _with_4x(n, NoduleCategory(row.category, note(row.basis)))
    return NoduleCategory(None, note(msg(M.LR_NO_ROW, status=STATUS_WORDS[status.value], kind=KIND_WORDS[n.kind.value],
                                         mm=n.mean_mm)))


def _as_is(basis: Message) -> Message:
    return basis


def _with_4x(n: NoduleFacts, result: NoduleCategory) -> NoduleCategory:
    # 4X: category 3 or 4 with additional features that raise the suspicion of malignancy [L1].
    if n.suspicious_features and result.category in ("3", "4A", "4B"):
        return NoduleCategory("4X", msg(M.LR_4X, basis=result.basis, category=result.category))
    return result


def categorise_exam(nodules: list[NoduleCategory], *, incomplete: bool = False,
                    significant_other: bool = False) -> ExamCategory:
    """The exam's category: 0 if incomplete, 1 without nodules, else its most suspicious nodule [L4]."""
    suffix = "S" if significant_other else ""
    if incomplete:
        return ExamCategory("0" + suffix, msg(M.LR_INCOMPLETE))
    if not nodules:
        return ExamCategory("1" + suffix, msg(M.LR_NO_NODULES))
    undecided = [i + 1 for i, c in enumerate(nodules) if c.category is None]
    if undecided:
        return ExamCategory(None, msg(M.NODULES_NEED_CATEGORY, numbers=", ".join(map(str, undecided))))
    worst_index = max(range(len(nodules)), key=lambda i: _RANK[nodules[i].category])
    worst = nodules[worst_index]
    return ExamCategory(worst.category + suffix, msg(M.LR_MOST_SUSPICIOUS, n=worst_index + 1, basis=worst.basis))


def management(category: str) -> Management:
    """Recommended management of an exam category ('S' modifier ignored)."""
    base = category[:-1] if category.endswith("S") and category != "S" else category
    try:
        return _MANAGEMENT[base]
    except KeyError:
        raise RuleInputError(f"unknown Lung-RADS category {category!r}") from None
