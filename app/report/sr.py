"""The signed report as a DICOM Comprehensive 3D SR, TID 1500 Measurement Report (highdicom).

Each nodule is a measurement group (TID 1410 with an ellipse on the measured slice when the
viewer gave the drawn axes, else TID 1501 with the slice referenced by each measurement):
long axis, short axis and mean diameter in mm, lobe as finding site, type as a qualitative
evaluation. The categories, recommendation and narrative follow in a report-level Qualitative
Evaluations container. Study and patient identity come from the report, never copied from an
image (a real image's faulty ReferencedStudySequence would otherwise be inherited).
"""
from __future__ import annotations

import functools
import io
import logging
import warnings
from collections.abc import Sequence
from typing import Any

import highdicom as hd
import numpy as np
import pydicom
from highdicom.sr import CodedConcept
from pydicom.dataset import Dataset
from pydicom.sr.codedict import codes
from pydicom.uid import CTImageStorage, Comprehensive3DSRStorage

from common.dicom_dates import dicom_datetime

from . import sr_codes as C
from .categories import SCHEME_NAMES, category_label
from .double_sr import content_item, qualification_code
from .errors import SrError
from .finding import Finding
from .model import Report, SignatureRecord
from .rules import jscts, lungrads

__all__ = ["COMPREHENSIVE_3D_SR", "build_sr", "encode"]

log = logging.getLogger(__name__)
COMPREHENSIVE_3D_SR = Comprehensive3DSRStorage
SR_SERIES_NUMBER = 9001
_LANG = {"ja": ("ja-JP", "Japanese (Japan)"), "en": ("en-US", "English (United States)")}


def _evidence(report: Report) -> list[Dataset]:
    """Minimal stand-ins for the referenced slices, carrying the report's own identity."""
    ident = report.identity
    seen: dict[str, Dataset] = {}
    refs = [(n.series_uid, n.sop_uid, n.sop_class_uid) for n in report.nodules] or [(None, None, None)]
    for series_uid, sop_uid, sop_class in refs:
        ds = Dataset()
        ds.StudyInstanceUID = ident.study_uid
        ds.SeriesInstanceUID = series_uid or pydicom.uid.generate_uid()
        ds.SOPInstanceUID = sop_uid or pydicom.uid.generate_uid()
        ds.SOPClassUID = sop_class or CTImageStorage
        ds.PatientID = ident.patient_id
        ds.PatientName = ident.patient_name
        ds.PatientBirthDate = ident.patient_birth_date
        ds.PatientSex = ident.patient_sex
        ds.AccessionNumber = ident.accession_number
        ds.StudyID = ident.study_id
        ds.StudyDate = ident.study_date
        ds.StudyTime = ident.study_time
        ds.ReferringPhysicianName = ""
        seen.setdefault(ds.SOPInstanceUID, ds)
    return list(seen.values())


def _measurements(n: Finding, ref: hd.sr.SourceImageForMeasurement | None) -> list[hd.sr.Measurement]:
    refs = [ref] if ref is not None else None
    mm = codes.UCUM.Millimeter
    return [
        hd.sr.Measurement(name=codes.SCT.LongAxis, value=float(n.long_mm), unit=mm, referenced_images=refs),
        hd.sr.Measurement(name=codes.SCT.ShortAxis, value=float(n.short_mm), unit=mm, referenced_images=refs),
        hd.sr.Measurement(name=codes.SCT.Diameter, value=float(n.mean_mm), unit=mm, derivation=codes.SCT.Mean,
                          referenced_images=refs),
    ]


def _nodule_group(i: int, n: Finding, report: Report) -> hd.sr.ContentSequence:
    if n.lobe not in C.LOBE_SITES or n.kind not in C.NODULE_TYPE:
        raise SrError(f"nodule {i + 1}: lobe or type missing")
    location, side = C.LOBE_SITES[n.lobe]
    site = hd.sr.FindingSite(anatomic_location=location, laterality=side)
    tracking = hd.sr.TrackingIdentifier(uid=n.tracking_uid, identifier=f"Nodule {i + 1}")
    quals = [hd.sr.QualitativeEvaluation(C.NODULE_TYPE_NAME, C.NODULE_TYPE[n.kind])]
    if n.status in C.NODULE_CHANGE:
        quals.append(hd.sr.QualitativeEvaluation(C.NODULE_CHANGE_NAME, C.NODULE_CHANGE[n.status]))
    if n.status_overridden:
        quals.append(hd.sr.QualitativeEvaluation(C.NODULE_CHANGE_SUGGESTED, C.NODULE_CHANGE[n.suggested_status]))
    common = dict(tracking_identifier=tracking, finding_type=codes.SCT.Nodule, finding_sites=[site],
                  finding_category=codes.SCT.MorphologicallyAbnormalStructure, qualitative_evaluations=quals)
    if n.long_axis_px is not None and n.short_axis_px is not None:
        # DICOM ELLIPSE: the two end points of the major axis, then those of the minor axis.
        points = np.array([n.long_axis_px[:2], n.long_axis_px[2:], n.short_axis_px[:2], n.short_axis_px[2:]],
                          dtype=float)
        region = hd.sr.ImageRegion(graphic_type=hd.sr.GraphicTypeValues.ELLIPSE, graphic_data=points,
                                   source_image=hd.sr.SourceImageForRegion(n.sop_class_uid, n.sop_uid))
        group = hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations(
            referenced_region=region, measurements=_measurements(n, None), **common)
    else:
        ref = hd.sr.SourceImageForMeasurement(n.sop_class_uid, n.sop_uid)
        group = hd.sr.MeasurementsAndQualitativeEvaluations(measurements=_measurements(n, ref), **common)
    if n.status_overridden:
        # the reason as text right after the change it explains, inside the nodule's own group
        group[0].ContentSequence.append(hd.sr.TextContentItem(
            C.NODULE_CHANGE_REASON, n.status_reason, hd.sr.RelationshipTypeValues.CONTAINS))
    return group


