"""The centre's figures for a date range, as the accreditation's annual report asks
(japan-reporting.md section 4, 肺がんCT検診認定機構 [K8]): examinees by sex and age band,
要精検率, judgements by category, readers' agreement, reconciled cases, critical results,
CTDIvol / DLP, and turnaround against the due time. No Qt here.

Source (decided): the centre's stored SRs, read over QIDO/WADO (`fetch_readings`): only
VERIFIED Comprehensive 3D SRs made by Yomi, whose study date is in the range. Each SR is one
reading; a study is one examinee (the annual report counts examinations of the year; the
Patient ID is never collected, so a person screened twice in one year counts twice).

- final reading of a study: the latest verified SR of it (an addendum supersedes);
- 要精検: the final JSCTS judgement is "refer" (要精検). "refer if judged necessary" is a
  reader's pending decision, counted under its own category, not as 要精検;
- agreement: among studies with first readings (no predecessor) by two or more different
  readers, the share where the first two readers' JSCTS judgements are equal; a study read
  once counts in nothing here (single readings are tolerated);
- reconciled: studies whose first readers disagreed and that have a later reading (a third
  reader, or an addendum naming a predecessor), the 比較読影 / judge's reading;
- turnaround: arrival is the study's date and time (the SR copies them), due by the site's
  routine rule (the priority is not in the SR), met when the SR was verified by then.
"""
from __future__ import annotations

import csv
import io
import logging
import re
import statistics as pystats
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pydicom
from pydicom.dataset import Dataset

from app.report.rules.jscts import Judgement
from worklist.centre import Priority

from .turnaround import TurnaroundRules, due_time

__all__ = ["Reading", "DoseSummary", "CentreStatistics", "AgeBand", "reading_from_sr", "compute_statistics",
           "fetch_readings", "statistics_rows", "write_csv", "StatisticsError"]

log = logging.getLogger(__name__)

COMPREHENSIVE_3D_SR = "1.2.840.10008.5.1.4.1.1.88.34"
AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("<40", 0, 39), ("40-49", 40, 49), ("50-59", 50, 59), ("60-69", 60, 69), ("70-79", 70, 79), (">=80", 80, 200))
AgeBand = str  # one of the AGE_BANDS labels, or "unknown"
_JSCTS_PREFIX = "JSCTS6-"


class StatisticsError(Exception):
    """A date range or a source the statistics cannot use; the message says which."""


@dataclass(frozen=True)
class Reading:
    """What one verified SR says, in typed values (no name, no ID)."""

    study_uid: str
    sop_uid: str
    study_date: str
    study_time: str
    sex: str                     # M / F / O / ""
    age: int | None
    observer: str                # reader ID code (99YOMI) or Verifying Observer Name
    verified_at: datetime | None
    has_predecessor: bool
    jscts: Judgement | None
    lung_rads: str = ""
    critical: str = ""           # sr_codes.CRITICAL_KINDS key, "" when none
    ctdivol: float | None = None
    dlp: float | None = None


@dataclass(frozen=True)
class DoseSummary:
    n: int = 0
    minimum: float | None = None
    median: float | None = None
    p75: float | None = None
    maximum: float | None = None
    mean: float | None = None


@dataclass(frozen=True)
class CentreStatistics:
    date_from: date
    date_to: date
    examinees: int
    by_sex: dict[str, int]
    by_age_band: dict[AgeBand, int]
    by_sex_and_age: dict[tuple[str, AgeBand], int]
    referred: int                       # 要精検 (final judgement "refer")
    judgements: dict[str, int]          # JSCTS judgement value -> studies
    double_read: int                    # studies with first readings by >= 2 readers
    agreed: int
    reconciled: int
    critical: dict[str, int]
    ctdivol: DoseSummary
    dlp: DoseSummary
    ctdivol_over_2_5: int               # JECS LDCT protocol: CTDIvol <= 2.5 mGy [K11]
    turnaround_known: int
    on_time: int
    readings: int

    @property
    def referral_rate(self) -> float | None:
        return self.referred / self.examinees if self.examinees else None

    @property
    def agreement_rate(self) -> float | None:
        return self.agreed / self.double_read if self.double_read else None

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.turnaround_known if self.turnaround_known else None


