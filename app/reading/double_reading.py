"""Comparison reading (比較読影): two signed readings side by side, their differences, and the
judge's reconciliation with a reason for every change. Qt-free; the comparison window shows it.

Nodules are matched across the readings by position: the centre of each measured nodule in
patient space (LPS, mm), from the measured slice's geometry and the drawn axes. Two nodules are
the same when their centres are within MATCH_MM = 10 mm, or within the larger mean diameter
for nodules bigger than that. Why 10 mm: screening LDCT is often reconstructed at 5 mm, so two
readers measuring one nodule on adjacent slices put its centre 5 mm apart in z, plus a few mm
of in-plane disagreement on where the axes cross; distinct screening nodules closer than 10 mm
are rare, and a pair wrongly merged is still shown to the judge (size and type differences are
listed per pair). Greedy, nearest pairs first: with a handful of nodules per study this is
the optimal assignment in practice and it is easy to follow on screen. A nodule without a
position (no drawn axes, unknown slice) is matched by lobe when each reading has exactly one
such nodule in that lobe.

A difference is flagged when the mean diameters of a pair differ by >= SIZE_MM = 1.5 mm (the
Lung-RADS growth step: less is within reader variability), the type or lobe differs, a nodule
is in one reading only, a category differs, or another finding (a report field) differs.
"""
from __future__ import annotations

import enum
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from app.report.double_sr import SrReading
from app.report.final_report import FinalContext
from app.report.finding import Finding
from app.report.model import Report

__all__ = ["MATCH_MM", "SIZE_MM", "Point", "Locator", "geometry_locator", "NodulePair", "match_nodules",
           "DiffKind", "Difference", "differences", "Choice", "Resolution", "Reconciliation",
           "ReconciliationError", "MissingReason"]

MATCH_MM = 10.0
SIZE_MM = Decimal("1.5")
Point = tuple[float, float, float]
# (sop_uid, column, row) -> LPS point in mm, or None when the slice is unknown
Locator = Callable[[str, float, float], "Point | None"]


def geometry_locator(slices: Mapping[str, tuple[Sequence[float], Sequence[float], Sequence[float]]]) -> Locator:
    """A Locator from per-slice geometry: SOP UID -> (ImagePositionPatient, ImageOrientationPatient,
    PixelSpacing [row spacing, column spacing]), as in the images' own attributes."""
    def locate(sop_uid: str, column: float, row: float) -> Point | None:
        g = slices.get(sop_uid)
        if g is None:
            return None
        ipp, iop, spacing = g
        r, c = [float(v) for v in iop[:3]], [float(v) for v in iop[3:6]]
        dr, dc = float(spacing[0]), float(spacing[1])
        # PS3.3 C.7.6.2.1.1: P = IPP + row-direction * column * Δc + column-direction * row * Δr
        return tuple(float(ipp[k]) + r[k] * column * dc + c[k] * row * dr for k in range(3))  # type: ignore
    return locate


def centre_of(n: Finding, locate: Locator | None) -> Point | None:
    if locate is None:
        return None
    if n.long_axis_px is not None:
        c1, r1, c2, r2 = n.long_axis_px
        return locate(n.sop_uid, (c1 + c2) / 2, (r1 + r2) / 2)
    return None


def _distance(a: Point, b: Point) -> float:
    return math.dist(a, b)


@dataclass(frozen=True)
class NodulePair:
    """Nodule `first` (index in the first reading) and `second`, or None on the side that lacks it."""

    first: int | None
    second: int | None
    distance_mm: float | None = None


def match_nodules(a: Sequence[Finding], b: Sequence[Finding], locate: Locator | None) -> list[NodulePair]:
    pa = [centre_of(n, locate) for n in a]
    pb = [centre_of(n, locate) for n in b]
    candidates = []
    for i, p in enumerate(pa):
        for j, q in enumerate(pb):
            if p is None or q is None:
                continue
            d = _distance(p, q)
            limit = max(MATCH_MM, float(max(a[i].mean_mm, b[j].mean_mm)))
            if d <= limit:
                candidates.append((d, i, j))
    pairs: list[NodulePair] = []
    used_a: set[int] = set()
    used_b: set[int] = set()
    for d, i, j in sorted(candidates):
        if i not in used_a and j not in used_b:
            pairs.append(NodulePair(i, j, d))
            used_a.add(i)
            used_b.add(j)
    # without positions: the lone nodule of a lobe in each reading
    for lobe in {n.lobe for n in a} & {n.lobe for n in b}:
        ia = [i for i, n in enumerate(a) if n.lobe == lobe and pa[i] is None and i not in used_a]
        ib = [j for j, n in enumerate(b) if n.lobe == lobe and pb[j] is None and j not in used_b]
        if len(ia) == 1 and len(ib) == 1:
            pairs.append(NodulePair(ia[0], ib[0]))
            used_a.add(ia[0])
            used_b.add(ib[0])
    pairs += [NodulePair(i, None) for i in range(len(a)) if i not in used_a]
    pairs += [NodulePair(None, j) for j in range(len(b)) if j not in used_b]
    return sorted(pairs, key=lambda p: (p.first if p.first is not None else len(a) + (p.second or 0)))


