"""Known readings of the centre, as verified Yomi SRs built by the real SR writer, for the
statistics tests (no image data: reports without nodules, categories set by override)."""
from __future__ import annotations

from dataclasses import dataclass

from pydicom.uid import generate_uid

from app.report.critical import CriticalFinding, CriticalKind
from app.report.identity import Signer, StudyIdentity
from app.report.model import Report, SignatureRecord
from app.report.sr import build_sr, encode
from app.report.templates import load_template
from tests.report.conftest import fill_required

READERS = {"A": Signer("Ito^Akira", "R-A", "Yomi Centre"), "B": Signer("Kato^Bunji", "R-B", "Yomi Centre"),
           "C": Signer("Mori^Chika", "R-C", "Yomi Centre")}


@dataclass(frozen=True)
class Read:
    reader: str
    judgement: str            # JSCTS value; "no_nodule" needs no override
    verified_at: str          # ISO 8601 with offset
    critical: CriticalKind | None = None


@dataclass(frozen=True)
class Exam:
    sex: str
    birth: str
    date: str
    time: str
    reads: tuple[Read, ...]
    ctdivol: str | None = None
    dlp: str | None = None


EXAMS = (
    # S1: two readers agree (refer); a suspected cancer flagged; on time (due Thu 5/8 17:00)
    Exam("M", "19600601", "20310507", "100000", (
        Read("A", "refer", "2031-05-07T15:00:00+09:00"),
        Read("B", "refer", "2031-05-08T11:00:00+09:00", CriticalKind.SUSPECTED_CANCER)), "2.0", "70"),
    # S2: readers disagree, a third reader decides (refer); late (due Tue 3/4 17:00)
    Exam("F", "19750110", "20310303", "090000", (
        Read("A", "annual_ct", "2031-03-03T12:00:00+09:00"),
        Read("B", "refer", "2031-03-03T14:00:00+09:00"),
        Read("C", "refer", "2031-03-05T10:00:00+09:00")), "3.0", "110"),
    # S3: single reading, pneumothorax; on time
    Exam("F", "19501231", "20311201", "080000", (
        Read("A", "no_nodule", "2031-12-01T16:00:00+09:00", CriticalKind.PNEUMOTHORAX),), "1.5", "50"),
    # S4: single reading; 2/11 is a public holiday, so due Wed 2/12 17:00: on time
    Exam("M", "19850202", "20310210", "110000", (Read("A", "annual_ct", "2031-02-12T16:00:00+09:00"),)),
    # outside the range
    Exam("F", "19700101", "20301231", "100000", (Read("A", "refer", "2030-12-31T12:00:00+09:00"),)),
)


# The figures of EXAMS for 2031, worked out by hand from the table above.
EXPECTED_2031 = {
    ("period", "from"): "2031-01-01", ("period", "to"): "2031-12-31",
    ("examinees", "total"): "4", ("examinees", "readings"): "7",
    ("sex", "M"): "2", ("sex", "F"): "2",
    ("age_band", "40-49"): "1", ("age_band", "50-59"): "1", ("age_band", "70-79"): "1", ("age_band", ">=80"): "1",
    ("sex_age_band", "M 70-79"): "1", ("sex_age_band", "F 50-59"): "1", ("sex_age_band", "F >=80"): "1",
    ("sex_age_band", "M 40-49"): "1",
    ("referral", "referred"): "2", ("referral", "rate_percent"): "50.0",
    ("judgement", "refer"): "2", ("judgement", "annual_ct"): "1", ("judgement", "no_nodule"): "1",
    ("judgement", "refer_if_necessary"): "0",
    ("agreement", "double_read"): "2", ("agreement", "agreed"): "1", ("agreement", "rate_percent"): "50.0",
    ("agreement", "reconciled"): "1",
    ("critical", "suspected_cancer"): "1", ("critical", "pneumothorax"): "1", ("critical", "total"): "2",
    ("ctdivol_mGy", "n"): "3", ("ctdivol_mGy", "min"): "1.50", ("ctdivol_mGy", "median"): "2.00",
    ("ctdivol_mGy", "p75"): "2.50", ("ctdivol_mGy", "max"): "3.00", ("ctdivol_mGy", "mean"): "2.17",
    ("ctdivol_mGy", "over_2.5"): "1",
    ("dlp_mGycm", "n"): "3", ("dlp_mGycm", "min"): "50.00", ("dlp_mGycm", "median"): "70.00",
    ("dlp_mGycm", "p75"): "90.00", ("dlp_mGycm", "max"): "110.00", ("dlp_mGycm", "mean"): "76.67",
    ("turnaround", "known"): "4", ("turnaround", "on_time"): "3", ("turnaround", "rate_percent"): "75.0",
}


def _uid(*parts: object) -> str:
    # fixed UIDs: the session's Orthanc is shared, and storing the same SR twice keeps one copy
    return generate_uid(entropy_srcs=["yomi statistics test", *map(str, parts)])


def exam_srs() -> list[bytes]:
    """The SRs of EXAMS; the same UIDs (and so the same instances at the centre) every call."""
    out = []
    for n, exam in enumerate(EXAMS):
        study = _uid(n)
        ident = StudyIdentity(study, f"STAT-{n}", "Stat^Examinee", exam.birth, exam.sex, f"ACC-S{n}", exam.date,
                              exam.time, f"S{n}")
        for m, read in enumerate(exam.reads):
            report = Report(load_template("lung-screening-ldct"), ident, "ja")
            fill_required(report)
            if read.judgement != "no_nodule":
                report.override("jscts-6", read.judgement, "reader's judgement on review")
            if exam.ctdivol is not None:
                report.set_field("ctdivol", exam.ctdivol)
            if exam.dlp is not None:
                report.set_field("dlp", exam.dlp)
            if read.critical is not None:
                report.set_critical(CriticalFinding(read.critical, "", read.verified_at))
            record = SignatureRecord(READERS[read.reader], read.verified_at, _uid(n, m, "series"), _uid(n, m, "sr"),
                                     _uid(n, m, "pdf series"), _uid(n, m, "pdf"), False)
            out.append(encode(build_sr(report, record, "narrative")))
    return out