def _code_value(item: Dataset) -> str:
    return str(item.get("CodeValue") or item.get("LongCodeValue") or item.get("URNCodeValue") or "")


def _walk(items: Iterable[Dataset]) -> Iterator[Dataset]:
    for it in items:
        yield it
        yield from _walk(it.get("ContentSequence", []))


def _age(birth: str, on: str) -> int | None:
    try:
        b = date(int(birth[:4]), int(birth[4:6]), int(birth[6:8]))
        d = date(int(on[:4]), int(on[4:6]), int(on[6:8]))
    except (ValueError, TypeError):
        return None
    return d.year - b.year - ((d.month, d.day) < (b.month, b.day))


_DT = re.compile(r"^(\d{14})(?:\.\d{1,6})?([+-]\d{4})?$")


def _dt(value: str) -> datetime | None:
    """A DICOM DT to the second; with its UTC offset when it has one."""
    m = _DT.match((value or "").strip())
    if m is None:
        return None
    try:
        return datetime.strptime(m.group(1) + (m.group(2) or ""), "%Y%m%d%H%M%S" + ("%z" if m.group(2) else ""))
    except ValueError:
        return None


def reading_from_sr(ds: Dataset) -> Reading:
    """A Yomi SR as a reading; raises StatisticsError naming the SR when it is not one."""
    from app.report import sr_codes as C

    sop = str(ds.get("SOPInstanceUID", ""))
    if str(ds.get("SOPClassUID", "")) != COMPREHENSIVE_3D_SR or "ContentSequence" not in ds:
        raise StatisticsError(f"SR {sop} is not a Comprehensive 3D SR with content")
    jscts = None
    lung_rads = critical = ""
    ctdivol = dlp = None
    kinds = {v.value: k for k, v in C.CRITICAL_KINDS.items()}
    lung_rads_values = {v.value: k for k, v in C.LUNG_RADS_VALUES.items()}
    for it in _walk(ds.ContentSequence):
        if "ConceptNameCodeSequence" not in it:
            continue
        name = _code_value(it.ConceptNameCodeSequence[0])
        if it.get("ValueType") == "CODE" and it.get("ConceptCodeSequence"):
            value = _code_value(it.ConceptCodeSequence[0])
            if name == C.JSCTS_NAME.value and value.startswith(_JSCTS_PREFIX):
                try:
                    jscts = Judgement(value[len(_JSCTS_PREFIX):].lower().replace("-", "_"))
                except ValueError:
                    log.warning("SR %s: unknown JSCTS judgement code %s", sop, value[:40])
            elif name == C.LUNG_RADS_NAME.value:
                lung_rads = lung_rads_values.get(value, "")
            elif name == C.CRITICAL_RESULT.value:
                critical = kinds.get(value, "other")
        elif it.get("ValueType") == "NUM" and it.get("MeasuredValueSequence"):
            number = float(it.MeasuredValueSequence[0].NumericValue)
            if name == C.MEAN_CTDIVOL.value:
                ctdivol = number
            elif name == C.DLP.value:
                dlp = number
    observer = ""
    verified = None
    for obs in ds.get("VerifyingObserverSequence", []):
        codes = obs.get("VerifyingObserverIdentificationCodeSequence") or []
        observer = _code_value(codes[0]) if codes else str(obs.get("VerifyingObserverName", ""))
        verified = _dt(str(obs.get("VerificationDateTime", "")))
    study_date = str(ds.get("StudyDate", ""))
    return Reading(str(ds.get("StudyInstanceUID", "")), sop, study_date, str(ds.get("StudyTime", "")),
                   str(ds.get("PatientSex", "")).upper()[:1], _age(str(ds.get("PatientBirthDate", "")), study_date),
                   observer, verified, bool(ds.get("PredecessorDocumentsSequence")), jscts, lung_rads, critical,
                   ctdivol, dlp)


def _band(age: int | None) -> AgeBand:
    if age is None:
        return "unknown"
    return next((label for label, lo, hi in AGE_BANDS if lo <= age <= hi), "unknown")