class DiffKind(enum.Enum):
    NODULE_FIRST_ONLY = "nodule in the first reading only"
    NODULE_SECOND_ONLY = "nodule in the second reading only"
    NODULE_SIZE = "nodule size"
    NODULE_TYPE = "nodule type"
    NODULE_LOBE = "nodule lobe"
    CATEGORY = "category"
    FIELD = "other finding"


@dataclass(frozen=True)
class Difference:
    """One point on which the readings disagree. `key` is stable (the reconciliation refers to it);
    `first`/`second` are the two values as data (a category code, a field value, a size)."""

    key: str
    kind: DiffKind
    subject: str              # pair number "1", scheme id, or field id
    first: Any
    second: Any
    pair: NodulePair | None = None


def differences(first: Report, second: Report, locate: Locator | None) -> tuple[list[NodulePair], list[Difference]]:
    a, b = first.nodules, second.nodules
    pairs = match_nodules(a, b, locate)
    out: list[Difference] = []
    for k, p in enumerate(pairs, start=1):
        if p.second is None:
            out.append(Difference(f"nodule:{k}", DiffKind.NODULE_FIRST_ONLY, str(k), a[p.first].mean_mm, None, p))
            continue
        if p.first is None:
            out.append(Difference(f"nodule:{k}", DiffKind.NODULE_SECOND_ONLY, str(k), None, b[p.second].mean_mm, p))
            continue
        na, nb = a[p.first], b[p.second]
        if abs(na.mean_mm - nb.mean_mm) >= SIZE_MM:
            out.append(Difference(f"size:{k}", DiffKind.NODULE_SIZE, str(k), na.mean_mm, nb.mean_mm, p))
        if na.kind != nb.kind:
            out.append(Difference(f"type:{k}", DiffKind.NODULE_TYPE, str(k), na.kind, nb.kind, p))
        if na.lobe != nb.lobe:
            out.append(Difference(f"lobe:{k}", DiffKind.NODULE_LOBE, str(k), na.lobe, nb.lobe, p))
    ca, cb = first.categories(), second.categories()
    for scheme in first.template.schemes:
        fa, fb = ca[scheme].final, cb[scheme].final if scheme in cb else None
        if fa != fb:
            out.append(Difference(f"category:{scheme}", DiffKind.CATEGORY, scheme, fa, fb))
    for f in first.template.fields:
        if f.type == "computed":
            continue
        va, vb = first.fields.get(f.id), second.fields.get(f.id)
        if va != vb:
            out.append(Difference(f"field:{f.id}", DiffKind.FIELD, f.id, va, vb))
    return pairs, out


class Choice(enum.Enum):
    FIRST = "first"       # the first reader's value stands
    SECOND = "second"     # the second reader's value stands
    OWN = "own"           # the judge's own value (categories only: `value` holds it)


@dataclass(frozen=True)
class Resolution:
    key: str
    choice: Choice
    reason: str
    value: str = ""       # Choice.OWN: the judge's category code


class ReconciliationError(ValueError):
    """The reconciliation cannot make a final report; `key` names the difference at fault."""

    def __init__(self, key: str, detail: str) -> None:
        super().__init__(f"{key}: {detail}")
        self.key = key


class MissingReason(ReconciliationError):
    """A change without a reason: every value that differs from a reading needs one."""


