"""Comparison reading without Qt: readings read back from their SRs, nodules matched by
position on the real CT's geometry, the differences, and the judge's reconciliation."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from app.reading.double_reading import (MATCH_MM, Choice, DiffKind, MissingReason, Reconciliation, geometry_locator,
                                        match_nodules)
from app.reading.roles import FetchDecision, ReadingRole, ReadingsState, may_fetch_readings, may_open_comparison
from app.report.double_sr import UnreadableReading, reading_from_sr
from tests.centre.support import CT_DIR, make_study
from tests.double_reading.support import NAME_A, NAME_B, reading_report, reading_sr, slice_geometry


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    if not CT_DIR.is_dir():
        pytest.skip(f"real test data absent: {CT_DIR}")
    return make_study(Path(tmp_path_factory.mktemp("dr")), patient_id="YOMI-DRC", reading=None, n=6, start=20)


def _readings(study, nodules_a, nodules_b, **kw_b):
    a = reading_from_sr(reading_sr(reading_report(study, nodules_a), NAME_A, "reader-a"), "first")
    b = reading_from_sr(reading_sr(reading_report(study, nodules_b, **kw_b), NAME_B, "reader-b",
                                   qualification="certified_physician"), "second")
    return a, b


def test_roles_decide_who_may_fetch_the_other_reading() -> None:
    none, one, both = ReadingsState(False, False), ReadingsState(True, False), ReadingsState(True, True)
    assert may_fetch_readings(ReadingRole.SECOND, one) is FetchDecision.OWN_READING_NOT_SIGNED
    assert may_fetch_readings(ReadingRole.FIRST, one) is FetchDecision.ALLOWED
    assert may_fetch_readings(ReadingRole.JUDGE, one) is FetchDecision.READINGS_NOT_BOTH_SIGNED
    assert may_fetch_readings(None, both) is FetchDecision.NO_ROLE
    assert may_open_comparison(ReadingRole.FIRST, both) is FetchDecision.NO_ROLE
    assert may_open_comparison(ReadingRole.JUDGE, none) is FetchDecision.READINGS_NOT_BOTH_SIGNED
    assert may_open_comparison(ReadingRole.JUDGE, both) is FetchDecision.ALLOWED


def test_reading_read_back_from_its_sr_carries_reader_and_content(study) -> None:
    a, b = _readings(study, [{"slice": 2, "lobe": "RLL", "long": "7.2", "short": "5.6", "centre": (300, 260)}], [])
    assert a.verified and a.ref.signer.name == NAME_A and a.ref.signer.id == "reader-a"
    assert b.ref.signer.qualification == "certified_physician" and a.ref.signer.qualification == "physician"
    assert a.report.nodules[0].mean_mm == Decimal("6.4") and a.report.fields["emphysema"] == "mild"
    assert a.report.categories()["jscts-6"].final != b.report.categories()["jscts-6"].final
    with pytest.raises(UnreadableReading, match="not a readable DICOM SR"):
        reading_from_sr(b"not dicom", "first")


def test_nodules_match_by_position_across_adjacent_slices(study) -> None:
    locate = geometry_locator(slice_geometry(study))
    # same nodule measured one 5-mm slice apart and 4 px off in plane; another 40 px away
    a, b = _readings(study, [{"slice": 2, "lobe": "RLL", "long": "7.2", "short": "5.6", "centre": (300, 260)},
                             {"slice": 4, "lobe": "LUL", "long": "4.0", "short": "3.0", "centre": (120, 200)}],
                     [{"slice": 3, "lobe": "RLL", "long": "7.6", "short": "5.8", "centre": (304, 262)},
                      {"slice": 4, "lobe": "LUL", "long": "4.0", "short": "3.0", "centre": (160, 200)}])
    pairs = match_nodules(a.report.nodules, b.report.nodules, locate)
    matched = [p for p in pairs if p.first is not None and p.second is not None]
    assert [(p.first, p.second) for p in matched] == [(0, 0)]
    assert 5.0 <= matched[0].distance_mm <= MATCH_MM          # 5 mm in z, ~3.8 mm in plane
    assert {(p.first, p.second) for p in pairs} == {(0, 0), (1, None), (None, 1)}   # 40 px = 33.7 mm apart


def test_reconciliation_needs_a_reason_for_every_change(study) -> None:
    locate = geometry_locator(slice_geometry(study))
    a, b = _readings(study, [{"slice": 2, "lobe": "RLL", "long": "7.2", "short": "5.6", "centre": (300, 260)}],
                     [{"slice": 3, "lobe": "RLL", "long": "4.6", "short": "3.8", "centre": (302, 261)}],
                     emphysema="none")
    rec = Reconciliation(a, b, locate)
    kinds = {d.kind for d in rec.diffs}
    assert kinds == {DiffKind.NODULE_SIZE, DiffKind.CATEGORY, DiffKind.FIELD}
    with pytest.raises(MissingReason):
        rec.final_report()
    with pytest.raises(MissingReason):
        rec.resolve("size:1", Choice.FIRST, "  ")
    rec.resolve("size:1", Choice.FIRST, "long axis re-measured on the lung window: 7.2 mm")
    rec.resolve("field:emphysema", Choice.FIRST, "centrilobular emphysema in both upper lobes")
    for d in rec.unresolved():
        rec.resolve(d.key, Choice.FIRST, "follows from the 6.4 mm nodule")
    final, ctx = rec.final_report()
    assert final.nodules[0].mean_mm == Decimal("6.4") and final.fields["emphysema"] == "mild"
    assert final.categories()["jscts-6"].final == a.report.categories()["jscts-6"].final
    assert not ctx.agreed and len(ctx.changes) == len(rec.diffs)
    assert ctx.first_categories != ctx.second_categories
    assert final.problems() == []


def test_agreeing_readings_need_no_reason(study) -> None:
    n = [{"slice": 2, "lobe": "RLL", "long": "7.2", "short": "5.6", "centre": (300, 260)}]
    a, b = _readings(study, n, [dict(n[0], slice=3, long="7.4")])
    rec = Reconciliation(a, b, geometry_locator(slice_geometry(study)))
    assert rec.agreed
    final, ctx = rec.final_report()
    assert ctx.agreed and ctx.changes == () and len(final.nodules) == 1