def _dose(values: list[float]) -> DoseSummary:
    if not values:
        return DoseSummary()
    v = sorted(values)
    p75 = pystats.quantiles(v, n=4, method="inclusive")[2] if len(v) > 1 else v[0]
    return DoseSummary(len(v), v[0], pystats.median(v), round(p75, 3), v[-1], round(pystats.fmean(v), 3))


def _sort_time(r: Reading) -> float:
    return r.verified_at.timestamp() if r.verified_at is not None else 0.0


def _arrival(r: Reading, rules: TurnaroundRules) -> datetime | None:
    d, t = r.study_date, (r.study_time or "000000").ljust(6, "0")
    try:
        return datetime.strptime(d[:8] + t[:6], "%Y%m%d%H%M%S").replace(tzinfo=rules.calendar.tz)
    except ValueError:
        return None


def compute_statistics(readings: Iterable[Reading], date_from: date, date_to: date,
                       rules: TurnaroundRules | None = None) -> CentreStatistics:
    rules = rules or TurnaroundRules()
    lo, hi = date_from.strftime("%Y%m%d"), date_to.strftime("%Y%m%d")
    by_study: dict[str, list[Reading]] = {}
    count = 0
    for r in readings:
        if lo <= r.study_date[:8] <= hi:
            by_study.setdefault(r.study_uid, []).append(r)
            count += 1
    sex, band, sex_band, judgements, critical = Counter(), Counter(), Counter(), Counter(), Counter()
    referred = double = agreed = reconciled = known = on_time = over = 0
    ctdi, dlp = [], []
    for study, rs in by_study.items():
        rs.sort(key=_sort_time)
        final = rs[-1]
        s, b = final.sex or "unknown", _band(final.age)
        sex[s] += 1
        band[b] += 1
        sex_band[(s, b)] += 1
        if final.jscts is not None:
            judgements[final.jscts.value] += 1
            referred += final.jscts is Judgement.REFER
        kinds = {r.critical for r in rs if r.critical}
        for k in kinds:
            critical[k] += 1
        dose = next((r for r in reversed(rs) if r.ctdivol is not None or r.dlp is not None), None)
        if dose is not None:
            if dose.ctdivol is not None:
                ctdi.append(dose.ctdivol)
                over += dose.ctdivol > 2.5
            if dose.dlp is not None:
                dlp.append(dose.dlp)
        firsts: list[Reading] = []
        for r in rs:
            if not r.has_predecessor and r.observer not in {f.observer for f in firsts}:
                firsts.append(r)
        if len(firsts) >= 2:
            double += 1
            if firsts[0].jscts == firsts[1].jscts:
                agreed += 1
            elif any(_sort_time(r) > _sort_time(firsts[1]) and r not in firsts[:2] for r in rs):
                reconciled += 1
        arrival = _arrival(rs[0], rules)
        if arrival is not None and final.verified_at is not None:
            known += 1
            signed = rules.calendar.local(final.verified_at)
            on_time += signed <= due_time(arrival, Priority.ROUTINE, rules)
    return CentreStatistics(date_from, date_to, len(by_study), dict(sex), dict(band), dict(sex_band), referred,
                            dict(judgements), double, agreed, reconciled, dict(critical), _dose(ctdi), _dose(dlp),
                            over, known, on_time, count)