@dataclass
class Reconciliation:
    """The judge's decisions on the differences of two readings; builds the final report."""

    first: SrReading
    second: SrReading
    locate: Locator | None = None
    pairs: list[NodulePair] = field(default_factory=list)
    diffs: list[Difference] = field(default_factory=list)
    resolutions: dict[str, Resolution] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.pairs, self.diffs = differences(self.first.report, self.second.report, self.locate)

    @property
    def agreed(self) -> bool:
        return not self.diffs

    def resolve(self, key: str, choice: Choice, reason: str, value: str = "") -> None:
        diff = next((d for d in self.diffs if d.key == key), None)
        scheme = key.partition(":")[2]
        if diff is None and key.startswith("category:") and scheme in self.first.report.template.schemes:
            # the readings agree, but the reconciled nodules call for another category
            diff = Difference(key, DiffKind.CATEGORY, scheme, None, None)
        if diff is None:
            raise ReconciliationError(key, "no such difference")
        if not reason.strip():
            raise MissingReason(key, "a reason is required for every change")
        if choice is Choice.OWN and diff.kind is not DiffKind.CATEGORY:
            raise ReconciliationError(key, "only a category takes the judge's own value")
        if choice is Choice.OWN and not value:
            raise ReconciliationError(key, "the judge's own category is missing")
        self.resolutions[key] = Resolution(key, choice, reason.strip(), value)

    def unresolved(self) -> list[Difference]:
        return [d for d in self.diffs if d.key not in self.resolutions]

    def _base_choice(self) -> Choice:
        """Where the judge took most values from: the base of the final report."""
        firsts = sum(1 for r in self.resolutions.values() if r.choice is Choice.FIRST)
        seconds = sum(1 for r in self.resolutions.values() if r.choice is Choice.SECOND)
        return Choice.SECOND if seconds > firsts else Choice.FIRST

    def final_report(self) -> tuple[Report, FinalContext]:
        """The judge's final report (a draft to sign) and the judgement record for SR and PDF."""
        missing = self.unresolved()
        if missing:
            raise MissingReason(missing[0].key, "not reconciled yet")
        a, b = self.first.report, self.second.report
        base = a if self._base_choice() is Choice.FIRST else b
        final = Report(base.template, a.identity, base.language)
        for f in base.template.fields:
            if f.type == "computed":
                continue
            res = self.resolutions.get(f"field:{f.id}")
            src = base if res is None else (a if res.choice is Choice.FIRST else b)
            if src.fields.get(f.id) is not None:
                final.set_field(f.id, src.fields[f.id])
        for k, p in enumerate(self.pairs, start=1):
            for finding in self._nodules_of_pair(k, p, base):
                final.add_nodule(finding)
        suggested = final.categories()
        for scheme in base.template.schemes:
            res = self.resolutions.get(f"category:{scheme}")
            ov_a, ov_b = a.categories()[scheme], b.categories()[scheme]
            if res is None:
                want, why = ov_a.final, (a.overrides[scheme].reason if scheme in a.overrides else "")
            elif res.choice is Choice.OWN:
                want, why = res.value, res.reason
            else:
                want, why = (ov_a.final if res.choice is Choice.FIRST else ov_b.final), res.reason
            reason = res.reason if res is not None else why
            if want is not None and want != suggested[scheme].suggested:
                if not reason:
                    raise MissingReason(f"category:{scheme}", "the reconciled nodules suggest another category: "
                                        "state the category with a reason")
                final.override(scheme, want, reason)
        judgement = FinalContext(
            self.first.ref, self.second.ref,
            {s: r.final for s, r in a.categories().items()}, {s: r.final for s, r in b.categories().items()},
            self.agreed, tuple((r.key, r.reason) for r in self.resolutions.values()))
        return final, judgement

    def _nodules_of_pair(self, k: int, p: NodulePair, base: Report) -> list[Finding]:
        a, b = self.first.report.nodules, self.second.report.nodules
        if p.first is None or p.second is None:
            res = self.resolutions.get(f"nodule:{k}")
            present = a[p.first] if p.first is not None else b[p.second]      # type: ignore[index]
            keep = (res.choice is Choice.FIRST) == (p.first is not None) if res else True
            return [present] if keep else []
        na, nb = a[p.first], b[p.second]
        start = na if base is self.first.report else nb
        changes: dict[str, Any] = {}
        for what, attrs in (("size", ("long_mm", "short_mm", "long_axis_px", "short_axis_px", "sop_uid",
                                      "series_uid", "slice_index", "solid_long_mm", "solid_short_mm")),
                            ("type", ("kind",)), ("lobe", ("lobe",))):
            res = self.resolutions.get(f"{what}:{k}")
            if res is not None:
                src = na if res.choice is Choice.FIRST else nb
                changes.update({attr: getattr(src, attr) for attr in attrs})
        return [start.replace(**changes) if changes else start]