def _evaluations(report: Report, narrative: str) -> hd.sr.ContainerContentItem:
    contains = hd.sr.RelationshipTypeValues.CONTAINS
    items: list[hd.sr.ContentItem] = []
    for scheme, res in report.categories().items():
        if res.final is None:
            raise SrError(f"{scheme}: no final category")
        if scheme == lungrads.SCHEME:
            base = res.final.rstrip("S") or res.final
            items.append(hd.sr.CodeContentItem(C.LUNG_RADS_NAME, C.LUNG_RADS_VALUES[base], contains))
            if res.final.endswith("S"):
                items.append(hd.sr.TextContentItem(C.LUNG_RADS_S, "S", contains))
        elif scheme == jscts.SCHEME:
            value = C.jscts_value(res.final, category_label(scheme, res.final, "en"))
            items.append(hd.sr.CodeContentItem(C.JSCTS_NAME, value, contains))
        if res.override is not None:
            items.append(hd.sr.TextContentItem(C.OVERRIDE_REASON, f"{SCHEME_NAMES[scheme]['en']}: {res.override.reason}",
                                               contains))
        if res.recommendation:
            items.append(hd.sr.TextContentItem(codes.DCM.Recommendation, res.recommendation[report.language], contains))
        if res.follow_up_months:
            items.append(hd.sr.NumContentItem(name=codes.DCM.RecommendedFollowUpInterval, value=res.follow_up_months,
                                              unit=codes.UCUM.Month, relationship_type=contains))
    items += _critical_and_dose(report)
    items.append(hd.sr.TextContentItem(codes.DCM.Findings, narrative, contains))
    container = hd.sr.ContainerContentItem(C.QUALITATIVE_EVALUATIONS, relationship_type=contains)
    container.ContentSequence = hd.sr.ContentSequence(items)
    return container


def _critical_and_dose(report: Report) -> list[hd.sr.ContentItem]:
    """The critical-result flag (kind coded, note as text) and the exam's CTDIvol / DLP, which
    the centre's statistics read back (app.reading.statistics)."""
    contains = hd.sr.RelationshipTypeValues.CONTAINS
    items: list[hd.sr.ContentItem] = []
    if report.critical is not None:
        items.append(hd.sr.CodeContentItem(C.CRITICAL_RESULT, C.CRITICAL_KINDS[report.critical.kind.value], contains))
        if report.critical.text:
            items.append(hd.sr.TextContentItem(C.CRITICAL_NOTE, report.critical.text, contains))
    fields = report.fields
    for fid, concept, unit in (("ctdivol", C.MEAN_CTDIVOL, CodedConcept("mGy", "UCUM", "mGy")),
                               ("dlp", C.DLP, CodedConcept("mGy.cm", "UCUM", "mGy.cm"))):
        if fields.get(fid) is not None:
            items.append(hd.sr.NumContentItem(name=concept, value=float(fields[fid]), unit=unit,
                                              relationship_type=contains))
    return items


def _predecessor(report: Report) -> list[Dataset] | None:
    p = report.predecessor
    if p is None:
        return None
    ds = Dataset()
    ds.StudyInstanceUID, ds.SeriesInstanceUID = p.study_uid, p.series_uid
    ds.SOPClassUID, ds.SOPInstanceUID = COMPREHENSIVE_3D_SR, p.sr_sop_uid
    return [ds]