def fetch_readings(client, date_from: date, date_to: date, *, on_study: Callable[[str, str], None] | None = None,
                   cancelled: Callable[[], bool] = lambda: False) -> list[Reading]:
    """The verified Yomi SRs of studies dated in the range, read from the centre (QIDO, then
    WADO per SR). `on_study(study_uid, patient_id)` is told of each study read (for the audit
    trail). `client` is a worklist.dicomweb.DicomWebClient. Blocking: a worker's job."""
    from worklist.dicom_json import dataset_from_json, text

    if date_to < date_from:
        raise StatisticsError(f"the range ends ({date_to}) before it begins ({date_from})")
    rng = f"{date_from:%Y%m%d}-{date_to:%Y%m%d}"
    out: list[Reading] = []
    studies = client.search_studies({"StudyDate": rng, "ModalitiesInStudy": "SR"}, limit=100000)
    for st in studies:
        study_uid = text(dataset_from_json(st, what="a study"), "StudyInstanceUID")
        if cancelled():
            break
        for se in client.search_series(study_uid, {"Modality": "SR"}):
            series_uid = text(dataset_from_json(se, what="a series"), "SeriesInstanceUID")
            for inst in client.search_instances(study_uid, series_uid):
                meta = dataset_from_json(inst, what="an instance")
                if text(meta, "SOPClassUID") != COMPREHENSIVE_3D_SR:
                    continue
                data = client.retrieve_instance(study_uid, series_uid, text(meta, "SOPInstanceUID"))
                ds = pydicom.dcmread(io.BytesIO(data))
                if str(ds.get("Manufacturer", "")) != "Yomi" or str(ds.get("VerificationFlag", "")) != "VERIFIED":
                    continue
                try:
                    out.append(reading_from_sr(ds))
                except StatisticsError as exc:
                    log.warning("%s", exc)
                    continue
                if on_study is not None:
                    on_study(study_uid, str(ds.get("PatientID", "")))
    return out


def _fmt(x: float | None, digits: int = 1) -> str:
    return "" if x is None else f"{x:.{digits}f}"


def statistics_rows(s: CentreStatistics) -> list[tuple[str, str, str]]:
    """(section, item, value) rows: what the CSV holds and the GUI charts."""
    rows: list[tuple[str, str, str]] = [
        ("period", "from", s.date_from.isoformat()), ("period", "to", s.date_to.isoformat()),
        ("examinees", "total", str(s.examinees)), ("examinees", "readings", str(s.readings))]
    rows += [("sex", k, str(v)) for k, v in sorted(s.by_sex.items())]
    order = [b for b, _, _ in AGE_BANDS] + ["unknown"]
    rows += [("age_band", b, str(s.by_age_band[b])) for b in order if b in s.by_age_band]
    rows += [("sex_age_band", f"{sx} {b}", str(v)) for (sx, b), v in
             sorted(s.by_sex_and_age.items(), key=lambda kv: (kv[0][0], order.index(kv[0][1])))]
    rows += [("referral", "referred", str(s.referred)),
             ("referral", "rate_percent", _fmt(None if s.referral_rate is None else 100 * s.referral_rate))]
    rows += [("judgement", j.value, str(s.judgements.get(j.value, 0))) for j in Judgement]
    rows += [("agreement", "double_read", str(s.double_read)), ("agreement", "agreed", str(s.agreed)),
             ("agreement", "rate_percent", _fmt(None if s.agreement_rate is None else 100 * s.agreement_rate)),
             ("agreement", "reconciled", str(s.reconciled))]
    rows += [("critical", k, str(v)) for k, v in sorted(s.critical.items())]
    rows.append(("critical", "total", str(sum(s.critical.values()))))
    for name, d in (("ctdivol_mGy", s.ctdivol), ("dlp_mGycm", s.dlp)):
        rows += [(name, "n", str(d.n)), (name, "min", _fmt(d.minimum, 2)), (name, "median", _fmt(d.median, 2)),
                 (name, "p75", _fmt(d.p75, 2)), (name, "max", _fmt(d.maximum, 2)), (name, "mean", _fmt(d.mean, 2))]
    rows.append(("ctdivol_mGy", "over_2.5", str(s.ctdivol_over_2_5)))
    rows += [("turnaround", "known", str(s.turnaround_known)), ("turnaround", "on_time", str(s.on_time)),
             ("turnaround", "rate_percent", _fmt(None if s.on_time_rate is None else 100 * s.on_time_rate))]
    return rows


def write_csv(s: CentreStatistics, path: Path | None = None) -> str:
    """The figures as CSV (section,item,value); written to `path` when given. Returns the text."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(("section", "item", "value"))
    w.writerows(statistics_rows(s))
    text = buf.getvalue()
    if path is not None:
        from common.atomic import write_atomic
        write_atomic(Path(path), text.encode("utf-8"), mode=0o600)
    return text

