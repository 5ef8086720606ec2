"""The reconciliation draft without Qt: sealed for the judge, restored onto the same two
readings only, a later state winning over an earlier one still on its way, gone once deleted;
another reader's key or an altered file restores nothing."""
from __future__ import annotations

from pathlib import Path

import pytest

from app.reading.double_reading import Choice, Reconciliation
from app.reading.reconciliation_draft import ReconciliationDrafts, snapshot
from app.report.double_sr import reading_from_sr
from app.report.sealed_files import ReaderSecret
from tests.centre.support import CT_DIR, make_study
from tests.double_reading.support import NAME_A, NAME_B, reading_report, reading_sr

NODULE_A = {"slice": 2, "lobe": "RLL", "long": "7.2", "short": "5.6", "centre": (300, 260)}
NODULE_B = {"slice": 3, "lobe": "RLL", "long": "4.6", "short": "3.8", "centre": (303, 262)}


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    if not CT_DIR.is_dir():
        pytest.skip(f"real test data absent: {CT_DIR}")
    return make_study(Path(tmp_path_factory.mktemp("rd")), patient_id="YOMI-RD1", reading=None, n=6, start=20)


def _rec(study, emphysema_b: str = "none") -> Reconciliation:
    a = reading_from_sr(reading_sr(reading_report(study, [NODULE_A]), NAME_A, "reader-a"), "first")
    b = reading_from_sr(reading_sr(reading_report(study, [NODULE_B], emphysema=emphysema_b), NAME_B, "reader-b"),
                        "second")
    return Reconciliation(a, b)


def test_kept_sealed_and_restored_onto_the_same_readings_only(study, tmp_path) -> None:
    secret = ReaderSecret.ephemeral("hanako")
    drafts = ReconciliationDrafts(tmp_path / "drafts", secret)
    rec = _rec(study)
    rec.resolve("category:jscts-6", Choice.OWN, "judged on the lung window", "refer_if_necessary")
    rec.resolve("field:emphysema", Choice.SECOND, "no emphysema on the lung window")
    assert drafts.save(snapshot(rec, study.uid), 2)
    early = Reconciliation(rec.first, rec.second)
    early.resolve("field:emphysema", Choice.FIRST, "an older state")
    assert not drafts.save(snapshot(early, study.uid), 1)      # arrived late: the newer state stays
    [raw] = list((tmp_path / "drafts").glob("*.yr"))
    assert b"lung window" not in raw.read_bytes() and study.uid.encode() not in raw.read_bytes()

    again = Reconciliation(rec.first, rec.second)
    assert ReconciliationDrafts.apply(again, drafts.load(study.uid)) == 2
    assert again.resolutions == rec.resolutions
    other = _rec(study, emphysema_b="mild")                    # other readings (new SRs): nothing applies
    assert ReconciliationDrafts.apply(other, drafts.load(study.uid)) == 0 and not other.resolutions
    # another reader's key, or an altered file: nothing restored, nothing raised
    assert ReconciliationDrafts(tmp_path / "drafts", ReaderSecret.ephemeral("kenji")).load(study.uid) is None
    blob = bytearray(raw.read_bytes())
    blob[-1] ^= 1
    raw.write_bytes(bytes(blob))
    assert drafts.load(study.uid) is None
    drafts.delete(study.uid)
    assert not list((tmp_path / "drafts").glob("*.yr"))
    assert not drafts.save(snapshot(rec, study.uid), 3)         # a save still on its way after signing