def _no_names_in_warnings(fn):
    """highdicom warns about a one-component person name quoting the name itself (e.g. a
    pseudonymised 'Lung_Dx-A0001'); warnings reach stderr and logs, personal data must not."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"The string .* is unlikely to represent the intended "
                                    r"person name", category=UserWarning)
            return fn(*args, **kwargs)
    return wrapper


@_no_names_in_warnings
def build_sr(report: Report, record: SignatureRecord, narrative: str, *, role_in_procedure: CodedConcept | None = None,
             other_observers: Sequence[Sequence[Any]] = (),
             predecessors: list[Dataset] | None = None) -> hd.sr.Comprehensive3DSR:
    """The VERIFIED, COMPLETE SR of a report about to be signed with `record`.

    Double reading (double_sr.py): `role_in_procedure` of the signer, `other_observers` (TID 1002
    content items of the readers, after the signer) and `predecessors` (the readings a final
    report joins) instead of the addendum's predecessor."""
    try:
        signer = record.signer
        person = hd.sr.PersonObserverIdentifyingAttributes(name=signer.name, login_name=signer.id,
                                                           organization_name=signer.organisation,
                                                           role_in_organization=qualification_code(signer.qualification),
                                                           role_in_procedure=role_in_procedure)
        context = hd.sr.ObservationContext(observer_person_context=hd.sr.ObserverContext(
            observer_type=codes.DCM.Person, observer_identifying_attributes=person))
        proc = report.template.procedure
        lang_code, lang_meaning = _LANG[report.language]
        groups = [_nodule_group(i, n, report) for i, n in enumerate(report.nodules)]
        # TID 1500 needs one of Imaging Measurements / Derived / Qualitative Evaluations; highdicom
        # insists on the first, so a report without nodules is built with a placeholder group
        # whose container is then removed, leaving the Qualitative Evaluations container.
        placeholder = [hd.sr.MeasurementsAndQualitativeEvaluations(
            tracking_identifier=hd.sr.TrackingIdentifier(identifier="none"),
            qualitative_evaluations=[hd.sr.QualitativeEvaluation(codes.DCM.Finding, codes.SCT.Nodule)])]
        content = hd.sr.MeasurementReport(
            observation_context=context,
            procedure_reported=CodedConcept(proc["code"], proc["scheme"], proc["meaning"]),
            imaging_measurements=groups or placeholder,
            language_of_content_item_and_descendants=hd.sr.LanguageOfContentItemAndDescendants(
                CodedConcept(lang_code, "RFC5646", lang_meaning)),
        )
        root = content[0].ContentSequence
        if not groups:
            index = next(i for i, item in enumerate(root)
                         if item.ConceptNameCodeSequence[0].CodeValue == codes.DCM.ImagingMeasurements.value)
            del root[index]
        root.append(_evaluations(report, narrative))
        root[-1].ContentSequence.append(content_item(report))
        if other_observers:
            # after the signer's own observer context items, before Procedure Reported
            at = next(i for i, item in enumerate(root)
                      if item.ConceptNameCodeSequence[0].CodeValue == codes.DCM.ProcedureReported.value)
            for k, item in enumerate(item for observer in other_observers for item in observer):
                root.insert(at + k, item)
        sr = hd.sr.Comprehensive3DSR(
            evidence=_evidence(report),
            content=content[0],
            series_instance_uid=record.series_uid,
            series_number=SR_SERIES_NUMBER,
            sop_instance_uid=record.sr_sop_uid,
            instance_number=1,
            manufacturer="Yomi",
            is_complete=True,
            is_final=True,
            is_verified=True,
            verifying_observer_name=signer.name,
            verifying_organization=signer.organisation,
            institution_name=signer.organisation,
            previous_versions=predecessors if predecessors is not None else _predecessor(report),
            specific_character_set="ISO_IR 192",
            series_description="Yomi structured report",
        )
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise SrError(f"SR for report {report.report_id} not built: {exc.__class__.__name__}: {exc}") from exc
    if not report.nodules:
        # No image is referenced: the stand-in evidence must not appear as if it were one.
        for kw in ("CurrentRequestedProcedureEvidenceSequence", "PertinentOtherEvidenceSequence"):
            if kw in sr:
                delattr(sr, kw)
    da, tm, off = dicom_datetime(record.signed_at)
    sr.ContentDate, sr.ContentTime = da, tm
    sr.SeriesDate, sr.SeriesTime = da, tm
    sr.InstanceCreationDate, sr.InstanceCreationTime = da, tm
    sr.TimezoneOffsetFromUTC = off
    observer = sr.VerifyingObserverSequence[0]
    observer.VerificationDateTime = f"{da}{tm}{off}"
    code = Dataset()
    code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = signer.id[:16], "99YOMI", "Reader ID"
    observer.VerifyingObserverIdentificationCodeSequence = [code]
    scheme = Dataset()
    scheme.CodingSchemeDesignator, scheme.CodingSchemeName = "99YOMI", "Yomi private codes (JSCTS judgements, reader IDs)"
    scheme.CodingSchemeResponsibleOrganization = "Yomi"
    sr.CodingSchemeIdentificationSequence = [scheme]
    log.info("SR %s built for study %s (%d nodules)", record.sr_sop_uid, report.identity.study_uid, len(report.nodules))
    return sr


def encode(ds: Dataset) -> bytes:
    """The dataset as a DICOM Part 10 file (128-byte zero preamble)."""
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()
