"""ACR Lung-RADS v2022, as quoted in the project reference (lung-screening.md section 1).

Sizes are mean diameters to 0.1 mm; ranges are [low, high). A nodule or exam the tables do
not cover gets no suggestion (category None) and a basis saying why: the reader then
chooses, with a reason. Thresholds are never guessed.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..errors import RuleInputError
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
    basis: str


def _r(kind: NoduleKind, statuses: str, total: tuple, solid: tuple | None, cat: str, basis: str) -> _Row:
    sts = frozenset(NoduleStatus(s) for s in statuses.split())
    conv = lambda rng: (Decimal(str(rng[0])), rng[1] if isinstance(rng[1], Decimal) else Decimal(str(rng[1])))  # noqa: E731
    return _Row(kind, sts, conv(total), conv(solid) if solid else None, cat, basis)


S, P, G = NoduleKind.SOLID, NoduleKind.PART_SOLID, NoduleKind.GROUND_GLASS
# The category table [L1], one row per printed cell fragment.
TABLE: tuple[_Row, ...] = (
    _r(S, "baseline", (0, 6), None, "2", "solid, baseline < 6 mm [L1]"),
    _r(S, "baseline", (6, 8), None, "3", "solid, baseline >= 6 to < 8 mm [L1]"),
    _r(S, "baseline", (8, 15), None, "4A", "solid, baseline >= 8 to < 15 mm [L1]"),
    _r(S, "baseline", (15, INF), None, "4B", "solid, baseline >= 15 mm [L1]"),
    _r(S, "new", (0, 4), None, "2", "solid, new < 4 mm [L1]"),
    _r(S, "new", (4, 6), None, "3", "solid, new 4 to < 6 mm [L1]"),
    _r(S, "new", (6, 8), None, "4A", "solid, new 6 to < 8 mm [L1]"),
    _r(S, "new", (8, INF), None, "4B", "solid, new >= 8 mm [L1]"),
    _r(S, "growing", (0, 8), None, "4A", "solid, growing < 8 mm [L1]"),
    _r(S, "growing", (8, INF), None, "4B", "solid, growing >= 8 mm [L1]"),
    _r(P, "baseline", (0, 6), ANY, "2", "part-solid, total < 6 mm at baseline [L1]"),
    _r(P, "baseline", (6, INF), (0, 6), "3", "part-solid, total >= 6 mm with solid < 6 mm at baseline [L1]"),
    _r(P, "baseline", (6, INF), (6, 8), "4A", "part-solid, solid >= 6 to < 8 mm at baseline [L1]"),
    _r(P, "baseline", (6, INF), (8, INF), "4B", "part-solid, solid >= 8 mm at baseline [L1]"),
    _r(P, "new", (0, 6), ANY, "3", "part-solid, new, total < 6 mm [L1]"),
    _r(P, "new", (6, INF), (0, 4), "4A", "part-solid, new solid component < 4 mm [L1]"),
    _r(P, "new", (6, INF), (4, INF), "4B", "part-solid, new solid component >= 4 mm [L1]"),
    _r(P, "growing", ANY, (0, 4), "4A", "part-solid, growing solid component < 4 mm [L1]"),
    _r(P, "growing", ANY, (4, INF), "4B", "part-solid, growing solid component >= 4 mm [L1]"),
    # "< 30 baseline/new/growing" [L1]; a stable GGN < 30 mm falls under the same size row.
    _r(G, "baseline new growing stable", (0, 30), None, "2", "non-solid, < 30 mm [L1]"),
    _r(G, "stable", (30, INF), None, "2", "non-solid, >= 30 mm stable or slowly growing [L1]"),
    _r(G, "baseline new", (30, INF), None, "3", "non-solid, >= 30 mm baseline or new [L1]"),
)

# Stepped management for a nodule unchanged at its follow-up CT [L1][L3]: the category it was
# given then -> the category now. v1.1's "any 3/4 unchanged 3 months -> 2" is deliberately absent.
STEPPED: dict[str, tuple[str, str]] = {
    "3": ("2", "category 3 stable or smaller at the 6-month CT -> 2 [L1][L3]"),
    "4A": ("3", "category 4A stable or smaller at the 3-month CT -> 3 [L1][L3]"),
    "2": ("2", "category 2 nodule unchanged stays 2 (12-month LDCT) [L1]"),
}


@dataclass(frozen=True)
class NoduleCategory:
    category: str | None
    basis: str


@dataclass(frozen=True)
class ExamCategory:
    category: str | None  # "4A", "2S" (S modifier appended), or None when the reader must choose
    basis: str


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
        raise RuleInputError("part-solid nodule needs the size of its solid component")
    if n.kind is NoduleKind.PART_SOLID and n.solid_mean_mm > n.mean_mm:
        raise RuleInputError("solid component larger than the whole part-solid nodule")
    if n.benign_calcification_or_fat:
        return NoduleCategory("1", "complete, central, popcorn or concentric calcification, or fat [L1]")
    status = n.status
    if status is NoduleStatus.GROWING:
        if n.prior_mean_mm is None:
            raise RuleInputError("growing nodule needs the prior size")
        if n.kind is not NoduleKind.PART_SOLID and not is_growth(n.prior_mean_mm, n.mean_mm):
            status = NoduleStatus.STABLE
            note = f"increase {n.mean_mm - n.prior_mean_mm} mm is not growth (> 1.5 mm) [L2]; "
        else:
            note = ""
    else:
        note = ""
    if (n.juxtapleural_benign_features and n.kind is NoduleKind.SOLID
            and status in (NoduleStatus.BASELINE, NoduleStatus.NEW) and n.mean_mm < JUXTAPLEURAL_LIMIT_MM):
        return _with_4x(n, NoduleCategory("2", "juxtapleural solid nodule with benign features < 10 mm, baseline or new [L1]"))
    if n.proven_benign and n.prior_lungrads == "4B":
        return NoduleCategory("2", "category 4B proven benign -> 2 [L1]")
    if status is NoduleStatus.STABLE and n.kind is not NoduleKind.GROUND_GLASS:
        if n.prior_lungrads is None:
            return NoduleCategory(None, note + "stable nodule: the category given at the prior CT is needed (stepped management)")
        step = STEPPED.get(n.prior_lungrads)
        if step is None:
            return NoduleCategory(None, note + f"stable nodule with prior category {n.prior_lungrads}: no published step; reader decides")
        return _with_4x(n, NoduleCategory(step[0], note + step[1]))
    for row in TABLE:
        if row.kind is not n.kind or status not in row.statuses or not _in(n.mean_mm, row.total):
            continue
        if row.solid is not None and not _in(n.solid_mean_mm, row.solid):
            continue
        return _with_4x(n, NoduleCategory(row.category, note + row.basis))
    return NoduleCategory(None, note + f"no Lung-RADS v2022 row for a {status.value} {n.kind.value} nodule of {n.mean_mm} mm; reader decides")


def _with_4x(n: NoduleFacts, result: NoduleCategory) -> NoduleCategory:
    # 4X: category 3 or 4 with additional features that raise the suspicion of malignancy [L1].
    if n.suspicious_features and result.category in ("3", "4A", "4B"):
        return NoduleCategory("4X", f"{result.basis}; category {result.category} with additional suspicious features -> 4X [L1]")
    return result


def categorise_exam(nodules: list[NoduleCategory], *, incomplete: bool = False,
                    significant_other: bool = False) -> ExamCategory:
    """The exam's category: 0 if incomplete, 1 without nodules, else its most suspicious nodule [L4]."""
    suffix = "S" if significant_other else ""
    if incomplete:
        return ExamCategory("0" + suffix, "prior CT being located, lungs not evaluable, or suspected infection/inflammation [L1]")
    if not nodules:
        return ExamCategory("1" + suffix, "no lung nodules [L1]")
    undecided = [i + 1 for i, c in enumerate(nodules) if c.category is None]
    if undecided:
        return ExamCategory(None, "nodule(s) " + ", ".join(map(str, undecided)) + " need the reader's category")
    worst_index = max(range(len(nodules)), key=lambda i: _RANK[nodules[i].category])
    worst = nodules[worst_index]
    return ExamCategory(worst.category + suffix, f"most suspicious finding: nodule {worst_index + 1} ({worst.basis}) [L4]")


def management(category: str) -> Management:
    """Recommended management of an exam category ('S' modifier ignored)."""
    base = category[:-1] if category.endswith("S") and category != "S" else category
    try:
        return _MANAGEMENT[base]
    except KeyError:
        raise RuleInputError(f"unknown Lung-RADS category {category!r}") from None
